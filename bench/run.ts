// `npm run bench`: espy's `-T fields -e esp.spi -e esp.sequence` against tshark, the bare Node
// read-and-walk ceiling and npm pcap-parser, each in its own child process on the same generated
// capture, plus a memory-flatness check on a quarter-size capture.
//
//   node dist/bench/run.js [--packets N] [--runs K] [--seed S] [--cache DIR]
//                          [--skip-tshark] [--skip-pcap-parser] [--no-validate] [--skip-replay]
//                          [--skip-psk-crack] [--psk-words N] [--skip-esp-decrypt] [--esp-packets N] [--skip-tui]
//
// A separate last section measures `espy replay --topspeed` onto lo beside tcpreplay (bench/replay.ts).
// Then PSK cracking: espy's cracker beside psk-crack on the same lines and wordlist (bench/psk-crack.ts).
//
// Every child runs under `/usr/bin/time -v -o <file>` when that exists: wall time and peak RSS
// then come from the kernel's rusage of that one process, measured the same way for Node and
// tshark. Without it, the parent times the child with hrtime and Node children report their own
// maxRSS through a preloaded probe (tshark's RSS is then unknown).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchDir, defaultCacheDir, intOption, median, parseArgs, thousands } from './common.js';
import type { WalkResult } from './decode.js';
import { ensureCapture, type CaptureInfo } from './gen-capture.js';
import { replayBench } from './replay.js';
import { pskCrackBench } from './psk-crack.js';
import { espDecryptBench } from './esp-decrypt.js';
import { tuiBench } from './tui.js';

const HERE = benchDir(import.meta.url);
const ESPY_MAIN = path.resolve(HERE, '../src/cli/main.js');
const TIME_BIN = '/usr/bin/time';
const ESPY_ARGS = ['-T', 'fields', '-e', 'esp.spi', '-e', 'esp.sequence'];
const TARGET_VS_TSHARK = 5;

// ---------------------------------------------------------------------------------------------
// Running one measured child

interface Sample {
  /** Wall seconds of the child (from /usr/bin/time, else the parent's hrtime around spawnSync). */
  wall: number;
  /** User + system CPU seconds, when /usr/bin/time is available. */
  cpu: number | null;
  /** Peak resident set size in MB (10^6 bytes), or null when it could not be measured. */
  rssMB: number | null;
  /** The child's own timer for the walkers (excludes Node start-up), else null. */
  ownSeconds: number | null;
  stdout: string;
}

class ChildFailed extends Error {}

interface Runner {
  readonly timeAvailable: boolean;
  run(cmd: string, args: readonly string[], opts: { keepStdout: boolean; node: boolean }): Sample;
}

function makeRunner(cacheDir: string): Runner {
  // ESPY_BENCH_NO_TIME=1 forces the fallback, to test it on a machine that has GNU time.
  const timeAvailable = process.env['ESPY_BENCH_NO_TIME'] !== '1' && fs.existsSync(TIME_BIN) && spawnSync(TIME_BIN, ['-v', 'true'], { stdio: 'ignore' }).status === 0;
  const statsFile = path.join(cacheDir, `time-${process.pid}.txt`);
  const rssFile = path.join(cacheDir, `rss-${process.pid}.txt`);
  const probe = path.join(cacheDir, 'rss-probe.cjs');
  if (!timeAvailable) {
    // Fallback only: a preloaded CommonJS file that records the child's own peak RSS at exit.
    fs.writeFileSync(
      probe,
      "process.on('exit', () => { try { require('fs').writeFileSync(process.env.ESPY_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)); } catch {} });\n",
    );
  }
  return {
    timeAvailable,
    run(cmd, args, { keepStdout, node }) {
      const devNull = fs.openSync('/dev/null', 'w');
      try {
        let argv: string[] = [cmd, ...args];
        if (!timeAvailable && node) argv = [cmd, '--require', probe, ...args];
        if (timeAvailable) argv = [TIME_BIN, '-v', '-o', statsFile, ...argv];
        fs.rmSync(rssFile, { force: true });
        const t0 = process.hrtime.bigint();
        const r = spawnSync(argv[0]!, argv.slice(1), {
          // Output goes straight to /dev/null, as in `cmd > /dev/null`, unless we need to read it.
          stdio: ['ignore', keepStdout ? 'pipe' : devNull, 'pipe'],
          env: { ...process.env, ESPY_BENCH_RSS_FILE: rssFile },
          maxBuffer: 1 << 30,
          encoding: 'utf8',
        });
        const hrWall = Number(process.hrtime.bigint() - t0) / 1e9;
        if (r.error) throw new ChildFailed(`${cmd}: ${r.error.message}`);
        if (r.status !== 0) {
          const tail = (r.stderr ?? '').trim().split('\n').slice(-5).join('\n');
          throw new ChildFailed(`${path.basename(cmd)} ${args.join(' ')} exited with ${r.status ?? r.signal}\n${tail}`);
        }
        let wall = hrWall;
        let cpu: number | null = null;
        let rssMB: number | null = null;
        if (timeAvailable) {
          const t = parseTimeV(fs.readFileSync(statsFile, 'utf8'));
          fs.rmSync(statsFile, { force: true });
          wall = t.wall ?? hrWall;
          cpu = t.cpu;
          rssMB = t.maxRssKiB === null ? null : (t.maxRssKiB * 1024) / 1e6;
        } else if (fs.existsSync(rssFile)) {
          rssMB = (Number(fs.readFileSync(rssFile, 'utf8')) * 1024) / 1e6;
          fs.rmSync(rssFile, { force: true });
        }
        const stdout = keepStdout ? (r.stdout ?? '') : '';
        return { wall, cpu, rssMB, ownSeconds: null, stdout };
      } finally {
        fs.closeSync(devNull);
      }
    },
  };
}

/** Parses GNU time's `-v` report. Elapsed is `m:ss.cc` or `h:mm:ss`; RSS is in KiB. */
export function parseTimeV(text: string): { wall: number | null; cpu: number | null; maxRssKiB: number | null } {
  const field = (label: string): string | undefined => {
    const line = text.split('\n').find((l) => l.trim().startsWith(label));
    return line?.slice(line.lastIndexOf(': ') + 2).trim();
  };
  const elapsed = field('Elapsed (wall clock) time');
  let wall: number | null = null;
  if (elapsed !== undefined) wall = elapsed.split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
  const user = Number(field('User time (seconds)'));
  const sys = Number(field('System time (seconds)'));
  const rss = Number(field('Maximum resident set size (kbytes)'));
  return {
    wall: wall !== null && Number.isFinite(wall) ? wall : null,
    cpu: Number.isFinite(user + sys) ? Math.round((user + sys) * 100) / 100 : null,
    maxRssKiB: Number.isFinite(rss) ? rss : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Tools

interface Tool {
  name: string;
  /** Which capture it runs on: the full one, or the quarter-size one for the memory check. */
  file: 'full' | 'quarter';
  run(runner: Runner, file: string): Sample;
}

const walkTool = (name: string, script: string): Tool => ({
  name,
  file: 'full',
  run(runner, file) {
    const s = runner.run(process.execPath, ['--no-deprecation', path.join(HERE, script), file], { keepStdout: true, node: true });
    const res = JSON.parse(s.stdout.trim().split('\n').pop() ?? '{}') as WalkResult;
    return { ...s, ownSeconds: res.seconds, stdout: s.stdout };
  },
});

const espyTool = (name: string, which: 'full' | 'quarter'): Tool => ({
  name,
  file: which,
  run: (runner, file) => runner.run(process.execPath, [ESPY_MAIN, '-r', file, ...ESPY_ARGS], { keepStdout: false, node: true }),
});

const tsharkTool: Tool = {
  name: 'tshark',
  file: 'full',
  run: (runner, file) => runner.run('tshark', ['-r', file, ...ESPY_ARGS], { keepStdout: false, node: false }),
};

function tsharkVersion(): string | null {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return (r.stdout ?? '').split('\n')[0]?.trim() ?? 'tshark';
}

// ---------------------------------------------------------------------------------------------
// Validation on a small capture

interface Validation {
  file: string;
  espPackets: number;
  espy?: { linesWithSpi: number; ok: boolean; identicalToTshark: boolean | null; problems: string[] };
  tsharkDecrypt?: { espPackets: number; icvGood: number; ok: boolean };
}

function spiCounts(lines: readonly string[]): Map<string, number[]> {
  const bySpi = new Map<string, number[]>();
  for (const line of lines) {
    const [spi, seq] = line.split('\t');
    if (spi === undefined || !/^0x[0-9a-f]{8}$/.test(spi)) continue;
    let seqs = bySpi.get(spi);
    if (!seqs) bySpi.set(spi, (seqs = []));
    seqs.push(Number(seq));
  }
  return bySpi;
}

function validate(file: string, info: CaptureInfo, withEspy: boolean, withTshark: boolean): Validation {
  const espPackets = info.counts.esp + info.counts.espUdp;
  const v: Validation = { file, espPackets };
  let tsharkFields: string | null = null;
  if (withTshark) {
    const r = spawnSync('tshark', ['-r', file, ...ESPY_ARGS], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status === 0) tsharkFields = r.stdout;
    // Decrypt every ESP packet with the generated keys and check each ICV.
    const uat = fs
      .readFileSync(`${file}.esp_sa`, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .flatMap((l) => ['-o', `uat:esp_sa:${l}`]);
    const d = spawnSync(
      'tshark',
      ['-r', file, '-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE', ...uat, '-T', 'fields', '-e', 'esp.spi', '-e', 'esp.icv_good'],
      { encoding: 'utf8', maxBuffer: 1 << 30 },
    );
    const rows = (d.stdout ?? '').split('\n').filter((l) => l.split('\t')[0] !== '' && l !== '');
    const icvGood = rows.filter((l) => /^(1|True)$/.test(l.split('\t')[1] ?? '')).length;
    v.tsharkDecrypt = { espPackets: rows.length, icvGood, ok: d.status === 0 && rows.length === espPackets && icvGood === espPackets };
  }
  if (withEspy) {
    const r = spawnSync(process.execPath, [ESPY_MAIN, '-r', file, ...ESPY_ARGS], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const problems: string[] = [];
    if (r.status !== 0) problems.push(`exit ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    const out = r.stdout ?? '';
    const lines = out.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const bySpi = spiCounts(lines);
    const linesWithSpi = [...bySpi.values()].reduce((a, s) => a + s.length, 0);
    if (lines.length !== info.counts.frames) problems.push(`${lines.length} output lines for ${info.counts.frames} frames`);
    if (linesWithSpi !== espPackets) problems.push(`${linesWithSpi} lines with an SPI, expected ${espPackets} ESP packets`);
    for (const sa of info.sas) {
      const seqs = bySpi.get(sa.spi) ?? [];
      if (seqs.length !== sa.packets) problems.push(`SPI ${sa.spi}: ${seqs.length} packets, expected ${sa.packets}`);
      else if (seqs.some((s, i) => s !== i + 1)) problems.push(`SPI ${sa.spi}: sequence numbers are not 1..${sa.packets}`);
    }
    const identicalToTshark = tsharkFields === null ? null : tsharkFields === out;
    if (identicalToTshark === false) problems.push('output differs from tshark -T fields');
    v.espy = { linesWithSpi, ok: problems.length === 0, identicalToTshark, problems };
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Report

interface ToolResult {
  tool: string;
  file: string;
  packets: number;
  bytes: number;
  runs: Sample[];
  bestWall: number;
  medianWall: number;
  pktsPerSec: number;
  medianPktsPerSec: number;
  /** Median over the runs of each run's peak RSS, MB (the max is too sensitive to GC timing under load). */
  peakRssMB: number | null;
  /** Highest peak RSS over the runs, MB. */
  maxRssMB: number | null;
  bestCpu: number | null;
  bestOwnSeconds: number | null;
  error?: string;
}

function summarise(tool: Tool, file: string, info: CaptureInfo, runs: Sample[], error?: string): ToolResult {
  const walls = runs.map((r) => r.wall);
  const rss = runs.map((r) => r.rssMB).filter((x): x is number => x !== null);
  const cpus = runs.map((r) => r.cpu).filter((x): x is number => x !== null);
  const own = runs.map((r) => r.ownSeconds).filter((x): x is number => x !== null);
  const bestWall = walls.length ? Math.min(...walls) : NaN;
  const medianWall = walls.length ? median(walls) : NaN;
  const res: ToolResult = {
    tool: tool.name,
    file,
    packets: info.counts.frames,
    bytes: info.bytes,
    runs: runs.map((r) => ({ ...r, stdout: '' })),
    bestWall,
    medianWall,
    pktsPerSec: info.counts.frames / bestWall,
    medianPktsPerSec: info.counts.frames / medianWall,
    peakRssMB: rss.length ? median(rss) : null,
    maxRssMB: rss.length ? Math.max(...rss) : null,
    bestCpu: cpus.length ? Math.min(...cpus) : null,
    bestOwnSeconds: own.length ? Math.min(...own) : null,
  };
  if (error !== undefined) res.error = error;
  return res;
}

function table(rows: readonly ToolResult[], runs: number): string {
  const head = ['tool', 'packets', runs > 1 ? 'wall s best [median]' : 'wall s', 'pkts/s', 'own timer s', 'CPU s', runs > 1 ? 'peak RSS MB median [max]' : 'peak RSS MB'];
  const body = rows.map((r) =>
    r.error !== undefined
      ? [r.tool, thousands(r.packets), 'failed', '', '', '', '']
      : [
          r.tool,
          thousands(r.packets),
          runs > 1 ? `${r.bestWall.toFixed(2)} [${r.medianWall.toFixed(2)}]` : r.bestWall.toFixed(2),
          thousands(r.pktsPerSec),
          r.bestOwnSeconds === null ? '–' : r.bestOwnSeconds.toFixed(2),
          r.bestCpu === null ? '–' : r.bestCpu.toFixed(2),
          r.peakRssMB === null ? '–' : runs > 1 ? `${r.peakRssMB.toFixed(0)} [${r.maxRssMB!.toFixed(0)}]` : r.peakRssMB.toFixed(0),
        ],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cells: readonly string[]): string => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  return [fmt(head), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 1) + '-' : '-'.repeat(w + 1) + ':')).join('|') + '|', ...body.map(fmt)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

function main(): void {
  const args = parseArgs(process.argv.slice(2), ['packets', 'runs', 'seed', 'cache', 'validate-packets', 'psk-words', 'esp-packets']);
  const packets = intOption(args, 'packets', 1_000_000);
  const runs = intOption(args, 'runs', 1);
  const seed = intOption(args, 'seed', 1);
  const validatePackets = intOption(args, 'validate-packets', 2000);
  const cacheDir = path.resolve(args.values.get('cache') ?? defaultCacheDir());
  const skipTshark = args.flags.has('skip-tshark');
  const skipPcapParser = args.flags.has('skip-pcap-parser');
  const noValidate = args.flags.has('no-validate');
  for (const f of args.flags) {
    if (!['skip-tshark', 'skip-pcap-parser', 'no-validate', 'skip-replay', 'skip-psk-crack', 'skip-esp-decrypt', 'skip-tui'].includes(f)) throw new Error(`unknown option --${f}`);
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const log = (m: string): void => console.log(m);

  const tsharkVer = skipTshark ? null : tsharkVersion();
  const haveTshark = tsharkVer !== null;
  const haveEspy = fs.existsSync(ESPY_MAIN);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const loadBefore = os.loadavg();
  log(`espy bench: node ${process.version}, ${os.cpus().length} × ${cpu}, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  log(`tshark: ${skipTshark ? 'skipped (--skip-tshark)' : (tsharkVer ?? 'not found on PATH: skipped')}`);
  if (!haveEspy) log(`espy: ${ESPY_MAIN} not found (run \`npm run build\`): skipped`);
  if (loadBefore[0]! > os.cpus().length * 0.5) log(`note: the machine is busy (1-min load ${loadBefore[0]!.toFixed(2)}); neighbours can only slow runs down, so prefer --runs 3 and the best figure`);

  // Captures: the measured one, a quarter-size one for the memory check (a byte-exact prefix of
  // the full capture, since the generator's stream does not depend on N) and a small one for checks.
  const full = ensureCapture(cacheDir, packets, seed, log);
  log(`capture: ${full.file} (${thousands(full.info.bytes)} bytes, ${thousands(full.info.counts.frames)} packets, ESP ${thousands(full.info.counts.esp)} + ESP-in-UDP ${thousands(full.info.counts.espUdp)})`);
  log(`keys:    ${full.file}.esp_sa, ${full.file}.sa.json`);
  const quarterPackets = Math.max(1, Math.floor(packets / 4));
  const quarter = haveEspy ? ensureCapture(cacheDir, quarterPackets, seed, log) : undefined;

  let validation: Validation | undefined;
  if (!noValidate && (haveEspy || haveTshark)) {
    const small = ensureCapture(cacheDir, validatePackets, seed, log);
    validation = validate(small.file, small.info, haveEspy, haveTshark);
    log(`\nvalidation on ${small.file}:`);
    if (validation.tsharkDecrypt) {
      const t = validation.tsharkDecrypt;
      log(`  tshark decrypt + ICV check: ${t.icvGood}/${validation.espPackets} ESP packets with esp.icv_good = 1 (${t.espPackets} ESP rows): ${t.ok ? 'ok' : 'FAILED'}`);
    }
    if (validation.espy) {
      const e = validation.espy;
      log(`  espy -T fields: ${e.linesWithSpi}/${validation.espPackets} lines with an SPI, per-SA counts and sequences 1..n ${e.ok ? 'ok' : 'FAILED'}` +
        (e.identicalToTshark === null ? '' : `; byte-identical to tshark: ${e.identicalToTshark ? 'yes' : 'no'}`));
      for (const p of e.problems) log(`    - ${p}`);
    }
  }

  const runner = makeRunner(cacheDir);
  log(`\ntiming: ${runner.timeAvailable ? '/usr/bin/time -v per child (wall clock incl. start-up, peak RSS)' : 'hrtime around each child; Node children report their own maxRSS'}; ${runs} run(s) each`);

  const tools: Tool[] = [walkTool('bare walk (readSync 4 MiB)', 'walk.js')];
  if (!skipPcapParser) tools.push(walkTool('pcap-parser 0.2.1 + same decode', 'pcap-parser-walk.js'));
  if (haveEspy) tools.push(espyTool('espy -T fields', 'full'));
  if (haveEspy && quarter) tools.push(espyTool(`espy -T fields (${thousands(quarterPackets)} pkts)`, 'quarter'));
  if (haveTshark) tools.push(tsharkTool);

  // Warm the page cache first (the anchors were measured page-cached), untimed.
  runner.run(process.execPath, [path.join(HERE, 'walk.js'), full.file], { keepStdout: true, node: true });

  const samples = new Map<Tool, Sample[]>(tools.map((t) => [t, []]));
  const errors = new Map<Tool, string>();
  // Rounds interleave the tools so that a noisy minute hurts all of them rather than one.
  for (let k = 0; k < runs; k++) {
    for (const tool of tools) {
      if (errors.has(tool)) continue;
      const file = tool.file === 'quarter' && quarter ? quarter.file : full.file;
      try {
        const s = tool.run(runner, file);
        samples.get(tool)!.push(s);
        log(`  run ${k + 1}/${runs} ${tool.name}: ${s.wall.toFixed(2)} s, ${s.rssMB === null ? '?' : s.rssMB.toFixed(0)} MB`);
      } catch (e) {
        if (!(e instanceof ChildFailed)) throw e;
        errors.set(tool, e.message);
        log(`  ${tool.name} FAILED: ${e.message}`);
      }
    }
  }

  const results = tools.map((t) => {
    const q = t.file === 'quarter' && quarter ? quarter : full;
    return summarise(t, q.file, q.info, samples.get(t)!, errors.get(t));
  });
  // The walkers must see exactly what the generator wrote.
  for (const t of tools) {
    for (const s of samples.get(t)!) {
      if (s.stdout === '') continue;
      const w = JSON.parse(s.stdout.trim().split('\n').pop()!) as WalkResult;
      const c = full.info.counts;
      if (w.frames !== c.frames || w.esp !== c.esp || w.espUdp !== c.espUdp || w.keepalive !== c.natKeepalive || w.ikev1 !== c.ikev1Udp500 || w.ikev2 !== c.ikev2Udp500 + c.ikev2Udp4500) {
        log(`  WARNING: ${t.name} counted ${JSON.stringify(w)}, generator wrote ${JSON.stringify(c)}`);
      }
    }
  }

  const byName = (prefix: string): ToolResult | undefined => results.find((r) => r.tool.startsWith(prefix) && r.error === undefined && r.file === full.file);
  const walk = byName('bare walk');
  const pp = byName('pcap-parser');
  const espy = byName('espy');
  const tshark = byName('tshark');
  const espyQuarter = results.find((r) => r.tool.startsWith('espy') && quarter && r.file === quarter.file && r.error === undefined);

  log(`\n${thousands(full.info.counts.frames)} packets, ${(full.info.bytes / 1e6).toFixed(0)} MB, page-cached; pkts/s from the best wall time (includes process start-up); CPU s = best user + system\n`);
  log(table(results, runs));
  log('');

  const ratios: Record<string, number> = {};
  const lines: string[] = [];
  if (espy && tshark) {
    ratios['espyOverTshark'] = tshark.bestWall / espy.bestWall;
    ratios['espyOverTsharkMedian'] = tshark.medianWall / espy.medianWall;
  }
  // CPU seconds are less disturbed by neighbours than wall time on a shared VM (a stalled process
  // accrues wall time, not CPU), so the CPU ratio is printed beside the wall-time verdict.
  if (espy && tshark && espy.bestCpu !== null && tshark.bestCpu !== null) ratios['espyOverTsharkCpu'] = tshark.bestCpu / espy.bestCpu;
  if (espy && walk) ratios['espyShareOfBareWalk'] = walk.bestWall / espy.bestWall;
  if (pp && walk) ratios['pcapParserOverBareWalk'] = walk.bestWall / pp.bestWall;
  if (walk && tshark) ratios['bareWalkOverTshark'] = tshark.bestWall / walk.bestWall;
  if (ratios['espyOverTshark'] !== undefined) lines.push(`espy ÷ tshark      = ${ratios['espyOverTshark'].toFixed(2)}× tshark's speed (tshark time ÷ espy time)` + (runs > 1 ? ` (medians: ${ratios['espyOverTsharkMedian']!.toFixed(1)}×)` : ''));
  if (ratios['espyOverTsharkCpu'] !== undefined) lines.push(`  by CPU time      = ${ratios['espyOverTsharkCpu'].toFixed(2)}× (user + system seconds; less sensitive to a busy machine)`);
  if (ratios['espyShareOfBareWalk'] !== undefined) lines.push(`espy ÷ bare walk   = ${(ratios['espyShareOfBareWalk'] * 100).toFixed(1)} % of the read-and-walk ceiling (${(1 / ratios['espyShareOfBareWalk']).toFixed(1)}× its time)`);
  if (ratios['pcapParserOverBareWalk'] !== undefined) lines.push(`pcap-parser ÷ walk = ${ratios['pcapParserOverBareWalk'].toFixed(2)}× (${(1 / ratios['pcapParserOverBareWalk']).toFixed(1)}× slower than the bare walk)`);
  if (ratios['bareWalkOverTshark'] !== undefined) lines.push(`bare walk ÷ tshark = ${ratios['bareWalkOverTshark'].toFixed(1)}× (the most any Node decoder could reach here)`);
  let memoryFlat: boolean | undefined;
  if (espy && espyQuarter && espy.peakRssMB !== null && espyQuarter.peakRssMB !== null) {
    const growth = espy.peakRssMB / espyQuarter.peakRssMB;
    // "Flat": 4× the packets may cost at most 25 % more peak memory (GC timing alone moves RSS by ~10 %).
    memoryFlat = growth <= 1.25;
    ratios['espyRssGrowth4x'] = growth;
    lines.push(`espy peak RSS      = ${espyQuarter.peakRssMB.toFixed(0)} MB for ${thousands(espyQuarter.packets)} pkts, ${espy.peakRssMB.toFixed(0)} MB for ${thousands(espy.packets)} pkts (${growth.toFixed(2)}× for 4× the packets${runs > 1 ? ', medians of the runs' : ''}): ${memoryFlat ? 'flat' : 'grows with the file'}`);
  }
  let verdict: string;
  if (ratios['espyOverTshark'] !== undefined) {
    const met = ratios['espyOverTshark'] >= TARGET_VS_TSHARK;
    verdict = `espy/tshark = ${ratios['espyOverTshark'].toFixed(1)}× (target ≥ ${TARGET_VS_TSHARK}×): ${met ? 'met' : 'NOT met'}`;
  } else {
    verdict = `espy/tshark: not measured (${!haveEspy ? 'espy CLI missing' : !haveTshark ? 'tshark skipped or missing' : 'a run failed'})`;
  }
  for (const l of lines) log(l);
  log(`\n${verdict}`);

  // Replay rate (root and the optional `cap` module needed; tcpreplay optional): its own section.
  const replay = args.flags.has('skip-replay') ? null : replayBench(cacheDir, 200_000, log);
  // PSK cracking rate against psk-crack (ike-scan): its own section.
  const pskCrack = args.flags.has('skip-psk-crack') ? null : pskCrackBench(cacheDir, intOption(args, 'psk-words', 3_000_000), log);
  // ESP decryption (AES-CBC+HMAC-SHA1, AES-GCM) against tshark decrypting, openssl speed as the anchor: its own section.
  let espDecrypt: ReturnType<typeof espDecryptBench> | null = null;
  if (!args.flags.has('skip-esp-decrypt')) {
    try {
      espDecrypt = espDecryptBench(cacheDir, intOption(args, 'esp-packets', 200_000), runs, { skipTshark: args.flags.has('skip-tshark') }, log);
    } catch (e) {
      log(`ESP decryption bench failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    }
  }

  // The terminal UI on the same capture, headless (bench/tui.tsx): first rows, indexing, keypress latency, index size.
  const tui = args.flags.has('skip-tui') ? null : tuiBench(full.file, log);

  const loadAfter = os.loadavg();
  const resultsDir = path.join(cacheDir, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const json = {
    date: new Date().toISOString(),
    machine: { node: process.version, cpus: os.cpus().length, cpu, tshark: tsharkVer, loadBefore, loadAfter, timing: runner.timeAvailable ? '/usr/bin/time -v' : 'hrtime' },
    capture: { file: full.file, packets: full.info.counts.frames, bytes: full.info.bytes, seed, counts: full.info.counts, generatedSeconds: full.generatedSeconds ?? null },
    runs,
    validation: validation ?? null,
    results,
    ratios,
    memoryFlat: memoryFlat ?? null,
    verdict,
    replay,
    pskCrack,
    espDecrypt,
    tui,
  };
  const latest = path.join(resultsDir, 'latest.json');
  fs.writeFileSync(latest, JSON.stringify(json, null, 2) + '\n');
  fs.copyFileSync(latest, path.join(resultsDir, `${stamp}.json`));
  log(`results: ${latest}`);
  if (loadAfter[0]! > os.cpus().length * 0.5) log(`note: load average at the end was ${loadAfter.map((l) => l.toFixed(2)).join(' ')}; figures may be pessimistic`);
  if (validation && ((validation.espy && !validation.espy.ok) || (validation.tsharkDecrypt && !validation.tsharkDecrypt.ok))) process.exitCode = 1;
  if (errors.size > 0) process.exitCode = 1;
}

main();
