/**
 * IPv6 (RFC 8200) and its extension headers, walked in order (RFC 8200 §4.1).
 *
 * Every header that uses the generic (Next Header, Hdr Ext Len) layout of
 * RFC 8200 §4 / RFC 7045 is stepped over and confined to its declared length;
 * an extension header that runs past the payload stops the walk with a
 * malformed note. ESP (50) and AH (51) end the walk: they are dispatched as
 * upper layers. A Fragment header (§4.5) ends the walk too, because whatever
 * follows it is only whole after reassembly.
 */
import { formatIPv6 } from '../core/bytes.js';
import { codeTable } from '../core/codes.js';
import { defineFields } from '../core/fields.js';
import { defineNotes, note, type Note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { runDissector, type Dissector, type IpEndpoints, type LayerSpec, type NextHint } from './layer.js';
import { IP_PROTOCOLS } from './ipv4.js';

/** RFC 8200 §4.2 option types (IANA "Destination Options and Hop-by-Hop Options"). */
export const IPV6_OPTIONS = codeTable('IPv6Option', {
  0x00: 'Pad1',
  0x01: 'PadN',
  0x04: 'Tunnel Encapsulation Limit',
  0x05: 'Router Alert',
  0x07: 'CALIPSO',
  0x08: 'SMF_DPD',
  0x26: 'Quick-Start',
  0x63: 'RPL Option',
  0xc2: 'Jumbo Payload',
  0xc9: 'Home Address Option',
});

export const IPV6_ROUTING_TYPES = codeTable('RoutingType', {
  0: 'Source Route (deprecated)',
  1: 'Nimrod',
  2: 'Type 2 Routing',
  3: 'RPL Source Route',
  4: 'Segment Routing',
  5: 'CRH-16',
  6: 'CRH-32',
});

export const ipv6Fields = defineFields({
  proto: { id: 'ipv6', label: 'Internet Protocol Version 6', type: 'protocol', rfc: 'RFC 8200' },
  version: { id: 'ipv6.version', label: 'Version', type: 'uint', rfc: 'RFC 8200 §3' },
  tclass: { id: 'ipv6.tclass', label: 'Traffic Class', type: 'uint', base: 'hex', hexDigits: 2, rfc: 'RFC 8200 §7' },
  dscp: { id: 'ipv6.tclass.dscp', label: 'Differentiated Services Codepoint', type: 'uint', mask: 0xfc, bits: 8, rfc: 'RFC 2474 §3' },
  ecn: { id: 'ipv6.tclass.ecn', label: 'Explicit Congestion Notification', type: 'uint', mask: 0x03, bits: 8, rfc: 'RFC 3168 §5' },
  flow: { id: 'ipv6.flow', label: 'Flow Label', type: 'uint', base: 'hex', hexDigits: 5, rfc: 'RFC 6437' },
  plen: { id: 'ipv6.plen', label: 'Payload Length', type: 'uint', rfc: 'RFC 8200 §3' },
  nxt: { id: 'ipv6.nxt', label: 'Next Header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 8200 §3' },
  hlim: { id: 'ipv6.hlim', label: 'Hop Limit', type: 'uint', rfc: 'RFC 8200 §3' },
  src: { id: 'ipv6.src', label: 'Source Address', type: 'ipv6', rfc: 'RFC 8200 §3' },
  dst: { id: 'ipv6.dst', label: 'Destination Address', type: 'ipv6', rfc: 'RFC 8200 §3' },

  hopopts: { id: 'ipv6.hopopts', label: 'IPv6 Hop-by-Hop Option', type: 'none', rfc: 'RFC 8200 §4.3' },
  hopoptsNxt: { id: 'ipv6.hopopts.nxt', label: 'Next Header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 8200 §4.3' },
  hopoptsLen: { id: 'ipv6.hopopts.len', label: 'Length', type: 'uint', rfc: 'RFC 8200 §4.3' },
  dstopts: { id: 'ipv6.dstopts', label: 'Destination Options for IPv6', type: 'none', rfc: 'RFC 8200 §4.6' },
  dstoptsNxt: { id: 'ipv6.dstopts.nxt', label: 'Next Header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 8200 §4.6' },
  dstoptsLen: { id: 'ipv6.dstopts.len', label: 'Length', type: 'uint', rfc: 'RFC 8200 §4.6' },
  opt: { id: 'ipv6.opt', label: 'IPv6 Option', type: 'none', rfc: 'RFC 8200 §4.2' },
  optType: { id: 'ipv6.opt.type', label: 'Type', type: 'uint', base: 'hex', hexDigits: 2, values: IPV6_OPTIONS, rfc: 'RFC 8200 §4.2' },
  optLength: { id: 'ipv6.opt.length', label: 'Length', type: 'uint', rfc: 'RFC 8200 §4.2' },
  routing: { id: 'ipv6.routing', label: 'Routing Header for IPv6', type: 'none', rfc: 'RFC 8200 §4.4' },
  routingNxt: { id: 'ipv6.routing.nxt', label: 'Next Header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 8200 §4.4' },
  routingLen: { id: 'ipv6.routing.len', label: 'Length', type: 'uint', rfc: 'RFC 8200 §4.4' },
  routingType: { id: 'ipv6.routing.type', label: 'Type', type: 'uint', values: IPV6_ROUTING_TYPES, rfc: 'RFC 8200 §4.4' },
  routingSegleft: { id: 'ipv6.routing.segleft', label: 'Segments Left', type: 'uint', rfc: 'RFC 8200 §4.4' },
  fraghdr: { id: 'ipv6.fraghdr', label: 'Fragment Header for IPv6', type: 'none', rfc: 'RFC 8200 §4.5' },
  fragNxt: { id: 'ipv6.fraghdr.nxt', label: 'Next header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 8200 §4.5' },
  fragReservedOctet: { id: 'ipv6.fraghdr.reserved_octet', label: 'Reserved octet', type: 'uint', base: 'hex', hexDigits: 2, rfc: 'RFC 8200 §4.5' },
  fragOffset: { id: 'ipv6.fraghdr.offset', label: 'Offset', type: 'uint', mask: 0xfff8, bits: 16, rfc: 'RFC 8200 §4.5' },
  fragReservedBits: { id: 'ipv6.fraghdr.reserved_bits', label: 'Reserved bits', type: 'uint', mask: 0x0006, bits: 16, rfc: 'RFC 8200 §4.5' },
  fragMore: { id: 'ipv6.fraghdr.more', label: 'More Fragments', type: 'bool', mask: 0x0001, bits: 16, rfc: 'RFC 8200 §4.5' },
  fragId: { id: 'ipv6.fraghdr.ident', label: 'Identification', type: 'uint', base: 'hex', hexDigits: 8, rfc: 'RFC 8200 §4.5' },
  // Other headers with the generic layout (Mobility 135, HIP 139, Shim6 140, experimental 253/254).
  ext: { id: 'ipv6.ext', label: 'Extension header', type: 'none', rfc: 'RFC 8200 §4' },
  extNxt: { id: 'ipv6.ext.nxt', label: 'Next Header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 8200 §4' },
  extLen: { id: 'ipv6.ext.len', label: 'Length', type: 'uint', rfc: 'RFC 8200 §4' },
  extData: { id: 'ipv6.ext.data', label: 'Data', type: 'bytes' },
});

export const ipv6Notes = defineNotes({
  badVersion: { id: 'ipv6.bogus_ipv6_version', group: 'malformed', severity: 'error', summary: 'IP version is not 6' },
  plenPastEnd: { id: 'ipv6.plen_exceeds_framing', group: 'malformed', severity: 'error', summary: 'IPv6 payload length exceeds the bytes available' },
  plenZero: { id: 'ipv6.plen_zero', group: 'protocol', severity: 'note', summary: 'IPv6 payload length is 0 (jumbogram or TCP segmentation offload?)' },
  extPastEnd: { id: 'ipv6.ext.past_end', group: 'malformed', severity: 'error', summary: 'IPv6 extension header runs past the end of the payload' },
  hopoptsNotFirst: { id: 'ipv6.hopopts.not_first', group: 'protocol', severity: 'warn', summary: 'Hop-by-Hop Options header must immediately follow the IPv6 header' },
  optPastEnd: { id: 'ipv6.opt.past_end', group: 'malformed', severity: 'error', summary: 'IPv6 option runs past the end of its header' },
});

export interface Ipv6Option {
  readonly offset: number;
  readonly type: number;
  /** Option data length (0 for Pad1, which has no length byte). */
  readonly length: number;
}

/** One extension header, confined to its declared length. */
export interface Ipv6ExtHeader {
  /** The protocol number that introduced it (0, 43, 44, 60, 135, …). */
  readonly type: number;
  readonly offset: number;
  /** Bytes the header occupies (or, when it overran, what is present). */
  readonly length: number;
  readonly nxt?: number;
  /** The Hdr Ext Len byte as sent (absent for the fragment header, whose length is fixed). */
  readonly hdrExtLen?: number;
  /** True when the declared length ran past the payload: only nxt/len are known. */
  readonly overrun?: boolean;
  readonly options?: readonly Ipv6Option[];
  readonly routingType?: number;
  readonly segLeft?: number;
  /** Fragment header: offset in 8-octet units, M flag, identification, reserved fields. */
  readonly fragOffset?: number;
  readonly more?: boolean;
  readonly fragId?: number;
  readonly reservedOctet?: number;
  readonly reservedBits?: number;
  readonly mhType?: number;
  readonly data?: Uint8Array;
}

export interface Ipv6Record {
  version?: number;
  tclass?: number;
  flow?: number;
  plen?: number;
  nxt?: number;
  hlim?: number;
  src?: Uint8Array;
  dst?: Uint8Array;
  ext?: Ipv6ExtHeader[];
  /** The protocol after the last extension header walked. */
  upperProto?: number;
  payloadOffset?: number;
  payloadEnd?: number;
  truncated?: boolean;
}

/** Headers with the generic (Next Header, Hdr Ext Len) layout walked here (RFC 7045 §2, RFC 8200 §4). */
function isExtHeader(p: number): boolean {
  return p === 0 || p === 43 || p === 44 || p === 60 || p === 135 || p === 139 || p === 140 || p === 253 || p === 254;
}

function hex(v: number, d: number): string {
  return v.toString(16).padStart(d, '0');
}

function optionNodes(e: Ipv6ExtHeader): TreeNode[] {
  if (!e.options) return [];
  return e.options.map((o) => {
    const name = IPV6_OPTIONS.values.get(o.type) ?? `Unknown IPv6 Option (0x${hex(o.type, 2)})`;
    if (o.type === 0) return node(ipv6Fields.opt, null, o.offset, 1, { text: `IPv6 Option (${name})`, children: [node(ipv6Fields.optType, 0, o.offset, 1)] });
    return node(ipv6Fields.opt, null, o.offset, 2 + o.length, {
      text: `IPv6 Option (${name})`,
      children: [node(ipv6Fields.optType, o.type, o.offset, 1), node(ipv6Fields.optLength, o.length, o.offset + 1, 1)],
    });
  });
}

function extNode(e: Ipv6ExtHeader): TreeNode {
  const o = e.offset;
  const lenText = (l: number | undefined) => `Length: ${l ?? '?'}${l !== undefined ? ` (${(l + 1) * 8} bytes)` : ''}`;
  let head = ipv6Fields.ext;
  let nxtF = ipv6Fields.extNxt;
  let lenF = ipv6Fields.extLen;
  if (e.type === 0) [head, nxtF, lenF] = [ipv6Fields.hopopts, ipv6Fields.hopoptsNxt, ipv6Fields.hopoptsLen];
  else if (e.type === 60) [head, nxtF, lenF] = [ipv6Fields.dstopts, ipv6Fields.dstoptsNxt, ipv6Fields.dstoptsLen];
  else if (e.type === 43) [head, nxtF, lenF] = [ipv6Fields.routing, ipv6Fields.routingNxt, ipv6Fields.routingLen];
  else if (e.type === 44) [head, nxtF] = [ipv6Fields.fraghdr, ipv6Fields.fragNxt];
  const c: TreeNode[] = [];
  if (e.nxt !== undefined) c.push(node(nxtF, e.nxt, o, 1));
  if (e.type === 44) {
    if (e.reservedOctet !== undefined) c.push(node(ipv6Fields.fragReservedOctet, e.reservedOctet, o + 1, 1));
    if (e.fragOffset !== undefined) c.push(node(ipv6Fields.fragOffset, e.fragOffset, o + 2, 2));
    if (e.reservedBits !== undefined) c.push(node(ipv6Fields.fragReservedBits, e.reservedBits, o + 2, 2));
    if (e.more !== undefined) c.push(node(ipv6Fields.fragMore, e.more, o + 2, 2));
    if (e.fragId !== undefined) c.push(node(ipv6Fields.fragId, e.fragId, o + 4, 4));
  } else if (e.hdrExtLen !== undefined) {
    c.push(node(lenF, e.hdrExtLen, o + 1, 1, { text: lenText(e.hdrExtLen) }));
    if (e.type === 43 && e.routingType !== undefined) c.push(node(ipv6Fields.routingType, e.routingType, o + 2, 1));
    if (e.type === 43 && e.segLeft !== undefined) c.push(node(ipv6Fields.routingSegleft, e.segLeft, o + 3, 1));
    c.push(...optionNodes(e));
    if (e.data && e.data.length) c.push(node(ipv6Fields.extData, e.data, o + e.length - e.data.length, e.data.length));
  }
  const title = head === ipv6Fields.ext ? `Extension header ${IP_PROTOCOLS.values.get(e.type) ?? e.type}` : head.label;
  return node(head, null, o, e.length, { text: `${title}${e.overrun ? ' [runs past the payload]' : ''}`, children: c });
}

export const ipv6Spec: LayerSpec<Ipv6Record> = {
  id: 'ipv6',
  field: ipv6Fields.proto,
  title: (r) => `Internet Protocol Version 6, Src: ${r.src ? formatIPv6(r.src) : '?'}, Dst: ${r.dst ? formatIPv6(r.dst) : '?'}`,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.version !== undefined) out.push(node(ipv6Fields.version, r.version, o, 1, { text: `${r.version.toString(2).padStart(4, '0')} .... = Version: ${r.version}` }));
    if (r.tclass !== undefined) {
      out.push(
        node(ipv6Fields.tclass, r.tclass, o, 2, {
          children: [node(ipv6Fields.dscp, r.tclass >>> 2, o, 2), node(ipv6Fields.ecn, r.tclass & 3, o, 2)],
        }),
      );
    }
    if (r.flow !== undefined) out.push(node(ipv6Fields.flow, r.flow, o + 1, 3));
    if (r.plen !== undefined) out.push(node(ipv6Fields.plen, r.plen, o + 4, 2));
    if (r.nxt !== undefined) out.push(node(ipv6Fields.nxt, r.nxt, o + 6, 1));
    if (r.hlim !== undefined) out.push(node(ipv6Fields.hlim, r.hlim, o + 7, 1));
    if (r.src) out.push(node(ipv6Fields.src, r.src, o + 8, 16));
    if (r.dst) out.push(node(ipv6Fields.dst, r.dst, o + 24, 16));
    if (r.ext) for (const e of r.ext) out.push(extNode(e));
    return out;
  },
  summarize(r, s) {
    if (r.src) s.src = formatIPv6(r.src);
    if (r.dst) s.dst = formatIPv6(r.dst);
    s.protocol = 'IPv6';
    const f = r.ext?.find((e) => e.type === 44 && e.fragOffset !== undefined && (e.fragOffset !== 0 || e.more));
    s.info = f
      ? `IPv6 fragment (off=${(f.fragOffset ?? 0) * 8} more=${f.more ? 'y' : 'n'} ident=0x${hex(f.fragId ?? 0, 8)} nxt=${f.nxt ?? '?'})`
      : '';
  },
};

/** Options of a Hop-by-Hop / Destination Options header (RFC 8200 §4.2), in [start, end). */
function parseOptions(buf: Uint8Array, start: number, end: number, notes: Note[]): Ipv6Option[] {
  const out: Ipv6Option[] = [];
  let p = start;
  while (p < end) {
    const t = buf[p]!;
    if (t === 0) {
      out.push({ offset: p, type: 0, length: 0 });
      p++;
      continue;
    }
    if (p + 2 > end || p + 2 + buf[p + 1]! > end) {
      notes.push(note(ipv6Notes.optPastEnd, `option 0x${hex(t, 2)} runs past the end of its header`, p, end - p));
      break;
    }
    const len = buf[p + 1]!;
    out.push({ offset: p, type: t, length: len });
    p += 2 + len;
  }
  return out;
}

export const dissectIpv6: Dissector<Ipv6Record> = (ctx, src, buf, offset, end) =>
  runDissector(ipv6Spec, src, buf, offset, end, {} as Ipv6Record, (r, rec, notes) => {
    const w = r.u32('ipv6.version');
    rec.version = w >>> 28;
    if (rec.version !== 6) {
      notes.push(note(ipv6Notes.badVersion, `version ${rec.version} in an IPv6 header`, offset, 1));
      return { length: 1 };
    }
    rec.tclass = (w >>> 20) & 0xff;
    rec.flow = w & 0xfffff;
    rec.plen = r.u16('ipv6.plen');
    rec.nxt = r.u8('ipv6.nxt');
    rec.hlim = r.u8('ipv6.hlim');
    rec.src = r.bytes(16, 'ipv6.src');
    rec.dst = r.bytes(16, 'ipv6.dst');

    const body = offset + 40;
    let limit: number;
    if (rec.plen === 0 && end > body && rec.nxt !== 59) {
      // Jumbogram (RFC 2675) or a header captured before segmentation offload: use what is there.
      notes.push(note(ipv6Notes.plenZero, 'payload length 0: using the rest of the frame', offset + 4, 2));
      limit = end;
    } else if (body + rec.plen > end) {
      if (!(src === 0 && ctx.frame.origLen > ctx.frame.caplen)) {
        notes.push(note(ipv6Notes.plenPastEnd, `payload length ${rec.plen} > ${end - body} bytes available`, offset + 4, 2));
      }
      limit = end;
    } else {
      limit = body + rec.plen;
    }

    const ip: IpEndpoints = { family: 6, src: rec.src, dst: rec.dst, ttl: rec.hlim };
    let cur = rec.nxt;
    let pos = body;
    let fragment: NextHint['fragment'];
    while (isExtHeader(cur)) {
      const ext = (rec.ext ??= []);
      if (pos + 2 > limit) {
        notes.push(note(ipv6Notes.extPastEnd, `${IP_PROTOCOLS.values.get(cur) ?? `header ${cur}`}: needs 2 bytes, ${limit - pos} left`, pos, limit - pos));
        if (limit > pos) ext.push({ type: cur, offset: pos, length: limit - pos, nxt: buf[pos]!, overrun: true });
        rec.upperProto = cur;
        return { length: limit - offset };
      }
      const nxt = buf[pos]!;
      const hdrExtLen = buf[pos + 1]!;
      // RFC 8200 §4.5: the fragment header has a fixed 8-byte size; its second byte is reserved.
      const len = cur === 44 ? 8 : (hdrExtLen + 1) * 8;
      if (pos + len > limit) {
        notes.push(note(ipv6Notes.extPastEnd, `${IP_PROTOCOLS.values.get(cur) ?? `header ${cur}`}: length ${len} > ${limit - pos} bytes left`, pos, limit - pos));
        ext.push(cur === 44 ? { type: cur, offset: pos, length: limit - pos, nxt, overrun: true } : { type: cur, offset: pos, length: limit - pos, nxt, hdrExtLen, overrun: true });
        rec.upperProto = cur;
        return { length: limit - offset };
      }
      if (cur === 0 && pos !== body) notes.push(note(ipv6Notes.hopoptsNotFirst, 'Hop-by-Hop Options header is not the first extension header', pos, len));
      if (cur === 44) {
        const fo = (buf[pos + 2]! << 8) | buf[pos + 3]!;
        const id = ((buf[pos + 4]! << 24) >>> 0) + ((buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!);
        const e: Ipv6ExtHeader = { type: 44, offset: pos, length: 8, nxt, reservedOctet: hdrExtLen, fragOffset: fo >>> 3, reservedBits: (fo >>> 1) & 3, more: (fo & 1) !== 0, fragId: id };
        ext.push(e);
        pos += 8;
        cur = nxt;
        // RFC 8200 §4.5 / RFC 6946: an atomic fragment (offset 0, M=0) is a whole datagram; keep walking.
        if (e.fragOffset !== 0 || e.more) {
          fragment = { family: 6, key: `${formatIPv6(rec.src)}|${formatIPv6(rec.dst)}|${id}`, fragOffset: e.fragOffset! * 8, more: e.more! };
          break;
        }
        continue;
      }
      if (cur === 0 || cur === 60) {
        ext.push({ type: cur, offset: pos, length: len, nxt, hdrExtLen, options: parseOptions(buf, pos + 2, pos + len, notes) });
      } else if (cur === 43) {
        ext.push({ type: cur, offset: pos, length: len, nxt, hdrExtLen, routingType: buf[pos + 2]!, segLeft: buf[pos + 3]!, data: buf.subarray(pos + 4, pos + len) });
      } else if (cur === 135) {
        // RFC 6275 §6.1.1: the Mobility header's Payload Proto is normally 59 (nothing follows).
        // Shown with the generic fields (its body is not dissected), so its ids stay under ipv6.
        ext.push({ type: cur, offset: pos, length: len, nxt, hdrExtLen, mhType: buf[pos + 2]!, data: buf.subarray(pos + 2, pos + len) });
      } else {
        ext.push({ type: cur, offset: pos, length: len, nxt, hdrExtLen, data: buf.subarray(pos + 2, pos + len) });
      }
      pos += len;
      cur = nxt;
    }
    rec.upperProto = cur;
    rec.payloadOffset = pos;
    rec.payloadEnd = limit;
    const next: NextHint = fragment
      ? { by: 'ipproto', key: cur, offset: pos, end: limit, ip, fragment }
      : { by: 'ipproto', key: cur, offset: pos, end: limit, ip };
    return { length: pos - offset, next };
  });
