/**
 * Security Association payload, both versions.
 *
 * IKEv1 (RFC 2408 §3.4–§3.6, RFC 2407 §4.2/§4.5, RFC 2409 App. A): DOI,
 * Situation, then a chain of Proposal substructures, each followed by its
 * Transform substructures, each carrying data attributes (TV or TLV).
 * IKEv2 (RFC 7296 §3.3): Proposals → Transforms (type + id) → attributes.
 *
 * Proposals and Transforms have a generic header of their own; each is
 * confined to its declared length with `Reader.sub` like payloads in the
 * message chain, so a bad inner length stops that level (with a note)
 * and keeps what was parsed before it.
 */
import { describeCode, type CodeTable } from '../../../core/codes.js';
import { defineFields, type FieldDef } from '../../../core/fields.js';
import { defineNotes, note, type Note } from '../../../core/notes.js';
import { Truncated, type Reader } from '../../../core/reader.js';
import { toHex } from '../../../core/bytes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { isakmpFields } from '../header-fields.js';
import { attrNumber, formatNode, readAttribute, saSharedFields, subHeaderNodes, type RawAttribute, type SubHeader } from './shared-fields.js';
import {
  DOI_IPSEC,
  IKEV1_ASYMMETRIC_TYPES,
  IKEV1_ATTR_TYPES,
  IKEV1_AUTH_METHODS,
  IKEV1_ENCR,
  IKEV1_GROUP_TYPES,
  IKEV1_HASH,
  IKEV1_PROTOCOL_IDS,
  IKEV1_VARIABLE_ATTRS,
  IKEV2_ATTR_KEY_LENGTH,
  IKEV2_ATTR_TYPES,
  IKEV2_ENCR,
  IKEV2_ESN,
  IKEV2_INTEG,
  IKEV2_PRF,
  IKEV2_PROTOCOL_IDS,
  IKEV2_TRANSFORM_TYPES,
  IKE_ATTR,
  IPSEC_ADDR_PRESERVATION,
  IPSEC_ATTR,
  IPSEC_ATTR_TYPES,
  IPSEC_AUTH_ALGORITHMS,
  IPSEC_ECN_TUNNEL,
  IPSEC_ENCAP_MODES,
  IPSEC_ESN,
  IPSEC_SA_DIRECTION,
  IPSEC_VARIABLE_ATTRS,
  ISAKMP_DOI,
  KEY_IKE,
  KE_METHODS,
  LIFE_TYPES,
  PROTO_ISAKMP,
  SIT_IDENTITY_ONLY,
  SIT_INTEGRITY,
  SIT_SECRECY,
  TF_DH,
  TF_ENCR,
  TF_ESN,
  TF_INTEG,
  TF_PRF,
  ikev1TransformTable,
  ikev2TransformTable,
} from './sa-tables.js';

/** Proposal and Transform substructure type numbers (RFC 2408 §3.1; RFC 7296 §3.3 keeps them). */
export const SUB_PROPOSAL = 2;
export const SUB_TRANSFORM = 3;
/** Fixed part of a Proposal: generic header + number, protocol, SPI size, #transforms. */
const PROPOSAL_MIN = 8;
/** Fixed part of a Transform: generic header + 4 bytes (v1 number/id/reserved2, v2 type/reserved/id). */
const TRANSFORM_MIN = 8;

export const saFields = defineFields({
  doi: { id: 'isakmp.sa.doi', label: 'Domain of interpretation', type: 'uint', values: ISAKMP_DOI, rfc: 'RFC 2408 §3.4' },
  situation: { id: 'isakmp.sa.situation', label: 'Situation', type: 'bytes', rfc: 'RFC 2407 §4.2' },
  sitIdentity: { id: 'isakmp.sa.situation.identity_only', label: 'Identity Only', type: 'bool', mask: SIT_IDENTITY_ONLY, bits: 32, rfc: 'RFC 2407 §4.2.1' },
  sitSecrecy: { id: 'isakmp.sa.situation.secrecy', label: 'Secrecy', type: 'bool', mask: SIT_SECRECY, bits: 32, rfc: 'RFC 2407 §4.2.2' },
  sitIntegrity: { id: 'isakmp.sa.situation.integrity', label: 'Integrity', type: 'bool', mask: SIT_INTEGRITY, bits: 32, rfc: 'RFC 2407 §4.2.3' },
  // Wireshark shows Proposals and Transforms as nested `isakmp.typepayload` items; espy keeps that id for
  // the message's own payload chain and names the substructures separately (their text matches tshark's).
  prop: { id: 'isakmp.prop', label: 'Proposal', type: 'none', rfc: 'RFC 2408 §3.5, RFC 7296 §3.3.1' },
  trans: { id: 'isakmp.trans', label: 'Transform', type: 'none', rfc: 'RFC 2408 §3.6, RFC 7296 §3.3.2' },
  propNumber: { id: 'isakmp.prop.number', label: 'Proposal number', type: 'uint', rfc: 'RFC 2408 §3.5, RFC 7296 §3.3.1' },
  propProtoid: { id: 'isakmp.prop.protoid', label: 'Protocol ID', type: 'uint', values: IKEV1_PROTOCOL_IDS, rfc: 'RFC 2407 §4.4.1, RFC 7296 §3.3.1' },
  propTransforms: { id: 'isakmp.prop.transforms', label: 'Proposal transforms', type: 'uint', rfc: 'RFC 2408 §3.5' },
  spi: { id: 'isakmp.spi', label: 'SPI', type: 'bytes', rfc: 'RFC 2408 §3.5, RFC 7296 §3.3.1' },
  transNumber: { id: 'isakmp.trans.number', label: 'Transform number', type: 'uint', rfc: 'RFC 2408 §3.6' },
  transId: { id: 'isakmp.trans.id', label: 'Transform ID', type: 'uint', rfc: 'RFC 2407 §4.4.2–§4.4.5', blurb: 'Table depends on the proposal protocol' },
  tfType: { id: 'isakmp.tf.type', label: 'Transform Type', type: 'uint', values: IKEV2_TRANSFORM_TYPES, rfc: 'RFC 7296 §3.3.2' },
  tfEncr: { id: 'isakmp.tf.id.encr', label: 'Transform ID (ENCR)', type: 'uint', values: IKEV2_ENCR, rfc: 'RFC 7296 §3.3.2' },
  tfPrf: { id: 'isakmp.tf.id.prf', label: 'Transform ID (PRF)', type: 'uint', values: IKEV2_PRF, rfc: 'RFC 7296 §3.3.2' },
  tfInteg: { id: 'isakmp.tf.id.integ', label: 'Transform ID (INTEG)', type: 'uint', values: IKEV2_INTEG, rfc: 'RFC 7296 §3.3.2' },
  tfDh: { id: 'isakmp.tf.id.dh', label: 'Transform ID (D-H)', type: 'uint', values: KE_METHODS, rfc: 'RFC 7296 §3.3.2' },
  tfEsn: { id: 'isakmp.tf.id.esn', label: 'Transform ID (ESN)', type: 'uint', values: IKEV2_ESN, rfc: 'RFC 7296 §3.3.2' },
  tfId: { id: 'isakmp.tf.id', label: 'Transform ID', type: 'uint', rfc: 'RFC 7296 §3.3.2, RFC 9370 §2.2.1' },

  ikeAttr: { id: 'isakmp.ike.attr', label: 'IKE Attribute', type: 'none', rfc: 'RFC 2409 App. A' },
  ikeAttrType: { id: 'isakmp.ike.attr.type', label: 'Type', type: 'uint', values: IKEV1_ATTR_TYPES, rfc: 'RFC 2409 App. A' },
  ikeAttrFormat: { id: 'isakmp.ike.attr.format', label: 'Format', type: 'bool', mask: 0x8000, bits: 16, rfc: 'RFC 2408 §3.3' },
  ikeAttrLength: { id: 'isakmp.ike.attr.length', label: 'Length', type: 'uint', rfc: 'RFC 2408 §3.3' },
  ikeAttrValue: { id: 'isakmp.ike.attr.value', label: 'Value', type: 'bytes', rfc: 'RFC 2408 §3.3' },
  ikeEncryption: { id: 'isakmp.ike.attr.encryption_algorithm', label: 'Encryption Algorithm', type: 'uint', values: IKEV1_ENCR, rfc: 'RFC 2409 App. A' },
  ikeHash: { id: 'isakmp.ike.attr.hash_algorithm', label: 'HASH Algorithm', type: 'uint', values: IKEV1_HASH, rfc: 'RFC 2409 App. A' },
  ikeAuthMethod: { id: 'isakmp.ike.attr.authentication_method', label: 'Authentication Method', type: 'uint', values: IKEV1_AUTH_METHODS, rfc: 'RFC 2409 App. A, RFC 4754' },
  ikeGroupDescription: { id: 'isakmp.ike.attr.group_description', label: 'Group Description', type: 'uint', values: KE_METHODS, rfc: 'RFC 2409 App. A' },
  ikeGroupType: { id: 'isakmp.ike.attr.group_type', label: 'Group Type', type: 'uint', values: IKEV1_GROUP_TYPES, rfc: 'RFC 2409 App. A' },
  ikeGroupPrime: { id: 'isakmp.ike.attr.group_prime', label: 'Group Prime', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeGroupGen1: { id: 'isakmp.ike.attr.group_generator_one', label: 'Group Generator One', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeGroupGen2: { id: 'isakmp.ike.attr.group_generator_two', label: 'Group Generator Two', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeGroupCurveA: { id: 'isakmp.ike.attr.group_curve_a', label: 'Group Curve A', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeGroupCurveB: { id: 'isakmp.ike.attr.group_curve_b', label: 'Group Curve B', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeLifeType: { id: 'isakmp.ike.attr.life_type', label: 'Life Type', type: 'uint', values: LIFE_TYPES, rfc: 'RFC 2409 App. A' },
  ikeLifeDuration: { id: 'isakmp.ike.attr.life_duration', label: 'Life Duration', type: 'uint', rfc: 'RFC 2409 App. A' },
  ikeLifeDuration64: { id: 'isakmp.ike.attr.life_duration64', label: 'Life Duration', type: 'uint64', rfc: 'RFC 2409 App. A' },
  ikeLifeDurationBytes: { id: 'isakmp.ike.attr.life_duration_bytes', label: 'Life Duration', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikePrf: { id: 'isakmp.ike.attr.prf', label: 'PRF', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeKeyLength: { id: 'isakmp.ike.attr.key_length', label: 'Key Length', type: 'uint', rfc: 'RFC 2409 App. A' },
  ikeFieldSize: { id: 'isakmp.ike.attr.field_size', label: 'Field Size', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeGroupOrder: { id: 'isakmp.ike.attr.group_order', label: 'Group Order', type: 'bytes', rfc: 'RFC 2409 App. A' },
  ikeBlockSize: { id: 'isakmp.ike.attr.block_size', label: 'Block Size', type: 'bytes', rfc: 'IANA IKE Attributes' },
  ikeAsymmetric: { id: 'isakmp.ike.attr.asymmetric_cryptographic_algorithm_type', label: 'Asymmetric Cryptographic Algorithm Type', type: 'uint', values: IKEV1_ASYMMETRIC_TYPES, rfc: 'IANA IKE Attributes' },

  ipsecAttr: { id: 'isakmp.ipsec.attr', label: 'IPsec Attribute', type: 'none', rfc: 'RFC 2407 §4.5' },
  ipsecAttrType: { id: 'isakmp.ipsec.attr.type', label: 'Type', type: 'uint', values: IPSEC_ATTR_TYPES, rfc: 'RFC 2407 §4.5' },
  ipsecAttrFormat: { id: 'isakmp.ipsec.attr.format', label: 'Format', type: 'bool', mask: 0x8000, bits: 16, rfc: 'RFC 2408 §3.3' },
  ipsecAttrLength: { id: 'isakmp.ipsec.attr.length', label: 'Length', type: 'uint', rfc: 'RFC 2408 §3.3' },
  ipsecAttrValue: { id: 'isakmp.ipsec.attr.value', label: 'Value', type: 'bytes', rfc: 'RFC 2408 §3.3' },
  ipsecLifeType: { id: 'isakmp.ipsec.attr.life_type', label: 'Life Type', type: 'uint', values: LIFE_TYPES, rfc: 'RFC 2407 §4.5' },
  ipsecLifeDuration: { id: 'isakmp.ipsec.attr.life_duration', label: 'Life Duration', type: 'uint', rfc: 'RFC 2407 §4.5' },
  ipsecLifeDuration64: { id: 'isakmp.ipsec.attr.life_duration64', label: 'Life Duration', type: 'uint64', rfc: 'RFC 2407 §4.5' },
  ipsecLifeDurationBytes: { id: 'isakmp.ipsec.attr.life_duration_bytes', label: 'Life Duration', type: 'bytes', rfc: 'RFC 2407 §4.5' },
  ipsecGroupDescription: { id: 'isakmp.ipsec.attr.group_description', label: 'Group Description', type: 'uint', values: KE_METHODS, rfc: 'RFC 2407 §4.5' },
  ipsecEncapMode: { id: 'isakmp.ipsec.attr.encap_mode', label: 'Encapsulation Mode', type: 'uint', values: IPSEC_ENCAP_MODES, rfc: 'RFC 2407 §4.5, RFC 3947 §5' },
  ipsecAuthAlgorithm: { id: 'isakmp.ipsec.attr.auth_algorithm', label: 'Authentication Algorithm', type: 'uint', values: IPSEC_AUTH_ALGORITHMS, rfc: 'RFC 2407 §4.5' },
  ipsecKeyLength: { id: 'isakmp.ipsec.attr.key_length', label: 'Key Length', type: 'uint', rfc: 'RFC 2407 §4.5' },
  ipsecKeyRounds: { id: 'isakmp.ipsec.attr.key_rounds', label: 'Key Rounds', type: 'uint', rfc: 'RFC 2407 §4.5' },
  ipsecCmprDictSize: { id: 'isakmp.ipsec.attr.cmpr_dict_size', label: 'Compress Dictionary Size', type: 'uint', rfc: 'RFC 2407 §4.5' },
  ipsecCmprAlgorithm: { id: 'isakmp.ipsec.attr.cmpr_algorithm', label: 'Compress Private Algorithm', type: 'bytes', rfc: 'RFC 2407 §4.5' },
  ipsecEcnTunnel: { id: 'isakmp.ipsec.attr.ecn_tunnel', label: 'ECN Tunnel', type: 'uint', values: IPSEC_ECN_TUNNEL, rfc: 'RFC 3168 §9.2.1' },
  ipsecEsn: { id: 'isakmp.ipsec.attr.ext_seq_nbr', label: 'Extended (64-bit) Sequence Number', type: 'uint', values: IPSEC_ESN, rfc: 'RFC 4304' },
  ipsecAuthKeyLength: { id: 'isakmp.ipsec.attr.auth_key_length', label: 'Authentication Key Length', type: 'uint', rfc: 'RFC 4359' },
  ipsecSigEncoding: { id: 'isakmp.ipsec.attr.sig_enco_algorithm', label: 'Signature Encoding Algorithm', type: 'bytes', rfc: 'RFC 4359' },
  ipsecAddrPreservation: { id: 'isakmp.ipsec.attr.addr_preservation', label: 'Address Preservation', type: 'uint', values: IPSEC_ADDR_PRESERVATION, rfc: 'RFC 6407 §5.3' },
  ipsecSaDirection: { id: 'isakmp.ipsec.attr.sa_direction', label: 'SA Direction', type: 'uint', values: IPSEC_SA_DIRECTION, rfc: 'RFC 6407 §5.3' },

  ike2Attr: { id: 'isakmp.ike2.attr', label: 'Transform Attribute', type: 'none', rfc: 'RFC 7296 §3.3.5' },
  ike2AttrType: { id: 'isakmp.ike2.attr.type', label: 'Type', type: 'uint', values: IKEV2_ATTR_TYPES, rfc: 'RFC 7296 §3.3.5' },
  ike2AttrFormat: { id: 'isakmp.ike2.attr.format', label: 'Format', type: 'bool', mask: 0x8000, bits: 16, rfc: 'RFC 7296 §3.3.5' },
  ike2AttrLength: { id: 'isakmp.ike2.attr.length', label: 'Length', type: 'uint', rfc: 'RFC 7296 §3.3.5' },
  ike2AttrValue: { id: 'isakmp.ike2.attr.value', label: 'Value', type: 'bytes', rfc: 'RFC 7296 §3.3.5' },
  ike2KeyLength: { id: 'isakmp.ike2.attr.key_length', label: 'Key Length', type: 'uint', rfc: 'RFC 7296 §3.3.5' },
});

export const saNotes = defineNotes({
  lengthBad: { id: 'isakmp.sa.length_bad', group: 'malformed', severity: 'error', summary: 'A Proposal or Transform length is shorter than its header or runs past the structure that holds it' },
  proposalNumber: { id: 'isakmp.sa.proposal_number', group: 'protocol', severity: 'warn', summary: 'Proposal numbers out of order (IKEv2: 1, 2, 3…, RFC 7296 §3.3.1; IKEv1: non-decreasing, RFC 2408 §4.2)' },
  transformCount: { id: 'isakmp.sa.transform_count', group: 'protocol', severity: 'warn', summary: 'Number of Transforms in a Proposal differs from the transforms present' },
  attrFormat: { id: 'isakmp.sa.attr_format', group: 'protocol', severity: 'warn', summary: 'Data attribute sent in a format (TV/TLV) its type does not allow (RFC 2409 App. A, RFC 2407 §4.5, RFC 7296 §3.3.5)' },
  attrEmpty: { id: 'isakmp.attribute_value_empty', group: 'protocol', severity: 'warn', summary: 'Data attribute value is empty' },
  subNext: { id: 'isakmp.sa.next_payload', group: 'protocol', severity: 'warn', summary: 'Proposal/Transform Next Payload is neither 0 nor the substructure type (2 or 3)' },
  noProposal: { id: 'isakmp.sa.no_proposal', group: 'malformed', severity: 'error', summary: 'SA payload without any Proposal (RFC 2408 §3.4, RFC 7296 §3.3)' },
  trailing: { id: 'isakmp.sa.trailing', group: 'protocol', severity: 'note', summary: 'Bytes follow the last Proposal or Transform inside its enclosing structure' },
});

/** One data attribute with its numeric value when it has one (≤ 8 bytes). */
export interface SaAttribute extends RawAttribute {
  readonly num?: number | bigint;
}

export interface SaTransform extends SubHeader {
  /** IKEv1: Transform number. */
  number?: number;
  /** IKEv2: Transform Type. */
  type?: number;
  /** Transform ID (IKEv1: 1 byte, table by protocol; IKEv2: 2 bytes, table by type). */
  id?: number;
  /** IKEv1: RESERVED2 (2 bytes); IKEv2: the reserved byte. */
  reserved2?: Uint8Array;
  attributes: SaAttribute[];
  /** Set when the transform's length is bad or its attributes ran past it. */
  malformed?: boolean;
  /** With a bad length: the bytes that were there (header included). */
  present?: number;
}

export interface SaProposal extends SubHeader {
  number?: number;
  protocol?: number;
  spiSize?: number;
  /** Number of Transforms as sent. */
  transformCount?: number;
  spi?: Uint8Array;
  transforms: SaTransform[];
  malformed?: boolean;
  /** With a bad length: the bytes that were there (header included). */
  present?: number;
}

export interface SaPayload extends DecodedPayload {
  readonly kind: 'sa';
  major: 1 | 2;
  bodyOffset: number;
  /** IKEv1 only. */
  doi?: number;
  /** IKEv1 only: 4 bytes for the IPsec DOI, the whole rest for other DOIs (not parsed). */
  situation?: Uint8Array;
  proposals: SaProposal[];
}

/** Numeric value of a transform's attribute (first occurrence), e.g. Key Length. */
export function attributeValue(t: SaTransform, type: number): number | bigint | undefined {
  return t.attributes.find((a) => a.type === type)?.num;
}

/** Key length in bits: IKEv1 phase 1 Key-Length (14), IPsec Key-Length (6), or the IKEv2 Key Length attribute (14). */
export function transformKeyLength(t: SaTransform, major: 1 | 2, protocol?: number): number | undefined {
  const type = major === 2 ? IKEV2_ATTR_KEY_LENGTH : protocol === PROTO_ISAKMP && t.id === KEY_IKE ? IKE_ATTR.KEY_LENGTH : IPSEC_ATTR.KEY_LENGTH;
  const v = attributeValue(t, type);
  return typeof v === 'number' ? v : undefined;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

function readHeader(r: Reader): SubHeader {
  const offset = r.pos;
  return { offset, nextPayload: r.u8('next payload'), reserved: r.u8('reserved'), length: r.u16('length') };
}

/**
 * Walk a chain of substructures (Proposals in an SA, Transforms in a
 * Proposal) in `r`. Each gets a reader confined to its length; a length
 * shorter than `min` or past the end stops the walk after parsing what is
 * there. `body` parses one element and may throw Truncated (noted, walk goes on).
 */
function walkChain<T extends SubHeader>(
  r: Reader,
  what: string,
  subType: number,
  min: number,
  make: (h: SubHeader) => T,
  out: T[],
  body: (sub: Reader, item: T) => void,
  notes: Note[],
): void {
  while (r.remaining > 0) {
    const at = r.pos;
    const idx = out.length;
    if (r.remaining < 4) {
      notes.push(note(saNotes.lengthBad, `${what}[${idx}]: header needs 4 bytes, ${plural(r.remaining, 'byte')} left`, at, r.remaining));
      return;
    }
    const item = make(readHeader(r));
    out.push(item);
    const bad = item.length < min || item.length - 4 > r.remaining;
    if (bad) {
      const why = item.length < min ? `length ${item.length} < ${min}` : `length ${item.length} > ${plural(r.remaining + 4, 'byte')} left`;
      notes.push(note(saNotes.lengthBad, `${what}[${idx}]: ${why}`, at + 2, 2));
    }
    const sub = bad ? r.subUpTo(item.length - 4) : r.sub(item.length - 4, what);
    if (bad) (item as { present?: number }).present = 4 + sub.remaining;
    try {
      body(sub, item);
    } catch (e) {
      if (!(e instanceof Truncated)) throw e;
      (item as { malformed?: boolean }).malformed = true;
      if (!bad) notes.push(note(saNotes.lengthBad, `${what}[${idx}]: ${e.message}`, e.at, e.have));
    }
    if (bad) {
      (item as { malformed?: boolean }).malformed = true;
      return;
    }
    if (item.nextPayload !== 0 && item.nextPayload !== subType) {
      notes.push(note(saNotes.subNext, `${what}[${idx}]: next payload ${item.nextPayload}, expected 0 or ${subType}`, at, 1));
    }
    if (item.nextPayload === 0) break;
    if (r.remaining === 0) {
      notes.push(note(saNotes.lengthBad, `${what}[${idx}] announces another ${what}, but no bytes are left`, at, 1));
    }
  }
  if (r.remaining > 0) {
    notes.push(note(saNotes.trailing, `${plural(r.remaining, 'byte')} after the last ${what}`, r.pos, r.remaining));
  }
}

/** Which attributes must be TV / TLV (RFC 2409 App. A "B"/"V"; RFC 2407 §4.5; RFC 7296 §3.3.5). */
function checkFormat(a: RawAttribute, kind: 'ike' | 'ipsec' | 'ike2', notes: Note[]): void {
  if (a.length === 0) {
    notes.push(note(saNotes.attrEmpty, `attribute type ${a.type} has an empty value`, a.offset, a.headerLength));
    return;
  }
  let bad = false;
  if (kind === 'ike2') bad = a.type === IKEV2_ATTR_KEY_LENGTH && !a.tv;
  else {
    const table = kind === 'ike' ? IKEV1_ATTR_TYPES : IPSEC_ATTR_TYPES;
    const variable = kind === 'ike' ? IKEV1_VARIABLE_ATTRS : IPSEC_VARIABLE_ATTRS;
    const either = kind === 'ike' ? IKE_ATTR.LIFE_DURATION : IPSEC_ATTR.LIFE_DURATION;
    if (table.values.has(a.type) && a.type !== either) bad = variable.has(a.type) ? a.tv : !a.tv;
  }
  if (bad) {
    const name = describeCode(kind === 'ike' ? IKEV1_ATTR_TYPES : kind === 'ipsec' ? IPSEC_ATTR_TYPES : IKEV2_ATTR_TYPES, a.type);
    notes.push(note(saNotes.attrFormat, `${name} (${a.type}) sent as ${a.tv ? 'TV' : `TLV (length ${a.length})`}`, a.offset, 2));
  }
}

function readAttributes(r: Reader, t: SaTransform, kind: 'ike' | 'ipsec' | 'ike2', notes: Note[]): void {
  while (r.remaining > 0) {
    const a = readAttribute(r, 'attribute');
    const num = attrNumber(a.value);
    t.attributes.push(num === undefined ? a : { ...a, num });
    checkFormat(a, kind, notes);
  }
}

function attrKind(major: 1 | 2, protocol: number | undefined, id: number | undefined): 'ike' | 'ipsec' | 'ike2' {
  if (major === 2) return 'ike2';
  // packet-isakmp.c: KEY_IKE in an ISAKMP proposal carries phase-1 attributes, everything else IPsec DOI ones.
  return protocol === PROTO_ISAKMP && id === KEY_IKE ? 'ike' : 'ipsec';
}

function decodeProposals(r: Reader, d: SaPayload, notes: Note[]): void {
  const major = d.major;
  walkChain(
    r,
    'proposal',
    SUB_PROPOSAL,
    PROPOSAL_MIN,
    (h): SaProposal => ({ ...h, transforms: [] }),
    d.proposals,
    (sub, p) => {
      p.number = sub.u8('proposal number');
      p.protocol = sub.u8('protocol id');
      p.spiSize = sub.u8('SPI size');
      p.transformCount = sub.u8('number of transforms');
      if (p.spiSize > 0) p.spi = sub.bytes(p.spiSize, 'SPI');
      const protocol = p.protocol;
      try {
        walkChain(
          sub,
          'transform',
          SUB_TRANSFORM,
          TRANSFORM_MIN,
          (h): SaTransform => ({ ...h, attributes: [] }),
          p.transforms,
          (ts, t) => {
            if (major === 1) {
              t.number = ts.u8('transform number');
              t.id = ts.u8('transform id');
              t.reserved2 = ts.bytes(2, 'reserved2');
            } else {
              t.type = ts.u8('transform type');
              t.reserved2 = ts.bytes(1, 'reserved');
              t.id = ts.u16('transform id');
            }
            readAttributes(ts, t, attrKind(major, protocol, t.id), notes);
          },
          notes,
        );
      } finally {
        if (p.transforms.length !== p.transformCount) {
          notes.push(note(saNotes.transformCount, `proposal #${p.number}: ${plural(p.transformCount, 'transform')} announced, ${p.transforms.length} present`, p.offset + 7, 1));
        }
      }
    },
    notes,
  );
  if (d.proposals.length === 0) notes.push(note(saNotes.noProposal, 'no Proposal in the SA payload', r.pos, 0));
  checkNumbers(d, notes);
}

function checkNumbers(d: SaPayload, notes: Note[]): void {
  let prev: number | undefined;
  for (const [i, p] of d.proposals.entries()) {
    if (p.number === undefined) return;
    if (d.major === 2) {
      // RFC 7296 §3.3.1: "The first Proposal MUST have a Proposal Num of one, and each subsequent one MUST be one more."
      const want = prev === undefined ? 1 : prev + 1;
      if (p.number !== want) notes.push(note(saNotes.proposalNumber, `proposal[${i}] has number ${p.number}, expected ${want}`, p.offset + 4, 1));
    } else if (prev !== undefined && p.number < prev) {
      // RFC 2408 §4.2: equal numbers form one logical proposal (AND); numbers must not go down.
      notes.push(note(saNotes.proposalNumber, `proposal[${i}] has number ${p.number} after ${prev}`, p.offset + 4, 1));
    }
    prev = p.number;
  }
}

export const saDecoder: PayloadDecoder<SaPayload> = {
  draft: (ctx) => ({ kind: 'sa', major: ctx.major, bodyOffset: 0, proposals: [] }),
  decode(r, d, _ctx, notes) {
    d.bodyOffset = r.pos;
    if (d.major === 1) {
      d.doi = r.u32('DOI');
      // RFC 2407 §4.2: the IPsec DOI's Situation is a 4-byte bitmap; other DOIs (GDOI, RFC 6407 §5.1) are not parsed here.
      if (d.doi !== DOI_IPSEC) {
        d.situation = r.rest();
        return;
      }
      d.situation = r.bytes(4, 'Situation');
    }
    decodeProposals(r, d, notes);
  },
  tree: (d) => saTree(d),
  brief: () => 'SA',
};

// ---------------------------------------------------------------- tree

interface AttrFields {
  readonly all: FieldDef;
  readonly type: FieldDef;
  readonly format: FieldDef;
  readonly length: FieldDef;
  readonly value: FieldDef;
  readonly types: CodeTable;
  readonly label: string;
}

const IKE_AF: AttrFields = { all: saFields.ikeAttr, type: saFields.ikeAttrType, format: saFields.ikeAttrFormat, length: saFields.ikeAttrLength, value: saFields.ikeAttrValue, types: IKEV1_ATTR_TYPES, label: 'IKE Attribute' };
const IPSEC_AF: AttrFields = { all: saFields.ipsecAttr, type: saFields.ipsecAttrType, format: saFields.ipsecAttrFormat, length: saFields.ipsecAttrLength, value: saFields.ipsecAttrValue, types: IPSEC_ATTR_TYPES, label: 'IPsec Attribute' };
const IKE2_AF: AttrFields = { all: saFields.ike2Attr, type: saFields.ike2AttrType, format: saFields.ike2AttrFormat, length: saFields.ike2AttrLength, value: saFields.ike2AttrValue, types: IKEV2_ATTR_TYPES, label: 'Transform Attribute' };

/** How one attribute type's value is shown: a coded value, a plain number (with the number in the summary or not), bytes, or a life duration. */
type ValueSpec =
  | { readonly kind: 'code'; readonly field: FieldDef; readonly table: CodeTable }
  | { readonly kind: 'num'; readonly field: FieldDef; readonly summary: boolean }
  | { readonly kind: 'bytes'; readonly field: FieldDef }
  | { readonly kind: 'life'; readonly f32: FieldDef; readonly f64: FieldDef; readonly fbytes: FieldDef };

const code = (field: FieldDef): ValueSpec => ({ kind: 'code', field, table: field.values! });
const num = (field: FieldDef, summary = true): ValueSpec => ({ kind: 'num', field, summary });
const bytes = (field: FieldDef): ValueSpec => ({ kind: 'bytes', field });

/** packet-isakmp.c dissect_ike_attribute. */
const IKE_VALUES: ReadonlyMap<number, ValueSpec> = new Map<number, ValueSpec>([
  [IKE_ATTR.ENCRYPTION, code(saFields.ikeEncryption)],
  [IKE_ATTR.HASH, code(saFields.ikeHash)],
  [IKE_ATTR.AUTH_METHOD, code(saFields.ikeAuthMethod)],
  [IKE_ATTR.GROUP_DESCRIPTION, code(saFields.ikeGroupDescription)],
  [IKE_ATTR.GROUP_TYPE, code(saFields.ikeGroupType)],
  [IKE_ATTR.GROUP_PRIME, bytes(saFields.ikeGroupPrime)],
  [IKE_ATTR.GROUP_GENERATOR_ONE, bytes(saFields.ikeGroupGen1)],
  [IKE_ATTR.GROUP_GENERATOR_TWO, bytes(saFields.ikeGroupGen2)],
  [IKE_ATTR.GROUP_CURVE_A, bytes(saFields.ikeGroupCurveA)],
  [IKE_ATTR.GROUP_CURVE_B, bytes(saFields.ikeGroupCurveB)],
  [IKE_ATTR.LIFE_TYPE, code(saFields.ikeLifeType)],
  [IKE_ATTR.LIFE_DURATION, { kind: 'life', f32: saFields.ikeLifeDuration, f64: saFields.ikeLifeDuration64, fbytes: saFields.ikeLifeDurationBytes }],
  [IKE_ATTR.PRF, bytes(saFields.ikePrf)],
  [IKE_ATTR.KEY_LENGTH, num(saFields.ikeKeyLength)],
  [IKE_ATTR.FIELD_SIZE, bytes(saFields.ikeFieldSize)],
  [IKE_ATTR.GROUP_ORDER, bytes(saFields.ikeGroupOrder)],
  [IKE_ATTR.BLOCK_SIZE, bytes(saFields.ikeBlockSize)],
  [IKE_ATTR.ASYMMETRIC_ALGORITHM_TYPE, code(saFields.ikeAsymmetric)],
]);

/** packet-isakmp.c dissect_ipsec_attribute. */
const IPSEC_VALUES: ReadonlyMap<number, ValueSpec> = new Map<number, ValueSpec>([
  [IPSEC_ATTR.LIFE_TYPE, code(saFields.ipsecLifeType)],
  [IPSEC_ATTR.LIFE_DURATION, { kind: 'life', f32: saFields.ipsecLifeDuration, f64: saFields.ipsecLifeDuration64, fbytes: saFields.ipsecLifeDurationBytes }],
  [IPSEC_ATTR.GROUP_DESCRIPTION, code(saFields.ipsecGroupDescription)],
  [IPSEC_ATTR.ENCAP_MODE, code(saFields.ipsecEncapMode)],
  [IPSEC_ATTR.AUTH_ALGORITHM, code(saFields.ipsecAuthAlgorithm)],
  [IPSEC_ATTR.KEY_LENGTH, num(saFields.ipsecKeyLength)],
  [IPSEC_ATTR.KEY_ROUNDS, num(saFields.ipsecKeyRounds)],
  [IPSEC_ATTR.COMPRESS_DICT_SIZE, num(saFields.ipsecCmprDictSize, false)],
  [IPSEC_ATTR.COMPRESS_PRIVATE_ALG, bytes(saFields.ipsecCmprAlgorithm)],
  [IPSEC_ATTR.ECN_TUNNEL, code(saFields.ipsecEcnTunnel)],
  [IPSEC_ATTR.ESN, code(saFields.ipsecEsn)],
  [IPSEC_ATTR.AUTH_KEY_LENGTH, num(saFields.ipsecAuthKeyLength)],
  [IPSEC_ATTR.SIG_ENCODING, bytes(saFields.ipsecSigEncoding)],
  [IPSEC_ATTR.ADDR_PRESERVATION, code(saFields.ipsecAddrPreservation)],
  [IPSEC_ATTR.SA_DIRECTION, code(saFields.ipsecSaDirection)],
]);

const IKE2_VALUES: ReadonlyMap<number, ValueSpec> = new Map<number, ValueSpec>([[IKEV2_ATTR_KEY_LENGTH, num(saFields.ike2KeyLength)]]);

/** The value node and the summary suffix (`: AES-CBC`) of one attribute. */
function valueNode(spec: ValueSpec | undefined, a: SaAttribute): { node?: TreeNode; suffix: string } {
  if (!spec || a.length === 0) return { suffix: '' };
  const o = a.offset + a.headerLength;
  switch (spec.kind) {
    case 'bytes':
      return { node: node(spec.field, a.value, o, a.length), suffix: '' };
    case 'code':
    case 'num': {
      // A coded or numeric attribute longer than 4 bytes is not a valid value of its 16-bit field; show the bytes only.
      if (typeof a.num !== 'number' || a.length > 4) return { suffix: '' };
      const suffix = spec.kind === 'code' ? `: ${describeCode(spec.table, a.num)}` : spec.summary ? `: ${a.num}` : '';
      return { node: node(spec.field, a.num, o, a.length), suffix };
    }
    case 'life': {
      // packet-isakmp.c dissect_life_duration: up to 4 bytes as uint32, up to 8 as uint64, longer as bytes.
      if (a.length <= 4) return { node: node(spec.f32, Number(a.num), o, a.length), suffix: `: ${a.num}` };
      if (a.length <= 8) return { node: node(spec.f64, BigInt(a.num!), o, a.length), suffix: `: ${a.num}` };
      return { node: node(spec.fbytes, a.value, o, a.length), suffix: `: ${toHex(a.value.subarray(0, 8)).replace(/^0+(?=.)/, '')} ...` };
    }
  }
}

function attrNode(f: AttrFields, values: ReadonlyMap<number, ValueSpec>, a: SaAttribute): TreeNode {
  const { node: vnode, suffix } = valueNode(values.get(a.type), a);
  const kids: TreeNode[] = [formatNode(f.format, a), node(f.type, a.type, a.offset, 2)];
  if (!a.tv) kids.push(node(f.length, a.length, a.offset + 2, 2));
  if (a.length > 0) kids.push(node(f.value, a.value, a.offset + a.headerLength, a.length));
  if (vnode) kids.push(vnode);
  const text = `${f.label} (t=${a.type},l=${a.length}): ${describeCode(f.types, a.type)}${suffix}`;
  return node(f.all, null, a.offset, a.headerLength + a.length, { text, children: kids });
}

/** Bytes of a substructure to highlight: what was present when its length was bad, else the length. */
function extent(h: SubHeader & { present?: number }): number {
  return h.present ?? h.length;
}

function transformNode(t: SaTransform, major: 1 | 2, protocol: number | undefined): TreeNode {
  const o = t.offset;
  const kids = subHeaderNodes(t);
  let title = 'Payload: Transform (3)';
  if (major === 1) {
    if (t.number !== undefined) {
      title += ` # ${t.number}`;
      kids.push(node(saFields.transNumber, t.number, o + 4, 1));
    }
    if (t.id !== undefined) {
      const table = protocol === undefined ? undefined : ikev1TransformTable(protocol);
      kids.push(table ? node(saFields.transId, t.id, o + 5, 1, { values: table }) : node(saFields.transId, t.id, o + 5, 1));
    }
    if (t.reserved2) kids.push(node(isakmpFields.reserved, t.reserved2, o + 6, 2));
  } else {
    if (t.type !== undefined) kids.push(node(saFields.tfType, t.type, o + 4, 1));
    if (t.reserved2) kids.push(node(isakmpFields.reserved, t.reserved2, o + 5, 1));
    if (t.id !== undefined && t.type !== undefined) kids.push(v2IdNode(t.type, t.id, o + 6));
  }
  const kind = attrKind(major, protocol, t.id);
  const [f, values] = kind === 'ike' ? [IKE_AF, IKE_VALUES] : kind === 'ipsec' ? [IPSEC_AF, IPSEC_VALUES] : [IKE2_AF, IKE2_VALUES];
  for (const a of t.attributes) kids.push(attrNode(f, values, a));
  return node(saFields.trans, null, o, extent(t), { text: title, children: kids });
}

function v2IdNode(type: number, id: number, o: number): TreeNode {
  switch (type) {
    case TF_ENCR:
      return node(saFields.tfEncr, id, o, 2);
    case TF_PRF:
      return node(saFields.tfPrf, id, o, 2);
    case TF_INTEG:
      return node(saFields.tfInteg, id, o, 2);
    case TF_DH:
      return node(saFields.tfDh, id, o, 2);
    case TF_ESN:
      return node(saFields.tfEsn, id, o, 2);
    default: {
      // ADDKE1–7 (RFC 9370) name Key Exchange Methods; other types have no table here.
      const table = ikev2TransformTable(type);
      return table ? node(saFields.tfId, id, o, 2, { values: table }) : node(saFields.tfId, id, o, 2);
    }
  }
}

function proposalNode(p: SaProposal, major: 1 | 2): TreeNode {
  const o = p.offset;
  const kids = subHeaderNodes(p);
  let title = 'Payload: Proposal (2)';
  if (p.number !== undefined) {
    title += ` # ${p.number}`;
    kids.push(node(saFields.propNumber, p.number, o + 4, 1));
  }
  if (p.protocol !== undefined) kids.push(major === 2 ? node(saFields.propProtoid, p.protocol, o + 5, 1, { values: IKEV2_PROTOCOL_IDS }) : node(saFields.propProtoid, p.protocol, o + 5, 1));
  if (p.spiSize !== undefined) kids.push(node(saSharedFields.spisize, p.spiSize, o + 6, 1));
  if (p.transformCount !== undefined) kids.push(node(saFields.propTransforms, p.transformCount, o + 7, 1));
  if (p.spi) kids.push(node(saFields.spi, p.spi, o + 8, p.spi.length));
  for (const t of p.transforms) kids.push(transformNode(t, major, p.protocol));
  return node(saFields.prop, null, o, extent(p), { text: title, children: kids });
}

function saTree(d: SaPayload): TreeNode[] {
  const out: TreeNode[] = [];
  const o = d.bodyOffset;
  if (d.major === 1) {
    if (d.doi !== undefined) out.push(node(saFields.doi, d.doi, o, 4));
    if (d.situation) {
      if (d.doi === DOI_IPSEC && d.situation.length === 4) {
        const s = ((d.situation[0]! << 24) >>> 0) + ((d.situation[1]! << 16) | (d.situation[2]! << 8) | d.situation[3]!);
        out.push(
          node(saFields.situation, d.situation, o + 4, 4, {
            children: [
              node(saFields.sitIdentity, (s & SIT_IDENTITY_ONLY) !== 0, o + 4, 4),
              node(saFields.sitSecrecy, (s & SIT_SECRECY) !== 0, o + 4, 4),
              node(saFields.sitIntegrity, (s & SIT_INTEGRITY) !== 0, o + 4, 4),
            ],
          }),
        );
      } else out.push(node(saFields.situation, d.situation, o + 4, d.situation.length));
    }
  }
  for (const p of d.proposals) out.push(proposalNode(p, d.major));
  return out;
}
