// Header-level decode of one Ethernet frame, shared by the bare walk and the pcap-parser walk so
// that both do identical work per packet and differ only in how they get the bytes.
//
// Deliberately allocation-free: counters live in one preallocated typed array and the SPI /
// sequence values are folded into a checksum, so V8 cannot drop the reads as dead code and no
// per-packet object is created.

export const K_FRAMES = 0;
export const K_ESP = 1; // ESP on IP protocol 50
export const K_ESP_UDP = 2; // ESP in UDP/4500
export const K_IKEV1 = 3; // UDP 500 or 4500 + Non-ESP marker, ISAKMP major version 1
export const K_IKEV2 = 4; // same, major version 2
export const K_KEEPALIVE = 5; // UDP 4500, one 0xFF byte
export const K_OTHER = 6;
export const K_CHECKSUM = 7; // xor of all SPIs and sequence numbers
export const K_IKE_EXCH = 8; // sum of IKE exchange types (again only to keep the read alive)

export const counters = new Float64Array(9);

const u32 = (b: Uint8Array, p: number): number => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

function ike(b: Uint8Array, h: number, end: number): void {
  // ISAKMP header: version at offset 17 (major in the high nibble), exchange type at 18.
  if (h + 28 > end) {
    counters[K_OTHER]!++;
    return;
  }
  counters[(b[h + 17]! >> 4) === 1 ? K_IKEV1 : K_IKEV2]!++;
  counters[K_IKE_EXCH]! += b[h + 18]!;
}

function esp(b: Uint8Array, e: number, kind: number): void {
  counters[kind]!++;
  counters[K_CHECKSUM] = (counters[K_CHECKSUM]! ^ u32(b, e) ^ u32(b, e + 4)) >>> 0;
}

/** Decodes the frame b[p, p+len): Ethernet (optionally 802.1Q) → IPv4 → ESP / UDP 500 / UDP 4500. */
export function decodeFrame(b: Uint8Array, p: number, len: number): void {
  counters[K_FRAMES]!++;
  const end = p + len;
  let l3 = p + 14;
  let et = (b[p + 12]! << 8) | b[p + 13]!;
  if (et === 0x8100) {
    et = (b[p + 16]! << 8) | b[p + 17]!;
    l3 += 4;
  }
  if (et !== 0x0800 || l3 + 20 > end || b[l3]! >> 4 !== 4) {
    counters[K_OTHER]!++;
    return;
  }
  const l4 = l3 + ((b[l3]! & 0x0f) << 2);
  // A non-first fragment has no transport header to read.
  const fragOffset = ((b[l3 + 6]! & 0x1f) << 8) | b[l3 + 7]!;
  const proto = b[l3 + 9]!;
  if (fragOffset !== 0) {
    counters[K_OTHER]!++;
  } else if (proto === 50 && l4 + 8 <= end) {
    esp(b, l4, K_ESP);
  } else if (proto === 17 && l4 + 8 <= end) {
    const sport = (b[l4]! << 8) | b[l4 + 1]!;
    const dport = (b[l4 + 2]! << 8) | b[l4 + 3]!;
    const pl = l4 + 8;
    const plen = end - pl;
    if (sport === 4500 || dport === 4500) {
      // RFC 3948: one 0xFF byte is a keepalive, four zero bytes are the Non-ESP marker before
      // IKE, anything else is ESP (whose SPI is never zero).
      if (plen === 1 && b[pl] === 0xff) counters[K_KEEPALIVE]!++;
      else if (plen >= 4 && u32(b, pl) === 0) ike(b, pl + 4, end);
      else if (plen >= 8) esp(b, pl, K_ESP_UDP);
      else counters[K_OTHER]!++;
    } else if (sport === 500 || dport === 500) {
      ike(b, pl, end);
    } else {
      counters[K_OTHER]!++;
    }
  } else {
    counters[K_OTHER]!++;
  }
}

/** The figures a walk child prints as one JSON line on stdout. */
export interface WalkResult {
  tool: string;
  frames: number;
  esp: number;
  espUdp: number;
  ikev1: number;
  ikev2: number;
  keepalive: number;
  other: number;
  checksum: number;
  /** The child's own timer: from opening the file to the last packet (excludes Node start-up). */
  seconds: number;
  /** process.resourceUsage().maxRSS, KiB. */
  maxRssKiB: number;
}

export function walkResult(tool: string, seconds: number): WalkResult {
  return {
    tool,
    frames: counters[K_FRAMES]!,
    esp: counters[K_ESP]!,
    espUdp: counters[K_ESP_UDP]!,
    ikev1: counters[K_IKEV1]!,
    ikev2: counters[K_IKEV2]!,
    keepalive: counters[K_KEEPALIVE]!,
    other: counters[K_OTHER]!,
    checksum: counters[K_CHECKSUM]!,
    seconds,
    maxRssKiB: process.resourceUsage().maxRSS,
  };
}
