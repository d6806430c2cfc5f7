/**
 * IKEv2 Traffic Selector payloads TSi (44) / TSr (45), RFC 7296 §3.13:
 * Number of TSs (1), 3 reserved bytes, then selectors. Each selector is
 * confined to its Selector Length, so one bad selector cannot spill into
 * the next. Types: TS_IPV4_ADDR_RANGE 7 and TS_IPV6_ADDR_RANGE 8 (RFC 7296
 * §3.13.1), TS_FC_ADDR_RANGE 9 (RFC 4595 §4.3), TS_SECLABEL 10 (RFC 9478 §2:
 * no protocol/ports, the second byte is reserved).
 */
import { codeTable, describeCode } from '../../../core/codes.js';
import { formatIPv4, formatIPv6 } from '../../../core/bytes.js';
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { Truncated, type Reader } from '../../../core/reader.js';
import { node, type TreeNode } from '../../../core/tree.js';
import { IP_PROTOCOLS } from '../../ipv4.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { bytesAt, codeNode, restAt, spanNode, u16At, u24At, u8At, type Span } from './misc.js';

/** IANA "IKEv2 Traffic Selector Types". */
export const TS_TYPES = codeTable(
  'TSType',
  { 7: 'TS_IPV4_ADDR_RANGE', 8: 'TS_IPV6_ADDR_RANGE', 9: 'TS_FC_ADDR_RANGE', 10: 'TS_SECLABEL' },
  [
    { min: 0, max: 6, name: 'Reserved' },
    { min: 11, max: 240, name: 'Unassigned' },
    { min: 241, max: 255, name: 'Private Use' },
  ],
);

export const tsFields = defineFields({
  number: { id: 'isakmp.ts.number', label: 'Number of Traffic Selectors', type: 'uint', rfc: 'RFC 7296 §3.13' },
  reserved: { id: 'isakmp.ts.reserved', label: 'Reserved', type: 'bytes', rfc: 'RFC 7296 §3.13' },
  data: { id: 'isakmp.ts.data', label: 'Traffic Selector', type: 'none', rfc: 'RFC 7296 §3.13.1' },
  type: { id: 'isakmp.ts.type', label: 'Traffic Selector Type', type: 'uint', values: TS_TYPES, rfc: 'RFC 7296 §3.13.1' },
  protoid: { id: 'isakmp.ts.protoid', label: 'Protocol ID', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 7296 §3.13.1' },
  selectorLength: { id: 'isakmp.ts.selector_length', label: 'Selector Length', type: 'uint', rfc: 'RFC 7296 §3.13.1' },
  startPort: { id: 'isakmp.ts.start_port', label: 'Start Port', type: 'uint', rfc: 'RFC 7296 §3.13.1' },
  endPort: { id: 'isakmp.ts.end_port', label: 'End Port', type: 'uint', rfc: 'RFC 7296 §3.13.1' },
  startIpv4: { id: 'isakmp.ts.start_ipv4', label: 'Starting Addr', type: 'ipv4', rfc: 'RFC 7296 §3.13.1' },
  endIpv4: { id: 'isakmp.ts.end_ipv4', label: 'Ending Addr', type: 'ipv4', rfc: 'RFC 7296 §3.13.1' },
  startIpv6: { id: 'isakmp.ts.start_ipv6', label: 'Starting Addr', type: 'ipv6', rfc: 'RFC 7296 §3.13.1' },
  endIpv6: { id: 'isakmp.ts.end_ipv6', label: 'Ending Addr', type: 'ipv6', rfc: 'RFC 7296 §3.13.1' },
  startFc: { id: 'isakmp.ts.start_fc', label: 'Starting Addr', type: 'uint', rfc: 'RFC 4595 §4.3' },
  endFc: { id: 'isakmp.ts.end_fc', label: 'Ending Addr', type: 'uint', rfc: 'RFC 4595 §4.3' },
  startRctl: { id: 'isakmp.ts.start_r_ctl', label: 'Starting R_CTL', type: 'uint', rfc: 'RFC 4595 §4.3' },
  endRctl: { id: 'isakmp.ts.end_r_ctl', label: 'Ending R_CTL', type: 'uint', rfc: 'RFC 4595 §4.3' },
  startType: { id: 'isakmp.ts.start_type', label: 'Starting Type', type: 'uint', rfc: 'RFC 4595 §4.3' },
  endType: { id: 'isakmp.ts.end_type', label: 'Ending Type', type: 'uint', rfc: 'RFC 4595 §4.3' },
  seclabel: { id: 'isakmp.ts.seclabel', label: 'Security Label', type: 'bytes', rfc: 'RFC 9478 §2' },
  selectorData: { id: 'isakmp.ts.selector_data', label: 'Selector Data', type: 'bytes', blurb: 'Body of a selector of unknown type, or bytes after a known one' },
});

export const tsNotes = defineNotes({
  selectorLength: { id: 'isakmp.ts.selector_length.invalid', group: 'malformed', severity: 'error', summary: 'Traffic selector length is shorter than its header or runs past the payload' },
  count: { id: 'isakmp.ts.number.mismatch', group: 'protocol', severity: 'warn', summary: 'Number of Traffic Selectors disagrees with the selectors present' },
});

export interface TrafficSelector {
  readonly offset: number;
  type?: Span<number>;
  protoId?: Span<number>;
  length?: Span<number>;
  startPort?: Span<number>;
  endPort?: Span<number>;
  start?: Span<Uint8Array>;
  end?: Span<Uint8Array>;
  /** TS_FC_ADDR_RANGE (RFC 4595 §4.3): 24-bit addresses, R_CTL and type ranges. */
  fc?: { startAddr?: Span<number>; endAddr?: Span<number>; startRctl?: Span<number>; endRctl?: Span<number>; startType?: Span<number>; endType?: Span<number> };
  label?: Span<Uint8Array>;
  rest?: Span<Uint8Array>;
}

export interface TsPayload extends DecodedPayload {
  kind: 'ts';
  number?: Span<number>;
  reserved?: Span<Uint8Array>;
  selectors: TrafficSelector[];
}

const TS_HEADER = 4;

function readSelectorBody(r: Reader, s: TrafficSelector): void {
  const t = s.type!.v;
  if (t === 7 || t === 8) {
    const alen = t === 7 ? 4 : 16;
    s.startPort = u16At(r, 'isakmp.ts.start_port');
    s.endPort = u16At(r, 'isakmp.ts.end_port');
    s.start = bytesAt(r, alen, t === 7 ? 'isakmp.ts.start_ipv4' : 'isakmp.ts.start_ipv6');
    s.end = bytesAt(r, alen, t === 7 ? 'isakmp.ts.end_ipv4' : 'isakmp.ts.end_ipv6');
  } else if (t === 9) {
    const fc: NonNullable<TrafficSelector['fc']> = {};
    s.fc = fc;
    r.skip(1, 'reserved');
    fc.startAddr = u24At(r, 'isakmp.ts.start_fc');
    r.skip(1, 'reserved');
    fc.endAddr = u24At(r, 'isakmp.ts.end_fc');
    fc.startRctl = u8At(r, 'isakmp.ts.start_r_ctl');
    fc.endRctl = u8At(r, 'isakmp.ts.end_r_ctl');
    fc.startType = u8At(r, 'isakmp.ts.start_type');
    fc.endType = u8At(r, 'isakmp.ts.end_type');
  } else if (t === 10) {
    s.label = restAt(r);
  }
  if (r.remaining > 0) s.rest = restAt(r);
}

export const tsDecoder: PayloadDecoder<TsPayload> = {
  draft: () => ({ kind: 'ts', selectors: [] }),
  decode(r, d, _ctx, notes) {
    d.number = u8At(r, 'isakmp.ts.number');
    d.reserved = bytesAt(r, 3, 'isakmp.ts.reserved');
    while (r.remaining > 0) {
      const s: TrafficSelector = { offset: r.pos };
      d.selectors.push(s);
      s.type = u8At(r, 'isakmp.ts.type');
      s.protoId = u8At(r, 'isakmp.ts.protoid');
      s.length = u16At(r, 'isakmp.ts.selector_length');
      if (s.length.v < TS_HEADER || s.length.v - TS_HEADER > r.remaining) {
        notes.push(note(tsNotes.selectorLength, `selector ${d.selectors.length}: length ${s.length.v} with ${r.remaining + TS_HEADER} bytes left`, s.length.o, 2));
        if (s.length.v < TS_HEADER) return;
      }
      // A selector too short for its type ends inside its own bounds: note it and go on with the next one.
      try {
        readSelectorBody(r.subUpTo(s.length.v - TS_HEADER), s);
      } catch (e) {
        if (!(e instanceof Truncated)) throw e;
        notes.push(note(tsNotes.selectorLength, `selector ${d.selectors.length}: ${e.message}`, s.offset, Math.max(TS_HEADER, s.length.v)));
      }
    }
    if (d.selectors.length !== d.number.v) {
      notes.push(note(tsNotes.count, `Number of TSs is ${d.number.v}, ${d.selectors.length} present`, d.number.o, 1));
    }
  },
  tree(d) {
    const out: TreeNode[] = [...spanNode(tsFields.number, d.number), ...spanNode(tsFields.reserved, d.reserved)];
    for (const s of d.selectors) out.push(selectorNode(s));
    return out;
  },
  brief: (_d, ctx) => (ctx.type === 45 ? 'TSr' : 'TSi'),
};

function selectorNode(s: TrafficSelector): TreeNode {
  const t = s.type?.v;
  const kids: TreeNode[] = [...codeNode(tsFields.type, s.type)];
  if (s.protoId) {
    if (t === 10) kids.push(node(tsFields.reserved, Uint8Array.of(s.protoId.v), s.protoId.o, 1));
    else kids.push(node(tsFields.protoid, s.protoId.v, s.protoId.o, 1, s.protoId.v === 0 ? { text: 'Protocol ID: Unused' } : undefined));
  }
  kids.push(...spanNode(tsFields.selectorLength, s.length), ...spanNode(tsFields.startPort, s.startPort), ...spanNode(tsFields.endPort, s.endPort));
  if (t === 7) kids.push(...spanNode(tsFields.startIpv4, s.start), ...spanNode(tsFields.endIpv4, s.end));
  if (t === 8) kids.push(...spanNode(tsFields.startIpv6, s.start), ...spanNode(tsFields.endIpv6, s.end));
  if (s.fc) {
    const f = s.fc;
    kids.push(
      ...spanNode(tsFields.startFc, f.startAddr),
      ...spanNode(tsFields.endFc, f.endAddr),
      ...spanNode(tsFields.startRctl, f.startRctl),
      ...spanNode(tsFields.endRctl, f.endRctl),
      ...spanNode(tsFields.startType, f.startType),
      ...spanNode(tsFields.endType, f.endType),
    );
  }
  kids.push(...spanNode(tsFields.seclabel, s.label), ...spanNode(tsFields.selectorData, s.rest));
  const len = s.length ? Math.max(TS_HEADER, s.length.v) : 1;
  return node(tsFields.data, null, s.offset, len, { text: `Traffic Selector: ${t !== undefined ? describeCode(TS_TYPES, t) : '?'}`, children: kids });
}

/** `10.0.0.0-10.0.0.255 proto 6 port 80-80`, for summaries and the session pass. */
export function selectorText(s: TrafficSelector): string {
  const t = s.type?.v;
  if ((t === 7 || t === 8) && s.start && s.end) {
    const f = t === 7 ? formatIPv4 : formatIPv6;
    const proto = s.protoId && s.protoId.v !== 0 ? ` ${describeCode(IP_PROTOCOLS, s.protoId.v)}` : '';
    const ports = s.startPort && s.endPort && !(s.startPort.v === 0 && s.endPort.v === 65535) ? ` port ${s.startPort.v}-${s.endPort.v}` : '';
    return `${f(s.start.v)}-${f(s.end.v)}${proto}${ports}`;
  }
  return t !== undefined ? describeCode(TS_TYPES, t) : '?';
}
