/**
 * Ethernet II / IEEE 802.3 framing and IEEE 802.1Q VLAN tags.
 *
 * Ethernet only splits the type field: values ≥ 0x0600 are an ethertype
 * (Ethernet II), values ≤ 1500 are an IEEE 802.3 length (LLC follows, shown
 * as data here). The frame's payload runs to the end of the captured bytes:
 * minimum-size padding is left for the IP layer to exclude, since only IP
 * knows its datagram length. A trailing FCS is not stripped (the capture
 * interface's FCS length is not part of the dissect context).
 *
 * VLAN tags (IEEE 802.1Q-2018 §9.6) are their own layer, registered under
 * their TPIDs as ethertype dissectors, so stacked tags (802.1ad QinQ) chain
 * through the ordinary ethertype dispatch.
 */
import { codeTable } from '../../core/codes.js';
import { formatEther } from '../../core/bytes.js';
import { defineFields } from '../../core/fields.js';
import { defineNotes, note } from '../../core/notes.js';
import { node, type TreeNode } from '../../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from '../layer.js';

/** Ethertypes (IEEE Registration Authority), shared by eth.type, vlan.etype and sll.etype. */
export const ETHERTYPES = codeTable('Ethertype', {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x0842: 'Wake-on-LAN',
  0x22f0: 'AVTP',
  0x8035: 'RARP',
  0x809b: 'AppleTalk',
  0x8100: '802.1Q Virtual LAN',
  0x86dd: 'IPv6',
  0x8808: 'Ethernet flow control',
  0x8809: 'Slow protocols (LACP)',
  0x8847: 'MPLS label switched packet',
  0x8848: 'MPLS multicast label switched packet',
  0x8863: 'PPPoE Discovery',
  0x8864: 'PPPoE Session',
  0x888e: '802.1X Authentication',
  0x88a8: '802.1ad Provider Bridge (Q-in-Q)',
  0x88cc: '802.1 Link Layer Discovery Protocol (LLDP)',
  0x88e5: '802.1AE (MACsec)',
  0x88f7: 'PTPv2 over Ethernet (IEEE1588)',
  0x8906: 'Fibre Channel over Ethernet',
  0x9000: 'Configuration Test Protocol (loopback)',
  0x9100: 'QinQ: old non-standard 802.1Q Tag',
});

/** Largest 802.3 length; 1501..1535 are neither a length nor an ethertype (IEEE 802.3 §3.2.6). */
const MAX_8023_LEN = 1500;
const MIN_ETHERTYPE = 0x0600;

export const ethFields = defineFields({
  proto: { id: 'eth', label: 'Ethernet II', type: 'protocol', rfc: 'IEEE 802.3 §3.1' },
  dst: { id: 'eth.dst', label: 'Destination', type: 'ether', rfc: 'IEEE 802.3 §3.2.3' },
  src: { id: 'eth.src', label: 'Source', type: 'ether', rfc: 'IEEE 802.3 §3.2.3' },
  type: { id: 'eth.type', label: 'Type', type: 'uint', base: 'hex', hexDigits: 4, values: ETHERTYPES, rfc: 'IEEE 802.3 §3.2.6' },
  len: { id: 'eth.len', label: 'Length', type: 'uint', rfc: 'IEEE 802.3 §3.2.6' },
  invalidLentype: { id: 'eth.invalid_lentype', label: 'Invalid length/type', type: 'uint', base: 'hex_dec', hexDigits: 4 },
});

export const ethNotes = defineNotes({
  invalidLentype: { id: 'eth.invalid_lentype.expert', group: 'malformed', severity: 'warn', summary: 'Length/type field is neither an 802.3 length nor an ethertype' },
  lenPastEnd: { id: 'eth.len.past_end', group: 'malformed', severity: 'error', summary: '802.3 length goes past the end of the frame' },
});

export interface EthernetRecord {
  /**
   * Both addresses were present. They are read from the layer's data at
   * offset and offset + 6 when shown: every packet of a big capture passes
   * here, and most output never prints a MAC address.
   */
  addresses?: boolean;
  /** The type/length field as sent. */
  type?: number;
  /** How the type/length field was read. */
  kind?: 'ethertype' | 'length' | 'invalid';
  truncated?: boolean;
}

export const ethSpec: LayerSpec<EthernetRecord> = {
  id: 'eth',
  field: ethFields.proto,
  title: (r, l) =>
    `${r.kind === 'length' ? 'IEEE 802.3 Ethernet' : 'Ethernet II'}, Src: ${r.addresses ? formatEther(l.data, l.offset + 6) : '?'}, Dst: ${r.addresses ? formatEther(l.data, l.offset) : '?'}`,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.addresses) {
      out.push(node(ethFields.dst, l.data.subarray(o, o + 6), o, 6));
      out.push(node(ethFields.src, l.data.subarray(o + 6, o + 12), o + 6, 6));
    }
    if (r.type !== undefined) {
      const f = r.kind === 'length' ? ethFields.len : r.kind === 'invalid' ? ethFields.invalidLentype : ethFields.type;
      out.push(node(f, r.type, o + 12, 2));
    }
    return out;
  },
  summarize(r, s, l) {
    // Overwritten by IP when there is one, as in Wireshark's columns.
    if (r.addresses) {
      s.src = formatEther(l.data, l.offset + 6);
      s.dst = formatEther(l.data, l.offset);
    }
    s.protocol = 'Ethernet';
    if (r.kind === 'length') s.info = `802.3 frame, length ${r.type}`;
    else if (r.type !== undefined) s.info = `Ethertype 0x${r.type.toString(16).padStart(4, '0')}`;
  },
};

export const dissectEthernet: Dissector<EthernetRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(ethSpec, src, buf, offset, end, {} as EthernetRecord, (r, rec, notes) => {
    r.skip(6, 'eth.dst');
    r.skip(6, 'eth.src');
    rec.addresses = true;
    const t = r.u16('eth.type');
    rec.type = t;
    const body = offset + 14;
    if (t >= MIN_ETHERTYPE) {
      rec.kind = 'ethertype';
      return { length: 14, next: { by: 'ethertype', key: t, offset: body, end } };
    }
    if (t > MAX_8023_LEN) {
      rec.kind = 'invalid';
      notes.push(note(ethNotes.invalidLentype, `type/length 0x${t.toString(16)} is neither a length nor an ethertype`, offset + 12, 2));
      return { length: 14, next: { by: 'data', key: 0, offset: body, end } };
    }
    // IEEE 802.3 length: an LLC PDU follows; anything past the length is padding.
    rec.kind = 'length';
    let e = body + t;
    if (e > end) {
      notes.push(note(ethNotes.lenPastEnd, `length ${t} > ${end - body} bytes available`, offset + 12, 2));
      e = end;
    }
    return { length: 14, next: { by: 'data', key: 0, offset: body, end: e } };
  });

// ---------------------------------------------------------------- VLAN ----

/** IEEE 802.1Q Table 6-4 / priority code points as Wireshark names them. */
export const VLAN_PRIORITIES = codeTable('Priority', {
  0: 'Best Effort (default)',
  1: 'Background',
  2: 'Excellent Effort',
  3: 'Critical Applications',
  4: 'Video, < 100ms latency and jitter',
  5: 'Voice, < 10ms latency and jitter',
  6: 'Internetwork Control',
  7: 'Network Control',
});

export const vlanFields = defineFields({
  proto: { id: 'vlan', label: '802.1Q Virtual LAN', type: 'protocol', rfc: 'IEEE 802.1Q §9.6' },
  priority: { id: 'vlan.priority', label: 'Priority', type: 'uint', values: VLAN_PRIORITIES, mask: 0xe000, bits: 16, rfc: 'IEEE 802.1Q §9.6' },
  dei: { id: 'vlan.dei', label: 'DEI', type: 'bool', mask: 0x1000, bits: 16, rfc: 'IEEE 802.1Q §9.6' },
  id: { id: 'vlan.id', label: 'ID', type: 'uint', mask: 0x0fff, bits: 16, rfc: 'IEEE 802.1Q §9.6' },
  etype: { id: 'vlan.etype', label: 'Type', type: 'uint', base: 'hex', hexDigits: 4, values: ETHERTYPES, rfc: 'IEEE 802.1Q §9.5' },
  len: { id: 'vlan.len', label: 'Length', type: 'uint' },
});

export const vlanNotes = defineNotes({
  lenPastEnd: { id: 'vlan.len.past_end', group: 'malformed', severity: 'error', summary: 'Length field value goes past the end of the payload' },
});

export interface VlanRecord {
  /** The TPID that introduced this tag (0x8100, 0x88a8, 0x9100). */
  tpid?: number;
  priority?: number;
  dei?: boolean;
  id?: number;
  /** Inner type/length field. */
  etype?: number;
  truncated?: boolean;
}

export const vlanSpec: LayerSpec<VlanRecord> = {
  id: 'vlan',
  field: vlanFields.proto,
  title: (r) => `802.1Q Virtual LAN, PRI: ${r.priority ?? '?'}, DEI: ${r.dei === undefined ? '?' : r.dei ? 1 : 0}, ID: ${r.id ?? '?'}`,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.priority !== undefined) out.push(node(vlanFields.priority, r.priority, o, 2));
    if (r.dei !== undefined) out.push(node(vlanFields.dei, r.dei, o, 2));
    if (r.id !== undefined) out.push(node(vlanFields.id, r.id, o, 2));
    if (r.etype !== undefined) out.push(node(r.etype >= MIN_ETHERTYPE ? vlanFields.etype : vlanFields.len, r.etype, o + 2, 2));
    return out;
  },
  summarize(r, s) {
    s.protocol = '802.1Q';
    s.info = `PRI: ${r.priority ?? '?'}  DEI: ${r.dei ? 1 : 0}  ID: ${r.id ?? '?'}`;
  },
};

/**
 * One VLAN tag. Called by ethertype dispatch with `offset` just past the TPID,
 * so the tag is TCI (2 bytes) + inner type (2 bytes).
 */
export const dissectVlan: Dissector<VlanRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(vlanSpec, src, buf, offset, end, {} as VlanRecord, (r, rec, notes) => {
    if (offset >= 2 && offset <= buf.length) rec.tpid = (buf[offset - 2]! << 8) | buf[offset - 1]!;
    const tci = r.u16('vlan.tci');
    rec.priority = tci >>> 13;
    rec.dei = (tci & 0x1000) !== 0;
    rec.id = tci & 0x0fff;
    const t = r.u16('vlan.etype');
    rec.etype = t;
    const body = offset + 4;
    if (t >= MIN_ETHERTYPE) return { length: 4, next: { by: 'ethertype', key: t, offset: body, end } };
    let e = body + t;
    if (e > end) {
      notes.push(note(vlanNotes.lenPastEnd, `length ${t} > ${end - body} bytes available`, offset + 2, 2));
      e = end;
    }
    return { length: 4, next: { by: 'data', key: 0, offset: body, end: e } };
  });
