/** The TUI's model layer: the capture index, summary rows, tree flattening, hex highlights, the LRU, the controller's keys. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { espy, GENERATED, MALFORMED } from './helpers.js';
import { CaptureIndex, INDEX_BYTES_PER_FRAME } from '../src/tui/model/capture-index.js';
import { Lru } from '../src/tui/model/lru.js';
import { summaryLine } from '../src/cli/format/text.js';
import { PLAIN } from '../src/cli/format/color.js';
import { packetTree } from '../src/dissect/packet.js';
import { COLLAPSED, EXPANDED, flattenTree, setOpen } from '../src/tui/model/tree-model.js';
import { hexLines } from '../src/tui/model/hex-model.js';
import { TuiController, type KeyPress } from '../src/tui/model/controller.js';
import { KEY_HELP } from '../src/tui/model/keys.js';
import { browse, insert, lineState, remember } from '../src/tui/model/line-editor.js';
import { computeLayout } from '../src/tui/model/layout.js';
import { hexRowSegments, appVM } from '../src/tui/view-models.js';
import { NO_FILTER_ENGINE } from '../src/tui/model/filter-seam.js';
import { openCapture, type Frame } from '../src/capture/index.js';

const AGGR = join(GENERATED, 'sw-ikev1-aggr-psk-weak/capture.pcap');
const FRAG = join(MALFORMED, 'ipv4-ikev2-fragmented.pcap');

async function loaded(path: string, opts = {}): Promise<CaptureIndex> {
  const ix = await CaptureIndex.open(path, opts);
  await ix.loaded;
  return ix;
}

/** The CLI's summary lines for a file, without colour. */
function cliLines(path: string, extra: string[] = []): string[] {
  const r = espy(['-r', path, '--color', 'never', ...extra]);
  return r.stdout.split('\n').filter(Boolean);
}

test('index: every frame of a file, ≤ 64 bytes of index per frame, bytes re-read equal the reader', async () => {
  const ix = await loaded(AGGR);
  assert.equal(ix.done, true);
  assert.equal(ix.error, undefined);
  assert.equal(ix.seekable, true);
  assert.ok(ix.indexBytesPerFrame <= 64, `index costs ${ix.indexBytesPerFrame} bytes per frame`);
  assert.equal(ix.indexBytesPerFrame, INDEX_BYTES_PER_FRAME);
  const frames: Frame[] = [];
  for await (const b of await openCapture(AGGR)) frames.push(...b);
  assert.equal(ix.count, frames.length);
  // Out of order on purpose: the read window must serve any frame.
  for (const i of [...frames.keys()].reverse()) {
    const f = ix.frame(i);
    const g = frames[i]!;
    assert.deepEqual(f.data, g.data, `frame ${i + 1} bytes`);
    assert.equal(f.tsSec, g.tsSec);
    assert.equal(f.tsNsec, g.tsNsec);
    assert.equal(f.origLen, g.origLen);
    assert.equal(f.linkType, g.linkType);
  }
  ix.close();
});

test('index: pcapng (several interfaces) and gzip (kept in memory) read back the same bytes', async () => {
  for (const name of ['pcapng-multi-if.pcapng', 'gzip-ikev2.pcap.gz']) {
    const path = join(MALFORMED, name);
    const ix = await loaded(path);
    const frames: Frame[] = [];
    for await (const b of await openCapture(path)) frames.push(...b);
    assert.equal(ix.count, frames.length, name);
    assert.equal(ix.seekable, !name.endsWith('.gz'), name);
    for (let i = 0; i < frames.length; i++) {
      assert.deepEqual(ix.frame(i).data, frames[i]!.data, `${name} frame ${i + 1}`);
      assert.equal(ix.frame(i).interfaceId, frames[i]!.interfaceId);
      assert.equal(ix.frame(i).comment, frames[i]!.comment);
    }
    ix.close();
  }
});

test('index: a file cut short keeps the frames before the fault and reports it', async () => {
  const ix = await loaded(join(MALFORMED, 'truncated-file.pcap'));
  assert.ok(ix.error && /cut short|truncated/.test(ix.error), String(ix.error));
  assert.equal(ix.count, cliLines(join(MALFORMED, 'truncated-file.pcap')).length);
  ix.close();
});

test('rows equal the CLI summary lines, in any viewing order, for every bundled capture', async () => {
  const files = [AGGR, FRAG, join(MALFORMED, 'ipv6-ikev2-fragmented.pcap'), join(MALFORMED, 'ipv4-fragments-overlap.pcap'), join(MALFORMED, 'pcapng-multi-if.pcapng')];
  for (const d of readdirSync(GENERATED, { withFileTypes: true })) if (d.isDirectory()) files.push(join(GENERATED, d.name, 'capture.pcap'));
  for (const path of files) {
    // Delta time only where it matters most (it depends on the previous frame): keeps the spawn count down.
    for (const t of path === AGGR || path === FRAG ? (['r', 'd'] as const) : (['r'] as const)) {
      const want = cliLines(path, ['-t', t]);
      // A tiny LRU and backwards order: nothing may depend on what was dissected before.
      const ix = await loaded(path, { packetCache: 2 });
      assert.equal(ix.count, want.length, path);
      for (let i = ix.count - 1; i >= 0; i--) {
        assert.equal(summaryLine(ix.packet(i), t, PLAIN).trimEnd(), want[i], `${path} frame ${i + 1} (-t ${t})`);
      }
      ix.close();
    }
  }
});

test('reassembly: the completing frame shows the reassembled datagram even when viewed first', async () => {
  const ix = await loaded(FRAG);
  const p = ix.packet(2);
  assert.equal(p.sources.length, 2);
  assert.match(p.sources[1]!.name, /Reassembled IPv4/);
  assert.equal(p.summary.protocol, 'ISAKMP');
  ix.close();
});

test('LRU: bounded, evicts the least recently used', async () => {
  const l = new Lru<number, string>(3);
  l.set(1, 'a');
  l.set(2, 'b');
  l.set(3, 'c');
  l.get(1);
  l.set(4, 'd');
  assert.equal(l.size, 3);
  assert.equal(l.has(2), false);
  assert.equal(l.has(1), true);
  const ix = await loaded(AGGR, { packetCache: 4 });
  for (let i = 0; i < ix.count; i++) ix.packet(i);
  assert.equal(ix.cachedPackets, 4);
  assert.equal(ix.packetCacheCapacity, 4);
  ix.close();
});

test('tree: flattening follows the expand state; keys carry over between packets', async () => {
  const ix = await loaded(AGGR);
  const roots = packetTree(ix.packet(2));
  const closed = flattenTree(roots, COLLAPSED);
  assert.equal(closed.length, roots.length, 'collapsed: one row per protocol');
  assert.ok(closed.every((r) => r.depth === 0 && !r.expanded));
  const isakmp = closed.find((r) => r.key.startsWith('isakmp#'))!;
  assert.ok(isakmp.expandable);
  const st = setOpen(COLLAPSED, isakmp.key, true);
  const open = flattenTree(roots, st);
  const kids = open.filter((r) => r.parent === isakmp.key);
  assert.ok(kids.length > 0 && kids.every((r) => r.depth === 1));
  // The same key opens ISAKMP in the next IKE packet too.
  const next = flattenTree(packetTree(ix.packet(3)), st);
  assert.ok(next.find((r) => r.key === isakmp.key)?.expanded);
  const all = flattenTree(roots, EXPANDED);
  const count = (ns: readonly { children?: readonly unknown[] | undefined; notes?: readonly unknown[] | undefined }[]): number =>
    ns.reduce((s, n) => s + 1 + (n.notes?.length ?? 0) + count((n.children ?? []) as never), 0);
  assert.equal(all.length, count(roots), 'expanded: every node and note');
  ix.close();
});

test('hex: highlighted bytes are exactly the selected node range, in the node source', async () => {
  for (const [path, i] of [[AGGR, 2], [FRAG, 2]] as const) {
    const ix = await loaded(path);
    const p = ix.packet(i);
    for (const r of flattenTree(packetTree(p), EXPANDED)) {
      if (r.isNote) continue;
      const bytes = p.sources[r.source]!.bytes;
      const lines = hexLines(bytes, { offset: r.offset, length: r.length });
      const got: number[] = [];
      for (const l of lines) if (l.highlight) for (let b = l.highlight[0]; b <= l.highlight[1]; b++) got.push(l.offset + b);
      const want: number[] = [];
      for (let b = r.offset; b < Math.min(bytes.length, r.offset + r.length); b++) want.push(b);
      assert.deepEqual(got, want, `${r.key}`);
      // The rendered segments keep the `-x` line text intact.
      for (const l of lines) assert.equal(hexRowSegments(l).map((s) => s.text).join('').length, 6 + 49 + 1 + l.bytes.length);
    }
    ix.close();
  }
});

test('hex: a node of the reassembled datagram highlights in that source', async () => {
  const ix = await loaded(FRAG);
  const c = new TuiController(ix, { filterEngine: NO_FILTER_ENGINE });
  c.key('G', {});
  c.key('\t', { tab: true });
  // Select the ISAKMP protocol line (it lives in source 1).
  const rows = c.treeRows();
  const k = rows.findIndex((r) => r.key.startsWith('isakmp#'));
  for (let n = 0; n < k; n++) c.key('j', {});
  assert.equal(c.selectedTreeRow()?.source, 1);
  assert.equal(c.hexSourceIndex(), 1);
  assert.ok(appVM(c).hex.tabs[1]!.active);
  c.dispose();
  ix.close();
});

const K = (s: string): [string, KeyPress] => [s, {}];

test('controller: every key in the help is bound', async () => {
  const ix = await loaded(AGGR);
  const c = new TuiController(ix, { filterEngine: NO_FILTER_ENGINE, rows: 40, columns: 120 });
  c.key(...K('j'));
  assert.equal(c.cursor, 1);
  c.key('', { downArrow: true });
  c.key('', { upArrow: true });
  c.key(...K('k'));
  assert.equal(c.cursor, 0);
  c.key('G', {});
  assert.equal(c.cursor, ix.count - 1);
  c.key('g', {});
  assert.equal(c.cursor, 0);
  c.key('', { pageDown: true });
  assert.equal(c.cursor, Math.min(ix.count - 1, c.layout.listRows - 1));
  c.key('', { pageUp: true });
  assert.equal(c.cursor, 0);
  c.key('', { end: true });
  c.key('', { home: true });
  assert.equal(c.cursor, 0);
  // Go to: ':' and Ctrl-G.
  c.key(':', {});
  for (const ch of '5') c.key(ch, {});
  c.key('', { return: true });
  assert.equal(c.selectedIndex, 4);
  c.key('g', { ctrl: true });
  assert.equal(c.prompt?.kind, 'goto');
  c.key('9', {});
  c.key('9', {});
  c.key('', { return: true });
  assert.match(c.message ?? '', /no packet 99/);
  // Tree: Enter / Space / → / ←, e / c.
  const before = c.treeRows().length;
  c.key('', { return: true });
  assert.ok(c.treeRows().length > before, 'Enter expands');
  c.key(' ', {});
  assert.equal(c.treeRows().length, before, 'Space collapses');
  c.key('', { rightArrow: true });
  assert.ok(c.treeRows().length > before, '→ expands');
  c.key('', { leftArrow: true });
  assert.equal(c.treeRows().length, before, '← collapses');
  c.key('e', {});
  const all = c.treeRows().length;
  assert.ok(all > before);
  c.key('c', {});
  assert.equal(c.treeRows().length, before);
  // Time format cycles.
  assert.equal(c.time, 'r');
  c.key('t', {});
  assert.equal(c.time, 'a');
  c.key('t', {});
  assert.equal(c.time, 'd');
  c.key('t', {});
  assert.equal(c.time, 'r');
  // Focus.
  c.key('', { tab: true });
  assert.equal(c.focus, 'tree');
  c.key('', { tab: true });
  assert.equal(c.focus, 'hex');
  c.key('', { tab: true, shift: true });
  assert.equal(c.focus, 'tree');
  c.key('', { tab: true });
  c.key('', { tab: true });
  assert.equal(c.focus, 'list');
  // Views and help.
  for (const [key, want] of [['?', 'help'], ['l', 'ladder'], ['s', 'sa'], ['K', 'keys'], ['f', 'findings']] as const) {
    c.key(key, {});
    const o = c.overlay;
    assert.ok(o && (o.kind === 'help' ? want === 'help' : o.view === want), key);
    c.key('', { escape: true });
    assert.equal(c.overlay, undefined);
  }
  // Filter prompt without an engine says so and applies nothing.
  c.key('/', {});
  assert.equal(c.prompt?.kind, 'filter');
  c.key('isakmp', {});
  c.key('', { return: true });
  assert.equal(c.scan, undefined);
  assert.match(c.message ?? '', /not available/);
  c.key('q', {});
  assert.equal(c.quit, true);
  const help = KEY_HELP.flatMap((g) => g.entries.map((e) => e.keys)).join(' ');
  for (const k of ['j', 'k', 'PgDn', 'PgUp', 'g', 'G', ':', 'Ctrl-G', 'Tab', 'Enter', 'Space', '→', '←', 'e', 'c', 't', '/', 'l', 's', 'K', 'f', '?', 'q']) {
    assert.ok(help.split(/[\s/]+/).includes(k) || help.includes(k), `help lists ${k}`);
  }
  c.dispose();
  ix.close();
});

test('controller: a display filter runs in the background and keeps the selection', async () => {
  const ix = await loaded(AGGR);
  const c = new TuiController(ix, { rows: 40, columns: 120 });
  if (!c.engine.available) return;
  c.key(':', {});
  c.key('9', {});
  c.key('', { return: true });
  assert.equal(c.selectedIndex, 8);
  c.key('/', {});
  c.key('esp', {});
  assert.equal(c.promptCheck()?.ok, true);
  c.key('', { return: true });
  await new Promise<void>((res) => {
    const u = c.scan!.subscribe(() => c.scan!.done && (u(), res()));
  });
  const want = cliLines(AGGR).filter((l) => / ESP /.test(l)).length;
  assert.equal(c.shownCount, want);
  assert.equal(c.selectedIndex, 8, 'frame 9 is ESP and stays selected');
  // An invalid filter stays in the prompt with an error.
  c.key('/', {});
  c.key('', { ctrl: true, ...{} });
  c.key('u', { ctrl: true });
  c.key('esp.spi ==', {});
  assert.equal(c.promptCheck()?.ok, false);
  c.key('', { return: true });
  assert.equal(c.prompt?.kind, 'filter');
  c.key('', { escape: true });
  // History.
  c.key('/', {});
  c.key('u', { ctrl: true });
  c.key('', { upArrow: true });
  assert.equal(c.prompt?.line.text, 'esp');
  c.key('', { escape: true });
  // Empty filter clears it.
  c.key('/', {});
  c.key('u', { ctrl: true });
  c.key('', { return: true });
  assert.equal(c.scan, undefined);
  assert.equal(c.shownCount, ix.count);
  assert.equal(c.selectedIndex, 8);
  c.dispose();
  ix.close();
});

test('line editor and layout', () => {
  let s = insert(lineState(), 'ab');
  assert.equal(s.text, 'ab');
  const h = remember(remember([], 'x'), 'y');
  s = browse(s, h, -1);
  assert.equal(s.text, 'y');
  s = browse(s, h, -1);
  assert.equal(s.text, 'x');
  s = browse(browse(s, h, 1), h, 1);
  assert.equal(s.text, 'ab', 'walking past the newest entry restores the draft');
  for (const [rows, cols] of [[40, 120], [24, 80], [10, 40], [100, 200]] as const) {
    const l = computeLayout(rows, cols);
    assert.equal(l.height, rows - 1);
    const used = l.listRows + 1 + (l.treeRows ? l.treeRows + 1 : 0) + (l.hexRows ? l.hexRows + 1 : 0) + 2;
    assert.equal(used, l.height, `${rows}x${cols}`);
  }
});

test('index: the format comes from the bytes, not the file name', async () => {
  // A copy under a name without magic: the format comes from the bytes.
  const dir = mkdtempSync(join(tmpdir(), 'espy-tui-'));
  const p = join(dir, 'copy.bin');
  writeFileSync(p, readFileSync(AGGR));
  const ix = await loaded(p);
  assert.equal(ix.seekable, true);
  assert.equal(ix.count, cliLines(AGGR).length);
  ix.close();
});

test('cli: the UI only on a terminal, without CI, and without text-output flags', async () => {
  const { wantsTui } = await import('../src/cli/tui.js');
  const file = { file: 'x.pcap', t: 'r' };
  assert.equal(wantsTui(file, {}, true), true);
  assert.equal(wantsTui({ r: 'x.pcap', t: 'r', color: 'auto' }, {}, true), true);
  assert.equal(wantsTui(file, {}, false), false, 'not a TTY');
  assert.equal(wantsTui(file, { CI: 'true' }, true), false, 'CI');
  for (const f of ['T', 'V', 'x', 'e', 'q', 'c', 'Y', 'z']) assert.equal(wantsTui({ ...file, [f]: f === 'V' || f === 'x' || f === 'q' ? true : 'v' }, {}, true), false, `-${f}`);
  assert.equal(wantsTui({ t: 'r' }, {}, true), false, 'no file');
});
