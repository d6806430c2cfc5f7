/**
 * Certificate (IKEv1 6, RFC 2408 §3.9; IKEv2 37, RFC 7296 §3.6) and
 * Certificate Request (IKEv1 7, RFC 2408 §3.10; IKEv2 38, RFC 7296 §3.7).
 *
 * The certificate itself stays bytes here (X.509 parsing is not the IKE
 * dissector's job). Hash and URL encodings (12, 13; RFC 7296 §3.6) are split
 * into the 20-byte SHA-1 hash and the URL. An IKEv2 CERTREQ for X.509 carries
 * a list of 20-byte SHA-1 hashes of trusted CAs' public keys (RFC 7296 §3.7);
 * an IKEv1 CR carries one DER Distinguished Name of a CA (RFC 2408 §3.10).
 */
import { codeTable } from '../../../core/codes.js';
import { defineFields } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { dnText } from './id.js';
import { codeNode, restAt, spanNode, u8At, utf8, type Span } from './misc.js';

const COMMON_ENCODINGS = {
  0: 'NONE',
  1: 'PKCS #7 wrapped X.509 certificate',
  2: 'PGP Certificate',
  3: 'DNS Signed Key',
  4: 'X.509 Certificate - Signature',
  5: 'X.509 Certificate - Key Exchange',
  6: 'Kerberos Tokens',
  7: 'Certificate Revocation List (CRL)',
  8: 'Authority Revocation List (ARL)',
  9: 'SPKI Certificate',
  10: 'X.509 Certificate - Attribute',
} as const;

/** IKEv1 certificate types, RFC 2408 §3.9 (the ISAKMP registry). */
export const IKEV1_CERT_ENCODINGS = codeTable('IKEv1CertEncoding', COMMON_ENCODINGS, [
  { min: 11, max: 252, name: 'RESERVED' },
  { min: 253, max: 255, name: 'Private Use' },
]);

/** IKEv2 certificate encodings, RFC 7296 §3.6 and the IANA "IKEv2 Certificate Encodings" registry. */
export const IKEV2_CERT_ENCODINGS = codeTable(
  'IKEv2CertEncoding',
  {
    ...COMMON_ENCODINGS,
    0: 'Reserved',
    11: 'Raw RSA Key', // deprecated by RFC 7296
    12: 'Hash and URL of X.509 certificate',
    13: 'Hash and URL of X.509 bundle',
    14: 'OCSP Content', // RFC 4806
    15: 'Raw Public Key', // RFC 7670
  },
  [
    { min: 16, max: 200, name: 'Unassigned' },
    { min: 201, max: 255, name: 'Private Use' },
  ],
);

export const certFields = defineFields({
  encoding: { id: 'isakmp.cert.encoding', label: 'Certificate Encoding', type: 'uint', values: IKEV2_CERT_ENCODINGS, rfc: 'RFC 2408 §3.9, RFC 7296 §3.6' },
  data: { id: 'isakmp.cert.data', label: 'Certificate Data', type: 'bytes', rfc: 'RFC 2408 §3.9, RFC 7296 §3.6' },
  hash: { id: 'isakmp.cert.x509.hash', label: 'Hash', type: 'bytes', rfc: 'RFC 7296 §3.6' },
  url: { id: 'isakmp.cert.x509.url', label: 'URL', type: 'string', rfc: 'RFC 7296 §3.6' },
  reqType: { id: 'isakmp.certreq.type', label: 'Certificate Type', type: 'uint', values: IKEV2_CERT_ENCODINGS, rfc: 'RFC 2408 §3.10, RFC 7296 §3.7' },
  authority: { id: 'isakmp.ike.certreq.authority', label: 'Certificate Authority Data', type: 'bytes', rfc: 'RFC 2408 §3.10, RFC 7296 §3.7' },
  authorityDn: { id: 'isakmp.ike.certreq.authority.dn', label: 'Certificate Authority', type: 'string', rfc: 'RFC 2408 §3.10' },
});

export const certNotes = defineNotes({
  caHashes: { id: 'isakmp.certreq.authority.length', group: 'malformed', severity: 'warn', summary: 'CERTREQ Certification Authority data is not a whole number of 20-byte SHA-1 hashes' },
});

/** SHA-1 output: hash-and-URL hashes and CERTREQ CA key hashes (RFC 7296 §3.6, §3.7). */
export const SHA1_LEN = 20;

export interface CertPayload extends DecodedPayload {
  kind: 'cert' | 'certreq';
  encoding?: Span<number>;
  data?: Span<Uint8Array>;
}

const encodings = (major: 1 | 2) => (major === 1 ? IKEV1_CERT_ENCODINGS : IKEV2_CERT_ENCODINGS);
const isHashUrl = (major: 1 | 2, e: number) => major === 2 && (e === 12 || e === 13);

export const certDecoder: PayloadDecoder<CertPayload> = {
  draft: () => ({ kind: 'cert' }),
  decode(r, d) {
    d.encoding = u8At(r, 'isakmp.cert.encoding');
    d.data = restAt(r);
  },
  tree(d, ctx) {
    const out: TreeNode[] = codeNode(certFields.encoding, d.encoding, encodings(ctx.major));
    const s = d.data;
    if (!s || !d.encoding) return out;
    if (isHashUrl(ctx.major, d.encoding.v) && s.n >= SHA1_LEN) {
      out.push(
        node(certFields.hash, s.v.subarray(0, SHA1_LEN), s.o, SHA1_LEN),
        node(certFields.url, utf8(s.v.subarray(SHA1_LEN)), s.o + SHA1_LEN, s.n - SHA1_LEN),
      );
    } else if (s.n > 0) {
      out.push(...spanNode(certFields.data, s));
    }
    return out;
  },
  brief: () => 'CERT',
};

export const certReqDecoder: PayloadDecoder<CertPayload> = {
  draft: () => ({ kind: 'certreq' }),
  decode(r, d, ctx, notes) {
    d.encoding = u8At(r, 'isakmp.certreq.type');
    d.data = restAt(r);
    if (ctx.major === 2 && d.encoding.v === 4 && d.data.n % SHA1_LEN !== 0) {
      notes.push(note(certNotes.caHashes, `${d.data.n} bytes of CA hashes`, d.data.o, d.data.n));
    }
  },
  tree(d, ctx) {
    const out: TreeNode[] = codeNode(certFields.reqType, d.encoding, encodings(ctx.major));
    const s = d.data;
    if (!s || !d.encoding || s.n === 0) return out;
    if (ctx.major === 2 && (d.encoding.v === 4 || d.encoding.v === 12)) {
      // RFC 7296 §3.7: concatenated SHA-1 hashes of the CAs' SubjectPublicKeyInfo.
      let at = 0;
      for (; at + SHA1_LEN <= s.n; at += SHA1_LEN) out.push(node(certFields.authority, s.v.subarray(at, at + SHA1_LEN), s.o + at, SHA1_LEN));
      if (at < s.n) out.push(node(certFields.authority, s.v.subarray(at), s.o + at, s.n - at));
    } else {
      const dn = ctx.major === 1 ? dnText(s.v) : undefined;
      out.push(node(certFields.authority, s.v, s.o, s.n, dn !== undefined ? { children: [node(certFields.authorityDn, dn, s.o, s.n)] } : undefined));
    }
    return out;
  },
  brief: (_d, ctx) => (ctx.major === 1 ? 'CR' : 'CERTREQ'),
};
