/**
 * What the session pass needs from one dissected packet, read without
 * keeping the packet: the endpoints, the ISAKMP message facts (header, and
 * payload contents read from the protocol tree by Wireshark field id), or
 * the ESP/AH header. Everything here is small, plain data.
 *
 * Payload contents are read ONLY through the tree by field id (the ids are
 * the contract with the payload decoders in src/dissect/isakmp/payloads/):
 * while a decoder is absent its fields are simply missing and the facts
 * below stay undefined. The single exception is NAT-D: when no decoder has
 * produced the hash, it is taken from the raw `isakmp.datapayload` node,
 * since a NAT-D body is nothing but the hash (RFC 3947 §3.2) and an IKEv2
 * Notify header is four fixed bytes (RFC 7296 §3.10).
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { describeCode, type CodeTable } from '../core/codes.js';
import { formatIPv4, formatIPv6, toHex } from '../core/bytes.js';
import { fieldText, type TreeNode } from '../core/tree.js';
import type { Layer } from '../dissect/layer.js';
import { layerTree, type Packet } from '../dissect/packet.js';
import type { IsakmpRecord } from '../dissect/isakmp/isakmp.js';
import { payloadContext } from '../dissect/isakmp/isakmp.js';
import { decoderFor } from '../dissect/isakmp/decoders.js';
import { exchangeTable, PAYLOAD_SK, PAYLOAD_SKF } from '../dissect/isakmp/codes.js';
import type { EspRecord } from '../dissect/esp.js';
import type { AhRecord } from '../dissect/ah.js';
import type { UdpRecord } from '../dissect/udp.js';

/** Network endpoints of the packet that carried the IKE/ESP/AH layer (the nearest IP header below it). */
export interface Endpoints {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** Raw address bytes (NAT-D hashes need them). */
  readonly srcBytes: Uint8Array;
  readonly dstBytes: Uint8Array;
  /** UDP ports, when the layer rode on UDP (IKE; ESP-in-UDP, RFC 3948). */
  readonly sport?: number;
  readonly dport?: number;
  /** Which transport the ports belong to (TCP: IKE/ESP over TCP, RFC 9329). */
  readonly transport?: 'udp' | 'tcp';
}

export interface PacketTime {
  readonly frame: number;
  /** Seconds since the epoch, as a number (for arithmetic). */
  readonly t: number;
  /** Seconds since the epoch, as text with 9 decimals (like the per-packet JSON `time`). */
  readonly epoch: string;
}

/** A transform as the tree shows it (IKEv2 transform or IKEv1 transform with attributes). */
export interface TransformObs {
  /** IKEv2 transform type (RFC 7296 §3.3.2): 1 ENCR, 2 PRF, 3 INTEG, 4 DH, 5 ESN. Absent for IKEv1. */
  readonly type?: number;
  readonly typeName?: string;
  readonly id?: number;
  readonly name?: string;
  /** Key length attribute (bits). */
  readonly keyLength?: number;
  /** IKEv1 attributes by Wireshark field id suffix (`encryption_algorithm` …): value and display name. */
  readonly attrs: Readonly<Record<string, { readonly value: number | string; readonly name: string }>>;
}

export interface ProposalObs {
  readonly number?: number;
  readonly protocol?: string;
  readonly protocolId?: number;
  /** `isakmp.spi` of the proposal, lower-case hex. */
  readonly spi?: string;
  readonly transforms: readonly TransformObs[];
}

export interface PayloadObs {
  readonly type: number;
  /** Short name for the ladder: decoder brief() if available, else the payload type abbreviation. */
  readonly brief: string;
  readonly encrypted: boolean;
  readonly proposals?: readonly ProposalObs[];
  readonly notifyType?: number;
  readonly notifyName?: string;
  /** Notify / NAT-D data bytes (the NAT-D hash). */
  readonly data?: Uint8Array;
  readonly idText?: string;
  readonly authMethod?: string;
  readonly dhGroup?: { readonly id: number; readonly name: string };
  readonly deleteProto?: string;
  readonly deleteSpis?: readonly string[];
  readonly vendor?: string;
  /** SK/SKF: the Next Payload field, which names the first inner (encrypted) payload type (RFC 7296 §3.14), visible in clear. */
  readonly innerFirst?: number;
}

export interface IkeObs {
  readonly ispi: string;
  readonly rspi: string;
  readonly ispiBytes: Uint8Array;
  readonly rspiBytes: Uint8Array;
  readonly major: number;
  readonly minor: number;
  readonly exchangeType: number;
  readonly exchangeName: string;
  readonly flags: number;
  readonly messageId: number;
  readonly payloads: readonly PayloadObs[];
  /** The inner payloads of an encrypted message the decryption engine opened (absent otherwise). */
  readonly decrypted?: readonly PayloadObs[];
  /** IKEv1 E flag or an IKEv2 SK/SKF payload: the contents are not visible. */
  readonly encrypted: boolean;
  /** RFC 7383 fragment number (SKF), so fragments of one message are not taken for retransmissions. */
  readonly fragNumber?: number;
  readonly fragTotal?: number;
  /** SHA-1 of the message bytes, to tell exact retransmissions (RFC 7296 §2.1) from new messages. */
  readonly digest: string;
  readonly length: number;
}

export interface SaLayerObs {
  readonly proto: 'esp' | 'ah';
  readonly spi: number;
  readonly seq?: number;
  /** Bytes of the ESP/AH packet (SPI to the end of the ICV / payload). */
  readonly bytes: number;
}

export function packetTime(p: Packet): PacketTime {
  const f = p.frame;
  return { frame: f.number, t: f.tsSec + f.tsNsec / 1e9, epoch: `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}` };
}

/** The endpoints of the layer at `index`: the nearest IP header below it, and UDP if one sits between. */
export function endpointsOf(p: Packet, index: number): Endpoints | undefined {
  let udp: UdpRecord | undefined;
  let transport: 'udp' | 'tcp' | undefined;
  for (let i = index - 1; i >= 0; i--) {
    const l = p.layers[i]!;
    const id = l.spec.id;
    if ((id === 'udp' || id === 'tcp') && !udp) {
      udp = l.record as UdpRecord; // TCP: IKE/ESP over TCP (RFC 9329); the same port fields
      transport = id;
    }
    else if (id === 'ip' || id === 'ipv6') {
      const r = l.record as { src?: Uint8Array; dst?: Uint8Array };
      if (!r.src || !r.dst) return undefined;
      const v6 = id === 'ipv6';
      return {
        family: v6 ? 6 : 4,
        src: v6 ? formatIPv6(r.src) : formatIPv4(r.src),
        dst: v6 ? formatIPv6(r.dst) : formatIPv4(r.dst),
        srcBytes: r.src,
        dstBytes: r.dst,
        ...(udp?.srcport !== undefined && udp.dstport !== undefined ? { sport: udp.srcport, dport: udp.dstport, transport: transport! } : {}),
      };
    }
  }
  return undefined;
}

/** `addr:port` or `addr` (IPv6 in brackets when a port follows). */
export function endpointText(addr: string, port?: number): string {
  if (port === undefined) return addr;
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

// ---------------------------------------------------------------- tree access

/** Display name of a coded node: the node's or field's value table, else its field text. */
export function nodeName(n: TreeNode): string {
  const table: CodeTable | undefined = n.values ?? n.field.values;
  if (typeof n.value === 'number' && table) return describeCode(table, n.value);
  return fieldText(n.field, n.value);
}

function numberOf(n: TreeNode | undefined): number | undefined {
  if (!n) return undefined;
  if (typeof n.value === 'number') return n.value;
  if (typeof n.value === 'bigint') return Number(n.value);
  return undefined;
}

/** First node with this field id, depth first. */
function findNode(n: TreeNode, id: string): TreeNode | undefined {
  if (n.field.id === id) return n;
  for (const c of n.children ?? []) {
    const f = findNode(c, id);
    if (f) return f;
  }
  return undefined;
}

function child(n: TreeNode, id: string): TreeNode | undefined {
  return n.children?.find((c) => c.field.id === id);
}

/** First descendant (depth first, the node itself excluded) whose id satisfies `pred`. */
function descendant(n: TreeNode, pred: (id: string) => boolean): TreeNode | undefined {
  for (const c of n.children ?? []) {
    if (pred(c.field.id)) return c;
    const d = descendant(c, pred);
    if (d) return d;
  }
  return undefined;
}

function descendants(n: TreeNode, pred: (n: TreeNode) => boolean, out: TreeNode[] = []): TreeNode[] {
  for (const c of n.children ?? []) {
    if (pred(c)) out.push(c);
    descendants(c, pred, out);
  }
  return out;
}

const hasChild = (n: TreeNode, pred: (id: string) => boolean) => (n.children ?? []).some((c) => pred(c.field.id));

const isTransformField = (id: string) => id === 'isakmp.tf.type' || id === 'isakmp.trans.number' || id === 'isakmp.trans.id' || id.startsWith('isakmp.tf.id.');

/**
 * Proposals of an SA payload node. The decoders' intermediate node ids are
 * not part of the contract, so structure is found by content: a proposal is
 * a node with an `isakmp.prop.number` child, a transform one with an
 * `isakmp.tf.*` child; attributes are `isakmp.ike.attr.*` / `isakmp.ipsec.attr.*` below it.
 */
export function proposalsOf(sa: TreeNode): ProposalObs[] {
  const props = descendants(sa, (n) => hasChild(n, (id) => id === 'isakmp.prop.number'));
  return props.map((pn) => {
    const num = numberOf(child(pn, 'isakmp.prop.number'));
    const pid = child(pn, 'isakmp.prop.protoid');
    const spi = child(pn, 'isakmp.spi');
    const tfs = descendants(pn, (n) => hasChild(n, isTransformField)).map(transformOf);
    return {
      ...(num !== undefined ? { number: num } : {}),
      ...(pid ? { protocol: nodeName(pid), protocolId: numberOf(pid) } : {}),
      ...(spi && spi.value instanceof Uint8Array ? { spi: toHex(spi.value) } : spi && typeof spi.value === 'number' ? { spi: spi.value.toString(16).padStart(8, '0') } : {}),
      transforms: tfs,
    };
  });
}

function transformOf(tn: TreeNode): TransformObs {
  const type = child(tn, 'isakmp.tf.type');
  const idNode = tn.children?.find((c) => c.field.id.startsWith('isakmp.tf.id.')) ?? child(tn, 'isakmp.trans.id');
  const attrs: Record<string, { value: number | string; name: string }> = {};
  for (const a of descendants(tn, (n) => /^isakmp\.(ike|ike2|ipsec)\.attr\./.test(n.field.id))) {
    const key = a.field.id.replace(/^isakmp\.(ike|ike2|ipsec)\.attr\./, '');
    if (key === 'type' || key === 'format' || key === 'value' || key === 'length') continue;
    if (key in attrs) continue;
    const v = numberOf(a);
    attrs[key] = { value: v ?? fieldText(a.field, a.value), name: nodeName(a) };
  }
  const kl = attrs['key_length'];
  return {
    ...(type ? { type: numberOf(type), typeName: nodeName(type) } : {}),
    ...(idNode ? { id: numberOf(idNode), name: nodeName(idNode) } : {}),
    ...(kl && typeof kl.value === 'number' ? { keyLength: kl.value } : {}),
    attrs,
  };
}

// ---------------------------------------------------------------- payloads

/** Payload abbreviations used when no decoder supplies brief(): RFC 7296 §3.2 and RFC 2408 §3 notation. */
const V2_SHORT: Record<number, string> = {
  33: 'SA', 34: 'KE', 35: 'IDi', 36: 'IDr', 37: 'CERT', 38: 'CERTREQ', 39: 'AUTH', 40: 'N', 41: 'N', 42: 'D', 43: 'V',
  44: 'TSi', 45: 'TSr', 46: 'SK', 47: 'CP', 48: 'EAP', 49: 'GSPM', 53: 'SKF', 54: 'PS',
};
const V1_SHORT: Record<number, string> = {
  1: 'SA', 2: 'P', 3: 'T', 4: 'KE', 5: 'ID', 6: 'CERT', 7: 'CR', 8: 'HASH', 9: 'SIG', 10: 'NONCE', 11: 'N', 12: 'D', 13: 'VID',
  14: 'ATTR', 20: 'NAT-D', 21: 'NAT-OA', 130: 'NAT-D', 131: 'NAT-OA', 132: 'FRAG',
};

/**
 * Notify names used only when no Notify decoder exists yet (then the raw
 * body is all there is). RFC 7296 §3.10.1 / RFC 2408 §3.14.1 numbers.
 */
const FALLBACK_NOTIFY: Record<number, string> = {
  7: 'INVALID_SYNTAX', 14: 'NO_PROPOSAL_CHOSEN', 17: 'INVALID_KE_PAYLOAD', 24: 'AUTHENTICATION_FAILED',
  35: 'NO_ADDITIONAL_SAS', 16388: 'NAT_DETECTION_SOURCE_IP', 16389: 'NAT_DETECTION_DESTINATION_IP', 16390: 'COOKIE',
  16393: 'REKEY_SA', 16404: 'MOBIKE_SUPPORTED', 16430: 'IKEV2_FRAGMENTATION_SUPPORTED', 16431: 'SIGNATURE_HASH_ALGORITHMS',
  24576: 'INITIAL_CONTACT',
};

export const NOTIFY_NAT_DETECTION_SOURCE_IP = 16388;
export const NOTIFY_NAT_DETECTION_DESTINATION_IP = 16389;
export const NOTIFY_REKEY_SA = 16393;
export const NOTIFY_COOKIE = 16390;
export const NOTIFY_INVALID_KE_PAYLOAD = 17;

const V1_NATD = new Set([20, 130]);
const V1_NOTIFY = 11;
const V2_NOTIFY = 41;

function rawBody(pn: TreeNode): Uint8Array | undefined {
  const d = child(pn, 'isakmp.datapayload');
  return d && d.value instanceof Uint8Array ? d.value : undefined;
}

/** Notify type and data: from the decoder's fields, else from the fixed Notify header (RFC 7296 §3.10, RFC 2408 §3.14). */
function notifyOf(pn: TreeNode, major: number): { type?: number; name?: string; data?: Uint8Array } {
  const mt = descendant(pn, (id) => id === 'isakmp.notify.msgtype');
  if (mt) {
    const dataNode = descendant(pn, (id) => id === 'isakmp.notify.data') ?? descendant(pn, (id) => id.startsWith('isakmp.notify.data'));
    let data = dataNode && dataNode.value instanceof Uint8Array ? dataNode.value : undefined;
    if (!data && dataNode?.children) {
      const inner = descendant(dataNode, () => true);
      if (inner && inner.value instanceof Uint8Array) data = inner.value;
    }
    const t = numberOf(mt);
    return { ...(t !== undefined ? { type: t } : {}), name: nodeName(mt), ...(data ? { data } : {}) };
  }
  const b = rawBody(pn);
  const head = major === 2 ? 0 : 4; // IKEv1 starts with the 4-byte DOI
  if (!b || b.length < head + 4) return {};
  const spiSize = b[head + 1]!;
  const type = (b[head + 2]! << 8) | b[head + 3]!;
  return { type, name: FALLBACK_NOTIFY[type] ?? String(type), data: b.subarray(Math.min(b.length, head + 4 + spiSize)) };
}

function natHashV1(pn: TreeNode): Uint8Array | undefined {
  const d = descendant(pn, (id) => id === 'isakmp.ike.nat_hash' || id === 'isakmp.nat_hash' || (id.includes('nat') && id.includes('hash')));
  if (d && d.value instanceof Uint8Array) return d.value;
  return rawBody(pn);
}

function payloadObs(rec: IsakmpRecord, index: number, pn: TreeNode | undefined, initiatorSent: boolean): PayloadObs {
  const pl = rec.payloads[index]!;
  const major = rec.major ?? 0;
  const encrypted = pl.encrypted === true;
  let brief: string | undefined;
  const dec = pl.decoded ? decoderFor(major, pl.type) : undefined;
  if (dec?.brief && pl.decoded) {
    try {
      brief = dec.brief(pl.decoded, payloadContext(rec, pl.type, index));
    } catch {
      brief = undefined; // a decoder bug must not break the report; fall back to the short name
    }
  }
  const short = (major === 2 ? V2_SHORT : V1_SHORT)[pl.type] ?? String(pl.type);
  const out: { -readonly [K in keyof PayloadObs]: PayloadObs[K] } = { type: pl.type, brief: brief ?? short, encrypted };
  // Nonces: RFC 7296 writes Ni / Nr by sender.
  if (!brief && ((major === 2 && pl.type === 40) || (major === 1 && pl.type === 10))) out.brief = initiatorSent ? 'Ni' : 'Nr';
  if (encrypted) {
    out.innerFirst = pl.nextPayload;
    // Only the first fragment's Next Payload names an inner payload (RFC 7383 §2.5).
    const inner = pl.fragNumber !== undefined && pl.fragNumber !== 1 ? undefined : pl.nextPayload === 0 ? '' : (V2_SHORT[pl.nextPayload] ?? String(pl.nextPayload));
    const frag = pl.fragNumber !== undefined ? `SKF(${pl.fragNumber}/${pl.fragTotal})` : 'SK';
    if (!brief) out.brief = inner === undefined ? `${frag} {…}` : inner === '' ? `${frag} {}` : `${frag} {${inner}, …}`;
    return out;
  }
  if (!pn) return out;
  if ((major === 2 && pl.type === 33) || (major === 1 && pl.type === 1)) {
    const props = proposalsOf(pn);
    if (props.length) out.proposals = props;
  }
  if ((major === 2 && pl.type === V2_NOTIFY) || (major === 1 && pl.type === V1_NOTIFY)) {
    const n = notifyOf(pn, major);
    if (n.type !== undefined) out.notifyType = n.type;
    if (n.name) out.notifyName = n.name;
    if (n.data) out.data = n.data;
    if (!brief && n.name) out.brief = `N(${n.name})`;
  }
  if (major === 1 && V1_NATD.has(pl.type)) {
    const h = natHashV1(pn);
    if (h) out.data = h;
  }
  const idType = descendant(pn, (id) => id === 'isakmp.id.type');
  if (idType) {
    // Prefer the typed form (`isakmp.id.data.fqdn`, an address…) over the raw `isakmp.id.data` bytes.
    const dataNode = descendant(pn, (id) => id.startsWith('isakmp.id.data.') && id !== 'isakmp.id.data.length') ?? descendant(pn, (id) => id === 'isakmp.id.data');
    out.idText = dataNode ? `${nodeName(idType)}: ${nodeName(dataNode)}` : nodeName(idType);
  }
  const am = descendant(pn, (id) => id === 'isakmp.auth.method');
  if (am) out.authMethod = nodeName(am);
  const dh = descendant(pn, (id) => id === 'isakmp.key_exchange.dh_group');
  if (dh && numberOf(dh) !== undefined) out.dhGroup = { id: numberOf(dh)!, name: nodeName(dh) };
  const dp = descendant(pn, (id) => id === 'isakmp.delete.protoid');
  if (dp) out.deleteProto = nodeName(dp);
  const ds = descendants(pn, (n) => n.field.id === 'isakmp.delete.spi');
  if (ds.length) out.deleteSpis = ds.map((n) => (n.value instanceof Uint8Array ? toHex(n.value) : typeof n.value === 'number' ? n.value.toString(16).padStart(8, '0') : String(n.value)));
  const vid = descendant(pn, (id) => id === 'isakmp.vid_string');
  if (vid) out.vendor = nodeName(vid);
  return out;
}

/** The ISAKMP layer of a packet as an IkeObs, or undefined when the header is incomplete. */
export function ikeObs(p: Packet, layer: Layer, initiatorSent?: boolean): IkeObs | undefined {
  const rec = layer.record as IsakmpRecord;
  if (!rec.ispi || !rec.rspi || rec.major === undefined || rec.exchangeType === undefined || rec.flags === undefined || rec.messageId === undefined) return undefined;
  const major = rec.major;
  // IKEv2: the I flag tells the original initiator (RFC 7296 §3.1); IKEv1 callers say who sent it.
  const fromInit = major === 2 ? (rec.flags & 0x08) !== 0 : (initiatorSent ?? true);
  const d = rec.decrypted;
  const opened = d !== undefined && d.status === 'ok' && d.payloads.length > 0;
  // One tree for the clear payloads and the decrypted ones (built only when either is needed).
  const tree = opened || rec.payloads.some((pl) => !pl.encrypted) ? layerTree(layer) : undefined;
  const nodes = tree ? (tree.children ?? []).filter((n) => n.field.id === 'isakmp.typepayload') : [];
  const payloads = rec.payloads.map((_, i) => payloadObs(rec, i, nodes[i], fromInit));
  const bytes = p.sources[layer.source]?.bytes.subarray(layer.offset, layer.offset + layer.length) ?? new Uint8Array(0);
  const skf = rec.payloads.find((pl) => pl.type === PAYLOAD_SKF && major === 2);
  let decrypted: PayloadObs[] | undefined;
  if (opened && tree) {
    const inner: IsakmpRecord = { ...rec, payloads: [...d.payloads] };
    const holder = findNode(tree, 'isakmp.enc.decrypted');
    const innerNodes = (holder?.children ?? []).filter((n) => n.field.id === 'isakmp.typepayload');
    decrypted = d.payloads.map((_, i) => payloadObs(inner, i, innerNodes[i], fromInit));
  }
  return {
    ispi: toHex(rec.ispi),
    rspi: toHex(rec.rspi),
    ispiBytes: rec.ispi,
    rspiBytes: rec.rspi,
    major,
    minor: rec.minor ?? 0,
    exchangeType: rec.exchangeType,
    exchangeName: describeCode(exchangeTable(major), rec.exchangeType),
    flags: rec.flags,
    messageId: rec.messageId,
    payloads,
    ...(decrypted ? { decrypted } : {}),
    encrypted: (major === 1 && (rec.flags & 0x01) !== 0) || rec.payloads.some((pl) => major === 2 && (pl.type === PAYLOAD_SK || pl.type === PAYLOAD_SKF)),
    ...(skf?.fragNumber !== undefined ? { fragNumber: skf.fragNumber, fragTotal: skf.fragTotal } : {}),
    digest: toHex(sha1(bytes)),
    length: rec.length ?? bytes.length,
  };
}

/** The outermost ESP or AH header of a packet (per-packet cost: no tree, no allocation beyond the result). */
export function saLayerObs(p: Packet, l: Layer): SaLayerObs | undefined {
  if (l.spec.id === 'esp') {
    const r = l.record as EspRecord;
    if (r.spi === undefined) return undefined;
    return { proto: 'esp', spi: r.spi, ...(r.sequence !== undefined ? { seq: r.sequence } : {}), bytes: l.length };
  }
  if (l.spec.id === 'ah') {
    const r = l.record as AhRecord;
    if (r.spi === undefined) return undefined;
    // The AH layer spans only its header; the protected payload follows in clear (RFC 4302 §3.1), so count to the end.
    const end = p.sources[l.source]?.bytes.length ?? l.offset + l.length;
    return { proto: 'ah', spi: r.spi, ...(r.sequence !== undefined ? { seq: r.sequence } : {}), bytes: Math.max(l.length, end - l.offset) };
  }
  return undefined;
}
