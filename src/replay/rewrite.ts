/**
 * Rewriting frames while replaying them, as tcprewrite does: addresses, MACs
 * and ports swapped through maps, with the IPv4 header checksum recomputed
 * and the UDP/TCP checksum adjusted.
 *
 * When the whole UDP/TCP segment is in the frame, its checksum is recomputed,
 * as tcprewrite does: this also repairs the partial checksums of captures made
 * on the sending host with checksum offload, which a real peer would drop.
 * When it is not (first fragment of a datagram, frame cut by the snaplen) the
 * checksum is updated incrementally (RFC 1624) for the bytes that changed.
 * A UDP checksum of 0 means "none" and stays 0.
 *
 * Everything here works on a copy (rewriteFrame returns a new buffer) and is
 * free of I/O, so it is tested byte for byte.
 */
import { isIPv6 } from 'node:net';

export interface RewriteRules {
  /** IP address maps (dotted IPv4 or IPv6 text, compared as bytes). */
  srcIp: Map<string, Uint8Array>;
  dstIp: Map<string, Uint8Array>;
  /** MAC rewrites: `old=new` maps, or `*` → every frame. Keys are lowercase hex without separators. */
  srcMac: Map<string, Uint8Array>;
  dstMac: Map<string, Uint8Array>;
  sport: Map<number, number>;
  dport: Map<number, number>;
}

export function emptyRules(): RewriteRules {
  return { srcIp: new Map(), dstIp: new Map(), srcMac: new Map(), dstMac: new Map(), sport: new Map(), dport: new Map() };
}

export function hasRules(r: RewriteRules): boolean {
  return r.srcIp.size + r.dstIp.size + r.srcMac.size + r.dstMac.size + r.sport.size + r.dport.size > 0;
}

// ---------------------------------------------------------------------------------------------
// Parsing the command-line maps

export function parseIPv4(s: string): Uint8Array | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
}

export function parseIPv6(s: string): Uint8Array | undefined {
  if (!isIPv6(s)) return undefined;
  let text = s;
  const tail: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = parseIPv4(v4[1]!)!;
    tail.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
    text = s.slice(0, -v4[1]!.length);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const [h, t] = text.split('::');
  const words = (x: string | undefined): number[] => (x ? x.split(':').map((w) => parseInt(w, 16)) : []);
  const head = words(h);
  const rest = [...words(t), ...tail];
  const all = t === undefined ? [...head, ...rest] : [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

export function parseIp(s: string): Uint8Array | undefined {
  return parseIPv4(s) ?? parseIPv6(s);
}

export function parseMac(s: string): Uint8Array | undefined {
  const m = /^([0-9a-fA-F]{2})[:-]?([0-9a-fA-F]{2})[:-]?([0-9a-fA-F]{2})[:-]?([0-9a-fA-F]{2})[:-]?([0-9a-fA-F]{2})[:-]?([0-9a-fA-F]{2})$/.exec(s);
  return m ? Uint8Array.from(m.slice(1).map((x) => parseInt(x, 16))) : undefined;
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** `old=new` for IPs (both of one family). Returns an error text or undefined. */
export function addIpMap(map: Map<string, Uint8Array>, spec: string, flag: string): string | undefined {
  const [a, b, extra] = spec.split('=');
  const from = a === undefined ? undefined : parseIp(a);
  const to = b === undefined ? undefined : parseIp(b);
  if (extra !== undefined || !from || !to) return `${flag} ${spec}: expected OLD=NEW with two IPv4 or two IPv6 addresses`;
  if (from.length !== to.length) return `${flag} ${spec}: both addresses must be IPv4 or both IPv6`;
  map.set(hex(from), to);
  return undefined;
}

/** `NEW` (every frame) or `OLD=NEW`. */
export function addMacMap(map: Map<string, Uint8Array>, spec: string, flag: string): string | undefined {
  const parts = spec.split('=');
  const macs = parts.map(parseMac);
  if (parts.length > 2 || macs.some((m) => !m)) return `${flag} ${spec}: expected a MAC (aa:bb:cc:dd:ee:ff) or OLD=NEW`;
  if (macs.length === 1) map.set('*', macs[0]!);
  else map.set(hex(macs[0]!), macs[1]!);
  return undefined;
}

export function addPortMap(map: Map<number, number>, spec: string, flag: string): string | undefined {
  const m = /^(\d{1,5})=(\d{1,5})$/.exec(spec);
  const from = m ? Number(m[1]) : NaN;
  const to = m ? Number(m[2]) : NaN;
  if (!m || from > 65535 || to > 65535) return `${flag} ${spec}: expected OLD=NEW ports (0-65535)`;
  map.set(from, to);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checksums

/** One's-complement sum of 16-bit big-endian words of b[start..end) (odd byte padded), not folded. */
export function sum16(b: Uint8Array, start: number, end: number, acc = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) acc += (b[i]! << 8) | b[i + 1]!;
  if (i < end) acc += b[i]! << 8;
  return acc;
}

export function fold(acc: number): number {
  while (acc > 0xffff) acc = (acc & 0xffff) + Math.floor(acc / 0x10000);
  return acc;
}

/** The IPv4 header checksum of b[off..off+ihl) with the checksum field taken as 0. */
export function ipv4HeaderChecksum(b: Uint8Array, off: number, ihl: number): number {
  const s = sum16(b, off, off + ihl) - ((b[off + 10]! << 8) | b[off + 11]!);
  return ~fold(s) & 0xffff;
}

/** RFC 1624 eq. 3: HC' = ~(~HC + ~m + m') over every 16-bit word that changed. */
export function adjustChecksum(hc: number, oldBytes: Uint8Array, newBytes: Uint8Array): number {
  let acc = ~hc & 0xffff;
  for (let i = 0; i < oldBytes.length; i += 2) {
    const o = (oldBytes[i]! << 8) | (oldBytes[i + 1] ?? 0);
    const n = (newBytes[i]! << 8) | (newBytes[i + 1] ?? 0);
    acc += (~o & 0xffff) + n;
  }
  return ~fold(acc) & 0xffff;
}

// ---------------------------------------------------------------------------------------------
// Frame walking

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;

/** Where the IP header starts for a link type, or -1 when the frame carries no IP (ARP…). */
export function ipOffset(linkType: number, b: Uint8Array): number {
  const u16 = (o: number): number => (o + 1 < b.length ? (b[o]! << 8) | b[o + 1]! : -1);
  switch (linkType) {
    case 1: {
      let o = 12;
      let type = u16(o);
      while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
        o += 4;
        type = u16(o);
      }
      return type === ETH_IPV4 || type === ETH_IPV6 ? o + 2 : -1;
    }
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
      return 0;
    case 113:
      return u16(14) === ETH_IPV4 || u16(14) === ETH_IPV6 ? 16 : -1;
    case 276:
      return u16(0) === ETH_IPV4 || u16(0) === ETH_IPV6 ? 20 : -1;
    case 0:
    case 108:
      return b.length >= 4 ? 4 : -1;
    default:
      return -1;
  }
}

/** What rewriteFrame changed, for tests and the replay statistics. */
export interface RewriteResult {
  data: Uint8Array;
  changed: boolean;
}

function swapMac(b: Uint8Array, off: number, map: Map<string, Uint8Array>): boolean {
  if (!map.size || b.length < off + 6) return false;
  const to = map.get(hex(b.subarray(off, off + 6))) ?? map.get('*');
  if (!to) return false;
  b.set(to, off);
  return true;
}

/**
 * Applies the rules to a copy of `frame`. Only the outer IP header and the
 * transport header right after it are touched (tunnelled inner packets are
 * ESP-encrypted or AH-protected and must stay as they are).
 */
export function rewriteFrame(linkType: number, frame: Uint8Array, r: RewriteRules): RewriteResult {
  const b = new Uint8Array(frame);
  let changed = false;
  if (linkType === 1) {
    changed = swapMac(b, 0, r.dstMac) || changed;
    changed = swapMac(b, 6, r.srcMac) || changed;
  }
  const ip = ipOffset(linkType, b);
  if (ip < 0 || ip >= b.length) return { data: b, changed };
  const version = b[ip]! >> 4;
  let l4 = -1;
  let proto = -1;
  let firstFragment = true;
  let moreFragments = false;
  let l4Len = -1;
  const oldPseudo: number[] = [];
  const newPseudo: number[] = [];
  const swapAddr = (at: number, len: number, map: Map<string, Uint8Array>): void => {
    if (!map.size || b.length < at + len) return;
    const to = map.get(hex(b.subarray(at, at + len)));
    if (!to || to.length !== len) return;
    oldPseudo.push(...b.subarray(at, at + len));
    newPseudo.push(...to);
    b.set(to, at);
    changed = true;
  };
  if (version === 4 && b.length >= ip + 20) {
    const ihl = (b[ip]! & 0x0f) * 4;
    if (ihl < 20 || b.length < ip + ihl) return { data: b, changed };
    swapAddr(ip + 12, 4, r.srcIp);
    swapAddr(ip + 16, 4, r.dstIp);
    if (oldPseudo.length) {
      const c = ipv4HeaderChecksum(b, ip, ihl);
      b[ip + 10] = c >> 8;
      b[ip + 11] = c & 0xff;
    }
    proto = b[ip + 9]!;
    firstFragment = (((b[ip + 6]! << 8) | b[ip + 7]!) & 0x1fff) === 0;
    moreFragments = (b[ip + 6]! & 0x20) !== 0;
    l4 = ip + ihl;
    l4Len = ((b[ip + 2]! << 8) | b[ip + 3]!) - ihl;
  } else if (version === 6 && b.length >= ip + 40) {
    swapAddr(ip + 8, 16, r.srcIp);
    swapAddr(ip + 24, 16, r.dstIp);
    proto = b[ip + 6]!;
    l4 = ip + 40;
    l4Len = (b[ip + 4]! << 8) | b[ip + 5]!;
  }
  if ((proto !== 17 && proto !== 6) || !firstFragment || l4 < 0) return { data: b, changed };
  const csumAt = l4 + (proto === 17 ? 6 : 16);
  // Ports.
  if (b.length >= l4 + 4) {
    for (const [at, map] of [
      [l4, r.sport],
      [l4 + 2, r.dport],
    ] as const) {
      const port = (b[at]! << 8) | b[at + 1]!;
      const to = map.get(port);
      if (to === undefined || to === port) continue;
      oldPseudo.push(b[at]!, b[at + 1]!);
      newPseudo.push(to >> 8, to & 0xff);
      b[at] = to >> 8;
      b[at + 1] = to & 0xff;
      changed = true;
    }
  }
  if (!oldPseudo.length || b.length < csumAt + 2) return { data: b, changed };
  const hc = (b[csumAt]! << 8) | b[csumAt + 1]!;
  if (proto === 17 && hc === 0 && version === 4) return { data: b, changed };
  const srcAt = version === 4 ? ip + 12 : ip + 8;
  const alen = version === 4 ? 4 : 16;
  if (proto === 17 && b.length >= l4 + 6) l4Len = (b[l4 + 4]! << 8) | b[l4 + 5]!;
  const whole = !moreFragments && l4Len >= (proto === 17 ? 8 : 20) && l4 + l4Len <= b.length;
  let c: number;
  if (whole) {
    b[csumAt] = 0;
    b[csumAt + 1] = 0;
    const pseudo = sum16(b, srcAt, srcAt + 2 * alen) + proto + l4Len;
    c = ~fold(sum16(b, l4, l4 + l4Len, pseudo)) & 0xffff;
  } else c = adjustChecksum(hc, Uint8Array.from(oldPseudo), Uint8Array.from(newPseudo));
  // In UDP a computed 0 is sent as 0xffff (0 means "no checksum").
  if (proto === 17 && c === 0) c = 0xffff;
  b[csumAt] = c >> 8;
  b[csumAt + 1] = c & 0xff;
  return { data: b, changed };
}
