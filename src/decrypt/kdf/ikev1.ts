/**
 * IKEv1 key derivation, RFC 2409 §5 (SKEYID, SKEYID_d/a/e), §5.5 (Quick Mode KEYMAT) and
 * Appendix B (encryption key expansion and IVs). The PRF is the HMAC of the negotiated hash
 * unless a PRF attribute was negotiated (none is in use in practice).
 */
import { hashOf, type EncrRow, type HashRow, type PrfRow } from '../algorithms.js';
import { prf } from './ikev2.js';
import { concatBytes as concat } from '../../core/bytes.js';

/** Pre-shared keys: SKEYID = prf(pre-shared-key, Ni_b | Nr_b) (RFC 2409 §5). */
export function skeyidPsk(row: PrfRow, psk: Uint8Array, niB: Uint8Array, nrB: Uint8Array): Uint8Array {
  return prf(row, psk, concat(niB, nrB));
}

/** Signatures: SKEYID = prf(Ni_b | Nr_b, g^xy) (RFC 2409 §5). */
export function skeyidSig(row: PrfRow, niB: Uint8Array, nrB: Uint8Array, gxy: Uint8Array): Uint8Array {
  return prf(row, concat(niB, nrB), gxy);
}

/** Public-key encryption: SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R) (RFC 2409 §5). */
export function skeyidPke(row: PrfRow, niB: Uint8Array, nrB: Uint8Array, ckyI: Uint8Array, ckyR: Uint8Array): Uint8Array {
  return prf(row, hashOf(row).digest(concat(niB, nrB)), concat(ckyI, ckyR));
}

export interface Skeyids {
  SKEYID_d: Uint8Array;
  SKEYID_a: Uint8Array;
  SKEYID_e: Uint8Array;
}

/**
 * RFC 2409 §5:
 *   SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 *   SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 *   SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 */
export function deriveSkeyids(row: PrfRow, skeyid: Uint8Array, gxy: Uint8Array, ckyI: Uint8Array, ckyR: Uint8Array): Skeyids {
  const SKEYID_d = prf(row, skeyid, concat(gxy, ckyI, ckyR, Uint8Array.of(0)));
  const SKEYID_a = prf(row, skeyid, concat(SKEYID_d, gxy, ckyI, ckyR, Uint8Array.of(1)));
  const SKEYID_e = prf(row, skeyid, concat(SKEYID_a, gxy, ckyI, ckyR, Uint8Array.of(2)));
  return { SKEYID_d, SKEYID_a, SKEYID_e };
}

/**
 * The phase-1 encryption key Ka (RFC 2409 Appendix B): the first `keyLen` bytes of SKEYID_e,
 * or, when SKEYID_e is too short, of K1 | K2 | … with K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1),
 * where "0" is a single zero octet. This is the key Wireshark's `ikev1_decryption_table` holds.
 */
export function expandKa(row: PrfRow, skeyidE: Uint8Array, keyLen: number): Uint8Array {
  if (skeyidE.length >= keyLen) return skeyidE.slice(0, keyLen);
  const parts: Uint8Array[] = [];
  let k = prf(row, skeyidE, Uint8Array.of(0));
  let n = k.length;
  parts.push(k);
  while (n < keyLen) {
    k = prf(row, skeyidE, k);
    parts.push(k);
    n += k.length;
  }
  return concat(...parts).slice(0, keyLen);
}

/** Ka for a cipher row (its key length; IKEv1 ciphers have no salt). */
export function kaFor(row: PrfRow, skeyidE: Uint8Array, encr: EncrRow): Uint8Array {
  return expandKa(row, skeyidE, encr.keyLen);
}

/** Phase-1 IV = hash(g^xi | g^xr) truncated to the cipher block size (RFC 2409 Appendix B). */
export function phase1Iv(hash: HashRow, gxi: Uint8Array, gxr: Uint8Array, blockSize: number): Uint8Array {
  return hash.digest(concat(gxi, gxr)).slice(0, blockSize);
}

/**
 * First IV of a phase-2 (Quick Mode / Informational) exchange = hash(last phase-1 CBC output block
 * | M-ID) truncated to the block size (RFC 2409 Appendix B). `messageId` is the header's M-ID.
 */
export function phase2Iv(hash: HashRow, lastPhase1Block: Uint8Array, messageId: number, blockSize: number): Uint8Array {
  const mid = new Uint8Array(4);
  new DataView(mid.buffer).setUint32(0, messageId >>> 0);
  return hash.digest(concat(lastPhase1Block, mid)).slice(0, blockSize);
}

/**
 * Quick Mode KEYMAT (RFC 2409 §5.5):
 *   KEYMAT = K1 | K2 | …, K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 *   Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).
 * `protocol` is the IPsec DOI protocol id (2 = AH, 3 = ESP), `spi` the SPI of the SA being keyed
 * (the one its receiver chose), `gqmxy` the Quick Mode DH secret when PFS was used.
 * Per RFC 2409 §5.5 (and as strongSwan and the kernel use it) the encryption key comes first,
 * then the authentication key.
 */
export function quickModeKeymat(
  row: PrfRow,
  skeyidD: Uint8Array,
  protocol: number,
  spi: Uint8Array,
  niB: Uint8Array,
  nrB: Uint8Array,
  length: number,
  gqmxy?: Uint8Array,
): Uint8Array {
  const tail = concat(gqmxy ?? new Uint8Array(0), Uint8Array.of(protocol), spi, niB, nrB);
  const parts: Uint8Array[] = [];
  let n = 0;
  let k = new Uint8Array(0) as Uint8Array;
  while (n < length) {
    k = prf(row, skeyidD, concat(k, tail));
    parts.push(k);
    n += k.length;
  }
  return concat(...parts).slice(0, length);
}
