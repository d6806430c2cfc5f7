/**
 * Minimal TCP (RFC 9293 §3.1): the fixed header, flags, and options kept as
 * raw bytes. No stream tracking: sequence numbers are shown as sent (Wireshark
 * shows them relative). The payload is data, except on the IKE-over-TCP
 * ports (RFC 9329, ./iketcp.ts), where the pipeline reassembles the stream.
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from './layer.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';

const R = 'RFC 9293 §3.1';

export const tcpFields = defineFields({
  proto: { id: 'tcp', label: 'Transmission Control Protocol', type: 'protocol', rfc: 'RFC 9293' },
  srcport: { id: 'tcp.srcport', label: 'Source Port', type: 'uint', rfc: R },
  dstport: { id: 'tcp.dstport', label: 'Destination Port', type: 'uint', rfc: R },
  seq: { id: 'tcp.seq', label: 'Sequence Number', type: 'uint', rfc: R },
  ack: { id: 'tcp.ack', label: 'Acknowledgment Number', type: 'uint', rfc: R },
  hdrLen: { id: 'tcp.hdr_len', label: 'Header Length', type: 'uint', rfc: R },
  flags: { id: 'tcp.flags', label: 'Flags', type: 'uint', base: 'hex', hexDigits: 3, mask: 0x0fff, bits: 16, rfc: R },
  res: { id: 'tcp.flags.res', label: 'Reserved', type: 'bool', mask: 0xe00, bits: 12, rfc: R },
  ae: { id: 'tcp.flags.ae', label: 'Accurate ECN', type: 'bool', mask: 0x100, bits: 12, rfc: 'RFC 3540' },
  cwr: { id: 'tcp.flags.cwr', label: 'Congestion Window Reduced', type: 'bool', mask: 0x080, bits: 12, rfc: 'RFC 3168 §6.1' },
  ece: { id: 'tcp.flags.ece', label: 'ECN-Echo', type: 'bool', mask: 0x040, bits: 12, rfc: 'RFC 3168 §6.1' },
  urg: { id: 'tcp.flags.urg', label: 'Urgent', type: 'bool', mask: 0x020, bits: 12, rfc: R },
  ackFlag: { id: 'tcp.flags.ack', label: 'Acknowledgment', type: 'bool', mask: 0x010, bits: 12, rfc: R },
  push: { id: 'tcp.flags.push', label: 'Push', type: 'bool', mask: 0x008, bits: 12, rfc: R },
  reset: { id: 'tcp.flags.reset', label: 'Reset', type: 'bool', mask: 0x004, bits: 12, rfc: R },
  syn: { id: 'tcp.flags.syn', label: 'Syn', type: 'bool', mask: 0x002, bits: 12, rfc: R },
  fin: { id: 'tcp.flags.fin', label: 'Fin', type: 'bool', mask: 0x001, bits: 12, rfc: R },
  flagsStr: { id: 'tcp.flags.str', label: 'TCP Flags', type: 'string' },
  window: { id: 'tcp.window_size_value', label: 'Window', type: 'uint', rfc: R },
  checksum: { id: 'tcp.checksum', label: 'Checksum', type: 'uint', base: 'hex', hexDigits: 4, rfc: R },
  checksumStatus: { id: 'tcp.checksum.status', label: 'Checksum Status', type: 'string' },
  urgent: { id: 'tcp.urgent_pointer', label: 'Urgent Pointer', type: 'uint', rfc: R },
  options: { id: 'tcp.options', label: 'Options', type: 'bytes', rfc: 'RFC 9293 §3.2' },
  len: { id: 'tcp.len', label: 'TCP Segment Len', type: 'uint' },
});

export const tcpNotes = defineNotes({
  badHdrLen: { id: 'tcp.bogus_header_length', group: 'malformed', severity: 'error', summary: 'TCP data offset is less than 5 or past the segment' },
  badChecksum: { id: 'tcp.checksum.bad', group: 'checksum', severity: 'warn', summary: 'TCP checksum is wrong' },
});

export interface TcpRecord {
  srcport?: number;
  dstport?: number;
  seq?: number;
  ack?: number;
  /** Data offset × 4, in bytes. */
  hdrLen?: number;
  /** The 12 flag bits (reserved, AE, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN). */
  flags?: number;
  window?: number;
  checksum?: number;
  checksumStatus?: 'good' | 'bad' | 'unverified';
  urgent?: number;
  options?: Uint8Array;
  /** Segment payload length. */
  len?: number;
  truncated?: boolean;
}

/** Flag names in Wireshark's Info-column order (lowest bit first). */
const FLAG_NAMES: readonly [number, string][] = [
  [0x001, 'FIN'],
  [0x002, 'SYN'],
  [0x004, 'RST'],
  [0x008, 'PSH'],
  [0x010, 'ACK'],
  [0x020, 'URG'],
  [0x040, 'ECE'],
  [0x080, 'CWR'],
  [0x100, 'AE'],
  [0xe00, 'Reserved'],
];

export function tcpFlagList(flags: number): string {
  const names: string[] = [];
  for (const [bit, name] of FLAG_NAMES) if (flags & bit) names.push(name);
  return names.join(', ');
}

/** Wireshark's 12-character flag string, e.g. `·······A··S·`. */
function flagString(f: number): string {
  const letters = 'RRRACEUAPRSF';
  let s = '';
  for (let i = 11; i >= 0; i--) s += f & (1 << i) ? letters[11 - i] : '·';
  return s;
}

export const tcpSpec: LayerSpec<TcpRecord> = {
  id: 'tcp',
  field: tcpFields.proto,
  title: (r) =>
    `Transmission Control Protocol, Src Port: ${r.srcport ?? '?'}, Dst Port: ${r.dstport ?? '?'}, Seq: ${r.seq ?? '?'}${r.flags !== undefined && r.flags & 0x10 ? `, Ack: ${r.ack}` : ''}, Len: ${r.len ?? '?'}`,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.srcport !== undefined) out.push(node(tcpFields.srcport, r.srcport, o, 2));
    if (r.dstport !== undefined) out.push(node(tcpFields.dstport, r.dstport, o + 2, 2));
    if (r.len !== undefined) out.push(node(tcpFields.len, r.len, o, 0));
    if (r.seq !== undefined) out.push(node(tcpFields.seq, r.seq, o + 4, 4));
    if (r.ack !== undefined) out.push(node(tcpFields.ack, r.ack, o + 8, 4));
    if (r.hdrLen !== undefined) {
      out.push(node(tcpFields.hdrLen, r.hdrLen, o + 12, 1, { text: `${(r.hdrLen >>> 2).toString(2).padStart(4, '0')} .... = Header Length: ${r.hdrLen} bytes (${r.hdrLen >>> 2})` }));
    }
    if (r.flags !== undefined) {
      const f = r.flags;
      const kids = [
        node(tcpFields.res, (f & 0xe00) !== 0, o + 12, 2),
        node(tcpFields.ae, (f & 0x100) !== 0, o + 12, 2),
        node(tcpFields.cwr, (f & 0x080) !== 0, o + 12, 2),
        node(tcpFields.ece, (f & 0x040) !== 0, o + 12, 2),
        node(tcpFields.urg, (f & 0x020) !== 0, o + 12, 2),
        node(tcpFields.ackFlag, (f & 0x010) !== 0, o + 12, 2),
        node(tcpFields.push, (f & 0x008) !== 0, o + 12, 2),
        node(tcpFields.reset, (f & 0x004) !== 0, o + 12, 2),
        node(tcpFields.syn, (f & 0x002) !== 0, o + 12, 2),
        node(tcpFields.fin, (f & 0x001) !== 0, o + 12, 2),
        node(tcpFields.flagsStr, flagString(f), o + 12, 2),
      ];
      const list = tcpFlagList(f);
      out.push(node(tcpFields.flags, f, o + 12, 2, { text: `Flags: 0x${f.toString(16).padStart(3, '0')}${list ? ` (${list})` : ''}`, children: kids }));
    }
    if (r.window !== undefined) out.push(node(tcpFields.window, r.window, o + 14, 2));
    if (r.checksum !== undefined) out.push(node(tcpFields.checksum, r.checksum, o + 16, 2));
    if (r.checksumStatus !== undefined) out.push(node(tcpFields.checksumStatus, r.checksumStatus, o + 16, 2));
    if (r.urgent !== undefined) out.push(node(tcpFields.urgent, r.urgent, o + 18, 2));
    if (r.options && r.options.length) out.push(node(tcpFields.options, r.options, o + 20, r.options.length, { text: `Options: (${r.options.length} bytes)` }));
    return out;
  },
  summarize(r, s) {
    s.protocol = 'TCP';
    const f = r.flags ?? 0;
    const list = tcpFlagList(f);
    let info = `${r.srcport ?? '?'} → ${r.dstport ?? '?'}${list ? ` [${list}]` : ''} Seq=${r.seq ?? '?'}`;
    if (f & 0x10) info += ` Ack=${r.ack ?? '?'}`;
    info += ` Win=${r.window ?? '?'} Len=${r.len ?? '?'}`;
    if (f & 0x20) info += ` Urg=${r.urgent ?? '?'}`;
    s.info = info;
  },
};

export const dissectTcp: Dissector<TcpRecord> = (ctx, src, buf, offset, end) =>
  runDissector(tcpSpec, src, buf, offset, end, {} as TcpRecord, (r, rec, notes) => {
    rec.srcport = r.u16('tcp.srcport');
    rec.dstport = r.u16('tcp.dstport');
    rec.seq = r.u32('tcp.seq');
    rec.ack = r.u32('tcp.ack');
    const w = r.u16('tcp.hdr_len');
    rec.hdrLen = (w >>> 12) * 4;
    rec.flags = w & 0x0fff;
    rec.window = r.u16('tcp.window_size_value');
    rec.checksum = r.u16('tcp.checksum');
    rec.urgent = r.u16('tcp.urgent_pointer');
    const hl = rec.hdrLen;
    if (hl < 20) {
      notes.push(note(tcpNotes.badHdrLen, `header length ${hl} < 20`, offset + 12, 1));
      return { length: 20 };
    }
    if (hl > 20) rec.options = r.bytes(hl - 20, 'tcp.options');
    rec.len = end - offset - hl;
    const segLen = end - offset;
    if (!ctx.prefs.checkL4Checksum || !ctx.ip || (src === 0 && ctx.frame.origLen > ctx.frame.caplen)) rec.checksumStatus = 'unverified';
    else {
      // RFC 9293 §3.1: the checksum covers a pseudo-header, the header and the data.
      const sum = internetChecksum(buf, offset, end, pseudoHeaderSum(ctx.ip, 6, segLen));
      rec.checksumStatus = sum === 0 ? 'good' : 'bad';
      if (sum !== 0) notes.push(note(tcpNotes.badChecksum, `TCP checksum 0x${rec.checksum.toString(16).padStart(4, '0')} is wrong`, offset + 16, 2));
    }
    return { length: hl, next: { by: 'data', key: 0, offset: offset + hl, end } };
  });
