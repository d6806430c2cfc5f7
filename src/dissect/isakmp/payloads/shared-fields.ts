/**
 * Pieces shared by the SA, Delete and configuration decoders: the field ids
 * Wireshark uses in more than one payload (defined once here), the
 * Type/Value – Type/Length/Value attribute reader (RFC 2408 §3.3, RFC 7296
 * §3.3.5, draft-dukes-ike-mode-cfg §3.3 all use the same layout), and the
 * generic header of the Proposal and Transform substructures.
 */
import { defineFields, type FieldDef } from '../../../core/fields.js';
import type { Reader } from '../../../core/reader.js';
import { node, type TreeNode } from '../../../core/tree.js';
import { IKEV1_PAYLOAD_TYPES } from '../codes.js';
import { isakmpFields } from '../header-fields.js';

export const saSharedFields = defineFields({
  // RFC 2408 §3.5 (Proposal) and §3.15 (Delete); RFC 7296 §3.3.1 and §3.11.
  spisize: { id: 'isakmp.spisize', label: 'SPI Size', type: 'uint', rfc: 'RFC 2408 §3.5, RFC 7296 §3.3.1' },
});

/** The AF bit: set for Type/Value (basic, 2-byte value), clear for Type/Length/Value. */
export const ATTR_AF = 0x8000;

/** One data attribute as sent. Offsets are absolute. */
export interface RawAttribute {
  /** Attribute type without the AF bit. */
  readonly type: number;
  /** True for the TV (basic) form. */
  readonly tv: boolean;
  readonly offset: number;
  /** Header length: 2 for TV, 4 for TLV. */
  readonly headerLength: number;
  /** Value length: 2 for TV, the Length field for TLV. */
  readonly length: number;
  readonly value: Uint8Array;
}

/** Read one TV/TLV attribute; a TLV value running past the reader's end throws Truncated. */
export function readAttribute(r: Reader, what: string): RawAttribute {
  const offset = r.pos;
  const tf = r.u16(`${what} type`);
  const tv = (tf & ATTR_AF) !== 0;
  const type = tf & 0x7fff;
  if (tv) return { type, tv, offset, headerLength: 2, length: 2, value: r.bytes(2, `${what} value`) };
  const length = r.u16(`${what} length`);
  return { type, tv, offset, headerLength: 4, length, value: r.bytes(length, `${what} value`) };
}

/** Big-endian unsigned value of an attribute: a number up to 6 bytes, a bigint for 7–8, undefined beyond. */
export function attrNumber(v: Uint8Array): number | bigint | undefined {
  if (v.length === 0 || v.length > 8) return undefined;
  if (v.length <= 6) {
    let n = 0;
    for (const b of v) n = n * 256 + b;
    return n;
  }
  let n = 0n;
  for (const b of v) n = (n << 8n) | BigInt(b);
  return n;
}

/** `1... .... .... .... = Format: Type/Value (TV)`, as tshark prints the AF bit. */
export function formatNode(field: FieldDef, a: RawAttribute): TreeNode {
  const text = a.tv ? '1... .... .... .... = Format: Type/Value (TV)' : '0... .... .... .... = Format: Type/Length/Value (TLV)';
  return node(field, a.tv, a.offset, 2, { text });
}

/** A Proposal or Transform substructure's generic header (RFC 2408 §3.5/§3.6, RFC 7296 §3.3.1/§3.3.2). */
export interface SubHeader {
  readonly offset: number;
  readonly nextPayload: number;
  readonly reserved: number;
  /** Length as sent (header included). */
  readonly length: number;
}

/**
 * Header nodes of a Proposal/Transform: tshark shows them with the generic
 * payload fields, and names their Next Payload values (0, 2, 3) from the
 * IKEv1 payload table in both versions ("Transform (3)").
 */
export function subHeaderNodes(h: SubHeader): TreeNode[] {
  return [
    node(isakmpFields.nextpayload, h.nextPayload, h.offset, 1, { values: IKEV1_PAYLOAD_TYPES }),
    node(isakmpFields.reserved, Uint8Array.of(h.reserved), h.offset + 1, 1),
    node(isakmpFields.payloadlength, h.length, h.offset + 2, 2),
  ];
}
