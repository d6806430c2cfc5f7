/**
 * DES (FIPS 46-3) and its CBC use in ESP (RFC 2405) and IKEv1, in plain TypeScript.
 *
 * OpenSSL 3 moved single DES to the legacy provider, so node:crypto lacks `des-cbc`;
 * this is the noble-style fallback and the cross-check for 3DES (RFC 2451, EDE with
 * three keys). It is slow by design (bit tables, no S-P boxes): DES is legacy, rare
 * and only ever used on old captures.
 */

// FIPS 46-3 tables, 1-based bit positions (bit 1 = most significant bit of byte 0).
const IP = [58, 50, 42, 34, 26, 18, 10, 2, 60, 52, 44, 36, 28, 20, 12, 4, 62, 54, 46, 38, 30, 22, 14, 6, 64, 56, 48, 40, 32, 24, 16, 8, 57, 49, 41, 33, 25, 17, 9, 1, 59, 51, 43, 35, 27, 19, 11, 3, 61, 53, 45, 37, 29, 21, 13, 5, 63, 55, 47, 39, 31, 23, 15, 7];
const FP = [40, 8, 48, 16, 56, 24, 64, 32, 39, 7, 47, 15, 55, 23, 63, 31, 38, 6, 46, 14, 54, 22, 62, 30, 37, 5, 45, 13, 53, 21, 61, 29, 36, 4, 44, 12, 52, 20, 60, 28, 35, 3, 43, 11, 51, 19, 59, 27, 34, 2, 42, 10, 50, 18, 58, 26, 33, 1, 41, 9, 49, 17, 57, 25];
const E = [32, 1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 8, 9, 10, 11, 12, 13, 12, 13, 14, 15, 16, 17, 16, 17, 18, 19, 20, 21, 20, 21, 22, 23, 24, 25, 24, 25, 26, 27, 28, 29, 28, 29, 30, 31, 32, 1];
const P = [16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25];
const PC1 = [57, 49, 41, 33, 25, 17, 9, 1, 58, 50, 42, 34, 26, 18, 10, 2, 59, 51, 43, 35, 27, 19, 11, 3, 60, 52, 44, 36, 63, 55, 47, 39, 31, 23, 15, 7, 62, 54, 46, 38, 30, 22, 14, 6, 61, 53, 45, 37, 29, 21, 13, 5, 28, 20, 12, 4];
const PC2 = [14, 17, 11, 24, 1, 5, 3, 28, 15, 6, 21, 10, 23, 19, 12, 4, 26, 8, 16, 7, 27, 20, 13, 2, 41, 52, 31, 37, 47, 55, 30, 40, 51, 45, 33, 48, 44, 49, 39, 56, 34, 53, 46, 42, 50, 36, 29, 32];
const SHIFTS = [1, 1, 2, 2, 2, 2, 2, 2, 1, 2, 2, 2, 2, 2, 2, 1];
const S = [
  [14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7, 0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8, 4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0, 15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13],
  [15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10, 3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5, 0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15, 13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9],
  [10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8, 13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1, 13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7, 1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12],
  [7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15, 13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9, 10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4, 3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14],
  [2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9, 14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6, 4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14, 11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3],
  [12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11, 10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8, 9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6, 4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13],
  [4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1, 13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6, 1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2, 6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12],
  [13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7, 1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2, 7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8, 2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11],
];

type Bits = Uint8Array; // one bit per element

function toBits(b: Uint8Array, off: number): Bits {
  const out = new Uint8Array(64);
  for (let i = 0; i < 64; i++) out[i] = (b[off + (i >> 3)]! >> (7 - (i & 7))) & 1;
  return out;
}

function permute(input: Bits, table: readonly number[]): Bits {
  const out = new Uint8Array(table.length);
  for (let i = 0; i < table.length; i++) out[i] = input[table[i]! - 1]!;
  return out;
}

/** The 16 48-bit round keys (FIPS 46-3 key schedule). */
export function desKeySchedule(key: Uint8Array): Bits[] {
  if (key.length !== 8) throw new RangeError('DES: key must be 8 bytes');
  const cd = permute(toBits(key, 0), PC1);
  let c = Array.from(cd.subarray(0, 28));
  let d = Array.from(cd.subarray(28));
  const subkeys: Bits[] = [];
  for (const s of SHIFTS) {
    c = [...c.slice(s), ...c.slice(0, s)];
    d = [...d.slice(s), ...d.slice(0, s)];
    subkeys.push(permute(Uint8Array.from([...c, ...d]), PC2));
  }
  return subkeys;
}

/** One 8-byte block through the 16 rounds; `decrypt` runs the round keys backwards. */
function desBlock(ks: readonly Bits[], input: Uint8Array, inOff: number, out: Uint8Array, outOff: number, decrypt: boolean): void {
  const lr = permute(toBits(input, inOff), IP);
  let l = lr.subarray(0, 32);
  let r = lr.subarray(32);
  for (let round = 0; round < 16; round++) {
    const k = ks[decrypt ? 15 - round : round]!;
    const x = permute(r, E);
    for (let i = 0; i < 48; i++) x[i]! ^= k[i]!;
    const f = new Uint8Array(32);
    for (let box = 0; box < 8; box++) {
      const b = x.subarray(box * 6, box * 6 + 6);
      const row = (b[0]! << 1) | b[5]!;
      const col = (b[1]! << 3) | (b[2]! << 2) | (b[3]! << 1) | b[4]!;
      const v = S[box]![row * 16 + col]!;
      for (let j = 0; j < 4; j++) f[box * 4 + j] = (v >> (3 - j)) & 1;
    }
    const pf = permute(f, P);
    const nr = new Uint8Array(32);
    for (let i = 0; i < 32; i++) nr[i] = l[i]! ^ pf[i]!;
    l = r;
    r = nr;
  }
  const pre = new Uint8Array(64);
  pre.set(r, 0);
  pre.set(l, 32);
  const o = permute(pre, FP);
  for (let i = 0; i < 8; i++) {
    let v = 0;
    for (let j = 0; j < 8; j++) v = (v << 1) | o[i * 8 + j]!;
    out[outOff + i] = v;
  }
}

/** A keyed DES or 3DES-EDE block function (RFC 2451 §2.3: E_K3(D_K2(E_K1(x)))). */
export interface DesLike {
  encryptBlock(input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void;
  decryptBlock(input: Uint8Array, inOff: number, out: Uint8Array, outOff: number): void;
}

export function desCipher(key: Uint8Array): DesLike {
  if (key.length === 8) {
    const ks = desKeySchedule(key);
    return {
      encryptBlock: (i, io, o, oo) => desBlock(ks, i, io, o, oo, false),
      decryptBlock: (i, io, o, oo) => desBlock(ks, i, io, o, oo, true),
    };
  }
  if (key.length !== 24) throw new RangeError('DES: key must be 8 or 24 bytes');
  const [k1, k2, k3] = [0, 8, 16].map((o) => desKeySchedule(key.subarray(o, o + 8))) as [Bits[], Bits[], Bits[]];
  const t = new Uint8Array(8);
  return {
    encryptBlock(i, io, o, oo) {
      desBlock(k1, i, io, t, 0, false);
      desBlock(k2, t, 0, t, 0, true);
      desBlock(k3, t, 0, o, oo, false);
    },
    decryptBlock(i, io, o, oo) {
      desBlock(k3, i, io, t, 0, true);
      desBlock(k2, t, 0, t, 0, false);
      desBlock(k1, t, 0, o, oo, true);
    },
  };
}

/** CBC decryption (NIST SP 800-38A §6.2), no padding removed; `ct` must be a multiple of 8 bytes. */
export function desCbcDecrypt(c: DesLike, iv: Uint8Array, ct: Uint8Array): Uint8Array {
  if (ct.length % 8 !== 0) throw new RangeError('DES-CBC: ciphertext is not a multiple of 8 bytes');
  const out = new Uint8Array(ct.length);
  let prev = iv;
  let prevOff = 0;
  for (let o = 0; o < ct.length; o += 8) {
    c.decryptBlock(ct, o, out, o);
    for (let j = 0; j < 8; j++) out[o + j]! ^= prev[prevOff + j]!;
    prev = ct;
    prevOff = o;
  }
  return out;
}

export function desCbcEncrypt(c: DesLike, iv: Uint8Array, pt: Uint8Array): Uint8Array {
  if (pt.length % 8 !== 0) throw new RangeError('DES-CBC: plaintext is not a multiple of 8 bytes');
  const out = new Uint8Array(pt.length);
  const x = new Uint8Array(8);
  let prev = iv;
  let prevOff = 0;
  for (let o = 0; o < pt.length; o += 8) {
    for (let j = 0; j < 8; j++) x[j] = pt[o + j]! ^ prev[prevOff + j]!;
    c.encryptBlock(x, 0, out, o);
    prev = out;
    prevOff = o;
  }
  return out;
}
