/** The session pass (src/analyze): IKE SAs, exchanges, flows, NAT-D verdicts, the ladder and the -z reports, on the real fixtures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCapture } from '../src/capture/index.js';
import { PacketDissector } from '../src/dissect/packet.js';
import { SessionBuilder, type SessionModel } from '../src/analyze/sessions.js';
import { LadderBuilder } from '../src/analyze/ladder.js';
import { STATS } from '../src/cli/stats.js';
import { espy, GENERATED, HAVE_TSHARK, tshark } from './helpers.js';

interface CaseFacts {
  case: string;
  ike_version: number;
  captures: string[];
  esp_spis: string[];
  ah_spis: string[];
  ike_sas: { spi_i: string; spi_r: string; encr: string; encr_keysize: number | null; dh: string }[];
  capture_facts: Record<string, { exchange_types: string[]; ike_spi_pairs: [string, string][]; esp_spis_on_wire: Record<string, number>; ah_spis_on_wire: Record<string, number> }>;
}

const CASES: CaseFacts[] = (() => {
  try {
    return (JSON.parse(readFileSync(join(GENERATED, 'CASES.json'), 'utf8')) as { cases: CaseFacts[] }).cases;
  } catch {
    return [];
  }
})();

async function frames(file: string, each: (p: ReturnType<PacketDissector['dissect']>) => void): Promise<void> {
  const r = await openCapture(file);
  const d = new PacketDissector();
  try {
    for (;;) {
      const b = await r.next();
      if (!b) break;
      for (const f of b) each(d.dissect(f));
    }
  } finally {
    r.close();
  }
}

async function model(file: string): Promise<SessionModel> {
  const b = new SessionBuilder();
  await frames(file, (p) => b.add(p));
  return b.result();
}

async function ladder(file: string): Promise<string> {
  const l = new LadderBuilder();
  await frames(file, (p) => l.add(p));
  return l.render('text');
}

const pcap = (c: string, f = 'capture.pcap') => join(GENERATED, c, f);
const byName = (n: string) => CASES.find((c) => c.case === n);

/** Whether the payload decoders have landed (their fields are in the glossary). */
function glossaryHas(id: string): boolean {
  const r = espy(['-G', 'fields']);
  return r.status === 0 && r.stdout.split('\n').some((l) => l.split('\t')[2] === id);
}

test('IKE SAs, versions, exchanges and ESP/AH flows equal CASES.json on every capture', async (t) => {
  if (!CASES.length) return t.skip('generated fixtures missing');
  for (const c of CASES) {
    for (const cap of c.captures) {
      const facts = c.capture_facts[cap]!;
      const m = await model(pcap(c.case, cap));
      const where = `${c.case}/${cap}`;
      assert.deepEqual(m.ikeSas.map((s) => [s.ispi, s.rspi]), facts.ike_spi_pairs, `${where}: IKE SA SPI pairs`);
      for (const s of m.ikeSas) assert.equal(s.version, c.ike_version, `${where}: version`);
      // Exchange types in order of first appearance, across SAs.
      const seen: [number, string][] = [];
      for (const s of m.ikeSas) for (const e of s.exchanges) for (const msg of e.messages) seen.push([msg.time.frame, e.name]);
      const order = [...new Set(seen.sort((a, b) => a[0] - b[0]).map(([, n]) => n))];
      assert.deepEqual(order, facts.exchange_types, `${where}: exchange types`);
      // Every request has its response (the fixtures are complete handshakes), except IKEv1 Informational (one-way, RFC 2408 §4.8).
      for (const s of m.ikeSas) for (const e of s.exchanges) if (!/Informational/.test(e.name)) assert.ok(e.request && e.response, `${where}: ${e.name} MID ${e.messageId} paired`);
      const esp = Object.fromEntries(m.flows.filter((f) => f.protocol === 'ESP').map((f) => [f.spi, f.packets]));
      const ah = Object.fromEntries(m.flows.filter((f) => f.protocol === 'AH').map((f) => [f.spi, f.packets]));
      assert.deepEqual(esp, facts.esp_spis_on_wire, `${where}: ESP flows and packet counts`);
      assert.deepEqual(ah, facts.ah_spis_on_wire, `${where}: AH flows and packet counts`);
      for (const f of m.flows) {
        assert.ok([...c.esp_spis, ...c.ah_spis].includes(f.spi), `${where}: flow SPI ${f.spi} is a negotiated one`);
        assert.equal(f.seqMin, 1, `${where}: ${f.spi} starts at sequence 1`);
        assert.equal(f.seqMax, f.packets, `${where}: ${f.spi} has no holes`);
        assert.equal(f.gaps + f.duplicates + f.late, 0);
        assert.equal(f.ikeSa !== undefined, m.ikeSas.length > 0, `${where}: ${f.spi} linked to an IKE SA`);
        assert.equal(f.encapsulation, c.case.startsWith('sw-') || c.case.includes('natt-forced') ? 'ESP-in-UDP' : f.protocol === 'AH' ? 'AH' : 'ESP', `${where}: encapsulation`);
      }
      // Retransmissions: only the Libreswan↔Libreswan cases retransmit (slow UML guests): IKEv2 IKE_AUTH request
      // twice, each answered; IKEv1 Quick Mode messages 1–3 (Quick Mode appears 8 times in CASES.json exchange_counts).
      const rt = m.ikeSas.reduce((n, s) => n + s.retransmissions, 0);
      const RT: Record<string, number> = { 'uml-lsw-lsw-ikev2-psk': 4, 'uml-lsw-lsw-ikev1-aggr-psk-weak': 5 };
      assert.equal(rt, RT[c.case] ?? 0, `${where}: retransmissions`);
      for (const s of m.ikeSas) assert.ok(['established', 'deleted', 'rekeyed'].includes(s.state), `${where}: state ${s.state} (${s.stateDetail})`);
    }
  }
});

test('ESP/AH packet counts per SPI equal tshark', async (t) => {
  if (!HAVE_TSHARK) return t.skip('tshark not installed');
  if (!CASES.length) return t.skip('generated fixtures missing');
  for (const c of CASES.filter((x) => x.esp_spis.length || x.ah_spis.length)) {
    const file = pcap(c.case);
    const counts: Record<string, number> = {};
    for (const line of tshark(['-r', file, '-T', 'fields', '-e', 'esp.spi', '-e', 'ah.spi']).split('\n')) {
      const spi = line.split('\t').find((x) => x.length > 0);
      if (spi) counts[spi.replace(/^0x/, '').padStart(8, '0')] = (counts[spi.replace(/^0x/, '').padStart(8, '0')] ?? 0) + 1;
    }
    const m = await model(file);
    assert.deepEqual(Object.fromEntries(m.flows.map((f) => [f.spi, f.packets])), counts, c.case);
  }
});

test('retransmissions: the real Libreswan one and a duplicated frame in a synthetic pcap', async (t) => {
  const lsw = byName('uml-lsw-lsw-ikev2-psk');
  if (!lsw) return t.skip('generated fixtures missing');
  const m = await model(pcap(lsw.case));
  const auth = m.ikeSas[0]!.exchanges.find((e) => e.name === 'IKE_AUTH')!;
  assert.equal(auth.messages.length, 6);
  assert.deepEqual(auth.messages.map((x) => x.retransmission), [false, true, true, false, true, true]);
  assert.equal(auth.request!.time.frame, 5);
  assert.equal(auth.response!.time.frame, 8);

  // Duplicate frame 3 (IKE_SA_INIT request) of a strongSwan capture: classic pcap, 24-byte header, 16-byte record headers.
  const src = readFileSync(pcap('sw-ikev2-psk-aes128gcm'));
  const recs: Buffer[] = [];
  let off = 24;
  while (off + 16 <= src.length) {
    const len = src.readUInt32LE(off + 8);
    recs.push(src.subarray(off, off + 16 + len));
    off += 16 + len;
  }
  const dup = Buffer.concat([src.subarray(0, 24), ...recs.slice(0, 3), recs[2]!, ...recs.slice(3)]);
  const dir = mkdtempSync(join(tmpdir(), 'espy-sessions-'));
  const file = join(dir, 'dup.pcap');
  writeFileSync(file, dup);
  const md = await model(file);
  const init = md.ikeSas[0]!.exchanges.find((e) => e.name === 'IKE_SA_INIT')!;
  assert.equal(init.retransmissions, 1);
  assert.deepEqual(init.messages.map((x) => [x.time.frame, x.retransmission]), [[3, false], [4, true], [5, false]]);
  assert.equal(md.ikeSas[0]!.retransmissions, 1);
  assert.match(await ladder(file), /IKE_SA_INIT MID=0 req .*\[retransmission\]/);
});

test('sw-ikev2-rekey: the IKE SA rekey is linked, child SAs inferred from traffic, deletes seen', async (t) => {
  const c = byName('sw-ikev2-rekey');
  if (!c) return t.skip('generated fixtures missing');
  const m = await model(pcap(c.case));
  const [old, neu] = m.ikeSas;
  assert.equal(old!.ispi, c.ike_sas[0]!.spi_i);
  assert.equal(neu!.ispi, c.ike_sas[1]!.spi_i);
  assert.equal(neu!.rekeyOf, old!.id);
  assert.equal(old!.rekeyedBy, neu!.id);
  assert.equal(old!.state, 'rekeyed');
  assert.equal(neu!.state, 'deleted');
  assert.deepEqual(old!.exchanges.map((e) => `${e.name}:${e.messageId}`), ['IKE_SA_INIT:0', 'IKE_AUTH:1', 'CREATE_CHILD_SA:2', 'INFORMATIONAL:3', 'CREATE_CHILD_SA:4', 'INFORMATIONAL:5']);
  // The CHILD SA rekey (CREATE_CHILD_SA MID 2) replaced the IKE_AUTH child.
  const kids = old!.childSas;
  assert.equal(kids.length, 2);
  assert.equal(kids[0]!.exchange, 'IKE_AUTH MID=1');
  assert.equal(kids[1]!.exchange, 'CREATE_CHILD_SA MID=2');
  assert.equal(kids[1]!.replaces, 0);
  assert.deepEqual([...kids[0]!.spis, ...kids[1]!.spis].sort(), [...c.esp_spis].sort());
});

test('NAT-D verdicts: real NAT, forced encapsulation (faked), no NAT', async (t) => {
  if (!CASES.length) return t.skip('generated fixtures missing');
  // sw-ikev2-natt goes through a real NAT: outside, the initiator's own source hash does not match.
  for (const cap of ['capture.pcap', 'capture-inside-nat.pcap']) {
    const s = (await model(pcap('sw-ikev2-natt', cap))).ikeSas[0]!;
    assert.equal(s.nat.verdict, 'initiator behind NAT', cap);
    assert.equal(s.nat.initiator, 'behind NAT');
    assert.equal(s.nattFloatFrame !== undefined, true);
    assert.ok(s.keepalives >= 2);
    if (cap === 'capture.pcap') {
      const own = s.nat.checks.find((x) => x.sentBy === 'initiator' && x.kind === 'source')!;
      assert.equal(own.match, false);
      assert.equal(own.hash, 'SHA1');
    }
  }
  assert.equal((await model(pcap('sw-ikev1-natt', 'capture-inside-nat.pcap'))).ikeSas[0]!.nat.verdict, 'initiator behind NAT');
  for (const c of CASES) {
    const s = (await model(pcap(c.case))).ikeSas[0];
    if (!s || s.nat.verdict === 'no NAT-D' || c.case.includes('natt')) continue;
    // sw-*: kernel-libipsec forces UDP encapsulation by faking NAT-D; uml-* without encapsulation: no NAT.
    assert.equal(s.nat.verdict, c.case.startsWith('sw-') ? 'faked (NAT-D forced)' : 'no NAT', c.case);
  }
  const forced = (await model(pcap('uml-lsw-sw-ikev2-natt-forced'))).ikeSas[0]!;
  assert.equal(forced.nat.verdict, 'faked (NAT-D forced)');
  assert.ok(forced.nat.checks.some((x) => x.fake && /port 0/.test(x.fake)), 'Libreswan hashes port 0');
  // IKEv1 with SHA2-256 negotiated: the NAT-D hashes are 32 bytes and recomputed with SHA2-256.
  const mm = (await model(pcap('uml-sw-ikev1-ah-tunnel'))).ikeSas[0]!;
  assert.ok(mm.nat.checks.length >= 4 && mm.nat.checks.every((x) => x.match && x.hash === 'SHA2-256'));
});

test('proposals, DH group, IDs and auth from the payload decoders (when they are present)', async (t) => {
  if (!CASES.length) return t.skip('generated fixtures missing');
  if (!glossaryHas('isakmp.tf.id.encr')) return t.skip('SA payload decoder not present yet');
  // IANA numbers (RFC 7296 §3.3.2 / IKEv2 registry) for CASES.json's names.
  const ENCR: Record<string, number> = { AES_CBC: 12, '3DES_CBC': 3, AES_GCM_16: 20, CHACHA20_POLY1305: 28 };
  const DH: Record<string, number> = { MODP_1024: 2, MODP_2048: 14, MODP_3072: 15, ECP_256: 19, ECP_384: 20, CURVE_25519: 31 };
  for (const c of CASES.filter((x) => x.ike_version === 2 && x.ike_sas.length)) {
    const s = (await model(pcap(c.case))).ikeSas[0]!;
    const want = c.ike_sas[0]!;
    const tf = (type: number) => s.proposalChosen?.transforms.find((x) => x.type === type);
    assert.equal(tf(1)?.id, ENCR[want.encr], `${c.case}: ENCR`);
    assert.equal(tf(4)?.id, DH[want.dh], `${c.case}: DH`);
    if (want.encr_keysize) assert.equal(tf(1)?.keyLength, want.encr_keysize, `${c.case}: key length`);
    assert.ok(s.chosen && s.offered.length >= 1, `${c.case}: summaries`);
    if (want.encr_keysize) assert.match(s.chosen!, new RegExp(`-${want.encr_keysize}/`), `${c.case}: summary names the key length`);
    assert.ok(s.chosen!.includes(want.dh), `${c.case}: summary ${s.chosen} names ${want.dh}`);
  }
  const v1 = (await model(pcap('sw-ikev1-main-psk'))).ikeSas[0]!;
  assert.equal(v1.proposalChosen?.transforms[0]?.attrs['hash_algorithm']?.value, 4, 'SHA2-256');
  assert.equal(v1.proposalChosen?.transforms[0]?.attrs['group_description']?.value, 14);
  assert.match(v1.authMethod ?? '', /pre-shared/i);
  if (glossaryHas('isakmp.id.data.fqdn')) {
    const am = (await model(pcap('sw-ikev1-aggr-psk-weak'))).ikeSas[0]!;
    assert.match(am.identities.initiator ?? '', /vpnclient\.gcap\.test/);
    assert.match(am.identities.responder ?? '', /vpngw\.gcap\.test/);
  }
});

test('ike,flow ladder: columns per peer, exchanges with payload lists, SK marked, ESP summarized', async (t) => {
  if (!CASES.length) return t.skip('generated fixtures missing');
  const out = await ladder(pcap('sw-ikev2-natt'));
  assert.match(out, /10\.99\.2\.254:31368 +10\.99\.2\.2:500 +10\.99\.2\.254:31335 +10\.99\.2\.2:4500/);
  assert.match(out, /\|-+>\| .*IKE_SA_INIT MID=0 req {2}HDR, SA, KE, Ni, N\(NAT_DETECTION_SOURCE_IP\), N\(NAT_DETECTION_DESTINATION_IP\)/);
  assert.match(out, /\|<-+\| .*IKE_SA_INIT MID=0 resp {2}HDR, SA, KE, Nr/);
  assert.match(out, /IKE_AUTH MID=1 req {2}HDR, SK \{IDi, …\}/);
  assert.match(out, /={5,}>\| +ESP-in-UDP SPI 0x85057106 ×6 seq 1–6/);
  assert.match(out, /NAT-keepalive ×2/);
  assert.match(out, /INFORMATIONAL MID=2 req {2}HDR, SK \{D, …\}/);
  const v1 = await ladder(pcap('sw-ikev1-main-psk'));
  assert.match(v1, /Identity Protection \(Main Mode\) MID=0 req {2}HDR, SA/);
  assert.match(v1, /Quick Mode MID=0x[0-9a-f]+ req {2}HDR\*, \[encrypted\]/);
  const ah = await ladder(pcap('uml-sw-ikev2-ah-tunnel'));
  assert.match(ah, /AH SPI 0x[0-9a-f]{8} ×3/);
});

test('CLI: -z ike,sessions / ike,flow / esp,sas in text and JSON', (t) => {
  const c = byName('sw-ikev2-natt');
  if (!c) return t.skip('generated fixtures missing');
  const file = pcap(c.case);
  assert.deepEqual(STATS.map(([n]) => n), ['ike,sessions', 'ike,flow', 'esp,sas', 'conv,ip', 'conv,ipv6']);
  const text = espy(['-r', file, '-q', '-z', 'ike,sessions']);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`IKE SA #0 +IKEv2 +${c.ike_sas[0]!.spi_i}/${c.ike_sas[0]!.spi_r}`));
  assert.match(text.stdout, /NAT-D +initiator behind NAT/);
  const flow = espy(['-r', file, '-q', '-z', 'ike,flow']);
  assert.equal(flow.status, 0, flow.stderr);
  assert.match(flow.stdout, /IKE_AUTH MID=1 resp/);
  const js = espy(['-r', file, '-T', 'json', '-q', '-z', 'ike,sessions']);
  assert.equal(js.status, 0, js.stderr);
  const doc = JSON.parse(js.stdout) as { ike_sas: any[]; flows: any[] };
  assert.equal(doc.ike_sas[0].ispi, c.ike_sas[0]!.spi_i);
  assert.equal(doc.ike_sas[0].nat.verdict, 'initiator behind NAT');
  assert.match(doc.ike_sas[0].first.time, /^\d+\.\d{9}$/);
  assert.deepEqual(doc.flows.map((f) => f.spi).sort(), [...c.esp_spis].sort());
  const esp = JSON.parse(espy(['-r', file, '-T', 'json', '-q', '-z', 'esp,sas']).stdout) as { flows: any[] };
  assert.deepEqual(esp.flows.map((f) => [f.spi, f.packets, f.encapsulation, f.sport !== null]), doc.flows.map((f) => [f.spi, f.packets, 'ESP-in-UDP', true]));
  const ladderJson = JSON.parse(espy(['-r', file, '-T', 'json', '-q', '-z', 'ike,flow']).stdout) as { ladder: { columns: string[]; lines: any[] } };
  assert.ok(ladderJson.ladder.lines.some((l) => l.kind === 'ike' && /IKE_SA_INIT/.test(l.label)));
  assert.equal(espy(['-r', file, '-q', '-z', 'nope']).status, 1);
});
