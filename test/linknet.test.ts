/**
 * Link and network layers: Ethernet/VLAN, SLL v1/v2, NULL/LOOP, raw IP,
 * IPv4, IPv6 (+ extension headers), TCP, ICMP/ICMPv6 and IP reassembly.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { hexToBytes, formatIPv4 } from '../src/core/bytes.js';
import { findAll, fieldText } from '../src/core/tree.js';
import type { Frame } from '../src/capture/types.js';
import { DEFAULT_PREFS, type DissectContext, type DissectResult, type Dissector, type FragmentInfo, type Layer } from '../src/dissect/layer.js';
import { PacketDissector, packetTree, type Packet } from '../src/dissect/packet.js';
import { internetChecksum, pseudoHeaderSum } from '../src/dissect/checksum.js';
import { fieldRegistry, allNoteDefs } from '../src/dissect/registry.js';
import { dissectEthernet, dissectVlan, type EthernetRecord, type VlanRecord } from '../src/dissect/link/ethernet.js';
import { dissectSll, dissectSll2, type SllRecord } from '../src/dissect/link/sll.js';
import { dissectNull, dissectLoop, type NullRecord } from '../src/dissect/link/null.js';
import { dissectRawIp, dissectRawIpv4, dissectRawIpv6 } from '../src/dissect/link/raw.js';
import { dissectIpv4, type Ipv4Record } from '../src/dissect/ipv4.js';
import { dissectIpv6, type Ipv6Record } from '../src/dissect/ipv6.js';
import { dissectTcp, type TcpRecord } from '../src/dissect/tcp.js';
import { dissectIcmp, dissectIcmpv6, type IcmpRecord } from '../src/dissect/icmp.js';
import { IpReassembler, type FragmentsRecord } from '../src/dissect/reassembly.js';

// ------------------------------------------------------------ helpers ----

/** UDP payloads stay data: these tests must not depend on the ISAKMP / NAT-T dissectors. */
const NO_IKE = { ...DEFAULT_PREFS, ikePorts: new Set<number>(), nattPorts: new Set<number>() };

function mkFrame(data: Uint8Array, linkType = 1, number = 1, origLen = data.length): Frame {
  return { number, tsSec: 1_700_000_000 + number, tsNsec: 0, linkType, caplen: data.length, origLen, data, interfaceId: 0, fileOffset: 0 };
}

function ctxFor(data: Uint8Array, prefs = DEFAULT_PREFS, ip?: DissectContext['ip']): DissectContext {
  return ip ? { frame: mkFrame(data), prefs, ip } : { frame: mkFrame(data), prefs };
}

function run<R>(d: Dissector<R>, data: Uint8Array, offset = 0, end = data.length, ctx = ctxFor(data)): DissectResult<R> {
  return d(ctx, 0, data, offset, end);
}

function rec<R>(res: DissectResult<unknown>): R {
  assert.ok(res.layer, 'a layer');
  return res.layer.record as R;
}

function noteIds(l: Layer | undefined): string[] {
  return l ? l.notes.map((n) => n.def.id) : [];
}

function cat(...parts: (Uint8Array | string)[]): Uint8Array {
  const bs = parts.map((p) => (typeof p === 'string' ? hexToBytes(p) : p));
  const out = new Uint8Array(bs.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of bs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function ip4(s: string): Uint8Array {
  return Uint8Array.from(s.split('.').map(Number));
}

/** An IPv4 header with a correct checksum (RFC 791). */
function ipv4Header(o: { len: number; id?: number; flags?: number; fragOffset?: number; ttl?: number; proto: number; src?: string; dst?: string; options?: Uint8Array }): Uint8Array {
  const optLen = o.options?.length ?? 0;
  const h = new Uint8Array(20 + optLen);
  h[0] = 0x40 | ((20 + optLen) >>> 2);
  h[2] = o.len >>> 8;
  h[3] = o.len & 0xff;
  const id = o.id ?? 0x1234;
  h[4] = id >>> 8;
  h[5] = id & 0xff;
  const ff = ((o.flags ?? 0) << 13) | (o.fragOffset ?? 0);
  h[6] = ff >>> 8;
  h[7] = ff & 0xff;
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(ip4(o.src ?? '10.0.0.1'), 12);
  h.set(ip4(o.dst ?? '10.0.0.2'), 16);
  if (o.options) h.set(o.options, 20);
  const c = internetChecksum(h, 0, h.length);
  h[10] = c >>> 8;
  h[11] = c & 0xff;
  return h;
}

function udp(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u[0] = sport >>> 8;
  u[1] = sport & 0xff;
  u[2] = dport >>> 8;
  u[3] = dport & 0xff;
  u[4] = u.length >>> 8;
  u[5] = u.length & 0xff;
  u.set(payload, 8);
  return u;
}

const ETH_HDR = '0050568a0b0c001122334455';

/**
 * A real Ethernet / IPv4 / UDP 500 → 500 frame: 192.168.1.1 → 192.168.1.2,
 * id 0x1c46, DF, TTL 64; IP checksum 0x9b17 and UDP checksum 0x8761 computed
 * by hand (RFC 1071) over a 32-byte payload 00 01 … 1f.
 */
const ETH_IP_UDP = cat(ETH_HDR, '0800', '4500003c1c46400040119b17c0a80101c0a80102', '01f401f400288761', Uint8Array.from({ length: 32 }, (_, i) => i));

// --------------------------------------------------------- Ethernet ----

describe('Ethernet', () => {
  test('Ethernet II header fields and next hint', () => {
    const res = run(dissectEthernet, ETH_IP_UDP);
    const r = rec<EthernetRecord>(res);
    assert.equal(r.addresses, true);
    const l = res.layer!;
    const t = l.spec.tree(r, l as never);
    const val = (id: string) => [...(t.find((n) => n.field.id === id)!.value as Uint8Array)];
    assert.deepEqual(val('eth.dst'), [0x00, 0x50, 0x56, 0x8a, 0x0b, 0x0c]);
    assert.deepEqual(val('eth.src'), [0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    assert.equal(r.type, 0x0800);
    assert.equal(r.kind, 'ethertype');
    assert.equal(res.layer!.length, 14);
    assert.deepEqual(res.next, { by: 'ethertype', key: 0x0800, offset: 14, end: ETH_IP_UDP.length });
    assert.deepEqual(noteIds(res.layer), []);
  });

  test('802.3 length frame goes to data, padding excluded', () => {
    const f = cat(ETH_HDR, '0006', 'aaaa03000000', '00000000');
    const res = run(dissectEthernet, f);
    assert.equal(rec<EthernetRecord>(res).kind, 'length');
    assert.deepEqual(res.next, { by: 'data', key: 0, offset: 14, end: 20 });
  });

  test('whole pipeline: eth:ip:udp with good IP checksum, Ethernet padding excluded', () => {
    // Minimum-size frame: IP says 28 bytes, the frame has padding up to 60.
    const ip = ipv4Header({ len: 28, proto: 17 });
    const u = udp(1234, 5678, new Uint8Array(0));
    const f = cat(ETH_HDR, '0800', ip, u, new Uint8Array(60 - 14 - 28));
    const p = new PacketDissector().dissect(mkFrame(f));
    assert.deepEqual(p.layers.map((l) => l.spec.id), ['frame', 'eth', 'ip', 'udp']);
    const ipr = p.layers[2]!.record as Ipv4Record;
    assert.equal(ipr.checksumStatus, 'good');
    assert.equal(ipr.payloadEnd, 14 + 28);
    assert.equal(p.summary.src, '10.0.0.1');
    assert.equal(p.summary.dst, '10.0.0.2');
    assert.equal(p.summary.protocol, 'UDP');
  });
});

describe('VLAN', () => {
  test('QinQ: 802.1ad outer tag, 802.1Q inner tag, IPv4', () => {
    // S-tag PCP 5 DEI 1 VID 100 (0xb064), C-tag PCP 0 VID 42 (0x002a).
    const ip = ipv4Header({ len: 28, proto: 17 });
    const f = cat(ETH_HDR, '88a8', 'b064', '8100', '002a', '0800', ip, udp(1, 2, new Uint8Array(0)));
    const outer = run(dissectVlan, f, 14);
    const o = rec<VlanRecord>(outer);
    assert.deepEqual({ tpid: o.tpid, priority: o.priority, dei: o.dei, id: o.id, etype: o.etype }, { tpid: 0x88a8, priority: 5, dei: true, id: 100, etype: 0x8100 });
    assert.equal(outer.layer!.offset, 14);
    assert.equal(outer.layer!.length, 4);
    assert.deepEqual(outer.next, { by: 'ethertype', key: 0x8100, offset: 18, end: f.length });
    const inner = rec<VlanRecord>(run(dissectVlan, f, 18));
    assert.deepEqual({ tpid: inner.tpid, priority: inner.priority, dei: inner.dei, id: inner.id, etype: inner.etype }, { tpid: 0x8100, priority: 0, dei: false, id: 42, etype: 0x0800 });

    const p = new PacketDissector().dissect(mkFrame(f));
    assert.deepEqual(p.layers.map((l) => l.spec.id), ['frame', 'eth', 'vlan', 'vlan', 'ip', 'udp']);
    const tree = packetTree(p);
    assert.deepEqual(findAll(tree, 'vlan.id').map((n) => n.value), [100, 42]);
    assert.deepEqual(findAll(tree, 'vlan.etype').map((n) => n.value), [0x8100, 0x0800]);
  });

  test('old 0x9100 QinQ TPID chains too', () => {
    const f = cat(ETH_HDR, '9100', '0064', '8100', '0065', '86dd');
    const p = new PacketDissector().dissect(mkFrame(f));
    assert.deepEqual(p.layers.map((l) => l.spec.id).slice(0, 4), ['frame', 'eth', 'vlan', 'vlan']);
  });
});

// -------------------------------------------------------------- SLL ----

describe('Linux cooked capture', () => {
  test('SLL v1 header', () => {
    // Outgoing (4), ARPHRD_ETHER (1), halen 6, MAC + 2 bytes unused, IPv4.
    const f = cat('0004', '0001', '0006', '001122334455', '0000', '0800', ipv4Header({ len: 20, proto: 59 }));
    const res = run(dissectSll, f);
    const r = rec<SllRecord>(res);
    assert.equal(r.version, 1);
    assert.equal(r.pkttype, 4);
    assert.equal(r.hatype, 1);
    assert.equal(r.halen, 6);
    assert.deepEqual([...r.addr!], [0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    assert.equal(r.addrOffset, 6);
    assert.equal(r.protocol, 0x0800);
    assert.equal(r.protocolOffset, 14);
    assert.deepEqual(res.next, { by: 'ethertype', key: 0x0800, offset: 16, end: f.length });
    const p = new PacketDissector().dissect(mkFrame(f, 113));
    const tree = packetTree(p);
    assert.equal(fieldText(findAll(tree, 'sll.src.eth')[0]!.field, findAll(tree, 'sll.src.eth')[0]!.value), '00:11:22:33:44:55');
    assert.equal(findAll(tree, 'sll.etype')[0]!.offset, 14);
    assert.deepEqual(p.layers.map((l) => l.spec.id), ['frame', 'sll', 'ip']);
  });

  test('SLL v2 header', () => {
    // Protocol IPv6, reserved 0, ifindex 3, ARPHRD_ETHER, host (0), halen 6.
    const f = cat('86dd', '0000', '00000003', '0001', '00', '06', 'a0b0c0d0e0f0', '0000');
    const res = run(dissectSll2, f);
    const r = rec<SllRecord>(res);
    assert.deepEqual(
      { v: r.version, p: r.protocol, res: r.reserved, ifi: r.ifindex, ha: r.hatype, pt: r.pkttype, hl: r.halen, ao: r.addrOffset },
      { v: 2, p: 0x86dd, res: 0, ifi: 3, ha: 1, pt: 0, hl: 6, ao: 12 },
    );
    assert.deepEqual(res.next, { by: 'ethertype', key: 0x86dd, offset: 20, end: 20 });
    assert.equal(res.layer!.length, 20);
  });

  test('SLL ETH_P_802_2 pseudo-protocol goes to data', () => {
    const f = cat('0000', '0001', '0006', '001122334455', '0000', '0004', 'aaaa03');
    assert.equal(run(dissectSll, f).next!.by, 'data');
  });
});

// ------------------------------------------------------------- NULL ----

describe('NULL / LOOP', () => {
  const ip = ipv4Header({ len: 20, proto: 59 });
  test('little-endian AF_INET', () => {
    const res = run(dissectNull, cat('02000000', ip));
    const r = rec<NullRecord>(res);
    assert.equal(r.family, 2);
    assert.equal(r.byteOrder, 'little');
    assert.deepEqual(res.next, { by: 'ethertype', key: 0x0800, offset: 4, end: 24 });
  });
  test('big-endian AF_INET6 (Darwin 30, FreeBSD 28, BSD 24)', () => {
    for (const af of [24, 28, 30]) {
      const res = run(dissectNull, cat(`000000${af.toString(16).padStart(2, '0')}`));
      assert.equal(rec<NullRecord>(res).byteOrder, 'big');
      assert.equal(rec<NullRecord>(res).family, af);
      assert.equal(res.next!.key, 0x86dd);
    }
  });
  test('little-endian AF_INET6 = 30', () => {
    const res = run(dissectNull, hexToBytes('1e000000'));
    assert.equal(rec<NullRecord>(res).family, 30);
    assert.equal(res.next!.key, 0x86dd);
  });
  test('LOOP (108) is always big-endian', () => {
    const res = run(dissectLoop, cat('00000002', ip));
    assert.equal(rec<NullRecord>(res).family, 2);
    assert.equal(res.next!.key, 0x0800);
  });
  test('unknown family → data with a note', () => {
    const res = run(dissectNull, hexToBytes('07000000abcd'));
    assert.equal(res.next!.by, 'data');
    assert.deepEqual(noteIds(res.layer), ['null.family.unknown']);
  });
  test('through the pipeline', () => {
    const p = new PacketDissector().dissect(mkFrame(cat('02000000', ip), 0));
    assert.deepEqual(p.layers.map((l) => l.spec.id), ['frame', 'null', 'ip']);
  });
});

// -------------------------------------------------------------- raw ----

describe('raw IP link types', () => {
  const v4 = ipv4Header({ len: 20, proto: 59 });
  const v6 = cat('60000000', '0000', '3b', '40', '20010db8000000000000000000000001', '20010db8000000000000000000000002');
  test('101/12/14 dispatch on the version nibble, no layer of their own', () => {
    assert.deepEqual(run(dissectRawIp, v4), { next: { by: 'ethertype', key: 0x0800, offset: 0, end: 20 } });
    assert.deepEqual(run(dissectRawIp, v6), { next: { by: 'ethertype', key: 0x86dd, offset: 0, end: 40 } });
    assert.equal(run(dissectRawIp, hexToBytes('50')).next!.by, 'data');
    assert.equal(run(dissectRawIp, new Uint8Array(0)).next!.by, 'data');
    for (const lt of [12, 14, 101]) {
      const p = new PacketDissector().dissect(mkFrame(v6, lt));
      assert.deepEqual(p.layers.map((l) => l.spec.id), ['frame', 'ipv6']);
    }
  });
  test('228 / 229', () => {
    assert.equal(run(dissectRawIpv4, v4).next!.key, 0x0800);
    assert.equal(run(dissectRawIpv6, v6).next!.key, 0x86dd);
    assert.deepEqual(new PacketDissector().dissect(mkFrame(v4, 228)).layers.map((l) => l.spec.id), ['frame', 'ip']);
  });
});

// ------------------------------------------------------------- IPv4 ----

describe('IPv4', () => {
  test('header fields, offsets and next hint of the real frame', () => {
    const res = run(dissectIpv4, ETH_IP_UDP, 14);
    const r = rec<Ipv4Record>(res);
    assert.equal(r.version, 4);
    assert.equal(r.hdrLen, 20);
    assert.equal(r.dsfield, 0);
    assert.equal(r.totalLength, 60);
    assert.equal(r.id, 0x1c46);
    assert.equal(r.flags, 0x40);
    assert.equal(r.fragOffset, 0);
    assert.equal(r.ttl, 64);
    assert.equal(r.proto, 17);
    assert.equal(r.checksum, 0x9b17);
    assert.equal(r.checksumStatus, 'good');
    assert.equal(formatIPv4(r.src!), '192.168.1.1');
    assert.equal(formatIPv4(r.dst!), '192.168.1.2');
    assert.equal(res.layer!.offset, 14);
    assert.equal(res.layer!.length, 20);
    const n = res.next!;
    assert.equal(n.by, 'ipproto');
    assert.equal(n.key, 17);
    assert.equal(n.offset, 34);
    assert.equal(n.end, 74);
    assert.equal(n.fragment, undefined);
    assert.equal(n.ip!.family, 4);
    assert.deepEqual([...n.ip!.src], [192, 168, 1, 1]);
    assert.deepEqual(noteIds(res.layer), []);

    // Tree offsets are absolute in the frame.
    const p = new PacketDissector().dissect(mkFrame(ETH_IP_UDP));
    const tree = packetTree(p);
    assert.equal(findAll(tree, 'ip.src')[0]!.offset, 26);
    assert.equal(findAll(tree, 'ip.checksum')[0]!.offset, 24);
    assert.equal(findAll(tree, 'ip.flags.df')[0]!.value, true);
    assert.equal(findAll(tree, 'udp.srcport')[0]!.value, 500);
    assert.deepEqual(p.layers.map((l) => l.spec.id).slice(0, 4), ['frame', 'eth', 'ip', 'udp']);
  });

  test('bad checksum note (and none when checking is off)', () => {
    const f = ETH_IP_UDP.slice();
    f[14 + 11] ^= 0xff;
    const bad = run(dissectIpv4, f, 14);
    assert.equal(rec<Ipv4Record>(bad).checksumStatus, 'bad');
    assert.deepEqual(noteIds(bad.layer), ['ip.checksum.bad']);
    assert.match(bad.layer!.notes[0]!.message, /should be 0x9b17/);
    const off = run(dissectIpv4, f, 14, f.length, ctxFor(f, { ...DEFAULT_PREFS, checkIpChecksum: false }));
    assert.equal(rec<Ipv4Record>(off).checksumStatus, 'unverified');
    assert.deepEqual(noteIds(off.layer), []);
  });

  test('malformed IHL, short total length, total length past the end', () => {
    const h = ipv4Header({ len: 20, proto: 17 });
    const ihl = h.slice();
    ihl[0] = 0x44;
    const r1 = run(dissectIpv4, ihl);
    assert.ok(noteIds(r1.layer).includes('ip.bogus_header_length'));
    assert.equal(r1.next, undefined);

    const short = ipv4Header({ len: 12, proto: 17 });
    const r2 = run(dissectIpv4, short);
    assert.ok(noteIds(r2.layer).includes('ip.bogus_ip_length'));
    assert.equal(r2.next, undefined);

    const long = cat(ipv4Header({ len: 100, proto: 17 }), udp(1, 2, new Uint8Array(4)));
    const r3 = run(dissectIpv4, long);
    assert.deepEqual(noteIds(r3.layer), ['ip.len.past_end']);
    assert.equal(r3.next!.end, long.length);

    const v6 = h.slice();
    v6[0] = 0x65;
    assert.deepEqual(noteIds(run(dissectIpv4, v6).layer), ['ip.bogus_ip_version']);
  });

  test('options: NOP, Router Alert, EOL', () => {
    const h = ipv4Header({ len: 28, proto: 17, options: hexToBytes('0194040000000000') });
    const r = rec<Ipv4Record>(run(dissectIpv4, h));
    assert.equal(r.hdrLen, 28);
    assert.equal(r.checksumStatus, 'good');
    assert.deepEqual(r.options!.map((o) => [o.offset, o.type, o.length]), [[20, 1, 1], [21, 148, 4], [25, 0, 3]]);
    const bad = ipv4Header({ len: 24, proto: 17, options: hexToBytes('44080000') });
    assert.deepEqual(noteIds(run(dissectIpv4, bad).layer), ['ip.opt.len.invalid']);
  });

  test('fragment hint', () => {
    const h = ipv4Header({ len: 28, proto: 17, id: 0xabcd, flags: 1, fragOffset: 185, src: '1.2.3.4', dst: '5.6.7.8' });
    const res = run(dissectIpv4, cat(h, new Uint8Array(8)));
    assert.deepEqual(res.next!.fragment, { family: 4, key: '1.2.3.4|5.6.7.8|43981|17', fragOffset: 1480, more: true });
  });
});

// ------------------------------------------------------------- IPv6 ----

const V6_SRC = '20010db8000000000000000000000001';
const V6_DST = '20010db8000000000000000000000002';

describe('IPv6', () => {
  // Hop-by-hop (Router Alert + PadN) → fragment header (offset 0, M=1, id 0x12345678) → UDP.
  const hbh = '2c00' + '05020000' + '0100';
  const frag = '11000001' + '12345678';
  const payload = udp(500, 500, new Uint8Array(8));
  const pkt = cat('6e012345', (16 + payload.length).toString(16).padStart(4, '0'), '00', '40', V6_SRC, V6_DST, hbh, frag, payload);

  test('fixed header fields', () => {
    const res = run(dissectIpv6, pkt);
    const r = rec<Ipv6Record>(res);
    assert.equal(r.version, 6);
    assert.equal(r.tclass, 0xe0);
    assert.equal(r.flow, 0x12345);
    assert.equal(r.plen, 32);
    assert.equal(r.nxt, 0);
    assert.equal(r.hlim, 64);
    assert.deepEqual(noteIds(res.layer), []);
  });

  test('hop-by-hop + fragment headers walked in order', () => {
    const res = run(dissectIpv6, pkt);
    const r = rec<Ipv6Record>(res);
    assert.equal(r.ext!.length, 2);
    const [h, f] = r.ext!;
    assert.deepEqual({ t: h!.type, o: h!.offset, l: h!.length, n: h!.nxt }, { t: 0, o: 40, l: 8, n: 44 });
    assert.deepEqual(h!.options!.map((o) => [o.offset, o.type, o.length]), [[42, 5, 2], [46, 1, 0]]);
    assert.deepEqual({ t: f!.type, o: f!.offset, n: f!.nxt, off: f!.fragOffset, m: f!.more, id: f!.fragId }, { t: 44, o: 48, n: 17, off: 0, m: true, id: 0x12345678 });
    assert.equal(res.layer!.length, 56);
    const n = res.next!;
    assert.equal(n.key, 17);
    assert.equal(n.offset, 56);
    assert.equal(n.end, pkt.length);
    assert.deepEqual(n.fragment, { family: 6, key: '2001:db8::1|2001:db8::2|305419896', fragOffset: 0, more: true });
    assert.equal(n.ip!.family, 6);
    const tree = packetTree(new PacketDissector({ reassemble: false }).dissect(mkFrame(pkt, 229)));
    assert.equal(findAll(tree, 'ipv6.fraghdr.ident')[0]!.offset, 52);
    assert.equal(findAll(tree, 'ipv6.hopopts.nxt')[0]!.value, 44);
  });

  test('atomic fragment keeps walking; ESP ends the walk', () => {
    const atomic = cat('60000000', '0010', '2c', '40', V6_SRC, V6_DST, '3c000000' + '00000001', '32000000' + '00000000');
    const res = run(dissectIpv6, atomic);
    assert.equal(res.next!.fragment, undefined);
    assert.equal(res.next!.key, 50);
    assert.equal(res.next!.offset, 56);
  });

  test('extension header longer than the packet → malformed note, stop', () => {
    const bad = cat('60000000', '0008', '3c', '40', V6_SRC, V6_DST, '11050000' + '00000000');
    const res = run(dissectIpv6, bad);
    assert.deepEqual(noteIds(res.layer), ['ipv6.ext.past_end']);
    assert.equal(res.next, undefined);
    assert.equal(rec<Ipv6Record>(res).ext![0]!.overrun, true);
  });
});

// -------------------------------------------------------------- TCP ----

describe('TCP', () => {
  test('SYN/ACK with options, summary like tshark', () => {
    const seg = hexToBytes('c35001bb' + '00000064' + '000003e8' + '7012' + 'faf0' + '0000' + '0000' + '020405b40101040200000000');
    const res = run(dissectTcp, seg);
    const r = rec<TcpRecord>(res);
    assert.deepEqual(
      { s: r.srcport, d: r.dstport, seq: r.seq, ack: r.ack, hl: r.hdrLen, f: r.flags, w: r.window, len: r.len },
      { s: 50000, d: 443, seq: 100, ack: 1000, hl: 28, f: 0x012, w: 64240, len: 4 },
    );
    assert.equal(r.options!.length, 8);
    assert.deepEqual(res.next, { by: 'data', key: 0, offset: 28, end: 32 });
    const s = { src: '', dst: '', protocol: '', info: '' };
    res.layer!.spec.summarize!(r, s, res.layer!);
    assert.equal(s.info, '50000 → 443 [SYN, ACK] Seq=100 Ack=1000 Win=64240 Len=4');
    const tree = res.layer!.spec.tree(r, res.layer!);
    assert.equal(findAll(tree, 'tcp.flags.syn')[0]!.value, true);
    assert.equal(findAll(tree, 'tcp.flags.fin')[0]!.value, false);
  });

  test('checksum verified when enabled', () => {
    const ip = { family: 4 as const, src: ip4('10.0.0.1'), dst: ip4('10.0.0.2') };
    const seg = hexToBytes('04d20050' + '00000001' + '00000000' + '5002' + '1000' + '0000' + '0000');
    const c = internetChecksum(seg, 0, seg.length, pseudoHeaderSum(ip, 6, seg.length));
    seg[16] = c >>> 8;
    seg[17] = c & 0xff;
    const prefs = { ...DEFAULT_PREFS, checkL4Checksum: true };
    assert.equal(rec<TcpRecord>(run(dissectTcp, seg, 0, seg.length, ctxFor(seg, prefs, ip))).checksumStatus, 'good');
    seg[17] ^= 1;
    const bad = run(dissectTcp, seg, 0, seg.length, ctxFor(seg, prefs, ip));
    assert.equal(rec<TcpRecord>(bad).checksumStatus, 'bad');
    assert.deepEqual(noteIds(bad.layer), ['tcp.checksum.bad']);
  });
});

// ------------------------------------------------------------- ICMP ----

describe('ICMP', () => {
  test('echo request through the pipeline: info like tshark, checksum good', () => {
    const body = cat('0800', '0000', '0001', '0001', 'abcdabcd');
    const c = internetChecksum(body, 0, body.length);
    body[2] = c >>> 8;
    body[3] = c & 0xff;
    const f = cat(ipv4Header({ len: 20 + body.length, proto: 1, ttl: 64 }), body);
    const p = new PacketDissector().dissect(mkFrame(f, 228));
    const l = p.layers.find((x) => x.spec.id === 'icmp')!;
    const r = l.record as IcmpRecord;
    assert.equal(r.checksumStatus, 'good');
    assert.equal(r.ident, 1);
    assert.equal(r.seq, 1);
    assert.equal(p.summary.info, 'Echo (ping) request  id=0x0001, seq=1/256, ttl=64');
    assert.equal(p.summary.protocol, 'ICMP');
  });

  test('destination unreachable: code text, quoted datagram as data, bad checksum note', () => {
    const msg = cat('0303', '1234', '00000000', ipv4Header({ len: 28, proto: 17 }), '0001000200080000');
    const res = run(dissectIcmp, msg);
    const r = rec<IcmpRecord>(res);
    assert.equal(r.type, 3);
    assert.equal(r.code, 3);
    assert.deepEqual(noteIds(res.layer), ['icmp.checksum_bad']);
    assert.deepEqual(res.next, { by: 'data', key: 1, offset: 8, end: msg.length });
    const s = { src: '', dst: '', protocol: '', info: '' };
    res.layer!.spec.summarize!(r, s, res.layer!);
    assert.equal(s.info, 'Destination unreachable (Port unreachable)');
  });

  test('ICMPv6 echo and neighbor solicitation with pseudo-header checksum', () => {
    const ip = { family: 6 as const, src: hexToBytes(V6_SRC), dst: hexToBytes(V6_DST), ttl: 64 };
    const echo = hexToBytes('80000000' + '00070003');
    const c = internetChecksum(echo, 0, echo.length, pseudoHeaderSum(ip, 58, echo.length));
    echo[2] = c >>> 8;
    echo[3] = c & 0xff;
    const res = run(dissectIcmpv6, echo, 0, echo.length, ctxFor(echo, DEFAULT_PREFS, ip));
    const r = rec<IcmpRecord>(res);
    assert.equal(r.checksumStatus, 'good');
    const s = { src: '', dst: '', protocol: '', info: '' };
    res.layer!.spec.summarize!(r, s, res.layer!);
    assert.equal(s.info, 'Echo (ping) request id=0x0007, seq=3, hop limit=64');
    const ns = hexToBytes('87000000' + '00000000' + 'fe800000000000000000000000000001');
    const nr = rec<IcmpRecord>(run(dissectIcmpv6, ns, 0, ns.length, ctxFor(ns, DEFAULT_PREFS, ip)));
    const s2 = { src: '', dst: '', protocol: '', info: '' };
    res.layer!.spec.summarize!(nr, s2, res.layer!);
    assert.equal(s2.info, 'Neighbor Solicitation for fe80::1');
  });
});

// ------------------------------------------------------- truncation ----

describe('truncation never throws and is flagged', () => {
  const v6 = cat('60000000', '0020', '00', '40', V6_SRC, V6_DST, '2c00050200000100', '1100000112345678', udp(1, 2, new Uint8Array(8)));
  const icmp = cat(ipv4Header({ len: 28, proto: 1 }), '0800f7fd00010001');
  const tcp = cat(ipv4Header({ len: 40, proto: 6 }), '04d2005000000001000000005002100000000000');
  const cases: [string, number, Uint8Array][] = [
    ['eth/ip/udp', 1, ETH_IP_UDP],
    ['eth/qinq/ip/udp', 1, cat(ETH_HDR, '88a8', 'b064', '8100', '002a', '0800', ipv4Header({ len: 28, proto: 17 }), udp(1, 2, new Uint8Array(0)))],
    ['sll/ip/tcp', 113, cat('0004000100060011223344550000', '0800', tcp)],
    ['sll2/ipv6', 276, cat('86dd', '0000', '00000003', '0001', '00', '06', '0011223344556677', v6)],
    ['null/ip/icmp', 0, cat('02000000', icmp)],
    ['raw/ipv6 ext', 229, v6],
  ];
  for (const [name, lt, full] of cases) {
    test(name, () => {
      // The full packet is clean.
      const whole = new PacketDissector({ prefs: NO_IKE }).dissect(mkFrame(full, lt));
      assert.ok(!whole.summary.info.includes('[Malformed Packet]'), `${name}: clean when whole (${whole.summary.info})`);
      for (let n = 0; n < full.length; n++) {
        const data = full.slice(0, n);
        let p: Packet | undefined;
        assert.doesNotThrow(() => {
          p = new PacketDissector({ prefs: NO_IKE }).dissect(mkFrame(data, lt));
          packetTree(p);
        }, `${name} cut at ${n}`);
        const malformed = p!.layers.some((l) => l.notes.some((x) => x.def.group === 'malformed' && x.def.severity === 'error'));
        assert.ok(malformed, `${name} cut at ${n}: a malformed note (${p!.layers.map((l) => l.spec.id).join(':')})`);
      }
    });
  }

  test('every dissector on random bytes', () => {
    const ds: Dissector<unknown>[] = [dissectEthernet, dissectVlan, dissectSll, dissectSll2, dissectNull, dissectLoop, dissectRawIp, dissectIpv4, dissectIpv6, dissectTcp, dissectIcmp, dissectIcmpv6] as Dissector<unknown>[];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 0xff;
    for (let i = 0; i < 400; i++) {
      const b = Uint8Array.from({ length: i % 90 }, rnd);
      if (b.length > 0 && i % 3 === 0) b[0] = 0x45;
      if (b.length > 0 && i % 3 === 1) b[0] = 0x60;
      for (const d of ds) {
        const res = d(ctxFor(b), 0, b, 0, b.length);
        if (res.layer) res.layer.spec.tree(res.layer.record, res.layer);
      }
      for (const lt of [0, 1, 101, 113, 276]) packetTree(new PacketDissector().dissect(mkFrame(b, lt)));
    }
  });
});

// ------------------------------------------------------- reassembly ----

describe('IP reassembly', () => {
  const fi = (fragOffset: number, more: boolean, key = 'k'): FragmentInfo => ({ family: 4, key, fragOffset, more });
  const data = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
  const part = (a: number, b: number) => data.subarray(a, b);

  test('in order', () => {
    const r = new IpReassembler();
    assert.deepEqual(r.add(1, fi(0, true), 17, part(0, 16)), { complete: false, count: 1 });
    assert.deepEqual(r.add(2, fi(16, true), 17, part(16, 32)), { complete: false, count: 2 });
    const out = r.add(3, fi(32, false), 17, part(32, 40));
    assert.ok(out.complete);
    assert.deepEqual([...out.bytes], [...data]);
    assert.deepEqual(out.frames, [1, 2, 3]);
    const l = out.describe!(1);
    assert.equal(l.source, 1);
    assert.equal(l.spec.id, 'ip.fragments');
    const rec = l.record as FragmentsRecord;
    assert.deepEqual(rec.fragments.map((f) => [f.frame, f.offset, f.length]), [[1, 0, 16], [2, 16, 16], [3, 32, 8]]);
    assert.equal(rec.overlap, false);
    const tree = l.spec.tree(rec, l);
    assert.equal(findAll(tree, 'ip.fragment').length, 3);
    assert.equal(findAll(tree, 'ip.fragment.count')[0]!.value, 3);
    assert.equal(findAll(tree, 'ip.reassembled.length')[0]!.value, 40);
    assert.equal(r.pendingCount, 0);
  });

  test('out of order, last first', () => {
    const r = new IpReassembler();
    assert.equal(r.add(1, fi(32, false), 17, part(32, 40)).complete, false);
    assert.equal(r.add(2, fi(0, true), 17, part(0, 16)).complete, false);
    const out = r.add(3, fi(16, true), 17, part(16, 32));
    assert.ok(out.complete);
    assert.deepEqual([...out.bytes], [...data]);
    assert.deepEqual(out.frames, [2, 3, 1]);
  });

  test('duplicate fragment is harmless (overlap, no conflict)', () => {
    const r = new IpReassembler();
    r.add(1, fi(0, true), 17, part(0, 16));
    r.add(2, fi(0, true), 17, part(0, 16));
    const out = r.add(3, fi(16, false), 17, part(16, 40));
    assert.ok(out.complete);
    assert.deepEqual([...out.bytes], [...data]);
    const rec = out.describe!(1).record as FragmentsRecord;
    assert.equal(rec.fragments.length, 3);
    assert.equal(rec.overlap, true);
    assert.equal(rec.conflict, false);
    assert.deepEqual(out.describe!(1).notes, []);
  });

  test('overlap with different data: first received wins, flagged', () => {
    const r = new IpReassembler();
    r.add(1, fi(0, true), 17, part(0, 24));
    const evil = new Uint8Array(16).fill(0xee);
    r.add(2, fi(16, true), 17, evil); // bytes 16..31: 16..23 conflict with frame 1
    const out = r.add(3, fi(32, false), 17, part(32, 40));
    assert.ok(out.complete);
    const expect = [...data.subarray(0, 24), ...new Array(8).fill(0xee), ...data.subarray(32, 40)];
    assert.deepEqual([...out.bytes], expect);
    const l = out.describe!(1);
    assert.equal((l.record as FragmentsRecord).conflict, true);
    assert.deepEqual(noteIds(l), ['ip.reassembly.overlap_conflict']);
    assert.equal(findAll(l.spec.tree(l.record, l), 'ip.fragment.overlap')[0]!.value, true);
  });

  test('missing last fragment never completes; expiry drops it', () => {
    const r = new IpReassembler({ maxAgeFrames: 10 });
    r.add(1, fi(0, true), 17, part(0, 16));
    assert.equal(r.add(2, fi(16, true), 17, part(16, 32)).complete, false);
    assert.equal(r.pendingCount, 1);
    // 11 frames later the first fragment's datagram is gone: the tail alone does not complete it.
    assert.deepEqual(r.add(20, fi(32, false), 17, part(32, 40)), { complete: false, count: 1 });
    assert.equal(r.pendingCount, 1);
  });

  test('bounded: oldest pending dropped, oversize fragments refused', () => {
    const r = new IpReassembler({ maxPending: 2 });
    r.add(1, fi(0, true, 'a'), 17, part(0, 8));
    r.add(2, fi(0, true, 'b'), 17, part(0, 8));
    r.add(3, fi(0, true, 'c'), 17, part(0, 8));
    assert.equal(r.pendingCount, 2);
    assert.equal(r.add(4, fi(8, false, 'a'), 17, part(8, 16)).complete, false, 'a was dropped');
    assert.equal(r.add(5, fi(8, false, 'c'), 17, part(8, 16)).complete, true);
    const big = new IpReassembler();
    assert.deepEqual(big.add(1, fi(65528, false), 17, new Uint8Array(100)), { complete: false, count: 0 });
  });

  test('IPv6 uses ipv6.* names', () => {
    const r = new IpReassembler();
    r.add(1, { family: 6, key: 'x', fragOffset: 0, more: true }, 17, part(0, 8));
    const out = r.add(2, { family: 6, key: 'x', fragOffset: 8, more: false }, 17, part(8, 16));
    assert.ok(out.complete);
    const l = out.describe!(1);
    assert.equal(l.spec.id, 'ipv6.fragments');
    assert.equal(findAll(l.spec.tree(l.record, l), 'ipv6.fragment').length, 2);
  });

  test('end to end: 3-fragment IPv4 UDP datagram reassembled on the last fragment', () => {
    const payload = Uint8Array.from({ length: 3000 - 8 }, (_, i) => i & 0xff);
    const dgram = udp(500, 500, payload); // 3000 bytes of IP payload
    const id = 0x4242;
    const pieces: [number, number, boolean][] = [[0, 1480, true], [1480, 2960, true], [2960, 3000, false]];
    const frames = pieces.map(([a, b, more], i) =>
      mkFrame(cat(ETH_HDR, '0800', ipv4Header({ len: 20 + b - a, id, proto: 17, flags: more ? 1 : 0, fragOffset: a / 8 }), dgram.subarray(a, b)), 1, i + 1),
    );
    const pd = new PacketDissector({ prefs: NO_IKE });
    const p1 = pd.dissect(frames[0]!);
    const p2 = pd.dissect(frames[1]!);
    assert.equal(p1.sources.length, 1);
    assert.equal(p2.sources.length, 1);
    assert.match(p1.summary.info, /^Fragmented IP protocol \(proto=UDP 17, off=0, ID=4242\)/);
    assert.deepEqual(p2.layers.map((l) => l.spec.id), ['frame', 'eth', 'ip', 'data']);
    const p3 = pd.dissect(frames[2]!);
    assert.equal(p3.sources.length, 2);
    assert.deepEqual([...p3.sources[1]!.bytes], [...dgram]);
    const u = p3.layers.find((l) => l.spec.id === 'udp');
    assert.ok(u);
    assert.equal(u.source, 1);
    assert.equal(u.offset, 0);
    const frag = p3.layers.find((l) => l.spec.id === 'ip.fragments')!;
    assert.equal(frag.source, 1);
    assert.deepEqual((frag.record as FragmentsRecord).fragments.map((f) => f.frame), [1, 2, 3]);
    assert.equal(p3.summary.protocol, 'UDP');
  });
});

// --------------------------------------------------------- registry ----

describe('registration', () => {
  test('field ids are unique and notes are registered', () => {
    assert.deepEqual(fieldRegistry().duplicates, []);
    const ids = allNoteDefs().map((n) => n.id);
    for (const id of ['ip.checksum.bad', 'ipv6.ext.past_end', 'ip.reassembly.overlap_conflict', 'tcp.checksum.bad', 'icmp.checksum_bad']) assert.ok(ids.includes(id), id);
    for (const id of ['eth.dst', 'vlan.id', 'sll.etype', 'sll.ifindex', 'null.family', 'ip.proto', 'ipv6.nxt', 'ipv6.fraghdr.offset', 'tcp.flags.syn', 'icmp.type', 'ip.fragment', 'ipv6.reassembled.length']) {
      assert.ok(fieldRegistry().get(id), id);
    }
  });
});

// ----------------------------------------------------- tshark check ----

const TSHARK = '/usr/bin/tshark';

function pcap(linkType: number, frames: Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const g = new DataView(new ArrayBuffer(24));
  g.setUint32(0, 0xa1b2c3d4, true);
  g.setUint16(4, 2, true);
  g.setUint16(6, 4, true);
  g.setUint32(16, 65535, true);
  g.setUint32(20, linkType, true);
  parts.push(new Uint8Array(g.buffer));
  frames.forEach((f, i) => {
    const h = new DataView(new ArrayBuffer(16));
    h.setUint32(0, 1_700_000_000 + i, true);
    h.setUint32(8, f.length, true);
    h.setUint32(12, f.length, true);
    parts.push(new Uint8Array(h.buffer), f);
  });
  return cat(...parts);
}

describe('cross-check with tshark', { skip: !existsSync(TSHARK) && 'tshark not installed' }, () => {
  test('field values agree', () => {
    const badCk = ETH_IP_UDP.slice();
    badCk[14 + 10] ^= 0x01;
    // Outer 0x8100 here: Wireshark dissects 0x88a8 as ieee8021ad (ieee8021ad.svid), not vlan.
    const qinq = cat(ETH_HDR, '8100', 'b064', '8100', '002a', '0800', ipv4Header({ len: 28, proto: 17, ttl: 7, src: '172.16.0.9', dst: '8.8.8.8' }), udp(4500, 4500, new Uint8Array(0)));
    const files: [number, Uint8Array[], string[]][] = [
      [1, [ETH_IP_UDP, badCk, qinq], ['eth.src', 'eth.type', 'vlan.id', 'vlan.priority', 'vlan.etype', 'ip.src', 'ip.dst', 'ip.proto', 'ip.ttl', 'ip.id', 'ip.checksum', 'udp.srcport']],
      [113, [cat('0004000100060011223344550000', '0800', ipv4Header({ len: 20, proto: 6 }))], ['sll.pkttype', 'sll.hatype', 'sll.halen', 'sll.src.eth', 'sll.etype', 'ip.src', 'ip.proto']],
      [276, [cat('0800', '0000', '00000005', '0001', '04', '06', '001122334455', '0000', ipv4Header({ len: 20, proto: 6 }))], ['sll.etype', 'sll.ifindex', 'sll.hatype', 'sll.pkttype', 'sll.halen', 'ip.dst']],
      [0, [cat('1e000000', '60000000', '0000', '3b', '40', V6_SRC, V6_DST), cat('00000002', ipv4Header({ len: 20, proto: 59 }))], ['null.family', 'ipv6.src', 'ipv6.nxt', 'ip.src']],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'espy-linknet-'));
    try {
      for (const [lt, frames, fields] of files) {
        const file = join(dir, `lt${lt}.pcap`);
        writeFileSync(file, pcap(lt, frames));
        const args = ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,'];
        for (const f of fields) args.push('-e', f);
        const out = execFileSync(TSHARK, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd().split('\n');
        const pd = new PacketDissector();
        frames.forEach((data, i) => {
          const tree = packetTree(pd.dissect(mkFrame(data, lt, i + 1)));
          const ours = fields.map((id) => findAll(tree, id).map((n) => fieldText(n.field, n.value)).join(',')).join('\t');
          assert.equal(ours, out[i], `linktype ${lt} frame ${i + 1}: ${fields.join(' ')}`);
        });
      }
      // Checksum verdicts: tshark 1 = good, 0 = bad (with validation enabled).
      const file = join(dir, 'ck.pcap');
      writeFileSync(file, pcap(1, [ETH_IP_UDP, badCk]));
      const st = execFileSync(TSHARK, ['-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-e', 'ip.checksum.status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
      const pd = new PacketDissector();
      const ours = [ETH_IP_UDP, badCk].map((d, i) => ((pd.dissect(mkFrame(d, 1, i + 1)).layers[2]!.record as Ipv4Record).checksumStatus === 'good' ? '1' : '0'));
      assert.deepEqual(ours, st);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
