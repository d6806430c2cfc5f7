// Deterministic generator of a large IPsec capture (classic pcap, Ethernet, microsecond timestamps).
//
// Composition (per packet, drawn from a seeded mulberry32 stream, so the same seed always gives
// the same bytes and a smaller capture is a byte-exact prefix of a larger one):
//   ~98.0 %  ESP tunnel mode on IP protocol 50, 8 SAs
//   ~0.84 %  ESP-in-UDP/4500 (NAT-T, RFC 3948), 2 SAs
//   ~0.5 %   IKEv2 on UDP 500, ~0.5 % IKEv1 on UDP 500
//   ~0.1 %   IKEv2 on UDP 4500 behind the 4-byte Non-ESP marker
//   ~0.045 % NAT-keepalives (UDP 4500, one 0xFF byte)
// The ESP is real: AES-128-CBC + HMAC-SHA1-96 under keys written beside the capture as
// `<file>.esp_sa` (Wireshark 4.0 esp_sa UAT) and `<file>.sa.json` (keys + ground-truth counts).
// IKE messages have valid ISAKMP headers and payload chains but meaningless contents.
//
// Usage: node dist/bench/gen-capture.js [--packets N] [--seed S] [--out FILE]
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureName, defaultCacheDir, intOption, isMain, parseArgs, thousands } from './common.js';

/** Bumped whenever the output bytes change, so cached captures from older generators are rebuilt. */
export const GENERATOR_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// PRNG

/** mulberry32: tiny, fast, good enough for test data; 32-bit state so the stream is portable. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }
  fill(buf: Buffer, off = 0, len = buf.length - off): void {
    let i = off;
    const end = off + len;
    for (; i + 4 <= end; i += 4) buf.writeUInt32LE(this.u32(), i);
    if (i < end) {
      const r = this.u32();
      for (let k = 0; i < end; i++, k++) buf[i] = (r >>> (8 * k)) & 0xff;
    }
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    this.fill(b);
    return b;
  }
}

// ---------------------------------------------------------------------------------------------
// Public description of what was generated (the `.sa.json` sidecar)

export interface SaInfo {
  /** SPI as `0x%08x`, the format tshark prints for esp.spi. */
  spi: string;
  spiNumber: number;
  src: string;
  dst: string;
  /** True when this SA is carried in UDP/4500 (NAT-T). */
  natt: boolean;
  encryption: 'aes-128-cbc';
  encKey: string;
  authentication: 'hmac-sha1-96';
  authKey: string;
  /** Number of ESP packets of this SA; their sequence numbers are exactly 1..packets. */
  packets: number;
}

export interface CaptureCounts {
  frames: number;
  /** ESP on IP protocol 50. */
  esp: number;
  /** ESP inside UDP/4500. */
  espUdp: number;
  ikev2Udp500: number;
  ikev1Udp500: number;
  ikev2Udp4500: number;
  natKeepalive: number;
}

export interface CaptureInfo {
  generatorVersion: number;
  file: string;
  seed: number;
  bytes: number;
  counts: CaptureCounts;
  sas: SaInfo[];
}

// ---------------------------------------------------------------------------------------------
// Topology

interface Sa {
  info: SaInfo;
  srcIp: number;
  dstIp: number;
  srcMac: Buffer;
  dstMac: Buffer;
  innerSrc: number;
  innerDst: number;
  /** One long-lived encryptor per SA; see encryptEsp for how each packet still gets its own IV. */
  cipher: crypto.Cipher;
  authKey: crypto.KeyObject;
  seq: number;
}

interface IkePeer {
  srcIp: number;
  dstIp: number;
  srcMac: Buffer;
  dstMac: Buffer;
  spiI: Buffer;
  spiR: Buffer;
  msgId: number;
}

const ipv4 = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const ipText = (ip: number): string => `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
const mac = (last: number): Buffer => Buffer.from([0x02, 0x00, 0x5e, 0x10, 0x00, last]);
const hex = (b: Buffer): string => '0x' + b.toString('hex');

const PLAIN_SAS = 8;
const NATT_SAS = 2;

/**
 * Draws every key, SPI and address before any packet, so the sidecars for a given seed are the
 * same whatever the packet count.
 */
function buildTopology(rng: Rng): { sas: Sa[]; ikePeers: IkePeer[]; nattIkePeers: IkePeer[] } {
  const sas: Sa[] = [];
  const usedSpis = new Set<number>();
  for (let i = 0; i < PLAIN_SAS + NATT_SAS; i++) {
    const natt = i >= PLAIN_SAS;
    // SAs come in pairs (one per direction) between a gateway on each side.
    const pair = i >> 1;
    const left = natt ? ipv4(192, 0, 2, 10 + pair) : ipv4(198, 51, 100, 1 + pair);
    const right = ipv4(203, 0, 113, 1 + pair);
    const outbound = (i & 1) === 0;
    let spi = 0;
    // SPIs 0..255 are reserved (RFC 4303); also avoid duplicates, which would merge two SAs.
    while (spi < 256 || usedSpis.has(spi)) spi = rng.u32();
    usedSpis.add(spi);
    const encKey = rng.bytes(16);
    const authKey = rng.bytes(20);
    const srcIp = outbound ? left : right;
    const dstIp = outbound ? right : left;
    // The cipher's own IV never shows up on the wire: it only seeds the chain (see encryptEsp).
    const cipher = crypto.createCipheriv('aes-128-cbc', encKey, Buffer.alloc(16)).setAutoPadding(false);
    sas.push({
      info: {
        spi: '0x' + spi.toString(16).padStart(8, '0'),
        spiNumber: spi,
        src: ipText(srcIp),
        dst: ipText(dstIp),
        natt,
        encryption: 'aes-128-cbc',
        encKey: hex(encKey),
        authentication: 'hmac-sha1-96',
        authKey: hex(authKey),
        packets: 0,
      },
      srcIp,
      dstIp,
      srcMac: mac(outbound ? 1 : 2),
      dstMac: mac(outbound ? 2 : 1),
      innerSrc: outbound ? ipv4(10, 1, pair, 10) : ipv4(10, 2, pair, 20),
      innerDst: outbound ? ipv4(10, 2, pair, 20) : ipv4(10, 1, pair, 10),
      cipher,
      authKey: crypto.createSecretKey(authKey),
      seq: 0,
    });
  }
  const peer = (srcIp: number, dstIp: number): IkePeer => ({
    srcIp,
    dstIp,
    srcMac: mac(1),
    dstMac: mac(2),
    spiI: rng.bytes(8),
    spiR: rng.bytes(8),
    msgId: 0,
  });
  const ikePeers: IkePeer[] = [];
  for (let p = 0; p < PLAIN_SAS / 2; p++) ikePeers.push(peer(ipv4(198, 51, 100, 1 + p), ipv4(203, 0, 113, 1 + p)));
  const nattIkePeers: IkePeer[] = [];
  for (let p = PLAIN_SAS / 2; p < (PLAIN_SAS + NATT_SAS) / 2; p++) {
    nattIkePeers.push(peer(ipv4(192, 0, 2, 10 + p), ipv4(203, 0, 113, 1 + p)));
  }
  return { sas, ikePeers, nattIkePeers };
}

// ---------------------------------------------------------------------------------------------
// Byte helpers

/** RFC 1071 Internet checksum of buf[off, off+len). */
function inetChecksum(buf: Buffer, off: number, len: number): number {
  let sum = 0;
  const end = off + (len & ~1);
  for (let i = off; i < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (len & 1) sum += buf[off + len - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Writes a 20-byte IPv4 header (no options, DF set) with a correct header checksum. */
function writeIpv4(buf: Buffer, o: number, totalLen: number, id: number, proto: number, src: number, dst: number, ttl: number): void {
  buf[o] = 0x45;
  buf[o + 1] = 0;
  buf.writeUInt16BE(totalLen, o + 2);
  buf.writeUInt16BE(id & 0xffff, o + 4);
  buf.writeUInt16BE(0x4000, o + 6);
  buf[o + 8] = ttl;
  buf[o + 9] = proto;
  buf.writeUInt16BE(0, o + 10);
  buf.writeUInt32BE(src, o + 12);
  buf.writeUInt32BE(dst, o + 16);
  buf.writeUInt16BE(inetChecksum(buf, o, 20), o + 10);
}

function writeEthernet(buf: Buffer, o: number, dst: Buffer, src: Buffer): void {
  dst.copy(buf, o);
  src.copy(buf, o + 6);
  buf.writeUInt16BE(0x0800, o + 12);
}

/** UDP header with checksum 0 ("not computed", legal for IPv4 and what NAT-T stacks often send). */
function writeUdp(buf: Buffer, o: number, sport: number, dport: number, len: number): void {
  buf.writeUInt16BE(sport, o);
  buf.writeUInt16BE(dport, o + 2);
  buf.writeUInt16BE(len, o + 4);
  buf.writeUInt16BE(0, o + 6);
}

// ---------------------------------------------------------------------------------------------
// ISAKMP payload builders (plausible structure, meaningless contents)

/** Generic payload header + body. `next` is the type of the payload that follows (0 = none). */
function payload(next: number, body: Buffer, critical = false): Buffer {
  const h = Buffer.alloc(4);
  h[0] = next;
  h[1] = critical ? 0x80 : 0;
  h.writeUInt16BE(4 + body.length, 2);
  return Buffer.concat([h, body]);
}

/** Chains [type, body] pairs into payloads; returns the first payload type and the bytes. */
function chain(items: ReadonlyArray<readonly [number, Buffer]>): { first: number; bytes: Buffer } {
  const parts = items.map(([, body], i) => payload(i + 1 < items.length ? items[i + 1]![0] : 0, body));
  return { first: items.length > 0 ? items[0]![0] : 0, bytes: Buffer.concat(parts) };
}

function ikeHeader(spiI: Buffer, spiR: Buffer, next: number, version: number, exch: number, flags: number, msgId: number, bodyLen: number): Buffer {
  const h = Buffer.alloc(28);
  spiI.copy(h, 0);
  spiR.copy(h, 8);
  h[16] = next;
  h[17] = version;
  h[18] = exch;
  h[19] = flags;
  h.writeUInt32BE(msgId >>> 0, 20);
  h.writeUInt32BE(28 + bodyLen, 24);
  return h;
}

const tv = (type: number, value: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(0x8000 | type, 0);
  b.writeUInt16BE(value, 2);
  return b;
};

/** IKEv2 SA payload body: one IKE proposal with AES-CBC-128 / PRF-HMAC-SHA1 / HMAC-SHA1-96 / group 14. */
function ikev2SaBody(): Buffer {
  const transforms: Array<[number, number, Buffer]> = [
    [1, 12, tv(14, 128)], // ENCR_AES_CBC, key length 128
    [2, 2, Buffer.alloc(0)], // PRF_HMAC_SHA1
    [3, 2, Buffer.alloc(0)], // AUTH_HMAC_SHA1_96
    [4, 14, Buffer.alloc(0)], // DH group 14
  ];
  const tBytes = transforms.map(([type, id, attrs], i) => {
    const t = Buffer.alloc(8);
    t[0] = i + 1 < transforms.length ? 3 : 0;
    t.writeUInt16BE(8 + attrs.length, 2);
    t[4] = type;
    t.writeUInt16BE(id, 6);
    return Buffer.concat([t, attrs]);
  });
  const tAll = Buffer.concat(tBytes);
  const p = Buffer.alloc(8);
  p[0] = 0; // last proposal
  p.writeUInt16BE(8 + tAll.length, 2);
  p[4] = 1; // proposal #1
  p[5] = 1; // protocol IKE
  p[6] = 0; // SPI size
  p[7] = transforms.length;
  return Buffer.concat([p, tAll]);
}

/** IKEv1 SA payload body: DOI IPsec, SIT_IDENTITY_ONLY, one ISAKMP proposal with one KEY_IKE transform. */
function ikev1SaBody(): Buffer {
  const attrs = Buffer.concat([tv(1, 7), tv(14, 128), tv(2, 2), tv(3, 1), tv(4, 14), tv(11, 1), tv(12, 28800)]);
  const t = Buffer.alloc(8);
  t[0] = 0; // last transform
  t.writeUInt16BE(8 + attrs.length, 2);
  t[4] = 1; // transform #1
  t[5] = 1; // KEY_IKE
  const transform = Buffer.concat([t, attrs]);
  const p = Buffer.alloc(8);
  p[0] = 0; // last proposal
  p.writeUInt16BE(8 + transform.length, 2);
  p[4] = 1; // proposal #1
  p[5] = 1; // PROTO_ISAKMP
  p[6] = 0; // SPI size
  p[7] = 1; // one transform
  const doiSit = Buffer.alloc(8);
  doiSit.writeUInt32BE(1, 0); // DOI: IPsec
  doiSit.writeUInt32BE(1, 4); // SIT_IDENTITY_ONLY
  return Buffer.concat([doiSit, p, transform]);
}

function notify2(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = 0; // protocol: none
  h[1] = 0; // SPI size
  h.writeUInt16BE(type, 2);
  return Buffer.concat([h, data]);
}

/** An IKE message and whether it travels from the responder (so the IP addresses are swapped). */
interface IkeMessage {
  bytes: Buffer;
  fromResponder: boolean;
}

/** One IKEv2 message (ISAKMP header + payloads). */
function ikev2Message(rng: Rng, peer: IkePeer): IkeMessage {
  const r = rng.float();
  const response = (rng.u32() & 1) === 1;
  // Either side may start later exchanges; the I flag names the original initiator.
  const fromInitiator = r < 0.3 ? !response : (rng.u32() & 1) === 1;
  const flags = (response ? 0x20 : 0) | (fromInitiator ? 0x08 : 0);
  const fromResponder = !fromInitiator;
  if (r < 0.3) {
    // IKE_SA_INIT: SA, KE, Nonce, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP)
    const ke = Buffer.concat([Buffer.from([0x00, 14, 0, 0]), rng.bytes(256)]);
    const c = chain([
      [33, ikev2SaBody()],
      [34, ke],
      [40, rng.bytes(32)],
      [41, notify2(16388, rng.bytes(20))],
      [41, notify2(16389, rng.bytes(20))],
    ]);
    const spiR = response ? peer.spiR : Buffer.alloc(8);
    return { bytes: Buffer.concat([ikeHeader(peer.spiI, spiR, c.first, 0x20, 34, flags, 0, c.bytes.length), c.bytes]), fromResponder };
  }
  // IKE_AUTH / CREATE_CHILD_SA / INFORMATIONAL: one Encrypted payload (IV + ciphertext + 12-byte ICV).
  const exch = r < 0.6 ? 35 : r < 0.8 ? 36 : 37;
  const inner = exch === 35 ? 35 : exch === 36 ? 33 : rng.u32() & 1 ? 41 : 0; // IDi / SA / N / empty
  const blocks = exch === 37 ? rng.int(1, 4) : rng.int(8, 40);
  const sk = rng.bytes(16 + 16 * blocks + 12);
  const body = payload(inner, sk);
  if (!response) peer.msgId++;
  return { bytes: Buffer.concat([ikeHeader(peer.spiI, peer.spiR, 46, 0x20, exch, flags, peer.msgId, body.length), body]), fromResponder };
}

/** One IKEv1 message: Main Mode 1-4 in the clear, later Main Mode / Quick Mode / Informational encrypted. */
function ikev1Message(rng: Rng, peer: IkePeer): IkeMessage {
  const r = rng.float();
  const response = (rng.u32() & 1) === 1;
  const fromResponder = response;
  const spiR = response || r >= 0.2 ? peer.spiR : Buffer.alloc(8);
  if (r < 0.2) {
    // Main Mode 1/2: SA + Vendor ID (RFC 3947 NAT-T VID)
    const c = chain([
      [1, ikev1SaBody()],
      [13, Buffer.from('4a131c81070358455c5728f20e95452f', 'hex')],
    ]);
    return { bytes: Buffer.concat([ikeHeader(peer.spiI, spiR, c.first, 0x10, 2, 0, 0, c.bytes.length), c.bytes]), fromResponder };
  }
  if (r < 0.4) {
    // Main Mode 3/4: KE (group 14), Nonce, NAT-D x2
    const c = chain([
      [4, rng.bytes(256)],
      [10, rng.bytes(20)],
      [20, rng.bytes(20)],
      [20, rng.bytes(20)],
    ]);
    return { bytes: Buffer.concat([ikeHeader(peer.spiI, spiR, c.first, 0x10, 2, 0, 0, c.bytes.length), c.bytes]), fromResponder };
  }
  // Encrypted (flag E): the body is opaque, a whole number of AES blocks.
  const exch = r < 0.55 ? 2 : r < 0.9 ? 32 : 5;
  const next = exch === 2 ? 5 : 8; // ID for Main Mode 5/6, HASH for Quick Mode / Informational
  const msgId = exch === 2 ? 0 : rng.u32();
  const body = rng.bytes(16 * rng.int(3, 20));
  return { bytes: Buffer.concat([ikeHeader(peer.spiI, spiR, next, 0x10, exch, 0x01, msgId, body.length), body]), fromResponder };
}

// ---------------------------------------------------------------------------------------------
// Generator

export interface GenerateOptions {
  packets: number;
  seed: number;
  out: string;
}

const PCAP_MAGIC_USEC = 0xa1b2c3d4;
const START_SEC = 1767225600; // 2026-01-01T00:00:00Z
const OUT_BUF_BYTES = 8 << 20;
const MAX_FRAME = 2048;
// Cumulative thresholds of the per-packet draw (the rest is ESP on protocol 50).
const P_KEEPALIVE = 0.00045;
const P_IKE2_500 = P_KEEPALIVE + 0.005;
const P_IKE1_500 = P_IKE2_500 + 0.005;
const P_IKE2_4500 = P_IKE1_500 + 0.001;
const P_ESP_UDP = P_IKE2_4500 + 0.0084;
/** Inner UDP destination ports with no tshark 4.0 port dissector (checked with `tshark -G decodes`). */
const INNER_UDP_PORTS = [9, 5201, 6100, 7777] as const;

/** Generates the capture plus its two sidecars; returns what was written. */
export function generateCapture(opts: GenerateOptions): CaptureInfo {
  const { packets, seed, out } = opts;
  const rng = new Rng(seed);
  const { sas, ikePeers, nattIkePeers } = buildTopology(rng);
  const plainSas = sas.filter((s) => !s.info.natt);
  const nattSas = sas.filter((s) => s.info.natt);
  // A fixed pool of payload bytes to copy inner payloads from: drawing ~800 MB of fresh random
  // bytes in JS would dominate the run, and the payload is encrypted anyway. Lowercase letters
  // rather than uniform bytes, because tshark's UDP heuristics (RTCP, Thrift, R-GOOSE...) claim
  // about 1 in 1,000 uniform-random payloads, then throw "malformed" and drop esp.icv_good.
  const pool = rng.bytes(65536 + 2048);
  for (let i = 0; i < pool.length; i++) pool[i] = 0x61 + (pool[i]! % 26);
  const counts: CaptureCounts = { frames: 0, esp: 0, espUdp: 0, ikev2Udp500: 0, ikev1Udp500: 0, ikev2Udp4500: 0, natKeepalive: 0 };

  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  // Write to a temporary name and rename at the end, so an interrupted run never leaves a
  // truncated file that later looks like a valid cache entry.
  const tmp = `${out}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  const buf = Buffer.allocUnsafe(OUT_BUF_BYTES);
  let o = 0;
  let totalBytes = 0;
  const flush = (): void => {
    let w = 0;
    while (w < o) w += fs.writeSync(fd, buf, w, o - w);
    totalBytes += o;
    o = 0;
  };

  // Global header, little-endian, microsecond timestamps, Ethernet.
  buf.writeUInt32LE(PCAP_MAGIC_USEC, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeInt32LE(0, 8);
  buf.writeUInt32LE(0, 12);
  buf.writeUInt32LE(65535, 16);
  buf.writeUInt32LE(1, 20);
  o = 24;

  // Scratch for one ESP plaintext: 16 bytes of IV seed, then inner packet + ESP trailer.
  const scratch = Buffer.alloc(16 + 1500 + 32);
  let usec = 0;
  let ipId = rng.u32() & 0xffff;

  try {
    for (let n = 0; n < packets; n++) {
      if (o + MAX_FRAME > OUT_BUF_BYTES) flush();
      usec += rng.int(1, 199); // ~10 k pkt/s of simulated traffic
      const rec = o;
      const f = rec + 16; // frame start
      let frameLen: number;
      const r = rng.float();
      ipId = (ipId + 1) & 0xffff;

      if (r < P_KEEPALIVE) {
        // NAT-keepalive (RFC 3948 §2.3): a single 0xFF byte to UDP 4500.
        const p = nattIkePeers[rng.int(0, nattIkePeers.length - 1)]!;
        writeEthernet(buf, f, p.dstMac, p.srcMac);
        writeIpv4(buf, f + 14, 20 + 8 + 1, ipId, 17, p.srcIp, p.dstIp, 64);
        writeUdp(buf, f + 34, 4500, 4500, 9);
        buf[f + 42] = 0xff;
        frameLen = 43;
        counts.natKeepalive++;
      } else if (r < P_IKE2_4500) {
        // IKE: 0.5 % IKEv2/500, 0.5 % IKEv1/500, 0.1 % IKEv2/4500 with the Non-ESP marker.
        const which = r < P_IKE2_500 ? 0 : r < P_IKE1_500 ? 1 : 2;
        const onNatt = which === 2;
        const peers = onNatt ? nattIkePeers : ikePeers;
        const p = peers[rng.int(0, peers.length - 1)]!;
        const m = which === 1 ? ikev1Message(rng, p) : ikev2Message(rng, p);
        const msg = m.bytes;
        const marker = onNatt ? 4 : 0;
        const port = onNatt ? 4500 : 500;
        const udpLen = 8 + marker + msg.length;
        if (m.fromResponder) {
          writeEthernet(buf, f, p.srcMac, p.dstMac);
          writeIpv4(buf, f + 14, 20 + udpLen, ipId, 17, p.dstIp, p.srcIp, 64);
        } else {
          writeEthernet(buf, f, p.dstMac, p.srcMac);
          writeIpv4(buf, f + 14, 20 + udpLen, ipId, 17, p.srcIp, p.dstIp, 64);
        }
        writeUdp(buf, f + 34, port, port, udpLen);
        if (marker) buf.writeUInt32BE(0, f + 42);
        msg.copy(buf, f + 42 + marker);
        frameLen = 42 + udpLen - 8;
        if (which === 0) counts.ikev2Udp500++;
        else if (which === 1) counts.ikev1Udp500++;
        else counts.ikev2Udp4500++;
      } else {
        const natt = r < P_ESP_UDP;
        const sa = natt ? nattSas[rng.int(0, nattSas.length - 1)]! : plainSas[rng.u32() & (plainSas.length - 1)]!;
        const seq = ++sa.seq;
        sa.info.packets++;
        if (natt) counts.espUdp++;
        else counts.esp++;

        // Inner packet: IPv4/UDP (80 %) or IPv4/ICMP echo (20 %), 100..1400 bytes in total.
        const innerLen = rng.int(100, 1400);
        const ip = 16;
        const icmp = rng.float() < 0.2;
        writeIpv4(scratch, ip, innerLen, seq, icmp ? 1 : 17, sa.innerSrc, sa.innerDst, 63);
        const l4 = ip + 20;
        const payloadOff = l4 + 8;
        const payloadLen = innerLen - 28;
        const from = rng.u32() & 0xffff;
        pool.copy(scratch, payloadOff, from, from + payloadLen);
        if (icmp) {
          scratch[l4] = 8; // echo request
          scratch[l4 + 1] = 0;
          scratch.writeUInt16BE(0, l4 + 2);
          scratch.writeUInt16BE(sa.info.spiNumber & 0xffff, l4 + 4);
          scratch.writeUInt16BE(seq & 0xffff, l4 + 6);
          scratch.writeUInt16BE(inetChecksum(scratch, l4, innerLen - 20), l4 + 2);
        } else {
          // Ports that tshark 4.0 binds to no dissector, so the decrypted random payload shows as
          // data: a port dissector (DNS, NTP, VXLAN...) would throw "malformed" on it and abort the
          // ESP subtree before esp.icv_good is added, which breaks the tshark validation.
          writeUdp(scratch, l4, 40000 + (rng.u32() & 0x3ff), INNER_UDP_PORTS[rng.u32() & 3]!, innerLen - 20);
        }
        // ESP trailer (RFC 4303 §2.4): monotonic pad bytes 1,2,3..., pad length, next header 4 (IPv4).
        const padLen = (16 - ((innerLen + 2) % 16)) % 16;
        let t = ip + innerLen;
        for (let k = 1; k <= padLen; k++) scratch[t++] = k;
        scratch[t++] = padLen;
        scratch[t++] = 4;
        const ptLen = t - ip;

        writeEthernet(buf, f, sa.dstMac, sa.srcMac);
        const espLen = 8 + 16 + ptLen + 12;
        let esp: number;
        if (natt) {
          writeIpv4(buf, f + 14, 20 + 8 + espLen, ipId, 17, sa.srcIp, sa.dstIp, 64);
          writeUdp(buf, f + 34, 4500, 4500, 8 + espLen);
          esp = f + 42;
        } else {
          writeIpv4(buf, f + 14, 20 + espLen, ipId, 50, sa.srcIp, sa.dstIp, 64);
          esp = f + 34;
        }
        buf.writeUInt32BE(sa.info.spiNumber, esp);
        buf.writeUInt32BE(seq, esp + 4);
        encryptEsp(sa.cipher, rng, scratch, ptLen).copy(buf, esp + 8);
        const icvAt = esp + 8 + 16 + ptLen;
        crypto.createHmac('sha1', sa.authKey).update(buf.subarray(esp, icvAt)).digest().copy(buf, icvAt, 0, 12);
        frameLen = icvAt + 12 - f;
      }

      buf.writeUInt32LE(START_SEC + Math.floor(usec / 1e6), rec);
      buf.writeUInt32LE(usec % 1e6, rec + 4);
      buf.writeUInt32LE(frameLen, rec + 8);
      buf.writeUInt32LE(frameLen, rec + 12);
      o = f + frameLen;
      counts.frames++;
    }
    flush();
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, out);

  const info: CaptureInfo = {
    generatorVersion: GENERATOR_VERSION,
    file: path.basename(out),
    seed,
    bytes: totalBytes,
    counts,
    sas: sas.map((s) => s.info),
  };
  fs.writeFileSync(`${out}.esp_sa`, espSaUat(info.sas));
  // The .sa.json is written last: its presence marks a complete cache entry.
  fs.writeFileSync(`${out}.sa.json`, JSON.stringify(info, null, 2) + '\n');
  return info;
}

/**
 * Encrypts scratch[16, 16+ptLen) with a long-lived CBC encryptor and returns IV ‖ ciphertext.
 *
 * Creating a cipher per packet costs ~6 µs in Node 20 (OpenSSL 3.0 context setup), more than the
 * AES itself. Instead each SA keeps one encryptor whose chaining value is the previous packet's
 * last ciphertext block C. We put 16 random bytes R in front of the plaintext: the first output
 * block E(R ⊕ C) is unpredictable and becomes this packet's IV, and every later block is
 * E(P_i ⊕ previous block), i.e. exactly CBC under that IV. The receiver just sees IV ‖ ciphertext.
 */
function encryptEsp(cipher: crypto.Cipher, rng: Rng, scratch: Buffer, ptLen: number): Buffer {
  scratch.writeUInt32LE(rng.u32(), 0);
  scratch.writeUInt32LE(rng.u32(), 4);
  scratch.writeUInt32LE(rng.u32(), 8);
  scratch.writeUInt32LE(rng.u32(), 12);
  const out = cipher.update(scratch.subarray(0, 16 + ptLen));
  // With padding off and whole blocks in, OpenSSL returns every block at once; anything else
  // would desynchronise the chain for every later packet of this SA.
  if (out.length !== 16 + ptLen) throw new Error(`CBC encryptor returned ${out.length} bytes for ${16 + ptLen}`);
  return out;
}

/**
 * Wireshark 4.0 `esp_sa` UAT: 8 quoted columns per line
 * (Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, Authentication, Authentication Key).
 * Each line can be passed to tshark as `-o 'uat:esp_sa:<line>'`.
 */
export function espSaUat(sas: readonly SaInfo[]): string {
  const lines = sas.map((s) =>
    [`"IPv4"`, `"${s.src}"`, `"${s.dst}"`, `"${s.spi}"`, `"AES-CBC [RFC3602]"`, `"${s.encKey}"`, `"HMAC-SHA-1-96 [RFC2404]"`, `"${s.authKey}"`].join(','),
  );
  return '# This file is automatically generated, DO NOT MODIFY.\n' + lines.join('\n') + '\n';
}

/** Reads a capture's `.sa.json`, or returns undefined when it is missing or from another generator version. */
export function readCaptureInfo(file: string): CaptureInfo | undefined {
  try {
    const info = JSON.parse(fs.readFileSync(`${file}.sa.json`, 'utf8')) as CaptureInfo;
    if (info.generatorVersion !== GENERATOR_VERSION || !fs.existsSync(file)) return undefined;
    if (fs.statSync(file).size !== info.bytes) return undefined;
    return info;
  } catch {
    return undefined;
  }
}

/** Returns the cached capture for (packets, seed), generating it only when missing or stale. */
export function ensureCapture(cacheDir: string, packets: number, seed: number, log: (msg: string) => void): { file: string; info: CaptureInfo; generatedSeconds?: number } {
  const file = path.join(cacheDir, captureName(packets, seed));
  const cached = readCaptureInfo(file);
  if (cached) return { file, info: cached };
  log(`generating ${thousands(packets)} packets → ${file} ...`);
  const t0 = process.hrtime.bigint();
  const info = generateCapture({ packets, seed, out: file });
  const generatedSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`  ${thousands(info.bytes)} bytes in ${generatedSeconds.toFixed(1)} s (${thousands(packets / generatedSeconds)} pkt/s)`);
  return { file, info, generatedSeconds };
}

// ---------------------------------------------------------------------------------------------
// CLI

if (isMain(import.meta.url)) {
  const args = parseArgs(process.argv.slice(2), ['packets', 'seed', 'out']);
  const packets = intOption(args, 'packets', 1_000_000);
  const seed = intOption(args, 'seed', 1);
  const out = args.values.get('out') ?? path.join(defaultCacheDir(), captureName(packets, seed));
  const t0 = process.hrtime.bigint();
  const info = generateCapture({ packets, seed, out });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${out}: ${thousands(info.bytes)} bytes, ${thousands(packets)} packets in ${s.toFixed(1)} s`);
  console.log(JSON.stringify(info.counts));
  console.log(`keys: ${out}.esp_sa, ${out}.sa.json`);
}
