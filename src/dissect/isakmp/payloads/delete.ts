/**
 * Delete payload. IKEv1 (RFC 2408 §3.15): DOI, Protocol-Id, SPI Size,
 * Number of SPIs, SPIs. IKEv2 (RFC 7296 §3.11): the same without the DOI;
 * deleting the IKE SA itself sends protocol 1 with SPI size 0 and no SPIs.
 */
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { saSharedFields } from './shared-fields.js';
import { IKEV1_PROTOCOL_IDS, IKEV2_PROTOCOL_IDS, ISAKMP_DOI } from './sa-tables.js';

export const deleteFields = defineFields({
  doi: { id: 'isakmp.delete.doi', label: 'Domain of interpretation', type: 'uint', values: ISAKMP_DOI, rfc: 'RFC 2408 §3.15' },
  protoid: { id: 'isakmp.delete.protoid', label: 'Protocol ID', type: 'uint', values: IKEV1_PROTOCOL_IDS, rfc: 'RFC 2408 §3.15, RFC 7296 §3.11' },
  spinum: { id: 'isakmp.spinum', label: 'Number of SPIs', type: 'uint', rfc: 'RFC 2408 §3.15, RFC 7296 §3.11' },
  spi: { id: 'isakmp.delete.spi', label: 'Delete SPI', type: 'bytes', rfc: 'RFC 2408 §3.15, RFC 7296 §3.11' },
});

export const deleteNotes = defineNotes({
  spis: { id: 'isakmp.delete.spis_bad', group: 'protocol', severity: 'warn', summary: 'Delete payload: bytes left after Number of SPIs × SPI Size, or an IKE SA delete with SPIs' },
});

export interface DeletePayload extends DecodedPayload {
  readonly kind: 'delete';
  major: 1 | 2;
  bodyOffset: number;
  doi?: number;
  protocol?: number;
  spiSize?: number;
  spiCount?: number;
  /** SPIs as read (fewer than spiCount when the body ended early). */
  spis: Uint8Array[];
}

export const deleteDecoder: PayloadDecoder<DeletePayload> = {
  draft: (ctx) => ({ kind: 'delete', major: ctx.major, bodyOffset: 0, spis: [] }),
  decode(r, d, _ctx, notes) {
    d.bodyOffset = r.pos;
    if (d.major === 1) d.doi = r.u32('isakmp.delete.doi');
    d.protocol = r.u8('isakmp.delete.protoid');
    d.spiSize = r.u8('isakmp.spisize');
    d.spiCount = r.u16('isakmp.spinum');
    // RFC 7296 §3.11: an IKE SA is deleted with SPI size 0 and no SPIs (the header names it).
    if (d.major === 2 && d.protocol === 1 && (d.spiSize !== 0 || d.spiCount !== 0)) {
      notes.push(note(deleteNotes.spis, `IKE SA delete with SPI size ${d.spiSize} and ${d.spiCount} SPIs (both must be 0)`, r.pos - 3, 3));
    }
    if (d.spiSize > 0) for (let i = 0; i < d.spiCount; i++) d.spis.push(r.bytes(d.spiSize, 'isakmp.delete.spi'));
    if (r.remaining > 0) notes.push(note(deleteNotes.spis, `${r.remaining} bytes after ${d.spiCount} SPIs of ${d.spiSize} bytes`, r.pos, r.remaining));
  },
  tree(d) {
    const out: TreeNode[] = [];
    let o = d.bodyOffset;
    if (d.major === 1) {
      if (d.doi !== undefined) out.push(node(deleteFields.doi, d.doi, o, 4));
      o += 4;
    }
    if (d.protocol !== undefined) out.push(d.major === 2 ? node(deleteFields.protoid, d.protocol, o, 1, { values: IKEV2_PROTOCOL_IDS }) : node(deleteFields.protoid, d.protocol, o, 1));
    if (d.spiSize !== undefined) out.push(node(saSharedFields.spisize, d.spiSize, o + 1, 1));
    if (d.spiCount !== undefined) out.push(node(deleteFields.spinum, d.spiCount, o + 2, 2));
    o += 4;
    for (const spi of d.spis) {
      out.push(node(deleteFields.spi, spi, o, spi.length));
      o += spi.length;
    }
    return out;
  },
  brief: () => 'D',
};
