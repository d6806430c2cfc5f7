/**
 * src/decrypt/keys/*: every key-file format on the fixtures (known answers from keys.json,
 * xfrm_sas.json and CASES.json), detection by content, malformed lines (one issue each, with file
 * and line; the rest loads) and no secret value in any issue message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectKeyFormat, loadKeyFile, loadPskFile, parseKeyText, parsePskArg, parsePskText } from '../src/decrypt/keys/index.js';
import { parseStrongswanLog, parseStrongswanProposal } from '../src/decrypt/keys/strongswan.js';
import { parseXfrmState } from '../src/decrypt/keys/xfrm.js';
import { parseTcpdumpSecrets } from '../src/decrypt/keys/tcpdump.js';
import { parseKeyring } from '../src/decrypt/keys/keyring.js';
import { parseEspSaTable, parseIkev1DecryptionTable, parseIkev2DecryptionTable } from '../src/decrypt/keys/wireshark.js';
import type { KeyFileIssue, KeyMaterial } from '../src/decrypt/types.js';
import { GENERATED } from './helpers.js';

const hx = (b: Uint8Array | undefined): string | undefined => (b ? Buffer.from(b).toString('hex') : undefined);

interface IkeSaJson {
  uniqueid: number;
  ike_version: number;
  initiator_spi: string;
  responder_spi: string;
  encr_alg: string;
  encr_keysize: number | null;
  integ_alg: string | null;
  prf_alg: string;
  dh_group: string;
  keys: Record<string, string>;
}
interface ChildJson {
  protocol: string;
  encr_alg: string | null;
  encr_keysize: number | null;
  integ_alg: string | null;
  sas: { spi: string; src: string; dst: string; encr_key: string | null; integ_key: string | null }[];
}
interface KeysJson {
  source?: string;
  psks_seen_in_log?: string[];
  ike_sas?: IkeSaJson[];
  child_sas?: ChildJson[];
}
interface XfrmJson {
  src: string;
  dst: string;
  file: string;
  proto: string;
  spi: string;
  enc_key?: string;
  auth_key?: string;
  aead_key?: string;
  seen_by: string[];
}
interface CaseFacts {
  case: string;
  psk?: string;
}

const CASES: CaseFacts[] = JSON.parse(readFileSync(join(GENERATED, 'CASES.json'), 'utf8')).cases;
const keysJson = (c: string): KeysJson => JSON.parse(readFileSync(join(GENERATED, c, 'keys', 'keys.json'), 'utf8'));
const logsOf = (c: string): string[] => (existsSync(join(GENERATED, c, 'logs')) ? readdirSync(join(GENERATED, c, 'logs')) : []);
const read = (...p: string[]): string => readFileSync(join(GENERATED, ...p), 'utf8');

/** Every secret value of the fixtures, to check that no issue message contains one. */
const SECRETS = new Set<string>();
for (const c of CASES) {
  if (c.psk) SECRETS.add(c.psk);
  const k = keysJson(c.case);
  for (const s of k.ike_sas ?? []) for (const v of Object.values(s.keys)) SECRETS.add(v);
  for (const ch of k.child_sas ?? []) for (const sa of ch.sas) for (const v of [sa.encr_key, sa.integ_key]) if (v) SECRETS.add(v);
}
const ALL_ISSUES: KeyFileIssue[] = [];
function collect(km: KeyMaterial): KeyMaterial {
  ALL_ISSUES.push(...km.issues);
  return km;
}

// ---------------------------------------------------------------------------------------------
// Detection

function expectedFormat(name: string, text: string): string {
  const meaningful = text.split(/\r?\n/).some((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (name === 'esp_sa') return meaningful ? 'wireshark-esp' : 'unknown';
  if (name === 'ikev1_decryption_table') return meaningful ? 'wireshark-ikev1' : 'unknown';
  if (name === 'ikev2_decryption_table') return meaningful ? 'wireshark-ikev2' : 'unknown';
  if (name.endsWith('-charon.log')) return 'strongswan-log';
  if (name.endsWith('-pluto.log')) return 'libreswan-log';
  if (name.includes('xfrm-state')) return meaningful ? 'xfrm' : 'unknown';
  if (/\.json$|monitor\.txt$|actions\.log$|uml-console\.log$|psk\.txt$|psk-crack|xfrm-policy/.test(name)) return 'unknown';
  return '?';
}

test('detection: every fixture key/log file gets the format its content has (names are not used)', () => {
  let checked = 0;
  for (const c of CASES) {
    for (const sub of ['keys', 'logs']) {
      const dir = join(GENERATED, c.case, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8');
        const want = expectedFormat(f, text);
        if (want === '?') continue; // guest.log, pluto-status: whack output, either answer is fine
        assert.equal(detectKeyFormat(text), want, `${c.case}/${sub}/${f}`);
        const km = collect(loadKeyFile(join(dir, f)));
        assert.equal(km.files.length, 1);
        assert.equal(km.files[0]!.format, want, `${c.case}/${sub}/${f}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 500, `checked ${checked} files`);
});

test('detection ignores the file name: a Wireshark table under a misleading name still loads as one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'espy-keys-'));
  const p = join(dir, 'ikev1_decryption_table');
  writeFileSync(p, read('sw-ikev2-psk-aes128gcm', 'keys', 'esp_sa'));
  const km = collect(loadKeyFile(p));
  assert.equal(km.files[0]!.format, 'wireshark-esp');
  assert.equal(km.child.length, 2);
  const charon = join(dir, 'esp_sa');
  writeFileSync(charon, read('sw-ikev1-main-psk', 'logs', 'initiator-charon.log'));
  assert.equal(collect(loadKeyFile(charon)).files[0]!.format, 'strongswan-log');
});

test('unrecognised, empty and policy files: one issue or none, never an exception', () => {
  const km = collect(parseKeyText('hello world\nthis is not a key file\n', 'notes.txt'));
  assert.equal(km.files[0]!.format, 'unknown');
  assert.deepEqual(
    km.issues.map((i) => [i.file, i.line]),
    [['notes.txt', 1]],
  );
  assert.equal(collect(parseKeyText('', 'empty')).issues.length, 0);
  assert.equal(collect(parseKeyText('# only a comment\n', 'c')).issues.length, 0);
  const pol = collect(parseKeyText(read('uml-sw-ikev2-esp-tunnel', 'logs', 'initiator-xfrm-policy-end.txt'), 'pol'));
  assert.equal(pol.issues.length, 1);
  assert.match(pol.issues[0]!.message, /xfrm policy/);
});

// ---------------------------------------------------------------------------------------------
// Wireshark tables through loadKeyFile: the same entries as the table parsers, converted.

for (const c of CASES) {
  test(`${c.case}: Wireshark tables via loadKeyFile convert every row`, () => {
    const dir = join(GENERATED, c.case, 'keys');
    const k = keysJson(c.case);
    if (existsSync(join(dir, 'esp_sa'))) {
      const km = collect(loadKeyFile(join(dir, 'esp_sa')));
      const t = parseEspSaTable(read(c.case, 'keys', 'esp_sa'));
      assert.equal(km.child.length, t.entries.length);
      assert.equal(km.issues.length, 0);
      t.entries.forEach((e, i) => {
        const m = km.child[i]!;
        assert.equal(m.spi, e.spiValue);
        assert.equal(m.origin.kind, 'wireshark-esp');
        assert.equal(m.origin.line, e.line);
        assert.equal(hx(m.encrKey), hx(e.encrKey));
        assert.equal(m.encr, e.encr);
        // And the keys agree with the charon log's (keys.json), when the SPI is there.
        for (const ch of k.child_sas ?? []) {
          const sa = ch.sas.find((s) => parseInt(s.spi, 16) === m.spi);
          if (sa) assert.equal(hx(m.encrKey), sa.encr_key ?? '');
        }
      });
    }
    if (existsSync(join(dir, 'ikev2_decryption_table'))) {
      const km = collect(loadKeyFile(join(dir, 'ikev2_decryption_table')));
      const t = parseIkev2DecryptionTable(read(c.case, 'keys', 'ikev2_decryption_table'));
      assert.equal(km.ikev2.length, t.entries.length);
      for (const e of km.ikev2) {
        const s = (k.ike_sas ?? []).find((x) => x.initiator_spi === e.spiI);
        assert.ok(s, `SPI ${e.spiI} in keys.json`);
        assert.equal(e.spiR, s.responder_spi);
        assert.equal(hx(e.skEi), s.keys.sk_ei);
        assert.equal(hx(e.skEr), s.keys.sk_er);
        assert.equal(hx(e.skAi), s.keys.sk_ai);
        assert.equal(e.origin.kind, 'wireshark-ikev2');
      }
    }
    if (existsSync(join(dir, 'ikev1_decryption_table'))) {
      const km = collect(loadKeyFile(join(dir, 'ikev1_decryption_table')));
      const t = parseIkev1DecryptionTable(read(c.case, 'keys', 'ikev1_decryption_table'));
      assert.equal(km.ikev1.length, t.entries.length);
      for (const e of km.ikev1) {
        const s = (k.ike_sas ?? []).find((x) => x.initiator_spi === e.icookie);
        assert.ok(s);
        assert.equal(hx(e.ka), s.keys.ka);
        assert.equal(e.rcookie, undefined, 'an ikev1 table row gives icookie and Ka only');
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------
// strongSwan charon logs against keys.json (which was generated from the same logs)

function checkAgainstKeysJson(label: string, km: KeyMaterial, k: KeysJson, opts: { addresses: boolean; kind?: string }): void {
  for (const s of k.ike_sas ?? []) {
    if (s.ike_version === 2) {
      const e = km.ikev2.find((x) => x.spiI === s.initiator_spi && x.spiR === s.responder_spi);
      if (s.uniqueid > 1) {
        // A rekeyed IKE SA: its new SPIs are not in the log; its DH secret must be kept without SPIs.
        assert.equal(e, undefined);
        const d = km.dh.find((x) => hx(x.sharedSecret) === s.keys.dh_secret);
        assert.ok(d, `${label}: DH secret of the rekeyed IKE SA kept`);
        continue;
      }
      assert.ok(e, `${label}: IKE SA ${s.initiator_spi}`);
      const pairs: [string, Uint8Array | undefined][] = [
        ['sk_d', e.skD],
        ['sk_ai', e.skAi],
        ['sk_ar', e.skAr],
        ['sk_ei', e.skEi],
        ['sk_er', e.skEr],
        ['sk_pi', e.skPi],
        ['sk_pr', e.skPr],
      ];
      for (const [name, v] of pairs) assert.equal(hx(v), s.keys[name], `${label}: ${name}`);
      assert.equal(e.encr?.strongswan, s.encr_alg);
      assert.equal(e.encr?.keyBits ?? null, s.encr_keysize);
      assert.equal(e.integ?.ikev2Id === 0 ? null : e.integ?.strongswan, s.integ_alg);
      assert.equal(e.prf?.strongswan, s.prf_alg);
      assert.equal(e.origin.kind, opts.kind ?? 'strongswan-log');
      assert.ok(e.origin.line! > 0);
    } else {
      const e = km.ikev1.find((x) => x.icookie === s.initiator_spi && x.rcookie === s.responder_spi);
      assert.ok(e, `${label}: ISAKMP SA ${s.initiator_spi}`);
      const pairs: [string, Uint8Array | undefined][] = [
        ['skeyid', e.skeyid],
        ['skeyid_d', e.skeyidD],
        ['skeyid_a', e.skeyidA],
        ['skeyid_e', e.skeyidE],
        ['ka', e.ka],
        ['initial_iv', e.iv],
      ];
      for (const [name, v] of pairs) assert.equal(hx(v), s.keys[name], `${label}: ${name}`);
      assert.equal(e.encr?.strongswan, s.encr_alg);
      assert.equal(e.prf?.strongswan, s.prf_alg);
    }
    const d = km.dh.find((x) => hx(x.sharedSecret) === s.keys.dh_secret);
    assert.ok(d, `${label}: DH secret`);
    if (s.uniqueid === 1) {
      assert.equal(d.spiI, s.initiator_spi);
      assert.equal(d.spiR, s.responder_spi);
    }
  }
  let n = 0;
  for (const ch of k.child_sas ?? []) {
    for (const sa of ch.sas) {
      const e = km.child.find((x) => x.spi === parseInt(sa.spi, 16));
      assert.ok(e, `${label}: CHILD SA ${sa.spi}`);
      n++;
      assert.equal(e.protocol, ch.protocol.toLowerCase());
      assert.equal(hx(e.encrKey), sa.encr_key ?? undefined, `${label}: ${sa.spi} encryption key`);
      assert.equal(hx(e.integKey), sa.integ_key ?? undefined, `${label}: ${sa.spi} integrity key`);
      assert.equal(e.encr?.strongswan ?? null, ch.encr_alg);
      if (ch.encr_keysize !== null) assert.equal(e.encr?.keyBits, ch.encr_keysize);
      assert.equal(e.integ?.ikev2Id === 0 ? null : e.integ?.strongswan, ch.integ_alg);
      if (opts.addresses) {
        assert.equal(e.src, sa.src);
        assert.equal(e.dst, sa.dst);
      }
    }
  }
  assert.equal(km.child.length, n, `${label}: no CHILD SA beyond keys.json's`);
}

for (const c of CASES) {
  const k = keysJson(c.case);
  if (!k.source) continue;
  const role = /of the (initiator|responder)/.exec(k.source)![1]!;
  test(`${c.case}: the ${role}'s charon log gives exactly keys.json (IKE SA keys, DH, CHILD SAs, PSKs)`, () => {
    const name = `${role}-charon.log`;
    const km = collect(loadKeyFile(join(GENERATED, c.case, 'logs', name)));
    assert.equal(km.files[0]!.format, 'strongswan-log');
    checkAgainstKeysJson(name, km, k, { addresses: true });
    assert.deepEqual(km.psks.map((p) => Buffer.from(p.psk).toString('utf8')).sort(), [...(k.psks_seen_in_log ?? [])].sort());
    const rekeyed = (k.ike_sas ?? []).filter((s) => s.uniqueid > 1).length;
    assert.equal(km.issues.length, rekeyed, 'only the rekeyed IKE SA is reported');
    for (const i of km.issues) {
      assert.equal(i.file, join(GENERATED, c.case, 'logs', name));
      assert.match(i.message, /SPIs are not in the log/);
    }
  });
  const other = role === 'initiator' ? 'responder' : 'initiator';
  if (logsOf(c.case).includes(`${other}-charon.log`)) {
    test(`${c.case}: the ${other}'s charon log gives the same keys (its own view of the addresses)`, () => {
      const km = collect(parseStrongswanLog(read(c.case, 'logs', `${other}-charon.log`), `${other}-charon.log`));
      checkAgainstKeysJson(`${other}-charon.log`, km, k, { addresses: false });
    });
  }
}

test('strongSwan: two daemon runs in one log (unique ids restart at 1) keep their IKE SAs apart', () => {
  const a = 'sw-ikev2-psk-aes128gcm';
  const b = 'sw-ikev1-main-psk';
  const text = read(a, 'logs', 'initiator-charon.log') + '\n' + read(b, 'logs', 'initiator-charon.log');
  const km = collect(parseStrongswanLog(text, 'both.log'));
  assert.deepEqual(km.issues, []);
  const ka = keysJson(a);
  const kb = keysJson(b);
  checkAgainstKeysJson('both.log', km, { ike_sas: [...ka.ike_sas!, ...kb.ike_sas!], child_sas: [...ka.child_sas!, ...kb.child_sas!] }, { addresses: true });
});

test('strongSwan proposal strings map to algorithm rows', () => {
  const p = parseStrongswanProposal('IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_256')!;
  assert.equal(p.encr?.name, 'ENCR_AES_GCM_16_256');
  assert.equal(p.prf?.name, 'PRF_HMAC_SHA2_384');
  assert.equal(p.dhGroup, 19);
  const e = parseStrongswanProposal('ESP:AES_CBC_128/HMAC_SHA2_256_128/MODP_2048/EXT_SEQ')!;
  assert.equal(e.integ?.name, 'HMAC_SHA2_256_128');
  assert.equal(e.dhGroup, 14);
  assert.equal(e.esn, true);
  assert.equal(parseStrongswanProposal('ESP:CHACHA20_POLY1305/NO_EXT_SEQ')!.encr?.name, 'ENCR_CHACHA20_POLY1305');
  assert.equal(parseStrongswanProposal('not a proposal'), undefined);
});

test('strongSwan: a truncated hexdump is one issue, the rest of the log loads', () => {
  const lines = read('sw-ikev2-psk-aes128gcm', 'logs', 'initiator-charon.log').split('\n');
  const at = lines.findIndex((l) => l.includes('Sk_ai secret =>'));
  // Drop the dump rows of SK_ai: the label stays, its bytes are gone.
  const cut = [...lines.slice(0, at + 1), ...lines.slice(at + 3)];
  const km = collect(parseStrongswanLog(cut.join('\n'), 'cut.log'));
  assert.equal(km.issues.length, 1);
  assert.equal(km.issues[0]!.line, at + 1);
  assert.match(km.issues[0]!.message, /Sk_ai secret: hexdump incomplete/);
  assert.equal(km.ikev2.length, 1);
  assert.equal(km.ikev2[0]!.skAi, undefined);
  assert.equal(km.child.length, 2);
});

// ---------------------------------------------------------------------------------------------
// ip xfrm state

for (const c of CASES) {
  const files = logsOf(c.case).filter((f) => f.includes('xfrm-state'));
  if (!files.length) continue;
  test(`${c.case}: every ip xfrm state dump parses cleanly and agrees with xfrm_sas.json`, () => {
    const parsed = new Map<string, KeyMaterial>();
    for (const f of files) {
      const text = read(c.case, 'logs', f);
      const km = collect(parseXfrmState(text, f));
      assert.equal(km.issues.length, 0, `${f}: ${JSON.stringify(km.issues)}`);
      // One entry per block that has algorithms (blocks without are SPI reservations).
      const blocks = text.split(/^src /m).slice(1);
      const withKeys = blocks.filter((bl) => /^\s+(enc|aead|auth|auth-trunc) /m.test(bl)).length;
      assert.equal(km.child.length, withKeys, f);
      parsed.set(f, km);
    }
    const xs = JSON.parse(read(c.case, 'keys', 'xfrm_sas.json')) as XfrmJson[];
    for (const s of xs) {
      for (const role of s.seen_by) {
        let found = 0;
        for (const [f, km] of parsed) {
          if (!f.startsWith(`${role}-`)) continue;
          for (const e of km.child.filter((x) => x.spi === parseInt(s.spi, 16) && x.dst === s.dst)) {
            found++;
            assert.equal(e.protocol, s.proto);
            assert.equal(e.src, s.src);
            assert.equal(hx(e.encrKey), s.enc_key ?? s.aead_key);
            assert.equal(hx(e.integKey), s.auth_key);
            assert.equal(e.origin.kind, 'xfrm');
          }
        }
        assert.ok(found > 0, `${role} sees ${s.spi}`);
      }
    }
    // The kernel's keys are the ones charon logged (keys.json), with the AEAD salt at the tail.
    for (const ch of keysJson(c.case).child_sas ?? []) {
      for (const sa of ch.sas) {
        const s = xs.find((x) => x.spi === sa.spi);
        if (s) assert.equal(s.enc_key ?? s.aead_key ?? null, sa.encr_key ?? null);
      }
    }
  });
}

test('xfrm: the output without -s, ESN, AEAD rows, and a bad block among good ones', () => {
  const text = [
    'src 192.0.2.1 dst 192.0.2.2',
    '\tproto esp spi 0x00001000 reqid 1 mode tunnel',
    '\treplay-window 0 flag af-unspec esn',
    '\taead rfc4106(gcm(aes)) 0x000102030405060708090a0b0c0d0e0f10111213 64',
    '\tanti-replay esn context:',
    '\t seq-hi 0x0, seq 0x0, oseq-hi 0x0, oseq 0x0',
    '\t replay_window 128, bitmap-length 4',
    'src 192.0.2.2 dst 192.0.2.1',
    '\tproto esp spi 0x00001001 reqid 1 mode tunnel',
    '\treplay-window 32 flag af-unspec',
    '\tenc cbc(aes) 0xdeadbeefdeadbeef',
    'src 2001:db8::2 dst 2001:DB8:0:0::1',
    '\tproto ah spi 4098 reqid 1 mode transport',
    '\treplay-window 32',
    '\tauth-trunc hmac(sha1) 0x000102030405060708090a0b0c0d0e0f10111213 96',
    'src 192.0.2.2 dst 192.0.2.1',
    '\tproto esp spi 0x00001003 reqid 1 mode tunnel',
    '\tenc rfc7539esp(chacha20,poly1305) 0x00',
    '\tauth-trunc hmac(sha256) 0x0001 128',
  ].join('\n');
  const km = collect(parseXfrmState(text, 'x.txt'));
  assert.equal(km.child.length, 2);
  const gcm = km.child[0]!;
  assert.equal(gcm.encr?.name, 'ENCR_AES_GCM_8_128');
  assert.equal(gcm.esn, true);
  assert.equal(gcm.replayWindow, 128);
  assert.equal(gcm.integ?.name, 'NONE');
  const ah = km.child[1]!;
  assert.equal(ah.protocol, 'ah');
  assert.equal(ah.spi, 4098);
  assert.equal(ah.dst, '2001:db8::1');
  assert.equal(ah.integ?.name, 'HMAC_SHA1_96');
  // The 8-byte AES key (line 11) and the "enc" with an AEAD-only cipher (line 18): one issue each, lines named.
  assert.deepEqual(
    km.issues.map((i) => i.line),
    [11, 18],
  );
  for (const i of km.issues) assert.ok(!i.message.includes('deadbeef'));
});

// ---------------------------------------------------------------------------------------------
// Libreswan pluto logs

for (const c of CASES) {
  const plutos = logsOf(c.case).filter((f) => f.endsWith('-pluto.log'));
  if (!plutos.length) continue;
  test(`${c.case}: pluto logs give the PSK, the ESP SAs (= kernel SAD) and the IKEv2 SA keys`, () => {
    const xs = JSON.parse(read(c.case, 'keys', 'xfrm_sas.json')) as XfrmJson[];
    const k = keysJson(c.case);
    const v2: string[] = [];
    for (const f of plutos) {
      const km = collect(loadKeyFile(join(GENERATED, c.case, 'logs', f)));
      assert.equal(km.files[0]!.format, 'libreswan-log');
      assert.equal(km.issues.length, 0, JSON.stringify(km.issues));
      assert.deepEqual(
        km.psks.map((p) => Buffer.from(p.psk).toString('utf8')),
        [c.psk],
      );
      assert.ok(km.child.length >= 2);
      for (const e of km.child) {
        const s = xs.find((x) => parseInt(x.spi, 16) === e.spi);
        assert.ok(s, `${f}: SA ${(e.spi as number).toString(16)} in the kernel SAD`);
        assert.equal(e.src, s.src);
        assert.equal(e.dst, s.dst);
        assert.equal(hx(e.encrKey), s.enc_key ?? s.aead_key);
        assert.equal(hx(e.integKey), s.auth_key);
      }
      for (const e of km.ikev2) {
        v2.push(`${e.spiI}/${e.spiR}/${hx(e.skEi)}/${hx(e.skEr)}/${hx(e.skAi)}/${hx(e.skAr)}/${hx(e.skPi)}/${hx(e.skPr)}`);
        const s = (k.ike_sas ?? []).find((x) => x.initiator_spi === e.spiI);
        if (!s) continue; // Libreswan on both ends: no charon log to compare with
        assert.equal(e.spiR, s.responder_spi);
        assert.equal(hx(e.skEi), s.keys.sk_ei, 'SK_ei (AEAD: key + salt from the "initiator salt" dump)');
        assert.equal(hx(e.skEr), s.keys.sk_er);
        assert.equal(hx(e.skAi), s.keys.sk_ai);
        assert.equal(hx(e.skAr), s.keys.sk_ar);
        assert.equal(hx(e.skPi), s.keys.sk_pi);
        assert.equal(hx(e.skPr), s.keys.sk_pr);
      }
    }
    // Both ends of a Libreswan pair print the same IKEv2 keys.
    if (plutos.length === 2 && v2.length) assert.equal(new Set(v2).size, v2.length / 2);
  });
}

test('Libreswan: a pluto log without private debugging says "no keys in this log"', () => {
  const plain = ['Nov 30 00:03:53.641553: loading secrets from "/etc/ipsec.secrets"', 'Nov 30 00:03:55.1: "gcap" #1: initiating IKEv2 connection', 'Nov 30 00:03:55.2: | debug line one', '| two', '| three'].join('\n');
  const km = collect(parseKeyText(plain, 'pluto.log'));
  assert.equal(km.files[0]!.format, 'libreswan-log');
  assert.equal(km.issues.length, 1);
  assert.equal(km.issues[0]!.line, 1);
  assert.match(km.issues[0]!.message, /no keys in this log/);
});

// ---------------------------------------------------------------------------------------------
// tcpdump -E

test('tcpdump -E: ESP lines built from the fixtures esp_sa tables give the same keys', () => {
  let lines = 0;
  const want: { spi: number; dst: string; key: string }[] = [];
  const out: string[] = ['# built from esp_sa'];
  for (const c of CASES) {
    const t = parseEspSaTable(read(c.case, 'keys', 'esp_sa'));
    const k = keysJson(c.case);
    for (const e of t.entries) {
      if (e.encr.mode !== 'cbc' || e.encr.cipher !== 'aes' || !e.auth || e.auth.icvLen !== 12) continue;
      const sa = (k.child_sas ?? []).flatMap((ch) => ch.sas).find((s) => parseInt(s.spi, 16) === e.spiValue);
      if (!sa) continue;
      out.push(`0x${e.spi}@${sa.dst} aes${e.encr.keyBits}-cbc-hmac96:0x${hx(e.encrKey)}`);
      want.push({ spi: e.spiValue!, dst: sa.dst, key: hx(e.encrKey)! });
      lines++;
    }
  }
  assert.ok(lines >= 6);
  const text = out.join('\n');
  assert.equal(detectKeyFormat(text), 'tcpdump');
  const km = collect(parseTcpdumpSecrets(text, 'espsecrets'));
  assert.equal(km.issues.length, 0);
  assert.equal(km.child.length, want.length);
  km.child.forEach((e, i) => {
    assert.equal(e.spi, want[i]!.spi);
    assert.equal(e.dst, want[i]!.dst);
    assert.equal(hx(e.encrKey), want[i]!.key);
    assert.equal(e.noCheckIcvLen, 12);
    assert.equal(e.origin.line, i + 2);
  });
});

test('tcpdump -E: the ikev2 lines Libreswan prints load as tcpdump secrets and match keys.json', () => {
  const text = read('uml-lsw-sw-ikev2-psk', 'logs', 'initiator-pluto.log')
    .split('\n')
    .filter((l) => /\| ikev2 [IR] /.test(l))
    .map((l) => l.replace(/^.*\| /, ''))
    .join('\n');
  assert.equal(detectKeyFormat(text), 'tcpdump');
  const km = collect(parseTcpdumpSecrets(text, 'ike.txt'));
  assert.equal(km.issues.length, 0);
  assert.equal(km.ikev2.length, 1);
  const s = keysJson('uml-lsw-sw-ikev2-psk').ike_sas![0]!;
  const e = km.ikev2[0]!;
  assert.equal(e.spiI, s.initiator_spi);
  assert.equal(hx(e.skEi), s.keys.sk_ei);
  assert.equal(hx(e.skEr), s.keys.sk_er);
  assert.equal(hx(e.skAi), s.keys.sk_ai);
  assert.equal(hx(e.skAr), s.keys.sk_ar);
  assert.equal(e.encr?.name, 'ENCR_AES_CBC_256');
  assert.equal(e.integ?.name, 'HMAC_SHA2_256_128');
});

test('tcpdump -E: syntax variants and malformed lines', () => {
  const text = [
    '# comment',
    '0x1000@192.0.2.1 3des-cbc:0x000102030405060708090a0b0c0d0e0f1011121314151617',
    '4097@2001:db8::1 aes128-cbc:0123456789abcdef',
    'des-cbc:0x0001020304050607',
    '0x1002@192.0.2.1 cast128-cbc:0xdeadbeefdeadbeefdeadbeefdeadbeef',
    '0x1003@not-an-address aes128-cbc:0x00112233445566778899aabbccddeeff',
    'file /etc/esp.secrets',
    '0x1004@192.0.2.1 aes256-cbc-hmac96:0xdeadbeef',
    '0x1005@192.0.2.9 aes192-cbc:0x000102030405060708090a0b0c0d0e0f1011121314151617, 0x1006@192.0.2.9 aes128-cbc:0x000102030405060708090a0b0c0d0e0f',
  ].join('\n');
  const km = collect(parseTcpdumpSecrets(text, 'secrets'));
  assert.deepEqual(
    km.child.map((e) => [e.spi, e.dst ?? '*', e.encr!.name]),
    [
      [0x1000, '192.0.2.1', 'ENCR_3DES'],
      [4097, '2001:db8::1', 'ENCR_AES_CBC_128'],
      ['*', '*', 'ENCR_DES'],
      [0x1005, '192.0.2.9', 'ENCR_AES_CBC_192'],
      [0x1006, '192.0.2.9', 'ENCR_AES_CBC_128'],
    ],
  );
  assert.equal(Buffer.from(km.child[1]!.encrKey!).toString('latin1'), '0123456789abcdef', 'an ASCII secret is its bytes');
  assert.deepEqual(
    km.issues.map((i) => i.line),
    [5, 6, 7, 8],
  );
  for (const i of km.issues) assert.ok(!/deadbeef|00112233/.test(i.message), i.message);
});

// ---------------------------------------------------------------------------------------------
// espy keyring

function keyringFor(cases: string[]): { json: string; want: KeysJson[] } {
  const k = cases.map(keysJson);
  const ring = {
    espy_keyring: 1,
    psks: cases.map((c) => ({ psk: CASES.find((x) => x.case === c)!.psk })),
    dh: k.flatMap((x) => (x.ike_sas ?? []).map((s) => ({ group: s.dh_group, shared_secret: s.keys.dh_secret, spi_i: s.initiator_spi, spi_r: s.responder_spi }))),
    ikev1: k.flatMap((x) =>
      (x.ike_sas ?? [])
        .filter((s) => s.ike_version === 1)
        .map((s) => ({ icookie: s.initiator_spi, rcookie: s.responder_spi, ka: s.keys.ka, skeyid_e: s.keys.skeyid_e, iv: s.keys.initial_iv, encr: `${s.encr_alg}${s.encr_keysize ? `_${s.encr_keysize}` : ''}`, prf: s.prf_alg })),
    ),
    ikev2: k.flatMap((x) =>
      (x.ike_sas ?? [])
        .filter((s) => s.ike_version === 2)
        .map((s) => ({
          spi_i: s.initiator_spi,
          spi_r: `0x${s.responder_spi}`,
          encr: `${s.encr_alg}${s.encr_keysize ? `_${s.encr_keysize}` : ''}`,
          ...(s.integ_alg ? { integ: s.integ_alg } : {}),
          prf: s.prf_alg,
          ...Object.fromEntries(['sk_d', 'sk_ai', 'sk_ar', 'sk_ei', 'sk_er', 'sk_pi', 'sk_pr'].filter((n) => s.keys[n]).map((n) => [n, s.keys[n]])),
        })),
    ),
    sas: k.flatMap((x) =>
      (x.child_sas ?? []).flatMap((ch) =>
        ch.sas.map((sa) => ({
          protocol: ch.protocol.toLowerCase(),
          spi: `0x${sa.spi}`,
          src: sa.src,
          dst: sa.dst,
          ...(ch.encr_alg ? { encr: `${ch.encr_alg}${ch.encr_keysize && ch.encr_alg !== '3DES_CBC' ? `_${ch.encr_keysize}` : ''}`, encr_key: sa.encr_key } : {}),
          integ: ch.integ_alg ?? 'NONE',
          ...(sa.integ_key ? { integ_key: sa.integ_key } : {}),
          esn: false,
        })),
      ),
    ),
  };
  return { json: JSON.stringify(ring, null, 2), want: k };
}

test('keyring: a keyring written from keys.json of several cases loads back exactly', () => {
  const cases = ['sw-ikev1-main-psk', 'sw-ikev2-psk-aesgcm-ike', 'sw-ikev2-psk-chacha20', 'uml-sw-ikev2-ah-tunnel', 'sw-ikev2-psk-3des-modp1024'];
  const { json, want } = keyringFor(cases);
  assert.equal(detectKeyFormat(json), 'keyring');
  const km = collect(parseKeyText(json, 'ring.json'));
  assert.deepEqual(km.issues, []);
  assert.equal(km.psks.length, cases.length);
  const all: KeysJson = { ike_sas: want.flatMap((k) => stripIkev1(k).ike_sas!), child_sas: want.flatMap((k) => k.child_sas ?? []) };
  checkAgainstKeysJson('keyring', km, all, { addresses: true, kind: 'keyring' });
  assert.equal(km.dh.find((d) => d.spiI === 'b78c69bf1e3e46fd'), undefined);
  assert.equal(km.dh.find((d) => d.spiI === '11f7e08101149b56')!.group, 31);
  for (const e of [...km.psks, ...km.dh, ...km.ikev1, ...km.ikev2, ...km.child]) {
    assert.equal(e.origin.kind, 'keyring');
    assert.ok(e.origin.line! > 1);
  }
});

/** keys.json with the IKEv1 keys the test keyring does not carry removed. */
function stripIkev1(k: KeysJson): KeysJson {
  return {
    ...k,
    child_sas: k.child_sas ?? [],
    ike_sas: (k.ike_sas ?? []).map((s) => (s.ike_version === 1 ? { ...s, keys: { ...s.keys, skeyid: undefined, skeyid_d: undefined, skeyid_a: undefined } as unknown as Record<string, string> } : s)),
  };
}

test('keyring: each bad entry is one issue with its path and line; the other entries load', () => {
  const text = `{
  "espy_keyring": 1,
  "psks": [
    { "psk": "letmein" },
    { "psk": "x", "psk_hex": "00" },
    { "psk_hex": "zz-secretvalue" }
  ],
  "dh": [
    { "group": 14, "shared_secret": "00ff" },
    { "group": "CURVE_25519", "private": "${'11'.repeat(32)}" }
  ],
  "ikev2": [
    { "spi_i": "0011223344556677", "spi_r": "8899aabbccddeeff", "encr": "AES_CBC_128", "integ": "HMAC_SHA1_96",
      "sk_ei": "${'aa'.repeat(16)}", "sk_er": "${'bb'.repeat(16)}", "sk_ai": "${'cc'.repeat(20)}", "sk_ar": "${'dd'.repeat(19)}" }
  ],
  "sas": [
    { "spi": "0x1000", "dst": "192.0.2.1", "encr": "AES_GCM_16_128", "encr_key": "${'ee'.repeat(20)}" },
    { "spi": 4097, "encr": "AES_CBC", "encr_key": "${'ee'.repeat(24)}", "integ": "HMAC_SHA2_256_128", "integ_key": "${'ff'.repeat(32)}" },
    { "protocol": "ah", "spi": "0x1002", "integ": "HMAC_SHA1_96", "integ_key": "${'ab'.repeat(20)}", "colour": "blue" },
    { "protocol": "esp", "spi": "0x1003", "src": "10.0.0.300", "encr": "NULL", "integ": "HMAC_SHA1_96", "integ_key": "${'ab'.repeat(20)}" },
    { "protocol": "esp", "spi": "0x1004", "encr": "NULL", "integ": "HMAC_MD5_96", "integ_key": "${'ab'.repeat(16)}" }
  ],
  "extra": []
}`;
  const km = collect(parseKeyring(text, 'ring.json'));
  assert.deepEqual(
    km.issues.map((i) => [i.line, i.message.replace(/:.*/, '')]),
    [
      [5, 'psks[1]'],
      [6, 'psks[2].psk_hex'],
      [9, 'dh[0].shared_secret'],
      [13, 'ikev2[0].sk_ar'],
      [19, 'sas[2].colour'],
      [20, 'sas[3].src'],
      [23, 'extra'],
    ],
  );
  assert.equal(km.psks.length, 1);
  assert.equal(km.dh.length, 1);
  assert.equal(km.dh[0]!.group, 31);
  assert.equal(km.ikev2.length, 0);
  assert.deepEqual(
    km.child.map((e) => [e.spi, e.encr?.name, e.integ?.name]),
    [
      [0x1000, 'ENCR_AES_GCM_16_128', 'NONE'],
      [4097, 'ENCR_AES_CBC_192', 'HMAC_SHA2_256_128'],
      [0x1004, 'ENCR_NULL', 'HMAC_MD5_96'],
    ],
  );
  for (const i of km.issues) assert.ok(!/secretvalue|dddd|letmein/.test(i.message), i.message);
});

test('keyring: invalid JSON is one issue at the line of the error; a wrong version loads nothing', () => {
  const km = collect(parseKeyText('{\n  "espy_keyring": 1,\n  "psks": [ { "psk": "a" }\n  ]\n  "sas": []\n}\n', 'bad.json'));
  assert.equal(km.issues.length, 1);
  assert.equal(km.issues[0]!.line, 5);
  assert.match(km.issues[0]!.message, /not valid JSON/);
  const v2 = collect(parseKeyring('{"espy_keyring": 2, "psks": [{"psk": "a"}]}', 'v2.json'));
  assert.equal(v2.psks.length, 0);
  assert.equal(v2.issues.length, 1);
});

// ---------------------------------------------------------------------------------------------
// PSKs

test('--psk syntax: secret, hex, peer and ID selectors, literal escape', () => {
  const one = (s: string) => collect(parsePskArg(s)).psks[0]!;
  assert.equal(Buffer.from(one('letmein').psk).toString(), 'letmein');
  assert.equal(Buffer.from(one('0x6c65746d65696e').psk).toString(), 'letmein');
  const p = one('10.0.0.1=letmein');
  assert.equal(p.peer, '10.0.0.1');
  assert.equal(Buffer.from(p.psk).toString(), 'letmein');
  assert.equal(one('2001:DB8::1=x').peer, '2001:db8::1');
  const i = one('@user@vpn.example=0x00ff');
  assert.equal(i.id, 'user@vpn.example');
  assert.equal(hx(i.psk), '00ff');
  assert.equal(Buffer.from(one('a=b').psk).toString(), 'a=b', 'not a selector: the whole text is the secret');
  assert.equal(Buffer.from(one('=10.0.0.1=x').psk).toString(), '10.0.0.1=x');
  assert.equal(one('letmein').origin.kind, 'cli');
  assert.throws(() => parsePskArg(''), /empty/);
  assert.throws(() => parsePskArg('0xzz-supersecret'), (e: Error) => !e.message.includes('supersecret'));
});

test('PSK files: the fixtures psk.txt give CASES.json psk; ipsec.secrets lines; bad lines are issues', () => {
  for (const c of CASES) {
    const km = collect(loadPskFile(join(GENERATED, c.case, 'keys', 'psk.txt')));
    assert.deepEqual(km.issues, []);
    assert.deepEqual(
      km.psks.map((p) => Buffer.from(p.psk).toString()),
      [c.psk],
    );
  }
  const text = [
    '# ipsec.secrets',
    '10.0.0.1 @vpn.example : PSK "let me in"',
    ': PSK 0x0102',
    '%any : PSK \'single\'',
    '@gw : RSA gw.key',
    ': PSK "unterminated-secret',
    '@x=0xnothex',
    '192.0.2.7=plain',
    ': PSK 0sbGV0bWVpbg==',
  ].join('\n');
  assert.equal(detectKeyFormat(text), 'psk-list');
  const km = collect(parsePskText(text, 'ipsec.secrets'));
  assert.deepEqual(
    km.psks.map((p) => [p.peer ?? p.id ?? '*', Buffer.from(p.psk).toString('latin1')]),
    [
      ['10.0.0.1', 'let me in'],
      ['vpn.example', 'let me in'],
      ['*', '\x01\x02'],
      ['*', 'single'],
      ['192.0.2.7', 'plain'],
      ['*', 'letmein'],
    ],
  );
  assert.deepEqual(
    km.issues.map((i) => i.line),
    [6, 7],
  );
  for (const i of km.issues) assert.ok(!/unterminated-secret|nothex/.test(i.message));
  assert.equal(km.psks[0]!.origin.line, 2);
});

// ---------------------------------------------------------------------------------------------
// Malformed lines inside real files: one issue each (file + line), the rest loads.

test('malformed lines inserted into real key files: one issue per line, every real entry still loads', () => {
  const garbage = ['0xdeadbeefcafe this is garbage', '\tgarbage deadbeefcafe', 'garbage,deadbeefcafe'];
  const cases: [string, string, (km: KeyMaterial) => number][] = [
    ['sw-ikev2-psk-aes128gcm/keys/esp_sa', 'wireshark-esp', (km) => km.child.length],
    ['sw-ikev2-psk-aes128gcm/keys/ikev2_decryption_table', 'wireshark-ikev2', (km) => km.ikev2.length],
    ['sw-ikev1-main-psk/keys/ikev1_decryption_table', 'wireshark-ikev1', (km) => km.ikev1.length],
  ];
  for (const [rel, format, count] of cases) {
    const text = read(rel);
    const clean = collect(parseKeyText(text, rel));
    const lines = text.split('\n');
    const at = lines.length - 1;
    const own = format === 'wireshark-esp' ? '"IPv4","*","*","0xZZ","NULL","0xdeadbeefcafe","NULL",""' : 'garbage,"deadbeefcafe';
    const bad = [...lines.slice(0, at), own, 'deadbeefcafe', ...lines.slice(at)];
    const km = collect(parseKeyText(bad.join('\n'), rel));
    assert.equal(km.files[0]!.format, format, rel);
    assert.equal(count(km), count(clean), rel);
    assert.deepEqual(
      km.issues.map((i) => [i.file, i.line]),
      [
        [rel, at + 1],
        [rel, at + 2],
      ],
      rel,
    );
  }
  // tcpdump and PSK lists: garbage lines in the middle.
  const secrets = ['0x1000@192.0.2.1 aes128-cbc:0x000102030405060708090a0b0c0d0e0f', garbage[0]!, '0x1001@192.0.2.1 3des-cbc:0x000102030405060708090a0b0c0d0e0f1011121314151617'].join('\n');
  const t = collect(parseKeyText(secrets, 's'));
  assert.equal(t.child.length, 2);
  assert.deepEqual(
    t.issues.map((i) => i.line),
    [2],
  );
  // xfrm: a block with a broken key among good blocks.
  const xfrm = read('uml-sw-ikev2-esp-transport', 'logs', 'initiator-xfrm-state-2-rekey-child.txt');
  const xl = xfrm.split('\n');
  const enc = xl.findIndex((l) => /^\s+enc /.test(l));
  xl[enc] = xl[enc]!.replace(/0x[0-9a-f]+/, '0xdeadbeefcafeZZ');
  const xk = collect(parseKeyText(xl.join('\n'), 'x'));
  assert.equal(xk.files[0]!.format, 'xfrm');
  assert.equal(xk.child.length, collect(parseKeyText(xfrm, 'x')).child.length - 1);
  assert.deepEqual(
    xk.issues.map((i) => i.line),
    [enc + 1],
  );
});

// Runs last (node:test runs top-level tests in order): every issue any test produced.
test('no issue message, from any parser and any input above, contains a secret value', () => {
  assert.ok(ALL_ISSUES.length > 20, `${ALL_ISSUES.length} issues collected`);
  for (const i of ALL_ISSUES) {
    const m = i.message.toLowerCase();
    for (const s of SECRETS) if (s.length >= 6) assert.ok(!m.includes(s.toLowerCase()), `issue "${i.message}" contains a secret`);
    assert.ok(!/deadbeef|cafe|secretvalue|supersecret|letmein|[0-9a-f]{16}/.test(m) || /spi|cookie/.test(m), `issue "${i.message}" echoes input`);
    assert.ok(typeof i.file === 'string' && i.file.length > 0 && i.line >= 1);
  }
});
