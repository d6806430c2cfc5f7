// Per-target precomputation shared by the WASM SIMD core and the portable JS core, plus the
// scalar MD5 / SHA-1 compression functions of the JS core.
//
// For IKEv1 PSK cracking every candidate P costs two nested HMACs:
//   SKEYID = HMAC(P, S)        S = Ni_b | Nr_b
//   HASH   = HMAC(SKEYID, M)   M = g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b
// Each inner hash is H((key ^ ipad) | msg): the first block depends on the candidate, the blocks of
// msg (with its padding and a length of 64 + |msg| bytes) do not. Their chaining state does, so
// every block is still compressed per candidate, but the message words (and for SHA-1 the whole
// 80-word schedule) are computed once per target and stored pre-added to the round constants.
import { createHash, createHmac } from 'node:crypto';

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

/** Hashes with a WASM SIMD kernel (SHA-384/512 use node:crypto). The scalar JS core does md5 and sha1. */
export type FastHash = 'md5' | 'sha1' | 'sha256';

export const MD5_K: Int32Array = Int32Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) | 0);
export const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21] as const;
export const MD5_G: Int32Array = Int32Array.from({ length: 64 }, (_, i) => (i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16));
export const MD5_IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476] as const;
export const SHA1_IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0] as const;
const SHA1_K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc | 0, 0xca62c1d6 | 0] as const;

/** Words per block addend table: MD5 64 steps, SHA-1 80 steps. */
export const TABLE_WORDS: Record<FastHash, number> = { md5: 64, sha1: 80, sha256: 64 };
export const DIGEST_WORDS: Record<FastHash, number> = { md5: 4, sha1: 5, sha256: 8 };
// prettier-ignore
const SHA256_K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
].map((x) => x | 0));

/**
 * The message blocks of H(key-block | msg) after the key block, padded, as 32-bit words in the
 * hash's byte order (MD5 little-endian, SHA-1 big-endian).
 */
export function paddedWords(hash: FastHash, msg: Uint8Array): Int32Array {
  const blocks = Math.ceil((msg.length + 9) / 64);
  const bytes = new Uint8Array(blocks * 64);
  bytes.set(msg);
  bytes[msg.length] = 0x80;
  const bits = (64 + msg.length) * 8;
  const dv = new DataView(bytes.buffer);
  if (hash === 'md5') {
    dv.setUint32(bytes.length - 8, bits >>> 0, true);
    dv.setUint32(bytes.length - 4, Math.floor(bits / 2 ** 32), true);
  } else {
    dv.setUint32(bytes.length - 8, Math.floor(bits / 2 ** 32), false);
    dv.setUint32(bytes.length - 4, bits >>> 0, false);
  }
  const words = new Int32Array(blocks * 16);
  for (let i = 0; i < words.length; i++) words[i] = dv.getInt32(i * 4, hash === 'md5');
  return words;
}

/** Per-step addends of every fixed block of msg: MD5 W[g(i)] + K[i]; SHA-1 W[t] + K[t] (schedule expanded). */
export function fixedTable(hash: FastHash, msg: Uint8Array): { table: Int32Array; blocks: number } {
  const words = paddedWords(hash, msg);
  const blocks = words.length / 16;
  const n = TABLE_WORDS[hash];
  const table = new Int32Array(blocks * n);
  const w = new Int32Array(80);
  for (let b = 0; b < blocks; b++) {
    if (hash === 'md5') {
      for (let i = 0; i < 64; i++) table[b * 64 + i] = (words[b * 16 + MD5_G[i]!]! + MD5_K[i]!) | 0;
    } else if (hash === 'sha256') {
      for (let t = 0; t < 16; t++) w[t] = words[b * 16 + t]!;
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15]!;
        const y = w[t - 2]!;
        const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
        const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
        w[t] = (s1 + w[t - 7]! + s0 + w[t - 16]!) | 0;
      }
      for (let t = 0; t < 64; t++) table[b * 64 + t] = (w[t]! + SHA256_K[t]!) | 0;
    } else {
      for (let t = 0; t < 16; t++) w[t] = words[b * 16 + t]!;
      for (let t = 16; t < 80; t++) {
        const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
        w[t] = (x << 1) | (x >>> 31);
      }
      for (let t = 0; t < 80; t++) table[b * 80 + t] = (w[t]! + SHA1_K[(t / 20) | 0]!) | 0;
    }
  }
  return { table, blocks };
}

/** The HMAC key block's bytes: the key, or its digest when longer than 64 bytes (RFC 2104). */
export function keyBlockBytes(hash: FastHash, key: Uint8Array): Uint8Array {
  return key.length > 64 ? createHash(hash).update(key).digest() : key;
}

/** Reference: the IKEv1 PSK hash of one candidate with node:crypto (used to confirm every hit). */
export function ikePskHash(hash: string, psk: Uint8Array, skeyidData: Uint8Array, hashData: Uint8Array): Buffer {
  const skeyid = createHmac(hash, psk).update(skeyidData).digest();
  return createHmac(hash, skeyid).update(hashData).digest();
}

/** First digest word as the kernels see it (MD5 little-endian, SHA-1 big-endian), signed. */
export function firstWord(hash: FastHash, digest: Uint8Array): number {
  const dv = new DataView(digest.buffer, digest.byteOffset, digest.byteLength);
  return dv.getInt32(0, hash === 'md5');
}

// ---------------------------------------------------------------------------------------------
// Scalar compression functions (the portable JS core). `st` is updated in place.


/** MD5 on 16 message words w (little-endian words). */
export function md5Words(st: Int32Array, w: Int32Array, wo: number): void {
  let a = st[0]!, b = st[1]!, c = st[2]!, d = st[3]!;
  for (let i = 0; i < 64; i++) {
    let f: number;
    if (i < 16) f = d ^ (b & (c ^ d));
    else if (i < 32) f = c ^ (d & (b ^ c));
    else if (i < 48) f = b ^ c ^ d;
    else f = c ^ (b | ~d);
    const t = (a + f + MD5_K[i]! + w[wo + MD5_G[i]!]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + rotl(t, MD5_S[(i >> 4) * 4 + (i & 3)]!)) | 0;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
}

/** MD5 on a fixed block's addend table (W[g(i)] + K[i]) at tab[to..to+64). */
export function md5Table(st: Int32Array, tab: Int32Array, to: number): void {
  let a = st[0]!, b = st[1]!, c = st[2]!, d = st[3]!;
  for (let i = 0; i < 64; i++) {
    let f: number;
    if (i < 16) f = d ^ (b & (c ^ d));
    else if (i < 32) f = c ^ (d & (b ^ c));
    else if (i < 48) f = b ^ c ^ d;
    else f = c ^ (b | ~d);
    const t = (a + f + tab[to + i]!) | 0;
    a = d;
    d = c;
    c = b;
    b = (b + rotl(t, MD5_S[(i >> 4) * 4 + (i & 3)]!)) | 0;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
}

const sha1W = new Int32Array(80);

/** SHA-1 on 16 message words (big-endian words). */
export function sha1Words(st: Int32Array, w: Int32Array, wo: number): void {
  const W = sha1W;
  for (let t = 0; t < 16; t++) W[t] = w[wo + t]!;
  for (let t = 16; t < 80; t++) W[t] = rotl(W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!, 1);
  for (let t = 0; t < 80; t++) W[t] = (W[t]! + SHA1_K[(t / 20) | 0]!) | 0;
  sha1Table(st, W, 0);
}

/** SHA-1 on a fixed block's addend table (W[t] + K[t]) at tab[to..to+80). */
export function sha1Table(st: Int32Array, tab: Int32Array, to: number): void {
  let a = st[0]!, b = st[1]!, c = st[2]!, d = st[3]!, e = st[4]!;
  for (let t = 0; t < 80; t++) {
    let f: number;
    if (t < 20) f = d ^ (b & (c ^ d));
    else if (t < 40 || t >= 60) f = b ^ c ^ d;
    else f = (b & c) | (d & (b | c));
    const x = (rotl(a, 5) + f + e + tab[to + t]!) | 0;
    e = d;
    d = c;
    c = rotl(b, 30);
    b = a;
    a = x;
  }
  st[0] = (st[0]! + a) | 0;
  st[1] = (st[1]! + b) | 0;
  st[2] = (st[2]! + c) | 0;
  st[3] = (st[3]! + d) | 0;
  st[4] = (st[4]! + e) | 0;
}
