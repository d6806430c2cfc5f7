/**
 * ESP decryption and AH verification end to end (issue 4): every generated fixture with ESP or
 * AH is dissected through the DecryptEngine with the keys the fixture ships (keys/keys.json
 * from the charon log, and keys/esp_sa, Wireshark's table), and every ESP packet with keys must
 * decrypt with a good ICV into an inner packet the ordinary dissectors parse; every AH ICV must
 * verify. Negative cases change one key byte, cut the ICV, or claim ESN, and must fail with the
 * right note and no inner layers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openCapture } from '../src/capture/index.js';
import { PacketDissector, layerTree, type Packet } from '../src/dissect/packet.js';
import { DecryptEngine } from '../src/decrypt/engine.js';
import { emptyKeyMaterial, type ChildSaKeyEntry, type KeyMaterial } from '../src/decrypt/types.js';
import { encrByStrongswan, integByStrongswan, ENCRS, INTEGS } from '../src/decrypt/algorithms.js';
import { parseEspSaTable } from '../src/decrypt/keys/wireshark.js';
import type { EspRecord } from '../src/dissect/esp.js';
import type { AhRecord } from '../src/dissect/ah.js';
import { hexToBytes } from '../src/core/bytes.js';
import type { Frame } from '../src/capture/types.js';
import { inferSeqHigh } from '../src/decrypt/esp/engine.js';
import { makeEncr, makeInteg } from '../src/decrypt/cipher/index.js';
import { nodeLine, type TreeNode } from '../src/core/tree.js';
import { GENERATED, generatedCases } from './helpers.js';

interface KeysJsonSa {
  spi: string;
  src: string;
  dst: string;
  encr_key: string | null;
  integ_key: string | null;
}
interface KeysJsonChild {
  protocol: 'ESP' | 'AH';
  encr_alg: string | null;
  encr_keysize: number | null;
  integ_alg: string | null;
  sas: KeysJsonSa[];
}

interface XfrmSa {
  src: string;
  dst: string;
  proto: 'esp' | 'ah';
  spi: string;
  auth_alg?: string;
  auth_key?: string;
  auth_trunc_bits?: number;
  enc_alg?: string;
  enc_key?: string;
  aead_alg?: string;
  aead_key?: string;
  aead_icv_bits?: number;
}

/** Linux xfrm algorithm names (ip xfrm state) → rows: the few the fixtures use. */
function xfrmEntry(x: XfrmSa): ChildSaKeyEntry {
  const hmac: Record<string, string> = { 'hmac(sha1)': 'HMAC_SHA1_96', 'hmac(sha256)': 'HMAC_SHA2_256_128', 'hmac(md5)': 'HMAC_MD5_96' };
  let encr;
  let encrKey: Uint8Array | undefined;
  if (x.enc_alg === 'cbc(aes)') {
    encrKey = hexToBytes(x.enc_key!);
    encr = encrByStrongswan('AES_CBC', encrKey.length * 8);
  } else if (x.aead_alg === 'rfc4106(gcm(aes))') {
    encrKey = hexToBytes(x.aead_key!);
    encr = encrByStrongswan(`AES_GCM_${x.aead_icv_bits! / 8}`, (encrKey.length - 4) * 8);
  }
  const integ = x.auth_alg ? integByStrongswan(hmac[x.auth_alg]!) : INTEGS.find((r) => r.ikev2Id === 0);
  assert.ok(integ && (x.proto === 'ah' || encr), `xfrm ${x.enc_alg ?? x.aead_alg}/${x.auth_alg} has rows`);
  return {
    protocol: x.proto,
    spi: parseInt(x.spi, 16),
    src: x.src,
    dst: x.dst,
    ...(encr ? { encr, encrKey: encrKey! } : {}),
    integ,
    ...(x.auth_key ? { integKey: hexToBytes(x.auth_key) } : {}),
    origin: { kind: 'xfrm', file: 'keys.json' },
  };
}

/** KeyMaterial from keys/keys.json child SAs (strongSwan names), or its kernel xfrm SAs when no charon log gave any. */
function keysFromJson(dir: string, tweak?: (e: ChildSaKeyEntry) => ChildSaKeyEntry): KeyMaterial {
  const j = JSON.parse(readFileSync(join(dir, 'keys/keys.json'), 'utf8')) as { child_sas?: KeysJsonChild[]; kernel_xfrm_sas?: XfrmSa[] };
  const km = emptyKeyMaterial();
  if (!j.child_sas?.length) for (const x of j.kernel_xfrm_sas ?? []) km.child.push(tweak ? tweak(xfrmEntry(x)) : xfrmEntry(x));
  for (const c of j.child_sas ?? []) {
    for (const s of c.sas) {
      const protocol = c.protocol === 'AH' ? 'ah' : 'esp';
      const encr = c.encr_alg ? encrByStrongswan(c.encr_alg, c.encr_keysize) : undefined;
      // AEAD suites log no integrity algorithm: NONE.
      const integ = c.integ_alg ? integByStrongswan(c.integ_alg) : INTEGS.find((r) => r.ikev2Id === 0);
      if (protocol === 'esp') assert.ok(encr, `${c.encr_alg}/${c.encr_keysize} has a row`);
      assert.ok(integ, `${c.integ_alg} has a row`);
      let e: ChildSaKeyEntry = {
        protocol,
        spi: parseInt(s.spi, 16),
        src: s.src,
        dst: s.dst,
        ...(encr ? { encr, encrKey: hexToBytes(s.encr_key ?? '') } : {}),
        integ,
        ...(s.integ_key ? { integKey: hexToBytes(s.integ_key) } : {}),
        origin: { kind: 'strongswan-log', file: 'keys.json' },
      };
      if (tweak) e = tweak(e);
      km.child.push(e);
    }
  }
  return km;
}

/** KeyMaterial from keys/esp_sa (Wireshark's table) through the real parser. */
function keysFromEspSa(dir: string): KeyMaterial {
  const t = parseEspSaTable(readFileSync(join(dir, 'keys/esp_sa'), 'utf8'), 'esp_sa');
  assert.deepEqual(t.errors, []);
  const km = emptyKeyMaterial();
  for (const e of t.entries) {
    km.child.push({
      protocol: 'esp',
      spi: e.spiValue ?? e.spi,
      src: e.src,
      dst: e.dst,
      encr: e.encr,
      encrKey: e.encrKey,
      ...(e.auth ? { integ: e.auth, integKey: e.authKey } : {}),
      ...(e.noCheckIcvLen !== undefined ? { noCheckIcvLen: e.noCheckIcvLen } : {}),
      origin: { kind: 'wireshark-esp', file: e.file, line: e.line },
    });
  }
  return km;
}

async function frames(path: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const batch of await openCapture(path)) for (const f of batch) out.push(f);
  return out;
}

async function dissectAll(path: string, keys: KeyMaterial, mode: 'decrypt' | 'both' = 'decrypt'): Promise<{ packets: Packet[]; engine: DecryptEngine }> {
  const engine = new DecryptEngine(keys);
  engine.setMode(mode);
  const d = new PacketDissector({ decrypt: engine });
  const packets = (await frames(path)).map((f) => d.dissect(f));
  return { packets, engine };
}

function espLayer(p: Packet) {
  return p.layers.find((l) => l.spec.id === 'esp') as { record: EspRecord; notes: readonly { def: { id: string } }[] } | undefined;
}
function ahLayer(p: Packet) {
  return p.layers.find((l) => l.spec.id === 'ah') as { record: AhRecord; notes: readonly { def: { id: string } }[] } | undefined;
}
function ids(p: Packet): string[] {
  return p.layers.map((l) => l.spec.id);
}
function noteIds(p: Packet): string[] {
  return p.layers.flatMap((l) => l.notes.map((n) => n.def.id));
}

const cases = generatedCases().filter((c) => c.esp_spis.length > 0 || c.ah_spis.length > 0);

describe('ESP/AH decryption over every fixture (keys.json)', () => {
  it('there are fixtures with ESP and with AH', () => {
    assert.ok(cases.some((c) => c.esp_spis.length > 0));
    assert.ok(cases.some((c) => c.ah_spis.length > 0));
  });
  for (const c of cases) {
    const dir = join(GENERATED, c.case);
    it(`${c.case}: every ESP packet decrypts with a good ICV, every AH ICV verifies`, async () => {
      const keys = keysFromJson(dir);
      const spis = new Set(keys.child.map((e) => e.spi));
      const { packets, engine } = await dissectAll(join(dir, c.captures[0]!), keys);
      let esp = 0;
      let ah = 0;
      for (const p of packets) {
        const l = espLayer(p);
        if (l && spis.has(l.record.spi!)) {
          esp++;
          const dec = l.record.decrypted;
          assert.ok(dec, `frame ${p.frame.number}: decrypted record`);
          assert.equal(dec.status, 'ok', `frame ${p.frame.number}: ${dec.status} ${dec.notes.map((n) => n.message).join('; ')}`);
          assert.notEqual(dec.icv?.status, 'bad');
          assert.ok(dec.source > 0 && p.sources[dec.source]!.name === 'Decrypted ESP');
          const after = ids(p).slice(ids(p).indexOf('esp') + 1);
          assert.ok(after.length > 0, `frame ${p.frame.number}: inner layers`);
          if (dec.nextHeader === 4) assert.equal(after[0], 'ip');
          if (dec.nextHeader === 41) assert.equal(after[0], 'ipv6');
          assert.equal(dec.mode, dec.nextHeader === 4 || dec.nextHeader === 41 ? 'tunnel' : 'transport');
          assert.ok(!noteIds(p).some((id) => /^(esp\.(icv|pad|short)|malformed)/.test(id)), `frame ${p.frame.number}: ${noteIds(p).join(', ')}`);
        }
        const a = ahLayer(p);
        if (a && spis.has(a.record.spi!)) {
          ah++;
          assert.equal(a.record.verified?.status, 'good', `frame ${p.frame.number}: AH ${a.record.verified?.status}`);
        }
      }
      assert.ok(esp + ah > 0, 'some ESP/AH packet has keys');
      // Pings and ICMP in the inner packets (every fixture pings through the SA).
      const inner = packets.filter((p) => espLayer(p)?.record.decrypted?.status === 'ok' || ahLayer(p)?.record.verified?.status === 'good');
      assert.ok(inner.some((p) => ids(p).includes('icmp') || ids(p).includes('icmpv6')), `inner ICMP: ${[...new Set(inner.map((p) => ids(p).join('/')))].join(' ')}`);
      // Counters.
      const reports = engine.childSas();
      const total = reports.reduce((n, r) => n + r.counters.decrypted, 0);
      assert.equal(total, esp + ah);
      assert.equal(reports.reduce((n, r) => n + r.counters.icvBad + r.counters.padBad, 0), 0);
    });
    if (existsSync(join(dir, 'keys/esp_sa')) && c.esp_spis.length > 0) {
      it(`${c.case}: esp_sa table gives the same plaintext`, async () => {
        const ws = keysFromEspSa(dir);
        if (ws.child.length === 0) return; // Wireshark has no label for the suite (ChaCha20-Poly1305)
        const a = await dissectAll(join(dir, c.captures[0]!), ws);
        const b = await dissectAll(join(dir, c.captures[0]!), keysFromJson(dir));
        let n = 0;
        for (let i = 0; i < a.packets.length; i++) {
          const da = espLayer(a.packets[i]!)?.record.decrypted;
          const db = espLayer(b.packets[i]!)?.record.decrypted;
          if (!da) continue;
          n++;
          assert.equal(da.status, 'ok', `frame ${i + 1}`);
          assert.ok(da.keySource.startsWith('esp_sa:'), da.keySource);
          assert.deepEqual(a.packets[i]!.sources[da.source]!.bytes, b.packets[i]!.sources[db!.source]!.bytes);
        }
        assert.ok(n > 0);
      });
    }
  }
});

const espCase = cases.find((c) => c.case === 'uml-sw-ikev2-esp-tunnel') ?? cases.find((c) => c.esp_spis.length > 0)!;
const cbcCase = cases.find((c) => c.case === 'sw-ikev2-psk-aes256-ecp384') ?? cases.find((c) => c.case.includes('3des'))!;
const ahCase = cases.find((c) => c.case === 'uml-sw-ikev2-ah-transport')!;

function firstEsp(packets: Packet[]) {
  return packets.filter((p) => espLayer(p)?.record.decrypted);
}

describe('ESP negative cases', () => {
  for (const c of [espCase, cbcCase]) {
    const dir = join(GENERATED, c.case);
    const cap = join(dir, c.captures[0]!);
    it(`${c.case}: one flipped key byte → ICV mismatch note, no inner layers`, async () => {
      const keys = keysFromJson(dir, (e) => {
        if (e.protocol !== 'esp') return e;
        // AEAD: the cipher key is the ICV key; otherwise flip the integrity key.
        if (e.encr?.aead) {
          const k = e.encrKey!.slice();
          k[0]! ^= 1;
          return { ...e, encrKey: k };
        }
        const k = e.integKey!.slice();
        k[3]! ^= 0x80;
        return { ...e, integKey: k };
      });
      const { packets, engine } = await dissectAll(cap, keys);
      const hit = firstEsp(packets);
      assert.ok(hit.length > 0);
      for (const p of hit) {
        const l = espLayer(p)!;
        assert.equal(l.record.decrypted!.status, 'icv-bad');
        assert.equal(l.record.decrypted!.icv?.status, 'bad');
        assert.ok(l.notes.some((n) => n.def.id === 'esp.icv.bad'));
        assert.equal(ids(p).at(-1), 'esp', 'nothing after ESP');
        assert.equal(p.sources.length, 1 + (p.sources.some((s) => s.name.startsWith('Reassembled')) ? 1 : 0));
      }
      assert.equal(engine.childSas().reduce((n, r) => n + r.counters.icvBad, 0), hit.length);
      assert.match(packets.find((p) => espLayer(p)?.record.decrypted)!.summary.info, /ICV mismatch/);
    });
    it(`${c.case}: truncated ICV → failure, no inner layers`, async () => {
      const engine = new DecryptEngine(keysFromJson(dir));
      engine.setMode('decrypt');
      const d = new PacketDissector({ decrypt: engine });
      const fs = await frames(cap);
      let n = 0;
      for (const f of fs) {
        const p0 = new PacketDissector().dissect(f);
        if (!espLayer(p0)) continue;
        // Drop the last 4 bytes of the frame (part of the ICV), as a capture of a damaged packet would.
        const cut = f.data.subarray(0, f.data.length - 4);
        const p = d.dissect({ ...f, data: cut, caplen: cut.length, origLen: cut.length });
        const dec = espLayer(p)?.record.decrypted;
        if (!dec) continue;
        n++;
        assert.notEqual(dec.status, 'ok');
        assert.ok(noteIds(p).some((id) => id === 'esp.icv.bad' || id === 'esp.short'), noteIds(p).join(','));
        assert.equal(ids(p).at(-1), 'esp');
      }
      assert.ok(n > 0);
    });
    it(`${c.case}: wrong ESN high bits (SA claims ESN) → ICV mismatch`, async () => {
      const keys = keysFromJson(dir, (e) => ({ ...e, esn: true }));
      const { packets } = await dissectAll(cap, keys);
      const hit = firstEsp(packets);
      assert.ok(hit.length > 0);
      for (const p of hit) {
        const dec = espLayer(p)!.record.decrypted!;
        assert.equal(dec.status, 'icv-bad');
        assert.equal(dec.seqHigh, 0);
        assert.equal(ids(p).at(-1), 'esp');
      }
    });
  }
  it(`${cbcCase.case}: wrong cipher key with the right integrity key → bad padding note`, async () => {
    const dir = join(GENERATED, cbcCase.case);
    const keys = keysFromJson(dir, (e) => {
      if (e.protocol !== 'esp' || !e.encrKey) return e;
      const k = e.encrKey.slice();
      k[5]! ^= 0x40;
      return { ...e, encrKey: k };
    });
    const { packets, engine } = await dissectAll(join(dir, cbcCase.captures[0]!), keys);
    const hit = firstEsp(packets);
    assert.ok(hit.length > 0);
    for (const p of hit) {
      const dec = espLayer(p)!.record.decrypted!;
      assert.equal(dec.icv?.status, 'good', 'the ICV does not involve the cipher key');
      // The last plaintext block decrypts to noise: 1,2,3… padding survives with chance about 1/256.
      assert.equal(dec.status, 'bad-padding', `frame ${p.frame.number}`);
      assert.ok(noteIds(p).includes('esp.pad.bad'));
      assert.equal(ids(p).at(-1), 'esp');
    }
    assert.equal(engine.childSas().reduce((n, r) => n + r.counters.padBad, 0), hit.length);
  });
  it('mode learn does not decrypt, counters stay empty', async () => {
    const dir = join(GENERATED, espCase.case);
    const engine = new DecryptEngine(keysFromJson(dir));
    engine.setMode('learn');
    const d = new PacketDissector({ decrypt: engine });
    for (const f of await frames(join(dir, espCase.captures[0]!))) {
      const p = d.dissect(f);
      assert.equal(espLayer(p)?.record.decrypted, undefined);
    }
    assert.deepEqual(engine.childSas(), []);
  });
});

describe('AH negative cases', () => {
  it(`${ahCase.case}: a flipped key byte or a modified packet → ah.icv.bad`, async () => {
    const dir = join(GENERATED, ahCase.case);
    const cap = join(dir, ahCase.captures[0]!);
    const keys = keysFromJson(dir, (e) => {
      const k = e.integKey!.slice();
      k[0]! ^= 1;
      return { ...e, integKey: k };
    });
    const { packets } = await dissectAll(cap, keys);
    const hit = packets.filter((p) => ahLayer(p)?.record.verified);
    assert.ok(hit.length > 0);
    for (const p of hit) {
      assert.equal(ahLayer(p)!.record.verified!.status, 'bad');
      assert.ok(noteIds(p).includes('ah.icv.bad'));
    }
    // Good key, but one immutable byte (the inner payload) changed; a mutable one (TTL) changed is still fine.
    const engine = new DecryptEngine(keysFromJson(dir));
    engine.setMode('decrypt');
    const d = new PacketDissector({ decrypt: engine });
    let checked = 0;
    for (const f of await frames(cap)) {
      const p0 = new PacketDissector().dissect(f);
      const ip = p0.layers.find((l) => l.spec.id === 'ip');
      if (!ahLayer(p0) || !ip) continue;
      const ttl = f.data.slice();
      ttl[ip.offset + 8] = (ttl[ip.offset + 8]! + 7) & 0xff;
      assert.equal(ahLayer(d.dissect({ ...f, number: f.number, data: ttl }))!.record.verified?.status, 'good', 'TTL is mutable');
      const body = f.data.slice();
      body[body.length - 1]! ^= 0x10;
      const pb = new DecryptEngine(keysFromJson(dir));
      pb.setMode('decrypt');
      const pp = new PacketDissector({ decrypt: pb }).dissect({ ...f, data: body });
      assert.equal(ahLayer(pp)!.record.verified?.status, 'bad', 'payload is covered');
      checked++;
    }
    assert.ok(checked > 0);
  });
});

describe('ESN and sequence bookkeeping', () => {
  it('inferSeqHigh follows RFC 4303 Appendix A', () => {
    assert.equal(inferSeqHigh(undefined, 5), 0);
    assert.equal(inferSeqHigh(100, 50), 0);
    assert.equal(inferSeqHigh(0xffff_fff0, 3), 1, 'wrapped');
    assert.equal(inferSeqHigh(0x1_0000_0003, 0xffff_fff0), 0, 'late packet from the previous epoch');
    assert.equal(inferSeqHigh(0x1_0000_0003, 9), 1);
    assert.equal(inferSeqHigh(0x2_8000_0000, 0x7fff_ffff), 2, 'just behind');
    assert.equal(inferSeqHigh(0x2_8000_0000, 0), 3, 'half the space ahead: next epoch');
  });

  it('synthetic ESN SA across a wrap: learn then decrypt in any order gives the same high bits', () => {
    const row = ENCRS.find((r) => r.name === 'ENCR_AES_CBC_128')!;
    const integ = INTEGS.find((r) => r.name === 'HMAC_SHA1_96')!;
    const ek = hexToBytes('00112233445566778899aabbccddeeff');
    const ak = hexToBytes('0102030405060708090a0b0c0d0e0f1011121314');
    const spi = 0x11223344;
    const e = makeEncr(row, ek);
    const a = makeInteg(integ, ak);
    const seqs: [number, number][] = [[0, 0xffff_fffe], [0, 0xffff_ffff], [1, 0], [0, 0xffff_fffd], [1, 1], [1, 5], [1, 3], [1, 5]];
    const framesOut: Frame[] = seqs.map(([hi, lo], i) => {
      const inner = icmpV4(i);
      const padLen = (16 - ((inner.length + 2) % 16)) % 16;
      const pt = new Uint8Array(inner.length + padLen + 2);
      pt.set(inner);
      for (let k = 0; k < padLen; k++) pt[inner.length + k] = k + 1;
      pt[pt.length - 2] = padLen;
      pt[pt.length - 1] = 4;
      const iv = new Uint8Array(16).fill(i + 1);
      const head = new Uint8Array(8);
      new DataView(head.buffer).setUint32(0, spi);
      new DataView(head.buffer).setUint32(4, lo);
      const body = concat(head, iv, e.encrypt(iv, pt));
      const hiB = new Uint8Array(4);
      new DataView(hiB.buffer).setUint32(0, hi);
      const esp = concat(body, a.mac(body, hiB));
      const ip = ipv4(50, esp);
      return { number: i + 1, tsSec: 1, tsNsec: 0, linkType: 101, caplen: ip.length, origLen: ip.length, data: ip, interfaceId: 0, fileOffset: 0 };
    });
    const km = emptyKeyMaterial();
    km.child.push({ protocol: 'esp', spi, src: '10.0.0.1', dst: '10.0.0.2', encr: row, encrKey: ek, integ, integKey: ak, esn: true, origin: { kind: 'cli' } });
    const engine = new DecryptEngine(km);
    engine.setMode('learn');
    const d = new PacketDissector({ decrypt: engine });
    for (const f of framesOut) d.dissect(f);
    engine.setMode('decrypt');
    // Reverse order: results must not depend on the viewing order.
    const got = [...framesOut].reverse().map((f) => d.dissect(f));
    for (const p of got) {
      const dec = espLayer(p)!.record.decrypted!;
      assert.equal(dec.status, 'ok', `frame ${p.frame.number}`);
      assert.equal(dec.seqHigh, seqs[p.frame.number - 1]![0]);
      assert.ok(ids(p).includes('icmp'));
    }
    // The first packet of epoch 1 (frame 3) says so, whatever the viewing order; no other frame does.
    for (const p of got) assert.equal(noteIds(p).includes('esp.esn.wrap'), p.frame.number === 3, `frame ${p.frame.number}`);
    // In order (a fresh engine, 'both'): duplicate and window notes, counters.
    const e2 = new DecryptEngine(km);
    e2.setMode('both');
    const d2 = new PacketDissector({ decrypt: e2 });
    const inOrder = framesOut.map((f) => d2.dissect(f));
    assert.ok(noteIds(inOrder[7]!).includes('esp.replay.duplicate'), noteIds(inOrder[7]!).join(','));
    assert.ok(noteIds(inOrder[5]!).includes('esp.sequence.gap'));
    assert.ok(!noteIds(inOrder[6]!).includes('esp.replay.duplicate'), 'reordered, not duplicated');
    assert.ok(noteIds(inOrder[2]!).includes('esp.esn.wrap'));
    const c = e2.childSas()[0]!.counters;
    assert.equal(c.packets, 8);
    assert.equal(c.decrypted, 8);
    assert.equal(c.duplicates, 1);
    assert.equal(c.firstFrame, 1);
    assert.equal(c.lastFrame, 8);
    // Viewed again: same notes, counters unchanged.
    assert.deepEqual(noteIds(d2.dissect(framesOut[7]!)), noteIds(inOrder[7]!));
    assert.equal(e2.childSas()[0]!.counters.packets, 8);
    // The tree names the decrypted fields.
    const lines = treeLines(inOrder[2]!.layers.map((l) => layerTree(l)));
    assert.ok(lines.some((l) => /Pad Length/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /ESN high/.test(l) || /Sequence \(high/.test(l)), lines.join('\n'));
  });
});

function treeLines(nodes: readonly TreeNode[], out: string[] = []): string[] {
  for (const n of nodes) {
    out.push(nodeLine(n));
    if (n.children) treeLines(n.children, out);
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function ipv4(proto: number, payload: Uint8Array, src = [10, 0, 0, 1], dst = [10, 0, 0, 2]): Uint8Array {
  const h = new Uint8Array(20);
  h[0] = 0x45;
  const total = 20 + payload.length;
  h[2] = total >> 8;
  h[3] = total & 0xff;
  h[8] = 64;
  h[9] = proto;
  h.set(src, 12);
  h.set(dst, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const ck = ~sum & 0xffff;
  h[10] = ck >> 8;
  h[11] = ck & 0xff;
  return concat(h, payload);
}

function icmpV4(seq: number): Uint8Array {
  const icmp = new Uint8Array(16);
  icmp[0] = 8;
  icmp[7] = seq;
  let sum = 0;
  for (let i = 0; i < icmp.length; i += 2) sum += (icmp[i]! << 8) | icmp[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  const ck = ~sum & 0xffff;
  icmp[2] = ck >> 8;
  icmp[3] = ck & 0xff;
  return ipv4(1, icmp, [192, 168, 1, 1], [192, 168, 2, 1]);
}

// ---------------------------------------------------------------- synthetic SAs for the suites no fixture has

function udpV6(payload: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u[0] = 0x30;
  u[1] = 0x39;
  u[2] = 0x00;
  u[3] = 0x35;
  u[4] = u.length >> 8;
  u[5] = u.length & 0xff;
  u.set(payload, 8);
  return u;
}

function ipv6(nh: number, payload: Uint8Array, hlim = 64): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h[1] = 0x0a; // traffic class / flow label: mutable
  h[3] = 0x42;
  h[4] = payload.length >> 8;
  h[5] = payload.length & 0xff;
  h[6] = nh;
  h[7] = hlim;
  h[8] = 0x20;
  h[9] = 0x01;
  h[23] = 1;
  h[24] = 0x20;
  h[25] = 0x01;
  h[39] = 2;
  return concat(h, payload);
}

const V6_SRC = '2001::1';
const V6_DST = '2001::2';

/** An ESP packet (RFC 4303) built with the cipher layer, for an SA given by rows. */
function buildEsp(row: (typeof ENCRS)[number], integRow: (typeof INTEGS)[number] | undefined, ek: Uint8Array, ak: Uint8Array, spi: number, seq: number, inner: Uint8Array, nh: number): Uint8Array {
  const e = makeEncr(row, ek);
  const align = row.mode === 'cbc' ? row.blockSize : 4;
  const padLen = (align - ((inner.length + 2) % align)) % align;
  const pt = new Uint8Array(inner.length + padLen + 2);
  pt.set(inner);
  for (let k = 0; k < padLen; k++) pt[inner.length + k] = k + 1;
  pt[pt.length - 2] = padLen;
  pt[pt.length - 1] = nh;
  const head = new Uint8Array(8);
  new DataView(head.buffer).setUint32(0, spi);
  new DataView(head.buffer).setUint32(4, seq);
  const iv = Uint8Array.from({ length: row.ivLen }, (_, i) => (i * 7 + seq) & 0xff);
  if (row.mode === 'gmac') return concat(head, iv, pt, e.seal(iv, concat(head, iv, pt), new Uint8Array(0)));
  if (row.aead) return concat(head, iv, e.seal(iv, head, pt));
  const body = concat(head, iv, e.encrypt(iv, pt));
  return integRow && integRow.icvLen > 0 ? concat(body, makeInteg(integRow, ak).mac(body)) : body;
}

describe('synthetic SAs: every cipher and MAC through the ESP engine (IPv6 outer, UDP inner)', () => {
  const suites: [string, string | undefined][] = [
    ['ENCR_NULL', 'HMAC_SHA2_256_128'],
    ['ENCR_DES', 'HMAC_MD5_96'],
    ['ENCR_3DES', 'AUTH_AES_CMAC_96'],
    ['ENCR_AES_CBC_192', 'HMAC_SHA2_512_256'],
    ['ENCR_AES_CTR_256', 'AUTH_AES_XCBC_96'],
    ['ENCR_AES_CCM_12_128', undefined],
    ['ENCR_AES_GCM_8_256', undefined],
    ['ENCR_NULL_AUTH_AES_GMAC_128', undefined],
    ['ENCR_CHACHA20_POLY1305', undefined],
    ['ENCR_AES_CBC_128', 'HMAC_SHA2_384_192'],
  ];
  for (const [en, inn] of suites) {
    it(`${en}${inn ? ` + ${inn}` : ''}: decrypts, a flipped byte fails, every truncation fails without throwing`, () => {
      const row = ENCRS.find((r) => r.name === en)!;
      const integ = inn ? INTEGS.find((r) => r.name === inn)! : INTEGS.find((r) => r.ikev2Id === 0)!;
      const ek = Uint8Array.from({ length: row.keyLen + row.saltLen }, (_, i) => (i * 13 + 5) & 0xff);
      const ak = Uint8Array.from({ length: integ.keyLen }, (_, i) => (i * 29 + 1) & 0xff);
      const spi = 0x5000 + row.ikev2Id;
      const inner = udpV6(Uint8Array.from({ length: 33 }, (_, i) => i));
      const pkt = ipv6(50, buildEsp(row, integ, ek, ak, spi, 7, inner, 17));
      const km = emptyKeyMaterial();
      km.child.push({ protocol: 'esp', spi, src: V6_SRC, dst: V6_DST, encr: row, encrKey: ek, integ, integKey: ak, origin: { kind: 'cli' } });
      const engine = new DecryptEngine(km);
      engine.setMode('decrypt');
      const d = new PacketDissector({ decrypt: engine });
      const frame = (data: Uint8Array, number: number): Frame => ({ number, tsSec: 1, tsNsec: 0, linkType: 101, caplen: data.length, origLen: data.length, data, interfaceId: 0, fileOffset: 0 });
      const p = d.dissect(frame(pkt, 1));
      const dec = espLayer(p)!.record.decrypted!;
      assert.equal(dec.status, 'ok', dec.notes.map((n) => n.message).join('; '));
      assert.equal(dec.nextHeader, 17);
      assert.equal(dec.mode, 'transport');
      assert.deepEqual(p.sources[dec.source]!.bytes, inner);
      assert.ok(ids(p).includes('udp'), ids(p).join('/'));
      // One flipped byte anywhere after the sequence number: never a plaintext (ICV, tag, or, with
      // the NULL cipher + MAC, the MAC). Only the IV of a MAC-less… every suite here has integrity.
      for (const at of [40 + 8, pkt.length - 1, 40 + 8 + row.ivLen + 1]) {
        const bad = pkt.slice();
        bad[at]! ^= 0x01;
        const q = d.dissect(frame(bad, 2));
        assert.notEqual(espLayer(q)!.record.decrypted!.status, 'ok', `flip at ${at}`);
        assert.equal(ids(q).at(-1), 'esp');
      }
      for (let cut = 40; cut < pkt.length; cut++) {
        const short = pkt.subarray(0, cut);
        const q = d.dissect(frame(short, 3));
        const st = espLayer(q)?.record.decrypted?.status;
        assert.notEqual(st, 'ok', `cut at ${cut}`);
      }
    });
  }

  it('"no checking" SA (Wireshark ANY 96-bit): ICV skipped, not verified, packet decrypted', () => {
    const row = ENCRS.find((r) => r.name === 'ENCR_AES_CBC_128')!;
    const integ = INTEGS.find((r) => r.name === 'HMAC_SHA1_96')!;
    const ek = Uint8Array.from({ length: 16 }, (_, i) => i);
    const ak = Uint8Array.from({ length: 20 }, (_, i) => 255 - i);
    const inner = udpV6(Uint8Array.of(1, 2, 3));
    const pkt = ipv6(50, buildEsp(row, integ, ek, ak, 0x777, 1, inner, 17));
    pkt[pkt.length - 1]! ^= 0xff; // a wrong ICV byte: not checked
    const km = emptyKeyMaterial();
    km.child.push({ protocol: 'esp', spi: '*', encr: row, encrKey: ek, noCheckIcvLen: 12, origin: { kind: 'wireshark-esp', file: 'esp_sa', line: 1 } });
    const engine = new DecryptEngine(km);
    engine.setMode('decrypt');
    const p = new PacketDissector({ decrypt: engine }).dissect({ number: 1, tsSec: 1, tsNsec: 0, linkType: 101, caplen: pkt.length, origLen: pkt.length, data: pkt, interfaceId: 0, fileOffset: 0 });
    const dec = espLayer(p)!.record.decrypted!;
    assert.equal(dec.status, 'ok');
    assert.equal(dec.icv?.status, 'unchecked');
    assert.equal(dec.icv?.length, 12);
    assert.deepEqual(p.sources[dec.source]!.bytes, inner);
    const lines = treeLines(p.layers.map((l) => layerTree(l)));
    assert.ok(lines.some((l) => /\[not checked\]/.test(l)), lines.join('\n'));
  });

  it('AH over IPv6 with a hop-by-hop option: mutable fields (hop limit, flow label, en-route option data) do not count, the payload does', () => {
    const integ = INTEGS.find((r) => r.name === 'HMAC_SHA2_256_128')!;
    const key = Uint8Array.from({ length: 32 }, (_, i) => i + 100);
    const spi = 0xa0a0;
    const payload = udpV6(Uint8Array.from({ length: 20 }, (_, i) => 200 - i));
    // Hop-by-hop (nh AH): option 0x3e (change en route) with 4 bytes of data; 8 bytes in all.
    const hbh = Uint8Array.of(51, 0, 0x3e, 4, 1, 2, 3, 4);
    // AH: nh UDP, len = 32/4 - 2 = 6, 20-byte ICV field (16-byte ICV + 4 padding: 64-bit alignment, RFC 4302 §3.3.3.2.1).
    const ah = new Uint8Array(32);
    ah[0] = 17;
    ah[1] = 6;
    new DataView(ah.buffer).setUint32(4, spi);
    new DataView(ah.buffer).setUint32(8, 1);
    const build = (hlim: number, opt: number, flow: number, icv?: Uint8Array) => {
      const h = hbh.slice();
      h.fill(opt, 4, 8);
      const a = ah.slice();
      if (icv) a.set(icv, 12);
      const pkt = ipv6(0, concat(h, a, payload), hlim);
      pkt[3] = flow;
      return pkt;
    };
    // The ICV over the packet with hop limit, traffic class, flow label and option data zeroed.
    const zeroed = build(0, 0, 0);
    zeroed[0] = 0x60;
    zeroed[1] = 0;
    const icv = makeInteg(integ, key).mac(zeroed);
    const km = emptyKeyMaterial();
    km.child.push({ protocol: 'ah', spi, src: V6_SRC, dst: V6_DST, integ, integKey: key, origin: { kind: 'cli' } });
    const engine = new DecryptEngine(km);
    engine.setMode('decrypt');
    const d = new PacketDissector({ decrypt: engine });
    const frame = (data: Uint8Array, number: number): Frame => ({ number, tsSec: 1, tsNsec: 0, linkType: 101, caplen: data.length, origLen: data.length, data, interfaceId: 0, fileOffset: 0 });
    const good = d.dissect(frame(build(63, 9, 0x77, icv), 1));
    assert.equal(ahLayer(good)!.record.verified?.status, 'good', noteIds(good).join(','));
    assert.ok(ids(good).includes('udp'));
    const other = d.dissect(frame(build(1, 200, 0x01, icv), 2));
    assert.equal(ahLayer(other)!.record.verified?.status, 'good', 'only mutable fields differ');
    const tampered = build(63, 9, 0x77, icv);
    tampered[tampered.length - 3]! ^= 0x40;
    const bad = d.dissect(frame(tampered, 3));
    assert.equal(ahLayer(bad)!.record.verified?.status, 'bad');
    assert.ok(noteIds(bad).includes('ah.icv.bad'));
    const lines = treeLines(bad.layers.map((l) => layerTree(l)));
    assert.ok(lines.some((l) => /ICV mismatch with HMAC_SHA2_256_128/.test(l)), lines.join('\n'));
    assert.equal(engine.childSas()[0]!.counters.icvBad, 1);
    assert.equal(engine.childSas()[0]!.counters.decrypted, 2);
  });
});
