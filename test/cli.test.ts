/** The `espy` command line: tshark's flags, output formats and exit codes, run as a user would. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { espy, generatedCases, GENERATED, MALFORMED, rows } from './helpers.js';

const cases = generatedCases();
const mainMode = cases.find((c) => c.case === 'sw-ikev1-main-psk');
const MM = mainMode ? join(GENERATED, mainMode.case, 'capture.pcap') : '';

test('summary lines: one per frame, tshark columns, IPsec-aware Info', (t) => {
  if (!mainMode) return t.skip('generated fixtures missing');
  const r = espy(['-r', MM]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, mainMode.frames['capture.pcap']);
  assert.match(lines[0]!, /^\s+1\s+0\.000000\s/);
  const mm = lines.find((l) => /ISAKMP/.test(l) && /Identity Protection \(Main Mode\)/.test(l));
  assert.ok(mm, 'a main-mode line');
  assert.match(mm!, /10\.99\.1\.1 → 10\.99\.1\.2/);
  const esp = lines.find((l) => / ESP /.test(l));
  assert.ok(esp, 'an ESP line');
  const spi = /ESP \(SPI=0x([0-9a-f]{8})\) seq=(\d+)/.exec(esp!);
  assert.ok(spi, `ESP info names SPI and sequence: ${esp}`);
  assert.ok(mainMode.esp_spis.includes(spi![1]!), `SPI ${spi![1]} is one of the negotiated SPIs`);
  // Positional file works like -r.
  assert.equal(espy([MM]).stdout, r.stdout);
});

test('-c stops after N packets, counting packets read', (t) => {
  if (!mainMode) return t.skip('generated fixtures missing');
  const r = espy(['-r', MM, '-c', '3']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trimEnd().split('\n').length, 3);
});

test('-T fields with -e and -E header/separator/quote', (t) => {
  if (!mainMode) return t.skip('generated fixtures missing');
  const r = espy(['-r', MM, '-T', 'fields', '-e', 'frame.number', '-e', 'esp.spi', '-e', 'esp.sequence', '-E', 'header=y', '-E', 'separator=,']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'frame.number,esp.spi,esp.sequence');
  const esp = lines.slice(1).map((l) => l.split(',')).filter((c) => c[1]);
  assert.ok(esp.length > 0);
  for (const [n, spi, seq] of esp) {
    assert.match(n!, /^\d+$/);
    assert.match(spi!, /^0x[0-9a-f]{8}$/);
    assert.match(seq!, /^\d+$/);
  }
  const q = espy(['-r', MM, '-c', '1', '-T', 'fields', '-e', 'frame.number', '-E', 'quote=d']);
  assert.equal(q.stdout, '"1"\n');
});

test('-T json is one array of packets with layers, byte ranges and notes; jsonl one per line', (t) => {
  if (!mainMode) return t.skip('generated fixtures missing');
  const j = espy(['-r', MM, '-T', 'json', '-c', '4']);
  assert.equal(j.status, 0, j.stderr);
  const arr = JSON.parse(j.stdout) as { frame: number; layers: { protocol: string; offset: number; length: number; fields: { id: string }[] }[] }[];
  assert.equal(arr.length, 4);
  assert.deepEqual(arr.map((p) => p.frame), [1, 2, 3, 4]);
  const ike = arr.find((p) => p.layers.some((l) => l.protocol === 'isakmp'));
  assert.ok(ike, 'an ISAKMP packet in the first four');
  const l = ike!.layers.find((x) => x.protocol === 'isakmp')!;
  assert.ok(l.fields.some((f) => f.id === 'isakmp.ispi'));
  const jl = espy(['-r', MM, '-T', 'jsonl', '-c', '4']);
  const lines = jl.stdout.trimEnd().split('\n').map((s) => JSON.parse(s) as { frame: number });
  assert.deepEqual(lines.map((p) => p.frame), [1, 2, 3, 4]);
  const sel = JSON.parse(espy(['-r', MM, '-T', 'json', '-c', '3', '-e', 'isakmp.exchangetype']).stdout) as { fields: Record<string, string[]> }[];
  assert.deepEqual(sel[2]!.fields['isakmp.exchangetype'], ['2']);
});

test('-V prints the protocol tree and -x the bytes', (t) => {
  if (!mainMode) return t.skip('generated fixtures missing');
  const r = espy(['-r', MM, '-V', '-x', '-c', '3']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Frame 1: 42 bytes on wire/m);
  assert.match(r.stdout, /^Internet Protocol Version 4, Src: 10\.99\.1\.1, Dst: 10\.99\.1\.2/m);
  assert.match(r.stdout, /^User Datagram Protocol, Src Port: 500, Dst Port: 500/m);
  assert.match(r.stdout, /^\s+Exchange [Tt]ype: Identity Protection \(Main Mode\) \(2\)/m);
  assert.match(r.stdout, /^0000  [0-9a-f]{2} [0-9a-f]{2} /m);
  const bytes = readFileSync(MM);
  // The hex dump of frame 1 shows its first bytes (pcap header 24 + record header 16).
  const first = [...bytes.subarray(40, 48)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  assert.ok(r.stdout.includes(`0000  ${first}`), 'hex dump starts with the frame bytes');
});

test('stdin (-r -) and gzip input are read like files', () => {
  const gz = join(MALFORMED, 'gzip-ikev2.pcap.gz');
  const viaFile = espy(['-r', gz]);
  assert.equal(viaFile.status, 0, viaFile.stderr);
  assert.equal(viaFile.stdout.trimEnd().split('\n').length, 20);
  const viaStdin = espy(['-r', '-'], readFileSync(gz));
  assert.equal(viaStdin.stdout, viaFile.stdout);
  const plain = espy(['-r', '-'], gunzipSync(readFileSync(gz)));
  assert.equal(plain.stdout, viaFile.stdout);
  assert.match(viaFile.stdout, /IKE_SA_INIT MID=00 Initiator Request/);
});

test('exit codes: 1 for bad options, 3 for bad files', () => {
  assert.equal(espy(['--bogus']).status, 1);
  assert.equal(espy(['-r', join(MALFORMED, 'big-endian.pcap'), '-T', 'fields']).status, 1);
  const badField = espy(['-r', join(MALFORMED, 'big-endian.pcap'), '-T', 'fields', '-e', 'esp.nosuch']);
  assert.equal(badField.status, 1);
  assert.match(badField.stderr, /esp\.nosuch/);
  const missing = espy(['-r', join(MALFORMED, 'no-such-file.pcap')]);
  assert.equal(missing.status, 3);
  assert.match(missing.stderr, /no-such-file\.pcap/);
  const magic = espy(['-r', join(MALFORMED, 'bad-magic.pcap')]);
  assert.equal(magic.status, 3);
  assert.match(magic.stderr, /bad-magic\.pcap.*offset 0/);
  assert.equal(espy(['-r', join(MALFORMED, 'big-endian.pcap'), '-d', 'udp.port==70000,isakmp']).status, 1);
  assert.equal(espy(['-r', join(MALFORMED, 'big-endian.pcap'), '-o', 'no.such:TRUE']).status, 1);
});

test('a truncated file: every packet before the fault is printed, then file and byte offset, exit 3', () => {
  for (const name of ['truncated-file.pcap', 'truncated-header.pcap']) {
    const r = espy(['-r', join(MALFORMED, name), '-T', 'fields', '-e', 'frame.number', '-e', 'esp.spi', '-e', 'esp.sequence']);
    assert.equal(r.status, 3, name);
    assert.deepEqual(rows(r.stdout), [
      ['1', '0xc0de0001', '1'],
      ['2', '0xc0de0001', '2'],
    ]);
    assert.match(r.stderr, new RegExp(`${name}.*byte offset 332`));
  }
});

test('-d decodes another port as ISAKMP (Decode As)', () => {
  // In the NAT-T marker fixture, IKE rides on 4500; decoding 4500 as plain ISAKMP must misparse the marker,
  // while the default gives the IKE header after the marker.
  const f = join(MALFORMED, 'natt-ikev2-nonesp-marker.pcap');
  const def = rows(espy(['-r', f, '-T', 'fields', '-e', 'isakmp.exchangetype', '-c', '1']).stdout);
  assert.equal(def[0]![0], '35');
  const as = espy(['-r', f, '-T', 'fields', '-e', 'isakmp.ispi', '-c', '1', '-d', 'udp.port==4500,isakmp']);
  assert.equal(as.status, 0);
  assert.match(as.stdout, /^00000000/);
});

test('-G fields lists the registry; -G notes the expert notes', () => {
  const f = espy(['-G', 'fields']);
  assert.equal(f.status, 0);
  for (const id of ['isakmp.ispi', 'isakmp.exchangetype', 'esp.spi', 'esp.sequence', 'udpencap.nat_keepalive', 'ah.spi', 'ip.src']) {
    assert.match(f.stdout, new RegExp(`\\t${id.replace(/\./g, '\\.')}\\t`), id);
  }
  const n = espy(['-G', 'notes']);
  assert.match(n.stdout, /_ws\.malformed\.truncated\tmalformed\terror/);
});
