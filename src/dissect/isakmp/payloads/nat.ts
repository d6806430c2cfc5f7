/**
 * IKEv1 NAT traversal payloads (RFC 3947) and the Cisco fragmentation payload.
 *
 * - NAT-D (20; 130 in draft-ietf-ipsec-nat-t-ike-01..03): HASH(CKY-I | CKY-R |
 *   IP | Port) (RFC 3947 §3.2). Kept as bytes: checking it needs the
 *   negotiated hash and the addresses, which the session pass has.
 * - NAT-OA (21; 131 in the drafts): ID type (ID_IPV4_ADDR 1 or ID_IPV6_ADDR 5),
 *   3 reserved bytes, the original address (RFC 3947 §5.1).
 * - Cisco fragmentation (132): fragment id (2), sequence number (1), last
 *   flag (1), fragment data; the reassembled message is an ISAKMP message.
 */
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { IKEV1_ID_TYPES, idFields } from './id.js';
import { bytesAt, codeNode, restAt, spanNode, u16At, u8At, type Span } from './misc.js';

export const natFields = defineFields({
  hash: { id: 'isakmp.ike.nat_hash', label: 'HASH of the address and port', type: 'bytes', rfc: 'RFC 3947 §3.2' },
  oaReserved: { id: 'isakmp.ike.nat_original_address.reserved', label: 'Reserved', type: 'bytes', rfc: 'RFC 3947 §5.1' },
  oaIpv4: { id: 'isakmp.ike.nat_original_address_ipv4', label: 'NAT Original IPv4 Address', type: 'ipv4', rfc: 'RFC 3947 §5.1' },
  oaIpv6: { id: 'isakmp.ike.nat_original_address_ipv6', label: 'NAT Original IPv6 Address', type: 'ipv6', rfc: 'RFC 3947 §5.1' },
  oaData: { id: 'isakmp.ike.nat_original_address.data', label: 'NAT Original Address Data', type: 'bytes', rfc: 'RFC 3947 §5.1' },
  fragId: { id: 'isakmp.frag.packetid', label: 'Frag ID', type: 'uint', base: 'hex', hexDigits: 4 },
  fragSeq: { id: 'isakmp.frag.seq', label: 'Frag seq', type: 'uint' },
  fragLast: { id: 'isakmp.frag.last', label: 'Frag last', type: 'uint' },
  fragData: { id: 'isakmp.frag.data', label: 'Fragment Data', type: 'bytes' },
});

export const natNotes = defineNotes({
  oaLength: { id: 'isakmp.ike.nat_original_address.length', group: 'malformed', severity: 'warn', summary: 'NAT-OA address length does not fit its ID type' },
});

export interface NatdPayload extends DecodedPayload {
  kind: 'nat-d';
  hash?: Span<Uint8Array>;
}

export const natdDecoder: PayloadDecoder<NatdPayload> = {
  draft: () => ({ kind: 'nat-d' }),
  decode(r, d) {
    d.hash = restAt(r);
  },
  tree: (d) => spanNode(natFields.hash, d.hash),
  brief: () => 'NAT-D',
};

export interface NatoaPayload extends DecodedPayload {
  kind: 'nat-oa';
  idType?: Span<number>;
  reserved?: Span<Uint8Array>;
  address?: Span<Uint8Array>;
}

export const natoaDecoder: PayloadDecoder<NatoaPayload> = {
  draft: () => ({ kind: 'nat-oa' }),
  decode(r, d, _ctx, notes) {
    d.idType = u8At(r, 'isakmp.id.type');
    d.reserved = bytesAt(r, 3, 'isakmp.ike.nat_original_address.reserved');
    d.address = restAt(r);
    const want = d.idType.v === 1 ? 4 : d.idType.v === 5 ? 16 : undefined;
    if (want !== undefined && d.address.n !== want) {
      notes.push(note(natNotes.oaLength, `address is ${d.address.n} bytes, expected ${want}`, d.address.o, d.address.n));
    }
  },
  tree(d) {
    const out: TreeNode[] = [...codeNode(idFields.type, d.idType, IKEV1_ID_TYPES), ...spanNode(natFields.oaReserved, d.reserved)];
    const a = d.address;
    if (a && a.n > 0) {
      if (d.idType?.v === 1 && a.n === 4) out.push(node(natFields.oaIpv4, a.v, a.o, 4));
      else if (d.idType?.v === 5 && a.n === 16) out.push(node(natFields.oaIpv6, a.v, a.o, 16));
      else out.push(node(natFields.oaData, a.v, a.o, a.n));
    }
    return out;
  },
  brief: () => 'NAT-OA',
};

export interface CiscoFragPayload extends DecodedPayload {
  kind: 'cisco-frag';
  id?: Span<number>;
  seq?: Span<number>;
  last?: Span<number>;
  data?: Span<Uint8Array>;
}

export const ciscoFragDecoder: PayloadDecoder<CiscoFragPayload> = {
  draft: () => ({ kind: 'cisco-frag' }),
  decode(r, d) {
    d.id = u16At(r, 'isakmp.frag.packetid');
    d.seq = u8At(r, 'isakmp.frag.seq');
    d.last = u8At(r, 'isakmp.frag.last');
    d.data = restAt(r);
  },
  tree: (d) => [
    ...spanNode(natFields.fragId, d.id),
    ...spanNode(natFields.fragSeq, d.seq),
    ...spanNode(natFields.fragLast, d.last),
    ...(d.data && d.data.n > 0 ? spanNode(natFields.fragData, d.data) : []),
  ],
  brief: (d) => (d.seq ? `FRAG(${d.seq.v}${d.last?.v ? ', last' : ''})` : 'FRAG'),
};
