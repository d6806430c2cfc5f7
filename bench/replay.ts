// Replay rate: espy's `replay -i lo --topspeed` beside `tcpreplay -i lo --topspeed` on the same
// capture of small frames. Both tools report their own "Actual: N packets … sent in T seconds"
// line; the rates compared come from those (start-up excluded), wall times are shown beside them.
//
//   node dist/bench/replay.js [--packets N] [--cache DIR]
//
// Needs root (or CAP_NET_RAW) and the optional `cap` module; tcpreplay is optional. The frames
// go to a made-up MAC and 10.255.0.0/16 addresses, so the loopback's IP stack drops them at once.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchDir, defaultCacheDir, intOption, isMain, parseArgs, thousands } from './common.js';

const HERE = benchDir(import.meta.url);
const ESPY_MAIN = path.resolve(HERE, '../src/cli/main.js');
export const TARGET_SHARE_OF_TCPREPLAY = 0.5;

/** Writes a classic pcap of `n` 60-byte Ethernet/IPv4/UDP frames (10.255.0.1:4500 → 10.255.0.2:4500). */
export function writeSmallFrames(file: string, n: number): void {
  const frameLen = 60;
  const rec = 16 + frameLen;
  const buf = Buffer.alloc(24 + n * rec);
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(65535, 16);
  buf.writeUInt32LE(1, 20);
  const f = Buffer.alloc(frameLen);
  Buffer.from('020000000002020000000001', 'hex').copy(f, 0);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(frameLen - 14, 16);
  f[22] = 64;
  f[23] = 17;
  Buffer.from([10, 255, 0, 1, 10, 255, 0, 2]).copy(f, 26);
  f.writeUInt16BE(4500, 34);
  f.writeUInt16BE(4500, 36);
  f.writeUInt16BE(frameLen - 34, 38);
  for (let i = 0; i < n; i++) {
    const o = 24 + i * rec;
    buf.writeUInt32LE(1_700_000_000 + Math.floor(i / 1e6), o);
    buf.writeUInt32LE(i % 1e6, o + 4);
    buf.writeUInt32LE(frameLen, o + 8);
    buf.writeUInt32LE(frameLen, o + 12);
    f.writeUInt32BE(i, 42); // a sequence number in the payload
    f.copy(buf, o + 16);
  }
  fs.writeFileSync(file, buf);
}

export interface ReplayRate {
  tool: string;
  packets: number;
  seconds: number;
  pps: number;
  wall: number;
  failed: number;
}

const ACTUAL = /Actual: (\d+) packets \((\d+) bytes\) sent in ([\d.]+) seconds/;

function run(tool: string, cmd: string, args: string[]): ReplayRate | string {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error) return `${tool}: ${r.error.message}`;
  const text = `${r.stdout}\n${r.stderr}`;
  const m = ACTUAL.exec(text);
  if (r.status !== 0 || !m) return `${tool} exited with ${r.status}: ${text.trim().split('\n').slice(-3).join(' / ')}`;
  const failed = Number(/Failed packets:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const packets = Number(m[1]);
  const seconds = Number(m[3]);
  return { tool, packets, seconds, pps: packets / seconds, wall, failed };
}

export interface ReplayBench {
  file: string;
  espy: ReplayRate | null;
  tcpreplay: ReplayRate | null;
  shareOfTcpreplay: number | null;
  verdict: string;
  notes: string[];
}

export function replayBench(cacheDir: string, packets: number, log: (m: string) => void): ReplayBench {
  const file = path.join(cacheDir, `small-${packets}.pcap`);
  if (!fs.existsSync(file)) writeSmallFrames(file, packets);
  const notes: string[] = [];
  log(`\nreplay: ${thousands(packets)} frames of 60 bytes, --topspeed onto lo (${file})`);
  const e = run('espy replay', process.execPath, [ESPY_MAIN, 'replay', '-r', file, '-i', 'lo', '--topspeed']);
  const haveTcpreplay = spawnSync('tcpreplay', ['-V'], { stdio: 'ignore' }).status === 0;
  const t = haveTcpreplay ? run('tcpreplay', 'tcpreplay', ['-i', 'lo', '--topspeed', file]) : 'tcpreplay not installed (apt-get install tcpreplay): skipped';
  const espy = typeof e === 'string' ? null : e;
  const tcp = typeof t === 'string' ? null : t;
  if (typeof e === 'string') notes.push(e);
  if (typeof t === 'string') notes.push(t);
  for (const r of [espy, tcp]) {
    if (r) log(`  ${r.tool.padEnd(12)} ${thousands(r.pps).padStart(10)} pps  (${thousands(r.packets)} sent in ${r.seconds.toFixed(3)} s, ${r.failed} failed; ${r.wall.toFixed(2)} s wall with start-up)`);
  }
  for (const n of notes) log(`  ${n}`);
  const share = espy && tcp ? espy.pps / tcp.pps : null;
  const verdict =
    share === null
      ? `espy replay ÷ tcpreplay: not measured`
      : `espy replay ÷ tcpreplay = ${(share * 100).toFixed(0)} % of tcpreplay's rate (target ≥ ${TARGET_SHARE_OF_TCPREPLAY * 100} %): ${share >= TARGET_SHARE_OF_TCPREPLAY ? 'met' : 'NOT met'}`;
  log(verdict);
  return { file, espy, tcpreplay: tcp, shareOfTcpreplay: share, verdict, notes };
}

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), ['packets', 'cache']);
  const cacheDir = path.resolve(args.values.get('cache') ?? defaultCacheDir());
  fs.mkdirSync(cacheDir, { recursive: true });
  replayBench(cacheDir, intOption(args, 'packets', 200_000), (m) => console.log(m));
}
