/**
 * IKEv2 decryption engine over the generated captures: every SK payload verified and
 * decrypted, inner payload types as tshark (or, where tshark cannot decrypt, charon) shows
 * them, PSK AUTH checked, CHILD SA keys (IKE_AUTH, CREATE_CHILD_SA with and without PFS) and
 * the rekeyed IKE SA derived and compared with the daemons' logged keys (keys.json). Keys come
 * from (1) Wireshark's ikev2_decryption_table, (1b) SK_* as a charon log gives them,
 * (2) the DH secret alone. Negative cases: wrong SK_ai, a flipped ciphertext byte, a wrong PSK;
 * and the decrypt pass in reverse frame order gives the same results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../src/capture/index.js';
import type { Frame } from '../src/capture/types.js';
import { PacketDissector, type Packet } from '../src/dissect/packet.js';
import type { IsakmpRecord } from '../src/dissect/isakmp/isakmp.js';
import { DecryptEngine } from '../src/decrypt/engine.js';
import { emptyKeyMaterial, type DhEntry, type Ikev2SaKeyEntry, type KeyMaterial } from '../src/decrypt/types.js';
import { parseIkev2DecryptionTable } from '../src/decrypt/keys/wireshark.js';
import { loadLibreswanLog } from '../src/decrypt/keys/libreswan.js';
import { encrByStrongswan, integByStrongswan, prfByStrongswan } from '../src/decrypt/algorithms.js';
import { makeEncr, makeInteg } from '../src/decrypt/cipher/index.js';
import { dhPublicValue, dhSharedSecret } from '../src/decrypt/dh.js';
import { childSaSizes, deriveChildSaKeys, deriveIkeSaKeys, ikeSaSizes, skeyseed } from '../src/decrypt/kdf/ikev2.js';
import { pskAuth, signedOctets } from '../src/decrypt/ikev2/auth.js';
import { GENERATED, generatedCases, childDhSecrets } from './helpers.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface SaKeysJson { spi: string; src: string; dst: string; encr_key?: string | null; integ_key?: string | null }
interface ChildJson { ike_uniqueid: number; protocol: 'ESP' | 'AH'; dh_group: string | null; exchange: string; sas: SaKeysJson[] }
interface IkeJson { uniqueid: number; local_host?: string; initiator_spi: string; responder_spi: string; encr_alg: string; encr_keysize: number | null; integ_alg: string | null; prf_alg: string; keys: Record<string, string> }
interface KeysJson { ike_sas?: IkeJson[]; child_sas?: ChildJson[] }

const readKeys = (c: string): KeysJson => JSON.parse(readFileSync(join(GENERATED, c, 'keys', 'keys.json'), 'utf8')) as KeysJson;
const casePsk = (c: string): string => (JSON.parse(readFileSync(join(GENERATED, c, 'case.json'), 'utf8')) as { psk: string }).psk;

const frameCache = new Map<string, Frame[]>();
async function frames(c: string): Promise<Frame[]> {
  let f = frameCache.get(c);
  if (!f) {
    f = [];
    const r = await openCapture(join(GENERATED, c, 'capture.pcap'));
    for await (const batch of r) for (const fr of batch) f.push({ ...fr, data: fr.data.slice() });
    frameCache.set(c, f);
  }
  return f;
}

/** learn pass in capture order, then the decrypt pass in `order`; packets by frame number. */
function run(keys: KeyMaterial, fs: readonly Frame[], order: 'forward' | 'reverse' = 'forward'): { engine: DecryptEngine; packets: Map<number, Packet> } {
  const engine = new DecryptEngine(keys);
  engine.setMode('learn');
  const learn = new PacketDissector({ decrypt: engine });
  for (const f of fs) learn.dissect(f);
  engine.setMode('decrypt');
  const d = new PacketDissector({ decrypt: engine });
  const packets = new Map<number, Packet>();
  const list = order === 'forward' ? fs : [...fs].reverse();
  for (const f of list) packets.set(f.number, d.dissect(f));
  return { engine, packets };
}

function ikeRecord(p: Packet): IsakmpRecord | undefined {
  const l = p.layers.find((x) => x.spec.id === 'isakmp');
  return l?.record as IsakmpRecord | undefined;
}

const encrypted = (r: IsakmpRecord | undefined): boolean => !!r && r.major === 2 && r.payloads.some((p) => p.encrypted);

/** Decrypted inner payload types per frame, from tshark -V (Wireshark decrypts with the table). */
function tsharkInner(c: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const f = join(GENERATED, c, 'capture.pcap.tshark-V.txt');
  if (!existsSync(f)) return out;
  let frame = 0;
  let level = -1;
  let inDec = false;
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const fm = /^Frame (\d+):/.exec(line);
    if (fm) {
      frame = Number(fm[1]);
      inDec = false;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (/^\s+Decrypted Data \(\d+ bytes\)$/.test(line)) {
      inDec = true;
      level = -1;
      out.set(frame, []);
      continue;
    }
    if (!inDec) continue;
    const pm = /^\s+Payload: [^(]*\((\d+)\)/.exec(line);
    if (pm && level < 0) level = indent;
    if (level >= 0 && indent < level && !/Contained Data/.test(line)) {
      inDec = false;
      continue;
    }
    if (pm && indent === level) out.get(frame)!.push(Number(pm[1]));
  }
  return out;
}

/** charon's view, for what tshark 4.0 cannot decrypt (ChaCha20-Poly1305): `parsed|generating EXCH request|response MID [ … ]`. */
function charonInner(c: string, keys: KeysJson): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const EXCH: Record<string, number> = { IKE_AUTH: 35, CREATE_CHILD_SA: 36, INFORMATIONAL: 37 };
  const abbrev = (t: string): number | undefined => {
    if (t.startsWith('N(')) return 41;
    if (t.startsWith('CP')) return 47;
    if (t.startsWith('EAP')) return 48;
    return ({ SA: 33, KE: 34, IDi: 35, IDr: 36, CERT: 37, CERTREQ: 38, AUTH: 39, No: 40, D: 42, V: 43, TSi: 44, TSr: 45 } as Record<string, number>)[t];
  };
  for (const name of ['initiator-charon.log', 'responder-charon.log', 'charon.log']) {
    const f = join(GENERATED, c, 'logs', name);
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      const m = /<[^|>]*\|(\d+)> (?:parsed|generating) (\w+) (request|response) (\d+) \[ (.*) \]$/.exec(line) ?? /<[^|>]*\|(\d+)> (?:parsed|generating) (\w+) (request|response) (\d+) \[ \]$/.exec(line);
      if (!m) continue;
      const ex = EXCH[m[2]!];
      const sa = keys.ike_sas?.find((s) => s.uniqueid === Number(m[1]));
      if (ex === undefined || !sa) continue;
      const types = (m[5] ?? '').split(' ').filter(Boolean).map(abbrev);
      if (types.some((t) => t === undefined)) continue;
      out.set(`${sa.initiator_spi}/${sa.responder_spi}:${ex}:${m[3]}:${m[4]}`, types as number[]);
    }
  }
  return out;
}


// ---------------------------------------------------------------- key material builders

function tableKeys(c: string): KeyMaterial {
  const km = emptyKeyMaterial();
  const t = parseIkev2DecryptionTable(readFileSync(join(GENERATED, c, 'keys', 'ikev2_decryption_table'), 'utf8'));
  assert.deepEqual(t.errors, []);
  for (const e of t.entries) {
    km.ikev2.push({
      spiI: e.spii,
      spiR: e.spir,
      encr: e.encr,
      ...(e.integ ? { integ: e.integ } : {}),
      ...(e.noCheckIcvLen !== undefined ? { noCheckIcvLen: e.noCheckIcvLen } : {}),
      skEi: e.skEi,
      skEr: e.skEr,
      skAi: e.skAi,
      skAr: e.skAr,
      origin: { kind: 'wireshark-ikev2', file: 'ikev2_decryption_table', line: e.line },
    });
  }
  return km;
}

/** SK_* with SK_d and SK_p, as a charon DBG4 log gives them. */
function logKeys(k: KeysJson): KeyMaterial {
  const km = emptyKeyMaterial();
  for (const s of k.ike_sas ?? []) {
    const integ = s.integ_alg ? integByStrongswan(s.integ_alg) : undefined;
    const e: Ikev2SaKeyEntry = {
      spiI: s.initiator_spi,
      spiR: s.responder_spi,
      encr: encrByStrongswan(s.encr_alg, s.encr_keysize)!,
      ...(integ ? { integ } : {}),
      prf: prfByStrongswan(s.prf_alg)!,
      skD: hex(s.keys.sk_d!),
      ...(s.keys.sk_ai ? { skAi: hex(s.keys.sk_ai) } : {}),
      ...(s.keys.sk_ar ? { skAr: hex(s.keys.sk_ar) } : {}),
      skEi: hex(s.keys.sk_ei!),
      skEr: hex(s.keys.sk_er!),
      skPi: hex(s.keys.sk_pi!),
      skPr: hex(s.keys.sk_pr!),
      origin: { kind: 'strongswan-log', file: 'keys.json' },
    };
    km.ikev2.push(e);
  }
  return km;
}

/** DH secrets only: each IKE SA's g^ir (scoped by its SPIs, or not), the CHILD SA PFS secrets unscoped. */
function dhKeys(c: string, k: KeysJson, scoped: boolean): KeyMaterial {
  const km = emptyKeyMaterial();
  for (const s of k.ike_sas ?? []) {
    const e: DhEntry = {
      sharedSecret: hex(s.keys.dh_secret!),
      ...(scoped ? { spiI: s.initiator_spi, spiR: s.responder_spi } : {}),
      origin: { kind: 'strongswan-log', file: 'keys.json', detail: `IKE SA ${s.uniqueid}` },
    };
    km.dh.push(e);
  }
  for (const [i, s] of childDhSecrets(c).entries()) km.dh.push({ sharedSecret: s, origin: { kind: 'strongswan-log', file: 'charon.log', detail: `CHILD PFS ${i + 1}` } });
  return km;
}

function withPsk(km: KeyMaterial, psk: string): KeyMaterial {
  km.psks.push({ psk: new TextEncoder().encode(psk), origin: { kind: 'cli' } });
  return km;
}

// ---------------------------------------------------------------- checks

/** Every encrypted IKEv2 message decrypts, ICV good, inner payload types as tshark/charon show them. */
function assertAllDecrypted(c: string, k: KeysJson, packets: Map<number, Packet>): number {
  const ts = tsharkInner(c);
  const ch = charonInner(c, k);
  let n = 0;
  for (const [num, p] of packets) {
    const r = ikeRecord(p);
    if (!encrypted(r)) continue;
    n++;
    const d = r!.decrypted;
    assert.ok(d, `frame ${num}: not decrypted`);
    assert.equal(d.status, 'ok', `frame ${num}: ${d.status}`);
    assert.equal(d.icv?.status, 'good', `frame ${num}: ICV`);
    assert.ok(d.source > 0 && p.sources[d.source]?.name === 'Decrypted IKE', `frame ${num}: plaintext source`);
    assert.ok(!d.notes.some((x) => x.def.id === 'isakmp.enc.pad.bad'), `frame ${num}: padding`);
    // IV and ICV ranges point into the frame: the ICV is the SK payload's last bytes.
    const sk = r!.payloads.find((x) => x.encrypted)!;
    const skEnd = sk.bodyOffset + sk.body.length;
    assert.equal(d.icv!.source, 0);
    assert.equal(d.icv!.offset + d.icv!.length, skEnd, `frame ${num}: ICV range`);
    assert.deepEqual(p.sources[0]!.bytes.subarray(d.ivRange!.offset, d.ivRange!.offset + d.ivRange!.length), d.iv);
    const got = d.payloads.map((x) => x.type);
    const want =
      ts.get(num) ??
      ch.get(`${toHex(r!.ispi!)}/${toHex(r!.rspi!)}:${r!.exchangeType}:${r!.flags! & 0x20 ? 'response' : 'request'}:${r!.messageId}`);
    assert.ok(want, `frame ${num}: neither tshark nor charon shows its payloads`);
    assert.deepEqual(got, want, `frame ${num}: inner payload types`);
  }
  return n;
}

function authChecks(packets: Map<number, Packet>): { frame: number; ok: boolean | undefined; detail?: string; notes: string[] }[] {
  const out: { frame: number; ok: boolean | undefined; detail?: string; notes: string[] }[] = [];
  for (const [num, p] of packets) {
    const d = ikeRecord(p)?.decrypted;
    for (const c of d?.checks ?? []) if (c.what === 'AUTH') out.push({ frame: num, ok: c.ok, ...(c.detail ? { detail: c.detail } : {}), notes: d!.notes.map((x) => x.def.id) });
  }
  return out;
}

/** Derived CHILD SAs equal keys.json's, SPI by SPI (encryption key with salt, integrity key). */
function assertChildren(engine: DecryptEngine, k: KeysJson, which: (ch: ChildJson) => boolean): number {
  const derived = engine.children.all().filter((s) => s.origin.kind === 'derived');
  let n = 0;
  for (const ch of (k.child_sas ?? []).filter(which)) {
    for (const s of ch.sas) {
      const got = derived.find((d) => d.spi === parseInt(s.spi, 16));
      assert.ok(got, `CHILD SA ${s.spi} (${ch.exchange}${ch.dh_group ? ', PFS' : ''}) derived`);
      assert.equal(got.protocol, ch.protocol.toLowerCase());
      assert.equal(got.encrKey ? toHex(got.encrKey) : null, s.encr_key ?? null, `encr key of ${s.spi}`);
      assert.equal(got.integKey ? toHex(got.integKey) : null, s.integ_key ?? null, `integ key of ${s.spi}`);
      assert.ok(got.ikeSa, 'names its IKE SA');
      n++;
    }
  }
  return n;
}

/** A frame-order-independent digest of what the decrypt pass showed. */
function digest(packets: Map<number, Packet>): string[] {
  const out: string[] = [];
  for (const num of [...packets.keys()].sort((a, b) => a - b)) {
    const p = packets.get(num)!;
    const d = ikeRecord(p)?.decrypted;
    if (!d) continue;
    out.push(
      JSON.stringify({
        num,
        status: d.status,
        icv: d.icv?.status,
        types: d.payloads.map((x) => x.type),
        src: d.source >= 0 ? toHex(p.sources[d.source]!.bytes) : '',
        checks: d.checks,
        notes: d.notes.map((x) => x.def.id),
        frames: d.fragmentFrames,
      }),
    );
  }
  return out;
}

// ---------------------------------------------------------------- per case

for (const c of generatedCases().filter((x) => x.ike_version === 2)) {
  const k = readKeys(c.case);
  if ((k.ike_sas ?? []).length === 0) {
    // Libreswan↔Libreswan: no keys.json; pluto's own debug log (parsed by keys/libreswan.ts) is the only key source.
    const pluto = join(GENERATED, c.case, 'logs', 'initiator-pluto.log');
    test(
      `${c.case}: SK_e/SK_a/SK_p from the pluto log decrypt every SK payload; AUTH verified with the case PSK (pluto logs no SK_d: no KEYMAT)`,
      existsSync(pluto) ? {} : { skip: 'Libreswan↔Libreswan without a pluto log: no key source' },
      async () => {
        const logged = loadLibreswanLog(pluto);
        const km = withPsk({ ...emptyKeyMaterial(), ikev2: logged.ikev2 }, casePsk(c.case));
        assert.ok(km.ikev2.length > 0 && km.ikev2.every((e) => e.skPi && e.skPr));
        const { engine, packets } = run(km, await frames(c.case));
        let n = 0;
        for (const [num, p] of packets) {
          const r = ikeRecord(p);
          if (!encrypted(r)) continue;
          const d = r!.decrypted!;
          assert.equal(d.status, 'ok', `frame ${num}`);
          assert.equal(d.icv?.status, 'good');
          assert.ok(d.payloads.length > 0 || r!.exchangeType === 37);
          n++;
        }
        assert.ok(n >= 2);
        const auth = authChecks(packets);
        assert.ok(auth.length >= 2 && auth.every((a) => a.ok === true));
        const want = logged.child.filter((e) => typeof e.spi === 'number');
        assert.ok(want.length >= 2);
        if (!km.ikev2.some((e) => e.skD)) {
          assert.equal(engine.children.all().length, 0);
          return;
        }
        for (const e of want) {
          const got = engine.children.all().find((x) => x.spi === e.spi);
          assert.ok(got, `CHILD SA ${(e.spi as number).toString(16)} derived`);
          assert.equal(toHex(got.encrKey ?? new Uint8Array(0)), toHex(e.encrKey ?? new Uint8Array(0)));
          assert.equal(toHex(got.integKey ?? new Uint8Array(0)), toHex(e.integKey ?? new Uint8Array(0)));
        }
      },
    );
    continue;
  }
  const psk = casePsk(c.case);
  const rekeyed = (k.ike_sas ?? []).length > 1;

  const haveTable = tableKeys(c.case).ikev2.length > 0;
  const noTable = { skip: 'Wireshark 4.0 has no ikev2_decryption_table label for this cipher (the table is empty)' };
  test(`${c.case}: (1) Wireshark ikev2_decryption_table decrypts every SK payload; no SK_d/SK_p, so no AUTH check and no CHILD SA`, haveTable ? {} : noTable, async () => {
    const fs = await frames(c.case);
    const { engine, packets } = run(withPsk(tableKeys(c.case), psk), fs);
    assert.ok(assertAllDecrypted(c.case, k, packets) >= 2);
    const auth = authChecks(packets);
    assert.ok(auth.length >= 2);
    for (const a of auth) assert.equal(a.ok, undefined, `frame ${a.frame}: AUTH cannot be checked without SK_p`);
    assert.equal(engine.children.all().length, 0);
    for (const r of engine.ikeSas()) assert.equal(r.keys?.kind, 'wireshark-ikev2');
  });

  test(`${c.case}: (1b) SK_* with SK_d/SK_p from the charon log: AUTH verified, CHILD SAs as logged`, async () => {
    const fs = await frames(c.case);
    const { engine, packets } = run(withPsk(logKeys(k), psk), fs);
    assertAllDecrypted(c.case, k, packets);
    const auth = authChecks(packets);
    assert.ok(auth.length >= 2);
    for (const a of auth) {
      assert.equal(a.ok, true, `frame ${a.frame}: ${a.detail}`);
      assert.ok(a.notes.includes('isakmp.auth.good'));
    }
    // Every CHILD SA whose PFS secret is not needed (KEYMAT from SK_d and the nonces alone).
    assertChildren(engine, k, (ch) => !ch.dh_group);
  });

  test(`${c.case}: (2) DH secret + PSK alone: SKEYSEED/SK_* derived, AUTH verified, every CHILD SA and rekeyed IKE SA as logged`, async () => {
    const fs = await frames(c.case);
    const { engine, packets } = run(withPsk(dhKeys(c.case, k, true), psk), fs);
    assertAllDecrypted(c.case, k, packets);
    const auth = authChecks(packets);
    assert.ok(auth.length >= 2);
    for (const a of auth) assert.equal(a.ok, true, `frame ${a.frame}: ${a.detail}`);
    const n = assertChildren(engine, k, () => true);
    assert.equal(n, (k.child_sas ?? []).reduce((a, ch) => a + ch.sas.length, 0));
    const reports = engine.ikeSas().filter((r) => r.version === 2);
    for (const s of k.ike_sas ?? []) {
      const r = reports.find((x) => x.spiI === s.initiator_spi && x.spiR === s.responder_spi);
      assert.ok(r, `IKE SA ${s.initiator_spi}/${s.responder_spi} tracked`);
      assert.equal(r.keys?.kind, 'derived');
      for (const [name, field] of [['SKEYSEED', 'skeyseed'], ['SK_d', 'sk_d'], ['SK_ei', 'sk_ei'], ['SK_er', 'sk_er'], ['SK_pi', 'sk_pi'], ['SK_pr', 'sk_pr'], ['SK_ai', 'sk_ai'], ['SK_ar', 'sk_ar']] as const) {
        const want = s.keys[field];
        if (!want) continue;
        assert.equal(r.secrets[name] ? toHex(r.secrets[name]) : undefined, want, `${name} of ${r.spiI}`);
      }
      assert.ok(r.decrypted > 0 && r.failed === 0);
    }
    if (rekeyed) {
      const newer = reports.filter((r) => r.rekeyOf);
      assert.equal(newer.length, (k.ike_sas ?? []).length - 1);
      assert.ok(newer.every((r) => reports.some((o) => `${o.spiI}/${o.spiR}` === r.rekeyOf)));
    }
  });

  if (!rekeyed) {
    test(`${c.case}: (2b) unscoped DH secrets are tried in turn and the ICV picks the right one`, async () => {
      const fs = await frames(c.case);
      const km = dhKeys(c.case, k, false);
      const real = km.dh[0]!.sharedSecret!;
      const decoy = real.slice();
      decoy[0]! ^= 1;
      km.dh.unshift({ sharedSecret: decoy, origin: { kind: 'cli', detail: 'decoy' } });
      const { engine, packets } = run(withPsk(km, psk), fs);
      assertAllDecrypted(c.case, k, packets);
      assertChildren(engine, k, (ch) => !ch.dh_group);
      // A PFS secret is not verified by anything in IKE: with the decoy left over, the pick is flagged as a guess.
      for (const ch of (k.child_sas ?? []).filter((x) => x.dh_group)) {
        for (const s of ch.sas) {
          const got = engine.children.all().find((d) => d.spi === parseInt(s.spi, 16));
          assert.match(got?.origin.detail ?? '', /guessed: first of 2 DH secrets/);
        }
      }
      const r = engine.ikeSas()[0]!;
      assert.match(r.keys?.detail ?? '', /IKE SA 1/);
    });
  }

  test(`${c.case}: wrong SK_ai → the initiator's messages fail the ICV (note, no plaintext, no payloads); the responder's still decrypt`, async () => {
    const fs = await frames(c.case);
    const km = logKeys(k);
    const e = km.ikev2[0]!;
    const aead = e.encr!.aead;
    // AEAD has no SK_a: the same test with SK_ei.
    const bad = (aead ? e.skEi : e.skAi)!.slice();
    bad[bad.length - 1]! ^= 0x80;
    km.ikev2[0] = aead ? { ...e, skEi: bad } : { ...e, skAi: bad };
    const { packets } = run(km, fs);
    let bads = 0;
    let goods = 0;
    for (const [num, p] of packets) {
      const r = ikeRecord(p);
      if (!encrypted(r) || `${toHex(r!.ispi!)}/${toHex(r!.rspi!)}` !== `${e.spiI}/${e.spiR}`) continue;
      const d = r!.decrypted!;
      if (r!.flags! & 0x08) {
        assert.equal(d.status, 'icv-bad', `frame ${num}`);
        assert.equal(d.source, -1);
        assert.equal(d.payloads.length, 0);
        assert.equal(d.icv?.status, 'bad');
        assert.ok(d.notes.some((x) => x.def.id === 'isakmp.enc.icv.bad'));
        assert.equal(p.sources.some((s) => s.name === 'Decrypted IKE'), false);
        bads++;
      } else {
        assert.equal(d.status, 'ok', `frame ${num}`);
        goods++;
      }
    }
    assert.ok(bads > 0 && goods > 0);
  });

  test(`${c.case}: a flipped ciphertext byte → ICV mismatch in that frame only`, async () => {
    const fs = await frames(c.case);
    const { packets: clean } = run(logKeys(k), fs);
    const target = [...clean].find(([, p]) => encrypted(ikeRecord(p)))!;
    const [num, pkt] = target;
    const l = pkt.layers.find((x) => x.spec.id === 'isakmp')!;
    const sk = (l.record as IsakmpRecord).payloads.find((x) => x.encrypted)!;
    const at = sk.bodyOffset + Math.floor(sk.body.length / 2);
    const tampered = fs.map((f) => {
      if (f.number !== num) return f;
      const data = f.data.slice();
      data[at]! ^= 0x01;
      return { ...f, data };
    });
    const { packets } = run(logKeys(k), tampered);
    const d = ikeRecord(packets.get(num)!)!.decrypted!;
    assert.equal(d.status, 'icv-bad');
    assert.equal(d.payloads.length, 0);
    assert.ok(d.notes.some((x) => x.def.id === 'isakmp.enc.icv.bad'));
    let ok = 0;
    for (const [n2, p] of packets) if (n2 !== num && encrypted(ikeRecord(p))) ok += ikeRecord(p)!.decrypted?.status === 'ok' ? 1 : 0;
    assert.ok(ok > 0);
  });

  test(`${c.case}: wrong PSK → AUTH does not verify (auth.bad), decryption unaffected`, async () => {
    const fs = await frames(c.case);
    const { packets } = run(withPsk(dhKeys(c.case, k, true), `${psk}x`), fs);
    assertAllDecrypted(c.case, k, packets);
    const auth = authChecks(packets);
    assert.ok(auth.length >= 2);
    for (const a of auth) {
      assert.equal(a.ok, false);
      assert.ok(a.notes.includes('isakmp.auth.bad'));
    }
  });

  test(`${c.case}: decrypt pass in reverse frame order gives the same results`, async () => {
    const fs = await frames(c.case);
    const km = () => withPsk(dhKeys(c.case, k, true), psk);
    const a = run(km(), fs, 'forward');
    const b = run(km(), fs, 'reverse');
    assert.deepEqual(digest(b.packets), digest(a.packets));
    assert.ok(digest(a.packets).length > 0);
    const strip = (e: DecryptEngine) => e.ikeSas().map((r) => ({ ...r, secrets: Object.keys(r.secrets) }));
    assert.deepEqual(strip(b.engine), strip(a.engine));
  });
}

// ---------------------------------------------------------------- SKF (RFC 7383), built from a real exchange

test('SKF: IKE_AUTH request re-sent as 3 fragments (each verified and decrypted alone) reassembles in the highest frame, AUTH verified, view-order independent', async () => {
  const c = 'sw-ikev2-rekey';
  const k = readKeys(c);
  const fs = await frames(c);
  const psk = casePsk(c);
  const { packets } = run(withPsk(dhKeys(c, k, true), psk), fs);
  // The IKE_AUTH request and its plaintext.
  const [authNum, authPkt] = [...packets].find(([, p]) => ikeRecord(p)?.exchangeType === 35 && !(ikeRecord(p)!.flags! & 0x20))!;
  const layer = authPkt.layers.find((x) => x.spec.id === 'isakmp')!;
  const rec = layer.record as IsakmpRecord;
  const d = rec.decrypted!;
  const sk = rec.payloads.find((x) => x.encrypted)!;
  const inner = authPkt.sources[d.source]!.bytes.subarray(0, d.padding!.offset);
  const wantTypes = d.payloads.map((x) => x.type);
  const s = k.ike_sas![0]!;
  const encr = makeEncr(encrByStrongswan(s.encr_alg, s.encr_keysize)!, hex(s.keys.sk_ei!));
  const integ = makeInteg(integByStrongswan(s.integ_alg!)!, hex(s.keys.sk_ai!));
  const frameData = authPkt.frame.data;
  const msgStart = layer.offset;
  const header = frameData.slice(msgStart, msgStart + 28);
  // UDP header right before the message, or before the 4-byte non-ESP marker (RFC 3948 §2.2).
  const plainUdp = new DataView(frameData.buffer, frameData.byteOffset).getUint16(msgStart - 8 + 4) === frameData.length - (msgStart - 8);
  const udpStart = msgStart - 8 - (plainUdp ? 0 : 4);
  const total = 3;
  const size = Math.ceil(inner.length / total);
  const fragFrames: Frame[] = [];
  // The fragments take the request's place in the capture; later frames move up.
  const base = authNum - 1;
  for (let i = 0; i < total; i++) {
    const part = inner.subarray(i * size, Math.min(inner.length, (i + 1) * size));
    const padLen = (16 - ((part.length + 1) % 16)) % 16;
    const pt = new Uint8Array(part.length + padLen + 1);
    pt.set(part);
    pt[pt.length - 1] = padLen;
    const iv = Uint8Array.from({ length: 16 }, (_, j) => (i * 31 + j * 7) & 0xff);
    const ct = encr.encrypt(iv, pt);
    const skfLen = 4 + 4 + iv.length + ct.length + 16;
    const msgLen = 28 + skfLen;
    const msg = new Uint8Array(msgLen);
    msg.set(header);
    msg[16] = 53; // SKF
    new DataView(msg.buffer).setUint32(24, msgLen);
    msg[28] = i === 0 ? sk.nextPayload : 0;
    new DataView(msg.buffer).setUint16(30, skfLen);
    new DataView(msg.buffer).setUint16(32, i + 1);
    new DataView(msg.buffer).setUint16(34, total);
    msg.set(iv, 36);
    msg.set(ct, 36 + iv.length);
    msg.set(integ.mac(msg.subarray(0, 36 + iv.length + ct.length)), 36 + iv.length + ct.length);
    const data = new Uint8Array(msgStart + msgLen);
    data.set(frameData.subarray(0, msgStart));
    data.set(msg, msgStart);
    // Fix the IPv4 total length (header checksum recomputed) and the UDP length (checksum 0).
    const ipStart = udpStart - 20;
    new DataView(data.buffer).setUint16(ipStart + 2, data.length - ipStart);
    new DataView(data.buffer).setUint16(ipStart + 10, 0);
    let sum = 0;
    for (let j = 0; j < 20; j += 2) sum += (data[ipStart + j]! << 8) | data[ipStart + j + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    new DataView(data.buffer).setUint16(ipStart + 10, ~sum & 0xffff);
    new DataView(data.buffer).setUint16(udpStart + 4, data.length - udpStart);
    new DataView(data.buffer).setUint16(udpStart + 6, 0);
    // Fragments 3, 1, 2 in capture order: frame numbers decide, not arrival.
    const order = [2, 0, 1];
    fragFrames.push({ ...authPkt.frame, number: base + 1 + order.indexOf(i), data, caplen: data.length, origLen: data.length });
  }
  fragFrames.sort((a, b) => a.number - b.number);
  const capture = [
    ...fs.filter((f) => f.number < authNum),
    ...fragFrames,
    ...fs.filter((f) => f.number > authNum).map((f) => ({ ...f, number: f.number + total - 1 })),
  ];
  const fwd = run(withPsk(dhKeys(c, k, true), psk), capture, 'forward');
  const rev = run(withPsk(dhKeys(c, k, true), psk), capture, 'reverse');
  const last = fragFrames[fragFrames.length - 1]!.number;
  for (const f of fragFrames) {
    const r = ikeRecord(fwd.packets.get(f.number)!)!;
    const dd = r.decrypted!;
    assert.equal(dd.status, 'ok', `fragment in frame ${f.number}`);
    assert.equal(dd.icv?.status, 'good');
    if (f.number === last) {
      assert.deepEqual(dd.payloads.map((x) => x.type), wantTypes);
      assert.deepEqual(dd.fragmentFrames, fragFrames.map((x) => x.number));
      assert.deepEqual(fwd.packets.get(f.number)!.sources[dd.source]!.bytes, inner);
      assert.equal(dd.checks?.find((x) => x.what === 'AUTH')?.ok, true);
    } else {
      assert.equal(dd.payloads.length, 0);
      assert.equal(dd.fragmentFrames, undefined);
    }
  }
  assert.deepEqual(digest(rev.packets), digest(fwd.packets));
  // The CHILD SA of IKE_AUTH still derives from the reassembled request's SA payload.
  assertChildren(fwd.engine, k, (ch) => ch.exchange === 'IKE_AUTH');
});

// ---------------------------------------------------------------- IKE_SA_INIT retries, KE-matched DH secrets, counters

/** The first IKE_SA_INIT request of a capture and its KE / nonce payloads. */
function initRequest(packets: Map<number, Packet>): { num: number; rec: IsakmpRecord; pkt: Packet } {
  const [num, pkt] = [...packets].find(([, p]) => ikeRecord(p)?.exchangeType === 34 && !(ikeRecord(p)!.flags! & 0x20))!;
  return { num, rec: ikeRecord(pkt)!, pkt };
}

test('IKE_SA_INIT retry (COOKIE / INVALID_KE_PAYLOAD): the last request before the accepted response is RealMessage1', async () => {
  const c = 'sw-ikev2-psk-aes128gcm';
  const k = readKeys(c);
  const fs = await frames(c);
  const psk = casePsk(c);
  const km = () => withPsk(dhKeys(c, k, true), psk);
  const { packets } = run(km(), fs);
  const { num, rec } = initRequest(packets);
  const nonce = rec.payloads.find((x) => x.type === 40)!;
  // An earlier attempt with another nonce (as a first request answered by COOKIE would be).
  const orig = fs.find((f) => f.number === num)!;
  const data = orig.data.slice();
  data[nonce.bodyOffset]! ^= 0xff;
  const attempt: Frame = { ...orig, data };
  const shift = (list: readonly Frame[], from: number) => list.map((f) => (f.number >= from ? { ...f, number: f.number + 1 } : f));
  // (a) attempt first, then the real request: AUTH verifies, keys derive.
  const a = [...fs.filter((f) => f.number < num), { ...attempt, number: num }, ...shift(fs.filter((f) => f.number >= num), num)];
  const ra = run(km(), a);
  assertAllDecrypted(c, k, new Map([...ra.packets].filter(([n]) => n !== num).map(([n, p]) => [n - 1 >= num ? n - 1 : n, p])));
  for (const x of authChecks(ra.packets)) assert.equal(x.ok, true, `frame ${x.frame}`);
  // (b) the altered request last before the response: it counts, so the initiator's AUTH (signed over it) and
  // the responder's (whose Ni it carries) no longer verify, while decryption (from the DH secret and the response's
  // Nr plus the altered Ni) fails the ICV: the keys really depend on which request is taken.
  const b = [...fs.filter((f) => f.number <= num), { ...attempt, number: num + 1 }, ...shift(fs.filter((f) => f.number > num), num + 1)];
  const rb = run(km(), b);
  const statuses = [...rb.packets.values()].map((p) => ikeRecord(p)).filter(encrypted).map((r) => r!.decrypted?.status);
  assert.ok(statuses.length > 0 && statuses.every((st) => st !== 'ok'));
});

test('DH secret matched by the KE public value (no SPIs), on an ECP group', async () => {
  const c = 'sw-ikev2-psk-aes256-ecp384';
  const k = readKeys(c);
  const fs = await frames(c);
  const first = run(emptyKeyMaterial(), fs);
  const { rec } = initRequest(first.packets);
  const ke = rec.payloads.find((x) => x.type === 34)!;
  const km = withPsk(emptyKeyMaterial(), casePsk(c));
  // A decoy that names another exchange's public value comes first; it is never tried here.
  km.dh.push({ sharedSecret: new Uint8Array(48).fill(7), publicValue: new Uint8Array(96).fill(1), origin: { kind: 'cli', detail: 'other exchange' } });
  km.dh.push({ sharedSecret: hex(k.ike_sas![0]!.keys.dh_secret!), publicValue: ke.body.slice(4), origin: { kind: 'cli', detail: 'by KEi' } });
  const { engine, packets } = run(km, fs);
  assertAllDecrypted(c, k, packets);
  assertChildren(engine, k, () => true);
  assert.match(engine.ikeSas()[0]!.keys?.detail ?? '', /by KEi/);
  // Without a scope or a matching public value the only secret is not used at all.
  const km2 = emptyKeyMaterial();
  km2.dh.push({ sharedSecret: hex(k.ike_sas![0]!.keys.dh_secret!), publicValue: new Uint8Array(96).fill(1), origin: { kind: 'cli' } });
  const r2 = run(km2, fs);
  for (const p of r2.packets.values()) assert.equal(ikeRecord(p)?.decrypted, undefined);
});

test('IKE SA counters are kept in the decrypt pass only, once per frame', async () => {
  const c = 'sw-ikev2-rekey';
  const k = readKeys(c);
  const fs = await frames(c);
  const engine = new DecryptEngine(withPsk(dhKeys(c, k, true), casePsk(c)));
  engine.setMode('learn');
  const d = new PacketDissector({ decrypt: engine });
  for (const f of fs) d.dissect(f);
  assert.ok(engine.ikeSas().every((r) => r.messages === 0 && r.decrypted === 0));
  engine.setMode('decrypt');
  for (const f of fs) d.dissect(f);
  for (const f of fs) d.dissect(f); // viewed twice: counted once
  const reports = engine.ikeSas();
  const total = reports.reduce((a, r) => a + r.messages, 0);
  const ikeFrames = [...run(emptyKeyMaterial(), fs).packets.values()].filter((p) => ikeRecord(p)?.major === 2).length;
  assert.equal(total, ikeFrames);
  assert.equal(reports.reduce((a, r) => a + r.decrypted, 0), reports.reduce((a, r) => a + r.encrypted, 0));
  assert.ok(reports[0]!.checks.length >= 2 && reports[0]!.checks.every((x) => x.ok === true));
  assert.deepEqual([...reports[0]!.children].sort(), (k.child_sas ?? []).filter((ch) => ch.ike_uniqueid === 1).flatMap((ch) => ch.sas.map((s) => s.spi)).sort());
});

test('mutated IKE frames never throw out of the hooks (both passes, every case with keys)', async () => {
  let seed = 0x1234567;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 0x1000000;
  for (const c of generatedCases().filter((x) => x.ike_version === 2)) {
    const k = readKeys(c.case);
    if ((k.ike_sas ?? []).length === 0) continue;
    const fs = await frames(c.case);
    const plain = run(emptyKeyMaterial(), fs).packets;
    for (let round = 0; round < 8; round++) {
      const mutated = fs.map((f) => {
        const l = plain.get(f.number)!.layers.find((x) => x.spec.id === 'isakmp');
        if (!l || rnd() < 0.3) return f;
        const data = f.data.slice();
        const n = 1 + Math.floor(rnd() * 4);
        for (let i = 0; i < n; i++) data[l.offset + Math.floor(rnd() * (data.length - l.offset))] = Math.floor(rnd() * 256);
        const cut = rnd() < 0.2 ? l.offset + Math.floor(rnd() * (data.length - l.offset)) : data.length;
        return { ...f, data: data.subarray(0, cut), caplen: cut };
      });
      const km = dhKeys(c.case, k, round % 2 === 0);
      for (const e of logKeys(k).ikev2) km.ikev2.push(e);
      withPsk(km, casePsk(c.case));
      assert.doesNotThrow(() => run(km, mutated), `${c.case} round ${round}`);
    }
  }
});

test("mode 'both' (one pass, live capture) gives the same results as learn + decrypt", async () => {
  const c = 'sw-ikev2-rekey';
  const k = readKeys(c);
  const fs = await frames(c);
  const km = () => withPsk(dhKeys(c, k, true), casePsk(c));
  const two = run(km(), fs);
  const engine = new DecryptEngine(km());
  engine.setMode('both');
  const d = new PacketDissector({ decrypt: engine });
  const one = new Map<number, Packet>();
  for (const f of fs) one.set(f.number, d.dissect(f));
  assert.deepEqual(digest(one), digest(two.packets));
  assertChildren(engine, k, () => true);
});

test('capture without IKE_SA_INIT: table keys still decrypt by SPIs; AUTH not checked (IKE_SA_INIT not captured)', async () => {
  const c = 'uml-sw-ikev2-esp-tunnel';
  const k = readKeys(c);
  const fs = await frames(c);
  const plain = run(emptyKeyMaterial(), fs).packets;
  const rest = fs.filter((f) => ikeRecord(plain.get(f.number)!)?.exchangeType !== 34);
  assert.ok(rest.length < fs.length);
  const km = withPsk(logKeys(k), casePsk(c));
  const { packets, engine } = run(km, rest);
  assertAllDecrypted(c, k, packets);
  const auth = authChecks(packets);
  assert.ok(auth.length >= 2 && auth.every((a) => a.ok === undefined && /IKE_SA_INIT not captured/.test(a.detail ?? '')));
  // Without the IKE_SA_INIT nonces there is no IKE_AUTH KEYMAT.
  assert.equal(engine.children.all().length, 0);
});

test('PSKs scoped by peer address or identity are tried before unscoped ones; a PSK scoped elsewhere is not used', async () => {
  const c = 'sw-ikev2-psk-3des-modp1024';
  const k = readKeys(c);
  const fs = await frames(c);
  const psk = new TextEncoder().encode(casePsk(c));
  const wrong = new TextEncoder().encode('not-the-psk');
  const cases: { psks: KeyMaterial['psks']; want: boolean | undefined; detail: RegExp }[] = [
    { psks: [{ psk: wrong, origin: { kind: 'cli', detail: 'loose' } }, { psk, id: 'responder.gcap.test', origin: { kind: 'cli', detail: 'by id' } }], want: true, detail: /by id/ },
    { psks: [{ psk: wrong, origin: { kind: 'cli' } }, { psk, peer: '10.99.1.2', origin: { kind: 'cli', detail: 'by peer' } }], want: true, detail: /by peer/ },
    { psks: [{ psk, peer: '192.0.2.1', origin: { kind: 'cli' } }, { psk, id: 'someone.else', origin: { kind: 'cli' } }], want: undefined, detail: /no PSK/ },
    { psks: [{ psk: wrong, origin: { kind: 'cli' } }, { psk: wrong, origin: { kind: 'cli' } }], want: false, detail: /none of 2 PSKs/ },
  ];
  for (const t of cases) {
    const km = dhKeys(c, k, true);
    km.psks.push(...t.psks);
    const auth = authChecks(run(km, fs).packets);
    assert.ok(auth.length >= 2);
    for (const a of auth) {
      assert.equal(a.ok, t.want);
      assert.match(a.detail ?? '', t.detail);
    }
  }
});

test('DH private values: the capture re-keyed with known private values (KE, AUTH and every SK payload rebuilt); g^ir computed, keys, AUTH and KEYMAT as computed here', async () => {
  const c = 'sw-ikev2-psk-3des-modp1024';
  const k = readKeys(c);
  const fs = await frames(c);
  const psk = casePsk(c);
  const s = k.ike_sas![0]!;
  const prfRow = prfByStrongswan(s.prf_alg)!;
  const encrRow = encrByStrongswan(s.encr_alg, s.encr_keysize)!;
  const integRow = integByStrongswan(s.integ_alg!)!;
  const { packets } = run(withPsk(logKeys(k), psk), fs);
  const group = 2;
  const xi = Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + 5) & 0xff);
  const xr = Uint8Array.from({ length: 32 }, (_, i) => (i * 29 + 11) & 0xff);
  const pubI = dhPublicValue(group, xi)!;
  const pubR = dhPublicValue(group, xr)!;
  const gir = dhSharedSecret(group, xi, pubR)!;
  assert.deepEqual(dhSharedSecret(group, xr, pubI), gir);
  const edited = new Map<number, Uint8Array>();
  let ni: Uint8Array | undefined;
  let nr: Uint8Array | undefined;
  let msg1: Uint8Array | undefined;
  let msg2: Uint8Array | undefined;
  for (const [num, p] of packets) {
    const r = ikeRecord(p);
    if (r?.exchangeType !== 34) continue;
    const l = p.layers.find((x) => x.spec.id === 'isakmp')!;
    const data = p.frame.data.slice();
    const ke = r.payloads.find((x) => x.type === 34)!;
    const resp = (r.flags! & 0x20) !== 0;
    data.set(resp ? pubR : pubI, ke.bodyOffset + 4);
    edited.set(num, data);
    const msg = data.slice(l.offset, l.offset + r.length!);
    const nonce = r.payloads.find((x) => x.type === 40)!.body.slice();
    if (resp) [nr, msg2] = [nonce, msg];
    else [ni, msg1] = [nonce, msg];
  }
  assert.ok(ni && nr && msg1 && msg2);
  const seed = skeyseed(prfRow, ni, nr, gir);
  const sk = deriveIkeSaKeys(prfRow, seed, ni, nr, hex(s.initiator_spi), hex(s.responder_spi), ikeSaSizes(encrRow, integRow));
  for (const [num, p] of packets) {
    const r = ikeRecord(p);
    if (!encrypted(r)) continue;
    const d = r!.decrypted!;
    const l = p.layers.find((x) => x.spec.id === 'isakmp')!;
    const fromInit = (r!.flags! & 0x08) !== 0;
    const pt = p.sources[d.source]!.bytes.slice();
    const auth = d.payloads.find((x) => x.type === 39);
    if (auth) {
      // RFC 7296 §2.15 over the new IKE_SA_INIT messages and the new SK_p.
      const id = d.payloads.find((x) => x.type === (fromInit ? 35 : 36))!;
      const octets = signedOctets(prfRow, fromInit ? msg1 : msg2, fromInit ? nr : ni, fromInit ? sk.SK_pi : sk.SK_pr, id.body);
      pt.set(pskAuth(prfRow, new TextEncoder().encode(psk), octets), auth.bodyOffset + 4);
    }
    const data = p.frame.data.slice();
    const skp = r!.payloads.find((x) => x.encrypted)!;
    const iv = data.slice(skp.bodyOffset, skp.bodyOffset + encrRow.ivLen);
    const ct = makeEncr(encrRow, fromInit ? sk.SK_ei : sk.SK_er).encrypt(iv, pt);
    data.set(ct, skp.bodyOffset + encrRow.ivLen);
    const icvAt = skp.bodyOffset + encrRow.ivLen + ct.length;
    data.set(makeInteg(integRow, fromInit ? sk.SK_ai : sk.SK_ar).mac(data.subarray(l.offset, icvAt)), icvAt);
    edited.set(num, data);
  }
  const rekeyed = fs.map((f) => (edited.has(f.number) ? { ...f, data: edited.get(f.number)! } : f));
  const ch = k.child_sas![0]!;
  const cEncr = encrByStrongswan((ch as unknown as { encr_alg: string }).encr_alg, (ch as unknown as { encr_keysize: number }).encr_keysize)!;
  const cInteg = integByStrongswan((ch as unknown as { integ_alg: string }).integ_alg)!;
  const km = deriveChildSaKeys(prfRow, sk.SK_d, ni, nr, childSaSizes(cEncr, cInteg));
  for (const [label, entry] of [
    ['initiator private value, public value computed', { privateValue: xi, group }],
    ['responder private value with its public value', { privateValue: xr, publicValue: pubR }],
  ] as const) {
    const keys = withPsk(emptyKeyMaterial(), psk);
    keys.dh.push({ ...entry, origin: { kind: 'cli', detail: label } });
    const { engine, packets: out } = run(keys, rekeyed);
    let n = 0;
    for (const p of out.values()) {
      const r = ikeRecord(p);
      if (!encrypted(r)) continue;
      assert.equal(r!.decrypted?.status, 'ok', label);
      n++;
    }
    assert.ok(n >= 2);
    const auth = authChecks(out);
    assert.ok(auth.length === 2 && auth.every((a) => a.ok === true), label);
    const rep = engine.ikeSas()[0]!;
    assert.equal(toHex(rep.secrets.SKEYSEED!), toHex(seed));
    const initSpi = ch.sas.find((x) => x.src === s.local_host)!.spi; // initiator→responder: the responder's SPI
    const i2r = engine.children.all().find((x) => x.spi === parseInt(initSpi, 16))!;
    assert.equal(toHex(i2r.encrKey!), toHex(km.encrI));
    assert.equal(toHex(i2r.integKey!), toHex(km.integI));
    assert.equal(i2r.direction, 'i2r');
  }
});
