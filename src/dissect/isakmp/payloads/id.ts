/**
 * Identification payloads.
 *
 * IKEv1 ID (5), RFC 2408 §3.8 with the IPsec DOI's layout, RFC 2407 §4.6.2:
 * ID Type (1), Protocol ID (1), Port (2), data. IKEv2 IDi (35) / IDr (36),
 * RFC 7296 §3.5: ID Type (1), 3 reserved bytes, data. The type numbers
 * overlap between versions with different meanings (4 is an IPv4 subnet in
 * IKEv1 and unassigned in IKEv2; 12 is ID_LIST vs ID_FC_NAME), so
 * `isakmp.id.type` nodes carry the version's table.
 */
import { codeTable, describeCode } from '../../../core/codes.js';
import { formatIPv4, formatIPv6, toHex } from '../../../core/bytes.js';
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import { IP_PROTOCOLS } from '../../ipv4.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { bytesAt, codeNode, restAt, spanNode, u16At, u8At, utf8, type Span } from './misc.js';

/** IPsec DOI identification types, RFC 2407 §4.6.2.1 (names as tshark prints them). */
export const IKEV1_ID_TYPES = codeTable(
  'IKEv1IDType',
  {
    0: 'RESERVED',
    1: 'IPV4_ADDR',
    2: 'FQDN',
    3: 'USER_FQDN',
    4: 'IPV4_ADDR_SUBNET',
    5: 'IPV6_ADDR',
    6: 'IPV6_ADDR_SUBNET',
    7: 'IPV4_ADDR_RANGE',
    8: 'IPV6_ADDR_RANGE',
    9: 'DER_ASN1_DN',
    10: 'DER_ASN1_GN',
    11: 'KEY_ID',
    12: 'LIST', // RFC 3554 §5
  },
  [
    { min: 13, max: 248, name: 'Future use' },
    { min: 249, max: 255, name: 'Private Use' },
  ],
);

/** IKEv2 identification types, RFC 7296 §3.5 and the IANA "IKEv2 Identification Payload ID Types" registry. */
export const IKEV2_ID_TYPES = codeTable(
  'IKEv2IDType',
  {
    0: 'RESERVED',
    1: 'IPV4_ADDR',
    2: 'FQDN',
    3: 'ID_RFC822_ADDR',
    5: 'IPV6_ADDR',
    9: 'DER_ASN1_DN',
    10: 'DER_ASN1_GN',
    11: 'KEY_ID',
    12: 'ID_FC_NAME', // RFC 4595
    13: 'ID_NULL', // RFC 7619
  },
  [
    { min: 4, max: 4, name: 'Unassigned' },
    { min: 6, max: 8, name: 'Unassigned' },
    { min: 14, max: 200, name: 'Unassigned' },
    { min: 201, max: 255, name: 'Private Use' },
  ],
);

export const idFields = defineFields({
  type: { id: 'isakmp.id.type', label: 'ID type', type: 'uint', values: IKEV1_ID_TYPES, rfc: 'RFC 2407 §4.6.2, RFC 7296 §3.5' },
  protoid: { id: 'isakmp.id.protoid', label: 'Protocol ID', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 2407 §4.6.2' },
  port: { id: 'isakmp.id.port', label: 'Port', type: 'uint', rfc: 'RFC 2407 §4.6.2' },
  reserved: { id: 'isakmp.id.reserved', label: 'Reserved', type: 'bytes', rfc: 'RFC 7296 §3.5' },
  data: { id: 'isakmp.id.data', label: 'Identification Data', type: 'bytes', rfc: 'RFC 2407 §4.6.2, RFC 7296 §3.5' },
  ipv4: { id: 'isakmp.id.data.ipv4_addr', label: 'ID_IPV4_ADDR', type: 'ipv4', rfc: 'RFC 2407 §4.6.2.2' },
  fqdn: { id: 'isakmp.id.data.fqdn', label: 'ID_FQDN', type: 'string', rfc: 'RFC 2407 §4.6.2.3' },
  userFqdn: { id: 'isakmp.id.data.user_fqdn', label: 'ID_USER_FQDN', type: 'string', rfc: 'RFC 2407 §4.6.2.4, RFC 7296 §3.5' },
  ipv4Subnet: { id: 'isakmp.id.data.ipv4_subnet', label: 'ID_IPV4_SUBNET', type: 'ipv4', rfc: 'RFC 2407 §4.6.2.5' },
  ipv4RangeStart: { id: 'isakmp.id.data.ipv4_range_start', label: 'ID_IPV4_RANGE (Start)', type: 'ipv4', rfc: 'RFC 2407 §4.6.2.8' },
  ipv4RangeEnd: { id: 'isakmp.id.data.ipv4_range_end', label: 'ID_IPV4_RANGE (End)', type: 'ipv4', rfc: 'RFC 2407 §4.6.2.8' },
  ipv6: { id: 'isakmp.id.data.ipv6_addr', label: 'ID_IPV6_ADDR', type: 'ipv6', rfc: 'RFC 2407 §4.6.2.6' },
  ipv6Subnet: { id: 'isakmp.id.data.ipv6_subnet', label: 'ID_IPV6_ADDR_SUBNET', type: 'ipv6', rfc: 'RFC 2407 §4.6.2.7' },
  ipv6RangeStart: { id: 'isakmp.id.data.ipv6_range_start', label: 'ID_IPV6_ADDR_RANGE (Start)', type: 'ipv6', rfc: 'RFC 2407 §4.6.2.9' },
  ipv6RangeEnd: { id: 'isakmp.id.data.ipv6_range_end', label: 'ID_IPV6_ADDR_RANGE (End)', type: 'ipv6', rfc: 'RFC 2407 §4.6.2.9' },
  dn: { id: 'isakmp.id.data.der_asn1_dn', label: 'ID_DER_ASN1_DN', type: 'bytes', rfc: 'RFC 2407 §4.6.2.10' },
  dnText: { id: 'isakmp.id.data.dn', label: 'Distinguished Name', type: 'string', blurb: 'Best-effort text of the DER Name (RFC 4514 order reversed as sent)' },
  gn: { id: 'isakmp.id.data.der_asn1_gn', label: 'ID_DER_ASN1_GN', type: 'bytes', rfc: 'RFC 2407 §4.6.2.11' },
  keyId: { id: 'isakmp.id.data.key_id', label: 'ID_KEY_ID', type: 'bytes', rfc: 'RFC 2407 §4.6.2.12' },
  list: { id: 'isakmp.id.data.list', label: 'ID_LIST', type: 'bytes', rfc: 'RFC 3554 §5' },
  fcName: { id: 'isakmp.id.data.fc_name', label: 'ID_FC_NAME', type: 'bytes', rfc: 'RFC 4595 §4.2' },
});

export const idNotes = defineNotes({
  dataLength: { id: 'isakmp.id.data.length', group: 'malformed', severity: 'warn', summary: 'Identification data length does not fit the ID type' },
});

export interface IdPayload extends DecodedPayload {
  kind: 'id';
  idType?: Span<number>;
  protoId?: Span<number>;
  port?: Span<number>;
  reserved?: Span<Uint8Array>;
  data?: Span<Uint8Array>;
}

/** Data sizes fixed by the type (RFC 2407 §4.6.2.x; RFC 7296 §3.5 for IPv4/IPv6). */
function fixedLength(major: 1 | 2, t: number): number | undefined {
  switch (t) {
    case 1:
      return 4;
    case 5:
      return 16;
    case 4:
    case 7:
      return major === 1 ? 8 : undefined;
    case 6:
    case 8:
      return major === 1 ? 32 : undefined;
    case 13:
      return major === 2 ? 0 : undefined; // ID_NULL: RFC 7619 §3 says the data is empty
    default:
      return undefined;
  }
}

export const idDecoder: PayloadDecoder<IdPayload> = {
  draft: () => ({ kind: 'id' }),
  decode(r, d, ctx, notes) {
    d.idType = u8At(r, 'isakmp.id.type');
    if (ctx.major === 1) {
      d.protoId = u8At(r, 'isakmp.id.protoid');
      d.port = u16At(r, 'isakmp.id.port');
    } else {
      d.reserved = bytesAt(r, 3, 'isakmp.id.reserved');
    }
    d.data = restAt(r);
    const want = fixedLength(ctx.major, d.idType.v);
    if (want !== undefined && want !== d.data.n) {
      const name = describeCode(ctx.major === 1 ? IKEV1_ID_TYPES : IKEV2_ID_TYPES, d.idType.v);
      notes.push(note(idNotes.dataLength, `${name} data is ${d.data.n} bytes, expected ${want}`, d.data.o, d.data.n));
    }
  },
  tree(d, ctx) {
    const out: TreeNode[] = codeNode(idFields.type, d.idType, ctx.major === 1 ? IKEV1_ID_TYPES : IKEV2_ID_TYPES);
    if (d.protoId) {
      // RFC 2407 §4.6.2: zero means the field is ignored (tshark: "Unused").
      out.push(node(idFields.protoid, d.protoId.v, d.protoId.o, 1, d.protoId.v === 0 ? { text: 'Protocol ID: Unused' } : undefined));
    }
    if (d.port) out.push(node(idFields.port, d.port.v, d.port.o, 2, d.port.v === 0 ? { text: 'Port: Unused' } : undefined));
    out.push(...spanNode(idFields.reserved, d.reserved));
    if (d.data && d.idType) {
      const typed = idDataNodes(ctx.major, d.idType.v, d.data);
      out.push(node(idFields.data, d.data.v, d.data.o, d.data.n, { text: `Identification Data:${idText(ctx.major, d.idType.v, d.data.v)}`, children: typed }));
    }
    return out;
  },
  brief: (_d, ctx) => (ctx.major === 1 ? 'ID' : ctx.type === 36 ? 'IDr' : 'IDi'),
};

/** The typed node(s) under Identification Data; nothing when the length does not fit the type. */
export function idDataNodes(major: 1 | 2, t: number, s: Span<Uint8Array>): TreeNode[] {
  const b = s.v;
  const o = s.o;
  const n = b.length;
  const v4 = (f: typeof idFields.ipv4, at: number) => node(f, b.subarray(at, at + 4), o + at, 4);
  const v6 = (f: typeof idFields.ipv6, at: number) => node(f, b.subarray(at, at + 16), o + at, 16);
  switch (t) {
    case 1:
      return n === 4 ? [v4(idFields.ipv4, 0)] : [];
    case 2:
      return [node(idFields.fqdn, utf8(b), o, n)];
    case 3:
      return [node(idFields.userFqdn, utf8(b), o, n)];
    case 5:
      return n === 16 ? [v6(idFields.ipv6, 0)] : [];
    case 9: {
      const dn = dnText(b);
      return [node(idFields.dn, b, o, n, { children: dn !== undefined ? [node(idFields.dnText, dn, o, n)] : [] })];
    }
    case 10:
      return [node(idFields.gn, b, o, n)];
    case 11:
      return [node(idFields.keyId, b, o, n)];
  }
  if (major === 1) {
    switch (t) {
      case 4:
        // tshark shows address and mask under the same field id.
        return n === 8 ? [v4(idFields.ipv4Subnet, 0), v4(idFields.ipv4Subnet, 4)] : [];
      case 6:
        return n === 32 ? [v6(idFields.ipv6Subnet, 0), v6(idFields.ipv6Subnet, 16)] : [];
      case 7:
        return n === 8 ? [v4(idFields.ipv4RangeStart, 0), v4(idFields.ipv4RangeEnd, 4)] : [];
      case 8:
        return n === 32 ? [v6(idFields.ipv6RangeStart, 0), v6(idFields.ipv6RangeEnd, 16)] : [];
      case 12:
        return [node(idFields.list, b, o, n)];
    }
  } else if (t === 12) {
    return [node(idFields.fcName, b, o, n)];
  }
  return [];
}

/** One-line text of the identity, for the data node and the ladder view. */
export function idText(major: 1 | 2, t: number, b: Uint8Array): string {
  const n = b.length;
  switch (t) {
    case 1:
      if (n === 4) return formatIPv4(b);
      break;
    case 2:
    case 3:
      return utf8(b);
    case 5:
      if (n === 16) return formatIPv6(b);
      break;
    case 9:
      return dnText(b) ?? toHex(b);
    case 4:
      if (major === 1 && n === 8) return `${formatIPv4(b)}/${formatIPv4(b, 4)}`;
      break;
    case 6:
      if (major === 1 && n === 32) return `${formatIPv6(b)}/${formatIPv6(b, 16)}`;
      break;
    case 7:
      if (major === 1 && n === 8) return `${formatIPv4(b)}-${formatIPv4(b, 4)}`;
      break;
    case 8:
      if (major === 1 && n === 32) return `${formatIPv6(b)}-${formatIPv6(b, 16)}`;
      break;
    case 13:
      if (major === 2) return '(null)';
      break;
  }
  return toHex(b);
}

// ------------------------------------------------------------------ DER Name (best effort)

/** Short names of the attribute types seen in IKE identities (RFC 4519, RFC 2985 emailAddress). */
const DN_ATTRS: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '2.5.4.46': 'dnQualifier',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'E',
};

/** One DER TLV at `at` inside [.., end): tag, content start and end; undefined when it does not fit. */
export function derTlv(b: Uint8Array, at: number, end: number): { tag: number; start: number; end: number } | undefined {
  if (at + 2 > end) return undefined;
  const tag = b[at]!;
  let len = b[at + 1]!;
  let p = at + 2;
  if (len & 0x80) {
    const k = len & 0x7f;
    // Definite lengths of up to 3 bytes cover any IKE payload (max 64 KiB).
    if (k === 0 || k > 3 || p + k > end) return undefined;
    len = 0;
    for (let i = 0; i < k; i++) len = len * 256 + b[p + i]!;
    p += k;
  }
  if (p + len > end) return undefined;
  return { tag, start: p, end: p + len };
}

/** Dotted text of DER OID content bytes (X.690 §8.19); undefined when malformed. */
export function oidText(b: Uint8Array): string | undefined {
  if (b.length === 0 || b.length > 64) return undefined;
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    v = v * 128 + (c & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 256) return undefined;
    if (!(c & 0x80)) {
      if (parts.length === 0) parts.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    } else if (i === b.length - 1) return undefined;
  }
  return parts.join('.');
}

/**
 * `CN=…, O=…` from a DER Name (RFC 5280 §4.1.2.4: SEQUENCE OF SET OF
 * SEQUENCE { OID, value }), in the order sent. Bounded by the input, never
 * throws; undefined when the bytes are not a Name espy understands.
 */
export function dnText(b: Uint8Array): string | undefined {
  const top = derTlv(b, 0, b.length);
  if (!top || top.tag !== 0x30 || top.end !== b.length) return undefined;
  const rdns: string[] = [];
  let p = top.start;
  while (p < top.end) {
    const set = derTlv(b, p, top.end);
    if (!set || set.tag !== 0x31) return undefined;
    let q = set.start;
    while (q < set.end) {
      const atv = derTlv(b, q, set.end);
      if (!atv || atv.tag !== 0x30) return undefined;
      const oid = derTlv(b, atv.start, atv.end);
      if (!oid || oid.tag !== 0x06) return undefined;
      const val = derTlv(b, oid.end, atv.end);
      if (!val) return undefined;
      const dotted = oidText(b.subarray(oid.start, oid.end));
      if (dotted === undefined) return undefined;
      const raw = b.subarray(val.start, val.end);
      // String types (UTF8String, PrintableString, IA5String, T61String) as text; others as #hex (RFC 4514 §2.4).
      const text = [0x0c, 0x13, 0x16, 0x14, 0x1a].includes(val.tag) ? utf8(raw) : `#${toHex(b.subarray(oid.end, val.end))}`;
      rdns.push(`${DN_ATTRS[dotted] ?? dotted}=${text}`);
      q = atv.end;
    }
    p = set.end;
  }
  return rdns.join(', ');
}
