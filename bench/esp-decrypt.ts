// ESP decryption rate: espy decrypting (ICV checked, inner packets dissected) beside tshark with
// `esp.enable_encryption_decode:TRUE` and the same keys as `-o uat:esp_sa:…`, on generated
// captures of two suites (AES-128-CBC + HMAC-SHA1-96, AES-128-GCM-16), with `openssl speed -evp`
// as the per-core anchor of what the cipher alone costs.
//
//   node dist/bench/esp-decrypt.js [--packets N] [--runs K] [--cache DIR] [--skip-tshark]
//   node dist/bench/esp-decrypt.js --child FILE [--keys ESP_SA]      (one measured espy run)
//
// Every measured run is its own child process under `/usr/bin/time -v` when it exists (wall time
// and peak RSS from the kernel), else timed with hrtime by the parent (RSS then from the espy
// child itself; tshark's unknown). The espy child also reports its own timer (start-up excluded).
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchDir, defaultCacheDir, intOption, isMain, median, parseArgs, thousands } from './common.js';
import { Rng } from './gen-capture.js';

const HERE = benchDir(import.meta.url);
const TIME_BIN = '/usr/bin/time';

export type Suite = 'cbc-sha1' | 'gcm128';
const SUITES: readonly Suite[] = ['cbc-sha1', 'gcm128'];

interface BenchSa {
  spi: number;
  src: string;
  dst: string;
  encrKey: Buffer;
  integKey: Buffer;
}

export interface EspCapture {
  file: string;
  espSa: string;
  packets: number;
  bytes: number;
  espBytes: number;
}

// ---------------------------------------------------------------------------------------------
// Generator: Ethernet / IPv4 / ESP (tunnel mode) / inner IPv4 / ICMP echo of 100–1400 bytes.

const ip4 = (s: string) => s.split('.').map(Number);

function ipv4Header(src: string, dst: string, proto: number, payloadLen: number, id: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payloadLen, 2);
  h.writeUInt16BE(id & 0xffff, 4);
  h[6] = 0x40;
  h[8] = 64;
  h[9] = proto;
  Buffer.from(ip4(src)).copy(h, 12);
  Buffer.from(ip4(dst)).copy(h, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return h;
}

function innerPacket(rng: Rng, n: number): Buffer {
  const size = 100 + (rng.u32() % 1301);
  const icmp = Buffer.alloc(size - 20);
  icmp[0] = 8;
  icmp.writeUInt16BE(n & 0xffff, 6);
  for (let i = 8; i < icmp.length; i++) icmp[i] = i & 0xff;
  let sum = 0;
  for (let i = 0; i + 1 < icmp.length; i += 2) sum += icmp.readUInt16BE(i);
  if (icmp.length & 1) sum += icmp[icmp.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  icmp.writeUInt16BE(~sum & 0xffff, 2);
  return Buffer.concat([ipv4Header('192.168.10.1', '192.168.20.1', 1, icmp.length, n), icmp]);
}

/** ESP payload (RFC 4303 §2) for one inner packet. */
function espPacket(suite: Suite, sa: BenchSa, seq: number, inner: Buffer, rng: Rng): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(sa.spi, 0);
  head.writeUInt32BE(seq, 4);
  const block = suite === 'cbc-sha1' ? 16 : 4;
  const padLen = (block - ((inner.length + 2) % block)) % block;
  const pt = Buffer.alloc(inner.length + padLen + 2);
  inner.copy(pt);
  for (let i = 0; i < padLen; i++) pt[inner.length + i] = i + 1;
  pt[pt.length - 2] = padLen;
  pt[pt.length - 1] = 4; // IPv4 inside: tunnel mode
  if (suite === 'cbc-sha1') {
    const iv = Buffer.alloc(16);
    for (let i = 0; i < 16; i += 4) iv.writeUInt32BE(rng.u32(), i);
    const c = crypto.createCipheriv('aes-128-cbc', sa.encrKey, iv);
    c.setAutoPadding(false);
    const body = Buffer.concat([head, iv, c.update(pt), c.final()]);
    const icv = crypto.createHmac('sha1', sa.integKey).update(body).digest().subarray(0, 12);
    return Buffer.concat([body, icv]);
  }
  // RFC 4106: nonce = salt(4) ‖ IV(8), AAD = SPI ‖ seq, 16-byte tag.
  const iv = Buffer.alloc(8);
  iv.writeUInt32BE(seq, 4);
  const c = crypto.createCipheriv('aes-128-gcm', sa.encrKey.subarray(0, 16), Buffer.concat([sa.encrKey.subarray(16), iv]), { authTagLength: 16 });
  c.setAAD(head);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return Buffer.concat([head, iv, ct, c.getAuthTag()]);
}

function espSaLine(suite: Suite, sa: BenchSa): string {
  const hex = (b: Buffer) => `0x${b.toString('hex')}`;
  const spi = `0x${sa.spi.toString(16).padStart(8, '0')}`;
  return suite === 'cbc-sha1'
    ? `"IPv4","${sa.src}","${sa.dst}","${spi}","AES-CBC [RFC3602]","${hex(sa.encrKey)}","HMAC-SHA-1-96 [RFC2404]","${hex(sa.integKey)}"`
    : `"IPv4","${sa.src}","${sa.dst}","${spi}","AES-GCM with 16 octet ICV [RFC4106]","${hex(sa.encrKey)}","NULL",""`;
}

/** Writes (or reuses) `<cache>/esp-<suite>-<n>.pcap` and its `.esp_sa`. Deterministic (seeded). */
export function ensureEspCapture(cacheDir: string, suite: Suite, packets: number): EspCapture {
  fs.mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `esp-${suite}-${packets}.pcap`);
  const espSa = `${file}.esp_sa`;
  const meta = `${file}.json`;
  if (fs.existsSync(file) && fs.existsSync(espSa) && fs.existsSync(meta)) return JSON.parse(fs.readFileSync(meta, 'utf8')) as EspCapture;
  const rng = new Rng(suite === 'cbc-sha1' ? 41 : 42);
  const key = (n: number) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = rng.u32() & 0xff;
    return b;
  };
  const sas: BenchSa[] = [];
  for (const [a, b] of [['10.1.0.1', '10.2.0.1'], ['10.1.0.2', '10.2.0.2']] as const) {
    for (const [src, dst] of [[a, b], [b, a]] as const) {
      sas.push({ spi: (rng.u32() | 0x1000) >>> 0, src, dst, encrKey: key(suite === 'cbc-sha1' ? 16 : 20), integKey: suite === 'cbc-sha1' ? key(20) : Buffer.alloc(0) });
    }
  }
  const seqs = sas.map(() => 0);
  const fd = fs.openSync(file, 'w');
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  fs.writeSync(fd, gh);
  let bytes = 24;
  let espBytes = 0;
  const chunk: Buffer[] = [];
  let chunkLen = 0;
  for (let n = 0; n < packets; n++) {
    const k = rng.u32() % sas.length;
    const sa = sas[k]!;
    const esp = espPacket(suite, sa, ++seqs[k]!, innerPacket(rng, n), rng);
    espBytes += esp.length;
    const eth = Buffer.from('02000000000202000000000108 00'.replace(/ /g, ''), 'hex');
    const frame = Buffer.concat([eth, ipv4Header(sa.src, sa.dst, 50, esp.length, n), esp]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + Math.floor(n / 10000), 0);
    rec.writeUInt32LE((n % 10000) * 100, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    chunk.push(rec, frame);
    chunkLen += 16 + frame.length;
    if (chunkLen > 4 << 20) {
      fs.writeSync(fd, Buffer.concat(chunk));
      bytes += chunkLen;
      chunk.length = 0;
      chunkLen = 0;
    }
  }
  fs.writeSync(fd, Buffer.concat(chunk));
  bytes += chunkLen;
  fs.closeSync(fd);
  fs.writeFileSync(espSa, sas.map((sa) => espSaLine(suite, sa)).join('\n') + '\n');
  const info: EspCapture = { file, espSa, packets, bytes, espBytes };
  fs.writeFileSync(meta, JSON.stringify(info) + '\n');
  return info;
}

// ---------------------------------------------------------------------------------------------
// The espy child: read, dissect, decrypt (ICV checked), dissect the inner packets.

interface ChildResult {
  frames: number;
  esp: number;
  decrypted: number;
  icvBad: number;
  seconds: number;
  rssMB: number;
}

async function child(file: string, keys: string | undefined): Promise<void> {
  const { openCapture } = await import('../src/capture/index.js');
  const { PacketDissector } = await import('../src/dissect/packet.js');
  const { DecryptEngine } = await import('../src/decrypt/engine.js');
  const { emptyKeyMaterial } = await import('../src/decrypt/types.js');
  const { parseEspSaTable } = await import('../src/decrypt/keys/wireshark.js');
  const t0 = process.hrtime.bigint();
  const km = emptyKeyMaterial();
  if (keys) {
    for (const e of parseEspSaTable(fs.readFileSync(keys, 'utf8'), keys).entries) {
      km.child.push({
        protocol: 'esp',
        spi: e.spiValue ?? e.spi,
        src: e.src,
        dst: e.dst,
        encr: e.encr,
        encrKey: e.encrKey,
        ...(e.auth ? { integ: e.auth, integKey: e.authKey } : {}),
        origin: { kind: 'wireshark-esp', file: e.file, line: e.line },
      });
    }
  }
  const engine = new DecryptEngine(km);
  engine.setMode('decrypt');
  const d = new PacketDissector(keys ? { decrypt: engine } : {});
  let frames = 0;
  let esp = 0;
  let decrypted = 0;
  let icvBad = 0;
  for await (const batch of await openCapture(file)) {
    for (const f of batch) {
      frames++;
      const p = d.dissect(f);
      for (const l of p.layers) {
        if (l.spec.id !== 'esp') continue;
        esp++;
        const st = (l.record as { decrypted?: { status: string } }).decrypted?.status;
        if (st === 'ok') decrypted++;
        else if (st) icvBad++;
        break;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const r: ChildResult = { frames, esp, decrypted, icvBad, seconds, rssMB: process.resourceUsage().maxRSS / 1000 };
  process.stdout.write(JSON.stringify(r) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Sample {
  wall: number;
  rssMB: number | null;
  stdout: string;
}

function haveTime(): boolean {
  return fs.existsSync(TIME_BIN) && spawnSync(TIME_BIN, ['-v', 'true'], { stdio: 'ignore' }).status === 0;
}

function measure(cmd: string, args: readonly string[], keepStdout: boolean, statsFile: string): Sample {
  const useTime = haveTime();
  const argv = useTime ? [TIME_BIN, '-v', '-o', statsFile, cmd, ...args] : [cmd, ...args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', keepStdout ? 'pipe' : 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const hr = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ').slice(0, 200)} failed (${r.status}): ${r.stderr?.slice(0, 500)}`);
  let wall = hr;
  let rssMB: number | null = null;
  if (useTime) {
    const s = fs.readFileSync(statsFile, 'utf8');
    const w = /Elapsed \(wall clock\) time[^:]*: (?:(\d+):)?(\d+):([\d.]+)/.exec(s);
    if (w) wall = Number(w[1] ?? 0) * 3600 + Number(w[2]) * 60 + Number(w[3]);
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(s);
    if (m) rssMB = (Number(m[1]) * 1024) / 1e6;
  }
  return { wall, rssMB, stdout: r.stdout ?? '' };
}

function uatArgs(espSa: string): string[] {
  return fs
    .readFileSync(espSa, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('"'))
    .flatMap((l) => ['-o', `uat:esp_sa:${l}`]);
}

const TSHARK_DECRYPT = ['-o', 'esp.enable_encryption_decode:TRUE', '-o', 'esp.enable_authentication_check:TRUE'];

/** `openssl speed -evp ALG -bytes N`: bytes per second of one core, or null. */
function opensslSpeed(alg: string, bytes: number): number | null {
  const r = spawnSync('openssl', ['speed', '-evp', alg, '-bytes', String(bytes), '-seconds', '2'], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  // Last line: "<alg>   123456.78k" (1000s of bytes per second).
  const m = /([\d.]+)k\s*$/.exec(r.stdout.trim());
  return m ? Number(m[1]) * 1000 : null;
}

export interface EspDecryptRow {
  suite: Suite;
  tool: string;
  wall: number;
  medianWall: number;
  pps: number;
  espMBps: number;
  rssMB: number | null;
  ownSeconds?: number;
}

export interface EspDecryptResult {
  packets: number;
  rows: EspDecryptRow[];
  openssl: Record<string, number | null>;
  ratios: Record<string, number>;
}

/** The benchmark proper (also called from bench/run.ts). */
export function espDecryptBench(cacheDir: string, packets: number, runs: number, opts: { skipTshark?: boolean }, log: (s: string) => void = console.log): EspDecryptResult {
  const self = path.join(HERE, 'esp-decrypt.js');
  const tshark = !opts.skipTshark && spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
  const stats = path.join(cacheDir, `esp-decrypt-time-${process.pid}.txt`);
  const rows: EspDecryptRow[] = [];
  const ratios: Record<string, number> = {};
  log(`\n== ESP decryption: ${thousands(packets)} packets per suite, inner IPv4/ICMP 100–1400 bytes, 4 SAs, tunnel mode ==`);
  for (const suite of SUITES) {
    const t0 = Date.now();
    const cap = ensureEspCapture(cacheDir, suite, packets);
    log(`${suite}: ${cap.file} (${(cap.bytes / 1e6).toFixed(1)} MB, ESP ${(cap.espBytes / 1e6).toFixed(1)} MB; ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    // Validation: espy decrypts every packet with a good ICV; tshark too (on the first packets).
    const v = JSON.parse(measure(process.execPath, [self, '--child', cap.file, '--keys', cap.espSa], true, stats).stdout) as ChildResult;
    if (v.decrypted !== packets || v.icvBad !== 0) throw new Error(`espy decrypted ${v.decrypted}/${packets} (${v.icvBad} failed) of ${suite}`);
    if (tshark) {
      const out = spawnSync('tshark', ['-r', cap.file, '-c', '2000', ...TSHARK_DECRYPT, ...uatArgs(cap.espSa), '-T', 'fields', '-e', 'esp.icv_good', '-e', 'icmp.type'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const lines = out.stdout.split('\n').filter((l) => l.length > 0);
      const good = lines.filter((l) => l.split('\t')[1] === '8').length;
      if (good !== Math.min(2000, packets)) log(`  warning: tshark dissected ${good}/${lines.length} inner ICMP packets with these keys (check the esp_sa labels)`);
    }
    const series: { tool: string; cmd: string; args: string[]; own: boolean }[] = [
      { tool: 'espy (no keys)', cmd: process.execPath, args: [self, '--child', cap.file], own: true },
      { tool: 'espy decrypt', cmd: process.execPath, args: [self, '--child', cap.file, '--keys', cap.espSa], own: true },
    ];
    if (tshark) series.push({ tool: 'tshark decrypt', cmd: 'tshark', args: ['-r', cap.file, ...TSHARK_DECRYPT, ...uatArgs(cap.espSa)], own: false });
    for (const s of series) {
      const samples: Sample[] = [];
      const own: number[] = [];
      for (let i = 0; i < runs; i++) {
        const m = measure(s.cmd, s.args, s.own, stats);
        samples.push(m);
        if (s.own) {
          const r = JSON.parse(m.stdout) as ChildResult;
          own.push(r.seconds);
          if (m.rssMB === null) m.rssMB = r.rssMB;
        }
      }
      const walls = samples.map((x) => x.wall);
      const best = Math.min(...walls);
      const row: EspDecryptRow = {
        suite,
        tool: s.tool,
        wall: best,
        medianWall: median(walls),
        pps: packets / best,
        espMBps: cap.espBytes / 1e6 / best,
        rssMB: Math.max(...samples.map((x) => x.rssMB ?? 0)) || null,
        ...(own.length ? { ownSeconds: Math.min(...own) } : {}),
      };
      rows.push(row);
      log(
        `  ${s.tool.padEnd(16)} ${best.toFixed(2).padStart(7)} s [median ${row.medianWall.toFixed(2)}]  ${thousands(Math.round(row.pps)).padStart(9)} pkt/s  ${row.espMBps.toFixed(1).padStart(6)} MB/s of ESP` +
          `  RSS ${row.rssMB === null ? '?' : `${row.rssMB.toFixed(0)} MB`}` +
          (row.ownSeconds !== undefined ? `  (own timer ${row.ownSeconds.toFixed(2)} s: ${thousands(Math.round(packets / row.ownSeconds))} pkt/s)` : ''),
      );
    }
    const espy = rows.find((r) => r.suite === suite && r.tool === 'espy decrypt')!;
    const plain = rows.find((r) => r.suite === suite && r.tool === 'espy (no keys)')!;
    const ts = rows.find((r) => r.suite === suite && r.tool === 'tshark decrypt');
    ratios[`${suite}: espy decrypt ÷ tshark decrypt`] = ts ? ts.wall / espy.wall : NaN;
    ratios[`${suite}: decryption cost (espy decrypt ÷ espy no keys, time)`] = espy.wall / plain.wall;
    if (ts) log(`  espy decrypt is ${(ts.wall / espy.wall).toFixed(1)}× tshark decrypt (wall, start-up included)`);
  }
  const openssl: Record<string, number | null> = { 'aes-128-cbc@1024': opensslSpeed('aes-128-cbc', 1024), 'aes-128-gcm@1024': opensslSpeed('aes-128-gcm', 1024) };
  for (const [k, v] of Object.entries(openssl)) {
    log(`openssl speed -evp ${k.replace('@', ' -bytes ')}: ${v === null ? 'n/a' : `${(v / 1e6).toFixed(0)} MB/s per core`}`);
    const suite: Suite = k.startsWith('aes-128-cbc') ? 'cbc-sha1' : 'gcm128';
    const espy = rows.find((r) => r.suite === suite && r.tool === 'espy decrypt');
    if (v && espy) {
      ratios[`${suite}: openssl ${k} ÷ espy (MB/s)`] = v / 1e6 / espy.espMBps;
      log(`  espy's ${suite} ESP rate is ${((espy.espMBps / (v / 1e6)) * 100).toFixed(1)} % of that (espy also reads, dissects, checks the ICV and dissects the inner packet)`);
    }
  }
  fs.rmSync(stats, { force: true });
  return { packets, rows, openssl, ratios };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2), ['packets', 'runs', 'cache', 'child', 'keys']);
  const childFile = args.values.get('child');
  if (childFile) return child(childFile, args.values.get('keys'));
  const cacheDir = args.values.get('cache') ?? defaultCacheDir();
  const res = espDecryptBench(cacheDir, intOption(args, 'packets', 200_000), intOption(args, 'runs', 1), { skipTshark: args.flags.has('skip-tshark') });
  const out = path.join(cacheDir, 'results', 'esp-decrypt-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(res, null, 2) + '\n');
  console.log(`results: ${out}`);
}

if (isMain(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
