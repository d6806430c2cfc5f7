/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443, Neighbor Discovery RFC 4861): the
 * common header, echo identifiers, and enough per-type detail for a tshark-like
 * Info column. The invoking packet quoted by error messages is left as data.
 */
import { formatIPv6 } from '../core/bytes.js';
import { codeName, codeTable, type CodeTable } from '../core/codes.js';
import { defineFields } from '../core/fields.js';
import { defineNotes, note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from './layer.js';
import { internetChecksum, pseudoHeaderSum } from './checksum.js';

export const ICMP_TYPES = codeTable('ICMPType', {
  0: 'Echo (ping) reply',
  3: 'Destination unreachable',
  4: 'Source quench (flow control)',
  5: 'Redirect',
  8: 'Echo (ping) request',
  9: 'Router advertisement',
  10: 'Router solicitation',
  11: 'Time-to-live exceeded',
  12: 'Parameter problem',
  13: 'Timestamp request',
  14: 'Timestamp reply',
  15: 'Information request',
  16: 'Information reply',
  17: 'Address mask request',
  18: 'Address mask reply',
  30: 'Traceroute',
  42: 'Extended Echo request',
  43: 'Extended Echo reply',
});

const ICMP_UNREACH = codeTable('ICMPUnreachCode', {
  0: 'Network unreachable',
  1: 'Host unreachable',
  2: 'Protocol unreachable',
  3: 'Port unreachable',
  4: 'Fragmentation needed',
  5: 'Source route failed',
  6: 'Destination network unknown',
  7: 'Destination host unknown',
  8: 'Source host isolated',
  9: 'Network administratively prohibited',
  10: 'Host administratively prohibited',
  11: 'Network unreachable for TOS',
  12: 'Host unreachable for TOS',
  13: 'Communication administratively filtered',
  14: 'Host precedence violation',
  15: 'Precedence cutoff in effect',
});
const ICMP_REDIRECT = codeTable('ICMPRedirectCode', { 0: 'Redirect for network', 1: 'Redirect for host', 2: 'Redirect for TOS and network', 3: 'Redirect for TOS and host' });
const ICMP_TIME = codeTable('ICMPTimeExceededCode', { 0: 'Time to live exceeded in transit', 1: 'Fragment reassembly time exceeded' });
const ICMP_PARAM = codeTable('ICMPParamProblemCode', { 0: 'Pointer indicates the error', 1: 'Required option missing', 2: 'Bad length' });

/** Code tables by ICMP type (RFC 792, RFC 1191 for "fragmentation needed"). */
export const ICMP_CODES: ReadonlyMap<number, CodeTable> = new Map([
  [3, ICMP_UNREACH],
  [5, ICMP_REDIRECT],
  [11, ICMP_TIME],
  [12, ICMP_PARAM],
]);

export const ICMPV6_TYPES = codeTable(
  'ICMPv6Type',
  {
    1: 'Destination Unreachable',
    2: 'Packet Too Big',
    3: 'Time Exceeded',
    4: 'Parameter Problem',
    128: 'Echo (ping) request',
    129: 'Echo (ping) reply',
    130: 'Multicast Listener Query',
    131: 'Multicast Listener Report',
    132: 'Multicast Listener Done',
    133: 'Router Solicitation',
    134: 'Router Advertisement',
    135: 'Neighbor Solicitation',
    136: 'Neighbor Advertisement',
    137: 'Redirect',
    143: 'Multicast Listener Report Message v2',
  },
  [
    { min: 100, max: 101, name: 'Private experimentation' },
    { min: 200, max: 201, name: 'Private experimentation' },
  ],
);

const ICMPV6_UNREACH = codeTable('ICMPv6UnreachCode', {
  0: 'no route to destination',
  1: 'communication with destination administratively prohibited',
  2: 'beyond scope of source address',
  3: 'address unreachable',
  4: 'port unreachable',
  5: 'source address failed ingress/egress policy',
  6: 'reject route to destination',
  7: 'Error in Source Routing Header',
});
const ICMPV6_TIME = codeTable('ICMPv6TimeExceededCode', { 0: 'hop limit exceeded in transit', 1: 'fragment reassembly time exceeded' });
const ICMPV6_PARAM = codeTable('ICMPv6ParamProblemCode', {
  0: 'erroneous header field encountered',
  1: 'unrecognized Next Header type encountered',
  2: 'unrecognized IPv6 option encountered',
  3: 'IPv6 First Fragment has incomplete IPv6 Header Chain',
});

/** Code tables by ICMPv6 type (RFC 4443 §3). */
export const ICMPV6_CODES: ReadonlyMap<number, CodeTable> = new Map([
  [1, ICMPV6_UNREACH],
  [3, ICMPV6_TIME],
  [4, ICMPV6_PARAM],
]);

export const icmpFields = defineFields({
  proto: { id: 'icmp', label: 'Internet Control Message Protocol', type: 'protocol', rfc: 'RFC 792' },
  type: { id: 'icmp.type', label: 'Type', type: 'uint', values: ICMP_TYPES, rfc: 'RFC 792' },
  code: { id: 'icmp.code', label: 'Code', type: 'uint', rfc: 'RFC 792' },
  checksum: { id: 'icmp.checksum', label: 'Checksum', type: 'uint', base: 'hex', hexDigits: 4, rfc: 'RFC 792' },
  checksumStatus: { id: 'icmp.checksum.status', label: 'Checksum Status', type: 'string' },
  ident: { id: 'icmp.ident', label: 'Identifier (BE)', type: 'uint', base: 'hex_dec', hexDigits: 4, rfc: 'RFC 792' },
  identLe: { id: 'icmp.ident_le', label: 'Identifier (LE)', type: 'uint', base: 'hex_dec', hexDigits: 4 },
  seq: { id: 'icmp.seq', label: 'Sequence Number (BE)', type: 'uint', base: 'hex_dec', hexDigits: 4, rfc: 'RFC 792' },
  seqLe: { id: 'icmp.seq_le', label: 'Sequence Number (LE)', type: 'uint', base: 'hex_dec', hexDigits: 4 },
  mtu: { id: 'icmp.mtu', label: 'MTU of next hop', type: 'uint', rfc: 'RFC 1191 §4' },
  pointer: { id: 'icmp.pointer', label: 'Pointer', type: 'uint', rfc: 'RFC 792' },
  gateway: { id: 'icmp.redir_gw', label: 'Gateway Address', type: 'ipv4', rfc: 'RFC 792' },
});

export const icmpv6Fields = defineFields({
  proto: { id: 'icmpv6', label: 'Internet Control Message Protocol v6', type: 'protocol', rfc: 'RFC 4443' },
  type: { id: 'icmpv6.type', label: 'Type', type: 'uint', values: ICMPV6_TYPES, rfc: 'RFC 4443 §2.1' },
  code: { id: 'icmpv6.code', label: 'Code', type: 'uint', rfc: 'RFC 4443 §2.1' },
  checksum: { id: 'icmpv6.checksum', label: 'Checksum', type: 'uint', base: 'hex', hexDigits: 4, rfc: 'RFC 4443 §2.3' },
  checksumStatus: { id: 'icmpv6.checksum.status', label: 'Checksum Status', type: 'string' },
  ident: { id: 'icmpv6.echo.identifier', label: 'Identifier', type: 'uint', base: 'hex', hexDigits: 4, rfc: 'RFC 4443 §4.1' },
  seq: { id: 'icmpv6.echo.sequence_number', label: 'Sequence', type: 'uint', rfc: 'RFC 4443 §4.1' },
  mtu: { id: 'icmpv6.mtu', label: 'MTU', type: 'uint', rfc: 'RFC 4443 §3.2' },
  pointer: { id: 'icmpv6.pointer', label: 'Pointer', type: 'uint', rfc: 'RFC 4443 §3.4' },
  nsTarget: { id: 'icmpv6.nd.ns.target_address', label: 'Target Address', type: 'ipv6', rfc: 'RFC 4861 §4.3' },
  naTarget: { id: 'icmpv6.nd.na.target_address', label: 'Target Address', type: 'ipv6', rfc: 'RFC 4861 §4.4' },
  rdTarget: { id: 'icmpv6.nd.rd.target_address', label: 'Target Address', type: 'ipv6', rfc: 'RFC 4861 §4.5' },
});

export const icmpNotes = defineNotes({
  badChecksum: { id: 'icmp.checksum_bad', group: 'checksum', severity: 'warn', summary: 'ICMP checksum is wrong' },
  badChecksum6: { id: 'icmpv6.checksum_bad', group: 'checksum', severity: 'warn', summary: 'ICMPv6 checksum is wrong' },
});

export interface IcmpRecord {
  /** 4 for ICMP, 6 for ICMPv6. */
  family?: 4 | 6;
  type?: number;
  code?: number;
  checksum?: number;
  checksumStatus?: 'good' | 'bad' | 'unverified';
  /** Echo request/reply (ICMP 0/8, ICMPv6 128/129). */
  ident?: number;
  seq?: number;
  /** Destination unreachable / fragmentation needed (ICMP), packet too big (ICMPv6). */
  mtu?: number;
  pointer?: number;
  /** ICMP redirect gateway. */
  gateway?: Uint8Array;
  /** ND target address (NS, NA, redirect). */
  target?: Uint8Array;
  /** TTL / hop limit of the carrying IP header, for the Info column. */
  ttl?: number;
  /** Where the message body (after the 8-byte header) starts. */
  bodyOffset?: number;
  truncated?: boolean;
}

function codeText(r: IcmpRecord): string | undefined {
  if (r.type === undefined || r.code === undefined) return undefined;
  const t = (r.family === 6 ? ICMPV6_CODES : ICMP_CODES).get(r.type);
  return t ? codeName(t, r.code) ?? `Unknown (${r.code})` : undefined;
}

/** The fields both versions share, per family. */
const COMMON4 = { type: icmpFields.type, code: icmpFields.code, checksum: icmpFields.checksum, checksumStatus: icmpFields.checksumStatus };
const COMMON6 = { type: icmpv6Fields.type, code: icmpv6Fields.code, checksum: icmpv6Fields.checksum, checksumStatus: icmpv6Fields.checksumStatus };

function treeOf(r: IcmpRecord, o: number): TreeNode[] {
  const F = r.family === 6 ? COMMON6 : COMMON4;
  const out: TreeNode[] = [];
  if (r.type !== undefined) out.push(node(F.type, r.type, o, 1));
  if (r.code !== undefined) {
    const ct = codeText(r);
    out.push(node(F.code, r.code, o + 1, 1, ct ? { text: `Code: ${r.code} (${ct})` } : undefined));
  }
  if (r.checksum !== undefined) out.push(node(F.checksum, r.checksum, o + 2, 2));
  if (r.checksumStatus !== undefined) out.push(node(F.checksumStatus, r.checksumStatus, o + 2, 2));
  if (r.family === 6) {
    if (r.ident !== undefined) out.push(node(icmpv6Fields.ident, r.ident, o + 4, 2));
    if (r.seq !== undefined) out.push(node(icmpv6Fields.seq, r.seq, o + 6, 2));
    if (r.mtu !== undefined) out.push(node(icmpv6Fields.mtu, r.mtu, o + 4, 4));
    if (r.pointer !== undefined) out.push(node(icmpv6Fields.pointer, r.pointer, o + 4, 4));
    if (r.target) {
      const f = r.type === 135 ? icmpv6Fields.nsTarget : r.type === 136 ? icmpv6Fields.naTarget : icmpv6Fields.rdTarget;
      out.push(node(f, r.target, o + 8, 16));
    }
  } else {
    if (r.ident !== undefined) {
      out.push(node(icmpFields.ident, r.ident, o + 4, 2));
      out.push(node(icmpFields.identLe, swap16(r.ident), o + 4, 2));
    }
    if (r.seq !== undefined) {
      out.push(node(icmpFields.seq, r.seq, o + 6, 2));
      out.push(node(icmpFields.seqLe, swap16(r.seq), o + 6, 2));
    }
    if (r.mtu !== undefined) out.push(node(icmpFields.mtu, r.mtu, o + 6, 2));
    if (r.pointer !== undefined) out.push(node(icmpFields.pointer, r.pointer, o + 4, 1));
    if (r.gateway) out.push(node(icmpFields.gateway, r.gateway, o + 4, 4));
  }
  return out;
}

function swap16(v: number): number {
  return ((v & 0xff) << 8) | (v >>> 8);
}

export const icmpSpec: LayerSpec<IcmpRecord> = {
  id: 'icmp',
  field: icmpFields.proto,
  tree: (r, l) => treeOf(r, l.offset),
  summarize(r, s) {
    s.protocol = 'ICMP';
    if (r.type === undefined) return;
    // tshark: the type name padded to 20 columns, then the code or echo details.
    let info = (ICMP_TYPES.values.get(r.type) ?? `Unknown ICMP (obsolete or malformed?)`).padEnd(20);
    const ct = codeText(r);
    if (ct) info += ` (${ct})`;
    if (r.ident !== undefined && r.seq !== undefined) {
      info += ` id=0x${r.ident.toString(16).padStart(4, '0')}, seq=${r.seq}/${swap16(r.seq)}`;
      if (r.ttl !== undefined) info += `, ttl=${r.ttl}`;
    }
    s.info = info.trimEnd();
  },
};

export const icmpv6Spec: LayerSpec<IcmpRecord> = {
  id: 'icmpv6',
  field: icmpv6Fields.proto,
  tree: (r, l) => treeOf(r, l.offset),
  summarize(r, s) {
    s.protocol = 'ICMPv6';
    if (r.type === undefined) return;
    let info = ICMPV6_TYPES.values.get(r.type) ?? `Unknown ICMPv6 type (${r.type})`;
    const ct = codeText(r);
    if (ct) info += ` (${ct})`;
    if (r.ident !== undefined && r.seq !== undefined) {
      info += ` id=0x${r.ident.toString(16).padStart(4, '0')}, seq=${r.seq}`;
      if (r.ttl !== undefined) info += `, hop limit=${r.ttl}`;
    }
    if (r.target) info += r.type === 135 ? ` for ${formatIPv6(r.target)}` : ` ${formatIPv6(r.target)}`;
    s.info = info;
  },
};

function dissect(family: 4 | 6): Dissector<IcmpRecord> {
  const spec = family === 6 ? icmpv6Spec : icmpSpec;
  return (ctx, src, buf, offset, end) =>
    runDissector(spec, src, buf, offset, end, { family } as IcmpRecord, (r, rec, notes) => {
      const ttl = ctx.ip?.ttl;
      if (ttl !== undefined) rec.ttl = ttl;
      rec.type = r.u8('icmp.type');
      rec.code = r.u8('icmp.code');
      rec.checksum = r.u16('icmp.checksum');
      // Verify over the whole message when all of it is here (no snaplen cut).
      const whole = !(src === 0 && ctx.frame.origLen > ctx.frame.caplen);
      if (!whole || (family === 6 && !ctx.ip)) rec.checksumStatus = 'unverified';
      else {
        // RFC 4443 §2.3: ICMPv6 includes the IPv6 pseudo-header; RFC 792 ICMP does not.
        const init = family === 6 && ctx.ip ? pseudoHeaderSum(ctx.ip, 58, end - offset) : 0;
        const sum = internetChecksum(buf, offset, end, init);
        rec.checksumStatus = sum === 0 ? 'good' : 'bad';
        if (sum !== 0) {
          notes.push(note(family === 6 ? icmpNotes.badChecksum6 : icmpNotes.badChecksum, `checksum 0x${rec.checksum.toString(16).padStart(4, '0')} is wrong`, offset + 2, 2));
        }
      }
      const t = rec.type;
      let error = false;
      if (family === 4) {
        if (t === 0 || t === 8 || t === 13 || t === 14 || t === 15 || t === 16 || t === 17 || t === 18) {
          rec.ident = r.u16('icmp.ident');
          rec.seq = r.u16('icmp.seq');
        } else if (t === 3 || t === 4 || t === 11 || t === 12 || t === 5) {
          error = true;
          if (t === 3 && rec.code === 4) {
            r.skip(2, 'icmp.unused');
            rec.mtu = r.u16('icmp.mtu');
          } else if (t === 12) {
            rec.pointer = r.u8('icmp.pointer');
            r.skip(3, 'icmp.unused');
          } else if (t === 5) rec.gateway = r.bytes(4, 'icmp.redir_gw');
          else r.skip(4, 'icmp.unused');
        } else r.skip(Math.min(4, r.remaining), 'icmp.rest');
      } else {
        if (t === 128 || t === 129) {
          rec.ident = r.u16('icmpv6.echo.identifier');
          rec.seq = r.u16('icmpv6.echo.sequence_number');
        } else if (t >= 1 && t <= 4) {
          error = true;
          if (t === 2) rec.mtu = r.u32('icmpv6.mtu');
          else if (t === 4) rec.pointer = r.u32('icmpv6.pointer');
          else r.skip(4, 'icmpv6.reserved');
        } else if (t === 135 || t === 136 || t === 137) {
          r.skip(4, 'icmpv6.reserved');
          rec.target = r.bytes(16, 'icmpv6.nd.target_address');
        } else r.skip(Math.min(4, r.remaining), 'icmpv6.rest');
      }
      rec.bodyOffset = r.pos;
      // Error messages quote the offending datagram (RFC 792, RFC 4443 §2.4 (c)); shown as data.
      return { length: r.pos - offset, next: { by: 'data', key: error ? 1 : 0, offset: r.pos, end } };
    });
}

export const dissectIcmp: Dissector<IcmpRecord> = dissect(4);
export const dissectIcmpv6: Dissector<IcmpRecord> = dissect(6);
