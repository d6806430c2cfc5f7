/**
 * Property tests: no dissector throws on any bytes, every tree can be built
 * and printed, and each packet is dissected in bounded time. Inputs are
 * random bytes and mutations (bit flips, truncation, length-field damage) of
 * real frames from the fixture captures.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ETHERTYPE_TABLE, IPPROTO_TABLE, LINK_TABLE } from '../src/dissect/registry.js';
import { dissectEsp, dissectIsakmp, dissectNatt } from '../src/dissect/ipsec.js';
import { DEFAULT_PREFS, type DissectContext, type Dissector } from '../src/dissect/layer.js';
import { PacketDissector, packetTree } from '../src/dissect/packet.js';
import { nodeLine, type TreeNode } from '../src/core/tree.js';
import type { Frame } from '../src/capture/types.js';
import { openCapture } from '../src/capture/index.js';
import { packetJson } from '../src/cli/format/json.js';
import { summaryLine, treeText } from '../src/cli/format/text.js';
import { PLAIN } from '../src/cli/format/color.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function frameOf(data: Uint8Array, linkType: number, n = 1): Frame {
  return { number: n, tsSec: 1_700_000_000, tsNsec: 0, linkType, caplen: data.length, origLen: data.length, data, interfaceId: 0, fileOffset: 0 };
}

function walk(nodes: readonly TreeNode[]): number {
  let n = 0;
  for (const x of nodes) {
    nodeLine(x);
    n += 1 + (x.children ? walk(x.children) : 0);
  }
  return n;
}

const entries: [string, Dissector<unknown>][] = [
  ...[...LINK_TABLE].map(([k, d]): [string, Dissector<unknown>] => [`link ${k}`, d]),
  ...[...ETHERTYPE_TABLE].map(([k, d]): [string, Dissector<unknown>] => [`ethertype 0x${k.toString(16)}`, d]),
  ...[...IPPROTO_TABLE].map(([k, d]): [string, Dissector<unknown>] => [`ipproto ${k}`, d]),
  ['isakmp', dissectIsakmp],
  ['natt', dissectNatt],
  ['esp', dissectEsp],
];

test('every dissector entry survives arbitrary bytes and builds its tree', () => {
  assert.ok(entries.length >= 8, 'registry lists the dissectors');
  for (const [name, d] of entries) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(64), (bytes, startRaw) => {
        const start = Math.min(startRaw, bytes.length);
        const ctx: DissectContext = { frame: frameOf(bytes, 1), prefs: DEFAULT_PREFS };
        const res = d(ctx, 0, bytes, start, bytes.length);
        if (res.layer) {
          assert.ok(res.layer.offset >= start && res.layer.offset <= bytes.length, `${name}: layer offset in range`);
          walk(res.layer.spec.tree(res.layer.record, res.layer));
        }
        if (res.next) assert.ok(res.next.offset >= 0 && res.next.end <= bytes.length, `${name}: next range inside the buffer`);
      }),
      { numRuns: 400 },
    );
  }
});

test('whole-packet dissection never throws for any link type and bytes', () => {
  const linkTypes = [0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 147];
  const pd = new PacketDissector();
  fc.assert(
    fc.property(fc.constantFrom(...linkTypes), fc.uint8Array({ maxLength: 1600 }), (lt, bytes) => {
      const p = pd.dissect(frameOf(bytes, lt));
      walk(packetTree(p));
      summaryLine(p, 'r', PLAIN);
      JSON.parse(packetJson(p, undefined, true));
    }),
    { numRuns: 1500 },
  );
});

async function realFrames(limit: number): Promise<Frame[]> {
  const dir = join(ROOT, 'fixtures/pcaps/generated');
  const out: Frame[] = [];
  if (!existsSync(dir)) return out;
  for (const c of readdirSync(dir).sort()) {
    const f = join(dir, c, 'capture.pcap');
    if (!existsSync(f)) continue;
    const r = await openCapture(f);
    for await (const batch of r) for (const fr of batch) if (out.length < limit) out.push({ ...fr, data: fr.data.slice() });
  }
  return out;
}

test('mutated real frames (flips, cuts, length damage) dissect without throwing, in bounded time', async (t) => {
  const frames = await realFrames(400);
  if (frames.length === 0) return t.skip('no generated fixtures');
  const pd = new PacketDissector();
  let worst = 0;
  fc.assert(
    fc.property(
      fc.constantFrom(...frames),
      fc.array(fc.tuple(fc.nat(2000), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat(2000)),
      (fr, edits, cut) => {
        const data = fr.data.slice(0, cut === null ? undefined : Math.min(cut, fr.data.length));
        for (const [pos, val] of edits) if (data.length) data[pos % data.length] = val;
        const t0 = performance.now();
        const p = pd.dissect({ ...fr, data, caplen: data.length });
        treeText(p, PLAIN);
        JSON.parse(packetJson(p, undefined, false));
        worst = Math.max(worst, performance.now() - t0);
      },
    ),
    { numRuns: 3000 },
  );
  // Generous bound: a pathological payload chain must not make one packet take seconds.
  assert.ok(worst < 250, `slowest mutated packet took ${worst.toFixed(1)} ms`);
});
