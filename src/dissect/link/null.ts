/**
 * BSD loopback encapsulations: LINKTYPE_NULL (0), a 4-byte address family in
 * the *capturing host's* byte order, and LINKTYPE_LOOP (108, OpenBSD), the
 * same field always big-endian (tcpdump.org/linktypes).
 *
 * AF_INET is 2 everywhere; AF_INET6 differs per OS (24 NetBSD/OpenBSD/BSD/OS,
 * 28 FreeBSD/DragonFly, 30 Darwin), so all three are accepted. The byte order
 * of a NULL header is detected as Wireshark does: a family fits in 16 bits, so
 * non-zero upper bytes mean the value was written little-endian.
 */
import { codeTable } from '../../core/codes.js';
import { defineFields } from '../../core/fields.js';
import { defineNotes, note, type Note } from '../../core/notes.js';
import { node, type TreeNode } from '../../core/tree.js';
import { runDissector, type Dissector, type LayerSpec, type NextHint } from '../layer.js';
import { ETHERTYPES } from './ethernet.js';

export const BSD_AF = codeTable('AddressFamily', {
  2: 'IP',
  7: 'OSI',
  23: 'IPX',
  24: 'IPv6 (NetBSD/OpenBSD/BSD/OS)',
  28: 'IPv6 (FreeBSD)',
  30: 'IPv6 (Darwin)',
});

export const nullFields = defineFields({
  proto: { id: 'null', label: 'Null/Loopback', type: 'protocol', rfc: 'tcpdump.org LINKTYPE_NULL' },
  family: { id: 'null.family', label: 'Family', type: 'uint', values: BSD_AF },
  type: { id: 'null.type', label: 'Type', type: 'uint', base: 'hex', hexDigits: 4, values: ETHERTYPES },
});

export const nullNotes = defineNotes({
  unknownFamily: { id: 'null.family.unknown', group: 'protocol', severity: 'note', summary: 'Address family not dissected' },
});

export interface NullRecord {
  /** The family (or, in some old captures, an ethertype) after byte-order correction. */
  family?: number;
  /** The header as stored: 'big' or 'little' endian. */
  byteOrder?: 'big' | 'little';
  /** True when the 32-bit field held an ethertype rather than an AF value. */
  isEthertype?: boolean;
  truncated?: boolean;
}

export const nullSpec: LayerSpec<NullRecord> = {
  id: 'null',
  field: nullFields.proto,
  title: () => 'Null/Loopback',
  tree(r, l) {
    const out: TreeNode[] = [];
    if (r.family !== undefined) out.push(node(r.isEthertype ? nullFields.type : nullFields.family, r.family, l.offset, 4));
    return out;
  },
};

/** Ethertype for an AF value, or undefined when the family is not IP. */
function familyEthertype(af: number): number | undefined {
  if (af === 2) return 0x0800;
  if (af === 24 || af === 28 || af === 30) return 0x86dd;
  return undefined;
}

function finish(v: number, rec: NullRecord, notes: Note[], offset: number, end: number): { length: number; next: NextHint } {
  // Some old captures put an ethertype here (Wireshark's null.type case).
  if (v > 1500 && v <= 0xffff) {
    rec.isEthertype = true;
    rec.family = v;
    return { length: 4, next: { by: 'ethertype', key: v, offset: offset + 4, end } };
  }
  rec.family = v;
  const et = familyEthertype(v);
  if (et === undefined) {
    notes.push(note(nullNotes.unknownFamily, `address family ${v} is not dissected`, offset, 4));
    return { length: 4, next: { by: 'data', key: 0, offset: offset + 4, end } };
  }
  return { length: 4, next: { by: 'ethertype', key: et, offset: offset + 4, end } };
}

/** LINKTYPE_NULL: host byte order. */
export const dissectNull: Dissector<NullRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(nullSpec, src, buf, offset, end, {} as NullRecord, (r, rec, notes) => {
    let v = r.u32('null.family');
    rec.byteOrder = 'big';
    if ((v & 0xffff0000) !== 0) {
      rec.byteOrder = 'little';
      if ((v & 0xffff) === 0) {
        // Only the upper half is used: a 16-bit family stored as a short, possibly byte-swapped.
        v >>>= 16;
        if ((v & 0xff) === 0) v >>>= 8;
        else rec.byteOrder = 'big';
      } else v = (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
    }
    return finish(v, rec, notes, offset, end);
  });

/** LINKTYPE_LOOP: always network byte order. */
export const dissectLoop: Dissector<NullRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(nullSpec, src, buf, offset, end, { byteOrder: 'big' } as NullRecord, (r, rec, notes) =>
    finish(r.u32('null.family'), rec, notes, offset, end),
  );
