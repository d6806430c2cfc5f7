/**
 * IKE and ESP over TCP (RFC 9329 / RFC 8229): TCP stream reassembly and
 * message framing.
 *
 * The fixtures in fixtures/pcaps/iketcp/ (make-iketcp.py) re-frame the REAL
 * IKEv2 messages and ESP packets of generated/sw-ikev2-natt as one RFC 9329
 * TCP connection, with messages split across segments, several messages per
 * segment, an out-of-order segment and retransmissions. Every message must
 * come out of the TCP capture dissected exactly as the UDP original.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCapture } from '../src/capture/index.js';
import type { Frame } from '../src/capture/types.js';
import { PacketDissector, layerTree, type Packet } from '../src/dissect/packet.js';
import { DEFAULT_PREFS, type Layer } from '../src/dissect/layer.js';
import { nodeLine, type TreeNode } from '../src/core/tree.js';
import { IketcpStreams, frameSegment, perMessage, plausibleMessage, type IketcpRecord, type IketcpUnit } from '../src/dissect/iketcp.js';
import { TcpStreams } from '../src/dissect/tcp-stream.js';
import { allNoteDefs, fieldRegistry } from '../src/dissect/registry.js';
import { ROOT, espy, rows } from './helpers.js';
import { u16, u32 } from './bytes.js';

const DIR = join(ROOT, 'fixtures/pcaps/iketcp');
const SOURCE = join(DIR, '../generated/sw-ikev2-natt/capture.pcap');

interface ManifestFile {
  file: string;
  frames: number;
  messages: { source_frame: number; kind: 'ike' | 'esp' | 'keepalive'; frame: number }[];
  lost: number[];
}
const MANIFEST = JSON.parse(readFileSync(join(DIR, 'MANIFEST.json'), 'utf8')) as { files: ManifestFile[] };
const entry = (name: string) => MANIFEST.files.find((f) => f.file === name)!;

async function readAll(file: string, opts: ConstructorParameters<typeof PacketDissector>[0] = {}): Promise<Packet[]> {
  const r = await openCapture(file);
  const d = new PacketDissector(opts);
  const out: Packet[] = [];
  for (;;) {
    const batch = await r.next();
    if (!batch) break;
    for (const f of batch) out.push(d.dissect(f));
  }
  r.close();
  return out;
}

function lines(n: TreeNode, depth = 0, out: string[] = []): string[] {
  out.push('  '.repeat(depth) + nodeLine(n));
  for (const c of n.children ?? []) lines(c, depth + 1, out);
  return out;
}

/** A message as text: its ISAKMP / ESP subtree and notes (no offsets: they differ between UDP and TCP), or `keepalive`. */
function messageText(l: Layer): string | undefined {
  const id = l.spec.id;
  if (id === 'isakmp' || id === 'esp') return `${id}\n${lines(layerTree(l)).join('\n')}\nnotes: ${l.notes.map((n) => n.def.id).join(',')}`;
  if ((id === 'udpencap' || id === 'iketcp') && (l.record as { kind?: string }).kind === 'keepalive') return 'keepalive';
  return undefined;
}
function messagesOf(p: Packet): string[] {
  return p.layers.map(messageText).filter((t): t is string => t !== undefined);
}
const noteIds = (p: Packet) => p.layers.flatMap((l) => l.notes.map((n) => n.def.id));
const allNotes = (ps: Packet[]) => ps.flatMap(noteIds);

function multiset(xs: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

let sourceCache: Promise<Packet[]> | undefined;
const source = () => (sourceCache ??= readAll(SOURCE));

async function sourceByFrame(): Promise<Map<number, string[]>> {
  const m = new Map<number, string[]>();
  for (const p of await source()) m.set(p.frame.number, messagesOf(p));
  return m;
}

// ---------------------------------------------------------------- the full conversation

test('every IKE message, ESP packet and keepalive of the UDP original comes out of the TCP capture, dissected identically, in the frame that completes it', async () => {
  const src = await sourceByFrame();
  const tcp = await readAll(join(DIR, 'iketcp.pcap'));
  const m = entry('iketcp.pcap');
  assert.equal(tcp.length, m.frames);
  assert.equal(m.messages.length, 20); // 6 IKE messages, 12 ESP packets, 2 NAT-keepalives
  for (const msg of m.messages) {
    const want = src.get(msg.source_frame)!;
    assert.equal(want.length, 1, `source frame ${msg.source_frame} carries one message`);
    const got = messagesOf(tcp[msg.frame - 1]!);
    assert.ok(got.includes(want[0]!), `source frame ${msg.source_frame} (${msg.kind}) in TCP frame ${msg.frame}: got\n${got.join('\n---\n')}\nwant\n${want[0]}`);
  }
  // Nothing twice (the retransmissions), nothing invented.
  const all = tcp.flatMap(messagesOf);
  const expected = m.messages.flatMap((x) => src.get(x.source_frame)!);
  assert.deepEqual(multiset(all), multiset(expected));
  const ikeCount = tcp.flatMap((p) => p.layers).filter((l) => l.spec.id === 'isakmp').length;
  const espCount = tcp.flatMap((p) => p.layers).filter((l) => l.spec.id === 'esp').length;
  assert.equal(ikeCount, 6);
  assert.equal(espCount, 12);
  // No malformed note: only the sequence analysis of the out-of-order segment and the retransmissions.
  const notes = allNotes(tcp);
  assert.ok(!notes.some((n) => n.startsWith('iketcp.') || n === '_ws.malformed.truncated'), notes.join(','));
  assert.deepEqual([...new Set(notes)].sort(), ['tcp.analysis.lost_segment', 'tcp.analysis.out_of_order', 'tcp.analysis.retransmission']);
});

test('the TCP layers: stream prefix, Length, non-ESP marker, reassembled segments, several messages in one segment', async () => {
  const tcp = await readAll(join(DIR, 'iketcp.pcap'));
  const ids = (n: number) => tcp[n - 1]!.layers.map((l) => l.spec.id).join('/');
  // Frame 4: "IKETCP" and the first 200 bytes of IKE_SA_INIT; frame 5 completes it.
  assert.equal(ids(4), 'frame/eth/ip/tcp/iketcp');
  const pre = tcp[3]!.layers[4]!;
  assert.equal((pre.record as IketcpRecord).kind, 'prefix');
  assert.equal(tcp[3]!.summary.info, 'IKETCP stream prefix');
  assert.deepEqual(pre.spec.tree(pre.record, pre).map(nodeLine), ['Stream Prefix: IKETCP']);
  assert.equal(ids(5), 'frame/eth/ip/tcp/tcp.segments/iketcp/isakmp');
  const p5 = tcp[4]!;
  assert.deepEqual(p5.sources.map((s) => s.name), ['Frame', 'Reassembled TCP']);
  const segs = p5.layers[4]!;
  assert.match(layerTree(segs).text!, /^\[2 Reassembled TCP Segments \(470 bytes\): #4\(200\), #5\(270\)\]$/);
  const it = p5.layers[5]!;
  assert.equal(it.source, 1);
  assert.deepEqual(lines(layerTree(it)), ['TCP Encapsulation of IKE and IPsec Packets, IKE, Length: 470', '  Length: 470', '  Non-ESP Marker']);
  assert.equal(p5.summary.info, 'IKE_SA_INIT MID=00 Initiator Request');
  // A message wholly in its segment is dissected in place on the frame.
  const p6 = tcp[5]!;
  assert.deepEqual(p6.sources.map((s) => s.name), ['Frame']);
  assert.equal(p6.layers[5]!.spec.id, 'isakmp');
  assert.equal(p6.layers[5]!.offset, 14 + 20 + 20 + 6);
  // Length field split over two segments: frames 8 and 9 carry pieces, 10 completes IKE_AUTH.
  assert.match(tcp[7]!.summary.info, /\[TCP segment of a reassembled PDU\]$/);
  assert.match(layerTree(tcp[9]!.layers[4]!).text!, /#8\(1\), #9\(149\), #10\(144\)/);
  // The two keepalives share frame 21.
  assert.equal(ids(21), 'frame/eth/ip/tcp/iketcp/iketcp');
  assert.equal(tcp[20]!.summary.info, 'NAT-keepalive');
  // Frame 27 ends one ESP packet (begun in frame 24) and carries a whole second one.
  assert.equal(ids(27), 'frame/eth/ip/tcp/tcp.segments/iketcp/esp/iketcp/esp');
  // Field registry knows the new fields; the notes are registered.
  for (const id of ['iketcp', 'iketcp.prefix', 'iketcp.length', 'iketcp.non_esp_marker', 'iketcp.nat_keepalive', 'tcp.segments', 'tcp.segment', 'tcp.reassembled.length']) assert.ok(fieldRegistry().get(id), id);
  const defs = new Set(allNoteDefs().map((d) => d.id));
  for (const id of ['iketcp.length.invalid', 'iketcp.short', 'iketcp.prefix.missing', 'iketcp.unframed', 'iketcp.incomplete', 'tcp.analysis.retransmission', 'tcp.analysis.out_of_order', 'tcp.analysis.lost_segment', 'tcp.reassembly.gap']) assert.ok(defs.has(id), id);
});

test('retransmissions and the out-of-order segment are noted and dissected once', async () => {
  const tcp = await readAll(join(DIR, 'iketcp.pcap'));
  const p13 = tcp[12]!; // identical retransmission of frame 12
  assert.deepEqual(messagesOf(p13), []);
  assert.ok(noteIds(p13).includes('tcp.analysis.retransmission'));
  assert.match(p13.summary.info, /\[TCP Retransmission\]$/);
  const p22 = tcp[21]!; // second half captured first: held
  assert.deepEqual(messagesOf(p22), []);
  assert.ok(noteIds(p22).includes('tcp.analysis.lost_segment'));
  const p23 = tcp[22]!; // the late first half completes the ESP packet
  assert.ok(noteIds(p23).includes('tcp.analysis.out_of_order'));
  assert.equal(messagesOf(p23).length, 1);
  const p26 = tcp[25]!; // overlapping retransmission: 120 bytes known, the rest new
  assert.ok(noteIds(p26).includes('tcp.analysis.retransmission'));
  assert.equal(messagesOf(p26).length, 1);
});

test('the session pass sees the same IKE SA and ESP flows over TCP as over UDP (one message per packet via perMessage)', async () => {
  const { SessionBuilder } = await import('../src/analyze/sessions.js');
  const model = (ps: Packet[], split: boolean) => {
    const b = new SessionBuilder();
    for (const p of ps) for (const q of split ? perMessage(p) : [p]) b.add(q);
    return b.result();
  };
  const udp = model(await source(), false);
  const tcp = model(await readAll(join(DIR, 'iketcp.pcap')), true);
  const sa = (m: typeof udp) => m.ikeSas.map((s) => ({ version: s.version, state: s.state, messages: s.messages, exchanges: s.exchanges.length }));
  assert.deepEqual(sa(tcp), sa(udp));
  const flows = (m: typeof udp) => m.flows.map((f) => `${f.spi} ${f.packets}`).sort();
  assert.deepEqual(flows(tcp), flows(udp));
});

test('decryption works over TCP as over UDP: the same IKE SK payloads and ESP packets decrypt', async (t) => {
  const keysDir = join(DIR, '../generated/sw-ikev2-natt/keys');
  const { DecryptEngine } = await import('../src/decrypt/engine.js');
  const { loadKeyFile } = await import('../src/decrypt/keys/index.js');
  const { mergeKeyMaterial } = await import('../src/decrypt/types.js');
  const keys = mergeKeyMaterial(loadKeyFile(join(keysDir, 'ikev2_decryption_table')), loadKeyFile(join(keysDir, 'esp_sa')));
  const decrypted = async (file: string) => {
    const engine = new DecryptEngine(keys);
    engine.setMode('learn');
    await readAll(file, { decrypt: engine });
    engine.setMode('decrypt');
    const ps = await readAll(file, { decrypt: engine });
    // Per message: the source names and layer ids after it (the plaintext's protocols).
    return ps.flatMap((p) => p.sources.slice(1).filter((s) => s.name.startsWith('Decrypted')).map((s) => s.name)).sort();
  };
  const udp = await decrypted(SOURCE);
  if (!udp.length) return t.skip('no decryption keys for the source fixture');
  assert.deepEqual(await decrypted(join(DIR, 'iketcp.pcap')), udp);
  assert.equal(udp.filter((n) => n === 'Decrypted ESP').length, 12);
});

test('random access with a fresh dissector (the TUI): a frame alone, or after the frames a reassembled message lists', async () => {
  const r = await openCapture(join(DIR, 'iketcp.pcap'));
  const frames: Frame[] = [];
  for await (const batch of r) for (const f of batch) frames.push({ ...f, data: f.data.slice() });
  const full = await readAll(join(DIR, 'iketcp.pcap'));
  const alone = (...nos: number[]) => {
    const d = new PacketDissector();
    let p: Packet | undefined;
    for (const n of nos) p = d.dissect(frames[n - 1]!);
    return p!;
  };
  const bad = (p: Packet) => p.layers.flatMap((l) => l.notes).filter((n) => n.def.severity === 'warn' || n.def.severity === 'error');
  // In-place messages come out the same; a segment from the middle of a message is quiet segment data.
  for (const n of [6, 12, 15, 16, 21, 28, 29, 30]) assert.deepEqual(messagesOf(alone(n)), messagesOf(full[n - 1]!), `frame ${n}`);
  for (const n of [9, 10, 25]) {
    const p = alone(n);
    assert.deepEqual(messagesOf(p), [], `frame ${n}`);
    assert.deepEqual(bad(p), [], `frame ${n}`);
  }
  // Replaying the frames a tcp.segments layer lists, in frame order, rebuilds the message.
  for (const n of [5, 10, 27]) {
    const segs = full[n - 1]!.layers.filter((l) => l.spec.id === 'tcp.segments').flatMap((l) => (l.record as { fragments: { frame: number }[] }).fragments.map((f) => f.frame));
    const order = [...new Set([...segs, n])].sort((a, b) => a - b);
    assert.deepEqual(messagesOf(alone(...order)), messagesOf(full[n - 1]!), `frame ${n} after ${order.join(',')}`);
  }
});

test('a capture that starts at any frame inside the connection: no malformed notes, nothing invented, framing found again', async () => {
  const src = await sourceByFrame();
  const original = new Set([...src.values()].flat());
  const r = await openCapture(join(DIR, 'iketcp.pcap'));
  const frames: Frame[] = [];
  for await (const batch of r) for (const f of batch) frames.push({ ...f, data: f.data.slice() });
  const m = entry('iketcp.pcap');
  for (let k = 4; k <= 30; k++) {
    const d = new PacketDissector();
    const ps = frames.slice(k - 1).map((f) => d.dissect(f));
    const errors = ps.flatMap((p) => p.layers.flatMap((l) => l.notes)).filter((n) => n.def.severity === 'error');
    assert.deepEqual(errors.map((n) => n.message), [], `from frame ${k}`);
    const got = ps.flatMap(messagesOf);
    for (const t of got) assert.ok(original.has(t), `from frame ${k}: nothing invented`);
    // The INFORMATIONAL exchange at the end is always found.
    for (const msg of m.messages.filter((x) => x.frame >= Math.max(k, 29))) assert.ok(got.includes(src.get(msg.source_frame)![0]!), `from frame ${k}: source frame ${msg.source_frame}`);
  }
});

// ---------------------------------------------------------------- damaged streams

test('a segment the capture missed: a gap note, the message it cut is lost, framing resynchronises on the next message', async () => {
  const src = await sourceByFrame();
  const tcp = await readAll(join(DIR, 'iketcp-gap.pcap'));
  const m = entry('iketcp-gap.pcap');
  assert.deepEqual(m.lost, [5]);
  for (const msg of m.messages) assert.ok(messagesOf(tcp[msg.frame - 1]!).includes(src.get(msg.source_frame)![0]!), `source frame ${msg.source_frame}`);
  const all = tcp.flatMap(messagesOf);
  assert.deepEqual(multiset(all), multiset(m.messages.flatMap((x) => src.get(x.source_frame)!)));
  const notes = allNotes(tcp);
  for (const id of ['tcp.analysis.lost_segment', 'tcp.reassembly.gap', 'iketcp.incomplete', 'iketcp.unframed']) assert.ok(notes.includes(id), id);
});

test('no "IKETCP" prefix from the originator: a note, the messages still decode', async () => {
  const src = await sourceByFrame();
  const tcp = await readAll(join(DIR, 'iketcp-no-prefix.pcap'));
  const m = entry('iketcp-no-prefix.pcap');
  assert.deepEqual(multiset(tcp.flatMap(messagesOf)), multiset(m.messages.flatMap((x) => src.get(x.source_frame)!)));
  assert.equal(allNotes(tcp).filter((n) => n === 'iketcp.prefix.missing').length, 1);
});

test('a Length of 1 is fatal for its direction (RFC 9329 §3): malformed note, the rest is unframed, the other direction is unaffected', async () => {
  const src = await sourceByFrame();
  const tcp = await readAll(join(DIR, 'iketcp-bad-length.pcap'));
  const bad = tcp.find((p) => noteIds(p).includes('iketcp.length.invalid'));
  assert.ok(bad);
  assert.match(bad.summary.info, /\[Malformed Packet\]/);
  const all = tcp.flatMap(messagesOf);
  const original = new Set([...src.values()].flat());
  for (const t of all) assert.ok(original.has(t), 'nothing invented');
  // Responder messages (from 10.99.2.2) all decode; the initiator's after the bad Length do not.
  const responder = (await source()).filter((p) => p.summary.src === '10.99.2.2').flatMap(messagesOf);
  assert.equal(responder.length, 9); // 3 IKE messages, 6 ESP packets
  for (const t of responder) assert.ok(all.includes(t));
  assert.equal(all.length, responder.length + 1);
  assert.ok(allNotes(tcp).includes('iketcp.unframed'));
});

test('a message too short for a marker or an ESP header: malformed note, framing continues', async () => {
  const src = await sourceByFrame();
  const tcp = await readAll(join(DIR, 'iketcp-short.pcap'));
  const m = entry('iketcp-short.pcap');
  assert.deepEqual(multiset(tcp.flatMap(messagesOf)), multiset(m.messages.flatMap((x) => src.get(x.source_frame)!)));
  assert.equal(allNotes(tcp).filter((n) => n === 'iketcp.short').length, 1);
});

test('without reassembly each segment is framed on its own: whole messages decode, nothing is invented', async () => {
  const src = await sourceByFrame();
  const original = new Set([...src.values()].flat());
  const tcp = await readAll(join(DIR, 'iketcp.pcap'), { reassemble: false });
  const all = tcp.flatMap(messagesOf);
  for (const t of all) assert.ok(original.has(t));
  assert.ok(all.length >= 14, `${all.length}`);
  assert.deepEqual(tcp[3]!.layers.map((l) => l.spec.id), ['frame', 'eth', 'ip', 'tcp', 'iketcp', 'iketcp']);
});

test('other TCP ports stay data; Decode As adds a port', async () => {
  // The same capture with the server port moved to 4501 (checksums are not verified by default).
  const bytes = new Uint8Array(readFileSync(join(DIR, 'iketcp.pcap')));
  let off = 24;
  while (off + 16 <= bytes.length) {
    const incl = bytes[off + 8]! | (bytes[off + 9]! << 8) | (bytes[off + 10]! << 16);
    const tcpAt = off + 16 + 14 + 20;
    for (const p of [tcpAt, tcpAt + 2]) if (bytes[p] === 0x11 && bytes[p + 1] === 0x94) bytes[p + 1] = 0x95;
    off += 16 + incl;
  }
  const dir = mkdtempSync(join(tmpdir(), 'iketcp-'));
  const file = join(dir, 'moved.pcap');
  writeFileSync(file, bytes);
  const plain = await readAll(file);
  assert.equal(plain.flatMap(messagesOf).length, 0);
  assert.ok(plain.every((p) => !p.layers.some((l) => l.spec.id === 'iketcp')));
  const decoded = await readAll(file, { prefs: { ...DEFAULT_PREFS, iketcpPorts: new Set([4501]) } });
  assert.equal(decoded.flatMap(messagesOf).length, 20);
  // The CLI's -d tcp.port==4501,iketcp.
  const r = espy(['-r', file, '-d', 'tcp.port==4501,iketcp', '-T', 'fields', '-e', 'frame.number', '-e', 'isakmp.exchangetype', '-Y', 'isakmp']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(rows(r.stdout).length, 6);
  const bad = espy(['-r', file, '-d', 'tcp.port==0,iketcp']);
  assert.notEqual(bad.status, 0);
});

// ---------------------------------------------------------------- the stream machinery, synthetic

const IP = { family: 4 as const, src: Uint8Array.from([192, 0, 2, 1]), dst: Uint8Array.from([198, 51, 100, 2]) };
const IP_R = { family: 4 as const, src: IP.dst, dst: IP.src };

/** Deterministic PRNG (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** An ESP-like framed message: Length, SPI (non-zero), sequence, body. */
function espFrame(i: number, bodyLen: number): Uint8Array {
  const body = Array.from({ length: bodyLen }, (_, k) => (i * 7 + k) & 0xff);
  return Uint8Array.from([...u16(2 + 8 + bodyLen), ...u32(0x1000 + i), ...u32(i + 1), ...body]);
}
function concatAll(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const messageUnits = (us: IketcpUnit[]) => us.filter((u) => u.kind === 'message').map((u) => Buffer.from(u.bytes).toString('hex'));

test('random segmentation, reordering and duplication of a stream whose sequence numbers wrap: every message exactly once, in order', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = rng(seed);
    const msgs = Array.from({ length: 30 }, (_, i) => espFrame(i, Math.floor(rnd() * 300)));
    const stream = concatAll([Uint8Array.from([0x49, 0x4b, 0x45, 0x54, 0x43, 0x50]), ...msgs]);
    const isn = (0xffffffff - Math.floor(rnd() * 2000)) >>> 0;
    // Cut into segments of 1..200 bytes.
    const segs: { at: number; bytes: Uint8Array }[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = Math.min(stream.length - at, 1 + Math.floor(rnd() * 200));
      segs.push({ at, bytes: stream.subarray(at, at + n) });
      at += n;
    }
    // Swap neighbours and repeat some segments.
    const order = [...segs];
    for (let i = 0; i + 1 < order.length; i++) if (rnd() < 0.2) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!];
    for (let i = 0; i < order.length; i++) if (rnd() < 0.15) order.splice(i + 1, 0, order[i]!), i++;
    const s = new IketcpStreams();
    const got: string[] = [];
    let frameNo = 1;
    const add = (at: number, bytes: Uint8Array, flags: number) => {
      const units = s.add({ frame: frameNo++, ip: IP, srcport: 40000, dstport: 4500, seq: (isn + 1 + at) >>> 0, ack: 1, flags, buf: bytes, offset: 0, end: bytes.length });
      got.push(...messageUnits(units));
      for (const u of units) assert.notEqual(u.kind, 'unframed', `seed ${seed}`);
      return units;
    };
    s.add({ frame: frameNo++, ip: IP, srcport: 40000, dstport: 4500, seq: isn, ack: 0, flags: 0x02, buf: new Uint8Array(0), offset: 0, end: 0 });
    for (const seg of order) add(seg.at, seg.bytes, 0x18);
    assert.deepEqual(got, msgs.map((m) => Buffer.from(m).toString('hex')), `seed ${seed}`);
  }
});

test('a message dissected in place keeps the segment offset; one from several segments lists its frames', () => {
  const s = new IketcpStreams();
  s.add({ frame: 1, ip: IP, srcport: 1, dstport: 4500, seq: 99, ack: 0, flags: 0x02, buf: new Uint8Array(0), offset: 0, end: 0 });
  const m = espFrame(1, 20);
  const buf = concatAll([new Uint8Array(10), Uint8Array.from([0x49, 0x4b, 0x45, 0x54, 0x43, 0x50]), m, m.subarray(0, 5)]);
  const u = s.add({ frame: 2, ip: IP, srcport: 1, dstport: 4500, seq: 100, ack: 0, flags: 0x18, buf, offset: 10, end: buf.length });
  assert.deepEqual(u.map((x) => [x.kind, x.srcOffset]), [['prefix', 10], ['message', 16]]);
  const v = s.add({ frame: 3, ip: IP, srcport: 1, dstport: 4500, seq: 100 + 6 + m.length + 5, ack: 0, flags: 0x18, buf: m.subarray(5), offset: 0, end: m.length - 5 });
  assert.equal(v.length, 1);
  assert.equal(v[0]!.srcOffset, undefined);
  assert.deepEqual(v[0]!.pieces, [{ frame: 2, offset: 0, length: 5 }, { frame: 3, offset: 5, length: m.length - 5 }]);
});

test('framing edge cases: Length 0 and 1 are fatal, 2..5 short, 3 + 0xFF a keepalive, a prefix split in two', () => {
  const one = (bytes: number[]) => frameSegment(1, Uint8Array.from(bytes), 0, bytes.length);
  assert.deepEqual(one([0, 0, 1, 2, 3]).map((u) => u.kind), ['bad-length', 'unframed']);
  assert.deepEqual(one([0, 1]).map((u) => u.kind), ['bad-length']);
  assert.deepEqual(one([0, 3, 0xff, 0, 3, 0xff]).map((u) => u.kind), ['message', 'message']);
  assert.deepEqual(one([0, 4, 1, 2]).map((u) => u.kind), ['message']);
  assert.deepEqual(one([0, 9, 1, 2]).map((u) => u.kind), ['segment']);
  const s = new IketcpStreams();
  s.add({ frame: 1, ip: IP, srcport: 2, dstport: 4500, seq: 0, ack: 0, flags: 0x02, buf: new Uint8Array(0), offset: 0, end: 0 });
  const a = Uint8Array.from([0x49, 0x4b, 0x45]);
  const b = Uint8Array.from([0x54, 0x43, 0x50, 0, 3, 0xff]);
  assert.deepEqual(s.add({ frame: 2, ip: IP, srcport: 2, dstport: 4500, seq: 1, ack: 0, flags: 0x18, buf: a, offset: 0, end: 3 }).map((u) => u.kind), ['segment']);
  assert.deepEqual(s.add({ frame: 3, ip: IP, srcport: 2, dstport: 4500, seq: 4, ack: 0, flags: 0x18, buf: b, offset: 0, end: 6 }).map((u) => u.kind), ['prefix', 'message']);
  // Dissecting each kind never throws and flags the malformed ones.
  const pd = new PacketDissector();
  for (const bytes of [[0, 0], [0, 1, 9], [0, 2], [0, 5, 1, 2, 3], [0, 9, 0, 0, 0, 0, 1], [0, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]) {
    const payload = Uint8Array.from(bytes);
    const p = pd.dissect(tcpFrame(7, 4500, 1000 + bytes[1]! * 100, payload, 0x18));
    assert.ok(p.layers.some((l) => l.spec.id === 'iketcp'), JSON.stringify(bytes));
  }
});

test('the originator without a prefix is noted; the responder never sends one', () => {
  const s = new IketcpStreams();
  s.add({ frame: 1, ip: IP, srcport: 3, dstport: 4500, seq: 0, ack: 0, flags: 0x02, buf: new Uint8Array(0), offset: 0, end: 0 });
  s.add({ frame: 2, ip: IP_R, srcport: 4500, dstport: 3, seq: 500, ack: 1, flags: 0x12, buf: new Uint8Array(0), offset: 0, end: 0 });
  const m = espFrame(2, 10);
  const u = s.add({ frame: 3, ip: IP, srcport: 3, dstport: 4500, seq: 1, ack: 501, flags: 0x18, buf: m, offset: 0, end: m.length });
  assert.deepEqual(u.map((x) => x.kind), ['message']);
  assert.deepEqual(u[0]!.notes.map((n) => n.def.id), ['iketcp.prefix.missing']);
  const v = s.add({ frame: 4, ip: IP_R, srcport: 4500, dstport: 3, seq: 501, ack: 1 + m.length, flags: 0x18, buf: m, offset: 0, end: m.length });
  assert.deepEqual(v.map((x) => [x.kind, x.notes.length]), [['message', 0]]);
});

test('a hole the peer ACKed is a gap: the message inside it is lost, framing stays in step when the Length was seen', () => {
  const s = new IketcpStreams();
  s.add({ frame: 1, ip: IP, srcport: 5, dstport: 4500, seq: 0, ack: 0, flags: 0x02, buf: new Uint8Array(0), offset: 0, end: 0 });
  s.add({ frame: 2, ip: IP_R, srcport: 4500, dstport: 5, seq: 700, ack: 1, flags: 0x12, buf: new Uint8Array(0), offset: 0, end: 0 });
  const a = espFrame(1, 100); // 110 bytes
  const b = espFrame(2, 10);
  // [a 0..20) seen, [a 20..60) lost, [a 60..110) + b seen.
  const seg1 = a.subarray(0, 20);
  assert.deepEqual(s.add({ frame: 3, ip: IP, srcport: 5, dstport: 4500, seq: 1, ack: 701, flags: 0x18, buf: seg1, offset: 0, end: 20 }).map((u) => u.kind), ['segment']);
  const seg3 = concatAll([a.subarray(60), b]);
  const held = s.add({ frame: 5, ip: IP, srcport: 5, dstport: 4500, seq: 61, ack: 701, flags: 0x18, buf: seg3, offset: 0, end: seg3.length });
  assert.deepEqual(held.map((u) => [u.kind, u.segment]), [['segment', 'held']]);
  assert.ok(held[0]!.notes.some((n) => n.def.id === 'tcp.analysis.lost_segment'));
  // The peer ACKs everything: the next segment declares the gap.
  s.add({ frame: 6, ip: IP_R, srcport: 4500, dstport: 5, seq: 701, ack: 1 + a.length + b.length, flags: 0x10, buf: new Uint8Array(0), offset: 0, end: 0 });
  const c = espFrame(3, 10);
  const out = s.add({ frame: 7, ip: IP, srcport: 5, dstport: 4500, seq: 1 + a.length + b.length, ack: 701, flags: 0x18, buf: c, offset: 0, end: c.length });
  assert.deepEqual(out.map((u) => u.kind), ['unframed', 'unframed', 'message', 'message']);
  assert.deepEqual(messageUnits(out), [b, c].map((x) => Buffer.from(x).toString('hex')));
  const ids = out.flatMap((u) => u.notes.map((n) => n.def.id));
  assert.ok(ids.includes('tcp.reassembly.gap') && ids.includes('iketcp.incomplete'));
});

test('memory is bounded: held out-of-order data and the number of tracked directions', () => {
  const t = new TcpStreams({ maxHeldSegments: 8, maxStreams: 16 });
  t.add({ frame: 1, key: 'a', reverseKey: 'b', seq: 0, ack: 0, flags: 0x02, buf: new Uint8Array(0), offset: 0, end: 0 });
  let gaps = 0;
  for (let i = 0; i < 100; i++) {
    const buf = new Uint8Array(10);
    const out = t.add({ frame: 2 + i, key: 'a', reverseKey: 'b', seq: 1 + 100 + i * 10, ack: 0, flags: 0x18, buf, offset: 0, end: 10 });
    assert.ok(out.half.held.length <= 9);
    gaps += out.pieces.filter((p) => p.gap).length;
  }
  assert.equal(gaps, 1);
  for (let i = 0; i < 100; i++) t.add({ frame: 200 + i, key: `k${i}`, reverseKey: `r${i}`, seq: i, ack: 0, flags: 0x18, buf: new Uint8Array(1), offset: 0, end: 1 });
  assert.ok(t.size <= 16);
});

test('resynchronisation only on a plausible message start', () => {
  const ike = (len: number) => [...u16(len), 0, 0, 0, 0, ...new Array(17).fill(1), 0x20, 0, 0, 0, 0, 0, 0, ...u32(len - 6)];
  assert.equal(plausibleMessage(Uint8Array.from(ike(34)), 0), true);
  assert.equal(plausibleMessage(Uint8Array.from(ike(34).map((x, i) => (i === 23 ? 0x70 : x))), 0), false);
  const e = espFrame(1, 10);
  assert.equal(plausibleMessage(e, 0), true);
  assert.equal(plausibleMessage(concatAll([e, e]), 0), true);
  assert.equal(plausibleMessage(concatAll([e, Uint8Array.from([0, 1, 2])]), 0), false);
  assert.equal(plausibleMessage(Uint8Array.from([0, 3, 0xff]), 0), true);
  assert.equal(plausibleMessage(Uint8Array.from([0x30, 0x00, 1, 2, 3, 4]), 0), false);
});

test('random payloads, sequence numbers and flags on port 4500 never throw; a segment of 600 keepalives is bounded', () => {
  const rnd = rng(7);
  const d = new PacketDissector();
  for (let i = 0; i < 3000; i++) {
    const n = Math.floor(rnd() * 80);
    const payload = Uint8Array.from({ length: n }, () => (rnd() < 0.3 ? 0 : Math.floor(rnd() * 256)));
    const flags = [0x02, 0x12, 0x10, 0x18, 0x11, 0x04][Math.floor(rnd() * 6)]!;
    const sport = rnd() < 0.5 ? 4500 : 40000 + Math.floor(rnd() * 3);
    d.dissect(tcpFrame(sport, sport === 4500 ? 40000 : 4500, Math.floor(rnd() * 2 ** 32), payload, flags, i + 1));
  }
  const many = new Uint8Array(600 * 3);
  for (let i = 0; i < 600; i++) many.set([0, 3, 0xff], i * 3);
  const p = new PacketDissector({ reassemble: false }).dissect(tcpFrame(40000, 4500, 1, many, 0x18));
  assert.equal(p.layers.filter((l) => l.spec.id === 'iketcp').length, 512);
});

/** Ethernet + IPv4 + TCP frame (checksums zero: not verified by default). */
function tcpFrame(sport: number, dport: number, seq: number, payload: Uint8Array, flags: number, number = 1): Frame {
  const tcp = [...u16(sport), ...u16(dport), ...u32(seq), ...u32(1), 0x50, flags, ...u16(65535), 0, 0, 0, 0];
  const total = 20 + tcp.length + payload.length;
  const ip = [0x45, 0, ...u16(total), 0, 1, 0x40, 0, 64, 6, 0, 0, ...IP.src, ...IP.dst];
  const data = Uint8Array.from([...new Array(6).fill(2), ...new Array(6).fill(4), 0x08, 0x00, ...ip, ...tcp, ...payload]);
  return { number, tsSec: 1_700_000_000, tsNsec: 0, linkType: 1, caplen: data.length, origLen: data.length, data, interfaceId: 0, fileOffset: 0 };
}
