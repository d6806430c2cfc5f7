/**
 * Notification payloads.
 *
 * IKEv1 N (11), RFC 2408 §3.14: DOI (4), Protocol ID (1), SPI Size (1),
 * Notify Message Type (2), SPI, data. IKEv2 N (41), RFC 7296 §3.10: Protocol
 * ID (1), SPI Size (1), Notify Message Type (2), SPI, data. The type numbers
 * of the two versions overlap with different meanings (24 is
 * AUTHENTICATION-FAILED in both, but 16384 is CONNECTED vs INITIAL_CONTACT),
 * so `isakmp.notify.msgtype` nodes carry the version's table.
 *
 * Data with a known layout is broken out (DPD sequence numbers, RFC 3706 §5;
 * RESPONDER-LIFETIME attributes, RFC 2407 §4.6.3.1; INVALID_KE_PAYLOAD's group,
 * RFC 7296 §3.10.1; REDIRECT, RFC 5685; SIGNATURE_HASH_ALGORITHMS, RFC 7427 §4;
 * IPCOMP_SUPPORTED, RFC 7296 §3.10.1; AUTH_LIFETIME, RFC 4478), and
 * `isakmp.notify.data` always carries the raw bytes.
 */
import { codeTable, describeCode, type CodeTable } from '../../../core/codes.js';
import { toHex } from '../../../core/bytes.js';
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note, type Note } from '../../../core/notes.js';
import { Reader } from '../../../core/reader.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadContext, PayloadDecoder } from '../payload.js';
import { bytesAt, codeNode, restAt, spanNode, u16At, u32At, u8At, utf8, type Span } from './misc.js';
// The SA payload's tables are the single source for these codes (RESPONDER-LIFETIME carries SA attributes).
import {
  IKEV1_ATTR_TYPES as IKE_ATTR_TYPES,
  IKEV1_PROTOCOL_IDS,
  IKEV2_PROTOCOL_IDS,
  IPSEC_ATTR_TYPES,
  ISAKMP_DOI as DOI_VALUES,
  KE_METHODS,
  LIFE_TYPES,
} from './sa-tables.js';

// ------------------------------------------------------------------ tables

/** IKEv1 notify message types, RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706 (DPD), Cisco Unity (as tshark names them). */
export const IKEV1_NOTIFY_TYPES = codeTable(
  'IKEv1NotifyType',
  {
    1: 'INVALID-PAYLOAD-TYPE',
    2: 'DOI-NOT-SUPPORTED',
    3: 'SITUATION-NOT-SUPPORTED',
    4: 'INVALID-COOKIE',
    5: 'INVALID-MAJOR-VERSION',
    6: 'INVALID-MINOR-VERSION',
    7: 'INVALID-EXCHANGE-TYPE',
    8: 'INVALID-FLAGS',
    9: 'INVALID-MESSAGE-ID',
    10: 'INVALID-PROTOCOL-ID',
    11: 'INVALID-SPI',
    12: 'INVALID-TRANSFORM-ID',
    13: 'ATTRIBUTES-NOT-SUPPORTED',
    14: 'NO-PROPOSAL-CHOSEN',
    15: 'BAD-PROPOSAL-SYNTAX',
    16: 'PAYLOAD-MALFORMED',
    17: 'INVALID-KEY-INFORMATION',
    18: 'INVALID-ID-INFORMATION',
    19: 'INVALID-CERT-ENCODING',
    20: 'INVALID-CERTIFICATE',
    21: 'CERT-TYPE-UNSUPPORTED',
    22: 'INVALID-CERT-AUTHORITY',
    23: 'INVALID-HASH-INFORMATION',
    24: 'AUTHENTICATION-FAILED',
    25: 'INVALID-SIGNATURE',
    26: 'ADDRESS-NOTIFICATION',
    27: 'NOTIFY-SA-LIFETIME',
    28: 'CERTIFICATE-UNAVAILABLE',
    29: 'UNSUPPORTED-EXCHANGE-TYPE',
    30: 'UNEQUAL-PAYLOAD-LENGTHS',
    16384: 'CONNECTED',
    24576: 'RESPONDER-LIFETIME',
    24577: 'REPLAY-STATUS',
    24578: 'INITIAL-CONTACT',
    36136: 'R-U-THERE',
    36137: 'R-U-THERE-ACK',
    40501: 'UNITY-LOAD-BALANCE',
    40502: 'UNITY-UNKNOWN',
    40503: 'UNITY-GROUP-HASH',
  },
  [
    { min: 0, max: 0, name: 'RESERVED' },
    { min: 31, max: 8191, name: 'RESERVED (Future Use)' },
    { min: 8192, max: 16383, name: 'Private Use' },
    { min: 16385, max: 24575, name: 'RESERVED (Future Use)' },
    { min: 24579, max: 32767, name: 'DOI-specific codes' },
    { min: 32768, max: 40959, name: 'Private Use' },
    { min: 40960, max: 65535, name: 'RESERVED (Future Use)' },
  ],
);

/** IKEv2 notify message types: RFC 7296 §3.10.1 and the IANA "IKEv2 Notify Message Types" registries. */
export const IKEV2_NOTIFY_TYPES = codeTable(
  'IKEv2NotifyType',
  {
    0: 'RESERVED',
    1: 'UNSUPPORTED_CRITICAL_PAYLOAD',
    4: 'INVALID_IKE_SPI',
    5: 'INVALID_MAJOR_VERSION',
    7: 'INVALID_SYNTAX',
    9: 'INVALID_MESSAGE_ID',
    11: 'INVALID_SPI',
    14: 'NO_PROPOSAL_CHOSEN',
    17: 'INVALID_KE_PAYLOAD',
    24: 'AUTHENTICATION_FAILED',
    34: 'SINGLE_PAIR_REQUIRED',
    35: 'NO_ADDITIONAL_SAS',
    36: 'INTERNAL_ADDRESS_FAILURE',
    37: 'FAILED_CP_REQUIRED',
    38: 'TS_UNACCEPTABLE',
    39: 'INVALID_SELECTORS',
    40: 'UNACCEPTABLE_ADDRESSES', // RFC 4555
    41: 'UNEXPECTED_NAT_DETECTED', // RFC 4555
    42: 'USE_ASSIGNED_HoA', // RFC 5026
    43: 'TEMPORARY_FAILURE', // RFC 7296
    44: 'CHILD_SA_NOT_FOUND', // RFC 7296
    45: 'INVALID_GROUP_ID', // RFC 9838
    46: 'AUTHORIZATION_FAILED', // RFC 9838
    47: 'STATE_NOT_FOUND', // RFC 9370
    48: 'TS_MAX_QUEUE', // RFC 9611
    16384: 'INITIAL_CONTACT',
    16385: 'SET_WINDOW_SIZE',
    16386: 'ADDITIONAL_TS_POSSIBLE',
    16387: 'IPCOMP_SUPPORTED',
    16388: 'NAT_DETECTION_SOURCE_IP',
    16389: 'NAT_DETECTION_DESTINATION_IP',
    16390: 'COOKIE',
    16391: 'USE_TRANSPORT_MODE',
    16392: 'HTTP_CERT_LOOKUP_SUPPORTED',
    16393: 'REKEY_SA',
    16394: 'ESP_TFC_PADDING_NOT_SUPPORTED',
    16395: 'NON_FIRST_FRAGMENTS_ALSO',
    16396: 'MOBIKE_SUPPORTED', // RFC 4555
    16397: 'ADDITIONAL_IP4_ADDRESS',
    16398: 'ADDITIONAL_IP6_ADDRESS',
    16399: 'NO_ADDITIONAL_ADDRESSES',
    16400: 'UPDATE_SA_ADDRESSES',
    16401: 'COOKIE2',
    16402: 'NO_NATS_ALLOWED',
    16403: 'AUTH_LIFETIME', // RFC 4478
    16404: 'MULTIPLE_AUTH_SUPPORTED', // RFC 4739
    16405: 'ANOTHER_AUTH_FOLLOWS',
    16406: 'REDIRECT_SUPPORTED', // RFC 5685
    16407: 'REDIRECT',
    16408: 'REDIRECTED_FROM',
    16409: 'TICKET_LT_OPAQUE', // RFC 5723
    16410: 'TICKET_REQUEST',
    16411: 'TICKET_ACK',
    16412: 'TICKET_NACK',
    16413: 'TICKET_OPAQUE',
    16414: 'LINK_ID', // RFC 5739
    16415: 'USE_WESP_MODE', // RFC 5840
    16416: 'ROHC_SUPPORTED', // RFC 5857
    16417: 'EAP_ONLY_AUTHENTICATION', // RFC 5998
    16418: 'CHILDLESS_IKEV2_SUPPORTED', // RFC 6023
    16419: 'QUICK_CRASH_DETECTION', // RFC 6290
    16420: 'IKEV2_MESSAGE_ID_SYNC_SUPPORTED', // RFC 6311
    16421: 'IPSEC_REPLAY_COUNTER_SYNC_SUPPORTED',
    16422: 'IKEV2_MESSAGE_ID_SYNC',
    16423: 'IPSEC_REPLAY_COUNTER_SYNC',
    16424: 'SECURE_PASSWORD_METHODS', // RFC 6467
    16425: 'PSK_PERSIST', // RFC 6631
    16426: 'PSK_CONFIRM',
    16427: 'ERX_SUPPORTED', // RFC 6867
    16428: 'IFOM_CAPABILITY', // 3GPP TS 24.303
    16429: 'GROUP_SENDER', // RFC 9838 (tshark 4.0: SENDER_REQUEST_ID)
    16430: 'IKEV2_FRAGMENTATION_SUPPORTED', // RFC 7383
    16431: 'SIGNATURE_HASH_ALGORITHMS', // RFC 7427
    16432: 'CLONE_IKE_SA_SUPPORTED', // RFC 7791
    16433: 'CLONE_IKE_SA',
    16434: 'PUZZLE', // RFC 8019
    16435: 'USE_PPK', // RFC 8784
    16436: 'PPK_IDENTITY',
    16437: 'NO_PPK_AUTH',
    16438: 'INTERMEDIATE_EXCHANGE_SUPPORTED', // RFC 9242
    16439: 'IP4_ALLOWED', // RFC 8983
    16440: 'IP6_ALLOWED',
    16441: 'ADDITIONAL_KEY_EXCHANGE', // RFC 9370
    16442: 'USE_AGGFRAG', // RFC 9347
    16443: 'SUPPORTED_AUTH_METHODS', // RFC 9593
    16444: 'SA_RESOURCE_INFO', // RFC 9611
    16445: 'USE_PPK_INT', // RFC 9867
    16446: 'PPK_IDENTITY_KEY',
  },
  [
    { min: 2, max: 3, name: 'RESERVED' },
    { min: 6, max: 6, name: 'RESERVED' },
    { min: 8, max: 8, name: 'RESERVED' },
    { min: 10, max: 10, name: 'RESERVED' },
    { min: 12, max: 13, name: 'RESERVED' },
    { min: 15, max: 16, name: 'RESERVED' },
    { min: 18, max: 23, name: 'RESERVED' },
    { min: 25, max: 33, name: 'RESERVED' },
    { min: 49, max: 8191, name: 'Unassigned (error)' },
    { min: 8192, max: 16383, name: 'Private Use - Errors' },
    { min: 16447, max: 40959, name: 'Unassigned (status)' },
    { min: 40960, max: 65535, name: 'Private Use - STATUS TYPES' },
  ],
);

/** IKEv2 error types are below 16384, status types from 16384 (RFC 7296 §3.10.1). */
export const IKEV2_NOTIFY_STATUS_MIN = 16384;

/** RFC 7427 §7 / IANA "IKEv2 Hash Algorithms". */
export const SIGNATURE_HASH_ALGORITHMS = codeTable(
  'HashAlgorithm',
  { 0: 'Reserved', 1: 'SHA1', 2: 'SHA2-256', 3: 'SHA2-384', 4: 'SHA2-512', 5: 'Identity' /* RFC 8420 */ },
  [
    { min: 6, max: 1023, name: 'Unassigned' },
    { min: 1024, max: 65535, name: 'Reserved for Private Use' },
  ],
);

/** RFC 5685 §4: Gateway Identity Types. */
export const GATEWAY_ID_TYPES = codeTable('GatewayIDType', { 1: 'IPv4 address', 2: 'IPv6 address', 3: 'FQDN' }, [
  { min: 0, max: 0, name: 'Reserved' },
  { min: 4, max: 240, name: 'Unassigned' },
  { min: 241, max: 255, name: 'Private Use' },
]);

// ------------------------------------------------------------------ fields

/** Merged names for the field definition; nodes carry the version's table. */
const NOTIFY_TYPES_ANY = codeTable('NotifyType', Object.fromEntries([...IKEV2_NOTIFY_TYPES.values, ...IKEV1_NOTIFY_TYPES.values]));

export const notifyFields = defineFields({
  doi: { id: 'isakmp.notify.doi', label: 'Domain of interpretation', type: 'uint', values: DOI_VALUES, rfc: 'RFC 2408 §3.14' },
  protoid: { id: 'isakmp.notify.protoid', label: 'Protocol ID', type: 'uint', values: IKEV2_PROTOCOL_IDS, rfc: 'RFC 2408 §3.14, RFC 7296 §3.10' },
  spisize: { id: 'isakmp.notify.spisize', label: 'SPI Size', type: 'uint', rfc: 'RFC 2408 §3.14, RFC 7296 §3.10' },
  msgtype: { id: 'isakmp.notify.msgtype', label: 'Notify Message Type', type: 'uint', values: NOTIFY_TYPES_ANY, rfc: 'RFC 2408 §3.14.1, RFC 7296 §3.10.1' },
  spi: { id: 'isakmp.notify.spi', label: 'SPI', type: 'bytes', rfc: 'RFC 2408 §3.14, RFC 7296 §3.10' },
  data: { id: 'isakmp.notify.data', label: 'Notification DATA', type: 'bytes', rfc: 'RFC 2408 §3.14, RFC 7296 §3.10' },
  dpdSeq: { id: 'isakmp.notify.data.dpd.are_you_there', label: 'DPD ARE-YOU-THERE sequence', type: 'uint', rfc: 'RFC 3706 §5' },
  dpdAckSeq: { id: 'isakmp.notify.data.dpd.are_you_there_ack', label: 'DPD ARE-YOU-THERE-ACK sequence', type: 'uint', rfc: 'RFC 3706 §5' },
  unityLoadBalance: { id: 'isakmp.notify.data.unity.load_balance', label: 'UNITY LOAD BALANCE', type: 'ipv4' },
  acceptedGroup: { id: 'isakmp.notify.data.accepted_dh_group', label: 'Accepted DH group number', type: 'uint', values: KE_METHODS, rfc: 'RFC 7296 §3.10.1' },
  ipcompCpi: { id: 'isakmp.notify.data.ipcomp.cpi', label: 'IPCOMP CPI', type: 'uint', rfc: 'RFC 7296 §3.10.1' },
  ipcompTransform: { id: 'isakmp.notify.data.ipcomp.transform_id', label: 'IPCOMP Transform ID', type: 'uint', rfc: 'RFC 7296 §3.10.1' },
  authLifetime: { id: 'isakmp.notify.data.auth_lifetime', label: 'Authentication Lifetime', type: 'uint', rfc: 'RFC 4478 §3' },
  gwType: { id: 'isakmp.notify.data.redirect.gw_ident.type', label: 'Gateway Identity Type', type: 'uint', values: GATEWAY_ID_TYPES, rfc: 'RFC 5685 §4' },
  gwLen: { id: 'isakmp.notify.data.redirect.gw_ident.len', label: 'Gateway Identity Length', type: 'uint', rfc: 'RFC 5685 §4' },
  newGwIpv4: { id: 'isakmp.notify.data.redirect.new_resp_gw_ident.ipv4', label: 'New Responder Gateway Identity (IPv4)', type: 'ipv4', rfc: 'RFC 5685 §8.1' },
  newGwIpv6: { id: 'isakmp.notify.data.redirect.new_resp_gw_ident.ipv6', label: 'New Responder Gateway Identity (IPv6)', type: 'ipv6', rfc: 'RFC 5685 §8.1' },
  newGwFqdn: { id: 'isakmp.notify.data.redirect.new_resp_gw_ident.fqdn', label: 'New Responder Gateway Identity (FQDN)', type: 'string', rfc: 'RFC 5685 §8.1' },
  newGwData: { id: 'isakmp.notify.data.redirect.new_resp_gw_ident.data', label: 'New Responder Gateway Identity (DATA)', type: 'bytes', rfc: 'RFC 5685 §8.1' },
  redirectNonce: { id: 'isakmp.notify.data.redirect.nonce_data', label: 'Redirect Nonce Data', type: 'bytes', rfc: 'RFC 5685 §8.1' },
  orgGwIpv4: { id: 'isakmp.notify.data.redirect.org_resp_gw_ident.ipv4', label: 'Original Responder Gateway Identity (IPv4)', type: 'ipv4', rfc: 'RFC 5685 §8.2' },
  orgGwIpv6: { id: 'isakmp.notify.data.redirect.org_resp_gw_ident.ipv6', label: 'Original Responder Gateway Identity (IPv6)', type: 'ipv6', rfc: 'RFC 5685 §8.2' },
  orgGwFqdn: { id: 'isakmp.notify.data.redirect.org_resp_gw_ident.fqdn', label: 'Original Responder Gateway Identity (FQDN)', type: 'string', rfc: 'RFC 5685 §8.2' },
  orgGwData: { id: 'isakmp.notify.data.redirect.org_resp_gw_ident.data', label: 'Original Responder Gateway Identity (DATA)', type: 'bytes', rfc: 'RFC 5685 §8.2' },
  sigHash: { id: 'isakmp.notify.data.signature_hash_algorithms', label: 'Supported Signature Hash Algorithm', type: 'uint', values: SIGNATURE_HASH_ALGORITHMS, rfc: 'RFC 7427 §4' },
  secPwMethods: { id: 'isakmp.notify.data.secure_password_methods', label: 'Secure Password Methods', type: 'bytes', rfc: 'RFC 6467 §3' },
  ticketLifetime: { id: 'isakmp.notify.data.ticket_opaque.lifetime', label: 'TICKET OPAQUE Lifetime', type: 'uint', rfc: 'RFC 5723 §4.3.2' },
  ticketData: { id: 'isakmp.notify.data.ticket_opaque.data', label: 'TICKET OPAQUE Data', type: 'bytes', rfc: 'RFC 5723 §4.3.2' },
  ipsecAttr: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr', label: 'IPsec Attribute', type: 'none', rfc: 'RFC 2407 §4.6.3.1' },
  ipsecAttrType: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr.type', label: 'Type', type: 'uint', values: IPSEC_ATTR_TYPES, rfc: 'RFC 2407 §4.5' },
  ipsecAttrFormat: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr.format', label: 'Format', type: 'bool', mask: 0x8000, bits: 16, rfc: 'RFC 2408 §3.3' },
  ipsecAttrLength: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr.length', label: 'Length', type: 'uint', rfc: 'RFC 2408 §3.3' },
  ipsecAttrValue: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr.value', label: 'Value', type: 'bytes', rfc: 'RFC 2408 §3.3' },
  ipsecLifeType: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr.life_type', label: 'Life Type', type: 'uint', values: LIFE_TYPES, rfc: 'RFC 2407 §4.5' },
  ipsecLifeDuration: { id: 'isakmp.notify.data.resp_lifetime.ipsec.attr.life_duration', label: 'Life Duration', type: 'uint', rfc: 'RFC 2407 §4.5' },
  ikeAttr: { id: 'isakmp.notify.data.resp_lifetime.ike.attr', label: 'IKE Attribute', type: 'none', rfc: 'RFC 2409 Appendix A' },
  ikeAttrType: { id: 'isakmp.notify.data.resp_lifetime.ike.attr.type', label: 'Type', type: 'uint', values: IKE_ATTR_TYPES, rfc: 'RFC 2409 Appendix A' },
  ikeAttrFormat: { id: 'isakmp.notify.data.resp_lifetime.ike.attr.format', label: 'Format', type: 'bool', mask: 0x8000, bits: 16, rfc: 'RFC 2408 §3.3' },
  ikeAttrLength: { id: 'isakmp.notify.data.resp_lifetime.ike.attr.length', label: 'Length', type: 'uint', rfc: 'RFC 2408 §3.3' },
  ikeAttrValue: { id: 'isakmp.notify.data.resp_lifetime.ike.attr.value', label: 'Value', type: 'bytes', rfc: 'RFC 2408 §3.3' },
  ikeLifeType: { id: 'isakmp.notify.data.resp_lifetime.ike.attr.life_type', label: 'Life Type', type: 'uint', values: LIFE_TYPES, rfc: 'RFC 2409 Appendix A' },
  ikeLifeDuration: { id: 'isakmp.notify.data.resp_lifetime.ike.attr.life_duration', label: 'Life Duration', type: 'uint', rfc: 'RFC 2409 Appendix A' },
});

export const notifyNotes = defineNotes({
  dataLength: { id: 'isakmp.notify.data.length', group: 'malformed', severity: 'warn', summary: 'Notification data length does not fit the notify type' },
});

// ------------------------------------------------------------------ record

/** One SA attribute (RFC 2408 §3.3): TV when the AF bit is set (2-byte value), TLV otherwise. */
export interface NotifyAttribute {
  readonly offset: number;
  readonly type: number;
  readonly tv: boolean;
  /** TLV only: the Length field. */
  readonly length?: number;
  readonly value: Uint8Array;
  readonly valueOffset: number;
}

export interface RedirectData {
  gwType?: Span<number>;
  gwLen?: Span<number>;
  gw?: Span<Uint8Array>;
  nonce?: Span<Uint8Array>;
}

export interface NotifyPayload extends DecodedPayload {
  kind: 'notify';
  doi?: Span<number>;
  protoId?: Span<number>;
  spiSize?: Span<number>;
  msgType?: Span<number>;
  spi?: Span<Uint8Array>;
  data?: Span<Uint8Array>;
  /** DPD sequence (R-U-THERE / -ACK), AUTH_LIFETIME, TICKET lifetime, INVALID_KE group, IPCOMP CPI… */
  num?: Span<number>;
  num2?: Span<number>;
  attributes?: NotifyAttribute[];
  redirect?: RedirectData;
  hashAlgorithms?: Span<number>[];
}

// v1 types with a data layout
const N1_RESPONDER_LIFETIME = 24576;
const N1_R_U_THERE = 36136;
const N1_R_U_THERE_ACK = 36137;
const N1_UNITY_LOAD_BALANCE = 40501;
// v2 types with a data layout
const N2_INVALID_KE_PAYLOAD = 17;
const N2_IPCOMP_SUPPORTED = 16387;
const N2_NAT_DETECTION_SOURCE_IP = 16388;
const N2_NAT_DETECTION_DESTINATION_IP = 16389;
const N2_AUTH_LIFETIME = 16403;
const N2_REDIRECT = 16407;
const N2_REDIRECTED_FROM = 16408;
const N2_TICKET_OPAQUE = 16413;
const N2_SECURE_PASSWORD_METHODS = 16424;
const N2_SIGNATURE_HASH_ALGORITHMS = 16431;

/** SHA-1 output (RFC 7296 §2.23: NAT_DETECTION_*_IP data is SHA-1(SPIi | SPIr | IP | Port)). */
export const NAT_DETECTION_HASH_LEN = 20;

export function notifyTable(major: 1 | 2): CodeTable {
  return major === 1 ? IKEV1_NOTIFY_TYPES : IKEV2_NOTIFY_TYPES;
}

/** RFC 2408 §3.3 attribute list, bounded by the reader; stops (keeping what parsed) at a cut attribute. */
export function readAttributes(r: Reader): NotifyAttribute[] {
  const out: NotifyAttribute[] = [];
  while (r.remaining >= 4) {
    const offset = r.pos;
    const word = r.u16('attribute type');
    const tv = (word & 0x8000) !== 0;
    if (tv) {
      const valueOffset = r.pos;
      out.push({ offset, type: word & 0x7fff, tv, value: r.bytes(2, 'attribute value'), valueOffset });
    } else {
      const length = r.u16('attribute length');
      const valueOffset = r.pos;
      out.push({ offset, type: word, tv, length, value: r.bytes(length, 'attribute value'), valueOffset });
    }
  }
  return out;
}

function beNumber(b: Uint8Array): number | undefined {
  if (b.length === 0 || b.length > 6) return undefined;
  let v = 0;
  for (const x of b) v = v * 256 + x;
  return v;
}

function decodeData(d: NotifyPayload, data: Span<Uint8Array>, ctx: PayloadContext, notes: Note[]): void {
  const t = d.msgType!.v;
  const r = new Reader(data.v, 0, data.n);
  const at = (s: number) => data.o + s;
  const want = (n: number, what: string): boolean => {
    if (data.n === n) return true;
    notes.push(note(notifyNotes.dataLength, `${what} data is ${data.n} bytes, expected ${n}`, data.o, data.n));
    return false;
  };
  // Spans relative to the data view; shift to absolute offsets.
  const abs = <T>(s: Span<T>): Span<T> => ({ v: s.v, o: at(s.o), n: s.n });
  if (ctx.major === 1) {
    if ((t === N1_R_U_THERE || t === N1_R_U_THERE_ACK) && want(4, describeCode(IKEV1_NOTIFY_TYPES, t))) d.num = abs(u32At(r, 'dpd sequence'));
    else if (t === N1_UNITY_LOAD_BALANCE) want(4, 'UNITY-LOAD-BALANCE');
    else if (t === N1_RESPONDER_LIFETIME) {
      // A cut attribute ends the list; the raw data node still shows every byte.
      try {
        d.attributes = readAttributes(new Reader(data.v, 0, data.n)).map((a) => ({ ...a, offset: at(a.offset), valueOffset: at(a.valueOffset) }));
      } catch {
        notes.push(note(notifyNotes.dataLength, 'RESPONDER-LIFETIME attribute list is cut', data.o, data.n));
      }
    }
    return;
  }
  switch (t) {
    case N2_INVALID_KE_PAYLOAD:
      if (want(2, 'INVALID_KE_PAYLOAD')) d.num = abs(u16At(r, 'group'));
      break;
    case N2_IPCOMP_SUPPORTED:
      if (data.n >= 3) {
        d.num = abs(u16At(r, 'cpi'));
        d.num2 = abs(u8At(r, 'transform'));
      } else want(3, 'IPCOMP_SUPPORTED');
      break;
    case N2_NAT_DETECTION_SOURCE_IP:
    case N2_NAT_DETECTION_DESTINATION_IP:
      want(NAT_DETECTION_HASH_LEN, describeCode(IKEV2_NOTIFY_TYPES, t));
      break;
    case N2_AUTH_LIFETIME:
      if (want(4, 'AUTH_LIFETIME')) d.num = abs(u32At(r, 'lifetime'));
      break;
    case N2_TICKET_OPAQUE:
      if (data.n >= 4) d.num = abs(u32At(r, 'lifetime'));
      break;
    case N2_REDIRECT:
    case N2_REDIRECTED_FROM: {
      // RFC 5685 §8.1/§8.2: GW Ident Type (1), GW Ident Len (1), GW Identity, [Nonce Data (REDIRECT only)].
      const rd: RedirectData = {};
      d.redirect = rd;
      if (data.n < 2) {
        want(2, describeCode(IKEV2_NOTIFY_TYPES, t));
        break;
      }
      rd.gwType = abs(u8At(r, 'gw type'));
      rd.gwLen = abs(u8At(r, 'gw len'));
      const len = Math.min(rd.gwLen.v, r.remaining);
      if (len < rd.gwLen.v) notes.push(note(notifyNotes.dataLength, `gateway identity length ${rd.gwLen.v} > ${r.remaining} bytes left`, rd.gwLen.o, 1));
      rd.gw = abs(bytesAt(r, len, 'gw identity'));
      if (r.remaining > 0) rd.nonce = abs(restAt(r));
      break;
    }
    case N2_SIGNATURE_HASH_ALGORITHMS:
      d.hashAlgorithms = [];
      while (r.remaining >= 2) d.hashAlgorithms.push(abs(u16At(r, 'hash algorithm')));
      if (r.remaining > 0) notes.push(note(notifyNotes.dataLength, `SIGNATURE_HASH_ALGORITHMS data is ${data.n} bytes, not a multiple of 2`, data.o, data.n));
      break;
  }
}

export const notifyDecoder: PayloadDecoder<NotifyPayload> = {
  draft: () => ({ kind: 'notify' }),
  decode(r, d, ctx, notes) {
    if (ctx.major === 1) d.doi = u32At(r, 'isakmp.notify.doi');
    d.protoId = u8At(r, 'isakmp.notify.protoid');
    d.spiSize = u8At(r, 'isakmp.notify.spisize');
    d.msgType = u16At(r, 'isakmp.notify.msgtype');
    d.spi = bytesAt(r, d.spiSize.v, 'isakmp.notify.spi');
    d.data = restAt(r);
    decodeData(d, d.data, ctx, notes);
  },
  tree(d, ctx) {
    const out: TreeNode[] = [
      ...codeNode(notifyFields.doi, d.doi),
      ...codeNode(notifyFields.protoid, d.protoId, ctx.major === 1 ? IKEV1_PROTOCOL_IDS : IKEV2_PROTOCOL_IDS),
      ...spanNode(notifyFields.spisize, d.spiSize),
      ...codeNode(notifyFields.msgtype, d.msgType, notifyTable(ctx.major)),
    ];
    if (d.spi && d.spi.n > 0) out.push(...spanNode(notifyFields.spi, d.spi));
    if (d.data && d.data.n > 0) out.push(...spanNode(notifyFields.data, d.data), ...dataNodes(d, ctx));
    return out;
  },
  brief: (d, ctx) => (d.msgType ? `N(${describeCode(notifyTable(ctx.major), d.msgType.v)})` : 'N'),
};

function attributeNodes(list: readonly NotifyAttribute[], ike: boolean): TreeNode[] {
  const [attr, type, format, length, value, lifeType, lifeDuration] = ike
    ? [notifyFields.ikeAttr, notifyFields.ikeAttrType, notifyFields.ikeAttrFormat, notifyFields.ikeAttrLength, notifyFields.ikeAttrValue, notifyFields.ikeLifeType, notifyFields.ikeLifeDuration]
    : [notifyFields.ipsecAttr, notifyFields.ipsecAttrType, notifyFields.ipsecAttrFormat, notifyFields.ipsecAttrLength, notifyFields.ipsecAttrValue, notifyFields.ipsecLifeType, notifyFields.ipsecLifeDuration];
  const table = ike ? IKE_ATTR_TYPES : IPSEC_ATTR_TYPES;
  // Life Type / Life Duration: IPsec attributes 1/2 (RFC 2407 §4.5), IKE attributes 11/12 (RFC 2409 Appendix A).
  const [LT, LD] = ike ? [11, 12] : [1, 2];
  return list.map((a) => {
    const size = a.value.length + (a.tv ? 2 : 4);
    const kids: TreeNode[] = [
      node(format, a.tv, a.offset, 2, { text: `${a.tv ? '1' : '0'}... .... .... .... = Format: ${a.tv ? 'Type/Value (TV)' : 'Type/Length/Value (TLV)'}` }),
      node(type, a.type, a.offset, 2, { text: `Type: ${describeCode(table, a.type)} (${a.type})` }),
    ];
    if (!a.tv && a.length !== undefined) kids.push(node(length, a.length, a.offset + 2, 2));
    kids.push(node(value, a.value, a.valueOffset, a.value.length));
    const num = beNumber(a.value);
    let shown = toHex(a.value);
    if (a.type === LT && num !== undefined) {
      kids.push(node(lifeType, num, a.valueOffset, a.value.length));
      shown = describeCode(LIFE_TYPES, num);
    } else if (a.type === LD && num !== undefined && a.value.length <= 4) {
      kids.push(node(lifeDuration, num, a.valueOffset, a.value.length));
      shown = String(num);
    }
    return node(attr, null, a.offset, size, { text: `${attr.label} (t=${a.type},l=${a.value.length}): ${describeCode(table, a.type)}: ${shown}`, children: kids });
  });
}

function gatewayNodes(rd: RedirectData, original: boolean): TreeNode[] {
  const out: TreeNode[] = [...codeNode(notifyFields.gwType, rd.gwType), ...spanNode(notifyFields.gwLen, rd.gwLen)];
  const gw = rd.gw;
  if (gw) {
    const t = rd.gwType?.v;
    if (t === 1 && gw.n === 4) out.push(node(original ? notifyFields.orgGwIpv4 : notifyFields.newGwIpv4, gw.v, gw.o, 4));
    else if (t === 2 && gw.n === 16) out.push(node(original ? notifyFields.orgGwIpv6 : notifyFields.newGwIpv6, gw.v, gw.o, 16));
    else if (t === 3) out.push(node(original ? notifyFields.orgGwFqdn : notifyFields.newGwFqdn, utf8(gw.v), gw.o, gw.n));
    else out.push(node(original ? notifyFields.orgGwData : notifyFields.newGwData, gw.v, gw.o, gw.n));
  }
  out.push(...spanNode(notifyFields.redirectNonce, rd.nonce));
  return out;
}

function dataNodes(d: NotifyPayload, ctx: PayloadContext): TreeNode[] {
  const t = d.msgType?.v;
  const data = d.data!;
  if (ctx.major === 1) {
    if (t === N1_R_U_THERE) return spanNode(notifyFields.dpdSeq, d.num);
    if (t === N1_R_U_THERE_ACK) return spanNode(notifyFields.dpdAckSeq, d.num);
    if (t === N1_UNITY_LOAD_BALANCE && data.n === 4) return [node(notifyFields.unityLoadBalance, data.v, data.o, 4)];
    if (t === N1_RESPONDER_LIFETIME && d.attributes) return attributeNodes(d.attributes, d.protoId?.v === 1);
    return [];
  }
  switch (t) {
    case N2_INVALID_KE_PAYLOAD:
      return codeNode(notifyFields.acceptedGroup, d.num);
    case N2_IPCOMP_SUPPORTED:
      return [...spanNode(notifyFields.ipcompCpi, d.num), ...spanNode(notifyFields.ipcompTransform, d.num2)];
    case N2_AUTH_LIFETIME:
      return spanNode(notifyFields.authLifetime, d.num);
    case N2_TICKET_OPAQUE:
      return [...spanNode(notifyFields.ticketLifetime, d.num), ...(data.n > 4 ? [node(notifyFields.ticketData, data.v.subarray(4), data.o + 4, data.n - 4)] : [])];
    case N2_REDIRECT:
    case N2_REDIRECTED_FROM:
      return d.redirect ? gatewayNodes(d.redirect, t === N2_REDIRECTED_FROM) : [];
    case N2_SECURE_PASSWORD_METHODS:
      return spanNode(notifyFields.secPwMethods, data);
    case N2_SIGNATURE_HASH_ALGORITHMS:
      return (d.hashAlgorithms ?? []).flatMap((s) => codeNode(notifyFields.sigHash, s));
    default:
      return [];
  }
}
