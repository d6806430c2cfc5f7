/**
 * ARP (RFC 826), summary level: captures of IPsec peers on a LAN start with
 * it, and a packet list that says "Who has 10.99.1.2?" reads better than raw data.
 */
import { codeTable } from '../core/codes.js';
import { formatEther, formatIPv4 } from '../core/bytes.js';
import { defineFields } from '../core/fields.js';
import { node } from '../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from './layer.js';

const OPCODES = codeTable('ArpOpcode', { 1: 'request', 2: 'reply', 3: 'reverse request', 4: 'reverse reply' });

export const arpFields = defineFields({
  proto: { id: 'arp', label: 'Address Resolution Protocol', type: 'protocol', rfc: 'RFC 826' },
  hwType: { id: 'arp.hw.type', label: 'Hardware type', type: 'uint' },
  protoType: { id: 'arp.proto.type', label: 'Protocol type', type: 'uint', base: 'hex', hexDigits: 4 },
  hwSize: { id: 'arp.hw.size', label: 'Hardware size', type: 'uint' },
  protoSize: { id: 'arp.proto.size', label: 'Protocol size', type: 'uint' },
  opcode: { id: 'arp.opcode', label: 'Opcode', type: 'uint', values: OPCODES },
  srcHw: { id: 'arp.src.hw_mac', label: 'Sender MAC address', type: 'ether' },
  srcIp: { id: 'arp.src.proto_ipv4', label: 'Sender IP address', type: 'ipv4' },
  dstHw: { id: 'arp.dst.hw_mac', label: 'Target MAC address', type: 'ether' },
  dstIp: { id: 'arp.dst.proto_ipv4', label: 'Target IP address', type: 'ipv4' },
});

export interface ArpRecord {
  hwType?: number;
  protoType?: number;
  hwSize?: number;
  protoSize?: number;
  opcode?: number;
  /** Ethernet/IPv4 ARP only: the four addresses. */
  srcHw?: Uint8Array;
  srcIp?: Uint8Array;
  dstHw?: Uint8Array;
  dstIp?: Uint8Array;
  truncated?: boolean;
}

export const arpSpec: LayerSpec<ArpRecord> = {
  id: 'arp',
  field: arpFields.proto,
  title: (r) => `Address Resolution Protocol (${r.opcode === 1 ? 'request' : r.opcode === 2 ? 'reply' : 'opcode ' + String(r.opcode)})`,
  tree(r, l) {
    const o = l.offset;
    const n = [];
    if (r.hwType !== undefined) n.push(node(arpFields.hwType, r.hwType, o, 2));
    if (r.protoType !== undefined) n.push(node(arpFields.protoType, r.protoType, o + 2, 2));
    if (r.hwSize !== undefined) n.push(node(arpFields.hwSize, r.hwSize, o + 4, 1));
    if (r.protoSize !== undefined) n.push(node(arpFields.protoSize, r.protoSize, o + 5, 1));
    if (r.opcode !== undefined) n.push(node(arpFields.opcode, r.opcode, o + 6, 2));
    if (r.srcHw) n.push(node(arpFields.srcHw, r.srcHw, o + 8, 6));
    if (r.srcIp) n.push(node(arpFields.srcIp, r.srcIp, o + 14, 4));
    if (r.dstHw) n.push(node(arpFields.dstHw, r.dstHw, o + 18, 6));
    if (r.dstIp) n.push(node(arpFields.dstIp, r.dstIp, o + 24, 4));
    return n;
  },
  summarize(r, s) {
    s.protocol = 'ARP';
    if (!r.srcIp || !r.dstIp || !r.srcHw) return;
    if (r.opcode === 1) s.info = `Who has ${formatIPv4(r.dstIp)}? Tell ${formatIPv4(r.srcIp)}`;
    else if (r.opcode === 2) s.info = `${formatIPv4(r.srcIp)} is at ${formatEther(r.srcHw)}`;
  },
};

export const dissectArp: Dissector<ArpRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(arpSpec, src, buf, offset, end, {} as ArpRecord, (r, rec) => {
    rec.hwType = r.u16('arp.hw.type');
    rec.protoType = r.u16('arp.proto.type');
    rec.hwSize = r.u8('arp.hw.size');
    rec.protoSize = r.u8('arp.proto.size');
    rec.opcode = r.u16('arp.opcode');
    if (rec.hwSize !== 6 || rec.protoSize !== 4) return { length: 8 };
    rec.srcHw = r.bytes(6, 'arp.src.hw_mac');
    rec.srcIp = r.bytes(4, 'arp.src.proto_ipv4');
    rec.dstHw = r.bytes(6, 'arp.dst.hw_mac');
    rec.dstIp = r.bytes(4, 'arp.dst.proto_ipv4');
    return { length: 28 };
  });
