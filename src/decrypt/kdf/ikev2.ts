/**
 * IKEv2 key derivation, RFC 7296 §2.13 (prf+), §2.14 (SKEYSEED and SK_*), §2.17 (CHILD_SA
 * KEYMAT) and §2.18 (SKEYSEED of a rekeyed IKE SA). HMAC PRFs (RFC 2104, RFC 4868) and the
 * AES PRFs AES-XCBC-PRF-128 (RFC 4434) and AES-CMAC-PRF-128 (RFC 4615); for those SKEYSEED keys
 * with the first 64 bits of Ni and of Nr (RFC 7296 §2.14).
 */
import { encrKeymatLen, hashOf, type EncrRow, type IntegRow, type PrfRow } from '../algorithms.js';
import { concatBytes as concat } from '../../core/bytes.js';
import { aesPrf128 } from '../cipher/index.js';

/** prf(K, S): HMAC for hash rows, AES-XCBC-PRF-128 / AES-CMAC-PRF-128 (any key length, RFC 4434 §2 / RFC 4615 §3) for the AES rows. */
export function prf(row: PrfRow, key: Uint8Array, data: Uint8Array): Uint8Array {
  if (row.mac) return aesPrf128(row.mac, key, data);
  return hashOf(row).hmac(key, data);
}

/**
 * prf+ (RFC 7296 §2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), output T1 | T2 | …
 * truncated to `length`. At most 255 blocks.
 */
export function prfPlus(row: PrfRow, key: Uint8Array, seed: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 0) throw new RangeError('prf+: bad length');
  const outLen = row.outputLen;
  const blocks = Math.ceil(length / outLen);
  if (blocks > 255) throw new RangeError(`prf+: ${length} bytes needs more than 255 iterations`);
  const out = new Uint8Array(blocks * outLen);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1; i <= blocks; i++) {
    t = prf(row, key, concat(t, seed, Uint8Array.of(i)));
    out.set(t, (i - 1) * outLen);
  }
  return out.subarray(0, length);
}

/** SKEYSEED = prf(Ni | Nr, g^ir) (RFC 7296 §2.14). Ni/Nr are the nonce payload bodies. */
export function skeyseed(row: PrfRow, ni: Uint8Array, nr: Uint8Array, gir: Uint8Array): Uint8Array {
  // RFC 7296 §2.14: with AES-XCBC-PRF-128 / AES-CMAC-PRF-128 only the first 64 bits of Ni and of Nr are used.
  if (row.mac) return prf(row, concat(ni.subarray(0, 8), nr.subarray(0, 8)), gir);
  return prf(row, concat(ni, nr), gir);
}

/** Rekeyed IKE SA: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) (RFC 7296 §2.18). */
export function rekeySkeyseed(row: PrfRow, skdOld: Uint8Array, girNew: Uint8Array, ni: Uint8Array, nr: Uint8Array): Uint8Array {
  return prf(row, skdOld, concat(girNew, ni, nr));
}

/** Key lengths of an IKE SA: SK_e includes the salt for AEAD/CTR; AEAD has no SK_a (RFC 5282 §7.1). */
export interface IkeSaSizes {
  /** Length of each SK_e (cipher key plus salt). */
  encrKeyLen: number;
  /** Length of each SK_a (0 for AEAD). */
  integKeyLen: number;
}

export function ikeSaSizes(encr: EncrRow, integ: IntegRow | undefined): IkeSaSizes {
  return { encrKeyLen: encrKeymatLen(encr), integKeyLen: encr.aead ? 0 : (integ?.keyLen ?? 0) };
}

export interface IkeSaKeys {
  SK_d: Uint8Array;
  SK_ai: Uint8Array;
  SK_ar: Uint8Array;
  SK_ei: Uint8Array;
  SK_er: Uint8Array;
  SK_pi: Uint8Array;
  SK_pr: Uint8Array;
}

function split(stream: Uint8Array, lengths: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  for (const n of lengths) {
    out.push(stream.slice(o, o + n));
    o += n;
  }
  return out;
}

/**
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr)
 * (RFC 7296 §2.14). SK_d, SK_pi and SK_pr have the PRF's preferred key length.
 */
export function deriveIkeSaKeys(
  row: PrfRow,
  skeyseedValue: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  spii: Uint8Array,
  spir: Uint8Array,
  sizes: IkeSaSizes,
): IkeSaKeys {
  const p = row.keyLen;
  const a = sizes.integKeyLen;
  const e = sizes.encrKeyLen;
  const lens = [p, a, a, e, e, p, p];
  const stream = prfPlus(row, skeyseedValue, concat(ni, nr, spii, spir), lens.reduce((x, y) => x + y, 0));
  const [SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr] = split(stream, lens) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { SK_d, SK_ai, SK_ar, SK_ei, SK_er, SK_pi, SK_pr };
}

export interface ChildSaSizes {
  /** Encryption key plus salt per direction (0 for AH). */
  encrKeyLen: number;
  /** Integrity key per direction (0 for AEAD). */
  integKeyLen: number;
}

export function childSaSizes(encr: EncrRow | undefined, integ: IntegRow | undefined): ChildSaSizes {
  return {
    encrKeyLen: encr ? encrKeymatLen(encr) : 0,
    integKeyLen: encr?.aead ? 0 : (integ?.keyLen ?? 0),
  };
}

/** Keys of one CHILD SA pair: `i` = initiator→responder (the SA whose SPI the responder chose). */
export interface ChildSaKeys {
  encrI: Uint8Array;
  integI: Uint8Array;
  encrR: Uint8Array;
  integR: Uint8Array;
}

/**
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 §2.17), taken in the order: initiator→responder
 * encryption key, its integrity key, then responder→initiator encryption and integrity keys.
 * For the CHILD SA of IKE_AUTH, Ni/Nr are the IKE_SA_INIT nonces; for CREATE_CHILD_SA, that
 * exchange's nonces, with the new DH secret when PFS was used.
 */
export function deriveChildSaKeys(
  row: PrfRow,
  skd: Uint8Array,
  ni: Uint8Array,
  nr: Uint8Array,
  sizes: ChildSaSizes,
  girNew?: Uint8Array,
): ChildSaKeys {
  const e = sizes.encrKeyLen;
  const a = sizes.integKeyLen;
  const seed = girNew ? concat(girNew, ni, nr) : concat(ni, nr);
  const stream = prfPlus(row, skd, seed, 2 * (e + a));
  const [encrI, integI, encrR, integR] = split(stream, [e, a, e, a]) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  return { encrI, integI, encrR, integR };
}
