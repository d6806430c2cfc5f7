/**
 * The cipher contract every decryptor uses (ESP/AH, IKEv1, IKEv2). Implemented in
 * cipher/index.ts: node:crypto on the hot paths, noble where node lacks the
 * algorithm (and as the cross-check in tests).
 *
 * Objects are keyed once per SA: node:crypto's cost is per createDecipheriv/createHmac
 * call (4–7 µs), so keep one Encr/Integ per SA and reuse it.
 */
import type { EncrRow, IntegRow } from '../algorithms.js';

export type CipherImpl = 'node' | 'noble' | 'auto';

export interface Encr {
  readonly row: EncrRow;
  /**
   * Non-AEAD (NULL, DES, 3DES, AES-CBC, AES-CTR): decrypt `ct` with the explicit IV
   * (for CTR the counter block is salt ‖ IV ‖ 1, RFC 3686 §4). No padding is removed.
   * Throws on AEAD rows.
   */
  decrypt(iv: Uint8Array, ct: Uint8Array): Uint8Array;
  encrypt(iv: Uint8Array, pt: Uint8Array): Uint8Array;
  /**
   * AEAD (GCM, CCM, ChaCha20-Poly1305, GMAC): the plaintext, or undefined when the tag
   * does not match (checked before any plaintext is returned). The nonce is salt ‖ iv
   * (RFC 4106 §4, RFC 4309 §4, RFC 7634 §2, RFC 4543 §3.1; GMAC: all data is AAD, ct is empty).
   */
  open(iv: Uint8Array, aad: Uint8Array, ct: Uint8Array, tag: Uint8Array): Uint8Array | undefined;
  /** AEAD: ciphertext ‖ tag. */
  seal(iv: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array;
}

export interface Integ {
  readonly row: IntegRow;
  /** The truncated ICV over the concatenation of `parts` (HMAC-*, AES-XCBC-96, AES-CMAC-96). */
  mac(...parts: Uint8Array[]): Uint8Array;
  /** Constant-time compare of mac(parts) with `icv`. */
  verify(icv: Uint8Array, ...parts: Uint8Array[]): boolean;
}

/** Signatures implemented by cipher/index.ts. */
export type MakeEncr = (row: EncrRow, keyWithSalt: Uint8Array, impl?: CipherImpl) => Encr;
export type MakeInteg = (row: IntegRow, key: Uint8Array, impl?: CipherImpl) => Integ;
