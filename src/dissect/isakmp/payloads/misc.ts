/**
 * The payloads espy keeps as named bytes (plus the EAP header), and the small
 * helpers the "other" decoders share.
 *
 * - IKEv2 EAP (48, RFC 7296 §3.16): the EAP message, with its RFC 3748 §4
 *   header (code, identifier, length, type) broken out.
 * - IKEv2 GSPM (49, RFC 6467), IDg (50), GSA (51), KD (52) (G-IKEv2, RFC 9838),
 *   Puzzle Solution (54, RFC 8019 §8.1.2): bytes.
 * - IKEv1 GDOI (RFC 6407 §5): SAK 15 / SAT 16 / KD 17 / SEQ 18 (a 32-bit
 *   sequence number, §5.6) / POP 19 / GAP 22: bytes, SEQ decoded.
 */
import { codeTable, describeCode } from '../../../core/codes.js';
import { defineFields, type FieldDef } from '../../../core/fields.js';
import type { Reader } from '../../../core/reader.js';
import { node, type NodeOptions, type TreeNode, type Value } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';

// ------------------------------------------------------------------ shared helpers

/** A value with where it was read (absolute offset and length), so tree() can point at the bytes. */
export interface Span<T> {
  readonly v: T;
  readonly o: number;
  readonly n: number;
}

export function u8At(r: Reader, what: string): Span<number> {
  const o = r.pos;
  return { v: r.u8(what), o, n: 1 };
}
export function u16At(r: Reader, what: string): Span<number> {
  const o = r.pos;
  return { v: r.u16(what), o, n: 2 };
}
export function u24At(r: Reader, what: string): Span<number> {
  const o = r.pos;
  return { v: r.u24(what), o, n: 3 };
}
export function u32At(r: Reader, what: string): Span<number> {
  const o = r.pos;
  return { v: r.u32(what), o, n: 4 };
}
export function bytesAt(r: Reader, n: number, what: string): Span<Uint8Array> {
  const o = r.pos;
  return { v: r.bytes(n, what), o, n };
}
export function restAt(r: Reader): Span<Uint8Array> {
  const o = r.pos;
  const v = r.rest();
  return { v, o, n: v.length };
}

/** A tree node for a span (nothing when the span was never read). */
export function spanNode<T extends Value>(field: FieldDef, s: Span<T> | undefined, opts?: NodeOptions): TreeNode[] {
  return s === undefined ? [] : [node(field, s.v, s.o, s.n, opts)];
}

/** `Label: Name (n)` with a version-specific table. */
export function codeNode(field: FieldDef, s: Span<number> | undefined, values = field.values): TreeNode[] {
  if (s === undefined) return [];
  return [node(field, s.v, s.o, s.n, values ? { values, text: `${field.label}: ${describeCode(values, s.v)} (${s.v})` } : undefined)];
}

/** Bytes as text when every byte is printable ASCII (vendor IDs, EAP identities, FQDNs). */
export function printable(b: Uint8Array, min = 1): string | undefined {
  if (b.length < min) return undefined;
  let s = '';
  for (const c of b) {
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}

/** Text of a byte string as tshark decodes FT_STRING (UTF-8, bad sequences replaced). */
export function utf8(b: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(b);
}

// ------------------------------------------------------------------ tables

/** EAP codes, RFC 3748 §4 and RFC 6696 §5.3 (Initiate, Finish). */
export const EAP_CODES = codeTable('EAPCode', { 1: 'Request', 2: 'Response', 3: 'Success', 4: 'Failure', 5: 'Initiate', 6: 'Finish' }, [
  { min: 7, max: 255, name: 'Unassigned' },
]);

/** EAP method types, IANA "Method Types" (RFC 3748 §5–6 and later registrations). */
export const EAP_TYPES = codeTable(
  'EAPType',
  {
    1: 'Identity',
    2: 'Notification',
    3: 'Legacy Nak',
    4: 'MD5-Challenge',
    5: 'One-Time Password (OTP)',
    6: 'Generic Token Card (GTC)',
    9: 'RSA Public Key Authentication',
    13: 'EAP-TLS',
    17: 'LEAP',
    18: 'EAP-SIM',
    21: 'EAP-TTLS',
    23: 'EAP-AKA',
    25: 'PEAP',
    26: 'MS-EAP-Authentication (MSCHAPv2)',
    43: 'EAP-FAST',
    47: 'EAP-PSK',
    48: 'EAP-SAKE',
    49: 'EAP-IKEv2',
    50: "EAP-AKA'",
    51: 'EAP-GPSK',
    52: 'EAP-pwd',
    53: 'EAP-EKE',
    54: 'PT-EAP',
    55: 'TEAP',
    56: 'EAP-NOOB',
    254: 'Expanded Type',
    255: 'Experimental',
  },
  [{ min: 57, max: 253, name: 'Unassigned' }],
);

export const miscFields = defineFields({
  eapData: { id: 'isakmp.eap.data', label: 'EAP Message', type: 'bytes', rfc: 'RFC 7296 §3.16' },
  eapCode: { id: 'isakmp.eap.code', label: 'Code', type: 'uint', values: EAP_CODES, rfc: 'RFC 3748 §4' },
  eapId: { id: 'isakmp.eap.identifier', label: 'Id', type: 'uint', rfc: 'RFC 3748 §4' },
  eapLength: { id: 'isakmp.eap.length', label: 'Length', type: 'uint', rfc: 'RFC 3748 §4' },
  eapType: { id: 'isakmp.eap.type', label: 'Type', type: 'uint', values: EAP_TYPES, rfc: 'RFC 3748 §5' },
  eapIdentity: { id: 'isakmp.eap.identity', label: 'Identity', type: 'string', rfc: 'RFC 3748 §5.1' },
  eapTypeData: { id: 'isakmp.eap.type_data', label: 'Type-Data', type: 'bytes', rfc: 'RFC 3748 §5' },
  gspm: { id: 'isakmp.gspm.data', label: 'GSPM', type: 'bytes', rfc: 'RFC 6467 §3' },
  idg: { id: 'isakmp.idg.data', label: 'Group Identification Data', type: 'bytes', rfc: 'RFC 9838' },
  gsa: { id: 'isakmp.gsa.data', label: 'Group Security Association Data', type: 'bytes', rfc: 'RFC 9838' },
  kd: { id: 'isakmp.kd.data', label: 'Key Download Data', type: 'bytes', rfc: 'RFC 6407 §5.5, RFC 9838' },
  puzzle: { id: 'isakmp.puzzle.data', label: 'Puzzle Solution Data', type: 'bytes', rfc: 'RFC 8019 §8.1.2' },
  sak: { id: 'isakmp.sak.data', label: 'SA KEK Data', type: 'bytes', rfc: 'RFC 6407 §5.3' },
  sat: { id: 'isakmp.sat.data', label: 'SA TEK Data', type: 'bytes', rfc: 'RFC 6407 §5.4' },
  seq: { id: 'isakmp.seq.seq', label: 'Sequence Number', type: 'uint', rfc: 'RFC 6407 §5.6' },
  pop: { id: 'isakmp.pop.data', label: 'Proof of Possession Data', type: 'bytes', rfc: 'RFC 6407 §5.7' },
  gap: { id: 'isakmp.gap.data', label: 'Group Associated Policy Data', type: 'bytes', rfc: 'RFC 6407 §5.8' },
});

// ------------------------------------------------------------------ raw (named bytes)

export interface RawPayload extends DecodedPayload {
  data?: Span<Uint8Array>;
}

/** A decoder that keeps the body as one bytes field under a proper name. */
export function rawDecoder(field: FieldDef, short: string): PayloadDecoder<RawPayload> {
  return {
    draft: () => ({ kind: short.toLowerCase() }),
    decode(r, d) {
      d.data = restAt(r);
    },
    tree: (d) => (d.data && d.data.n > 0 ? spanNode(field, d.data) : []),
    brief: () => short,
  };
}

// ------------------------------------------------------------------ EAP

export interface EapPayload extends DecodedPayload {
  kind: 'eap';
  data?: Span<Uint8Array>;
  code?: Span<number>;
  identifier?: Span<number>;
  length?: Span<number>;
  type?: Span<number>;
  typeData?: Span<Uint8Array>;
}

export const eapDecoder: PayloadDecoder<EapPayload> = {
  draft: () => ({ kind: 'eap' }),
  decode(r, d) {
    d.data = { v: r.buf.subarray(r.pos, r.end), o: r.pos, n: r.remaining };
    // RFC 3748 §4: Code, Identifier, Length (whole packet); Type only in Request/Response.
    d.code = u8At(r, 'isakmp.eap.code');
    d.identifier = u8At(r, 'isakmp.eap.identifier');
    d.length = u16At(r, 'isakmp.eap.length');
    if (d.code.v === 1 || d.code.v === 2) {
      d.type = u8At(r, 'isakmp.eap.type');
      // The EAP length bounds the type data; bytes after it (padding) are not EAP.
      const left = Math.max(0, Math.min(r.remaining, d.length.v - 5));
      d.typeData = bytesAt(r, left, 'isakmp.eap.type_data');
    }
  },
  tree(d) {
    const kids: TreeNode[] = [
      ...codeNode(miscFields.eapCode, d.code),
      ...spanNode(miscFields.eapId, d.identifier),
      ...spanNode(miscFields.eapLength, d.length),
      ...codeNode(miscFields.eapType, d.type),
    ];
    if (d.typeData && d.typeData.n > 0) {
      if (d.type?.v === 1) kids.push(node(miscFields.eapIdentity, utf8(d.typeData.v), d.typeData.o, d.typeData.n));
      else kids.push(...spanNode(miscFields.eapTypeData, d.typeData));
    }
    if (!d.data) return [];
    return [node(miscFields.eapData, d.data.v, d.data.o, d.data.n, { children: kids })];
  },
  brief: (d) => (d.code ? `EAP(${describeCode(EAP_CODES, d.code.v)}${d.type ? `/${describeCode(EAP_TYPES, d.type.v)}` : ''})` : 'EAP'),
};

// ------------------------------------------------------------------ GDOI SEQ

export interface SeqPayload extends DecodedPayload {
  kind: 'seq';
  seq?: Span<number>;
}

/** RFC 6407 §5.6: a 32-bit sequence number. */
export const seqDecoder: PayloadDecoder<SeqPayload> = {
  draft: () => ({ kind: 'seq' }),
  decode(r, d) {
    d.seq = u32At(r, 'isakmp.seq.seq');
  },
  tree: (d) => spanNode(miscFields.seq, d.seq),
  brief: () => 'SEQ',
};

export const gspmDecoder = rawDecoder(miscFields.gspm, 'GSPM');
export const idgDecoder = rawDecoder(miscFields.idg, 'IDg');
export const gsaDecoder = rawDecoder(miscFields.gsa, 'GSA');
export const kdDecoder = rawDecoder(miscFields.kd, 'KD');
export const puzzleDecoder = rawDecoder(miscFields.puzzle, 'PS');
export const sakDecoder = rawDecoder(miscFields.sak, 'SAK');
export const satDecoder = rawDecoder(miscFields.sat, 'SAT');
export const popDecoder = rawDecoder(miscFields.pop, 'POP');
export const gapDecoder = rawDecoder(miscFields.gap, 'GAP');

