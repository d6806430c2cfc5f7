/**
 * Diffie-Hellman for IKE (RFC 7296 §3.3.2 transform type 4): compute one side's public
 * value (KE payload data) and the shared secret g^xy / g^ir from a private value and the
 * peer's public value, so that a logged private value plus the two KE payloads of a capture
 * give SKEYSEED / SKEYID.
 *
 *   MODP  1, 2, 5, 14–18   RFC 2409 §6, RFC 3526 (node:crypto `getDiffieHellman('modpN')`)
 *   MODP  22, 23, 24       RFC 5114 §2.1–2.3 (prime-order subgroups; p and g below)
 *   ECP   19, 20, 21       P-256/384/521 (RFC 5903, via @noble/curves)
 *   ECP   25, 26           P-192/P-224 (RFC 5114 §2.4–2.5, via node:crypto ECDH)
 *   ECP   27–30            brainpoolP224r1/256r1/384r1/512r1 (RFC 6954, via node:crypto ECDH)
 *   31, 32                 Curve25519 / Curve448 (RFC 8031, via @noble/curves)
 *
 * Encodings (what goes on the wire and into the PRF):
 * - MODP: public value and shared secret are big-endian, left-padded with zeros to the
 *   length of p (RFC 7296 §3.4, RFC 2409 §5).
 * - ECP: public value = x ‖ y, each padded to the field length, without the 0x04 point
 *   format octet; shared secret = x coordinate of the product (RFC 5903 §7, RFC 6954 §4).
 * - Curve25519/448: the RFC 7748 little-endian u-coordinate strings (RFC 8031 §2).
 *
 * Invalid input (wrong length, not a point on the curve, a MODP value outside 2..p-2, an
 * all-zero X25519/X448 result) gives `undefined`, never an exception.
 */
import { createDiffieHellman, createECDH, getDiffieHellman, type DiffieHellman } from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { x448 } from '@noble/curves/ed448.js';

type GroupKind = 'modp' | 'ecp' | 'montgomery';

export interface DhGroupInfo {
  readonly id: number;
  readonly name: string;
  readonly kind: GroupKind;
  /** Length of the public value (KE data) in bytes. */
  readonly publicLen: number;
  /** Length of the shared secret in bytes. */
  readonly secretLen: number;
}

// RFC 5114 §2.1–2.3 (cross-checked by test: p and q prime, g^q ≡ 1 mod p).
const RFC5114: Record<number, { p: string; g: string; q: string }> = {
  22: {
    p:
      'b10b8f96a080e01dde92de5eae5d54ec52c99fbcfb06a3c69a6a9dca52d23b61' +
      '6073e28675a23d189838ef1e2ee652c013ecb4aea906112324975c3cd49b83bf' +
      'accbdd7d90c4bd7098488e9c219a73724effd6fae5644738faa31a4ff55bccc0' +
      'a151af5f0dc8b4bd45bf37df365c1a65e68cfda76d4da708df1fb2bc2e4a4371',
    g:
      'a4d1cbd5c3fd34126765a442efb99905f8104dd258ac507fd6406cff14266d31' +
      '266fea1e5c41564b777e690f5504f213160217b4b01b886a5e91547f9e2749f4' +
      'd7fbd7d3b9a92ee1909d0d2263f80a76a6a24c087a091f531dbf0a0169b6a28a' +
      'd662a4d18e73afa32d779d5918d08bc8858f4dcef97c2a24855e6eeb22b3b2e5',
    q: 'f518aa8781a8df278aba4e7d64b7cb9d49462353',
  },
  23: {
    p:
      'ad107e1e9123a9d0d660faa79559c51fa20d64e5683b9fd1b54b1597b61d0a75' +
      'e6fa141df95a56dbaf9a3c407ba1df15eb3d688a309c180e1de6b85a1274a0a6' +
      '6d3f8152ad6ac2129037c9edefda4df8d91e8fef55b7394b7ad5b7d0b6c12207' +
      'c9f98d11ed34dbf6c6ba0b2c8bbc27be6a00e0a0b9c49708b3bf8a3170918836' +
      '81286130bc8985db1602e714415d9330278273c7de31efdc7310f7121fd5a074' +
      '15987d9adc0a486dcdf93acc44328387315d75e198c641a480cd86a1b9e587e8' +
      'be60e69cc928b2b9c52172e413042e9b23f10b0e16e79763c9b53dcf4ba80a29' +
      'e3fb73c16b8e75b97ef363e2ffa31f71cf9de5384e71b81c0ac4dffe0c10e64f',
    g:
      'ac4032ef4f2d9ae39df30b5c8ffdac506cdebe7b89998caf74866a08cfe4ffe3' +
      'a6824a4e10b9a6f0dd921f01a70c4afaab739d7700c29f52c57db17c620a8652' +
      'be5e9001a8d66ad7c17669101999024af4d027275ac1348bb8a762d0521bc98a' +
      'e247150422ea1ed409939d54da7460cdb5f6c6b250717cbef180eb34118e98d1' +
      '19529a45d6f834566e3025e316a330efbb77a86f0c1ab15b051ae3d428c8f8ac' +
      'b70a8137150b8eeb10e183edd19963ddd9e263e4770589ef6aa21e7f5f2ff381' +
      'b539cce3409d13cd566afbb48d6c019181e1bcfe94b30269edfe72fe9b6aa4bd' +
      '7b5a0f1c71cfff4c19c418e1f6ec017981bc087f2a7065b384b890d3191f2bfa',
    q: '801c0d34c58d93fe997177101f80535a4738cebcbf389a99b36371eb',
  },
  24: {
    p:
      '87a8e61db4b6663cffbbd19c651959998ceef608660dd0f25d2ceed4435e3b00' +
      'e00df8f1d61957d4faf7df4561b2aa3016c3d91134096faa3bf4296d830e9a7c' +
      '209e0c6497517abd5a8a9d306bcf67ed91f9e6725b4758c022e0b1ef4275bf7b' +
      '6c5bfc11d45f9088b941f54eb1e59bb8bc39a0bf12307f5c4fdb70c581b23f76' +
      'b63acae1caa6b7902d52526735488a0ef13c6d9a51bfa4ab3ad8347796524d8e' +
      'f6a167b5a41825d967e144e5140564251ccacb83e6b486f6b3ca3f7971506026' +
      'c0b857f689962856ded4010abd0be621c3a3960a54e710c375f26375d7014103' +
      'a4b54330c198af126116d2276e11715f693877fad7ef09cadb094ae91e1a1597',
    g:
      '3fb32c9b73134d0b2e77506660edbd484ca7b18f21ef205407f4793a1a0ba125' +
      '10dbc15077be463fff4fed4aac0bb555be3a6c1b0c6b47b1bc3773bf7e8c6f62' +
      '901228f8c28cbb18a55ae31341000a650196f931c77a57f2ddf463e5e9ec144b' +
      '777de62aaab8a8628ac376d282d6ed3864e67982428ebc831d14348f6f2f9193' +
      'b5045af2767164e1dfc967c1fb3f2e55a4bd1bffe83b9c80d052b985d182ea0a' +
      'db2a3b7313d3fe14c8484b1e052588b9b7d2bbd2df016199ecd06e1557cd0915' +
      'b3353bbb64e0ec377fd028370df92b52c7891428cdc67eb6184b523d1db246c3' +
      '2f63078490f00ef8d647d148d47954515e2327cfef98c582664b4c0f6cc41659',
    q: '8cf83642a709a097b447997640129da299b1a47d1eb3750ba308b0fe64f5fbd3',
  },
};

/** RFC 5114 group parameters (hex), exported for the known-answer checks. */
export function rfc5114Params(group: 22 | 23 | 24): { p: string; g: string; q: string } {
  return RFC5114[group]!;
}

const MODP_NODE: Record<number, string> = {
  1: 'modp1',
  2: 'modp2',
  5: 'modp5',
  14: 'modp14',
  15: 'modp15',
  16: 'modp16',
  17: 'modp17',
  18: 'modp18',
};
const MODP_BITS: Record<number, number> = { 1: 768, 2: 1024, 5: 1536, 14: 2048, 15: 3072, 16: 4096, 17: 6144, 18: 8192, 22: 1024, 23: 2048, 24: 2048 };

const NOBLE_ECP = { 19: p256, 20: p384, 21: p521 } as const;
const NODE_ECP: Record<number, { curve: string; len: number; name: string }> = {
  25: { curve: 'prime192v1', len: 24, name: 'ECP_192' },
  26: { curve: 'secp224r1', len: 28, name: 'ECP_224' },
  27: { curve: 'brainpoolP224r1', len: 28, name: 'ECP_224_BP' },
  28: { curve: 'brainpoolP256r1', len: 32, name: 'ECP_256_BP' },
  29: { curve: 'brainpoolP384r1', len: 48, name: 'ECP_384_BP' },
  30: { curve: 'brainpoolP512r1', len: 64, name: 'ECP_512_BP' },
};
const ECP_LEN: Record<number, number> = { 19: 32, 20: 48, 21: 66 };

/** Facts about a supported group, or undefined when espy cannot compute it. */
export function dhGroupInfo(group: number): DhGroupInfo | undefined {
  const bits = MODP_BITS[group];
  if (bits !== undefined) {
    const name = group >= 22 ? `MODP_${bits}_${group === 22 ? 160 : group === 23 ? 224 : 256}` : `MODP_${bits}`;
    return { id: group, name, kind: 'modp', publicLen: bits / 8, secretLen: bits / 8 };
  }
  const ecpLen = ECP_LEN[group];
  if (ecpLen !== undefined) return { id: group, name: `ECP_${group === 19 ? 256 : group === 20 ? 384 : 521}`, kind: 'ecp', publicLen: 2 * ecpLen, secretLen: ecpLen };
  const n = NODE_ECP[group];
  if (n) return { id: group, name: n.name, kind: 'ecp', publicLen: 2 * n.len, secretLen: n.len };
  if (group === 31) return { id: 31, name: 'CURVE_25519', kind: 'montgomery', publicLen: 32, secretLen: 32 };
  if (group === 32) return { id: 32, name: 'CURVE_448', kind: 'montgomery', publicLen: 56, secretLen: 56 };
  return undefined;
}

const modpPrimes = new Map<number, { p: Buffer; g: Buffer }>();

function modpDh(group: number): DiffieHellman | undefined {
  const nodeName = MODP_NODE[group];
  if (nodeName) {
    let pg = modpPrimes.get(group);
    if (!pg) {
      const std = getDiffieHellman(nodeName);
      pg = { p: std.getPrime(), g: std.getGenerator() };
      modpPrimes.set(group, pg);
    }
    return createDiffieHellman(pg.p, pg.g);
  }
  const p = RFC5114[group];
  if (p) return createDiffieHellman(Buffer.from(p.p, 'hex'), Buffer.from(p.g, 'hex'));
  return undefined;
}

function leftPad(b: Uint8Array, len: number): Uint8Array {
  if (b.length === len) return new Uint8Array(b);
  if (b.length > len) {
    // Strip leading zeros only.
    const extra = b.length - len;
    for (let i = 0; i < extra; i++) if (b[i] !== 0) return new Uint8Array(b);
    return new Uint8Array(b.subarray(extra));
  }
  const out = new Uint8Array(len);
  out.set(b, len - b.length);
  return out;
}

function bigFrom(b: Uint8Array): bigint {
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

function modpPublicInRange(group: number, peer: Uint8Array): boolean {
  const info = dhGroupInfo(group)!;
  if (peer.length === 0 || peer.length > info.publicLen) return false;
  const dh = modpDh(group)!;
  const p = bigFrom(dh.getPrime());
  const y = bigFrom(peer);
  return y > 1n && y < p - 1n;
}

function ecpPoint(info: DhGroupInfo, pub: Uint8Array): Uint8Array | undefined {
  if (pub.length !== info.publicLen) return undefined;
  const out = new Uint8Array(pub.length + 1);
  out[0] = 0x04;
  out.set(pub, 1);
  return out;
}

/**
 * The public value (KE payload data) for `privateValue` in `group`, or undefined for an
 * unsupported group or an unusable private value.
 */
export function dhPublicValue(group: number, privateValue: Uint8Array): Uint8Array | undefined {
  const info = dhGroupInfo(group);
  if (!info || privateValue.length === 0) return undefined;
  try {
    if (info.kind === 'modp') {
      const dh = modpDh(group)!;
      const p = bigFrom(dh.getPrime());
      const g = bigFrom(dh.getGenerator());
      const x = bigFrom(privateValue);
      if (x < 1n) return undefined;
      const y = modPow(g, x, p);
      return leftPad(bigToBytes(y), info.publicLen);
    }
    if (info.kind === 'ecp') {
      const noble = NOBLE_ECP[group as 19 | 20 | 21];
      if (noble) {
        const pt = noble.getPublicKey(leftPad(privateValue, info.secretLen), false);
        return new Uint8Array(pt.subarray(1));
      }
      const n = NODE_ECP[group]!;
      const ecdh = createECDH(n.curve);
      ecdh.setPrivateKey(Buffer.from(leftPad(privateValue, n.len)));
      return new Uint8Array(ecdh.getPublicKey().subarray(1));
    }
    if (group === 31) return new Uint8Array(x25519.getPublicKey(privateValue));
    return new Uint8Array(x448.getPublicKey(privateValue));
  } catch {
    return undefined;
  }
}

/**
 * The shared secret (g^xy / g^ir as IKE feeds it to the PRF) from our private value and the
 * peer's public value, or undefined for an unsupported group or invalid input.
 */
export function dhSharedSecret(group: number, privateValue: Uint8Array, peerPublic: Uint8Array): Uint8Array | undefined {
  const info = dhGroupInfo(group);
  if (!info || privateValue.length === 0) return undefined;
  try {
    if (info.kind === 'modp') {
      if (!modpPublicInRange(group, peerPublic)) return undefined;
      const dh = modpDh(group)!;
      dh.setPrivateKey(Buffer.from(privateValue));
      const s = dh.computeSecret(Buffer.from(peerPublic));
      return leftPad(new Uint8Array(s), info.secretLen);
    }
    if (info.kind === 'ecp') {
      const pt = ecpPoint(info, peerPublic);
      if (!pt) return undefined;
      const noble = NOBLE_ECP[group as 19 | 20 | 21];
      if (noble) {
        const shared = noble.getSharedSecret(leftPad(privateValue, info.secretLen), pt, false);
        return new Uint8Array(shared.subarray(1, 1 + info.secretLen));
      }
      const n = NODE_ECP[group]!;
      const ecdh = createECDH(n.curve);
      ecdh.setPrivateKey(Buffer.from(leftPad(privateValue, n.len)));
      return leftPad(new Uint8Array(ecdh.computeSecret(Buffer.from(pt))), n.len);
    }
    if (peerPublic.length !== info.publicLen || privateValue.length !== info.secretLen) return undefined;
    const s = group === 31 ? x25519.getSharedSecret(privateValue, peerPublic) : x448.getSharedSecret(privateValue, peerPublic);
    if (s.every((b) => b === 0)) return undefined;
    return new Uint8Array(s);
  } catch {
    return undefined;
  }
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function bigToBytes(n: bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
