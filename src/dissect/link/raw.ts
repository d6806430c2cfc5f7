/**
 * Raw IP link types: no link header at all. LINKTYPE_RAW (101) and the old
 * DLT_RAW values 12 and 14 carry IPv4 or IPv6, told apart by the version
 * nibble (RFC 791 §3.1, RFC 8200 §3); 228 and 229 are IPv4-only and IPv6-only.
 * A pure dispatcher: it adds no layer, and an unknown version becomes data.
 */
import type { Dissector } from '../layer.js';

const IPV4 = 0x0800;
const IPV6 = 0x86dd;

/** LINKTYPE_RAW (101) and DLT_RAW 12 / 14: the version nibble decides. */
export const dissectRawIp: Dissector<never> = (_ctx, _src, buf, offset, end) => {
  const v = offset < end ? buf[offset]! >>> 4 : 0;
  if (v === 4) return { next: { by: 'ethertype', key: IPV4, offset, end } };
  if (v === 6) return { next: { by: 'ethertype', key: IPV6, offset, end } };
  return { next: { by: 'data', key: 0, offset, end } };
};

/** LINKTYPE_IPV4 (228). */
export const dissectRawIpv4: Dissector<never> = (_ctx, _src, _buf, offset, end) => ({ next: { by: 'ethertype', key: IPV4, offset, end } });

/** LINKTYPE_IPV6 (229). */
export const dissectRawIpv6: Dissector<never> = (_ctx, _src, _buf, offset, end) => ({ next: { by: 'ethertype', key: IPV6, offset, end } });
