/**
 * HASH (IKEv1 8, RFC 2408 §3.11), SIG (IKEv1 9, §3.12), NONCE (IKEv1 10
 * §3.13, IKEv2 40 RFC 7296 §3.9) and IKEv2 AUTH (39, RFC 7296 §3.8, with the
 * RFC 7427 Digital Signature layout: ASN.1 length, AlgorithmIdentifier,
 * signature value).
 */
import { codeTable } from '../../../core/codes.js';
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { derTlv, oidText } from './id.js';
import { bytesAt, codeNode, restAt, spanNode, u8At, type Span } from './misc.js';

/** IKEv2 Authentication Method, RFC 7296 §3.8 and the IANA registry (names as tshark prints them). */
export const IKEV2_AUTH_METHODS = codeTable(
  'IKEv2AuthMethod',
  {
    0: 'Reserved',
    1: 'RSA Digital Signature',
    2: 'Shared Key Message Integrity Code',
    3: 'DSS Digital Signature',
    9: 'ECDSA with SHA-256 on the P-256 curve', // RFC 4754
    10: 'ECDSA with SHA-384 on the P-384 curve',
    11: 'ECDSA with SHA-512 on the P-521 curve',
    12: 'Generic Secure Password Authentication Method', // RFC 6467
    13: 'NULL Authentication', // RFC 7619
    14: 'Digital Signature', // RFC 7427
  },
  [
    { min: 4, max: 8, name: 'Unassigned' },
    { min: 15, max: 200, name: 'Unassigned' },
    { min: 201, max: 255, name: 'Private Use' },
  ],
);

/** Signature algorithms of RFC 7427 AlgorithmIdentifiers (and RFC 8420 EdDSA), by OID. */
export const SIGNATURE_OIDS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.1': 'rsaEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsa-with-sha1',
  '2.16.840.1.101.3.4.3.2': 'dsa-with-sha256',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
  '1.3.101.113': 'Ed448',
};

export const authFields = defineFields({
  hash: { id: 'isakmp.hash', label: 'Hash DATA', type: 'bytes', rfc: 'RFC 2408 §3.11' },
  sig: { id: 'isakmp.sig', label: 'Signature DATA', type: 'bytes', rfc: 'RFC 2408 §3.12' },
  nonce: { id: 'isakmp.nonce', label: 'Nonce DATA', type: 'bytes', rfc: 'RFC 2408 §3.13, RFC 7296 §3.9' },
  method: { id: 'isakmp.auth.method', label: 'Authentication Method', type: 'uint', values: IKEV2_AUTH_METHODS, rfc: 'RFC 7296 §3.8' },
  reserved: { id: 'isakmp.auth.reserved', label: 'Reserved', type: 'bytes', rfc: 'RFC 7296 §3.8' },
  data: { id: 'isakmp.auth.data', label: 'Authentication Data', type: 'bytes', rfc: 'RFC 7296 §3.8' },
  asn1Len: { id: 'isakmp.auth.data.sig.asn1.len', label: 'ASN.1 Length', type: 'uint', rfc: 'RFC 7427 §3' },
  asn1Data: { id: 'isakmp.auth.data.sig.asn1.data', label: 'ASN.1 Data', type: 'bytes', rfc: 'RFC 7427 §3' },
  sigAlg: { id: 'isakmp.auth.data.sig.algorithm', label: 'Signature Algorithm', type: 'string', rfc: 'RFC 7427 Appendix A' },
  sigValue: { id: 'isakmp.auth.data.sig.value', label: 'Signature Value', type: 'bytes', rfc: 'RFC 7427 §3' },
});

export const authNotes = defineNotes({
  nonceLength: {
    id: 'isakmp.nonce.length',
    group: 'protocol',
    severity: 'warn',
    summary: 'Nonce length outside the allowed range (IKEv1 8–256 bytes, RFC 2409 §5; IKEv2 16–256, RFC 7296 §2.10)',
  },
  sigAsn1: { id: 'isakmp.auth.data.sig.asn1.bad', group: 'malformed', severity: 'warn', summary: 'RFC 7427 ASN.1 length runs past the Authentication Data' },
});

// ------------------------------------------------------------------ HASH / SIG / NONCE

export interface BlobPayload extends DecodedPayload {
  data?: Span<Uint8Array>;
}

export const hashDecoder: PayloadDecoder<BlobPayload> = {
  draft: () => ({ kind: 'hash' }),
  decode(r, d) {
    d.data = restAt(r);
  },
  tree: (d) => spanNode(authFields.hash, d.data),
  brief: () => 'HASH',
};

export const sigDecoder: PayloadDecoder<BlobPayload> = {
  draft: () => ({ kind: 'sig' }),
  decode(r, d) {
    d.data = restAt(r);
  },
  tree: (d) => spanNode(authFields.sig, d.data),
  brief: () => 'SIG',
};

/** RFC 2409 §5 (IKEv1: 8–256 bytes) and RFC 7296 §2.10 (IKEv2: at least 16, at most 256, and half the PRF key size). */
export const NONCE_MIN = { 1: 8, 2: 16 } as const;
export const NONCE_MAX = 256;

export const nonceDecoder: PayloadDecoder<BlobPayload> = {
  draft: () => ({ kind: 'nonce' }),
  decode(r, d, ctx, notes) {
    d.data = restAt(r);
    const min = NONCE_MIN[ctx.major];
    if (d.data.n < min || d.data.n > NONCE_MAX) {
      notes.push(note(authNotes.nonceLength, `nonce is ${d.data.n} bytes (IKEv${ctx.major} allows ${min}–${NONCE_MAX})`, d.data.o, d.data.n));
    }
  },
  tree: (d) => spanNode(authFields.nonce, d.data),
  // A request carries Ni, its response Nr (RFC 7296 §1.2, §1.3): the R flag decides, not the I flag,
  // because a CREATE_CHILD_SA request may come from the original responder.
  brief: (_d, ctx) => (ctx.major === 1 ? 'NONCE' : ctx.flags & 0x20 ? 'Nr' : 'Ni'),
};

// ------------------------------------------------------------------ AUTH

export interface AuthPayload extends DecodedPayload {
  kind: 'auth';
  method?: Span<number>;
  reserved?: Span<Uint8Array>;
  data?: Span<Uint8Array>;
  /** RFC 7427 §3 (method 14): length of the AlgorithmIdentifier, the AlgorithmIdentifier, the signature. */
  asn1Len?: Span<number>;
  asn1?: Span<Uint8Array>;
  sigValue?: Span<Uint8Array>;
  /** Name of the signature algorithm, when the AlgorithmIdentifier's OID is known. */
  algorithm?: string;
}

/** The OID inside an AlgorithmIdentifier (SEQUENCE { OID, params }), as a name or dotted text. */
export function algorithmName(ai: Uint8Array): string | undefined {
  const seq = derTlv(ai, 0, ai.length);
  if (!seq || seq.tag !== 0x30) return undefined;
  const oid = derTlv(ai, seq.start, seq.end);
  if (!oid || oid.tag !== 0x06) return undefined;
  const dotted = oidText(ai.subarray(oid.start, oid.end));
  return dotted === undefined ? undefined : (SIGNATURE_OIDS[dotted] ?? dotted);
}

export const AUTH_DIGITAL_SIGNATURE = 14;

export const authDecoder: PayloadDecoder<AuthPayload> = {
  draft: () => ({ kind: 'auth' }),
  decode(r, d, _ctx, notes) {
    d.method = u8At(r, 'isakmp.auth.method');
    d.reserved = bytesAt(r, 3, 'isakmp.auth.reserved');
    d.data = { v: r.buf.subarray(r.pos, r.end), o: r.pos, n: r.remaining };
    if (d.method.v === AUTH_DIGITAL_SIGNATURE) {
      d.asn1Len = u8At(r, 'isakmp.auth.data.sig.asn1.len');
      if (d.asn1Len.v > r.remaining) {
        notes.push(note(authNotes.sigAsn1, `ASN.1 length ${d.asn1Len.v} > ${r.remaining} bytes left`, d.asn1Len.o, 1));
      }
      d.asn1 = bytesAt(r, Math.min(d.asn1Len.v, r.remaining), 'isakmp.auth.data.sig.asn1.data');
      d.algorithm = algorithmName(d.asn1.v);
      d.sigValue = restAt(r);
    } else {
      r.rest();
    }
  },
  tree(d) {
    const out: TreeNode[] = [...codeNode(authFields.method, d.method), ...spanNode(authFields.reserved, d.reserved)];
    if (!d.data) return out;
    const kids: TreeNode[] = [...spanNode(authFields.asn1Len, d.asn1Len)];
    if (d.asn1) {
      const alg = d.algorithm !== undefined ? [node(authFields.sigAlg, d.algorithm, d.asn1.o, d.asn1.n)] : [];
      kids.push(node(authFields.asn1Data, d.asn1.v, d.asn1.o, d.asn1.n, { children: alg }));
    }
    kids.push(...spanNode(authFields.sigValue, d.sigValue));
    out.push(node(authFields.data, d.data.v, d.data.o, d.data.n, { children: kids }));
    return out;
  },
  brief: () => 'AUTH',
};
