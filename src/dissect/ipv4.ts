/**
 * IPv4 (RFC 791), with options walked per RFC 791 §3.1 (type, length, data;
 * EOL and NOP are single bytes). The layer covers the header; its payload
 * ends at Total Length, which is what excludes Ethernet minimum-size padding.
 * Fragments (MF set or a non-zero offset) carry a reassembly key for the
 * pipeline; the dissector itself is stateless.
 */
import { codeTable } from '../core/codes.js';
import { formatIPv4 } from '../core/bytes.js';
import { defineFields } from '../core/fields.js';
import { defineNotes, note, type Note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { runDissector, type Dissector, type IpEndpoints, type LayerSpec, type NextHint } from './layer.js';
import { internetChecksum } from './checksum.js';

/** IANA Assigned Internet Protocol Numbers (shared by ip.proto and ipv6.nxt). */
export const IP_PROTOCOLS = codeTable(
  'IPProtocol',
  {
    0: 'IPv6 Hop-by-Hop Option',
    1: 'ICMP',
    2: 'IGMP',
    4: 'IPIP',
    6: 'TCP',
    8: 'EGP',
    9: 'IGP',
    17: 'UDP',
    27: 'RDP',
    33: 'DCCP',
    41: 'IPv6',
    43: 'Routing Header for IPv6',
    44: 'Fragment Header for IPv6',
    46: 'RSVP',
    47: 'GRE',
    50: 'ESP',
    51: 'AH',
    55: 'MOBILE',
    58: 'ICMPv6',
    59: 'IPv6 No Next Header',
    60: 'Destination Options for IPv6',
    88: 'EIGRP',
    89: 'OSPF',
    94: 'IPIP (KA9Q NOS)',
    97: 'ETHERIP',
    103: 'PIM',
    108: 'IPComp',
    112: 'VRRP',
    115: 'L2TP',
    132: 'SCTP',
    135: 'Mobility Header',
    136: 'UDPLite',
    137: 'MPLS in IP',
    139: 'HIP',
    140: 'Shim6',
    141: 'WESP',
    142: 'ROHC',
    143: 'Ethernet',
    144: 'AGGFRAG',
    145: 'NSH',
    253: 'Experimentation and testing (RFC 3692)',
    254: 'Experimentation and testing (RFC 3692)',
    255: 'Reserved',
  },
  [{ min: 146, max: 252, name: 'Unassigned' }],
);

/** RFC 791 §3.1 option numbers (type byte: copied flag, class, number). */
export const IP_OPTIONS = codeTable('IPOption', {
  0: 'End of Options List (EOL)',
  1: 'No-Operation (NOP)',
  7: 'Record Route (RR)',
  68: 'Time Stamp (TS)',
  130: 'Security (SEC)',
  131: 'Loose Source Route (LSR)',
  133: 'Extended Security (E-SEC)',
  136: 'Stream ID (SID)',
  137: 'Strict Source Route (SSR)',
  148: 'Router Alert',
});

export const ipv4Fields = defineFields({
  proto: { id: 'ip', label: 'Internet Protocol Version 4', type: 'protocol', rfc: 'RFC 791' },
  version: { id: 'ip.version', label: 'Version', type: 'uint', mask: 0xf0, bits: 8, rfc: 'RFC 791 §3.1' },
  hdrLen: { id: 'ip.hdr_len', label: 'Header Length', type: 'uint', rfc: 'RFC 791 §3.1' },
  dsfield: { id: 'ip.dsfield', label: 'Differentiated Services Field', type: 'uint', base: 'hex', hexDigits: 2, rfc: 'RFC 2474 §3' },
  dscp: { id: 'ip.dsfield.dscp', label: 'Differentiated Services Codepoint', type: 'uint', mask: 0xfc, bits: 8, rfc: 'RFC 2474 §3' },
  ecn: { id: 'ip.dsfield.ecn', label: 'Explicit Congestion Notification', type: 'uint', mask: 0x03, bits: 8, rfc: 'RFC 3168 §5' },
  len: { id: 'ip.len', label: 'Total Length', type: 'uint', rfc: 'RFC 791 §3.1' },
  id: { id: 'ip.id', label: 'Identification', type: 'uint', base: 'hex_dec', hexDigits: 4, rfc: 'RFC 791 §3.1' },
  flags: { id: 'ip.flags', label: 'Flags', type: 'uint', base: 'hex', hexDigits: 2, rfc: 'RFC 791 §3.1' },
  flagRb: { id: 'ip.flags.rb', label: 'Reserved bit', type: 'bool', mask: 0x80, bits: 8, rfc: 'RFC 791 §3.1' },
  flagDf: { id: 'ip.flags.df', label: "Don't fragment", type: 'bool', mask: 0x40, bits: 8, rfc: 'RFC 791 §3.1' },
  flagMf: { id: 'ip.flags.mf', label: 'More fragments', type: 'bool', mask: 0x20, bits: 8, rfc: 'RFC 791 §3.1' },
  fragOffset: { id: 'ip.frag_offset', label: 'Fragment Offset', type: 'uint', mask: 0x1fff, bits: 16, rfc: 'RFC 791 §3.1' },
  ttl: { id: 'ip.ttl', label: 'Time to Live', type: 'uint', rfc: 'RFC 791 §3.1' },
  proto_: { id: 'ip.proto', label: 'Protocol', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 791 §3.1' },
  checksum: { id: 'ip.checksum', label: 'Header Checksum', type: 'uint', base: 'hex', hexDigits: 4, rfc: 'RFC 791 §3.1' },
  checksumStatus: { id: 'ip.checksum.status', label: 'Header checksum status', type: 'string' },
  src: { id: 'ip.src', label: 'Source Address', type: 'ipv4', rfc: 'RFC 791 §3.1' },
  dst: { id: 'ip.dst', label: 'Destination Address', type: 'ipv4', rfc: 'RFC 791 §3.1' },
  options: { id: 'ip.options', label: 'Options', type: 'none', rfc: 'RFC 791 §3.1' },
  opt: { id: 'ip.opt', label: 'Option', type: 'none', rfc: 'RFC 791 §3.1' },
  optType: { id: 'ip.opt.type', label: 'Type', type: 'uint', values: IP_OPTIONS, rfc: 'RFC 791 §3.1' },
  optLen: { id: 'ip.opt.len', label: 'Length', type: 'uint', rfc: 'RFC 791 §3.1' },
  optData: { id: 'ip.opt.data', label: 'Data', type: 'bytes' },
});

export const ipv4Notes = defineNotes({
  badVersion: { id: 'ip.bogus_ip_version', group: 'malformed', severity: 'error', summary: 'IP version is not 4' },
  badHdrLen: { id: 'ip.bogus_header_length', group: 'malformed', severity: 'error', summary: 'IPv4 header length is less than 20 bytes' },
  badLen: { id: 'ip.bogus_ip_length', group: 'malformed', severity: 'error', summary: 'IPv4 total length is less than the header length' },
  lenPastEnd: { id: 'ip.len.past_end', group: 'malformed', severity: 'error', summary: 'IPv4 total length exceeds the bytes available' },
  lenZero: { id: 'ip.len.zero', group: 'protocol', severity: 'note', summary: 'IPv4 total length is 0 (TCP segmentation offload?)' },
  badChecksum: { id: 'ip.checksum.bad', group: 'checksum', severity: 'error', summary: 'IPv4 header checksum is wrong' },
  badOption: { id: 'ip.opt.len.invalid', group: 'malformed', severity: 'error', summary: 'IPv4 option length is invalid' },
});

export interface Ipv4Option {
  readonly offset: number;
  readonly type: number;
  /** Declared length (1 for EOL/NOP). */
  readonly length: number;
  readonly data?: Uint8Array;
}

export interface Ipv4Record {
  version?: number;
  /** Header length in bytes (IHL × 4). */
  hdrLen?: number;
  dsfield?: number;
  totalLength?: number;
  id?: number;
  /** The three flag bits (RB, DF, MF) as the top bits of a byte, like Wireshark's ip.flags. */
  flags?: number;
  /** In 8-byte units, as sent. */
  fragOffset?: number;
  ttl?: number;
  proto?: number;
  checksum?: number;
  checksumStatus?: 'good' | 'bad' | 'unverified';
  src?: Uint8Array;
  dst?: Uint8Array;
  options?: Ipv4Option[];
  /** Payload range dispatched (clamped to the bytes present). */
  payloadOffset?: number;
  payloadEnd?: number;
  truncated?: boolean;
}

function isFragment(r: Ipv4Record): boolean {
  return ((r.flags ?? 0) & 0x20) !== 0 || (r.fragOffset ?? 0) !== 0;
}

export const ipv4Spec: LayerSpec<Ipv4Record> = {
  id: 'ip',
  field: ipv4Fields.proto,
  title: (r) => `Internet Protocol Version 4, Src: ${r.src ? formatIPv4(r.src) : '?'}, Dst: ${r.dst ? formatIPv4(r.dst) : '?'}`,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.version !== undefined) out.push(node(ipv4Fields.version, r.version, o, 1));
    if (r.hdrLen !== undefined) {
      out.push(node(ipv4Fields.hdrLen, r.hdrLen, o, 1, { text: `.... ${(r.hdrLen >>> 2).toString(2).padStart(4, '0')} = Header Length: ${r.hdrLen} bytes (${r.hdrLen >>> 2})` }));
    }
    if (r.dsfield !== undefined) {
      out.push(
        node(ipv4Fields.dsfield, r.dsfield, o + 1, 1, {
          children: [node(ipv4Fields.dscp, r.dsfield >>> 2, o + 1, 1), node(ipv4Fields.ecn, r.dsfield & 3, o + 1, 1)],
        }),
      );
    }
    if (r.totalLength !== undefined) out.push(node(ipv4Fields.len, r.totalLength, o + 2, 2));
    if (r.id !== undefined) out.push(node(ipv4Fields.id, r.id, o + 4, 2));
    if (r.flags !== undefined) {
      const f = r.flags;
      out.push(
        node(ipv4Fields.flags, f, o + 6, 1, {
          children: [
            node(ipv4Fields.flagRb, (f & 0x80) !== 0, o + 6, 1),
            node(ipv4Fields.flagDf, (f & 0x40) !== 0, o + 6, 1),
            node(ipv4Fields.flagMf, (f & 0x20) !== 0, o + 6, 1),
          ],
        }),
      );
    }
    if (r.fragOffset !== undefined) out.push(node(ipv4Fields.fragOffset, r.fragOffset, o + 6, 2));
    if (r.ttl !== undefined) out.push(node(ipv4Fields.ttl, r.ttl, o + 8, 1));
    if (r.proto !== undefined) out.push(node(ipv4Fields.proto_, r.proto, o + 9, 1));
    if (r.checksum !== undefined) out.push(node(ipv4Fields.checksum, r.checksum, o + 10, 2));
    if (r.checksumStatus !== undefined) out.push(node(ipv4Fields.checksumStatus, r.checksumStatus, o + 10, 2));
    if (r.src) out.push(node(ipv4Fields.src, r.src, o + 12, 4));
    if (r.dst) out.push(node(ipv4Fields.dst, r.dst, o + 16, 4));
    if (r.options && r.hdrLen !== undefined && r.hdrLen > 20) {
      const kids = r.options.map((op) => {
        const c: TreeNode[] = [node(ipv4Fields.optType, op.type, op.offset, 1)];
        if (op.type > 1) c.push(node(ipv4Fields.optLen, op.length, op.offset + 1, 1));
        if (op.data && op.data.length) c.push(node(ipv4Fields.optData, op.data, op.offset + 2, op.data.length));
        const name = IP_OPTIONS.values.get(op.type) ?? `Unknown (${op.type})`;
        return node(ipv4Fields.opt, null, op.offset, op.length, { text: `IP Option - ${name}`, children: c });
      });
      out.push(node(ipv4Fields.options, null, o + 20, r.hdrLen - 20, { text: `Options: (${r.hdrLen - 20} bytes)`, children: kids }));
    }
    return out;
  },
  summarize(r, s) {
    if (r.src) s.src = formatIPv4(r.src);
    if (r.dst) s.dst = formatIPv4(r.dst);
    s.protocol = 'IPv4';
    if (isFragment(r)) {
      const p = r.proto ?? 0;
      const name = IP_PROTOCOLS.values.get(p) ?? 'Unknown';
      s.info = `Fragmented IP protocol (proto=${name} ${p}, off=${(r.fragOffset ?? 0) * 8}, ID=${(r.id ?? 0).toString(16).padStart(4, '0')})`;
    } else {
      s.info = '';
    }
  },
};

/** Walk the options area [start, end) (RFC 791 §3.1). Malformed lengths stop the walk with a note. */
function parseOptions(buf: Uint8Array, start: number, end: number, notes: Note[]): Ipv4Option[] {
  const out: Ipv4Option[] = [];
  let p = start;
  while (p < end) {
    const t = buf[p]!;
    if (t === 0) {
      // EOL: the rest of the header is padding.
      out.push({ offset: p, type: 0, length: end - p });
      break;
    }
    if (t === 1) {
      out.push({ offset: p, type: 1, length: 1 });
      p++;
      continue;
    }
    if (p + 1 >= end) {
      notes.push(note(ipv4Notes.badOption, `option ${t} has no length byte`, p, 1));
      break;
    }
    const len = buf[p + 1]!;
    if (len < 2 || p + len > end) {
      notes.push(note(ipv4Notes.badOption, `option ${t} length ${len} ${len < 2 ? '< 2' : `> ${end - p} bytes left in header`}`, p + 1, 1));
      break;
    }
    out.push({ offset: p, type: t, length: len, data: buf.subarray(p + 2, p + len) });
    p += len;
  }
  return out;
}

export const dissectIpv4: Dissector<Ipv4Record> = (ctx, src, buf, offset, end) =>
  runDissector(ipv4Spec, src, buf, offset, end, {} as Ipv4Record, (r, rec, notes) => {
    const vihl = r.u8('ip.version');
    rec.version = vihl >>> 4;
    rec.hdrLen = (vihl & 0x0f) * 4;
    if (rec.version !== 4) {
      notes.push(note(ipv4Notes.badVersion, `version ${rec.version} in an IPv4 header`, offset, 1));
      return { length: 1 };
    }
    rec.dsfield = r.u8('ip.dsfield');
    rec.totalLength = r.u16('ip.len');
    rec.id = r.u16('ip.id');
    const ff = r.u16('ip.flags');
    rec.flags = (ff >>> 8) & 0xe0;
    rec.fragOffset = ff & 0x1fff;
    rec.ttl = r.u8('ip.ttl');
    rec.proto = r.u8('ip.proto');
    rec.checksum = r.u16('ip.checksum');
    rec.src = r.bytes(4, 'ip.src');
    rec.dst = r.bytes(4, 'ip.dst');
    const hl = rec.hdrLen;
    if (hl < 20) {
      notes.push(note(ipv4Notes.badHdrLen, `header length ${hl} < 20`, offset, 1));
      return { length: 20 };
    }
    // Options: read as a block first so a short header is reported as truncated.
    if (hl > 20) {
      r.skip(hl - 20, 'ip.options');
      rec.options = parseOptions(buf, offset + 20, offset + hl, notes);
    }
    if (!ctx.prefs.checkIpChecksum) rec.checksumStatus = 'unverified';
    else if (internetChecksum(buf, offset, offset + hl) === 0) rec.checksumStatus = 'good';
    else {
      rec.checksumStatus = 'bad';
      // The value the sender should have put there: adding ~C (one's complement) takes the field back out.
      const want = internetChecksum(buf, offset, offset + hl, 0xffff - rec.checksum);
      notes.push(note(ipv4Notes.badChecksum, `header checksum 0x${hex4(rec.checksum)} is wrong, should be 0x${hex4(want)}`, offset + 10, 2));
    }

    let payloadEnd: number;
    const tl = rec.totalLength;
    if (tl === 0) {
      // Captured before TCP segmentation offload filled it in: use what is there (as Wireshark does).
      notes.push(note(ipv4Notes.lenZero, 'total length 0: assuming the rest of the frame (TSO?)', offset + 2, 2));
      payloadEnd = end;
    } else if (tl < hl) {
      notes.push(note(ipv4Notes.badLen, `total length ${tl} < header length ${hl}`, offset + 2, 2));
      return { length: hl };
    } else if (offset + tl > end) {
      // A snaplen cut is already reported on the frame; anything else is a short datagram.
      if (!(src === 0 && ctx.frame.origLen > ctx.frame.caplen)) {
        notes.push(note(ipv4Notes.lenPastEnd, `total length ${tl} > ${end - offset} bytes available`, offset + 2, 2));
      }
      payloadEnd = end;
    } else {
      payloadEnd = offset + tl;
    }
    rec.payloadOffset = offset + hl;
    rec.payloadEnd = payloadEnd;

    const ip: IpEndpoints = { family: 4, src: rec.src, dst: rec.dst, ttl: rec.ttl };
    const more = (rec.flags & 0x20) !== 0;
    let next: NextHint;
    if (more || rec.fragOffset !== 0) {
      // RFC 791 §3.2: fragments of one datagram share source, destination, protocol and identification.
      const key = `${formatIPv4(rec.src)}|${formatIPv4(rec.dst)}|${rec.id}|${rec.proto}`;
      next = { by: 'ipproto', key: rec.proto, offset: offset + hl, end: payloadEnd, ip, fragment: { family: 4, key, fragOffset: rec.fragOffset * 8, more } };
    } else {
      next = { by: 'ipproto', key: rec.proto, offset: offset + hl, end: payloadEnd, ip };
    }
    return { length: hl, next };
  });

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}
