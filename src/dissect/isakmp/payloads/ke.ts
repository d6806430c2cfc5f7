/**
 * Key Exchange payload. IKEv1 (RFC 2408 §3.7): the public value only, its
 * group named by the SA. IKEv2 (RFC 7296 §3.4): the Key Exchange Method
 * ("Diffie-Hellman Group Num"), 2 reserved bytes, then the data.
 */
import { describeCode } from '../../../core/codes.js';
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { isakmpFields } from '../header-fields.js';
import { KE_DATA_SIZES, KE_METHODS } from './sa-tables.js';

export const keFields = defineFields({
  dhGroup: { id: 'isakmp.key_exchange.dh_group', label: 'DH Group #', type: 'uint', values: KE_METHODS, rfc: 'RFC 7296 §3.4' },
  data: { id: 'isakmp.key_exchange.data', label: 'Key Exchange Data', type: 'bytes', rfc: 'RFC 2408 §3.7, RFC 7296 §3.4' },
});

export const keNotes = defineNotes({
  dataLength: { id: 'isakmp.key_exchange.length', group: 'protocol', severity: 'warn', summary: 'Key Exchange Data length does not match the size the key exchange method defines' },
});

/** IKEv2 R flag (RFC 7296 §3.1): a response carries the responder's value (for ML-KEM, the ciphertext). */
const FLAG_R = 0x20;

export interface KePayload extends DecodedPayload {
  readonly kind: 'ke';
  bodyOffset: number;
  /** IKEv2 only: Key Exchange Method. */
  group?: number;
  reserved?: Uint8Array;
  data?: Uint8Array;
}

export const keDecoder: PayloadDecoder<KePayload> = {
  draft: () => ({ kind: 'ke', bodyOffset: 0 }),
  decode(r, d, ctx, notes) {
    d.bodyOffset = r.pos;
    if (ctx.major === 2) {
      d.group = r.u16('isakmp.key_exchange.dh_group');
      d.reserved = r.bytes(2, 'isakmp.reserved');
    }
    const at = r.pos;
    d.data = r.rest();
    if (d.group === undefined) return;
    const size = KE_DATA_SIZES.get(d.group);
    if (!size) return;
    const response = (ctx.flags & FLAG_R) !== 0;
    const want = response ? size.response : size.request;
    if (d.data.length !== want) {
      notes.push(note(keNotes.dataLength, `${describeCode(KE_METHODS, d.group)} (${d.group}): ${d.data.length} bytes of key exchange data, expected ${want}`, at, d.data.length));
    }
  },
  tree(d) {
    const out: TreeNode[] = [];
    let o = d.bodyOffset;
    if (d.group !== undefined) out.push(node(keFields.dhGroup, d.group, o, 2));
    if (d.reserved) out.push(node(isakmpFields.reserved, d.reserved, o + 2, 2));
    if (d.group !== undefined || d.reserved) o += 4;
    if (d.data) out.push(node(keFields.data, d.data, o, d.data.length));
    return out;
  },
  brief: () => 'KE',
};
