/** src/decrypt/keys/wireshark.ts: Wireshark's IPsec key tables, on every fixture and on malformed input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEspSaTable, loadIkev1DecryptionTable, loadIkev2DecryptionTable, parseEspSaTable, parseIkev1DecryptionTable, parseIkev2DecryptionTable, splitUatLine } from '../src/decrypt/keys/wireshark.js';
import { GENERATED } from './helpers.js';

const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface CaseFacts {
  case: string;
  ike_version: number;
  esp_spis: string[];
  ike_sas: { ike_version: number; spi_i: string; spi_r: string; encr: string }[];
  child_sas: { protocol: string; spi: string; encr: string | null }[];
}
interface KeysJson {
  ike_sas?: { ike_version: number; initiator_spi: string; responder_spi: string; keys: Record<string, string> }[];
  child_sas?: { protocol: string; sas: { spi: string; src: string; dst: string; encr_key?: string; integ_key?: string }[] }[];
  kernel_xfrm_sas?: { spi: string; proto: string; src: string; dst: string; enc_key?: string; auth_key?: string }[];
}

const CASES: CaseFacts[] = JSON.parse(readFileSync(join(GENERATED, 'CASES.json'), 'utf8')).cases;

for (const c of CASES) {
  test(`${c.case}: the three Wireshark tables load without error and match CASES.json and keys.json`, () => {
    const dir = join(GENERATED, c.case, 'keys');
    const keys = JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')) as KeysJson;
    let loaded = 0;

    const f1 = join(dir, 'ikev1_decryption_table');
    if (existsSync(f1)) {
      const t = loadIkev1DecryptionTable(f1);
      assert.deepEqual(t.errors, []);
      const want = c.ike_sas.filter((s) => s.ike_version === 1);
      assert.deepEqual(t.entries.map((e) => e.icookie), want.map((s) => s.spi_i));
      for (const e of t.entries) {
        const k = keys.ike_sas!.find((s) => s.initiator_spi === e.icookie)!;
        assert.equal(toHex(e.ka), k.keys.ka);
      }
      loaded++;
    }

    const f2 = join(dir, 'ikev2_decryption_table');
    if (existsSync(f2)) {
      const t = loadIkev2DecryptionTable(f2);
      assert.deepEqual(t.errors, []);
      // Wireshark 4.0 has no ChaCha20-Poly1305, so the rig leaves those IKE SAs out of the table.
      const want = c.ike_sas.filter((s) => s.ike_version === 2 && s.encr !== 'CHACHA20_POLY1305');
      assert.deepEqual(t.entries.map((e) => [e.spii, e.spir]), want.map((s) => [s.spi_i, s.spi_r]));
      for (const e of t.entries) {
        const k = keys.ike_sas!.find((s) => s.initiator_spi === e.spii && s.responder_spi === e.spir)!;
        assert.equal(toHex(e.skEi), k.keys.sk_ei);
        assert.equal(toHex(e.skEr), k.keys.sk_er);
        assert.equal(toHex(e.skAi), k.keys.sk_ai ?? '');
        assert.equal(toHex(e.skAr), k.keys.sk_ar ?? '');
        assert.equal(e.integ?.ikev2Id === 0, e.encr.aead);
      }
      loaded++;
    }

    const f3 = join(dir, 'esp_sa');
    assert.ok(existsSync(f3));
    const t = loadEspSaTable(f3);
    assert.deepEqual(t.errors, []);
    const espChildren = c.child_sas.filter((s) => s.protocol === 'ESP' && s.encr !== 'CHACHA20_POLY1305');
    // Every ESP SA of the case (from the charon log, or the kernel SAD for Libreswan↔Libreswan) has a row.
    const wantSpis = espChildren.length > 0 || c.child_sas.length > 0 ? espChildren.map((s) => s.spi) : c.esp_spis;
    assert.deepEqual(t.entries.map((e) => e.spi).sort(), [...wantSpis].sort());
    for (const e of t.entries) {
      assert.equal(e.spiValue, parseInt(e.spi, 16));
      assert.equal(e.family, 'IPv4');
      const sa = (keys.child_sas ?? []).flatMap((ch) => ch.sas).find((s) => s.spi === e.spi);
      const x = (keys.kernel_xfrm_sas ?? []).find((s) => s.spi === e.spi);
      const encrKey = sa ? sa.encr_key : x?.enc_key;
      const authKey = sa ? sa.integ_key : x?.auth_key;
      assert.equal(toHex(e.encrKey), encrKey ?? '');
      assert.equal(toHex(e.authKey), authKey ?? '');
      if (e.src !== '*') assert.equal(e.src, sa?.src ?? x?.src);
      if (e.dst !== '*') assert.equal(e.dst, sa?.dst ?? x?.dst);
    }
    loaded++;
    assert.ok(loaded >= 1);
  });
}

test('splitUatLine: quoted fields with escapes, bare fields, empty fields', () => {
  assert.deepEqual(splitUatLine('a,"b c",,"d\\x2c\\"e\\\\"'), ['a', 'b c', '', 'd,"e\\']);
  assert.deepEqual(splitUatLine(' 01 , "x" '), ['01', 'x']);
  assert.throws(() => splitUatLine('"abc'), /unterminated/);
  assert.throws(() => splitUatLine('"abc"def,1'), /after the closing quote/);
});

const SECRET = 'deadbeefcafebabe0011223344556677';

test('ikev1_decryption_table: each malformed line is reported with file and line; the rest load; no secret in messages', () => {
  const text = [
    '# comment',
    `754eeeae6076e834,${SECRET}`,
    `754eeeae6076e8,${SECRET}`, // short cookie
    `754eeeae6076e834,${SECRET}0`, // odd hex
    `754eeeae6076e834,${SECRET},extra`,
    '',
    `35670abddd339ed5,${SECRET.toUpperCase()}`,
    `35670abddd339ed5,zz${SECRET}`,
  ].join('\n');
  const t = parseIkev1DecryptionTable(text, 'prof/ikev1_decryption_table');
  assert.deepEqual(t.entries.map((e) => [e.line, e.icookie, toHex(e.ka)]), [[2, '754eeeae6076e834', SECRET], [7, '35670abddd339ed5', SECRET]]);
  assert.deepEqual(t.errors.map((e) => [e.file, e.line]), [['prof/ikev1_decryption_table', 3], ['prof/ikev1_decryption_table', 4], ['prof/ikev1_decryption_table', 5], ['prof/ikev1_decryption_table', 8]]);
  for (const e of t.errors) assert.ok(!e.message.toLowerCase().includes(SECRET.slice(0, 12)), e.message);
});

test('ikev2_decryption_table: lengths checked against the algorithms, AEAD needs NONE, ANY-n accepted; no secret in messages', () => {
  const k16 = SECRET;
  const k20 = SECRET + '01020304';
  const k32 = SECRET + SECRET;
  const lines = [
    `1bcf88c32abc3ad2,28f34587740eeec0,${k16},${k16},"AES-CBC-128 [RFC3602]",${k32},${k32},"HMAC_SHA2_256_128 [RFC4868]"`, // 1 ok
    `1bcf88c32abc3ad2,28f34587740eeec0,${k16},${k16},"AES-CBC-256 [RFC3602]",${k32},${k32},"HMAC_SHA2_256_128 [RFC4868]"`, // 2 key too short
    `1bcf88c32abc3ad2,28f34587740eeec0,${k20},${k20},"AES-GCM-128 with 16 octet ICV [RFC5282]",,,"NONE [RFC4306]"`, // 3 ok
    `1bcf88c32abc3ad2,28f34587740eeec0,${k20},${k20},"AES-GCM-128 with 16 octet ICV [RFC5282]",${k32},${k32},"HMAC_SHA2_256_128 [RFC4868]"`, // 4 AEAD + integ
    `1bcf88c32abc3ad2,28f34587740eeec0,${k16},${k16},"${k16}",${k32},${k32},"HMAC_SHA2_256_128 [RFC4868]"`, // 5 key in the label column
    `1bcf88c32abc3ad2,28f34587740eeec0,${k16},${k16},"AES-CBC-128 [RFC3602]",${k16},${k16},"ANY 96-bits of Authentication [No Checking]"`, // 6 ok
    `1bcf88c32abc3ad2,28f34587740eeec0,${k16},${k16},"AES-CBC-128 [RFC3602]",${k16},${k16}`, // 7 seven fields
  ];
  const t = parseIkev2DecryptionTable(lines.join('\r\n'), 'f2');
  assert.deepEqual(t.entries.map((e) => e.line), [1, 3, 6]);
  assert.equal(t.entries[1]!.encr.name, 'ENCR_AES_GCM_16_128');
  assert.equal(t.entries[2]!.integ, undefined);
  assert.equal(t.entries[2]!.noCheckIcvLen, 12);
  assert.deepEqual(t.errors.map((e) => e.line), [2, 4, 5, 7]);
  for (const e of t.errors) {
    assert.equal(e.file, 'f2');
    assert.ok(!e.message.toLowerCase().includes(SECRET.slice(0, 12)), e.message);
  }
});

test('esp_sa: wildcards, ASCII keys, key length picks the AES row; malformed lines reported; no secret in messages', () => {
  const lines = [
    `"IPv4","*","*","0x9dc66d95","AES-CBC [RFC3602]","0x${SECRET}","HMAC-SHA-1-96 [RFC2404]","0x${SECRET}01020304"`, // 1
    `"IPv4","10.1.*.*","10.2.0.0/16","0x1234****","AES-CBC [RFC3602]","0x${SECRET}${SECRET}","NULL",""`, // 2
    `"IPv6","2001:db8::1","*","*","AES-GCM with 16 octet ICV [RFC4106]","0x${SECRET}01020304","NULL",""`, // 3
    `"IPv4","10.0.0.1","10.0.0.2","4660","NULL","","ANY 96 bit authentication [no checking]",""`, // 4 decimal SPI
    `"IPv4","10.0.0.1","10.0.0.2","0x1","TripleDES-CBC [RFC2451]","abcdefghijklmnopqrstuvwx","HMAC-MD5-96 [RFC2403]","0x${SECRET}"`, // 5 ASCII key
    `"IPv4","10.0.0.1","10.0.0.2","0x1","AES-CBC [RFC3602]","0x${SECRET}01","HMAC-MD5-96 [RFC2403]","0x${SECRET}"`, // 6 17-byte AES key
    `"IPv5","10.0.0.1","10.0.0.2","0x1","NULL","","NULL",""`, // 7
    `"IPv4","10.0.0.1","10.0.0.2","0xZZ","NULL","","NULL",""`, // 8
    `"IPv4","10.0.0.1","10.0.0.2","0x1","AES-CBC [RFC3602]","0x${SECRET}","HMAC-SHA-1-96 [RFC2404]","0x${SECRET}"`, // 9 short auth key
    `"IPv4","host","10.0.0.2","0x1","NULL","","NULL",""`, // 10
    `"IPv4","10.0.0.1","10.0.0.2","0x1","NULL","","NULL"`, // 11
  ];
  const t = parseEspSaTable(lines.join('\n'), 'esp_sa');
  assert.deepEqual(t.entries.map((e) => e.line), [1, 2, 3, 4, 5]);
  const [a, b, c, d, e] = t.entries as [typeof t.entries[0], typeof t.entries[0], typeof t.entries[0], typeof t.entries[0], typeof t.entries[0]];
  assert.deepEqual([a.src, a.dst, a.spi, a.spiValue, a.encr.keyBits, a.auth?.name], ['*', '*', '9dc66d95', 0x9dc66d95, 128, 'HMAC_SHA1_96']);
  assert.deepEqual([b.spi, b.spiValue, b.encr.keyBits, b.auth?.ikev2Id, b.authKey.length], ['1234****', undefined, 256, 0, 0]);
  assert.deepEqual([c.family, c.spi, c.encr.name, c.encrKey.length], ['IPv6', '*', 'ENCR_AES_GCM_16_128', 20]);
  assert.deepEqual([d.spi, d.spiValue, d.encr.name, d.auth, d.noCheckIcvLen], ['00001234', 0x1234, 'ENCR_NULL', undefined, 12]);
  assert.deepEqual([e.encr.name, Buffer.from(e.encrKey).toString('latin1')], ['ENCR_3DES', 'abcdefghijklmnopqrstuvwx']);
  assert.deepEqual(t.errors.map((x) => x.line), [6, 7, 8, 9, 10, 11]);
  for (const x of t.errors) assert.ok(!x.message.toLowerCase().includes(SECRET.slice(0, 12)), x.message);
});
