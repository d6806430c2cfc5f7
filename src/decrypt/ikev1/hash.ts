/**
 * IKEv1 HASH payloads (RFC 2409 §5, §5.4, §5.5, §5.7; mode-config draft-dukes-ike-mode-cfg §3.2):
 * small pure functions over Uint8Array. Inputs are payload *bodies* (the generic payload header
 * removed), as the RFC's "_b" suffix says; `rest` is the message after the HASH payload.
 */
import type { PrfRow } from '../algorithms.js';
import { prf } from '../kdf/ikev2.js';
import { concatBytes as concat } from '../../core/bytes.js';

export function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0);
  return b;
}

/**
 * Phase-1 HASH_I (RFC 2409 §5):
 *   HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 */
export function hashI(row: PrfRow, skeyid: Uint8Array, gxi: Uint8Array, gxr: Uint8Array, ckyI: Uint8Array, ckyR: Uint8Array, saiB: Uint8Array, idiiB: Uint8Array): Uint8Array {
  return prf(row, skeyid, concat(gxi, gxr, ckyI, ckyR, saiB, idiiB));
}

/**
 * Phase-1 HASH_R (RFC 2409 §5):
 *   HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 */
export function hashR(row: PrfRow, skeyid: Uint8Array, gxi: Uint8Array, gxr: Uint8Array, ckyI: Uint8Array, ckyR: Uint8Array, saiB: Uint8Array, idirB: Uint8Array): Uint8Array {
  return prf(row, skeyid, concat(gxr, gxi, ckyR, ckyI, saiB, idirB));
}

/**
 * Quick Mode HASH(1) (RFC 2409 §5.5), Informational HASH(1) (§5.7) and mode-config HASH:
 *   HASH(1) = prf(SKEYID_a, M-ID | <the message after the HASH payload>)
 */
export function hash1(row: PrfRow, skeyidA: Uint8Array, messageId: number, rest: Uint8Array): Uint8Array {
  return prf(row, skeyidA, concat(u32be(messageId), rest));
}

/**
 * Quick Mode HASH(2) (RFC 2409 §5.5):
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | <the message after the HASH payload>)
 */
export function hash2(row: PrfRow, skeyidA: Uint8Array, messageId: number, niB: Uint8Array, rest: Uint8Array): Uint8Array {
  return prf(row, skeyidA, concat(u32be(messageId), niB, rest));
}

/**
 * Quick Mode HASH(3) (RFC 2409 §5.5):
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)   ("0" is a single zero octet)
 */
export function hash3(row: PrfRow, skeyidA: Uint8Array, messageId: number, niB: Uint8Array, nrB: Uint8Array): Uint8Array {
  return prf(row, skeyidA, concat(Uint8Array.of(0), u32be(messageId), niB, nrB));
}
