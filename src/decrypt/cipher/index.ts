/**
 * The IPsec ciphers and MACs behind the `cipher/api.ts` contract: one keyed object per SA.
 *
 * impl 'node' uses node:crypto (OpenSSL), 'noble' uses @noble/ciphers / @noble/hashes plus
 * the small pure functions here (CCM, XCBC, truncated-tag GCM, DES), 'auto' picks node
 * wherever it has the algorithm. Both give identical results (test/decrypt-cipher.test.ts
 * cross-checks them on random data).
 *
 * Tags and ICVs are compared in constant time and checked before any plaintext is returned.
 */
import * as nodeCrypto from 'node:crypto';
import { cbc as nobleCbc, ctr as nobleCtr, ecb as nobleEcb, cmac as nobleCmac } from '@noble/ciphers/aes.js';
import { ghash } from '@noble/ciphers/_polyval.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import type { EncrRow, HashName } from '../algorithms.js';
import { concatBytes, equalBytes } from '../../core/bytes.js';
import type { CipherImpl, Encr, MakeEncr, MakeInteg } from './api.js';
import { desCbcDecrypt, desCbcEncrypt, desCipher } from './des.js';

export type { CipherImpl, Encr, Integ, MakeEncr, MakeInteg } from './api.js';

const EMPTY = new Uint8Array(0);

/** A Buffer (or any view) as a plain Uint8Array over the same memory. */
function u8(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

const cat = concatBytes;

/** `a` and `b` are adjacent in one buffer (ESP: IV directly before the ciphertext): one view, no copy. */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.buffer === b.buffer && a.byteOffset + a.length === b.byteOffset) return new Uint8Array(a.buffer, a.byteOffset, a.length + b.length);
  return cat(a, b);
}

function counterBlock(salt: Uint8Array, iv: Uint8Array, counter: number): Uint8Array {
  const b = new Uint8Array(16);
  b.set(salt, 0);
  b.set(iv, salt.length);
  new DataView(b.buffer).setUint32(12, counter >>> 0, false);
  return b;
}

function xorInto(a: Uint8Array, b: Uint8Array, n = a.length): void {
  for (let i = 0; i < n; i++) a[i]! ^= b[i]!;
}

function noAead(row: EncrRow): never {
  throw new Error(`${row.name}: AEAD cipher, use open/seal`);
}

function notAead(row: EncrRow): never {
  throw new Error(`${row.name}: not an AEAD cipher, use decrypt/encrypt`);
}

function checkBlocks(row: EncrRow, data: Uint8Array): void {
  if (data.length % row.blockSize !== 0) throw new RangeError(`${row.name}: data is not a multiple of the ${row.blockSize}-byte block`);
}

function checkIv(row: EncrRow, iv: Uint8Array): void {
  if (iv.length !== row.ivLen) throw new RangeError(`${row.name}: IV must be ${row.ivLen} bytes`);
}

/** node:crypto has the algorithm (single DES went to OpenSSL 3's legacy provider: no). */
function nodeHas(row: EncrRow): boolean {
  if (row.mode === 'null') return true;
  const ciphers = nodeCiphers();
  return ciphers.has(nodeName(row));
}

let cipherList: Set<string> | undefined;
function nodeCiphers(): Set<string> {
  return (cipherList ??= new Set(nodeCrypto.getCiphers()));
}

function nodeName(row: EncrRow): string {
  switch (row.cipher) {
    case 'aes':
      return `aes-${row.keyLen * 8}-${row.mode === 'gmac' ? 'gcm' : row.mode}`;
    case '3des':
      return 'des-ede3-cbc';
    // DES as 3DES-EDE with K1 = K2 = K3 (the EDE steps cancel): OpenSSL's default provider still has it.
    case 'des':
      return 'des-ede3-cbc';
    case 'chacha20':
      return 'chacha20-poly1305';
    case 'null':
      return 'null';
  }
}

function nodeKey(row: EncrRow, key: Uint8Array): Uint8Array {
  return row.cipher === 'des' ? cat(key, key, key) : key;
}

// ---------------------------------------------------------------------------------------------
// Encryption

/** makeEncr(row, cipherKey ‖ salt, impl): one keyed object per SA. */
export const makeEncr: MakeEncr = (row, keyWithSalt, impl = 'auto') => {
  if (keyWithSalt.length !== row.keyLen + row.saltLen) {
    throw new RangeError(`${row.name}: key must be ${row.keyLen + row.saltLen} bytes (key ${row.keyLen} + salt ${row.saltLen}), got ${keyWithSalt.length}`);
  }
  const key = keyWithSalt.slice(0, row.keyLen);
  const salt = keyWithSalt.slice(row.keyLen);
  const useNode = impl === 'node' || (impl === 'auto' && nodeHas(row));
  if (impl === 'node' && !nodeHas(row)) throw new Error(`${row.name}: node:crypto lacks ${nodeName(row)}`);
  if (row.mode === 'null') return nullEncr(row);
  return useNode ? nodeEncr(row, key, salt) : nobleEncr(row, key, salt);
};

function nullEncr(row: EncrRow): Encr {
  return {
    row,
    decrypt: (_iv, ct) => ct.slice(),
    encrypt: (_iv, pt) => pt.slice(),
    open: () => notAead(row),
    seal: () => notAead(row),
  };
}

function nodeEncr(row: EncrRow, key: Uint8Array, salt: Uint8Array): Encr {
  const name = nodeName(row);
  const k = nodeKey(row, key);
  if (row.aead) {
    // RFC 4106 §4 / RFC 4543 §3.1 (GCM, GMAC): nonce = salt(4) ‖ IV(8); RFC 4309 §4 (CCM): salt(3) ‖ IV(8);
    // RFC 7634 §2 (ChaCha20-Poly1305): salt(4) ‖ IV(8).
    const opts = { authTagLength: row.icvLen } as nodeCrypto.CipherGCMOptions;
    const ccm = row.mode === 'ccm';
    return {
      row,
      decrypt: () => noAead(row),
      encrypt: () => noAead(row),
      open(iv, aad, ct, tag) {
        checkIv(row, iv);
        if (tag.length !== row.icvLen) return undefined;
        try {
          const d = nodeCrypto.createDecipheriv(name as nodeCrypto.CipherGCMTypes, k, cat(salt, iv), opts);
          d.setAuthTag(tag);
          if (ccm) d.setAAD(aad, { plaintextLength: ct.length });
          else d.setAAD(aad);
          const out = d.update(ct);
          // OpenSSL checks the tag in final() (GCM, ChaCha) or in update() (CCM: throws/ fails there).
          const fin = d.final();
          return fin.length ? cat(out, fin) : u8(out);
        } catch {
          return undefined;
        }
      },
      seal(iv, aad, pt) {
        checkIv(row, iv);
        const c = nodeCrypto.createCipheriv(name as nodeCrypto.CipherGCMTypes, k, cat(salt, iv), opts);
        if (ccm) c.setAAD(aad, { plaintextLength: pt.length });
        else c.setAAD(aad);
        return cat(c.update(pt), c.final(), c.getAuthTag());
      },
    };
  }
  if (row.mode === 'ctr') {
    // RFC 3686 §4: counter block = nonce(4) ‖ IV(8) ‖ block counter (starts at 1).
    const run = (iv: Uint8Array, data: Uint8Array): Uint8Array => {
      checkIv(row, iv);
      const c = nodeCrypto.createDecipheriv(name, k, counterBlock(salt, iv, 1));
      const out = c.update(data);
      c.final();
      return u8(out);
    };
    return { row, decrypt: run, encrypt: run, open: () => notAead(row), seal: () => notAead(row) };
  }
  // CBC (RFC 3602, RFC 2451, RFC 2405). One long-lived decipher per SA, padding off: feeding
  // IV ‖ ciphertext makes the IV the chaining value for the first real block, so dropping the
  // first output block gives exactly a fresh context's output (no per-packet setup cost).
  const bs = row.blockSize;
  let dec: nodeCrypto.Decipher | undefined;
  return {
    row,
    decrypt(iv, ct) {
      checkIv(row, iv);
      checkBlocks(row, ct);
      if (ct.length === 0) return new Uint8Array(0);
      if (!dec) {
        dec = nodeCrypto.createDecipheriv(name, k, new Uint8Array(bs));
        dec.setAutoPadding(false);
      }
      const out = dec.update(joined(iv, ct));
      return new Uint8Array(out.buffer, out.byteOffset + bs, out.length - bs);
    },
    encrypt(iv, pt) {
      checkIv(row, iv);
      checkBlocks(row, pt);
      const c = nodeCrypto.createCipheriv(name, k, iv);
      c.setAutoPadding(false);
      return cat(c.update(pt), c.final());
    },
    open: () => notAead(row),
    seal: () => notAead(row),
  };
}

function nobleEncr(row: EncrRow, key: Uint8Array, salt: Uint8Array): Encr {
  if (row.cipher === 'des' || row.cipher === '3des') {
    const c = desCipher(key);
    return {
      row,
      decrypt: (iv, ct) => (checkIv(row, iv), desCbcDecrypt(c, iv, ct)),
      encrypt: (iv, pt) => (checkIv(row, iv), desCbcEncrypt(c, iv, pt)),
      open: () => notAead(row),
      seal: () => notAead(row),
    };
  }
  switch (row.mode) {
    case 'cbc':
      return {
        row,
        decrypt: (iv, ct) => (checkIv(row, iv), checkBlocks(row, ct), nobleCbc(key, iv, { disablePadding: true }).decrypt(ct)),
        encrypt: (iv, pt) => (checkIv(row, iv), checkBlocks(row, pt), nobleCbc(key, iv, { disablePadding: true }).encrypt(pt)),
        open: () => notAead(row),
        seal: () => notAead(row),
      };
    case 'ctr': {
      const run = (iv: Uint8Array, data: Uint8Array): Uint8Array => (checkIv(row, iv), nobleCtr(key, counterBlock(salt, iv, 1)).encrypt(data));
      return { row, decrypt: run, encrypt: run, open: () => notAead(row), seal: () => notAead(row) };
    }
    case 'gcm':
    case 'gmac':
      return aeadFrom(row, gcmSeal(key, salt, row.icvLen), gcmOpen(key, salt, row.icvLen));
    case 'ccm':
      return aeadFrom(row, ccmSeal(key, salt, row.icvLen), ccmOpen(key, salt));
    case 'chacha20-poly1305':
      return aeadFrom(
        row,
        (iv, aad, pt) => chacha20poly1305(key, cat(salt, iv), aad).encrypt(pt),
        (iv, aad, ct, tag) => {
          try {
            return chacha20poly1305(key, cat(salt, iv), aad).decrypt(cat(ct, tag));
          } catch {
            return undefined;
          }
        },
      );
    default:
      throw new Error(`${row.name}: no noble implementation`);
  }
}

type SealFn = (iv: Uint8Array, aad: Uint8Array, pt: Uint8Array) => Uint8Array;
type OpenFn = (iv: Uint8Array, aad: Uint8Array, ct: Uint8Array, tag: Uint8Array) => Uint8Array | undefined;

function aeadFrom(row: EncrRow, seal: SealFn, open: OpenFn): Encr {
  return {
    row,
    decrypt: () => noAead(row),
    encrypt: () => noAead(row),
    open: (iv, aad, ct, tag) => (checkIv(row, iv), tag.length === row.icvLen ? open(iv, aad, ct, tag) : undefined),
    seal: (iv, aad, pt) => (checkIv(row, iv), seal(iv, aad, pt)),
  };
}

/** AES on one 16-byte block (noble ECB, no padding). */
function aesBlock(key: Uint8Array): (block: Uint8Array) => Uint8Array {
  return (block) => nobleEcb(key, { disablePadding: true }).encrypt(block);
}

// GCM with a truncated tag (NIST SP 800-38D §7; RFC 4106 §4 nonce salt ‖ IV, J0 = nonce ‖ 1):
// noble's gcm() fixes the tag at 16 bytes, so the tag is computed here from GHASH.
function gcmTag(key: Uint8Array, h: Uint8Array, j0: Uint8Array, aad: Uint8Array, ct: Uint8Array, len: number): Uint8Array {
  const lengths = new Uint8Array(16);
  const v = new DataView(lengths.buffer);
  v.setBigUint64(0, BigInt(aad.length) * 8n, false);
  v.setBigUint64(8, BigInt(ct.length) * 8n, false);
  const s = ghash.create(h).update(aad).update(ct).update(lengths).digest();
  xorInto(s, aesBlock(key)(j0));
  return s.slice(0, len);
}

function gcmOpen(key: Uint8Array, salt: Uint8Array, tagLen: number): OpenFn {
  const h = aesBlock(key)(new Uint8Array(16));
  return (iv, aad, ct, tag) => {
    const want = gcmTag(key, h, counterBlock(salt, iv, 1), aad, ct, tagLen);
    if (!equalBytes(want, tag)) return undefined;
    return nobleCtr(key, counterBlock(salt, iv, 2)).decrypt(ct);
  };
}

function gcmSeal(key: Uint8Array, salt: Uint8Array, tagLen: number): SealFn {
  const h = aesBlock(key)(new Uint8Array(16));
  return (iv, aad, pt) => {
    const ct = nobleCtr(key, counterBlock(salt, iv, 2)).encrypt(pt);
    return cat(ct, gcmTag(key, h, counterBlock(salt, iv, 1), aad, ct, tagLen));
  };
}

// CCM (RFC 3610 §2; RFC 4309 §4: nonce = salt(3) ‖ IV(8), so L = 4 and the length field is 4 bytes).
function ccmMac(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, m: number): Uint8Array {
  const l = 15 - nonce.length;
  const b0 = new Uint8Array(16);
  b0[0] = (aad.length > 0 ? 0x40 : 0) | (((m - 2) / 2) << 3) | (l - 1);
  b0.set(nonce, 1);
  let n = pt.length;
  for (let i = 15; i > 15 - l; i--) {
    b0[i] = n & 0xff;
    n = Math.floor(n / 256);
  }
  // RFC 3610 §2.2: l(a) as 2 bytes below 2^16 - 2^8, else 0xfffe ‖ 4 bytes.
  let aadHdr: Uint8Array = EMPTY;
  if (aad.length > 0) {
    aadHdr = aad.length < 0xff00 ? Uint8Array.of(aad.length >> 8, aad.length & 0xff) : Uint8Array.of(0xff, 0xfe, aad.length >>> 24, (aad.length >> 16) & 0xff, (aad.length >> 8) & 0xff, aad.length & 0xff);
  }
  const pad = (x: number): Uint8Array => new Uint8Array((16 - (x % 16)) % 16);
  const a = cat(aadHdr, aad);
  const msg = cat(b0, a, pad(a.length), pt, pad(pt.length));
  const x = nobleCbc(key, new Uint8Array(16), { disablePadding: true }).encrypt(msg);
  return x.slice(x.length - 16, x.length - 16 + m);
}

function ccmCounter(nonce: Uint8Array, i: number): Uint8Array {
  // RFC 3610 §2.3: A_i = Flags(L-1) ‖ Nonce ‖ Counter i (L bytes; the counter stays below 2^16 here).
  const a = new Uint8Array(16);
  a[0] = 15 - nonce.length - 1;
  a.set(nonce, 1);
  a[14] = (i >> 8) & 0xff;
  a[15] = i & 0xff;
  return a;
}

function ccmOpen(key: Uint8Array, salt: Uint8Array): OpenFn {
  return (iv, aad, ct, tag) => aesCcmOpen(key, cat(salt, iv), aad, ct, tag);
}

function ccmSeal(key: Uint8Array, salt: Uint8Array, m: number): SealFn {
  return (iv, aad, pt) => aesCcmSeal(key, cat(salt, iv), aad, pt, m);
}

/** AES-CCM open (RFC 3610 §2.5) for any nonce length 7–13: plaintext, or undefined on a tag mismatch. */
export function aesCcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array, tag: Uint8Array): Uint8Array | undefined {
  const m = tag.length;
  // CCM authenticates the plaintext: it is computed, checked, and dropped on mismatch.
  const pt = nobleCtr(key, ccmCounter(nonce, 1)).decrypt(ct);
  const t = ccmMac(key, nonce, aad, pt, m);
  xorInto(t, aesBlock(key)(ccmCounter(nonce, 0)), m);
  if (!equalBytes(t, tag)) {
    pt.fill(0);
    return undefined;
  }
  return pt;
}

/** AES-CCM seal (RFC 3610 §2.2–2.3): ciphertext ‖ M-byte tag. */
export function aesCcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, m: number): Uint8Array {
  const t = ccmMac(key, nonce, aad, pt, m);
  xorInto(t, aesBlock(key)(ccmCounter(nonce, 0)), m);
  return cat(nobleCtr(key, ccmCounter(nonce, 1)).encrypt(pt), t);
}

// ---------------------------------------------------------------------------------------------
// Integrity

const NOBLE_HASH = { md5, sha1, sha256, sha384, sha512 } as const;

/** AES-XCBC-MAC (RFC 3566 §4) and AES-CMAC (RFC 4493 §2) full 16-byte MACs, keyed once. */
export type BlockMac = (parts: readonly Uint8Array[]) => Uint8Array;

function rb(l: Uint8Array): Uint8Array {
  // RFC 4493 §2.3 subkey doubling in GF(2^128).
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = ((l[i]! << 1) | (i < 15 ? l[i + 1]! >> 7 : 0)) & 0xff;
  if (l[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

/**
 * The CBC-MAC core of XCBC and CMAC: M split in 16-byte blocks; a complete last block is XORed
 * with `kFull`, an incomplete (or empty) one padded 10* and XORed with `kPad`; the MAC is the
 * last block of CBC encryption under `k1` with a zero IV.
 */
function prepareLast(msg: Uint8Array, kFull: Uint8Array, kPad: Uint8Array): Uint8Array {
  const full = msg.length > 0 && msg.length % 16 === 0;
  const n = full ? msg.length : msg.length + 16 - (msg.length % 16);
  const m = new Uint8Array(n);
  m.set(msg);
  if (!full) m[msg.length] = 0x80;
  const last = m.subarray(n - 16);
  xorInto(last, full ? kFull : kPad);
  return m;
}

/** k1 (the CBC key), kFull, kPad per RFC 3566 §4 (XCBC) or RFC 4493 §2.3 (CMAC). */
function macSubkeys(kind: 'xcbc' | 'cmac', key: Uint8Array, enc: (b: Uint8Array) => Uint8Array): [Uint8Array, Uint8Array, Uint8Array] {
  if (kind === 'xcbc') {
    const c = (v: number) => enc(new Uint8Array(16).fill(v));
    return [c(0x01), c(0x02), c(0x03)];
  }
  const l = enc(new Uint8Array(16));
  const k1 = rb(l);
  return [key, k1, rb(k1)];
}

export function makeBlockMac(kind: 'xcbc' | 'cmac', key: Uint8Array, impl: CipherImpl = 'auto'): BlockMac {
  if (key.length !== 16) throw new RangeError(`AES-${kind.toUpperCase()}: key must be 16 bytes`);
  const enc = aesBlock(key);
  const [k1, kFull, kPad] = macSubkeys(kind, key, enc);
  if (impl === 'noble') {
    if (kind === 'cmac') return (parts) => nobleCmac(cat(...parts), key);
    return (parts) => {
      const x = nobleCbc(k1, new Uint8Array(16), { disablePadding: true }).encrypt(prepareLast(cat(...parts), kFull, kPad));
      return x.slice(x.length - 16);
    };
  }
  // node: one long-lived CBC encipher per key. Its chaining value after a call is the last output
  // block; XORing that into the first input block gives a zero-IV CBC-MAC for the next message.
  const c = nodeCrypto.createCipheriv('aes-128-cbc', k1, new Uint8Array(16));
  c.setAutoPadding(false);
  let chain = new Uint8Array(16);
  return (parts) => {
    const m = prepareLast(cat(...parts), kFull, kPad);
    xorInto(m, chain, 16);
    const out = c.update(m);
    chain = out.subarray(out.length - 16).slice();
    return u8(chain.slice());
  };
}

/** makeInteg(row, key, impl): keyed once per SA; mac() returns the truncated ICV. */
export const makeInteg: MakeInteg = (row, key, impl = 'auto') => {
  if (row.keyLen !== 0 && key.length !== row.keyLen && !(row.hash && key.length > 0)) {
    throw new RangeError(`${row.name}: key must be ${row.keyLen} bytes, got ${key.length}`);
  }
  const n = row.icvLen;
  let full: (parts: readonly Uint8Array[]) => Uint8Array;
  if (row.ikev2Id === 0 || n === 0) {
    full = () => EMPTY;
  } else if (row.hash) {
    full = hmacFn(row.hash, key, impl);
  } else if (row.mac) {
    const m = makeBlockMac(row.mac, key, impl);
    full = m;
  } else {
    throw new Error(`${row.name}: integrity algorithm not implemented`);
  }
  const mac = (...parts: Uint8Array[]): Uint8Array => full(parts).slice(0, n);
  return {
    row,
    mac,
    verify: (icv, ...parts) => icv.length === n && equalBytes(mac(...parts), icv),
  };
};

/** HMAC (RFC 2104) keyed once: node createHmac per message, or a pre-keyed noble HMAC cloned per message. */
export function hmacFn(hash: HashName, key: Uint8Array, impl: CipherImpl = 'auto'): (parts: readonly Uint8Array[]) => Uint8Array {
  if (impl === 'noble') {
    const base = hmac.create(NOBLE_HASH[hash], key);
    return (parts) => {
      const h = base.clone();
      for (const p of parts) h.update(p);
      return h.digest();
    };
  }
  // A KeyObject saves re-importing the key on every createHmac (about 15 % per packet).
  const k: nodeCrypto.KeyObject | Uint8Array = key.length > 0 ? nodeCrypto.createSecretKey(key) : key;
  return (parts) => {
    const h = nodeCrypto.createHmac(hash, k);
    for (const p of parts) h.update(p);
    return u8(h.digest());
  };
}

/**
 * AES-XCBC-PRF-128 (RFC 4434 §2) and AES-CMAC-PRF-128 (RFC 4615 §3) over any key length.
 * XCBC: a key shorter than 16 bytes is padded with zeros, a longer one becomes
 * AES-XCBC-MAC(0^128, key). CMAC: any key that is not 16 bytes becomes AES-CMAC(0^128, key).
 */
export function aesPrf128(kind: 'xcbc' | 'cmac', key: Uint8Array, data: Uint8Array, impl: CipherImpl = 'auto'): Uint8Array {
  let k = key;
  if (k.length < 16 && kind === 'xcbc') {
    k = new Uint8Array(16);
    k.set(key);
  } else if (k.length !== 16) {
    k = makeBlockMac(kind, new Uint8Array(16), impl)([key]);
  }
  return makeBlockMac(kind, k, impl)([data]);
}
