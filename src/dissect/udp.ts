/**
 * UDP (RFC 768). Dispatch to ISAKMP / NAT-T happens in the pipeline from the
 * ports this layer reports, so "Decode As" is a preference, not code here.
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note } from '../core/notes.js';
import { node } from '../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from './layer.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';

export const udpFields = defineFields({
  proto: { id: 'udp', label: 'User Datagram Protocol', type: 'protocol', rfc: 'RFC 768' },
  srcport: { id: 'udp.srcport', label: 'Source Port', type: 'uint', rfc: 'RFC 768' },
  dstport: { id: 'udp.dstport', label: 'Destination Port', type: 'uint', rfc: 'RFC 768' },
  length: { id: 'udp.length', label: 'Length', type: 'uint', rfc: 'RFC 768' },
  checksum: { id: 'udp.checksum', label: 'Checksum', type: 'uint', base: 'hex', hexDigits: 4, rfc: 'RFC 768' },
  checksumStatus: { id: 'udp.checksum.status', label: 'Checksum Status', type: 'string' },
});

export const udpNotes = defineNotes({
  badLength: { id: 'udp.length.bad', group: 'malformed', severity: 'error', summary: 'UDP length field disagrees with the bytes available' },
  badChecksum: { id: 'udp.checksum.bad', group: 'checksum', severity: 'warn', summary: 'UDP checksum is wrong' },
});

export interface UdpRecord {
  srcport?: number;
  dstport?: number;
  /** The length field as sent. */
  length?: number;
  checksum?: number;
  checksumStatus?: 'good' | 'bad' | 'unverified' | 'absent';
  /** Payload range actually dissected (clamped to the bytes present). */
  payloadOffset?: number;
  payloadEnd?: number;
  truncated?: boolean;
}

export const udpSpec: LayerSpec<UdpRecord> = {
  id: 'udp',
  field: udpFields.proto,
  title: (r) => `User Datagram Protocol, Src Port: ${r.srcport ?? '?'}, Dst Port: ${r.dstport ?? '?'}`,
  tree(r, l) {
    const o = l.offset;
    const out = [];
    if (r.srcport !== undefined) out.push(node(udpFields.srcport, r.srcport, o, 2));
    if (r.dstport !== undefined) out.push(node(udpFields.dstport, r.dstport, o + 2, 2));
    if (r.length !== undefined) out.push(node(udpFields.length, r.length, o + 4, 2));
    if (r.checksum !== undefined) out.push(node(udpFields.checksum, r.checksum, o + 6, 2));
    if (r.checksumStatus !== undefined) out.push(node(udpFields.checksumStatus, r.checksumStatus, o + 6, 2));
    return out;
  },
  summarize(r, s) {
    s.protocol = 'UDP';
    s.info = `${r.srcport ?? '?'} → ${r.dstport ?? '?'} Len=${r.length !== undefined ? r.length - 8 : '?'}`;
  },
};

export const dissectUdp: Dissector<UdpRecord> = (ctx, src, buf, offset, end) =>
  runDissector(udpSpec, src, buf, offset, end, {} as UdpRecord, (r, rec, notes) => {
    rec.srcport = r.u16('udp.srcport');
    rec.dstport = r.u16('udp.dstport');
    rec.length = r.u16('udp.length');
    rec.checksum = r.u16('udp.checksum');
    let payloadEnd = end;
    if (rec.length < 8) {
      notes.push(note(udpNotes.badLength, `length ${rec.length} < 8 (header size)`, offset + 4, 2));
    } else if (offset + rec.length > end) {
      // Snaplen-cut frames land here too; dissect what is present.
      notes.push(note(udpNotes.badLength, `length ${rec.length} > ${end - offset} bytes available`, offset + 4, 2));
    } else {
      payloadEnd = offset + rec.length;
    }
    rec.payloadOffset = offset + 8;
    rec.payloadEnd = payloadEnd;
    if (rec.checksum === 0 && ctx.ip?.family === 4) rec.checksumStatus = 'absent';
    else if (!ctx.prefs.checkL4Checksum || !ctx.ip || payloadEnd !== offset + rec.length || ctx.frame.origLen > ctx.frame.caplen) rec.checksumStatus = 'unverified';
    else {
      const sum = internetChecksum(buf, offset, payloadEnd, pseudoHeaderSum(ctx.ip, 17, rec.length));
      rec.checksumStatus = sum === 0 ? 'good' : 'bad';
      if (sum !== 0) notes.push(note(udpNotes.badChecksum, `UDP checksum 0x${rec.checksum.toString(16).padStart(4, '0')} is wrong`, offset + 6, 2));
    }
    return { length: 8, next: { by: 'udp', key: rec.srcport, key2: rec.dstport, offset: offset + 8, end: payloadEnd } };
  });
