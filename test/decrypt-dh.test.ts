/** src/decrypt/dh.ts: known answers (RFC 5903 §8, RFC 7748 §5.2/§6), MODP against node:crypto, RFC 5114 parameters. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPrimeSync, createDiffieHellman, createECDH, getDiffieHellman } from 'node:crypto';
import { dhGroupInfo, dhPublicValue, dhSharedSecret, rfc5114Params } from '../src/decrypt/dh.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

// RFC 5903 §8.1–8.3: i, g^i (x‖y), r, g^r (x‖y), g^ir (x).
const RFC5903 = [
  {
    group: 19,
    i: 'C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433',
    gi: 'DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180 5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3',
    r: 'C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53',
    gr: 'D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63 56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB',
    gir: 'D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE',
  },
  {
    group: 20,
    i: '099F3C7034D4A2C699884D73A375A67F7624EF7C6B3C0F160647B67414DCE655E35B538041E649EE3FAEF896783AB194',
    gi:
      '667842D7D180AC2CDE6F74F37551F55755C7645C20EF73E31634FE72B4C55EE6DE3AC808ACB4BDB4C88732AEE95F41AA' +
      '9482ED1FC0EEB9CAFC4984625CCFC23F65032149E0E144ADA024181535A0F38EEB9FCFF3C2C947DAE69B4C634573A81C',
    r: '41CB0779B4BDB85D47846725FBEC3C9430FAB46CC8DC5060855CC9BDA0AA2942E0308312916B8ED2960E4BD55A7448FC',
    gr:
      'E558DBEF53EECDE3D3FCCFC1AEA08A89A987475D12FD950D83CFA41732BC509D0D1AC43A0336DEF96FDA41D0774A3571' +
      'DCFBEC7AACF3196472169E838430367F66EEBE3C6E70C416DD5F0C68759DD1FFF83FA40142209DFF5EAAD96DB9E6386C',
    gir: '11187331C279962D93D604243FD592CB9D0A926F422E47187521287E7156C5C4D603135569B9E9D09CF5D4A270F59746',
  },
  {
    group: 21,
    i: '0037ADE9319A89F4DABDB3EF411AACCCA5123C61ACAB57B5393DCE47608172A095AA85A30FE1C2952C6771D937BA9777F5957B2639BAB072462F68C27A57382D4A52',
    r: '0145BA99A847AF43793FDD0E872E7CDFA16BE30FDC780F97BCCC3F078380201E9C677D600B343757A3BDBF2A3163E4C2F869CCA7458AA4A4EFFC311F5CB151685EB9',
    gir: '01144C7D79AE6956BC8EDB8E7C787C4521CB086FA64407F97894E5E6B2D79B04D1427E73CA4BAA240A34786859810C06B3C715A3A8CC3151F2BEE417996D19F3DDEA',
  },
];

for (const v of RFC5903) {
  test(`ECP group ${v.group}: RFC 5903 §8 test vector (public values x‖y, shared secret = x)`, () => {
    const i = hex(v.i);
    const r = hex(v.r);
    const gi = dhPublicValue(v.group, i);
    const gr = dhPublicValue(v.group, r);
    assert.ok(gi && gr);
    const info = dhGroupInfo(v.group)!;
    assert.equal(gi.length, info.publicLen);
    if (v.gi) assert.equal(toHex(gi), toHex(hex(v.gi)));
    if (v.gr) assert.equal(toHex(gr), toHex(hex(v.gr)));
    assert.equal(toHex(dhSharedSecret(v.group, i, gr)), toHex(hex(v.gir)));
    assert.equal(toHex(dhSharedSecret(v.group, r, gi)), toHex(hex(v.gir)));
    // A point off the curve, and a wrongly sized public value, give undefined.
    const bad = new Uint8Array(gr);
    bad[bad.length - 1]! ^= 1;
    assert.equal(dhSharedSecret(v.group, i, bad), undefined);
    assert.equal(dhSharedSecret(v.group, i, gr.subarray(1)), undefined);
  });
}

test('Curve25519 (group 31): RFC 7748 §5.2 and §6.1', () => {
  assert.equal(
    toHex(dhSharedSecret(31, hex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'), hex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'))),
    'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
  );
  const a = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
  const b = hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
  assert.equal(toHex(dhPublicValue(31, a)), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
  assert.equal(toHex(dhPublicValue(31, b)), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
  const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
  assert.equal(toHex(dhSharedSecret(31, a, dhPublicValue(31, b)!)), k);
  assert.equal(toHex(dhSharedSecret(31, b, dhPublicValue(31, a)!)), k);
  // A low-order point (all zeros) gives the all-zero secret, which RFC 8031 §2 forbids.
  assert.equal(dhSharedSecret(31, a, new Uint8Array(32)), undefined);
});

test('Curve448 (group 32): RFC 7748 §6.2', () => {
  const a = hex('9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b');
  const b = hex('1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d');
  assert.equal(toHex(dhPublicValue(32, a)), '9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0');
  assert.equal(toHex(dhPublicValue(32, b)), '3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609');
  const k = '07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d';
  assert.equal(toHex(dhSharedSecret(32, a, dhPublicValue(32, b)!)), k);
  assert.equal(toHex(dhSharedSecret(32, b, dhPublicValue(32, a)!)), k);
});

const MODP: Record<number, string> = { 1: 'modp1', 2: 'modp2', 5: 'modp5', 14: 'modp14', 15: 'modp15', 16: 'modp16', 17: 'modp17', 18: 'modp18' };

for (const [g, name] of Object.entries(MODP)) {
  const group = Number(g);
  test(`MODP group ${group}: round trip against node:crypto ${name}`, () => {
    const alice = getDiffieHellman(name);
    alice.generateKeys();
    const bob = getDiffieHellman(name);
    bob.generateKeys();
    const info = dhGroupInfo(group)!;
    const x = new Uint8Array(alice.getPrivateKey());
    // Our public value equals node's, padded to the length of p.
    const pub = dhPublicValue(group, x)!;
    assert.equal(pub.length, info.publicLen);
    assert.equal(BigInt('0x' + toHex(pub)), BigInt('0x' + alice.getPublicKey('hex')));
    const expected = new Uint8Array(bob.computeSecret(alice.getPublicKey()));
    const ours = dhSharedSecret(group, x, new Uint8Array(bob.getPublicKey()))!;
    assert.equal(ours.length, info.secretLen);
    assert.equal(BigInt('0x' + toHex(ours)), BigInt('0x' + toHex(expected)));
    // Degenerate peer values are refused.
    assert.equal(dhSharedSecret(group, x, Uint8Array.of(1)), undefined);
    assert.equal(dhSharedSecret(group, x, new Uint8Array(info.publicLen + 1).fill(0xff)), undefined);
  });
}

for (const group of [22, 23, 24] as const) {
  test(`MODP group ${group} (RFC 5114): p and q prime, g of order q, and a round trip`, () => {
    const { p, g, q } = rfc5114Params(group);
    const P = BigInt('0x' + p);
    const G = BigInt('0x' + g);
    const Q = BigInt('0x' + q);
    assert.ok(checkPrimeSync(Buffer.from(p, 'hex')), 'p is prime');
    assert.ok(checkPrimeSync(Buffer.from(q, 'hex')), 'q is prime');
    assert.equal((P - 1n) % Q, 0n, 'q divides p-1');
    let acc = 1n;
    let base = G;
    let e = Q;
    while (e > 0n) {
      if (e & 1n) acc = (acc * base) % P;
      base = (base * base) % P;
      e >>= 1n;
    }
    assert.equal(acc, 1n, 'g^q = 1 mod p');
    const a = createDiffieHellman(Buffer.from(p, 'hex'), Buffer.from(g, 'hex'));
    a.generateKeys();
    const b = createDiffieHellman(Buffer.from(p, 'hex'), Buffer.from(g, 'hex'));
    b.generateKeys();
    const ours = dhSharedSecret(group, new Uint8Array(a.getPrivateKey()), new Uint8Array(b.getPublicKey()))!;
    assert.equal(BigInt('0x' + toHex(ours)), BigInt('0x' + b.computeSecret(a.getPublicKey()).toString('hex')));
    assert.equal(BigInt('0x' + toHex(dhPublicValue(group, new Uint8Array(a.getPrivateKey()))!)), BigInt('0x' + a.getPublicKey('hex')));
  });
}

const NODE_CURVES: Record<number, string> = { 25: 'prime192v1', 26: 'secp224r1', 27: 'brainpoolP224r1', 28: 'brainpoolP256r1', 29: 'brainpoolP384r1', 30: 'brainpoolP512r1' };
for (const [g, curve] of Object.entries(NODE_CURVES)) {
  const group = Number(g);
  test(`ECP group ${group} (${curve}): round trip against an independent node:crypto ECDH`, () => {
    const a = createECDH(curve);
    a.generateKeys();
    const b = createECDH(curve);
    b.generateKeys();
    const pub = dhPublicValue(group, new Uint8Array(a.getPrivateKey()))!;
    assert.equal(toHex(pub), a.getPublicKey('hex').slice(2), 'x‖y without the 04 octet');
    const s = dhSharedSecret(group, new Uint8Array(a.getPrivateKey()), new Uint8Array(b.getPublicKey().subarray(1)))!;
    assert.equal(toHex(s), b.computeSecret(a.getPublicKey()).toString('hex'));
    assert.equal(s.length, dhGroupInfo(group)!.secretLen);
  });
}

test('unsupported groups give undefined', () => {
  for (const g of [0, 3, 4, 33, 34, 1000]) {
    assert.equal(dhGroupInfo(g), undefined);
    assert.equal(dhPublicValue(g, Uint8Array.of(1, 2, 3)), undefined);
    assert.equal(dhSharedSecret(g, Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6)), undefined);
  }
  assert.equal(dhSharedSecret(14, new Uint8Array(0), Uint8Array.of(5)), undefined);
});
