/**
 * Linux "cooked" captures (`tcpdump -i any`): LINKTYPE_LINUX_SLL (113) and
 * LINKTYPE_LINUX_SLL2 (276), as documented at tcpdump.org/linktypes.
 *
 * The protocol field is an ethertype for most ARPHRD types; values below
 * 0x0600 are Linux ETH_P_* pseudo-types (802.3 / 802.2 frames), shown as
 * `sll.ltype` and left as data.
 */
import { codeTable } from '../../core/codes.js';
import { formatEther } from '../../core/bytes.js';
import { defineFields } from '../../core/fields.js';
import { node, type TreeNode } from '../../core/tree.js';
import { runDissector, type Dissector, type LayerSpec, type NextHint } from '../layer.js';
import { ETHERTYPES } from './ethernet.js';

/** PACKET_* from <linux/if_packet.h>; names as Wireshark shows them. */
export const SLL_PKTTYPES = codeTable('PacketType', {
  0: 'Unicast to us',
  1: 'Broadcast',
  2: 'Multicast',
  3: 'Unicast to another host',
  4: 'Sent by us',
  5: 'Loopback',
  6: 'User',
  7: 'Kernel',
});

/** ARPHRD_* from <linux/if_arp.h> (the common ones). */
export const SLL_HATYPES = codeTable('ARPHRD', {
  0: 'NET/ROM',
  1: 'Ethernet',
  24: 'IEEE 1394',
  32: 'InfiniBand',
  512: 'PPP',
  768: 'IPIP tunnel',
  769: 'IP6IP6 tunnel',
  772: 'Loopback',
  776: 'IPv6-in-IPv4 (SIT)',
  778: 'GRE tunnel',
  783: 'IrDA',
  801: 'IEEE 802.11',
  803: 'IEEE 802.11 + radiotap',
  804: 'IEEE 802.15.4',
  820: 'Netlink',
  823: 'IP6GRE tunnel',
  824: 'Netlink',
  65534: 'None (tun)',
  65535: 'Void',
});

/** Linux ETH_P_* pseudo-protocols used when the field is not an ethertype. */
export const SLL_LTYPES = codeTable('LinuxProtocol', {
  0x0001: 'Novell 802.3 frames without 802.2 LLC header',
  0x0003: 'Frames with any protocol (ETH_P_ALL)',
  0x0004: '802.2 LLC frames',
  0x000c: 'CAN (ETH_P_CAN)',
  0x000d: 'CAN FD (ETH_P_CANFD)',
  0x0010: 'Frames with 802.2 LLC but no SNAP',
});

export const sllFields = defineFields({
  proto: { id: 'sll', label: 'Linux cooked capture', type: 'protocol', rfc: 'tcpdump.org LINKTYPE_LINUX_SLL' },
  pkttype: { id: 'sll.pkttype', label: 'Packet type', type: 'uint', values: SLL_PKTTYPES },
  hatype: { id: 'sll.hatype', label: 'Link-layer address type', type: 'uint', values: SLL_HATYPES },
  halen: { id: 'sll.halen', label: 'Link-layer address length', type: 'uint' },
  srcEth: { id: 'sll.src.eth', label: 'Source', type: 'ether' },
  srcIpv4: { id: 'sll.src.ipv4', label: 'Source', type: 'ipv4' },
  srcOther: { id: 'sll.src.other', label: 'Source', type: 'bytes' },
  unused: { id: 'sll.unused', label: 'Unused', type: 'bytes' },
  etype: { id: 'sll.etype', label: 'Protocol', type: 'uint', base: 'hex', hexDigits: 4, values: ETHERTYPES },
  ltype: { id: 'sll.ltype', label: 'Protocol', type: 'uint', base: 'hex', hexDigits: 4, values: SLL_LTYPES },
  reserved: { id: 'sll.reserved', label: 'Reserved', type: 'uint', base: 'hex', hexDigits: 4 },
  ifindex: { id: 'sll.ifindex', label: 'Interface index', type: 'uint' },
});

export interface SllRecord {
  version?: 1 | 2;
  pkttype?: number;
  hatype?: number;
  halen?: number;
  /** The address bytes that are in use (min(halen, 8)). */
  addr?: Uint8Array;
  /** Absolute offset of the 8-byte address field. */
  addrOffset?: number;
  protocol?: number;
  protocolOffset?: number;
  /** SLL2 only. */
  reserved?: number;
  ifindex?: number;
  truncated?: boolean;
}

function addrNode(r: SllRecord): TreeNode[] {
  if (r.addr === undefined || r.addrOffset === undefined) return [];
  const out: TreeNode[] = [];
  const n = r.addr.length;
  if (n === 6 && r.hatype !== 778 && r.hatype !== 768) out.push(node(sllFields.srcEth, r.addr, r.addrOffset, 6));
  else if (n === 4) out.push(node(sllFields.srcIpv4, r.addr, r.addrOffset, 4));
  else if (n > 0) out.push(node(sllFields.srcOther, r.addr, r.addrOffset, n));
  if (n < 8) out.push(node(sllFields.unused, null, r.addrOffset + n, 8 - n, { text: `Unused: ${8 - n} bytes` }));
  return out;
}

export const sllSpec: LayerSpec<SllRecord> = {
  id: 'sll',
  field: sllFields.proto,
  title: (r) => (r.version === 2 ? 'Linux cooked capture v2' : 'Linux cooked capture v1'),
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    const protoNode = () =>
      r.protocol !== undefined && r.protocolOffset !== undefined
        ? [node(r.protocol >= 0x600 ? sllFields.etype : sllFields.ltype, r.protocol, r.protocolOffset, 2)]
        : [];
    if (r.version === 2) {
      out.push(...protoNode());
      if (r.reserved !== undefined) out.push(node(sllFields.reserved, r.reserved, o + 2, 2));
      if (r.ifindex !== undefined) out.push(node(sllFields.ifindex, r.ifindex, o + 4, 4));
      if (r.hatype !== undefined) out.push(node(sllFields.hatype, r.hatype, o + 8, 2));
      if (r.pkttype !== undefined) out.push(node(sllFields.pkttype, r.pkttype, o + 10, 1));
      if (r.halen !== undefined) out.push(node(sllFields.halen, r.halen, o + 11, 1));
      out.push(...addrNode(r));
    } else {
      if (r.pkttype !== undefined) out.push(node(sllFields.pkttype, r.pkttype, o, 2));
      if (r.hatype !== undefined) out.push(node(sllFields.hatype, r.hatype, o + 2, 2));
      if (r.halen !== undefined) out.push(node(sllFields.halen, r.halen, o + 4, 2));
      out.push(...addrNode(r));
      out.push(...protoNode());
    }
    return out;
  },
  summarize(r, s) {
    if (r.addr && r.addr.length === 6) s.src = formatEther(r.addr);
    s.protocol = 'SLL';
  },
};

function nextFor(protocol: number, body: number, end: number): NextHint {
  return protocol >= 0x600 ? { by: 'ethertype', key: protocol, offset: body, end } : { by: 'data', key: 0, offset: body, end };
}

/** LINKTYPE_LINUX_SLL: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). */
export const dissectSll: Dissector<SllRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(sllSpec, src, buf, offset, end, { version: 1 } as SllRecord, (r, rec) => {
    rec.pkttype = r.u16('sll.pkttype');
    rec.hatype = r.u16('sll.hatype');
    rec.halen = r.u16('sll.halen');
    rec.addrOffset = r.pos;
    const a = r.bytes(8, 'sll.src');
    rec.addr = a.subarray(0, Math.min(rec.halen, 8));
    rec.protocolOffset = r.pos;
    rec.protocol = r.u16('sll.etype');
    return { length: 16, next: nextFor(rec.protocol, offset + 16, end) };
  });

/** LINKTYPE_LINUX_SLL2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8). */
export const dissectSll2: Dissector<SllRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(sllSpec, src, buf, offset, end, { version: 2 } as SllRecord, (r, rec) => {
    rec.protocolOffset = r.pos;
    rec.protocol = r.u16('sll.etype');
    rec.reserved = r.u16('sll.reserved');
    rec.ifindex = r.u32('sll.ifindex');
    rec.hatype = r.u16('sll.hatype');
    rec.pkttype = r.u8('sll.pkttype');
    rec.halen = r.u8('sll.halen');
    rec.addrOffset = r.pos;
    const a = r.bytes(8, 'sll.src');
    rec.addr = a.subarray(0, Math.min(rec.halen, 8));
    return { length: 20, next: nextFor(rec.protocol, offset + 20, end) };
  });
