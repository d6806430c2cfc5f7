/**
 * `espy audit`: Aggressive Mode PSK extraction (exact material: HMAC with the
 * fixtures' known PSK reproduces HASH_R), export that psk-crack cracks,
 * synthetic exchanges (SHA2, MD5, NAT-T, retransmissions, several per file,
 * HASH_I, bad material), findings per fixture derived from CASES.json facts,
 * the JSON schema, SARIF shape, secrets hiding, exit codes, and cracking with
 * the built-in core when it is present.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { CLI, GENERATED, ROOT, generatedCases } from './helpers.js';
import { bytes, u16, u32, ascii } from './bytes.js';
import { collectAudit } from '../src/audit/index.js';
import { johnLine, pskCrackLine, PSK_FIELDS, verifyPsk, type AggressiveMaterial } from '../src/audit/extract.js';
import { RULES } from '../src/audit/findings.js';

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;
type Obj = Record<string, any>;

const HAVE_PSK_CRACK = spawnSync('psk-crack', ['--version'], { encoding: 'utf8' }).error === undefined;
const NO_PSK_CRACK = HAVE_PSK_CRACK ? false : 'psk-crack (Debian package ike-scan) is not installed';
const HAVE_CRACK_CORE = existsSync(join(ROOT, 'dist/src/audit/crack/index.js'));
const NO_CRACK_CORE = HAVE_CRACK_CORE ? false : 'the cracking core (src/audit/crack/index.ts) is not built yet';

const tmp = mkdtempSync(join(tmpdir(), 'espy-audit-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

type Run = { status: number | null; stdout: string; stderr: string };
/** Runs of the same arguments (deterministic: no cracking involved) are shared between tests. */
const runs = new Map<string, Run>();
function audit(args: string[]): Run {
  const r = spawnSync(process.execPath, [CLI, 'audit', ...args], { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function auditCached(args: string[]): Run {
  const k = JSON.stringify(args);
  let r = runs.get(k);
  if (!r) runs.set(k, (r = audit(args)));
  return r;
}

interface Case {
  case: string;
  ike_version: number;
  aggressive: boolean;
  ike_proposal: string;
  psk: string;
  captures: string[];
  ike_sas: { spi_i: string; spi_r: string; encr: string; integ: string | null; prf: string; dh: string }[];
  child_proposal: string;
  child_sas: { protocol: string; encr: string | null; integ: string | null; exchange: string | null }[];
}
const CASES = generatedCases() as unknown as Case[];
const AGGRESSIVE = CASES.filter((c) => c.aggressive);
const pcapOf = (c: Case) => join(GENERATED, c.case, c.captures.includes('capture.pcap') ? 'capture.pcap' : c.captures[0]!);

/** HMAC check done here, independent of the code under test. */
function hmacHashR(m: AggressiveMaterial, psk: string | Uint8Array): Buffer {
  const f = m.fields;
  const alg = m.hash!;
  const skeyid = createHmac(alg, psk).update(Buffer.concat([f.ni_b, f.nr_b])).digest();
  return createHmac(alg, skeyid).update(Buffer.concat([f.g_xr, f.g_xi, f.cky_r, f.cky_i, f.sai_b, f.idir_b])).digest();
}

// ------------------------------------------------------------------------------------------
// The aggressive-mode fixtures

describe('extraction from the aggressive-mode fixtures', () => {
  test('there are aggressive-mode fixtures with a known PSK', () => {
    assert.ok(AGGRESSIVE.length >= 3, `CASES.json lists ${AGGRESSIVE.length} aggressive cases`);
  });
  for (const c of AGGRESSIVE) {
    test(`${c.case}: one exchange, HMAC with the known PSK reproduces HASH_R`, async () => {
      const d = await collectAudit(pcapOf(c));
      assert.equal(d.material.length, 1, 'one aggressive-mode PSK exchange');
      const m = d.material[0]!;
      assert.deepEqual(m.problems, []);
      const sa = c.ike_sas[0];
      if (sa) {
        assert.equal(m.ispi, sa.spi_i);
        assert.equal(m.rspi, sa.spi_r);
        // The prf comes from the Hash Algorithm attribute: CASES.json names it.
        assert.equal(m.hash, { PRF_HMAC_SHA1: 'sha1', PRF_HMAC_MD5: 'md5', PRF_HMAC_SHA2_256: 'sha256', PRF_HMAC_SHA2_384: 'sha384', PRF_HMAC_SHA2_512: 'sha512' }[sa.prf]);
      }
      // CKY-R comes first in the line, as psk-crack and RFC 2409 order it.
      assert.equal(Buffer.from(m.fields.cky_r).toString('hex'), m.rspi);
      assert.equal(Buffer.from(m.fields.cky_i).toString('hex'), m.ispi);
      assert.ok(m.frames.msg1 < m.frames.msg2);
      assert.deepEqual(hmacHashR(m, c.psk), Buffer.from(m.fields.hash_r), 'HASH_R reproduced with the case PSK');
      assert.notDeepEqual(hmacHashR(m, c.psk + 'x'), Buffer.from(m.fields.hash_r), 'another PSK does not');
      assert.equal(verifyPsk(m, c.psk).hashR, true);
      assert.equal(verifyPsk(m, 'letmein!').hashR, false);
      // IDir_b keeps ID type, protocol and port: an FQDN ID is type 2, then protocol and port.
      assert.ok([1, 2, 3, 5, 9, 11].includes(m.fields.idir_b[0]!), `ID type ${m.fields.idir_b[0]}`);
    });
  }
});

describe('export: psk-crack cracks the line espy writes', () => {
  for (const c of AGGRESSIVE) {
    test(`${c.case}: --export-psk-crack then psk-crack -d`, { skip: NO_PSK_CRACK }, () => {
      const out = join(tmp, `${c.case}.psk`);
      const john = join(tmp, `${c.case}.john`);
      const r = audit(['-r', pcapOf(c), '--export-psk-crack', out, '--export-john', john, '-T', 'json']);
      assert.equal(r.status, 0, r.stderr);
      const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length, 1);
      const fields = lines[0]!.split(':');
      assert.equal(fields.length, 9);
      for (const f of fields) assert.match(f, /^([0-9a-f]{2})+$/);
      // John's line is the same nine fields behind `$ike$*0*`, joined with `*` (ikescan2john.py).
      const j = readFileSync(john, 'utf8').trim();
      assert.equal(j, `$ike$*0*${fields.join('*')}`);
      // The PSK sits late in a wordlist of decoys; psk-crack must find exactly it.
      const words = [...Array.from({ length: 500 }, (_, i) => `decoy${i}`), c.psk, 'after'];
      const wl = join(tmp, `${c.case}.words`);
      writeFileSync(wl, words.join('\n') + '\n');
      const pc = spawnSync('psk-crack', ['-d', wl, out], { encoding: 'utf8' });
      assert.equal(pc.status, 0, pc.stderr);
      assert.match(pc.stdout, new RegExp(`key "${c.psk}" matches SHA1 hash ${fields[8]}`));
      // And it does not "crack" it without the PSK in the list (the test can fail).
      const wl2 = join(tmp, `${c.case}.nowords`);
      writeFileSync(wl2, words.filter((w) => w !== c.psk).join('\n') + '\n');
      const pc2 = spawnSync('psk-crack', ['-d', wl2, out], { encoding: 'utf8' });
      assert.doesNotMatch(pc2.stdout, /matches/);
    });
  }
});

// ------------------------------------------------------------------------------------------
// Synthetic captures: every hash, NAT-T, retransmissions, several exchanges, HASH_I

const T0 = 1_700_000_000;

function ipv4Udp(src: number[], dst: number[], sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const udp = bytes(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
  const hdr = bytes(0x45, 0, u16(20 + udp.length), u16(0x1234), u16(0x4000), 64, 17, u16(0), src, dst);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (hdr[i]! << 8) | hdr[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  const ck = ~sum & 0xffff;
  hdr[10] = ck >> 8;
  hdr[11] = ck & 0xff;
  return bytes(hdr, udp);
}

function pcap(frames: Uint8Array[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(101, 20); // LINKTYPE_RAW
  const recs = frames.map((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(T0 + i, 0);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    return Buffer.concat([h, f]);
  });
  return Buffer.concat([head, ...recs]);
}

/** A generic payload chain: [type, body] pairs; returns (first type, bytes). */
function chain(payloads: [number, Uint8Array][]): [number, Uint8Array] {
  const parts: Uint8Array[] = [];
  payloads.forEach(([, body], i) => {
    const next = payloads[i + 1]?.[0] ?? 0;
    parts.push(bytes(next, 0, u16(4 + body.length), body));
  });
  return [payloads[0]![0], bytes(...parts)];
}

function isakmp(icky: Uint8Array, rcky: Uint8Array, flags: number, payloads: [number, Uint8Array][]): Uint8Array {
  const [first, body] = chain(payloads);
  return bytes(icky, rcky, first, 0x10, 4, flags, u32(0), u32(28 + body.length), body);
}

/** IKEv1 SA body: DOI IPsec, SIT_IDENTITY_ONLY, one ISAKMP proposal with these transforms (TV attributes; TLV above 0xffff). */
function saBody(transforms: [number, number][][]): Uint8Array {
  const tfs = transforms.map((attrs, i) => {
    const a = bytes(...attrs.map(([t, v]) => (v > 0xffff ? bytes(u16(t), u16(4), u32(v)) : bytes(u16(0x8000 | t), u16(v)))));
    return bytes(i === transforms.length - 1 ? 0 : 3, 0, u16(8 + a.length), i + 1, 1, u16(0), a);
  });
  const t = bytes(...tfs);
  const prop = bytes(0, 0, u16(8 + t.length), 1, 1, 0, transforms.length, t);
  return bytes(u32(1), u32(1), prop);
}

const tf = (hash: number, auth = 1, group = 14): [number, number][] => [[1, 7], [14, 128], [2, hash], [3, auth], [4, group], [11, 1], [12, 28800]];
const HASHES: Record<number, 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512'> = { 1: 'md5', 2: 'sha1', 4: 'sha256', 5: 'sha384', 6: 'sha512' };

interface Synth {
  icky: Uint8Array;
  rcky: Uint8Array;
  hashAlg: number;
  psk: string;
  msgs: { msg1: Uint8Array; msg2: Uint8Array; msg3: Uint8Array };
  hashR: Uint8Array;
}

function synth(o: { hashAlg: number; psk: string; ni: number; nr: number; auth?: number; badHashLen?: boolean; ke?: number }): Synth {
  const icky = randomBytes(8);
  const rcky = randomBytes(8);
  // The initiator offers two transforms, the responder picks the one with this hash: SAi_b ≠ SAr_b.
  const sai = saBody([tf(o.hashAlg === 2 ? 1 : 2, o.auth), tf(o.hashAlg, o.auth)]);
  const sar = saBody([tf(o.hashAlg, o.auth)]);
  const gxi = randomBytes(o.ke ?? 256);
  const gxr = randomBytes(o.ke ?? 256);
  const ni = randomBytes(o.ni);
  const nr = randomBytes(o.nr);
  const idii = bytes(2, 17, u16(500), ascii('client.example'));
  const idir = bytes(2, 17, u16(500), ascii('gw.example'));
  const alg = HASHES[o.hashAlg]!;
  const skeyid = createHmac(alg, o.psk).update(Buffer.concat([ni, nr])).digest();
  let hashR: Uint8Array = createHmac(alg, skeyid).update(Buffer.concat([gxr, gxi, rcky, icky, sai, idir])).digest();
  const hashI = createHmac(alg, skeyid).update(Buffer.concat([gxi, gxr, icky, rcky, sai, idii])).digest();
  if (o.badHashLen) hashR = hashR.subarray(0, 16);
  const zero = new Uint8Array(8);
  const msg1 = isakmp(icky, zero, 0, [[1, sai], [4, gxi], [10, ni], [5, idii]]);
  const msg2 = isakmp(icky, rcky, 0, [[1, sar], [4, gxr], [10, nr], [5, idir], [o.auth === 3 ? 9 : 8, hashR]]);
  const msg3 = isakmp(icky, rcky, 0, [[8, hashI]]);
  return { icky, rcky, hashAlg: o.hashAlg, psk: o.psk, msgs: { msg1, msg2, msg3 }, hashR };
}

const A = [10, 0, 0, 1];
const B = [10, 0, 0, 2];
const nonEsp = (m: Uint8Array) => bytes(u32(0), m);

const s256 = synth({ hashAlg: 4, psk: 'correct horse battery', ni: 32, nr: 32 });
const sMd5 = synth({ hashAlg: 1, psk: 'md5secret', ni: 8, nr: 200 });
const s512 = synth({ hashAlg: 6, psk: 'x'.repeat(130), ni: 20, nr: 20, ke: 133 });
const sBad = synth({ hashAlg: 2, psk: 'whatever', ni: 20, nr: 20, badHashLen: true });
const sRsa = synth({ hashAlg: 2, psk: 'unused', ni: 20, nr: 20, auth: 3 });
const sXauth = synth({ hashAlg: 2, psk: 'groupsecret', ni: 16, nr: 16, auth: 65001, ke: 128 });
/** A Transaction exchange (Mode Config / XAUTH, type 6) in the clear: CFG_REPLY with XAUTH-USER-NAME / -PASSWORD (TLV). */
function xauthReply(s: Synth, user: string, password: string): Uint8Array {
  const tlv = (t: number, v: string) => bytes(u16(t), u16(Buffer.byteLength(v)), ascii(v));
  const attr = bytes(2, 0, u16(0x1234), tlv(16521, user), tlv(16522, password));
  const [first, body] = chain([[14, attr]]);
  return bytes(s.icky, s.rcky, first, 0x10, 6, 0, u32(0x5a5a5a5a), u32(28 + body.length), body);
}
const SYNTH = join(tmp, 'synth.pcap');
writeFileSync(
  SYNTH,
  pcap([
    ipv4Udp(A, B, 500, 500, s256.msgs.msg1),
    ipv4Udp(A, B, 500, 500, s256.msgs.msg1), // retransmission
    ipv4Udp(A, B, 500, 500, sMd5.msgs.msg1),
    ipv4Udp(B, A, 500, 500, s256.msgs.msg2),
    ipv4Udp(B, A, 500, 500, s256.msgs.msg2), // retransmission
    ipv4Udp(A, B, 4500, 4500, nonEsp(s256.msgs.msg3)), // HASH_I in the clear, NAT-T
    ipv4Udp(B, A, 500, 500, sMd5.msgs.msg2),
    ipv4Udp(A, B, 500, 500, s512.msgs.msg1),
    ipv4Udp(B, A, 500, 500, s512.msgs.msg2),
    ipv4Udp(A, B, 500, 500, sBad.msgs.msg1),
    ipv4Udp(B, A, 500, 500, sBad.msgs.msg2),
    ipv4Udp(A, B, 500, 500, sRsa.msgs.msg1),
    ipv4Udp(B, A, 500, 500, sRsa.msgs.msg2),
    ipv4Udp([10, 0, 0, 3], B, 4500, 4500, nonEsp(sXauth.msgs.msg1)),
    ipv4Udp(B, [10, 0, 0, 3], 4500, 4500, nonEsp(sXauth.msgs.msg2)),
    ipv4Udp([10, 0, 0, 3], B, 4500, 4500, nonEsp(xauthReply(sXauth, 'alice', 'hunter2'))),
  ]),
);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('extraction from synthetic exchanges', () => {
  test('several exchanges per file, each paired with its own message 1; PSK material only for PSK auth', async () => {
    const d = await collectAudit(SYNTH);
    const ids = d.material.map((m) => m.ispi).sort();
    assert.deepEqual(ids, [s256, sMd5, s512, sBad, sXauth].map((s) => hex(s.icky)).sort(), 'RSA-signature exchange has no PSK material');
  });

  test('hash from the Hash Algorithm attribute (SHA2-256/512, MD5), any nonce length, long PSKs; SAi_b is the initiator SA', async () => {
    const d = await collectAudit(SYNTH);
    const by = (s: Synth) => d.material.find((m) => m.ispi === hex(s.icky))!;
    for (const s of [s256, sMd5, s512, sXauth]) {
      const m = by(s);
      assert.equal(m.hash, HASHES[s.hashAlg], `hash of ${m.id}`);
      assert.deepEqual(m.problems, []);
      assert.deepEqual(hmacHashR(m, s.psk), Buffer.from(s.hashR));
      assert.equal(verifyPsk(m, s.psk).hashR, true);
      assert.equal(verifyPsk(m, s.psk.slice(1)).hashR, false);
    }
    assert.equal(by(sMd5).fields.nr_b.length, 200);
    assert.equal(by(sXauth).authMethod, 65001);
    assert.equal(by(sXauth).natt, true, 'exchange carried on UDP 4500 with the non-ESP marker');
  });

  test('retransmissions are counted once; clear message 3 gives HASH_I', async () => {
    const d = await collectAudit(SYNTH);
    const m = d.material.find((x) => x.ispi === hex(s256.icky))!;
    assert.equal(m.retransmissions, 2);
    assert.deepEqual(m.frames, { msg1: 1, msg2: 4, msg3: 6 });
    assert.ok(m.hashI);
    assert.equal(m.natt, true);
    assert.deepEqual(verifyPsk(m, s256.psk), { hashR: true, hashI: true });
  });

  test('a HASH_R whose length disagrees with the negotiated hash is reported, not exported', async () => {
    const d = await collectAudit(SYNTH);
    const m = d.material.find((x) => x.ispi === hex(sBad.icky))!;
    assert.equal(m.hash, undefined);
    assert.match(m.problems.join(), /frame 11: HASH_R is 16 bytes, SHA1 gives 20/);
  });

  test('export: only what psk-crack can read; psk-crack cracks the MD5 line', { skip: NO_PSK_CRACK }, () => {
    const out = join(tmp, 'synth.psk');
    const r = audit(['-r', SYNTH, '--export-psk-crack', out, '-T', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /SHA2-256: only MD5 and SHA1/);
    assert.match(r.stderr, /frame 11: HASH_R is 16 bytes/);
    const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 2, 'MD5 and the XAUTH SHA1 exchange');
    const wl = join(tmp, 'synth.words');
    writeFileSync(wl, ['a', 'b', sMd5.psk, sXauth.psk].join('\n') + '\n');
    const pc = spawnSync('psk-crack', ['-d', wl, out], { encoding: 'utf8' });
    assert.match(pc.stdout, new RegExp(`key "${sMd5.psk}" matches MD5 hash ${hex(sMd5.hashR)}`));
    assert.match(pc.stdout, new RegExp(`key "${sXauth.psk}" matches SHA1 hash ${hex(sXauth.hashR)}`));
  });

  test('--psk checks every HASH_R, SHA2 and spaces included; the PSK is printed only with --show-secrets', () => {
    const r = audit(['-r', SYNTH, '--psk', s256.psk, '--psk', s512.psk, '-T', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Obj;
    const found = (doc.pskMaterial as Obj[]).filter((m) => m.result?.found).map((m) => m.ispi).sort();
    assert.deepEqual(found, [hex(s256.icky), hex(s512.icky)].sort());
    assert.ok(!r.stdout.includes(s256.psk));
    const shown = audit(['-r', SYNTH, '--psk', s256.psk, '-T', 'json', '--show-secrets']);
    const m = (JSON.parse(shown.stdout).pskMaterial as Obj[]).find((x) => x.ispi === hex(s256.icky))!;
    assert.equal(m.result.psk, s256.psk);
  });
});

// ------------------------------------------------------------------------------------------
// Findings per fixture, from CASES.json facts

/**
 * The IKE SA facts of a case: from ike_sas (charon's log), else from the Libreswan
 * `ike=` line the case was generated with (`aes128-sha1;modp2048`). CASES.json's
 * ike_proposal is not used there: for uml-lsw-lsw-ikev1-aggr-psk-weak it says
 * sha256 while the config (and the capture) use sha1.
 */
function ikeFacts(c: Case): { encr: string; integ: string; prf: string; dh: string } {
  const sa = c.ike_sas[0];
  if (sa) return { encr: sa.encr, integ: sa.integ ?? '', prf: sa.prf, dh: sa.dh };
  const conf = readFileSync(join(GENERATED, c.case, 'config/initiator/ipsec.conf'), 'utf8');
  const ike = /^\s*ike=(\S+)/m.exec(conf)?.[1] ?? c.ike_proposal;
  const t = ike.toLowerCase().split(/[-;]/);
  const hash = t.find((x) => /^(md5|sha1|sha2_?256|sha256|sha384|sha512)$/.test(x)) ?? '';
  return { encr: t[0]!, integ: hash, prf: hash, dh: t.find((x) => /^(modp|ecp|curve)/.test(x)) ?? '' };
}

function expectedIds(c: Case, psk: boolean): Set<string> {
  const f = ikeFacts(c);
  const e = new Set<string>();
  const v1 = c.ike_version === 1;
  if (v1) e.add('ike.v1');
  if (c.aggressive) {
    e.add('psk.exposed.aggressive');
    e.add('id.cleartext');
    if (psk) e.add('psk.cracked');
  } else if (v1) e.add('psk.passive.main');
  else e.add('psk.passive.ikev2');
  if (/MODP_?(768|1024|1536)|modp(768|1024|1536)/i.test(f.dh)) e.add('dh.weak');
  if (/3DES|(^|_)DES|NULL/i.test(f.encr)) e.add('encr.weak');
  if (/MD5|SHA1(?!\d)|^SHA$/i.test(f.prf.replace(/PRF_HMAC_/, ''))) e.add('prf.weak');
  if (!v1 && /MD5|SHA1_/i.test(f.integ)) e.add('integ.weak');
  return e;
}

describe('findings on synthetic exchanges', () => {
  test('XAUTH password read from a Transaction exchange: user shown, password only with --show-secrets', () => {
    const r = auditCached(['-r', SYNTH, '-T', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Obj;
    const sa = (doc.ikeSas as Obj[]).find((x) => x.ispi === hex(sXauth.icky))!;
    const f = (sa.findings as Obj[]).find((x) => x.id === 'xauth.password.visible')!;
    assert.ok(f, 'xauth.password.visible');
    assert.equal(f.severity, 'high');
    assert.equal(f.evidence.user, 'alice');
    assert.equal(f.evidence.password, undefined);
    assert.deepEqual(f.frames, [16]);
    assert.ok(!r.stdout.includes('hunter2'));
    const shown = auditCached(['-r', SYNTH, '-T', 'json', '--show-secrets']);
    assert.ok(shown.stdout.includes('"password": "hunter2"'));
    // The XAUTH-PSK exchange names the group-PSK risk.
    const ex = (sa.findings as Obj[]).find((x) => x.id === 'psk.exposed.aggressive')!;
    assert.match(ex.detail, /XAUTHInitPreShared/);
  });

  test('weak groups offered, long lifetimes, and a clear Quick Mode: ESP 3DES without integrity, no PFS', () => {
    const icky = randomBytes(8);
    const rcky = randomBytes(8);
    const ike = (group: number, life: number): [number, number][] => [[1, 7], [14, 256], [2, 4], [3, 1], [4, group], [11, 1], [12, life]];
    const m1 = isakmp(icky, new Uint8Array(8), 0, [[1, saBody([ike(2, 3600), ike(14, 3600)])], [4, randomBytes(256)], [10, randomBytes(16)], [5, bytes(1, 17, u16(500), A)]]);
    const m2body = saBody([ike(14, 172800)]);
    const m2 = isakmp(icky, rcky, 0, [[1, m2body], [4, randomBytes(256)], [10, randomBytes(16)], [5, bytes(1, 17, u16(500), B)], [8, randomBytes(32)]]);
    // Quick Mode in the clear (E flag not set): ESP_3DES, tunnel, lifetime 86400 s (TLV), no Authentication Algorithm, no KE.
    const attrs = bytes(u16(0x8001), u16(1), u16(2), u16(4), u32(86400), u16(0x8004), u16(1));
    const t = bytes(0, 0, u16(8 + attrs.length), 1, 3, u16(0), attrs);
    const prop = bytes(0, 0, u16(12 + t.length), 1, 3, 4, 1, u32(0xc0ffee01), t);
    const qmSa = bytes(u32(1), u32(1), prop);
    const qm = (sa: Uint8Array) => {
      const [first, body] = chain([[8, randomBytes(32)], [1, sa], [10, randomBytes(16)]]);
      return bytes(icky, rcky, first, 0x10, 32, 0, u32(0x01020304), u32(28 + body.length), body);
    };
    const f = join(tmp, 'weak.pcap');
    writeFileSync(f, pcap([ipv4Udp(A, B, 500, 500, m1), ipv4Udp(B, A, 500, 500, m2), ipv4Udp(A, B, 500, 500, qm(qmSa)), ipv4Udp(B, A, 500, 500, qm(qmSa))]));
    const doc = JSON.parse(audit(['-r', f, '-T', 'json']).stdout) as Obj;
    const fs2 = doc.ikeSas[0].findings as Obj[];
    const by = (id: string) => fs2.filter((x) => x.id === id);
    assert.equal(by('dh.weak').length, 0, 'group 14 chosen');
    assert.deepEqual(by('dh.weak.offered').map((x) => x.frames), [[1]]);
    assert.deepEqual(by('lifetime.excessive').map((x) => x.evidence.seconds).sort(), [172800, 86400].sort());
    assert.equal(by('esp.no_integrity').length, 1);
    assert.equal(by('esp.no_integrity')[0]!.severity, 'high');
    assert.ok(by('encr.weak').some((x) => /ESP SA/.test(x.detail) && x.severity === 'medium'), 'ESP 3DES');
    assert.deepEqual(by('pfs.none').map((x) => x.frames), [[3, 4]]);
    assert.deepEqual(doc.ikeSas[0].notAssessed, []);
  });

  test('message 2 without message 1: exposure reported, no material', async () => {
    const s = synth({ hashAlg: 2, psk: 'pw', ni: 20, nr: 20 });
    const f = join(tmp, 'only2.pcap');
    writeFileSync(f, pcap([ipv4Udp(B, A, 500, 500, s.msgs.msg2)]));
    assert.equal((await collectAudit(f)).material.length, 0);
    const doc = JSON.parse(audit(['-r', f, '-T', 'json']).stdout) as Obj;
    const ex = (doc.ikeSas[0].findings as Obj[]).find((x) => x.id === 'psk.exposed.aggressive')!;
    assert.match(ex.detail, /incomplete/);
    assert.deepEqual(ex.frames, [1]);
  });

  test('the RSA-signature aggressive exchange: identities in the clear, no PSK finding', () => {
    const doc = JSON.parse(auditCached(['-r', SYNTH, '-T', 'json']).stdout) as Obj;
    const sa = (doc.ikeSas as Obj[]).find((x) => x.ispi === hex(sRsa.icky))!;
    const ids = (sa.findings as Obj[]).map((x) => x.id);
    assert.ok(ids.includes('id.cleartext'));
    assert.ok(!ids.some((x) => x.startsWith('psk.')), ids.join());
  });
});

describe('findings per fixture (CASES.json facts)', () => {
  for (const c of CASES) {
    test(`${c.case}: the expected finding ids`, () => {
      const r = auditCached(['-r', pcapOf(c), '-T', 'json', ...(c.aggressive ? ['--psk', c.psk] : [])]);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as Obj;
      const spis = c.ike_sas.map((s) => s.spi_i);
      const sas = (doc.ikeSas as Obj[]).filter((s) => !spis.length || spis.includes(s.ispi));
      assert.ok(sas.length >= 1, 'the case IKE SA is found');
      for (const s of sas) {
        const got = new Set((s.findings as Obj[]).map((f) => f.id as string));
        const want = expectedIds(c, c.aggressive);
        // A rekeyed IKE SA (CREATE_CHILD_SA) does not authenticate again; its algorithms travelled encrypted.
        if (s.rekeyOf !== undefined) for (const id of ['psk.passive.ikev2', 'dh.weak', 'encr.weak', 'prf.weak', 'integ.weak']) want.delete(id);
        assert.deepEqual([...got].sort(), [...want].sort(), `IKE SA #${s.ikeSa} ${s.ispi}`);
        for (const f of s.findings as Obj[]) {
          assert.ok(RULES.has(f.id), `${f.id} is a documented rule`);
          assert.ok(f.frames.length > 0, `${f.id} names its frames`);
        }
        // Without keys, Quick Mode / IKE_AUTH stay encrypted and are listed as not assessed.
        assert.ok((s.notAssessed as string[]).some((n) => /encrypted|not in the capture/.test(n)), 'encrypted child exchanges are listed');
      }
    });
  }
});

const HAVE_DECRYPT = existsSync(join(ROOT, 'dist/src/decrypt/keys/index.js'));
const keyArgs = (c: Case): string[] =>
  ['ikev1_decryption_table', 'ikev2_decryption_table'].flatMap((f) => {
    const p = join(GENERATED, c.case, 'keys', f);
    return existsSync(p) && readFileSync(p, 'utf8').trim() ? ['--keys', p] : [];
  });

describe('findings with --keys: child SAs, PFS and HASH_I (CASES.json facts)', { skip: HAVE_DECRYPT ? false : 'decryption (issue 4) is not built' }, () => {
  let judged = 0;
  for (const c of CASES) {
    const keys = keyArgs(c);
    if (!keys.length) continue;
    test(`${c.case}: child SA findings once Quick Mode / IKE_AUTH / CREATE_CHILD_SA are decrypted`, () => {
      const r = auditCached(['-r', pcapOf(c), '-T', 'json', ...keys]);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as Obj;
      assert.equal(doc.decryption, true);
      const spis = c.ike_sas.map((x) => x.spi_i);
      for (const s of (doc.ikeSas as Obj[]).filter((x) => !spis.length || spis.includes(x.ispi))) {
        if ((s.notAssessed as string[]).length) continue; // this SA's keys are not in the tables (e.g. ChaCha20 for Wireshark)
        judged++;
        const want = expectedIds(c, false);
        if (s.rekeyOf !== undefined) want.delete('psk.passive.ikev2');
        const kids = c.child_sas;
        if (kids.some((k) => /3DES|(^|_)DES|NULL/i.test(k.encr ?? ''))) want.add('encr.weak');
        if (kids.some((k) => /MD5|SHA1(?!\d)|hmac\(sha1\)/i.test(k.integ ?? ''))) want.add('integ.weak');
        const creates = kids.some((k) => k.exchange === 'QUICK_MODE' || k.exchange === 'CREATE_CHILD_SA');
        if (creates && !/modp|ecp|curve/i.test(c.child_proposal) && s.rekeyOf === undefined) want.add('pfs.none');
        const got = [...new Set((s.findings as Obj[]).map((f) => f.id as string))].sort();
        assert.deepEqual(got, [...want].sort(), `IKE SA #${s.ikeSa} ${s.ispi}`);
      }
    });
  }
  test('most fixtures were judged with decrypted child exchanges', () => {
    assert.ok(judged >= 15, `${judged} IKE SAs judged`);
  });

  test('HASH_I from the decrypted message 3 verifies with the case PSK', async () => {
    const c = AGGRESSIVE.find((x) => keyArgs(x).length)!;
    const { engineFromArgs } = await import('../src/cli/decrypt-options.js');
    const { learnFromCapture } = await import('../src/decrypt/learn.js');
    const engine = engineFromArgs({ keys: keyArgs(c).filter((x) => x !== '--keys') })!;
    await learnFromCapture(pcapOf(c), engine);
    const d = await collectAudit(pcapOf(c), { decrypt: engine });
    const m = d.material[0]!;
    assert.ok(m.hashI?.decrypted, 'HASH_I taken from the decrypted message 3');
    assert.deepEqual(verifyPsk(m, c.psk), { hashR: true, hashI: true });
    assert.deepEqual(verifyPsk(m, c.psk + '1'), { hashR: false, hashI: false });
  });
});

describe('report formats and exit codes', () => {
  const aggr = AGGRESSIVE[0];
  const main = CASES.find((c) => c.ike_version === 1 && !c.aggressive);
  const weak = CASES.find((c) => /3des/.test(c.ike_proposal) && c.ike_version === 2);

  test('JSON follows schema/audit.schema.json for every fixture; mutations fail', () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema/audit.schema.json'), 'utf8')) as Obj;
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    const v = ajv.compile(schema);
    const docs: Obj[] = [];
    // The runs of the tests above (with --psk, and with --keys), and secrets shown.
    const argSets = CASES.flatMap((c) => [
      ['-r', pcapOf(c), '-T', 'json', ...(c.aggressive ? ['--psk', c.psk] : [])],
      ...(HAVE_DECRYPT && keyArgs(c).length ? [['-r', pcapOf(c), '-T', 'json', ...keyArgs(c)]] : []),
    ]);
    argSets.push(['-r', SYNTH, '-T', 'json', '--show-secrets'], ['-r', pcapOf(AGGRESSIVE[0]!), '-T', 'json', '--psk', AGGRESSIVE[0]!.psk, '--show-secrets']);
    for (const args of argSets) {
      const r = auditCached(args);
      assert.equal(r.status, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as Obj;
      assert.ok(v(doc), `${args.join(' ')}: ${ajv.errorsText(v.errors)}`);
      docs.push(doc);
    }
    const withFinding = docs.find((d) => d.ikeSas[0]?.findings.length)!;
    const bad1 = structuredClone(withFinding);
    bad1.ikeSas[0].findings[0].severity = 'severe';
    assert.equal(v(bad1), false);
    const bad2 = structuredClone(withFinding);
    delete bad2.ikeSas[0].findings[0].frames;
    assert.equal(v(bad2), false);
    const bad3 = structuredClone(withFinding);
    bad3.extra = 1;
    assert.equal(v(bad3), false);
  });

  test('SARIF 2.1.0: rules, one result per finding, levels', () => {
    const r = audit(['-r', pcapOf(aggr!), '-T', 'sarif', '--psk', aggr!.psk]);
    assert.equal(r.status, 0, r.stderr);
    const log = JSON.parse(r.stdout) as Obj;
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const run = log.runs[0];
    assert.equal(run.tool.driver.name, 'espy');
    const ruleIds = (run.tool.driver.rules as Obj[]).map((x) => x.id);
    assert.equal(new Set(ruleIds).size, ruleIds.length);
    assert.deepEqual([...ruleIds].sort(), [...RULES.keys()].sort());
    const json = JSON.parse(auditCached(['-r', pcapOf(aggr!), '-T', 'json', '--psk', aggr!.psk]).stdout) as Obj;
    assert.equal(run.results.length, json.summary.findings);
    for (const res of run.results as Obj[]) {
      assert.equal(ruleIds[res.ruleIndex], res.ruleId);
      assert.ok(['error', 'warning', 'note'].includes(res.level));
      assert.equal(typeof res.message.text, 'string');
      assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, pcapOf(aggr!));
    }
    const cracked = (run.results as Obj[]).find((x) => x.ruleId === 'psk.cracked');
    assert.equal(cracked?.level, 'error');
    assert.ok(!r.stdout.includes(aggr!.psk), 'no PSK in SARIF without --show-secrets');
  });

  test('text report: per IKE SA, most severe first; secrets only with --show-secrets', () => {
    const r = audit(['-r', pcapOf(aggr!), '--psk', aggr!.psk]);
    assert.equal(r.status, 0, r.stderr);
    const sevs = r.stdout.split('\n').map((l) => /^ {2}(CRITICAL|HIGH|MEDIUM|LOW|INFO) /.exec(l)?.[1]).filter(Boolean);
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
    assert.deepEqual(sevs, [...sevs].sort((a, b) => order.indexOf(a!) - order.indexOf(b!)));
    assert.equal(sevs[0], 'CRITICAL');
    assert.ok(!r.stdout.includes(aggr!.psk));
    assert.ok(audit(['-r', pcapOf(aggr!), '--psk', aggr!.psk, '--show-secrets']).stdout.includes(`"${aggr!.psk}"`));
  });

  test('--fail-on: 2 when a finding reaches the threshold, else 0', () => {
    assert.equal(audit(['-r', pcapOf(aggr!), '--fail-on', 'high']).status, 2);
    assert.equal(audit(['-r', pcapOf(aggr!), '--fail-on', 'critical']).status, 0, 'not cracked: nothing critical');
    assert.equal(audit(['-r', pcapOf(aggr!), '--fail-on', 'critical', '--psk', aggr!.psk]).status, 2);
    assert.equal(audit(['-r', pcapOf(main!), '--fail-on', 'low']).status, 0, 'main mode, strong algorithms: info only');
    assert.equal(audit(['-r', pcapOf(weak!), '--fail-on', 'medium']).status, 2);
    assert.equal(audit(['-r', pcapOf(weak!), '-T', 'sarif', '--fail-on', 'high']).status, 2);
  });

  test('exit 1 on usage errors, 3 on a bad capture; the message names the problem', () => {
    let r = audit(['-r', pcapOf(aggr!), '--fail-on', 'sometimes']);
    assert.equal(r.status, 1);
    r = audit(['-r', pcapOf(aggr!), '--wordlist', join(tmp, 'missing.txt')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing\.txt: no such file/);
    r = audit(['-r', pcapOf(aggr!), '--keys', join(tmp, 'nokeys.txt')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nokeys\.txt/);
    r = audit(['-r', pcapOf(aggr!), '--mask', '?l?z']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /--mask/);
    r = audit(['-r', pcapOf(aggr!), '--rules']);
    assert.equal(r.status, 1);
    r = audit([]);
    assert.equal(r.status, 1);
    r = audit(['-r', join(tmp, 'nope.pcap')]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /nope\.pcap/);
    // Damaged after the aggressive exchange: the report covers what came before, exit 3.
    const cut = join(tmp, 'cut.pcap');
    const whole = readFileSync(pcapOf(aggr!));
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    r = audit(['-r', cut, '-T', 'json']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /cut\.pcap/);
    const partial = JSON.parse(r.stdout) as Obj;
    assert.match(partial.error, /cut\.pcap/);
    assert.equal(partial.pskMaterial.length, 1, 'material from the frames before the damage');
    const junk = join(tmp, 'junk.pcap');
    writeFileSync(junk, 'this is not a capture file at all');
    r = audit(['-r', junk]);
    assert.equal(r.status, 3);
    assert.match(r.stderr, /junk\.pcap/);
  });
});

// ------------------------------------------------------------------------------------------
// Cracking with espy's own core

describe('cracking: espy audit --wordlist / --mask', () => {
  for (const c of AGGRESSIVE) {
    test(`${c.case}: --wordlist finds the PSK placed late in the list`, { skip: NO_CRACK_CORE }, () => {
      const words = [...Array.from({ length: 20000 }, (_, i) => `word${i}`), c.psk, 'zzz'];
      const wl = join(tmp, `${c.case}.wl.gz`);
      writeFileSync(wl, gzipSync(words.join('\n') + '\n'));
      const r = audit(['-r', pcapOf(c), '--wordlist', wl, '-T', 'json', '--show-secrets', '--fail-on', 'critical']);
      assert.equal(r.status, 2, r.stderr);
      const doc = JSON.parse(r.stdout) as Obj;
      const m = doc.pskMaterial[0];
      assert.equal(m.result.found, true);
      assert.equal(m.result.psk, c.psk);
      assert.ok(m.result.tried >= 1 && m.result.tried <= words.length + 1000);
      assert.ok((doc.ikeSas[0].findings as Obj[]).some((f) => f.id === 'psk.cracked' && f.evidence.psk === c.psk));
    });
  }

  test('a wordlist without the PSK: exhausted, no psk.cracked', { skip: NO_CRACK_CORE }, () => {
    const c = AGGRESSIVE[0]!;
    const wl = join(tmp, 'nope.wl');
    writeFileSync(wl, Array.from({ length: 3000 }, (_, i) => `nope${i}`).join('\n') + '\n');
    const r = audit(['-r', pcapOf(c), '--wordlist', wl, '-T', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Obj;
    assert.equal(doc.pskMaterial[0].result.found, false);
    assert.equal(doc.crack.stopped, 'exhausted');
    assert.equal(doc.crack.tried, 3000);
    assert.ok(!(doc.ikeSas[0].findings as Obj[]).some((f) => f.id === 'psk.cracked'));
  });

  test('--mask with a custom charset finds SHA2-256 and MD5 PSKs, including a last character equal to the first of the charset', { skip: NO_CRACK_CORE }, () => {
    const short = synth({ hashAlg: 4, psk: 'ab1a', ni: 32, nr: 32 });
    const f = join(tmp, 'mask.pcap');
    writeFileSync(f, pcap([ipv4Udp(A, B, 500, 500, short.msgs.msg1), ipv4Udp(B, A, 500, 500, short.msgs.msg2)]));
    const r = audit(['-r', f, '--mask', '?1?1?d?1', '-1', 'ab', '-T', 'json', '--show-secrets']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Obj;
    assert.equal(doc.pskMaterial[0].result.psk, 'ab1a');
  });

  test('--max-time stops a long attack and reports what was tried', { skip: NO_CRACK_CORE }, () => {
    const c = AGGRESSIVE[0]!;
    const r = audit(['-r', pcapOf(c), '--mask', '?a?a?a?a?a?a?a', '--max-time', '1', '-T', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Obj;
    assert.equal(doc.crack.stopped, 'time');
    assert.ok(doc.crack.tried > 0);
  });
});

describe('cracking: synthetic material and Ctrl-C', () => {
  test('--wordlist keeps spaces and cracks SHA2-256/512, MD5 and XAUTH exchanges in one pass', { skip: NO_CRACK_CORE }, () => {
    const wl = join(tmp, 'synth.wl');
    writeFileSync(wl, ['nothing', s256.psk, 'x', sMd5.psk, s512.psk, sXauth.psk, 'end'].join('\r\n') + '\r\n');
    const r = audit(['-r', SYNTH, '--wordlist', wl, '-T', 'json', '--show-secrets']);
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Obj;
    const got = Object.fromEntries((doc.pskMaterial as Obj[]).map((m) => [m.ispi, m.result?.psk ?? null]));
    assert.equal(got[hex(s256.icky)], s256.psk);
    assert.equal(got[hex(sMd5.icky)], sMd5.psk);
    assert.equal(got[hex(s512.icky)], s512.psk);
    assert.equal(got[hex(sXauth.icky)], sXauth.psk);
    assert.equal(got[hex(sBad.icky)], null, 'material with problems is not attacked');
  });

  test('Ctrl-C stops the attack and the report says what was tried', { skip: NO_CRACK_CORE }, async () => {
    const c = AGGRESSIVE[0]!;
    const child = spawn(process.execPath, [CLI, 'audit', '-r', pcapOf(c), '--mask', '?a?a?a?a?a?a?a?a', '-T', 'json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Interrupt once the workers are busy: the child has used 1.5 s of CPU (capture reading takes far less).
    const cpu = (): number => {
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return (Number(f[11]) + Number(f[12])) / 100;
      } catch {
        return Number.NaN;
      }
    };
    const t0 = Date.now();
    while (Date.now() - t0 < 30000) {
      await new Promise((res) => setTimeout(res, 200));
      const c2 = cpu();
      if (Number.isNaN(c2) ? Date.now() - t0 > 4000 : c2 >= 1.5) break;
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('close', (c2) => res(c2)));
    assert.equal(code, 0, err);
    assert.match(err, /interrupted/);
    const doc = JSON.parse(out) as Obj;
    assert.equal(doc.crack.stopped, 'interrupted');
    assert.ok(doc.crack.tried > 0, 'candidates tried before the interrupt are reported');
    assert.equal(doc.pskMaterial[0].result.stopped, 'interrupted');
  });
});

test('the rule table in docs/audit.md lists every rule id', () => {
  const doc = readFileSync(join(ROOT, 'docs/audit.md'), 'utf8');
  for (const id of RULES.keys()) assert.ok(doc.includes(`\`${id}\``), `docs/audit.md mentions ${id}`);
});

test('psk-crack line and John line are the nine fields in order', async () => {
  const d = await collectAudit(SYNTH);
  const m = d.material.find((x) => x.ispi === hex(sMd5.icky))!;
  const line = pskCrackLine(m);
  assert.deepEqual(line.split(':'), PSK_FIELDS.map((k) => hex(m.fields[k])));
  assert.equal(johnLine(m), '$ike$*0*' + line.replaceAll(':', '*'));
  assert.equal(line.split(':')[2], hex(sMd5.rcky));
  assert.equal(line.split(':')[8], hex(sMd5.hashR));
});
