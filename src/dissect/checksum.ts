/** The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-header sums UDP and TCP use. */
import type { IpEndpoints } from './layer.js';

/**
 * One's-complement sum over [start, end), folded and complemented, starting
 * from `initial` (a pseudo-header sum). A correct header/segment gives 0.
 */
export function internetChecksum(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (i < end) sum += b[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** RFC 768 / RFC 8200 §8.1 pseudo-header sum (unfolded). */
export function pseudoHeaderSum(ip: IpEndpoints, proto: number, length: number): number {
  let sum = 0;
  for (const a of [ip.src, ip.dst]) for (let i = 0; i + 1 < a.length; i += 2) sum += (a[i]! << 8) | a[i + 1]!;
  sum += proto;
  sum += length & 0xffff;
  sum += length >>> 16;
  return sum;
}
