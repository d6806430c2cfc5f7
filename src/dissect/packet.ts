/**
 * The packet pipeline: frame → link → network → transport → IPsec, following
 * each dissector's next-layer hint through the registry's dispatch tables.
 *
 * `PacketDissector` holds the only cross-packet state of dissection (time
 * references, IP reassembly and IKEv1 fragment reassembly); the dissectors
 * themselves are stateless.
 */
import type { Frame } from '../capture/types.js';
import { node, type TreeNode } from '../core/tree.js';
import type { Note } from '../core/notes.js';
import { DEFAULT_PREFS, type DataSource, type DissectContext, type DissectPrefs, type DissectResult, type Dissector, type Layer, type NextHint, type Reassembler, type Summary } from './layer.js';
import { frameSpec, type FrameRecord } from './frame.js';
import { dissectData } from './data.js';
import { ETHERTYPE_TABLE, IPPROTO_TABLE, LINK_TABLE } from './registry.js';
import { dissectEsp, dissectIsakmp, dissectNatt } from './ipsec.js';
import { IpReassembler } from './reassembly.js';
import { IkeFragmentReassembler, ikev1FragmentOf } from './isakmp/fragments.js';
import type { IsakmpRecord } from './isakmp/isakmp.js';
import type { EspRecord } from './esp.js';
import type { AhRecord } from './ah.js';
import type { DecryptHooks } from './decrypt-hooks.js';
import { toHex } from '../core/bytes.js';
import { COMMON_NOTES, note } from '../core/notes.js';
import { codeName } from '../core/codes.js';
import { LINK_TYPES } from './frame.js';
import { IketcpStreams, frameSegment, dissectIketcpUnit, IKETCP_DEFAULT_PORT, type IketcpUnit } from './iketcp.js';
import { tcpSegmentsLayer } from './tcp-stream.js';
import type { TcpRecord } from './tcp.js';

export interface Packet {
  readonly frame: Frame;
  /** sources[0] is the frame; reassembled or decrypted buffers follow. */
  readonly sources: readonly DataSource[];
  /** layers[0] is the frame pseudo-layer. */
  readonly layers: readonly Layer[];
  readonly summary: Readonly<Summary>;
}

const NO_NOTES: readonly Note[] = Object.freeze([]);

/** Guard against dispatch cycles (IP-in-IP-in-IP…) in crafted packets. */
const MAX_LAYERS = 24;
/** Framed IKE/ESP-over-TCP messages dissected per frame (RFC 9329; see ./iketcp.ts). */
const MAX_TCP_UNITS = 512;

export interface PacketDissectorOptions {
  prefs?: DissectPrefs;
  /** Reassemble IP fragments and IKEv1 (Cisco) fragments (default true). */
  reassemble?: boolean;
  /** Decryption (src/decrypt/engine.ts): called after each ISAKMP, ESP and AH layer. */
  decrypt?: DecryptHooks;
}

export class PacketDissector {
  readonly prefs: DissectPrefs;
  private readonly reassembler: Reassembler | undefined;
  /** IKEv1 fragments, per IKE SA and Fragment ID (a separate pass over completed ISAKMP layers). */
  private readonly ikeFragments: IkeFragmentReassembler | undefined;
  private readonly hooks: DecryptHooks | undefined;
  /** IKE and ESP over TCP (RFC 9329): per-direction TCP reassembly and message framing. */
  private readonly iketcp: IketcpStreams | undefined;
  private firstTime: number | undefined;
  private prevTime: number | undefined;

  constructor(opts: PacketDissectorOptions = {}) {
    this.prefs = opts.prefs ?? DEFAULT_PREFS;
    this.reassembler = opts.reassemble === false ? undefined : new IpReassembler();
    this.ikeFragments = opts.reassemble === false ? undefined : new IkeFragmentReassembler();
    this.hooks = opts.decrypt;
    this.iketcp = opts.reassemble === false ? undefined : new IketcpStreams();
  }

  dissect(frame: Frame): Packet {
    const sources: DataSource[] = [{ name: 'Frame', bytes: frame.data }];
    // The frame pseudo-layer comes first; it holds a reference to this array for frame.protocols.
    const layers: Layer[] = [];
    layers.push(this.frameLayer(frame, layers));
    let ctx: DissectContext = { frame, prefs: this.prefs };

    const link = LINK_TABLE.get(frame.linkType);
    let res: DissectResult | undefined;
    if (link) res = link(ctx, 0, frame.data, 0, frame.data.length);
    else {
      res = dissectData(ctx, 0, frame.data, 0, frame.data.length);
      const name = codeName(LINK_TYPES, frame.linkType) ?? `LINKTYPE ${frame.linkType}`;
      const l = res.layer!;
      res = { layer: { ...l, notes: [note(COMMON_NOTES.unknownLink, `${name} is not dissected`)] } };
    }

    let src = 0;
    let buf = frame.data;
    let ikeFragmentSeen = false;
    // IKE/ESP over TCP: the framed messages of this segment still to dissect, and where the segment lives.
    let tcpUnits: IketcpUnit[] | undefined;
    let tcpCtx = ctx;
    let tcpSrc = 0;
    let tcpBuf = buf;
    let base = 0;
    while (res) {
      const pushed = res.layer;
      if (pushed) layers.push(pushed);
      const hint0: NextHint | undefined = res.next;
      res = undefined;
      if (pushed && pushed.spec.id === 'isakmp' && this.ikeFragments && !ikeFragmentSeen) {
        // An IKEv1 message that is one Fragment payload: at most one per packet (a reassembled message is not fed again).
        const frag = ikev1FragmentOf(pushed.record as IsakmpRecord);
        if (frag) {
          ikeFragmentSeen = true;
          const direction = ctx.ip ? `${toHex(ctx.ip.src)}>${toHex(ctx.ip.dst)}` : '';
          const out = this.ikeFragments.add(frame.number, { ...frag, direction });
          if (out.complete) {
            sources.push({ name: 'Reassembled ISAKMP', bytes: out.bytes });
            src = sources.length - 1;
            buf = out.bytes;
            if (out.describe) layers.push(out.describe(src));
            res = dissectIsakmp(ctx, src, buf, 0, buf.length);
            continue;
          }
        }
      }
      let hint2 = hint0;
      if (pushed && this.hooks) {
        // Decryption: the hook may swap the layer for one that knows its plaintext, add the plaintext as a source, and (ESP) say where dissection continues.
        const id = pushed.spec.id;
        const h = this.hooks;
        const out =
          id === 'isakmp' ? h.ike?.(ctx, pushed as Layer<IsakmpRecord>)
          : id === 'esp' ? h.esp?.(ctx, pushed as Layer<EspRecord>)
          : id === 'ah' ? h.ah?.(ctx, pushed as Layer<AhRecord>, layers.slice(0, -1))
          : undefined;
        if (out) {
          let idx = -1;
          if (out.source) {
            sources.push(out.source);
            idx = sources.length - 1;
          }
          layers[layers.length - 1] = out.layer(idx) as Layer;
          if (out.next && idx >= 0) {
            const n = out.next(idx);
            if (n) {
              src = idx;
              buf = out.source!.bytes;
              hint2 = n;
            }
          }
        }
      }
      if (!hint2 || layers.length - base > MAX_LAYERS) {
        // IKE/ESP over TCP: one segment may complete several messages; each starts its own chain of layers.
        const u = tcpUnits?.shift();
        if (!u) break;
        base = layers.length;
        ctx = tcpCtx;
        ({ src, buf, res } = this.startIketcpUnit(u, tcpCtx, tcpSrc, tcpBuf, sources, layers));
        continue;
      }
      const hint = hint2;
      if (hint.ip) ctx = { frame, prefs: this.prefs, ip: hint.ip };
      let { offset, end } = hint;
      if (hint.fragment) {
        const isFirst = hint.fragment.fragOffset === 0;
        if (!this.reassembler) {
          // Without reassembly only the first fragment starts the upper layer, as in Wireshark.
          if (!isFirst) { res = dissectData(ctx, src, buf, offset, end); continue; }
        } else {
          const out = this.reassembler.add(frame.number, hint.fragment, hint.key, buf.subarray(offset, end));
          if (!out.complete) { res = dissectData(ctx, src, buf, offset, end); continue; }
          sources.push({ name: hint.fragment.family === 4 ? 'Reassembled IPv4' : 'Reassembled IPv6', bytes: out.bytes });
          src = sources.length - 1;
          buf = out.bytes;
          offset = 0;
          end = out.bytes.length;
          if (out.describe) layers.push(out.describe(src));
        }
      }
      if (end < offset) end = offset;
      // TCP hands its payload on as data; on the IKE-over-TCP ports (RFC 9329) the stream is reassembled and framed instead.
      const t = pushed?.spec.id === 'tcp' ? (pushed.record as TcpRecord) : undefined;
      if (t && ctx.ip && t.srcport !== undefined && t.dstport !== undefined && this.isIketcpPort(t.srcport, t.dstport)) {
        tcpUnits = this.iketcp
          ? this.iketcp.add({ frame: frame.number, ip: ctx.ip, srcport: t.srcport, dstport: t.dstport, seq: t.seq ?? 0, ack: t.ack ?? 0, flags: t.flags ?? 0, buf, offset, end })
          : frameSegment(frame.number, buf, offset, end);
        // Bounded work per frame: a huge segment of tiny messages (keepalives) shows its first MAX_TCP_UNITS.
        if (tcpUnits.length > MAX_TCP_UNITS) tcpUnits.length = MAX_TCP_UNITS;
        tcpCtx = ctx;
        tcpSrc = src;
        tcpBuf = buf;
        const u = tcpUnits.shift();
        if (!u) break;
        base = layers.length;
        ({ src, buf, res } = this.startIketcpUnit(u, tcpCtx, tcpSrc, tcpBuf, sources, layers));
        continue;
      }
      const next = this.choose(hint);
      if (next) res = next(ctx, src, buf, offset, end);
      else if (end > offset) res = dissectData(ctx, src, buf, offset, end);
    }

    return new DissectedPacket(frame, sources, layers);
  }

  private isIketcpPort(sport: number, dport: number): boolean {
    const ports = this.prefs.iketcpPorts;
    if (!ports) return sport === IKETCP_DEFAULT_PORT || dport === IKETCP_DEFAULT_PORT;
    return ports.has(sport) || ports.has(dport);
  }

  /**
   * Where one framed IKE-over-TCP unit is dissected: in place when it lies in
   * the current segment, else on a new "Reassembled TCP" source after a
   * `tcp.segments` layer listing its frames.
   */
  private startIketcpUnit(u: IketcpUnit, ctx: DissectContext, src: number, buf: Uint8Array, sources: DataSource[], layers: Layer[]): { src: number; buf: Uint8Array; res: DissectResult } {
    const d = dissectIketcpUnit(u.kind, u.notes, u.segment);
    if (u.srcOffset !== undefined) return { src, buf, res: d(ctx, src, buf, u.srcOffset, u.srcOffset + u.bytes.length) };
    sources.push({ name: 'Reassembled TCP', bytes: u.bytes });
    const idx = sources.length - 1;
    layers.push(tcpSegmentsLayer(idx, u.bytes, u.pieces));
    return { src: idx, buf: u.bytes, res: d(ctx, idx, u.bytes, 0, u.bytes.length) };
  }

  private choose(hint: NextHint): Dissector<any> | undefined {
    switch (hint.by) {
      case 'ethertype':
        return ETHERTYPE_TABLE.get(hint.key);
      case 'ipproto':
        return IPPROTO_TABLE.get(hint.key);
      case 'udp': {
        const p = this.prefs;
        if (p.nattPorts.has(hint.key) || (hint.key2 !== undefined && p.nattPorts.has(hint.key2))) return dissectNatt;
        if (p.ikePorts.has(hint.key) || (hint.key2 !== undefined && p.ikePorts.has(hint.key2))) return dissectIsakmp;
        return undefined;
      }
      case 'isakmp':
        return dissectIsakmp;
      case 'esp':
        return dissectEsp;
      case 'data':
        return undefined;
    }
  }

  private frameLayer(frame: Frame, layers: readonly Layer[]): Layer<FrameRecord> {
    const t = frame.tsSec + frame.tsNsec / 1e9;
    this.firstTime ??= t;
    const delta = this.prevTime === undefined ? 0 : t - this.prevTime;
    this.prevTime = t;
    const notes: readonly Note[] =
      frame.origLen > frame.caplen ? [note(COMMON_NOTES.snaplen, `${frame.origLen - frame.caplen} of ${frame.origLen} bytes not captured (snaplen)`, frame.caplen, 0)] : NO_NOTES;
    const rec: FrameRecord = {
      number: frame.number,
      timeEpoch: t,
      timeRelative: t - this.firstTime,
      timeDelta: delta,
      len: frame.origLen,
      capLen: frame.caplen,
      interfaceId: frame.interfaceId,
      linkType: frame.linkType,
      layers,
      comment: frame.comment,
    };
    return { spec: frameSpec, record: rec, source: 0, data: frame.data, offset: 0, length: frame.caplen, notes };
  }
}

/** A dissected packet. The summary columns are computed on first use: `-T fields` never needs them. */
class DissectedPacket implements Packet {
  private cachedSummary: Summary | undefined;

  constructor(
    readonly frame: Frame,
    readonly sources: readonly DataSource[],
    readonly layers: readonly Layer[],
  ) {}

  get summary(): Readonly<Summary> {
    return (this.cachedSummary ??= summarize(this.layers));
  }
}

/** Summary columns: each layer in turn may refine them; malformed packets are flagged as tshark does. */
function summarize(layers: readonly Layer[]): Summary {
  const s: Summary = { src: '', dst: '', protocol: '', info: '' };
  let malformed = false;
  for (const l of layers) {
    l.spec.summarize?.(l.record, s, l);
    if (!s.protocol) s.protocol = l.spec.id.toUpperCase();
    for (const n of l.notes) if (n.def.group === 'malformed' && n.def.severity === 'error') malformed = true;
  }
  if (malformed) s.info = s.info ? `${s.info} [Malformed Packet]` : '[Malformed Packet]';
  return s;
}

/** The protocol node of a layer, with its subtree and notes. */
export function layerTree(l: Layer): TreeNode {
  const children = l.spec.tree(l.record, l);
  return node(l.spec.field, null, l.offset, l.length, {
    text: l.spec.title?.(l.record, l) ?? l.spec.field.label,
    children,
    notes: l.notes,
    source: l.source,
  });
}

/** The whole tree of a packet. */
export function packetTree(p: Packet): TreeNode[] {
  return p.layers.map(layerTree);
}
