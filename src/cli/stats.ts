/**
 * `-z` statistics: collectors that see every packet during the read and print
 * a report at the end (tshark prints its -z output after the packets).
 *
 * Each collector keeps only per-SA and per-flow state (see src/analyze/),
 * never the packets. The JSON shapes are documented in src/analyze/report.ts
 * (`ike,sessions`: `{"ike_sas":[…],"flows":[…]}`; `esp,sas`: `{"flows":[…]}`)
 * and src/analyze/ladder.ts (`ike,flow`: `{"ladder":{"columns":[…],"lines":[…],"dropped":0}}`).
 * Each JSON document starts with a `"schema"` id (`espy.sessions/1`,
 * `espy.esp-sas/1`, `espy.ike-flow/1`, `espy.conv/1`), specified by the JSON
 * Schema files in schema/ and checked by test/json-schema.test.ts.
 *
 * `conv,ip` / `conv,ipv6`: IPv4 / IPv6 conversations as tshark's
 * `-z conv,ip` / `-z conv,ipv6` count them (ConvStats below).
 */
import type { Packet } from '../dissect/packet.js';
import { SessionBuilder } from '../analyze/sessions.js';
import { LadderBuilder } from '../analyze/ladder.js';
import { espSasJson, espSasText, sessionsJson, sessionsText } from '../analyze/report.js';
import { formatIPv4, formatIPv6 } from '../core/bytes.js';

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
  ['conv,ip', 'IPv4 conversations (as tshark -z conv,ip): frames and bytes each direction, relative start, duration'],
  ['conv,ipv6', 'IPv6 conversations (as tshark -z conv,ipv6)'],
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


export const IKE_FLOW_SCHEMA = 'espy.ike-flow/1';
export const CONV_SCHEMA = 'espy.conv/1';

/** `-z ike,flow` with the schema id first in its JSON document. */
class LadderStats implements StatsCollector {
  private readonly l = new LadderBuilder();
  add(p: Packet): void {
    this.l.add(p);
  }
  render(format: 'text' | 'json'): string {
    const s = this.l.render(format);
    if (format !== 'json') return s;
    return JSON.stringify({ schema: IKE_FLOW_SCHEMA, ...(JSON.parse(s) as object) }, null, 1) + '\n';
  }
}

interface Conv {
  readonly a: string;
  readonly b: string;
  framesAB: number;
  bytesAB: number;
  framesBA: number;
  bytesBA: number;
  /** Nanoseconds since the first packet the collector saw. */
  startNs: number;
  stopNs: number;
  firstFrame: number;
  lastFrame: number;
}

/** tshark's format_size(…, FORMAT_SIZE_UNIT_BYTES, 0): `1978 bytes`, `12 kB`, `34 MB`. */
function sizeText(n: number): string {
  const p = [1e12, 1e9, 1e6, 1e3];
  const pfx = [' T', ' G', ' M', ' k'];
  for (let i = 0; i < p.length; i++) {
    const q = Math.floor(n / p[i]!);
    if (q >= 10) return `${q}${pfx[i]}B`;
  }
  return `${n} bytes`;
}

const secText = (ns: number, decimals: 9 | 4): string => {
  if (decimals === 4) return (ns / 1e9).toFixed(4);
  const neg = ns < 0 ? '-' : '';
  const a = Math.abs(ns);
  return `${neg}${Math.floor(a / 1e9)}.${String(a % 1e9).padStart(9, '0')}`;
};

/** Header faults after which tshark's IP dissector stops before its tap (the packet is not counted). */
const UNTAPPED = new Set(['ip.bogus_ip_version', 'ip.bogus_header_length', 'ip.bogus_ip_length', 'ipv6.bogus_ipv6_version', 'ipv6.ext.past_end', 'ipv6.opt.past_end']);

/**
 * Whether tshark's conv tap sees this IP layer: not after a header fault, and
 * for IPv6 (whose tap fires once the extension headers are walked) not on a
 * fragment that did not complete a datagram here.
 */
function tsharkCounts(l: Packet['layers'][number], next: string | undefined): boolean {
  if (l.notes.some((n) => UNTAPPED.has(n.def.id))) return false;
  if (l.spec.id === 'ipv6') {
    const ext = (l.record as { ext?: readonly { type: number }[] }).ext;
    if (ext?.some((e) => e.type === 44) && next !== 'ipv6.fragments') return false;
  }
  return true;
}

/**
 * `-z conv,ip` / `conv,ipv6`: one row per address pair. As in tshark, every
 * IPv4 (IPv6) header of a packet counts (the outer and the inner header of a
 * tunnel each add the frame to their own pair), with the frame's length on
 * the wire; address A is the source of the pair's first packet and `->` is
 * A → B. Rows are sorted by total frames, most first, then by first appearance.
 */
export class ConvStats implements StatsCollector {
  private readonly convs = new Map<string, Conv>();
  private t0: [number, number] | undefined;
  constructor(private readonly family: 4 | 6) {}

  add(p: Packet): void {
    const f = p.frame;
    this.t0 ??= [f.tsSec, f.tsNsec];
    const want = this.family === 4 ? 'ip' : 'ipv6';
    const layers = p.layers;
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i]!;
      if (l.spec.id !== want || !tsharkCounts(l, layers[i + 1]?.spec.id)) continue;
      const r = l.record as { src?: Uint8Array; dst?: Uint8Array };
      if (!r.src || !r.dst) continue;
      const src = this.family === 4 ? formatIPv4(r.src) : formatIPv6(r.src);
      const dst = this.family === 4 ? formatIPv4(r.dst) : formatIPv6(r.dst);
      const ns = (f.tsSec - this.t0[0]) * 1e9 + (f.tsNsec - this.t0[1]);
      let c = this.convs.get(`${src} ${dst}`) ?? this.convs.get(`${dst} ${src}`);
      if (!c) {
        c = { a: src, b: dst, framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0, startNs: ns, stopNs: ns, firstFrame: f.number, lastFrame: f.number };
        this.convs.set(`${src} ${dst}`, c);
      }
      if (ns > c.stopNs) c.stopNs = ns;
      else if (ns < c.startNs) c.startNs = ns;
      c.lastFrame = f.number;
      if (src === c.a && dst === c.b) {
        c.framesAB++;
        c.bytesAB += f.origLen;
      } else {
        c.framesBA++;
        c.bytesBA += f.origLen;
      }
    }
  }

  /** Conversations, most frames first (stable: ties keep the order of first appearance). */
  conversations(): Conv[] {
    return [...this.convs.values()].sort((x, y) => y.framesAB + y.framesBA - (x.framesAB + x.framesBA));
  }

  render(format: 'text' | 'json'): string {
    const rows = this.conversations();
    const name = this.family === 4 ? 'IPv4' : 'IPv6';
    if (format === 'json') {
      return (
        JSON.stringify(
          {
            schema: CONV_SCHEMA,
            conv: this.family === 4 ? 'ip' : 'ipv6',
            conversations: rows.map((c) => ({
              address_a: c.a,
              address_b: c.b,
              frames_a_to_b: c.framesAB,
              bytes_a_to_b: c.bytesAB,
              frames_b_to_a: c.framesBA,
              bytes_b_to_a: c.bytesBA,
              frames: c.framesAB + c.framesBA,
              bytes: c.bytesAB + c.bytesBA,
              rel_start: secText(c.startNs, 9),
              duration: secText(c.stopNs - c.startNs, 9),
              first_frame: c.firstFrame,
              last_frame: c.lastFrame,
            })),
          },
          null,
          1,
        ) + '\n'
      );
    }
    const RULE = '='.repeat(80);
    const L = [RULE, `${name} Conversations`, 'Filter:<No Filter>'];
    L.push('                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |');
    L.push('                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |');
    const num = (n: number) => String(n).padStart(6);
    for (const c of rows) {
      L.push(
        `${c.a.padEnd(20)} <-> ${c.b.padEnd(20)}  ${num(c.framesBA)} ${sizeText(c.bytesBA).padEnd(9)}  ${num(c.framesAB)} ${sizeText(c.bytesAB).padEnd(9)}  ` +
          `${num(c.framesAB + c.framesBA)} ${sizeText(c.bytesAB + c.bytesBA).padEnd(9)}  ${secText(c.startNs, 9).padStart(14)}   ${secText(c.stopNs - c.startNs, 4).padStart(12)}`,
      );
    }
    L.push(RULE);
    return L.join('\n') + '\n';
  }
}

/** A collector for a `-z` argument, or an error message naming the valid ones. */
export function makeStats(spec: string): StatsCollector | string {
  switch (spec) {
    case 'conv,ip':
      return new ConvStats(4);
    case 'conv,ipv6':
      return new ConvStats(6);
    case 'ike,sessions':
      return new SessionsStats('sessions');
    case 'esp,sas':
      return new SessionsStats('esp');
    case 'ike,flow':
      return new LadderStats();
    default:
      return `-z ${spec}: unknown statistic (known: ${STATS.map(([n]) => n).join(', ')})`;
  }
}
