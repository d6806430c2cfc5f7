// The terminal UI on a big capture, headless: the real App rendered by Ink into a fake 120×40
// terminal (ink-testing-library), driven by key presses written to its stdin.
//
//   node dist/bench/tui.js [--packets N] [--seed S] [--cache DIR] [--file PCAP] [--json] [--no-analyse]
//
// Prints: time to first rows (open → a frame with packet rows), time to fully indexed, keypress →
// frame latency p50/p95 for scrolling (j), jumping to the end and back (G / g) and expanding the
// tree (Enter on the details pane), and the index's bytes per packet. Key presses are measured after
// loading, while the analysis pass (ladder, SAs, findings) runs in the background as it does for a user. The capture is the bench's
// generated one (bench/gen-capture.ts), shared with `npm run bench`.
//
// `npm run bench` runs this in a child process (tuiBench) so its heap and timers are its own.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { benchDir, defaultCacheDir, intOption, isMain, parseArgs, thousands } from './common.js';
import { ensureCapture } from './gen-capture.js';

const HERE = benchDir(import.meta.url);

export const TUI_TARGETS = { firstRowsMs: 1000, keypressP50Ms: 30, indexBytesPerPacket: 64 } as const;

export interface LatencyStats {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
}

export interface TuiBenchResult {
  readonly file: string;
  readonly packets: number;
  readonly firstRowsMs: number;
  readonly indexedMs: number;
  readonly keypress: { readonly scroll: LatencyStats; readonly jump: LatencyStats; readonly expand: LatencyStats; readonly all: LatencyStats };
  /** Typed arrays of the index per packet (after loading ends). */
  readonly indexBytesPerPacket: number;
  /** RSS after indexing (MB), for scale. */
  readonly rssMB: number;
  readonly met: { readonly firstRows: boolean; readonly keypress: boolean; readonly index: boolean };
}

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : NaN;
}

const stats = (xs: readonly number[]): LatencyStats => ({ n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95) });

/** The measurement itself, in this process. */
export async function measureTui(file: string, autoAnalyse = true): Promise<Omit<TuiBenchResult, 'met'>> {
  const [{ render }, { createElement }, { CaptureIndex }, { TuiController }, { default: App }] = await Promise.all([
    import('ink-testing-library'),
    import('react'),
    import('../src/tui/model/capture-index.js'),
    import('../src/tui/model/controller.js'),
    import('../src/tui/App.js'),
  ]);
  const tick = () => new Promise<void>((res) => setImmediate(res));
  const rows = 40;
  const columns = 120;
  const t0 = performance.now();
  const ix = await CaptureIndex.open(file);
  const c = new TuiController(ix, { rows, columns, autoAnalyse });
  const r = render(createElement(App, { controller: c, rows, columns }));
  // First rows: a frame whose list shows packet 1 (not "Loading…").
  const firstRow = /^\s+1\s+0\.000000 /m;
  while (!firstRow.test(r.lastFrame() ?? '')) await tick();
  const firstRowsMs = performance.now() - t0;
  await ix.loaded;
  const indexedMs = performance.now() - t0;
  const rssMB = process.memoryUsage().rss / 1e6;

  /** Writes a key and waits for the frame it causes; returns the milliseconds in between. */
  const press = async (seq: string): Promise<number> => {
    const n = r.frames.length;
    const s = performance.now();
    r.stdin.write(seq);
    while (r.frames.length === n) {
      await tick();
      if (performance.now() - s > 10_000) throw new Error(`no frame after key ${JSON.stringify(seq)}`);
    }
    return performance.now() - s;
  };
  // Warm-up: the first frames pay for JIT and the first dissections.
  for (let i = 0; i < 10; i++) await press('j');
  const scroll: number[] = [];
  for (let i = 0; i < 200; i++) scroll.push(await press('j'));
  const jump: number[] = [];
  for (let i = 0; i < 20; i++) {
    jump.push(await press('G'));
    jump.push(await press('g'));
  }
  // Expand: the details pane focused, Enter opens / closes the selected protocol, on a few packets.
  const expand: number[] = [];
  for (let i = 0; i < 20; i++) {
    await press('\t');
    for (let k = 0; k < (i % 5) + 1; k++) await press('j');
    expand.push(await press('\r'));
    expand.push(await press('\r'));
    await press('\t');
    await press('\t');
    await press('j');
  }
  const all = [...scroll, ...jump, ...expand];
  const out = {
    file,
    packets: ix.count,
    firstRowsMs,
    indexedMs,
    keypress: { scroll: stats(scroll), jump: stats(jump), expand: stats(expand), all: stats(all) },
    indexBytesPerPacket: ix.indexBytesPerFrame,
    rssMB,
  };
  r.unmount();
  c.dispose();
  ix.close();
  return out;
}

function judge(m: Omit<TuiBenchResult, 'met'>): TuiBenchResult {
  return {
    ...m,
    met: {
      firstRows: m.firstRowsMs <= TUI_TARGETS.firstRowsMs,
      keypress: m.keypress.all.p50 <= TUI_TARGETS.keypressP50Ms,
      index: m.indexBytesPerPacket <= TUI_TARGETS.indexBytesPerPacket,
    },
  };
}

export function tuiReport(t: TuiBenchResult): string[] {
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  const k = t.keypress;
  const row = (name: string, s: LatencyStats) => `  ${name.padEnd(22)} p50 ${ms(s.p50).padStart(9)}   p95 ${ms(s.p95).padStart(9)}   (n=${s.n})`;
  return [
    `TUI on ${thousands(t.packets)} packets (${path.basename(t.file)}), headless 120×40:`,
    `  time to first rows     ${ms(t.firstRowsMs)} (target ≤ ${TUI_TARGETS.firstRowsMs} ms: ${ok(t.met.firstRows)})`,
    `  time to fully indexed  ${(t.indexedMs / 1000).toFixed(2)} s (${thousands(t.packets / (t.indexedMs / 1000))} pkt/s)`,
    `  keypress → frame:`,
    row('scroll (j)', k.scroll),
    row('jump end/top (G/g)', k.jump),
    row('expand tree (Enter)', k.expand),
    row('all', k.all) + `  (target p50 ≤ ${TUI_TARGETS.keypressP50Ms} ms: ${ok(t.met.keypress)})`,
    `  index                  ${t.indexBytesPerPacket.toFixed(1)} B/packet (target ≤ ${TUI_TARGETS.indexBytesPerPacket}: ${ok(t.met.index)}); RSS after indexing ${t.rssMB.toFixed(0)} MB`,
  ];
}

/** For `npm run bench`: runs the measurement in a child process and prints its figures. */
export function tuiBench(file: string, log: (m: string) => void): TuiBenchResult | null {
  log('\nTUI (bench/tui.tsx): opening the capture headlessly…');
  // Not under CI: Ink would then render only the last frame (is-in-ci), and there would be nothing to time.
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  delete env['CI'];
  const r = spawnSync(process.execPath, [path.join(HERE, 'tui.js'), '--file', file, '--json'], { encoding: 'utf8', maxBuffer: 16 << 20, env });
  if (r.status !== 0) {
    log(`  TUI bench FAILED: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    return null;
  }
  const t = JSON.parse(r.stdout.trim().split('\n').pop()!) as TuiBenchResult;
  for (const l of tuiReport(t)) log(l);
  return t;
}

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), ['packets', 'seed', 'cache', 'file']);
  const log = (m: string) => process.stderr.write(m + '\n');
  const file = args.values.get('file') ?? ensureCapture(args.values.get('cache') ?? defaultCacheDir(), intOption(args, 'packets', 1_000_000), intOption(args, 'seed', 1), log).file;
  // --no-analyse: without the analysis pass the UI starts after loading (ladder, SAs, findings), to see its share.
  // As `espy` runs the UI (src/cli/tui.ts): React's production build.
  process.env.NODE_ENV ??= 'production';
  const t = judge(await measureTui(file, !args.flags.has('no-analyse')));
  if (args.flags.has('json')) process.stdout.write(JSON.stringify(t) + '\n');
  else for (const l of tuiReport(t)) console.log(l);
  process.exit(0);
}
