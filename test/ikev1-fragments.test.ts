/**
 * IKEv1 (Cisco) fragment reassembly: the reassembler alone, then the
 * pipeline end to end through the CLI on the fixtures written by
 * fixtures/make-ikev1-fragments.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { IkeFragmentReassembler, ikev1FragmentOf, isakmpFragmentNotes, type IkeFragment, type IkeFragmentsRecord } from '../src/dissect/isakmp/fragments.js';
import { dissectIsakmpMessage, type IsakmpRecord } from '../src/dissect/isakmp/isakmp.js';
import { DEFAULT_PREFS, type DissectContext, type ReassemblyOutcome } from '../src/dissect/layer.js';
import { espy, GENERATED, MALFORMED } from './helpers.js';

const cookie = (b: number) => new Uint8Array(8).fill(b);
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

function frag(sa: number, number: number, last: boolean, data: Uint8Array, id = 1, direction = 'a>b'): IkeFragment {
  return { ispi: cookie(sa), rspi: cookie(sa + 0x10), id, number, last, data, direction };
}

function done(o: ReassemblyOutcome): Extract<ReassemblyOutcome, { complete: true }> {
  assert.equal(o.complete, true, 'complete');
  return o as Extract<ReassemblyOutcome, { complete: true }>;
}

function record(o: Extract<ReassemblyOutcome, { complete: true }>): IkeFragmentsRecord {
  return o.describe!(1).record as IkeFragmentsRecord;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

test('in order: complete on the last fragment, data concatenated', () => {
  const r = new IkeFragmentReassembler();
  const [a, b, c] = [bytes(10, 1), bytes(10, 2), bytes(5, 3)];
  assert.deepEqual(r.add(1, frag(1, 1, false, a)), { complete: false, count: 1 });
  assert.deepEqual(r.add(2, frag(1, 2, false, b)), { complete: false, count: 2 });
  const o = done(r.add(3, frag(1, 3, true, c)));
  assert.deepEqual(o.bytes, concat(a, b, c));
  assert.deepEqual(o.frames, [1, 2, 3]);
  assert.equal(r.pendingCount, 0);
  const rec = record(o);
  assert.equal(rec.length, 25);
  assert.deepEqual(rec.fragments.map((f) => [f.frame, f.number, f.offset, f.length]), [[1, 1, 0, 10], [2, 2, 10, 10], [3, 3, 20, 5]]);
  assert.equal(rec.overlap, false);
  const layer = o.describe!(1);
  assert.equal(layer.source, 1);
  assert.equal(layer.spec.id, 'isakmp.fragments');
  const ids = layer.spec.tree(layer.record, layer).map((n) => n.field.id);
  assert.deepEqual(ids, ['isakmp.fragment', 'isakmp.fragment', 'isakmp.fragment', 'isakmp.fragment.count', 'isakmp.reassembled.length']);
});

test('out of order: complete when the last hole fills, data in fragment order', () => {
  const r = new IkeFragmentReassembler();
  const [a, b, c] = [bytes(4, 1), bytes(4, 2), bytes(4, 3)];
  assert.equal(r.add(1, frag(1, 3, true, c)).complete, false);
  assert.equal(r.add(2, frag(1, 1, false, a)).complete, false);
  const o = done(r.add(3, frag(1, 2, false, b)));
  assert.deepEqual(o.bytes, concat(a, b, c));
  assert.deepEqual(o.frames, [2, 3, 1]);
});

test('duplicates: the first copy is kept, a differing copy is flagged', () => {
  const r = new IkeFragmentReassembler();
  r.add(1, frag(1, 1, false, bytes(4, 1)));
  r.add(2, frag(1, 1, false, bytes(4, 1)));
  const same = record(done(r.add(3, frag(1, 2, true, bytes(4, 2)))));
  assert.equal(same.overlap, true);
  assert.equal(same.conflict, false);
  assert.equal(same.fragments.length, 3);
  assert.deepEqual(same.fragments.map((f) => f.duplicate), [false, true, false]);

  r.add(4, frag(1, 1, false, bytes(4, 1)));
  r.add(5, frag(1, 1, false, bytes(4, 9)));
  const o = done(r.add(6, frag(1, 2, true, bytes(4, 2))));
  assert.deepEqual(o.bytes, concat(bytes(4, 1), bytes(4, 2)));
  const rec = record(o);
  assert.equal(rec.conflict, true);
  assert.ok(o.describe!(1).notes.some((n) => n.def === isakmpFragmentNotes.conflict));
});

test('interleaved messages of two IKE SAs with the same Fragment ID do not mix', () => {
  const r = new IkeFragmentReassembler();
  const A = [bytes(3, 0xa1), bytes(3, 0xa2), bytes(3, 0xa3)];
  const B = [bytes(3, 0xb1), bytes(3, 0xb2), bytes(3, 0xb3)];
  const order: [number, number][] = [[1, 0], [2, 0], [1, 1], [2, 2], [1, 2], [2, 1]];
  const outs = order.map(([sa, i], k) => r.add(k + 1, frag(sa, i + 1, i === 2, (sa === 1 ? A : B)[i]!)));
  assert.deepEqual(outs.map((o) => o.complete), [false, false, false, false, true, true]);
  assert.deepEqual(done(outs[4]!).bytes, concat(...A));
  assert.deepEqual(done(outs[4]!).frames, [1, 3, 5]);
  assert.deepEqual(done(outs[5]!).bytes, concat(...B));
  assert.deepEqual(done(outs[5]!).frames, [2, 6, 4]);
  assert.equal(r.pendingCount, 0);
});

test('the two directions of one SA, and two Fragment IDs, are separate messages', () => {
  const r = new IkeFragmentReassembler();
  r.add(1, frag(1, 1, false, bytes(2, 1), 1, 'a>b'));
  assert.equal(r.add(2, frag(1, 2, true, bytes(2, 2), 1, 'b>a')).complete, false);
  assert.equal(r.add(3, frag(1, 2, true, bytes(2, 2), 2, 'a>b')).complete, false);
  assert.equal(r.pendingCount, 3);
  assert.deepEqual(done(r.add(4, frag(1, 2, true, bytes(2, 2), 1, 'a>b'))).frames, [1, 4]);
});

test('missing last fragment: never completes, stays pending', () => {
  const r = new IkeFragmentReassembler();
  assert.equal(r.add(1, frag(1, 1, false, bytes(4, 1))).complete, false);
  assert.deepEqual(r.add(2, frag(1, 2, false, bytes(4, 2))), { complete: false, count: 2 });
  assert.equal(r.pendingCount, 1);
});

test('fragment number 0 is ignored; multiple tails and fragments past the tail are flagged', () => {
  const r = new IkeFragmentReassembler();
  assert.deepEqual(r.add(1, frag(1, 0, false, bytes(4, 1))), { complete: false, count: 0 });
  assert.equal(r.pendingCount, 0);
  r.add(2, frag(1, 3, false, bytes(4, 3)));
  r.add(3, frag(1, 2, true, bytes(4, 2)));
  r.add(4, frag(1, 3, true, bytes(4, 3)));
  const o = done(r.add(5, frag(1, 1, false, bytes(4, 1))));
  assert.deepEqual(o.bytes, concat(bytes(4, 1), bytes(4, 2)));
  assert.equal(record(o).multipleTails, true);
  const ids = o.describe!(1).notes.map((n) => n.def.id);
  assert.ok(ids.includes(isakmpFragmentNotes.multipleTails.id));
  assert.ok(ids.includes(isakmpFragmentNotes.pastTail.id));
});

test('expiry by frame count', () => {
  const r = new IkeFragmentReassembler({ maxAgeFrames: 10 });
  r.add(1, frag(1, 1, false, bytes(4, 1)));
  r.add(5, frag(2, 1, false, bytes(4, 1)));
  // Frame 12: the message begun in frame 1 is older than 10 frames and is dropped.
  assert.deepEqual(r.add(12, frag(1, 2, true, bytes(4, 2))), { complete: false, count: 1 });
  assert.equal(r.pendingCount, 2);
  assert.equal(done(r.add(13, frag(2, 2, true, bytes(4, 2)))).frames.length, 2);
});

test('bounds: pending messages, fragments per message, message size', () => {
  const r = new IkeFragmentReassembler({ maxPending: 2 });
  r.add(1, frag(1, 1, false, bytes(4, 1)));
  r.add(2, frag(2, 1, false, bytes(4, 1)));
  r.add(3, frag(3, 1, false, bytes(4, 1)));
  assert.equal(r.pendingCount, 2);
  // SA 1's message was the oldest and was dropped: its last fragment alone is not enough.
  assert.equal(r.add(4, frag(1, 2, true, bytes(4, 2))).complete, false);

  const f = new IkeFragmentReassembler({ maxFragments: 2 });
  f.add(1, frag(1, 1, false, bytes(4, 1)));
  f.add(2, frag(1, 1, false, bytes(4, 1)));
  assert.deepEqual(f.add(3, frag(1, 2, true, bytes(4, 2))), { complete: false, count: 2 });

  const m = new IkeFragmentReassembler({ maxMessage: 10 });
  m.add(1, frag(1, 1, false, bytes(8, 1)));
  assert.deepEqual(m.add(2, frag(1, 2, true, bytes(8, 2))), { complete: false, count: 0 });
  assert.equal(m.pendingCount, 0);
});

test('ikev1FragmentOf: only an IKEv1 message made of one Fragment payload', () => {
  const msg = (version: number, next: number, body: number[]) => {
    const b = new Uint8Array(28 + body.length);
    b.fill(0x11, 0, 8);
    b.fill(0x22, 8, 16);
    b[16] = next;
    b[17] = version;
    b[18] = 2;
    new DataView(b.buffer).setUint32(24, b.length);
    b.set(body, 28);
    return b;
  };
  const ctx: DissectContext = { frame: { number: 1 } as DissectContext['frame'], prefs: DEFAULT_PREFS };
  const rec = (b: Uint8Array) => dissectIsakmpMessage(ctx, 0, b, 0, b.length).layer!.record as IsakmpRecord;
  const fragBody = [0, 0, 0, 11, 0x00, 0x07, 2, 1, 0xaa, 0xbb, 0xcc];
  const f = ikev1FragmentOf(rec(msg(0x10, 132, fragBody)));
  assert.ok(f);
  assert.equal(f.id, 7);
  assert.equal(f.number, 2);
  assert.equal(f.last, true);
  assert.deepEqual([...f.data], [0xaa, 0xbb, 0xcc]);
  assert.equal(ikev1FragmentOf(rec(msg(0x20, 132, fragBody))), undefined, 'IKEv2');
  // Followed by another payload: not a fragment message.
  assert.equal(ikev1FragmentOf(rec(msg(0x10, 132, [13, ...fragBody.slice(1), 0, 0, 0, 4]))), undefined);
});

// ------------------------------------------------------------------ end to end

interface JNode { id: string; value: unknown; offset?: number; children?: JNode[] }
interface JLayer { protocol: string; fields: JNode[]; source: number }
interface JPacket { frame: number; summary: { info: string }; layers: JLayer[]; sources: { name: string; length: number }[] }

function jsonl(file: string): JPacket[] {
  const r = espy(['-r', file, '-T', 'jsonl']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as JPacket);
}

/** A layer's fields without byte offsets (the reassembled message starts at 0, the original inside a frame). */
function shape(ns: JNode[]): unknown {
  return ns.map((n) => ({ id: n.id, value: n.value, ...(n.children ? { children: shape(n.children) } : {}) }));
}

const chain = (l: JLayer) => l.fields.filter((n) => n.id === 'isakmp.typepayload').map((n) => n.value);
const isakmpLayers = (p: JPacket) => p.layers.filter((l) => l.protocol === 'isakmp');

const ORIGINAL = join(GENERATED, 'sw-ikev1-main-psk', 'capture.pcap');

test('CLI: in-order fragments reassemble into the original message on the last frame', () => {
  const ps = jsonl(join(MALFORMED, 'ikev1-cisco-fragments.pcap'));
  assert.equal(ps.length, 3);
  assert.deepEqual(ps.map((p) => p.sources.length), [1, 1, 2]);
  const p = ps[2]!;
  assert.deepEqual(p.sources[1], { name: 'Reassembled ISAKMP', length: 396 });
  assert.equal(p.summary.info, 'Identity Protection (Main Mode)');
  const [outer, inner] = isakmpLayers(p);
  assert.ok(outer && inner);
  assert.deepEqual(chain(outer), [132]);
  assert.equal(inner.source, 1);
  const fr = p.layers.find((l) => l.protocol === 'isakmp.fragments');
  assert.ok(fr);
  assert.deepEqual(fr.fields.filter((n) => n.id === 'isakmp.fragment').map((n) => n.value), [1, 2, 3]);
  assert.deepEqual(fr.fields.find((n) => n.id === 'isakmp.reassembled.length')?.value, 396);

  const orig = jsonl(ORIGINAL)[4]!;
  const o = isakmpLayers(orig)[0]!;
  assert.deepEqual(chain(inner), chain(o));
  assert.deepEqual(chain(inner), [4, 10, 20, 20]);
  assert.deepEqual(shape(inner.fields), shape(o.fields), 'the reassembled message dissects as the original');
});

test('CLI: interleaved fragments of two IKE SAs reassemble separately', () => {
  const ps = jsonl(join(MALFORMED, 'ikev1-cisco-fragments-interleaved.pcap'));
  assert.deepEqual(ps.map((p) => p.sources.length), [1, 1, 1, 1, 2, 2]);
  for (const p of [ps[4]!, ps[5]!]) {
    const [outer, inner] = isakmpLayers(p);
    const cookies = (l: JLayer) => ['isakmp.ispi', 'isakmp.rspi'].map((id) => l.fields.find((n) => n.id === id)?.value);
    assert.deepEqual(cookies(inner!), cookies(outer!), `frame ${p.frame}: the message belongs to the fragments' SA`);
    assert.deepEqual(chain(inner!), [4, 10, 20, 20]);
  }
  const frames = (p: JPacket) => p.layers.find((l) => l.protocol === 'isakmp.fragments')!.fields.filter((n) => n.id === 'isakmp.fragment').map((n) => n.value);
  assert.deepEqual(frames(ps[4]!), [1, 3, 5]);
  assert.deepEqual(frames(ps[5]!), [2, 6, 4]);
});

test('CLI: a missing last fragment leaves the fragments alone; -T fields finds the reassembled length', () => {
  const ps = jsonl(join(MALFORMED, 'ikev1-cisco-fragments-missing.pcap'));
  assert.deepEqual(ps.map((p) => p.sources.length), [1, 1]);
  const r = espy(['-r', join(MALFORMED, 'ikev1-cisco-fragments.pcap'), '-T', 'fields', '-e', 'isakmp.reassembled.length']);
  assert.deepEqual(r.stdout.split('\n').filter(Boolean), ['396']);
});

test('CLI: the session model sees the reassembled message once, not its fragments', () => {
  const r = espy(['-r', join(MALFORMED, 'ikev1-cisco-fragments-interleaved.pcap'), '-q', '-z', 'ike,sessions']);
  assert.equal(r.status, 0, r.stderr);
  const sas = r.stdout.split('\n').filter((l) => /^IKE SA #/.test(l));
  assert.equal(sas.length, 2, r.stdout);
  assert.match(r.stdout, /754eeeae6076e834\/e29ce7c239695d1f/);
  assert.match(r.stdout, /4e5720968812c192\/f781aea8deba3e7c/);
  const counts = [...r.stdout.matchAll(/(\d+) messages?, (\d+) retransmission/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.deepEqual(counts, [[1, 0], [1, 0]]);
  assert.match(r.stdout, /frames 5–5/);
  assert.match(r.stdout, /frames 6–6/);
});
