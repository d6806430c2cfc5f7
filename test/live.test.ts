/**
 * Live capture (`espy -D`, `espy -i`): real packets on the loopback, the
 * pcapng writer, and the error messages. Tests that need root or the
 * optional `cap` module skip with a reason where those are missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, espy, HAVE_TSHARK, tshark } from './helpers.js';
import { capAvailable, linkTypeNumber } from '../src/live/cap.js';
import { enhancedPacketBlock, interfaceDescriptionBlock, PcapngWriter } from '../src/live/pcapng-writer.js';
import { formatDevices } from '../src/live/interfaces.js';
import { openCapture } from '../src/capture/index.js';
import type { Frame } from '../src/capture/types.js';

const IS_ROOT = process.getuid?.() === 0;
const HAVE_CAP = capAvailable();
const LIVE_SKIP = !HAVE_CAP ? 'the optional module `cap` is not built (apt-get install libpcap-dev && npm rebuild cap)' : !IS_ROOT ? 'live capture needs root' : undefined;

interface Running {
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
  started: Promise<void>;
  kill(sig: NodeJS.Signals): void;
}

/** Starts the CLI in the background; `started` resolves once the capture banner is on stderr. */
function startEspy(args: string[]): Running {
  const p = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  let onStart: () => void = () => {};
  const started = new Promise<void>((res) => (onStart = res));
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('Capturing on')) onStart();
  });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((res) => p.on('close', (code) => res({ code, stdout, stderr })));
  void done.then(() => onStart());
  return { done, started, kill: (sig) => p.kill(sig) };
}

/** An IKEv2 IKE_SA_INIT header alone (28 bytes): enough for the dissector to name it. */
function ikeHeader(spi: number): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32BE(spi, 4);
  b[17] = 0x20;
  b[18] = 34;
  b[19] = 0x08;
  b.writeUInt32BE(28, 24);
  return b;
}

async function sendUdp(port: number, payload: Buffer): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res, rej) => s.send(payload, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
  s.close();
}

/** Ethernet + IPv4 (proto 50) + ESP header and some bytes, 127.0.0.1 → 127.0.0.1, for injection on lo. */
/**
 * Send one frame on lo through libpcap in a child process. The native handle
 * never lives in the test runner's process: `cap` 0.2.1 can crash when a
 * handle is closed or collected (see src/live/cap.ts), and a crash there would
 * fail this whole file after its tests passed. The child exits right after
 * sending; the capture under test checks that the frame arrived.
 */
function injectOnLo(frame: Buffer): void {
  const code = `
    const { createRequire } = require('node:module');
    const Cap = createRequire(${JSON.stringify(join(import.meta.dirname, '../../package.json'))})('cap').Cap;
    const c = new Cap();
    c.open('lo', 'len <= 0', 1 << 16, Buffer.alloc(64));
    c.send(Buffer.from(${JSON.stringify(frame.toString('hex'))}, 'hex'));
    process.exit(0);`;
  spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
}

function espFrame(spi: number, seq: number): Buffer {
  const esp = Buffer.alloc(8 + 32, 0xab);
  esp.writeUInt32BE(spi, 0);
  esp.writeUInt32BE(seq, 4);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + esp.length, 2);
  ip[8] = 64;
  ip[9] = 50;
  Buffer.from([127, 0, 0, 1, 127, 0, 0, 1]).copy(ip, 12);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  return Buffer.concat([eth, ip, esp]);
}

async function readFrames(file: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const b of await openCapture(file)) out.push(...b);
  return out;
}

// -------------------------------------------------------------------------------------------
// Without privileges or hardware

test('pcapng writer: SHB + IDB (if_name, if_tsresol) + EPB read back by our reader', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espy-live-'));
  try {
    const f = join(dir, 'w.pcapng');
    const w = PcapngWriter.create(f, [{ linkType: 1, name: 'lo', tsResol: 9 }]);
    w.write({ tsSec: 1_700_000_000, tsNsec: 123_456_789, data: Uint8Array.of(1, 2, 3, 4, 5) });
    w.flush();
    // Flushed data is a complete file even before close (what Ctrl-C leaves behind).
    const mid = await readFrames(f);
    assert.equal(mid.length, 1);
    w.write({ tsSec: 1_700_000_001, tsNsec: 1, data: new Uint8Array(61).fill(7), origLen: 100 });
    w.close();
    const frames = await readFrames(f);
    assert.equal(frames.length, 2);
    assert.deepEqual([...frames[0]!.data], [1, 2, 3, 4, 5]);
    assert.equal(frames[0]!.tsSec, 1_700_000_000);
    assert.equal(frames[0]!.tsNsec, 123_456_789);
    assert.equal(frames[1]!.caplen, 61);
    assert.equal(frames[1]!.origLen, 100);
    const r = await openCapture(f);
    await r.next();
    assert.equal(r.interfaces[0]!.name, 'lo');
    assert.equal(r.interfaces[0]!.tsUnitsPerSec, 1e9);
    r.close();
    if (HAVE_TSHARK) assert.match(tshark(['-r', f, '-T', 'fields', '-e', 'frame.len']), /^5\n100\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pcapng blocks: lengths are multiples of 4 and repeated at the end; µs resolution', () => {
  const idb = interfaceDescriptionBlock({ linkType: 101, name: 'eth0', tsResol: 6 });
  const v = new DataView(idb.buffer);
  assert.equal(idb.length % 4, 0);
  assert.equal(v.getUint32(4, true), idb.length);
  assert.equal(v.getUint32(idb.length - 4, true), idb.length);
  assert.equal(v.getUint16(8, true), 101);
  const epb = enhancedPacketBlock({ tsSec: 1, tsNsec: 2_000, data: Uint8Array.of(9) }, 6);
  const e = new DataView(epb.buffer);
  assert.equal(epb.length, 36);
  assert.equal(e.getUint32(16, true), 1_000_002); // 1 s + 2 µs in µs
});

test('cap link-type names map to LINKTYPE numbers', () => {
  assert.equal(linkTypeNumber('ETHERNET'), 1);
  assert.equal(linkTypeNumber('RAW'), 101);
  assert.equal(linkTypeNumber('LINKTYPE_LINUX_SLL'), 113);
  assert.equal(linkTypeNumber('Unknown linktype 276'), 276);
  assert.equal(linkTypeNumber('Unknown linktype 12'), 101);
});

test('-D format: numbered like tshark, with description and addresses', () => {
  const text = formatDevices([
    { name: 'eth0', addresses: [{ addr: '10.0.0.1' }, { addr: 'fe80::1' }] },
    { name: 'lo', addresses: [{ addr: '127.0.0.1' }], flags: 'PCAP_IF_LOOPBACK' },
    { name: 'any', description: 'Pseudo-device', addresses: [] },
  ]);
  assert.equal(text, '1. eth0 [10.0.0.1, fe80::1]\n2. lo (Loopback) [127.0.0.1]\n3. any (Pseudo-device)');
});

test('without cap (ESPY_NO_CAP=1 test hook): -D and -i say how to install it, exit 10', () => {
  for (const args of [['-D'], ['-i', 'lo']]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ESPY_NO_CAP: '1' } });
    assert.equal(r.status, 10, r.stderr);
    assert.match(r.stderr, /live capture needs the optional native module `cap`: apt-get install libpcap-dev && npm rebuild cap/);
  }
  // File reading never loads cap.
  const r = spawnSync(process.execPath, [CLI, '-r', join(import.meta.dirname, '../../fixtures/pcaps/generated/sw-ikev2-natt/capture.pcap'), '-q'], { encoding: 'utf8', env: { ...process.env, ESPY_NO_CAP: '1' } });
  assert.equal(r.status, 0, r.stderr);
});

test('usage errors: -i with -r, bad -a', () => {
  assert.equal(espy(['-i', 'lo', '-r', 'x.pcap']).status, 1);
  const r = espy(['-i', 'lo', '-a', 'filesize:10']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /duration:SECONDS/);
});

// -------------------------------------------------------------------------------------------
// With cap (and root for capturing)

test('-D lists the loopback', (t) => {
  if (!HAVE_CAP) return t.skip('the optional module `cap` is not built');
  const r = espy(['-D']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\. lo \(Loopback\)/m);
});

test('unknown interface: exit 2 and the real interfaces listed', (t) => {
  if (!HAVE_CAP) return t.skip('the optional module `cap` is not built');
  const r = espy(['-i', 'espy-no-such-if0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no such interface: espy-no-such-if0 \(interfaces: .*\blo\b/);
});

test('bad capture filter: exit 4 with libpcap\'s message', (t) => {
  if (LIVE_SKIP) return t.skip(LIVE_SKIP);
  const r = espy(['-i', 'lo', '-f', 'udp port 99999x']);
  assert.equal(r.status, 4);
  assert.match(r.stderr, /invalid capture filter "udp port 99999x" for interface lo: unknown port '99999x'/);
});

test('no permission: exit 5 with the setcap hint', (t) => {
  if (LIVE_SKIP) return t.skip(LIVE_SKIP);
  if (spawnSync('setpriv', ['--version']).status !== 0) return t.skip('setpriv (util-linux) not installed');
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', process.execPath, CLI, '-i', 'lo', '-a', 'duration:1'], { encoding: 'utf8' });
  if (/EACCES|Cannot find module|permission denied/i.test(r.stderr) && r.status !== 5) return t.skip(`user nobody cannot run espy from here: ${r.stderr.split('\n')[0]}`);
  assert.equal(r.status, 5, r.stderr);
  assert.match(r.stderr, /you don't have permission to capture on lo .*setcap cap_net_raw,cap_net_admin\+eip/);
});

test('live on lo: UDP 500, 4500 (marker, keepalive) and raw ESP decoded as -T jsonl; -w readable by espy and tshark', async (t) => {
  if (LIVE_SKIP) return t.skip(LIVE_SKIP);
  const dir = mkdtempSync(join(tmpdir(), 'espy-live-'));
  try {
    const out = join(dir, 'live.pcapng');
    // Only loopback IKE/ESP traffic, so other tests' packets cannot get in.
    const run = startEspy(['-i', 'lo', '-f', 'host 127.0.0.1 and (udp port 500 or udp port 4500 or esp)', '-c', '4', '-a', 'duration:20', '-T', 'jsonl', '-w', out, '-P']);
    await run.started;
    await sendUdp(500, ikeHeader(0x11111111));
    await sendUdp(4500, Buffer.concat([Buffer.alloc(4), ikeHeader(0x22222222)]));
    await sendUdp(4500, Buffer.from([0xff]));
    injectOnLo(espFrame(0xc0ffee01, 7));
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    const pkts = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { summary: { protocol: string; info: string } });
    assert.equal(pkts.length, 4);
    assert.deepEqual(pkts.map((p) => p.summary.protocol), ['ISAKMP', 'ISAKMP', 'UDPENCAP', 'ESP']);
    assert.match(pkts[0]!.summary.info, /IKE_SA_INIT/);
    assert.match(pkts[2]!.summary.info, /NAT-keepalive/);
    assert.match(pkts[3]!.summary.info, /SPI=0xc0ffee01\) seq=7/);
    assert.match(r.stderr, /4 packets captured \(dropped by the kernel: unknown.*4 written to /);
    const frames = await readFrames(out);
    assert.equal(frames.length, 4);
    assert.deepEqual([...frames[3]!.data], [...espFrame(0xc0ffee01, 7)]);
    const text = espy(['-r', out]);
    assert.equal(text.status, 0);
    assert.equal(text.stdout.trim().split('\n').length, 4);
    if (HAVE_TSHARK) assert.equal(tshark(['-r', out, '-T', 'fields', '-e', '_ws.col.Protocol']).trim().split('\n').join(','), 'ISAKMP,ISAKMP,UDPENCAP,ESP');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C stops cleanly: summary on stderr, a valid file with what was captured', async (t) => {
  if (LIVE_SKIP) return t.skip(LIVE_SKIP);
  const dir = mkdtempSync(join(tmpdir(), 'espy-live-'));
  try {
    const out = join(dir, 'int.pcapng');
    const run = startEspy(['-i', 'lo', '-f', 'host 127.0.0.1 and udp port 500', '-a', 'duration:20', '-w', out]);
    await run.started;
    await sendUdp(500, ikeHeader(0x33333333));
    await sendUdp(500, ikeHeader(0x44444444));
    // Give the capture a moment to receive both before interrupting.
    await new Promise((res) => setTimeout(res, 300));
    run.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'with -w and no -P nothing is printed');
    assert.match(r.stderr, /2 packets captured .* 2 written to /);
    assert.equal((await readFrames(out)).length, 2);
    assert.ok(readFileSync(out).length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
