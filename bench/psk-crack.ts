// PSK cracking rate: espy's cracker (src/audit/crack, WASM SIMD core in worker threads) beside
// psk-crack (Debian's ike-scan) on the same IKEv1 aggressive-mode lines and the same generated
// wordlist, PSK absent so that both scan the whole list. Part of `npm run bench` (its own
// section, after replay); alone:
//
//   node dist/bench/psk-crack.js [--words N] [--cache DIR]
//
// Lines: ike-scan's check-psk-crack-2 material (Check Point, DH group 2: 332-byte HASH_R message,
// 20 + 20-byte nonces), with HASH_R recomputed for MD5 and for SHA-1 from a PSK that is not in
// the list. Wordlist: N pseudo-random [a-z0-9]{6,12} words (seeded, cached in the bench cache).
// Each tool runs in its own child process under /usr/bin/time -v; candidates/s comes from the
// tool's own timer (psk-crack's "Ending psk-crack: … iterations/sec" line; espy's crack() elapsed
// time), so process start-up is excluded for both; CPU s (user + system) comes from time -v.
// espy runs twice per hash: on all cores (the verdict) and on one worker thread (per-core rate).
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchDir, defaultCacheDir, intOption, isMain, parseArgs, thousands } from './common.js';

const HERE = benchDir(import.meta.url);
const TIME_BIN = '/usr/bin/time';
export const TARGET_VS_PSK_CRACK = 2;
const ABSENT_PSK = 'Absent-PSK-#1';

// ike-scan check-psk-crack-2 (MD5, PSK abc123): the first eight fields are reused for both lines.
const CHECK2 =
  '5c7916ddf8db4d233b3b36005bb3ccc115a73807e11a897be943fd4a2d0f942624cb00588d8b3a0a26502b73e639df217ef6c4cb90f96b0a3c3ef2f62ed025b4a705df9de65e33e380c1ba5fa23bf1f9911bbf388d0844256fa0131fc5cf8acb396936ba3295b4637b039d93f58db90a3a1cf1ef5051103bacf6e1a3334f9f89:fde8c68c5f324c7dbcbadde1d757af6962c63496c009f77cad647f2997fd4295e50821453a6dc2f6279fd7fef68768584d9cee0da6e68a534a097ce206bf77ecc798310206f3f82d92d02c885794e0a430ceb2d6b43c2aff45a6e14c6558382df0692ff65c2724eef750764ee456f31424a5ebd9e115d826bbb9722111aa4e01:b2a3c7aa4be95e85:756e3fa11c1b102c:00000001000000010000002c01010001000000240101000080010001800200018003000180040002800b0001000c000400007080:01000000ac100202:251d7ace920b17cb34f9d561bca46d037b337d19:e045819a64edbf022620bff3efdb935216584cc4';

interface PskLine {
  readonly hash: 'md5' | 'sha1';
  readonly line: string;
  readonly skeyidData: Buffer;
  readonly hashData: Buffer;
  readonly expected: Buffer;
}

export function parsePskLine(line: string): Omit<PskLine, 'line' | 'hash'> & { hash: 'md5' | 'sha1' } {
  const f = line.trim().split(':').map((x) => Buffer.from(x, 'hex'));
  if (f.length !== 9) throw new Error(`expected 9 colon-separated fields, found ${f.length}`);
  const expected = f[8]!;
  const hash = expected.length === 16 ? 'md5' : expected.length === 20 ? 'sha1' : null;
  if (hash === null) throw new Error(`HASH_R of ${expected.length} bytes`);
  return { hash, skeyidData: Buffer.concat([f[6]!, f[7]!]), hashData: Buffer.concat(f.slice(0, 6)), expected };
}

function makeLine(hash: 'md5' | 'sha1', psk: string): PskLine {
  const f = CHECK2.split(':').map((x) => Buffer.from(x, 'hex'));
  const skeyidData = Buffer.concat([f[6]!, f[7]!]);
  const hashData = Buffer.concat(f.slice(0, 6));
  const skeyid = createHmac(hash, psk).update(skeyidData).digest();
  const expected = createHmac(hash, skeyid).update(hashData).digest();
  return { hash, line: `${CHECK2}:${expected.toString('hex')}`, skeyidData, hashData, expected };
}

/** N words [a-z0-9]{6,12} from a seeded mulberry32 stream, one per line. */
function ensureWordlist(cacheDir: string, n: number): string {
  const file = path.join(cacheDir, `psk-words-${n}.txt`);
  if (fs.existsSync(file) && fs.statSync(file).size > 0) return file;
  let s = 0x9e3779b9;
  const rnd = (): number => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const alpha = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const buf = Buffer.alloc(n * 13);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const len = 6 + Math.floor(rnd() * 7);
    for (let j = 0; j < len; j++) buf[at++] = alpha.charCodeAt(Math.floor(rnd() * 36));
    buf[at++] = 10;
  }
  fs.writeFileSync(file + '.tmp', buf.subarray(0, at));
  fs.renameSync(file + '.tmp', file);
  return file;
}

interface Run {
  tool: string;
  hash: 'md5' | 'sha1';
  threads: number;
  candidates: number;
  seconds: number;
  rate: number;
  cpu: number | null;
  wall: number;
  perCpuSecond: number | null;
  core?: string;
}

function timed(cmd: string, args: string[], statsFile: string): { stdout: string; stderr: string; status: number | null; cpu: number | null; wall: number } {
  const haveTime = fs.existsSync(TIME_BIN);
  const argv = haveTime ? [TIME_BIN, '-v', '-o', statsFile, cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', maxBuffer: 1 << 26 });
  let wall = Number(process.hrtime.bigint() - t0) / 1e9;
  let cpu: number | null = null;
  if (haveTime && fs.existsSync(statsFile)) {
    const t = fs.readFileSync(statsFile, 'utf8');
    const num = (label: string): number => Number(/:\s*([\d.:]+)\s*$/m.exec(t.split('\n').find((l) => l.trim().startsWith(label)) ?? '')?.[1]);
    const u = num('User time (seconds)');
    const sy = num('System time (seconds)');
    if (Number.isFinite(u + sy)) cpu = u + sy;
    const el = /Elapsed \(wall clock\) time[^:]*:\s*([\d:.]+)/.exec(t)?.[1];
    if (el) wall = el.split(':').reduce((a, p) => a * 60 + Number(p), 0);
    fs.rmSync(statsFile, { force: true });
  }
  return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', status: r.status, cpu, wall };
}

const ENDING = /Ending psk-crack: (\d+) iterations in ([\d.]+) seconds \(([\d.]+) iterations\/sec\)/;

function runPskCrack(line: PskLine, words: string, lineFile: string, stats: string): Run | string {
  const r = timed('psk-crack', ['-d', words, lineFile], stats);
  const m = ENDING.exec(r.stdout + r.stderr);
  if (!m) return `psk-crack ${line.hash}: exit ${r.status}, ${(r.stdout + r.stderr).trim().split('\n').slice(-2).join(' / ')}`;
  const candidates = Number(m[1]);
  const seconds = Number(m[2]);
  return {
    tool: 'psk-crack',
    hash: line.hash,
    threads: 1,
    candidates,
    seconds,
    rate: candidates / seconds,
    cpu: r.cpu,
    wall: r.wall,
    perCpuSecond: r.cpu ? candidates / r.cpu : null,
  };
}

function runEspy(line: PskLine, words: string, lineFile: string, threads: number, stats: string): Run | string {
  const r = timed(process.execPath, [path.join(HERE, 'psk-crack.js'), '--child', lineFile, words, String(threads)], stats);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0 || !last.startsWith('{')) return `espy ${line.hash}: exit ${r.status}, ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`;
  const j = JSON.parse(last) as { tried: number; elapsedMs: number; stopped: string; core: string };
  if (j.stopped !== 'exhausted') return `espy ${line.hash}: stopped ${j.stopped}`;
  return {
    tool: threads === 1 ? 'espy (1 thread)' : `espy (${threads} threads)`,
    hash: line.hash,
    threads,
    candidates: j.tried,
    seconds: j.elapsedMs / 1000,
    rate: j.tried / (j.elapsedMs / 1000),
    cpu: r.cpu,
    wall: r.wall,
    perCpuSecond: r.cpu ? j.tried / r.cpu : null,
    core: j.core,
  };
}

/** Child mode: crack one line over the wordlist with crack(), print the result as JSON. */
async function child(lineFile: string, words: string, threads: number): Promise<void> {
  const { crack, wasmAvailable } = await import('../src/audit/crack/index.js');
  const p = parsePskLine(fs.readFileSync(lineFile, 'utf8'));
  const [res] = await crack([{ id: 'bench', ...p }], { wordlist: words, threads });
  console.log(JSON.stringify({ tried: res!.tried, elapsedMs: res!.elapsedMs, stopped: res!.stopped, core: wasmAvailable() ? 'wasm' : 'js' }));
}

export interface PskCrackBench {
  words: number;
  wordlist: string;
  runs: Run[];
  ratios: Record<string, number>;
  verdict: string;
  notes: string[];
}

export function pskCrackBench(cacheDir: string, nWords: number, log: (m: string) => void): PskCrackBench {
  const notes: string[] = [];
  const threads = os.availableParallelism();
  const words = ensureWordlist(cacheDir, nWords);
  const havePskCrack = spawnSync('psk-crack', ['--version'], { stdio: 'ignore' }).error === undefined;
  log(`\npsk-crack: IKEv1 aggressive-mode PSK, ike-scan check2 material (DH group 2, 332-byte message, 20+20-byte nonces), ${thousands(nWords)}-word list (${words}), PSK absent`);
  const runs: Run[] = [];
  const stats = path.join(cacheDir, `psk-time-${process.pid}.txt`);
  // Warm the page cache (untimed).
  fs.readFileSync(words);
  for (const hash of ['md5', 'sha1'] as const) {
    const line = makeLine(hash, ABSENT_PSK);
    const lineFile = path.join(cacheDir, `psk-${hash}.psk`);
    fs.writeFileSync(lineFile, line.line + '\n');
    const attempts: (() => Run | string)[] = [];
    if (havePskCrack) attempts.push(() => runPskCrack(line, words, lineFile, stats));
    attempts.push(() => runEspy(line, words, lineFile, threads, stats));
    if (threads > 1) attempts.push(() => runEspy(line, words, lineFile, 1, stats));
    for (const a of attempts) {
      const r = a();
      if (typeof r === 'string') {
        notes.push(r);
        log(`  ${r}`);
        continue;
      }
      if (r.candidates !== nWords) notes.push(`${r.tool} ${hash}: ${r.candidates} candidates for ${nWords} words`);
      runs.push(r);
      log(
        `  ${hash.padEnd(4)} ${r.tool.padEnd(18)} ${thousands(r.rate).padStart(10)} cand/s  (${thousands(r.candidates)} in ${r.seconds.toFixed(2)} s; CPU ${r.cpu?.toFixed(2) ?? '?'} s = ${r.perCpuSecond ? thousands(r.perCpuSecond) : '?'} per CPU-s; wall ${r.wall.toFixed(2)} s with start-up${r.core ? `; core ${r.core}` : ''})`,
      );
    }
  }
  if (!havePskCrack) notes.push('psk-crack not installed (apt-get install ike-scan): ratios not measured');
  const ratios: Record<string, number> = {};
  const lines: string[] = [];
  let met = true;
  let measured = 0;
  for (const hash of ['md5', 'sha1'] as const) {
    const pc = runs.find((r) => r.tool === 'psk-crack' && r.hash === hash);
    const all = runs.find((r) => r.tool.startsWith('espy') && r.threads === threads && r.hash === hash);
    const one = runs.find((r) => r.tool.startsWith('espy') && r.threads === 1 && r.hash === hash);
    if (pc && all) {
      measured++;
      const ratio = all.rate / pc.rate;
      ratios[`${hash}EspyOverPskCrack`] = ratio;
      if (ratio < TARGET_VS_PSK_CRACK) met = false;
      let l = `${hash.toUpperCase().padEnd(4)} espy ÷ psk-crack = ${ratio.toFixed(2)}× (${threads} threads)`;
      if (one) {
        ratios[`${hash}EspyOneThreadOverPskCrack`] = one.rate / pc.rate;
        l += `; one thread ${(one.rate / pc.rate).toFixed(2)}×`;
      }
      if (one?.perCpuSecond && pc.perCpuSecond) {
        ratios[`${hash}PerCpuSecond`] = one.perCpuSecond / pc.perCpuSecond;
        l += `; per CPU-second (one thread) ${(one.perCpuSecond / pc.perCpuSecond).toFixed(2)}×`;
      }
      lines.push(l);
    }
  }
  for (const l of lines) log(l);
  const verdict =
    measured < 2
      ? 'espy/psk-crack: not measured'
      : `espy/psk-crack = MD5 ${ratios['md5EspyOverPskCrack']!.toFixed(1)}×, SHA1 ${ratios['sha1EspyOverPskCrack']!.toFixed(1)}× (target ≥ ${TARGET_VS_PSK_CRACK}× for both): ${met ? 'met' : 'NOT met'}`;
  log(verdict);
  return { words: nWords, wordlist: words, runs, ratios, verdict, notes };
}

if (isMain(import.meta.url)) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') {
    await child(argv[1]!, argv[2]!, Number(argv[3]));
  } else {
    const args = parseArgs(argv, ['words', 'cache']);
    const cacheDir = path.resolve(args.values.get('cache') ?? defaultCacheDir());
    fs.mkdirSync(cacheDir, { recursive: true });
    const r = pskCrackBench(cacheDir, intOption(args, 'words', 3_000_000), (m) => console.log(m));
    if (r.notes.length > 0) process.exitCode = 1;
  }
}
