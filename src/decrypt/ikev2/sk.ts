/**
 * The IKEv2 Encrypted payload (SK, RFC 7296 §3.14) and Encrypted Fragment payload (SKF,
 * RFC 7383 §2.5): pure functions over the message bytes. The integrity check value (or the
 * AEAD tag, RFC 5282 §5) is verified before any plaintext is produced or used.
 *
 *   SK body:  IV ‖ ciphertext ‖ ICV                    (ciphertext = payloads ‖ padding ‖ pad length)
 *   SKF body: Fragment Number (2) ‖ Total Fragments (2) ‖ IV ‖ ciphertext ‖ ICV
 *
 * Integrity (non-AEAD, §3.14): the ICV covers the message from the first byte of the IKE header
 * to the last byte of the ciphertext. AEAD (RFC 5282 §5.1): AAD = IKE header ‖ unencrypted
 * payloads ‖ the SK generic header (for SKF also Fragment Number and Total Fragments,
 * RFC 7383 §2.5.3), i.e. every message byte before the IV; nonce = salt ‖ IV (inside Encr.open).
 */
import type { EncrRow, IntegRow } from '../algorithms.js';
import type { Encr, Integ } from '../cipher/api.js';

/** Where the parts of an SK/SKF payload lie, as offsets into the message (0 = first byte of the IKE header). */
export interface SkGeometry {
  /** Offset of the IV. */
  readonly iv: number;
  readonly ivLen: number;
  /** Offset and length of the ciphertext. */
  readonly ct: number;
  readonly ctLen: number;
  /** Offset and length of the ICV / tag. */
  readonly icv: number;
  readonly icvLen: number;
}

/**
 * Split an SK/SKF payload whose body starts at `bodyOffset` (message-relative) and is `bodyLen`
 * bytes long. `skf`: the body starts with Fragment Number and Total Fragments. Undefined when the
 * body is too short for IV and ICV, or the ciphertext is not whole blocks (CBC).
 */
export function skGeometry(encr: EncrRow, icvLen: number, bodyOffset: number, bodyLen: number, skf: boolean): SkGeometry | undefined {
  const head = skf ? 4 : 0;
  const iv = bodyOffset + head;
  const ctLen = bodyLen - head - encr.ivLen - icvLen;
  if (ctLen < 0) return undefined;
  if (encr.mode === 'cbc' && ctLen % encr.blockSize !== 0) return undefined;
  const ct = iv + encr.ivLen;
  return { iv, ivLen: encr.ivLen, ct, ctLen, icv: ct + ctLen, icvLen };
}

/** The ICV/tag length of an IKE SA's SK payloads (AEAD: the tag; else the integrity row's; Wireshark "ANY n-bits": n/8). */
export function skIcvLen(encr: EncrRow, integ: IntegRow | undefined, noCheckIcvLen: number | undefined): number {
  if (encr.aead) return encr.icvLen;
  if (integ) return integ.icvLen;
  return noCheckIcvLen ?? 0;
}

export type SkOpen =
  | { readonly status: 'ok'; readonly plaintext: Uint8Array; readonly icv: 'good' | 'unchecked' }
  | { readonly status: 'icv-bad' };

/**
 * Verify, then decrypt. `integ` undefined with a non-AEAD cipher means the ICV is not checked
 * (Wireshark's "[No Checking]" rows); the plaintext is then marked 'unchecked'.
 */
export function openSk(msg: Uint8Array, g: SkGeometry, encr: Encr, integ: Integ | undefined): SkOpen {
  const iv = msg.subarray(g.iv, g.iv + g.ivLen);
  const ct = msg.subarray(g.ct, g.ct + g.ctLen);
  const icv = msg.subarray(g.icv, g.icv + g.icvLen);
  if (encr.row.aead) {
    const pt = encr.open(iv, msg.subarray(0, g.iv), ct, icv);
    return pt ? { status: 'ok', plaintext: pt, icv: 'good' } : { status: 'icv-bad' };
  }
  if (integ && integ.row.icvLen > 0) {
    // RFC 7296 §3.14: checksum over the whole message up to the end of the ciphertext; checked first.
    if (!integ.verify(icv, msg.subarray(0, g.icv))) return { status: 'icv-bad' };
    return { status: 'ok', plaintext: encr.decrypt(iv, ct), icv: 'good' };
  }
  return { status: 'ok', plaintext: encr.decrypt(iv, ct), icv: 'unchecked' };
}

/** Only the ICV/tag check (no plaintext kept): used to tell which candidate key is right. */
export function skVerifies(msg: Uint8Array, g: SkGeometry, encr: Encr, integ: Integ | undefined): boolean {
  if (encr.row.aead) {
    const r = openSk(msg, g, encr, integ);
    return r.status === 'ok';
  }
  if (!integ || integ.row.icvLen === 0) return false;
  return integ.verify(msg.subarray(g.icv, g.icv + g.icvLen), msg.subarray(0, g.icv));
}

export interface SkPadding {
  /** Length of the inner payload chain. */
  readonly innerLen: number;
  readonly padLength: number;
  /** False when Pad Length points before the start of the plaintext (RFC 7296 §3.14). */
  readonly ok: boolean;
}

/** Pad Length is the last plaintext byte; the padding precedes it (RFC 7296 §3.14). */
export function skPadding(plaintext: Uint8Array): SkPadding {
  if (plaintext.length === 0) return { innerLen: 0, padLength: 0, ok: false };
  const padLength = plaintext[plaintext.length - 1]!;
  const innerLen = plaintext.length - 1 - padLength;
  if (innerLen < 0) return { innerLen: 0, padLength, ok: false };
  return { innerLen, padLength, ok: true };
}
