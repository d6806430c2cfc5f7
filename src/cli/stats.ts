/**
 * `-z` statistics: collectors that see every packet during the read and print
 * a report at the end (tshark prints its -z output after the packets).
 */
import type { Packet } from '../dissect/packet.js';

export interface StatsCollector {
  /** Called for every packet read, in order. Must not keep the packet (memory stays flat). */
  add(p: Packet): void;
  /** The report, after the last packet: text, or JSON when the output format is json/jsonl. */
  render(format: 'text' | 'json'): string;
}

/** The `-z` names espy knows, with a one-line description each. */
export const STATS: ReadonlyArray<readonly [string, string]> = [];

/** A collector for a `-z` argument, or an error message naming the valid ones. */
export function makeStats(spec: string): StatsCollector | string {
  return `-z ${spec}: unknown statistic (known: ${STATS.map(([n]) => n).join(', ') || 'none yet'})`;
}
