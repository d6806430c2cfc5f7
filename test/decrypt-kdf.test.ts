/**
 * src/decrypt key schedules: RFC known answers for the HMAC rows, cross-checks against
 * node:crypto, and the real daemons' keys (fixtures/pcaps/generated/<case>/keys/keys.json, from
 * strongSwan DBG4 logs) re-derived from the DH secret, the nonces and the SPIs seen in the capture.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENCRS, HASHES, INTEGS, PRFS, encrByStrongswan, encrById, encrByWiresharkEsp, encrKeymatLen, hashOf, integByStrongswan, prfByIkev1HashId, prfById, prfByStrongswan, type HashName, type PrfRow } from '../src/decrypt/algorithms.js';
import { childSaSizes, deriveChildSaKeys, deriveIkeSaKeys, ikeSaSizes, prf, prfPlus, skeyseed } from '../src/decrypt/kdf/ikev2.js';
import { deriveSkeyids, expandKa, phase1Iv, quickModeKeymat, skeyidPsk } from '../src/decrypt/kdf/ikev1.js';
import { loadEspSaTable, type EspSaEntry } from '../src/decrypt/keys/wireshark.js';
import { espy, GENERATED, generatedCases } from './helpers.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const rep = (byte: number, n: number): Uint8Array => new Uint8Array(n).fill(byte);
const prfOf = (h: HashName): PrfRow => PRFS.find((r) => r.hash === h)!;

// ----------------------------------------------------------------------------------------------
// Known answers

test('HMAC-MD5 and HMAC-SHA1 through the PRF rows: RFC 2202 test cases 1-3, 6', () => {
  const cases: [HashName, Uint8Array, Uint8Array, string][] = [
    ['md5', rep(0x0b, 16), ascii('Hi There'), '9294727a3638bb1c13f48ef8158bfc9d'],
    ['md5', ascii('Jefe'), ascii('what do ya want for nothing?'), '750c783e6ab0b503eaa86e310a5db738'],
    ['md5', rep(0xaa, 16), rep(0xdd, 50), '56be34521d144c88dbb8c733f0e8b3f6'],
    ['md5', rep(0xaa, 80), ascii('Test Using Larger Than Block-Size Key - Hash Key First'), '6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd'],
    ['sha1', rep(0x0b, 20), ascii('Hi There'), 'b617318655057264e28bc0b6fb378c8ef146be00'],
    ['sha1', ascii('Jefe'), ascii('what do ya want for nothing?'), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
    ['sha1', rep(0xaa, 20), rep(0xdd, 50), '125d7342b9ac11cd91a39af48aa17b4f63f175d3'],
    ['sha1', rep(0xaa, 80), ascii('Test Using Larger Than Block-Size Key - Hash Key First'), 'aa4ae5e15272d00e95705637ce8a3b55ed402112'],
  ];
  for (const [h, key, data, want] of cases) assert.equal(toHex(prf(prfOf(h), key, data)), want, `${h} ${want}`);
});

test('HMAC-SHA-256/384/512 through the PRF rows: RFC 4231 test cases 1, 2, 6', () => {
  const t6 = ascii('Test Using Larger Than Block-Size Key - Hash Key First');
  const cases: [HashName, Uint8Array, Uint8Array, string][] = [
    ['sha256', rep(0x0b, 20), ascii('Hi There'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
    ['sha384', rep(0x0b, 20), ascii('Hi There'), 'afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6'],
    ['sha512', rep(0x0b, 20), ascii('Hi There'), '87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854'],
    ['sha256', ascii('Jefe'), ascii('what do ya want for nothing?'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
    ['sha384', ascii('Jefe'), ascii('what do ya want for nothing?'), 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649'],
    ['sha512', ascii('Jefe'), ascii('what do ya want for nothing?'), '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737'],
    ['sha256', rep(0xaa, 131), t6, '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
  ];
  for (const [h, key, data, want] of cases) assert.equal(toHex(prf(prfOf(h), key, data)), want, `${h} ${want}`);
});

const NODE_HASH: Record<HashName, string> = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

test('noble HMAC and digest equal node:crypto on random keys and messages (every hash row)', () => {
  for (const name of Object.keys(HASHES) as HashName[]) {
    const h = HASHES[name];
    assert.equal(h.outputLen, createHash(NODE_HASH[name]).digest().length);
    for (let i = 0; i < 40; i++) {
      const key = randomBytes(i % 3 === 0 ? 200 : 1 + ((i * 7) % 70));
      const msg = randomBytes((i * 37) % 300);
      assert.equal(toHex(h.hmac(key, msg)), createHmac(NODE_HASH[name], key).update(msg).digest('hex'), `${name} #${i}`);
      assert.equal(toHex(h.digest(msg)), createHash(NODE_HASH[name]).update(msg).digest('hex'));
    }
  }
});

/** prf+ written the obvious way with node:crypto, RFC 7296 §2.13. */
function nodePrfPlus(h: string, key: Uint8Array, seed: Uint8Array, len: number): string {
  let t = Buffer.alloc(0);
  let out = Buffer.alloc(0);
  for (let i = 1; out.length < len; i++) {
    t = createHmac(h, key).update(Buffer.concat([t, seed, Buffer.of(i)])).digest();
    out = Buffer.concat([out, t]);
  }
  return out.subarray(0, len).toString('hex');
}

test('prf+ equals a node:crypto prf+ for every HMAC PRF and many lengths; refuses more than 255 blocks', () => {
  for (const row of PRFS.filter((r) => r.hash)) {
    for (const len of [0, 1, row.outputLen - 1, row.outputLen, row.outputLen + 1, 7 * row.outputLen + 3, 255 * row.outputLen]) {
      const key = randomBytes(32);
      const seed = randomBytes(64);
      assert.equal(toHex(prfPlus(row, key, seed, len)), nodePrfPlus(NODE_HASH[row.hash!], key, seed, len), `${row.name} ${len}`);
    }
    assert.throws(() => prfPlus(row, randomBytes(16), randomBytes(16), 255 * row.outputLen + 1), /255/);
  }
  // AES-XCBC-PRF-128 (RFC 4434) is implemented since issue 4: prf+ of one block is prf(K, S | 0x01).
  const k4 = randomBytes(16);
  const s4 = randomBytes(16);
  assert.equal(toHex(prfPlus(prfById(4)!, k4, s4, 16)), toHex(prf(prfById(4)!, k4, Buffer.concat([s4, Buffer.of(1)]))));
});

test('algorithm rows: ids, sizes and lookups', () => {
  assert.equal(encrById(12, 256)!.keyLen, 32);
  assert.equal(encrById(3)!.blockSize, 8);
  const gcm = encrById(20, 128)!;
  assert.deepEqual([gcm.keyLen, gcm.saltLen, gcm.ivLen, gcm.icvLen, gcm.aead, encrKeymatLen(gcm)], [16, 4, 8, 16, true, 20]);
  const cc = encrById(28)!;
  assert.deepEqual([cc.keyLen, cc.saltLen, cc.ivLen, cc.icvLen, encrKeymatLen(cc)], [32, 4, 8, 16, 36]);
  assert.equal(encrByWiresharkEsp('AES-GCM [RFC4106]', 36)!.name, 'ENCR_AES_GCM_16_256');
  assert.equal(encrByWiresharkEsp('AES-CBC [RFC3602]', 24)!.keyBits, 192);
  assert.equal(encrByWiresharkEsp('AES-CBC [RFC3602]', 20), undefined);
  assert.equal(prfByIkev1HashId(2)!.hash, 'sha1');
  assert.equal(prfByIkev1HashId(4)!.hash, 'sha256');
  assert.equal(integByStrongswan('HMAC_SHA2_384_192')!.icvLen, 24);
  for (const r of INTEGS) if (r.hash) assert.ok(r.keyLen === HASHES[r.hash].outputLen && r.icvLen <= r.keyLen, r.name);
  for (const r of PRFS) if (r.hash) assert.equal(r.outputLen, HASHES[r.hash].outputLen);
  for (const r of ENCRS) if (r.aead) assert.ok(r.saltLen > 0 && r.icvLen > 0, r.name);
  // Every label is unique within its table (so a key table maps to one row).
  const labels = ENCRS.flatMap((r) => (r.wiresharkIkev2 ? [r.wiresharkIkev2] : []));
  assert.equal(new Set(labels).size, labels.length);
});

// ----------------------------------------------------------------------------------------------
// The real daemons' keys

interface SaKeys { spi: string; src: string; dst: string; encr_key?: string; integ_key?: string; direction_for_initiator?: 'in' | 'out'; direction_for_responder?: 'in' | 'out' }
interface ChildSa { ike_uniqueid: number; protocol: 'ESP' | 'AH'; encr_alg: string | null; encr_keysize: number | null; integ_alg: string | null; dh_group: string | null; exchange: string; sas: SaKeys[] }
interface IkeSa { uniqueid: number; ike_version: 1 | 2; initiator_spi: string; responder_spi: string; encr_alg: string; encr_keysize: number | null; integ_alg: string | null; prf_alg: string; keys: Record<string, string> }
interface KeysJson { ike_sas?: IkeSa[]; child_sas?: ChildSa[] }

interface IsakmpRow { frame: number; ispi: string; rspi: string; exch: number; flags: number; nonce: string; ke: string }

const captureCache = new Map<string, IsakmpRow[]>();
function isakmpRows(caseName: string): IsakmpRow[] {
  const cached = captureCache.get(caseName);
  if (cached) return cached;
  const r = espy(['-r', join(GENERATED, caseName, 'capture.pcap'), '-Y', 'isakmp', '-T', 'fields',
    '-e', 'frame.number', '-e', 'isakmp.ispi', '-e', 'isakmp.rspi', '-e', 'isakmp.exchangetype', '-e', 'isakmp.flags', '-e', 'isakmp.nonce', '-e', 'isakmp.key_exchange.data']);
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').map((l) => {
    const [frame, ispi, rspi, exch, flags, nonce, ke] = l.split('\t');
    return { frame: Number(frame), ispi: ispi!, rspi: rspi!, exch: Number(exch), flags: Number(flags), nonce: nonce ?? '', ke: ke ?? '' };
  });
  captureCache.set(caseName, rows);
  return rows;
}

/** IKEv2 IKE_SA_INIT nonces: Nr from the response that carries the responder SPI, Ni from the last request before it. */
function ikev2Nonces(caseName: string, sa: IkeSa): { ni: Uint8Array; nr: Uint8Array } {
  const rows = isakmpRows(caseName).filter((r) => r.exch === 34 && r.ispi === sa.initiator_spi);
  const resp = rows.find((r) => (r.flags & 0x08) === 0 && r.rspi === sa.responder_spi && r.nonce);
  assert.ok(resp, `${caseName}: no IKE_SA_INIT response with a nonce`);
  const req = rows.filter((r) => (r.flags & 0x08) !== 0 && r.frame < resp.frame && r.nonce).at(-1);
  assert.ok(req, `${caseName}: no IKE_SA_INIT request with a nonce`);
  return { ni: hex(req.nonce), nr: hex(resp.nonce) };
}

/** IKEv1 Main/Aggressive Mode: the first two distinct nonces (and KE values) of the phase-1 exchange, initiator's first. */
function ikev1Phase1(caseName: string, sa: IkeSa): { ni: Uint8Array; nr: Uint8Array; gxi: Uint8Array; gxr: Uint8Array } {
  const rows = isakmpRows(caseName).filter((r) => (r.exch === 2 || r.exch === 4) && r.ispi === sa.initiator_spi && r.nonce);
  const nonces = [...new Set(rows.map((r) => r.nonce))];
  const kes = [...new Set(rows.map((r) => r.ke))];
  assert.equal(nonces.length, 2, `${caseName}: phase-1 nonces`);
  assert.equal(kes.length, 2, `${caseName}: phase-1 KE payloads`);
  return { ni: hex(nonces[0]!), nr: hex(nonces[1]!), gxi: hex(kes[0]!), gxr: hex(kes[1]!) };
}

function readKeys(caseName: string): KeysJson {
  return JSON.parse(readFileSync(join(GENERATED, caseName, 'keys', 'keys.json'), 'utf8')) as KeysJson;
}

function espTable(caseName: string): Map<string, EspSaEntry> {
  const f = join(GENERATED, caseName, 'keys', 'esp_sa');
  const m = new Map<string, EspSaEntry>();
  if (!existsSync(f)) return m;
  const t = loadEspSaTable(f);
  assert.deepEqual(t.errors, []);
  for (const e of t.entries) m.set(e.spi, e);
  return m;
}

/** True for the SA carrying initiator→responder traffic. */
function isInitiatorToResponder(s: SaKeys): boolean {
  if (s.direction_for_initiator) return s.direction_for_initiator === 'out';
  assert.ok(s.direction_for_responder, `SA ${s.spi} has no direction`);
  return s.direction_for_responder === 'in';
}

const CASES = generatedCases();
const verified: string[] = [];

for (const c of CASES) {
  const keys = readKeys(c.case);
  const ikeSas = keys.ike_sas ?? [];
  if (ikeSas.length === 0) {
    // uml-lsw-lsw-*: Libreswan↔Libreswan, no charon log, so keys.json has only the kernel SAD.
    test(`${c.case}: key schedule`, { skip: 'no IKE SA keys in keys.json (Libreswan on both sides, no charon DBG4 log)' }, () => {});
    continue;
  }
  if (c.ike_version === 2) {
    test(`${c.case}: IKEv2 SKEYSEED, SK_* and IKE_AUTH CHILD SA keys from (g^ir, Ni, Nr, SPIs)`, () => {
      const sa = ikeSas.find((s) => s.uniqueid === Math.min(...ikeSas.map((x) => x.uniqueid)))!;
      const row = prfByStrongswan(sa.prf_alg)!;
      assert.ok(row, sa.prf_alg);
      const encr = encrByStrongswan(sa.encr_alg, sa.encr_keysize)!;
      assert.ok(encr, sa.encr_alg);
      const integ = sa.integ_alg ? integByStrongswan(sa.integ_alg) : undefined;
      const { ni, nr } = ikev2Nonces(c.case, sa);
      const seed = skeyseed(row, ni, nr, hex(sa.keys.dh_secret!));
      assert.equal(toHex(seed), sa.keys.skeyseed);
      const k = deriveIkeSaKeys(row, seed, ni, nr, hex(sa.initiator_spi), hex(sa.responder_spi), ikeSaSizes(encr, integ));
      assert.equal(toHex(k.SK_d), sa.keys.sk_d);
      assert.equal(toHex(k.SK_ei), sa.keys.sk_ei);
      assert.equal(toHex(k.SK_er), sa.keys.sk_er);
      assert.equal(toHex(k.SK_pi), sa.keys.sk_pi);
      assert.equal(toHex(k.SK_pr), sa.keys.sk_pr);
      if (encr.aead) {
        assert.equal(k.SK_ai.length + k.SK_ar.length, 0);
        assert.equal(sa.keys.sk_ai, undefined);
      } else {
        assert.equal(toHex(k.SK_ai), sa.keys.sk_ai);
        assert.equal(toHex(k.SK_ar), sa.keys.sk_ar);
      }
      // CHILD SA of IKE_AUTH: KEYMAT = prf+(SK_d, Ni | Nr).
      const esp = espTable(c.case);
      const children = (keys.child_sas ?? []).filter((ch) => ch.exchange === 'IKE_AUTH' && ch.ike_uniqueid === sa.uniqueid);
      assert.ok(children.length > 0, 'no IKE_AUTH CHILD SA');
      for (const ch of children) {
        const cEncr = ch.encr_alg ? encrByStrongswan(ch.encr_alg, ch.encr_keysize) : undefined;
        const cInteg = ch.integ_alg ? integByStrongswan(ch.integ_alg) : undefined;
        assert.ok(!ch.encr_alg || cEncr, ch.encr_alg ?? '');
        assert.ok(!ch.integ_alg || cInteg, ch.integ_alg ?? '');
        const km = deriveChildSaKeys(row, k.SK_d, ni, nr, childSaSizes(cEncr, cInteg));
        for (const s of ch.sas) {
          const i2r = isInitiatorToResponder(s);
          const e = toHex(i2r ? km.encrI : km.encrR);
          const a = toHex(i2r ? km.integI : km.integR);
          assert.equal(e, s.encr_key ?? '', `encr ${s.spi}`);
          assert.equal(a, s.integ_key ?? '', `integ ${s.spi}`);
          const row2 = esp.get(s.spi);
          if (ch.protocol === 'ESP' && ch.encr_alg !== 'CHACHA20_POLY1305') {
            // Wireshark's esp_sa has the same keys (ChaCha20 is absent: Wireshark 4.0 has no label for it).
            assert.ok(row2, `esp_sa row for ${s.spi}`);
            assert.equal(toHex(row2.encrKey), e);
            assert.equal(toHex(row2.authKey), a);
          }
        }
      }
      verified.push(c.case);
    });
    // The rekeyed IKE SA and CREATE_CHILD_SA CHILD SAs: see decrypt-kdf-exchanges.test.ts.
  } else {
    test(`${c.case}: IKEv1 SKEYID (PSK), SKEYID_d/a/e, Ka and the phase-1 IV`, () => {
      assert.equal(ikeSas.length, 1);
      const sa = ikeSas[0]!;
      const row = prfByStrongswan(sa.prf_alg)!;
      assert.ok(row, sa.prf_alg);
      const encr = encrByStrongswan(sa.encr_alg, sa.encr_keysize)!;
      assert.ok(encr, sa.encr_alg);
      const psk = readFileSync(join(GENERATED, c.case, 'keys', 'psk.txt'), 'utf8').replace(/\r?\n$/, '');
      assert.equal(psk, c.psk);
      const p1 = ikev1Phase1(c.case, sa);
      const skeyid = skeyidPsk(row, ascii(psk), p1.ni, p1.nr);
      assert.equal(toHex(skeyid), sa.keys.skeyid);
      const gxy = hex(sa.keys.dh_secret!);
      const d = deriveSkeyids(row, skeyid, gxy, hex(sa.initiator_spi), hex(sa.responder_spi));
      assert.equal(toHex(d.SKEYID_d), sa.keys.skeyid_d);
      assert.equal(toHex(d.SKEYID_a), sa.keys.skeyid_a);
      assert.equal(toHex(d.SKEYID_e), sa.keys.skeyid_e);
      const ka = expandKa(row, d.SKEYID_e, encr.keyLen);
      assert.equal(toHex(ka), sa.keys.ka);
      assert.equal(toHex(phase1Iv(hashOf(row), p1.gxi, p1.gxr, encr.blockSize)), sa.keys.initial_iv);
      verified.push(c.case);
    });
    // Quick Mode KEYMAT: see decrypt-kdf-exchanges.test.ts (its nonces are encrypted).
  }
}

test('Ka expansion (RFC 2409 App. B) is exercised by a real case: 3DES (24 bytes) from a SHA-1 SKEYID_e (20 bytes)', () => {
  const k = readKeys('sw-ikev1-aggr-psk-weak').ike_sas![0]!;
  assert.equal(hex(k.keys.skeyid_e!).length, 20);
  assert.equal(hex(k.keys.ka!).length, 24);
  const row = prfByStrongswan(k.prf_alg)!;
  const e = hex(k.keys.skeyid_e!);
  const k1 = createHmac('sha1', e).update(Buffer.of(0)).digest();
  const k2 = createHmac('sha1', e).update(k1).digest();
  assert.equal(toHex(expandKa(row, e, 24)), Buffer.concat([k1, k2]).subarray(0, 24).toString('hex'));
  assert.equal(toHex(expandKa(row, e, 24)), k.keys.ka);
});

test('quickModeKeymat equals RFC 2409 §5.5 written out with node:crypto (with and without PFS)', () => {
  for (const h of ['sha1', 'sha256'] as const) {
    const row = prfOf(h);
    const d = randomBytes(row.outputLen);
    const spi = randomBytes(4);
    const ni = randomBytes(32);
    const nr = randomBytes(32);
    for (const g of [undefined, randomBytes(256)]) {
      const tail = Buffer.concat([g ?? Buffer.alloc(0), Buffer.of(3), spi, ni, nr]);
      const k1 = createHmac(h, d).update(tail).digest();
      const k2 = createHmac(h, d).update(Buffer.concat([k1, tail])).digest();
      const k3 = createHmac(h, d).update(Buffer.concat([k2, tail])).digest();
      const want = Buffer.concat([k1, k2, k3]).subarray(0, 2 * row.outputLen + 5).toString('hex');
      assert.equal(toHex(quickModeKeymat(row, d, 3, spi, ni, nr, 2 * row.outputLen + 5, g)), want);
    }
  }
});

test('every case with IKE keys was verified (checked last)', () => {
  const want = CASES.filter((c) => (readKeys(c.case).ike_sas ?? []).length > 0).map((c) => c.case);
  assert.deepEqual([...verified].sort(), want.sort());
});
