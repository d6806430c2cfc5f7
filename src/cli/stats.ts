/**
 * `-z` statistics: collectors that see every packet during the read and print
 * a report at the end (tshark prints its -z output after the packets).
 *
 * Each collector keeps only per-SA and per-flow state (see src/analyze/),
 * never the packets. The JSON shapes are documented in src/analyze/report.ts
 * (`ike,sessions`: `{"ike_sas":[…],"flows":[…]}`; `esp,sas`: `{"flows":[…]}`)
 * and src/analyze/ladder.ts (`ike,flow`: `{"ladder":{"columns":[…],"lines":[…],"dropped":0}}`).
 */
import type { Packet } from '../dissect/packet.js';
import { SessionBuilder } from '../analyze/sessions.js';
import { LadderBuilder } from '../analyze/ladder.js';
import { espSasJson, espSasText, sessionsJson, sessionsText } from '../analyze/report.js';

export interface StatsCollector {
  /** Called for every packet read, in order. Must not keep the packet (memory stays flat). */
  add(p: Packet): void;
  /** The report, after the last packet: text, or JSON when the output format is json/jsonl. */
  render(format: 'text' | 'json'): string;
}

/** The `-z` names espy knows, with a one-line description each. */
export const STATS: ReadonlyArray<readonly [string, string]> = [
  ['ike,sessions', 'IKE SAs: peers, version/mode, proposals, IDs, state, exchanges, child SAs, ESP/AH flows, NAT-D verdict'],
  ['ike,flow', 'IKE ladder diagram: one column per peer, exchanges with payload lists, ESP summarized per burst'],
  ['esp,sas', 'ESP/AH SAs by (protocol, SPI, destination): packets, bytes, first/last, sequence range, gaps, duplicates'],
];

class SessionsStats implements StatsCollector {
  private readonly b = new SessionBuilder();
  constructor(private readonly kind: 'sessions' | 'esp') {}
  add(p: Packet): void {
    this.b.add(p);
  }
  render(format: 'text' | 'json'): string {
    const m = this.b.result();
    if (this.kind === 'esp') return format === 'json' ? espSasJson(m) : espSasText(m);
    return format === 'json' ? sessionsJson(m) : sessionsText(m);
  }
}

/** A collector for a `-z` argument, or an error message naming the valid ones. */
export function makeStats(spec: string): StatsCollector | string {
  switch (spec) {
    case 'ike,sessions':
      return new SessionsStats('sessions');
    case 'esp,sas':
      return new SessionsStats('esp');
    case 'ike,flow':
      return new LadderBuilder();
    default:
      return `-z ${spec}: unknown statistic (known: ${STATS.map(([n]) => n).join(', ')})`;
  }
}
