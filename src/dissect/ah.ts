/**
 * AH (RFC 4302 §2): next header, payload length, reserved, SPI, sequence
 * number and ICV. The payload follows in clear, so the next layer is chosen
 * by the Next Header field: transport-mode TCP/UDP/ICMP, tunnel-mode inner
 * IPv4 (4) or IPv6 (41).
 */
import type { AhVerified } from './decrypt-hooks.js';
import { defineFields } from '../core/fields.js';
import { defineNotes, note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from './layer.js';
import { IP_PROTOCOLS } from './ipv4.js';

/** Next Header, Payload Len, Reserved (2), SPI (4), Sequence Number (4): RFC 4302 §2. */
export const AH_FIXED_LEN = 12;

export const ahFields = defineFields({
  proto: { id: 'ah', label: 'Authentication Header', type: 'protocol', rfc: 'RFC 4302' },
  nextHeader: { id: 'ah.next_header', label: 'Next header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 4302 §2.1' },
  length: { id: 'ah.length', label: 'Length', type: 'uint', rfc: 'RFC 4302 §2.2', blurb: 'AH length in 32-bit words minus 2' },
  reserved: { id: 'ah.reserved', label: 'Reserved', type: 'bytes', rfc: 'RFC 4302 §2.3' },
  spi: { id: 'ah.spi', label: 'AH SPI', type: 'uint', base: 'hex', hexDigits: 8, rfc: 'RFC 4302 §2.4' },
  sequence: { id: 'ah.sequence', label: 'AH Sequence', type: 'uint', rfc: 'RFC 4302 §2.5' },
  icv: { id: 'ah.icv', label: 'AH ICV', type: 'bytes', rfc: 'RFC 4302 §2.6' },
  // With keys (src/decrypt/esp/engine.ts).
  verification: { id: 'ah.verification', label: 'Verification', type: 'string', blurb: 'Algorithm, status and where the key came from' },
  sequenceHigh: { id: 'ah.sequence_high', label: 'ESN high-order bits', type: 'uint', rfc: 'RFC 4302 §2.5.1', blurb: 'Inferred, not sent' },
  icvGood: { id: 'ah.icv_good', label: 'Good', type: 'bool', rfc: 'RFC 4302 §3.4.4' },
  icvBad: { id: 'ah.icv_bad', label: 'Bad', type: 'bool', rfc: 'RFC 4302 §3.4.4' },
});

export const ahNotes = defineNotes({
  badLength: { id: 'ah.length.bad', group: 'malformed', severity: 'error', summary: 'AH Payload Len runs past the data or is shorter than the fixed header' },
  spiReserved: { id: 'ah.spi.reserved', group: 'protocol', severity: 'warn', summary: 'AH SPI 0–255 is reserved (RFC 4302 §2.4)' },
});

export interface AhRecord {
  nextHeader?: number;
  /** Payload Len as sent: header length in 32-bit words minus 2. */
  length?: number;
  reserved?: Uint8Array;
  spi?: number;
  sequence?: number;
  /** ICV bytes (a view); shorter than declared when the length runs past the data. */
  icv?: Uint8Array;
  truncated?: boolean;
  /** Set by the decryption engine on a replacement layer (src/dissect/decrypt-hooks.ts). */
  verified?: AhVerified;
}

/** Header bytes declared by Payload Len (RFC 4302 §2.2: (len + 2) × 4). */
export function ahHeaderBytes(len: number): number {
  return (len + 2) * 4;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export const ahSpec: LayerSpec<AhRecord> = {
  id: 'ah',
  field: ahFields.proto,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.nextHeader !== undefined) out.push(node(ahFields.nextHeader, r.nextHeader, o, 1));
    if (r.length !== undefined) out.push(node(ahFields.length, r.length, o + 1, 1, { text: `Length: ${r.length} (${ahHeaderBytes(r.length)} bytes)` }));
    if (r.reserved) out.push(node(ahFields.reserved, r.reserved, o + 2, 2));
    if (r.spi !== undefined) out.push(node(ahFields.spi, r.spi, o + 4, 4));
    if (r.sequence !== undefined) out.push(node(ahFields.sequence, r.sequence, o + 8, 4));
    const v = r.verified;
    if (v) {
      const what = v.status === 'good' ? 'ICV verified' : v.status === 'bad' ? 'ICV mismatch' : 'ICV not checked';
      const text = `${what} with ${v.integ} (keys from ${v.keySource})`;
      out.push(node(ahFields.verification, text, o, 0, { text }));
      if (v.seqHigh !== undefined) out.push(node(ahFields.sequenceHigh, v.seqHigh, o + 8, 0, { text: `ESN high-order bits: ${v.seqHigh} (inferred, not sent)` }));
    }
    if (r.icv && r.icv.length > 0) {
      const at = o + AH_FIXED_LEN;
      const children =
        v && v.status !== 'unchecked' ? [node(ahFields.icvGood, v.status === 'good', at, r.icv.length), node(ahFields.icvBad, v.status === 'bad', at, r.icv.length)] : undefined;
      out.push(node(ahFields.icv, r.icv, at, r.icv.length, children ? { children } : undefined));
    }
    return out;
  },
  summarize(r, s) {
    s.protocol = 'AH';
    s.info = r.spi === undefined ? 'AH' : r.sequence === undefined ? `AH (SPI=0x${hex8(r.spi)})` : `AH (SPI=0x${hex8(r.spi)}) seq=${r.sequence}`;
    if (r.verified?.status === 'bad') s.info += ' [ICV mismatch]';
  },
};

export const dissectAh: Dissector<AhRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(ahSpec, src, buf, offset, end, {} as AhRecord, (r, rec, notes) => {
    rec.nextHeader = r.u8('ah.next_header');
    rec.length = r.u8('ah.length');
    rec.reserved = r.bytes(2, 'ah.reserved');
    rec.spi = r.u32('ah.spi');
    if (rec.spi < 256) notes.push(note(ahNotes.spiReserved, `SPI ${rec.spi} is reserved (RFC 4302 §2.4)`, offset + 4, 4));
    rec.sequence = r.u32('ah.sequence');
    const hdr = ahHeaderBytes(rec.length);
    if (hdr < AH_FIXED_LEN) {
      // Payload Len 0 would make the header 8 bytes, shorter than its own fixed fields.
      notes.push(note(ahNotes.badLength, `length ${rec.length} → ${hdr} bytes < ${AH_FIXED_LEN} (fixed header)`, offset + 1, 1));
      return { length: end - offset };
    }
    if (offset + hdr > end) {
      notes.push(note(ahNotes.badLength, `length ${rec.length} → ${hdr} bytes > ${end - offset} bytes available`, offset + 1, 1));
      rec.icv = r.rest();
      return { length: end - offset };
    }
    rec.icv = r.bytes(hdr - AH_FIXED_LEN, 'ah.icv');
    return { length: hdr, next: { by: 'ipproto', key: rec.nextHeader, offset: offset + hdr, end } };
  });
