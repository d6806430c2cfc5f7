/**
 * `espy replay`: the pure parts (rewriting with checksums, timing, host
 * parsing) with known bytes, UDP replay to a socket the test listens on,
 * and injection onto the loopback of a network namespace the test creates
 * (and deletes) while espy captures there, comparing frames sent and seen.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, GENERATED } from './helpers.js';
import { addIpMap, addMacMap, addPortMap, adjustChecksum, emptyRules, ipv4HeaderChecksum, parseIPv6, rewriteFrame } from '../src/replay/rewrite.js';
import { dueOffset } from '../src/replay/timing.js';
import { parseHostPort } from '../src/cli/replay.js';
import { ikeMessages, sideMessages, synthesizeFrame } from '../src/replay/udp.js';
import { formatStats, newStats } from '../src/replay/stats.js';
import { capAvailable } from '../src/live/cap.js';
import { openCapture } from '../src/capture/index.js';
import type { Frame } from '../src/capture/types.js';
import { PacketDissector } from '../src/dissect/packet.js';
import { DEFAULT_PREFS } from '../src/dissect/layer.js';
import type { UdpRecord } from '../src/dissect/udp.js';

const NATT = join(GENERATED, 'sw-ikev2-natt/capture.pcap');
const IS_ROOT = process.getuid?.() === 0;
const HAVE_CAP = capAvailable();
const HAVE_IP = spawnSync('ip', ['-V']).status === 0;
const INJECT_SKIP = !HAVE_CAP ? 'the optional module `cap` is not built (apt-get install libpcap-dev && npm rebuild cap)' : !IS_ROOT ? 'injection needs root' : !HAVE_IP ? 'iproute2 (ip netns) not installed' : undefined;

// -------------------------------------------------------------------------------------------
// Independent checksum arithmetic for the checks (plain recomputation, not RFC 1624).

function sum(b: Uint8Array, s: number, e: number, acc = 0): number {
  for (let i = s; i < e; i += 2) acc += (b[i]! << 8) | (i + 1 < e ? b[i + 1]! : 0);
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return acc;
}

/** True when the IPv4 header and the UDP checksum (if not 0) of an Ethernet frame verify. */
function checksumsOk(f: Uint8Array): { ip: boolean; udp: boolean | 'none' } {
  const ip = 14;
  const ihl = (f[ip]! & 15) * 4;
  const ipOk = sum(f, ip, ip + ihl) === 0xffff;
  if (f[ip + 9] !== 17) return { ip: ipOk, udp: 'none' };
  const u = ip + ihl;
  const len = (f[u + 4]! << 8) | f[u + 5]!;
  if (((f[u + 6]! << 8) | f[u + 7]!) === 0) return { ip: ipOk, udp: 'none' };
  const pseudo = sum(f, ip + 12, ip + 20) + 17 + len;
  return { ip: ipOk, udp: sum(f, u, u + len, pseudo) === 0xffff };
}

/** Ethernet / IPv4 / UDP 500→500 with a 12-byte payload and correct checksums. */
function udpFrame(opts: { udpChecksum?: boolean; fragOffset?: number } = {}): Uint8Array {
  const hex =
    '020000000002' + '020000000001' + '0800' +
    '45000028' + '1234' + (opts.fragOffset ? (0x2000 | opts.fragOffset).toString(16).padStart(4, '0') : '4000') + '4011' + '0000' + '0a630201' + '0a630202' +
    '01f401f4' + '0014' + '0000' + '000102030405060708090a0b';
  const f = Uint8Array.from(Buffer.from(hex, 'hex'));
  const c = ipv4HeaderChecksum(f, 14, 20);
  f[24] = c >> 8;
  f[25] = c & 0xff;
  if (opts.udpChecksum !== false) {
    const s = ~sum(f, 34, 54, sum(f, 26, 34) + 17 + 20) & 0xffff;
    f[40] = s >> 8;
    f[41] = s & 0xff;
  }
  return f;
}

test('the test frame has the known checksums', () => {
  const f = udpFrame();
  assert.deepEqual(checksumsOk(f), { ip: true, udp: true });
  // By hand: 4500+0028+1234+4000+4011+0a63+0201+0a63+0202 = 0xf036, complement 0x0fc9.
  assert.equal(Buffer.from(f.subarray(24, 26)).toString('hex'), '0fc9');
});

test('rewrite: IPv4 addresses, ports and MACs, with IPv4 and UDP checksums fixed', () => {
  const r = emptyRules();
  assert.equal(addIpMap(r.srcIp, '10.99.2.1=10.1.2.3', '--srcip'), undefined);
  assert.equal(addIpMap(r.dstIp, '10.99.2.2=10.4.5.6', '--dstip'), undefined);
  assert.equal(addPortMap(r.sport, '500=1500', '--sport'), undefined);
  assert.equal(addPortMap(r.dport, '500=4500', '--dport'), undefined);
  assert.equal(addMacMap(r.srcMac, '02:aa:bb:cc:dd:ee', '--srcmac'), undefined);
  assert.equal(addMacMap(r.dstMac, '02:00:00:00:00:02=02:11:22:33:44:55', '--dstmac'), undefined);
  const orig = udpFrame();
  const before = Buffer.from(orig).toString('hex');
  const { data, changed } = rewriteFrame(1, orig, r);
  assert.ok(changed);
  assert.equal(Buffer.from(orig).toString('hex'), before, 'the input is not modified');
  const h = Buffer.from(data).toString('hex');
  assert.equal(h.slice(0, 24), '021122334455' + '02aabbccddee');
  assert.equal(h.slice(52, 68), '0a010203' + '0a040506');
  assert.equal(h.slice(68, 76), '05dc' + '1194');
  assert.deepEqual(checksumsOk(data), { ip: true, udp: true });
  // Known result: the same frame built directly with the new values has the same bytes.
  const direct = Buffer.from(before, 'hex');
  Buffer.from('02112233445502aabbccddee', 'hex').copy(direct, 0);
  Buffer.from('0a0102030a040506', 'hex').copy(direct, 26);
  Buffer.from('05dc1194', 'hex').copy(direct, 34);
  const dv = new Uint8Array(direct);
  const ipc = ipv4HeaderChecksum(dv, 14, 20);
  dv[24] = ipc >> 8;
  dv[25] = ipc & 0xff;
  dv[40] = 0;
  dv[41] = 0;
  const s = ~sum(dv, 34, 54, sum(dv, 26, 34) + 17 + 20) & 0xffff;
  dv[40] = s >> 8;
  dv[41] = s & 0xff;
  assert.equal(h, Buffer.from(dv).toString('hex'));
});

test('rewrite: a wrong (offloaded) UDP checksum is recomputed when the datagram is whole, adjusted when cut', () => {
  const r = emptyRules();
  addPortMap(r.sport, '500=1500', '--sport');
  const partial = udpFrame();
  partial[40] = 0x12;
  partial[41] = 0x34;
  assert.equal(checksumsOk(partial).udp, false);
  assert.deepEqual(checksumsOk(rewriteFrame(1, partial, r).data), { ip: true, udp: true });
  // Cut by the snaplen: the incremental update (RFC 1624) of a correct checksum stays correct.
  const good = udpFrame();
  const cut = rewriteFrame(1, good.subarray(0, 50), r).data;
  const whole = rewriteFrame(1, good, r).data;
  assert.deepEqual([...cut.subarray(40, 42)], [...whole.subarray(40, 42)]);
});

test('rewrite: UDP checksum 0 stays 0; a non-first fragment keeps its bytes past the IP header', () => {
  const r = emptyRules();
  addIpMap(r.srcIp, '10.99.2.1=10.7.7.7', '--srcip');
  addPortMap(r.dport, '500=501', '--dport');
  const none = rewriteFrame(1, udpFrame({ udpChecksum: false }), r).data;
  assert.equal((none[40]! << 8) | none[41]!, 0);
  assert.equal((none[36]! << 8) | none[37]!, 501);
  assert.equal(checksumsOk(none).ip, true);
  const frag = udpFrame({ fragOffset: 10 });
  const out = rewriteFrame(1, frag, r).data;
  assert.deepEqual([...out.subarray(34)], [...frag.subarray(34)], 'no ports in a later fragment');
  assert.equal(checksumsOk(out).ip, true);
});

test('rewrite: IPv6 addresses adjust the UDP checksum; RFC 1624 arithmetic', () => {
  const src = parseIPv6('fd00::1')!;
  assert.equal(Buffer.from(src).toString('hex'), 'fd000000000000000000000000000001');
  assert.equal(Buffer.from(parseIPv6('::ffff:10.0.0.1')!).toString('hex'), '00000000000000000000ffff0a000001');
  // RFC 1624 §4 example: HC 0xDD2F, m 0x5555 → m' 0x3285 gives 0x0000 by eq. 3.
  assert.equal(adjustChecksum(0xdd2f, Uint8Array.of(0x55, 0x55), Uint8Array.of(0x32, 0x85)), 0x0000);
  // IPv6/UDP: build, rewrite, recompute.
  const ip6 = new Uint8Array(14 + 40 + 8 + 4);
  ip6.set([0x86, 0xdd], 12);
  ip6[14] = 0x60;
  ip6[14 + 5] = 12;
  ip6[14 + 6] = 17;
  ip6[14 + 7] = 64;
  ip6.set(src, 22);
  ip6.set(parseIPv6('fd00::2')!, 38);
  ip6.set([0x01, 0xf4, 0x01, 0xf4, 0, 12, 0, 0, 1, 2, 3, 4], 54);
  const ck = (f: Uint8Array): number => sum(f, 54, 66, sum(f, 22, 54) + 17 + 12);
  const c = ~ck(ip6) & 0xffff;
  ip6[60] = c >> 8;
  ip6[61] = c & 0xff;
  assert.equal(ck(ip6), 0xffff);
  const r = emptyRules();
  assert.equal(addIpMap(r.srcIp, 'fd00::1=fd00::abcd', '--srcip'), undefined);
  assert.match(addIpMap(r.srcIp, 'fd00::1=10.0.0.1', '--srcip')!, /must be IPv4 or both IPv6/);
  const out = rewriteFrame(1, ip6, r).data;
  assert.equal(Buffer.from(out.subarray(22, 38)).toString('hex'), 'fd00000000000000000000000000abcd');
  assert.equal(ck(out), 0xffff);
});

test('rewrite maps reject malformed specs', () => {
  const r = emptyRules();
  assert.match(addIpMap(r.srcIp, '10.0.0.1', '--srcip')!, /OLD=NEW/);
  assert.match(addIpMap(r.srcIp, '10.0.0.300=10.0.0.1', '--srcip')!, /OLD=NEW/);
  assert.match(addPortMap(r.sport, '70000=1', '--sport')!, /0-65535/);
  assert.match(addMacMap(r.srcMac, 'zz:00:00:00:00:00', '--srcmac')!, /MAC/);
});

test('timing: as captured, multiplied, fixed rate, top speed', () => {
  assert.equal(dueOffset({ kind: 'capture', multiplier: 1 }, 3, 10.5, 10), 0.5);
  assert.equal(dueOffset({ kind: 'capture', multiplier: 2 }, 3, 10.5, 10), 0.25);
  assert.equal(dueOffset({ kind: 'capture', multiplier: 1 }, 3, 9, 10), 0, 'out-of-order timestamps are sent at once');
  assert.equal(dueOffset({ kind: 'pps', pps: 100 }, 5, 99, 0), 0.05);
  assert.equal(dueOffset({ kind: 'topspeed' }, 5, 99, 0), 0);
});

test('host:port parsing and the tcpreplay-style statistics', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5000'), { host: '127.0.0.1', port: 5000 });
  assert.deepEqual(parseHostPort('peer.example'), { host: 'peer.example', port: undefined });
  assert.deepEqual(parseHostPort('[::1]:4500'), { host: '::1', port: 4500 });
  assert.deepEqual(parseHostPort('fd00::1'), { host: 'fd00::1', port: undefined });
  assert.equal(parseHostPort('h:99999'), undefined);
  const s = { ...newStats(), packets: 10, bytes: 1000, seconds: 2 };
  assert.match(formatStats(s, 'lo'), /^Actual: 10 packets \(1000 bytes\) sent in 2\.000000 seconds\nRated: 500\.0 Bps, 0\.00 Mbps, 5\.00 pps\n/);
});

test('IKE messages of each side, and answers synthesized as raw-IP frames the dissector reads', async () => {
  const all = await ikeMessages(NATT);
  const ini = sideMessages(all, 'initiator');
  const resp = sideMessages(all, 'responder');
  assert.ok(ini.length >= 2 && resp.length >= 2);
  assert.equal(ini.length + resp.length, all.length);
  const f = synthesizeFrame(1, resp[0]!.payload, { address: '10.99.2.2', port: 500 }, { address: '10.99.2.254', port: 500 });
  const p = new PacketDissector({ prefs: { ...DEFAULT_PREFS, checkIpChecksum: true, checkL4Checksum: true } }).dissect(f);
  assert.equal(p.summary.protocol, 'ISAKMP');
  assert.match(p.summary.info, /IKE_SA_INIT MID=00 Responder Response/);
  const udp = p.layers.find((l) => l.spec.id === 'udp')!.record as UdpRecord;
  assert.equal(udp.checksumStatus, 'good');
});

// -------------------------------------------------------------------------------------------
// UDP replay to sockets this test listens on (no privileges needed)

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[]): Promise<Result> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

async function listen(): Promise<{ sock: dgram.Socket; port: number; got: { data: Buffer; from: dgram.RemoteInfo }[] }> {
  const sock = dgram.createSocket('udp4');
  const got: { data: Buffer; from: dgram.RemoteInfo }[] = [];
  sock.on('message', (data, from) => got.push({ data, from }));
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
  return { sock, port: sock.address().port, got };
}

test('--to: the initiator\'s IKE messages arrive byte for byte, with the non-ESP marker on the NAT-T port', async () => {
  const ike = await listen();
  const natt = await listen();
  try {
    const r = await run(process.execPath, [CLI, 'replay', '-r', NATT, '--to', `127.0.0.1:${ike.port}`, '--natt-port', String(natt.port), '--topspeed']);
    assert.equal(r.code, 0, r.stderr);
    const ini = sideMessages(await ikeMessages(NATT), 'initiator');
    const want500 = ini.filter((m) => !m.natt).map((m) => Buffer.from(m.payload).toString('hex'));
    const want4500 = ini.filter((m) => m.natt).map((m) => '00000000' + Buffer.from(m.payload).toString('hex'));
    assert.ok(want500.length > 0 && want4500.length > 0, 'the fixture floats to 4500');
    await new Promise((res) => setTimeout(res, 100));
    assert.deepEqual(ike.got.map((g) => g.data.toString('hex')), want500);
    assert.deepEqual(natt.got.map((g) => g.data.toString('hex')), want4500);
    // NAT-T messages come from a second source port, as after a port float.
    assert.notEqual(ike.got[0]!.from.port, natt.got[0]!.from.port);
    assert.match(r.stderr, new RegExp(`Actual: ${ini.length} packets \\(\\d+ bytes\\) sent in`));
  } finally {
    ike.sock.close();
    natt.sock.close();
  }
});

test('--to --wait: each answer is printed dissected; a silent peer counts timeouts', async () => {
  const all = await ikeMessages(NATT);
  const resp = sideMessages(all, 'responder');
  const peer = await listen();
  const peerNatt = await listen();
  let i = 0;
  // Answer each request with the responder's next message from the capture, marker included on NAT-T.
  for (const { sock } of [peer, peerNatt]) {
    sock.on('message', (_d, from) => {
      const m = resp[i++];
      if (m) sock.send(m.natt ? Buffer.concat([Buffer.alloc(4), m.payload]) : m.payload, from.port, from.address);
    });
  }
  try {
    const r = await run(process.execPath, [CLI, 'replay', '-r', NATT, '--to', `127.0.0.1:${peer.port}`, '--natt-port', String(peerNatt.port), '--wait', '--timeout', '3000', '--topspeed']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /127\.0\.0\.1 → .* ISAKMP .* IKE_SA_INIT MID=00 Responder Response/);
    assert.match(lines[1]!, /ISAKMP .* IKE_AUTH MID=01 Responder Response/);
    assert.match(r.stderr, /Answers received:\s+\d+/);
    assert.match(r.stderr, /No answer \(timeout\):\s+0/);
  } finally {
    peer.sock.close();
    peerNatt.sock.close();
  }
  const silent = await listen();
  try {
    const r = await run(process.execPath, [CLI, 'replay', '-r', NATT, '--to', `127.0.0.1:${silent.port}`, '--natt-port', String(silent.port), '--wait', '--timeout', '100', '--topspeed', '-Y', 'isakmp.exchangetype == 34']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /Actual: 1 packets/);
    assert.match(r.stderr, /No answer \(timeout\):\s+1/);
  } finally {
    silent.sock.close();
  }
});

test('replay usage errors', async () => {
  const both = await run(process.execPath, [CLI, 'replay', '-r', NATT]);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /either -i IFACE .* or --to/);
  const bad = await run(process.execPath, [CLI, 'replay', '-r', NATT, '--to', '127.0.0.1', '--srcip', 'x']);
  assert.equal(bad.code, 1);
  const f = await run(process.execPath, [CLI, 'replay', '-r', NATT, '--to', '127.0.0.1', '-Y', 'isakmp.ispi ==']);
  assert.equal(f.code, 4);
  assert.match(f.stderr, /invalid display filter/);
  const nocap = spawnSync(process.execPath, [CLI, 'replay', '-r', NATT, '-i', 'lo'], { encoding: 'utf8', env: { ...process.env, ESPY_NO_CAP: '1' } });
  assert.equal(nocap.status, 10);
  assert.match(nocap.stderr, /npm rebuild cap/);
});

// -------------------------------------------------------------------------------------------
// Injection, in a network namespace of our own (its loopback sees nothing else)

let nsCounter = 0;

async function withNetns(fn: (ns: string) => Promise<void>): Promise<void> {
  const ns = `espy-test-${process.pid}-${nsCounter++}`;
  const add = spawnSync('ip', ['netns', 'add', ns], { encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`ip netns add: ${add.stderr}`);
  try {
    spawnSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await fn(ns);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

/** Starts `espy -i lo -w FILE` inside the namespace; resolves once it is capturing. */
function captureIn(ns: string, out: string, filter: string): { started: Promise<void>; done: Promise<Result>; stop: () => void } {
  const p = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, '-i', 'lo', '-f', filter, '-a', 'duration:30', '-w', out]);
  let stderr = '';
  let onStart: () => void = () => {};
  const started = new Promise<void>((res) => (onStart = res));
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('Capturing on')) onStart();
  });
  const done = new Promise<Result>((res) => p.on('close', (code) => res({ code, stdout: '', stderr })));
  void done.then(() => onStart());
  return { started, done, stop: () => p.kill('SIGINT') };
}

async function frames(file: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const b of await openCapture(file)) out.push(...b);
  return out;
}

test('inject onto lo in a namespace: the frames that arrive equal the ones sent', async (t) => {
  if (INJECT_SKIP) return t.skip(INJECT_SKIP);
  const dir = mkdtempSync(join(tmpdir(), 'espy-replay-'));
  try {
    await withNetns(async (ns) => {
      const out = join(dir, 'seen.pcapng');
      const cap = captureIn(ns, out, '');
      await cap.started;
      const r = await run('ip', ['netns', 'exec', ns, process.execPath, CLI, 'replay', '-r', NATT, '-i', 'lo', '--multiplier', '50']);
      assert.equal(r.code, 0, r.stderr);
      const sent = await frames(NATT);
      assert.match(r.stderr, new RegExp(`Actual: ${sent.length} packets`));
      await new Promise((res) => setTimeout(res, 300));
      cap.stop();
      const c = await cap.done;
      assert.equal(c.code, 0, c.stderr);
      const seen = await frames(out);
      assert.deepEqual(seen.map((f) => Buffer.from(f.data).toString('hex')), sent.map((f) => Buffer.from(f.data).toString('hex')));
      // As captured ÷ 50: the capture's span shrinks about 50-fold (generously bounded).
      const span = (fs: Frame[]): number => fs.at(-1)!.tsSec + fs.at(-1)!.tsNsec / 1e9 - (fs[0]!.tsSec + fs[0]!.tsNsec / 1e9);
      assert.ok(span(seen) > span(sent) / 50 * 0.8 && span(seen) < span(sent) / 50 + 1, `span ${span(seen)} vs ${span(sent)}`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('inject with rewriting and -Y: frames arrive rewritten, checksums verified by the dissector', async (t) => {
  if (INJECT_SKIP) return t.skip(INJECT_SKIP);
  const dir = mkdtempSync(join(tmpdir(), 'espy-replay-'));
  try {
    await withNetns(async (ns) => {
      const out = join(dir, 'rw.pcapng');
      const cap = captureIn(ns, out, 'udp');
      await cap.started;
      const args = ['--srcip', '10.99.2.254=10.55.0.1', '--dstip', '10.99.2.2=10.55.0.2', '--srcip', '10.99.2.2=10.55.0.2', '--dstip', '10.99.2.254=10.55.0.1', '--sport', '4500=4501', '--dstmac', '02:00:00:00:00:99'];
      const r = await run('ip', ['netns', 'exec', ns, process.execPath, CLI, 'replay', '-r', NATT, '-i', 'lo', '--topspeed', '-Y', 'udp', ...args]);
      assert.equal(r.code, 0, r.stderr);
      await new Promise((res) => setTimeout(res, 300));
      cap.stop();
      assert.equal((await cap.done).code, 0);
      const seen = await frames(out);
      const sent = (await frames(NATT)).filter((f) => f.data[23] === 17);
      assert.equal(seen.length, sent.length);
      assert.match(r.stderr, new RegExp(`Skipped packets:\\s+${(await frames(NATT)).length - sent.length}`));
      const d = new PacketDissector({ prefs: { ...DEFAULT_PREFS, checkIpChecksum: true, checkL4Checksum: true } });
      for (const f of seen) {
        const p = d.dissect(f);
        const ip = p.layers.find((l) => l.spec.id === 'ip')!.record as { src: Uint8Array; dst: Uint8Array; checksumStatus?: string };
        assert.equal(Array.from(ip.src).slice(0, 2).join('.'), '10.55');
        assert.equal(Array.from(ip.dst).slice(0, 2).join('.'), '10.55');
        assert.notEqual(ip.checksumStatus, 'bad');
        const udp = p.layers.find((l) => l.spec.id === 'udp')!.record as UdpRecord;
        // The fixture's UDP checksums are partial (captured with offload); rewriting recomputes them.
        assert.ok(udp.checksumStatus === 'good', `frame ${f.number}: udp checksum ${udp.checksumStatus}`);
        assert.notEqual(udp.srcport, 4500);
        assert.deepEqual([...f.data.subarray(0, 6)], [2, 0, 0, 0, 0, 0x99]);
        assert.deepEqual(checksumsOk(f.data).ip, true);
        assert.equal(checksumsOk(f.data).udp, true);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
