/**
 * The session pass: IKE SAs, exchanges, child SAs, ESP/AH flows and NAT-D
 * verdicts, built from dissected packets in file order, outside the
 * dissectors. State is per SA and per flow; an ESP/AH packet only updates
 * the counters of its flow, so memory stays flat on any capture size.
 *
 * Keys. IKEv1 SAs are keyed by the cookies (RFC 2408 §2.5.3), IKEv2 SAs by
 * the SPI pair (RFC 7296 §2.6); the first message carries a zero responder
 * cookie/SPI and is matched to the pair when the response names it.
 * Exchanges: IKEv2 by requester + Message ID (each side numbers its own
 * requests, RFC 7296 §2.2); IKEv1 by Message ID (Phase 1 is MID 0, each
 * Quick Mode / Informational has its own MID, RFC 2409 §5.5).
 */
import { hasSeveralMessages, perMessage } from '../dissect/iketcp.js';
import type { Packet } from '../dissect/packet.js';
import { ikev1FragmentOf } from '../dissect/isakmp/fragments.js';
import { checkNatd, natVerdict, v1Hash, type NatdCheck, type Side } from './natd.js';
import {
  endpointText,
  endpointsOf,
  ikeObs,
  NOTIFY_NAT_DETECTION_DESTINATION_IP,
  NOTIFY_NAT_DETECTION_SOURCE_IP,
  NOTIFY_REKEY_SA,
  packetTime,
  saLayerObs,
  type Endpoints,
  type IkeObs,
  type PacketTime,
  type ProposalObs,
  type SaLayerObs,
} from './observe.js';
import type { ChildSa, Exchange, Flow, IkeMessage, IkeSa, SaState, SessionModel } from './model.js';
import { proposalSummary } from './proposals.js';
import type { IsakmpRecord } from '../dissect/isakmp/isakmp.js';
import { toHex } from '../core/bytes.js';

export type { SessionModel } from './model.js';

/** Exchanges kept per SA; later ones are counted only (a week of DPD must not grow without bound). */
const MAX_EXCHANGES = 2000;
/** Messages kept per exchange (retransmission storms). */
const MAX_MESSAGES = 64;

const V1_MAIN = 2;
const V1_AGGRESSIVE = 4;
const V1_INFO = 5;
const V1_QUICK = 32;
const V2_SA_INIT = 34;
const V2_AUTH = 35;
const V2_CREATE_CHILD = 36;
const V2_INFO = 37;
const V2_DELETE = 42;
const FLAG_I = 0x08;
const FLAG_R = 0x20;

interface ExchangeState {
  name: string;
  exchangeType: number;
  messageId: number;
  requester: Side;
  request?: IkeMessage;
  response?: IkeMessage;
  messages: IkeMessage[];
  digests: Set<string>;
  /** direction + fragment number already seen (for IKEv2 retries). */
  seen: Set<string>;
  retransmissions: number;
  /** First inner payload of the request's SK (RFC 7296 §3.14), visible in clear. */
  requestInner?: number;
  /** A visible REKEY_SA notify in the request. */
  rekeySa?: boolean;
}

interface SaStateInternal {
  id: number;
  version: 1 | 2;
  ispi: string;
  rspi: string;
  iAddr: string;
  rAddr: string;
  iPorts: number[];
  rPorts: number[];
  nattFloatFrame?: number;
  first: PacketTime;
  last: PacketTime;
  messages: number;
  firstExchangeType: number;
  exchanges: Map<string, ExchangeState>;
  order: ExchangeState[];
  dropped: number;
  offered: ProposalObs[];
  chosen?: ProposalObs;
  idI?: string;
  idR?: string;
  authMethod?: string;
  dhGroup?: string;
  natChecks: NatdCheck[];
  natPorts: Record<Side, number[]>;
  notifies: { frame: number; name: string }[];
  errorNotify?: string;
  deletes: { frame: number; protocol?: string; spis: string[] }[];
  visibleChildren: ChildSa[];
  /** IKE SPIs (hex) of IKE SA proposals seen in clear CREATE_CHILD_SA exchanges (exact rekey link). */
  newIkeSpis: Set<string>;
}

interface FlowState {
  protocol: 'ESP' | 'AH';
  spi: number;
  src: string;
  dst: string;
  encapsulation: 'ESP' | 'ESP-in-UDP' | 'ESP-in-TCP' | 'AH';
  sport?: number;
  dport?: number;
  packets: number;
  bytes: number;
  first: PacketTime;
  last: PacketTime;
  seqMin?: number;
  seqMax?: number;
  window: number;
  gaps: number;
  duplicates: number;
  late: number;
}

/** What add() learned from one packet, for listeners such as the ladder. */
export type PacketEvent =
  | { readonly kind: 'ike'; readonly sa: number; readonly message: IkeMessage; readonly src: string; readonly dst: string }
  | { readonly kind: 'sa'; readonly flowKey: string; readonly obs: SaLayerObs; readonly time: PacketTime; readonly src: string; readonly dst: string; readonly srcAddr: string; readonly dstAddr: string; readonly encapsulation: string }
  | { readonly kind: 'keepalive'; readonly time: PacketTime; readonly src: string; readonly dst: string };

/** Which message (request or response) a child SA seen in an SA payload came from, to pair the two SPIs. */
const PAYLOAD_CHILD_FROM_RESPONSE = new WeakMap<ChildSa, boolean>();

const pairKey = (a: string, b: string) => (a < b ? `${a}|${b}` : `${b}|${a}`);
const hex8 = (n: number) => n.toString(16).padStart(8, '0');
const ZERO8 = '0000000000000000';

/** Builds the session model; feed every packet in file order, then call result(). */
export class SessionBuilder {
  private readonly sas: SaStateInternal[] = [];
  private readonly byKey = new Map<string, SaStateInternal>();
  /** Latest SA per (version, initiator SPI): where a zero-rspi message belongs. */
  private readonly byIspi = new Map<string, SaStateInternal>();
  private readonly flows = new Map<string, FlowState>();
  private readonly keepalives = new Map<string, number>();

  /** Feed one packet; returns what it contributed (undefined for other traffic). */
  add(p: Packet): PacketEvent | undefined {
    // A TCP segment (RFC 9329) can complete several IKE/ESP messages: each counts.
    if (!hasSeveralMessages(p)) return this.addOne(p);
    let last: PacketEvent | undefined;
    for (const v of perMessage(p)) last = this.addOne(v) ?? last;
    return last;
  }

  private addOne(p: Packet): PacketEvent | undefined {
    const layers = p.layers;
    for (let i = 1; i < layers.length; i++) {
      const id = layers[i]!.spec.id;
      if (id === 'isakmp') {
        // A reassembled IKEv1 message follows its last fragment: the message counts, its fragments do not.
        let last = i;
        for (let j = i + 1; j < layers.length; j++) if (layers[j]!.spec.id === 'isakmp') last = j;
        if (ikev1FragmentOf(layers[last]!.record as IsakmpRecord)) return undefined;
        return this.addIke(p, last);
      }
      if (id === 'esp' || id === 'ah') return this.addSa(p, i);
      if ((id === 'udpencap' || id === 'iketcp') && (layers[i]!.record as { kind?: string }).kind === 'keepalive') {
        const ep = endpointsOf(p, i);
        if (!ep) return undefined;
        const k = pairKey(ep.src, ep.dst);
        this.keepalives.set(k, (this.keepalives.get(k) ?? 0) + 1);
        return { kind: 'keepalive', time: packetTime(p), src: endpointText(ep.src, ep.sport), dst: endpointText(ep.dst, ep.dport) };
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------------ ESP / AH

  private addSa(p: Packet, i: number): PacketEvent | undefined {
    const obs = saLayerObs(p, p.layers[i]!);
    const ep = endpointsOf(p, i);
    if (!obs || !ep) return undefined;
    const key = `${obs.proto}:${obs.spi}:${ep.dst}`;
    let f = this.flows.get(key);
    const time = packetTime(p);
    const encapsulation = obs.proto === 'ah' ? 'AH' : ep.sport === undefined ? 'ESP' : ep.transport === 'tcp' ? 'ESP-in-TCP' : 'ESP-in-UDP';
    if (!f) {
      f = {
        protocol: obs.proto === 'ah' ? 'AH' : 'ESP',
        spi: obs.spi,
        src: ep.src,
        dst: ep.dst,
        encapsulation,
        ...(ep.sport !== undefined ? { sport: ep.sport, dport: ep.dport } : {}),
        packets: 0,
        bytes: 0,
        first: time,
        last: time,
        window: 0,
        gaps: 0,
        duplicates: 0,
        late: 0,
      };
      this.flows.set(key, f);
    }
    f.packets++;
    f.bytes += obs.bytes;
    f.last = time;
    if (obs.seq !== undefined) trackSeq(f, obs.seq);
    return { kind: 'sa', flowKey: key, obs, time, src: endpointText(ep.src, ep.sport), dst: endpointText(ep.dst, ep.dport), srcAddr: ep.src, dstAddr: ep.dst, encapsulation };
  }

  // ------------------------------------------------------------------ IKE

  private addIke(p: Packet, i: number): PacketEvent | undefined {
    const layer = p.layers[i]!;
    const rec = layer.record as IsakmpRecord;
    const ep = endpointsOf(p, i);
    if (!ep || !rec.ispi || !rec.rspi || (rec.major !== 1 && rec.major !== 2) || rec.flags === undefined || rec.messageId === undefined) return undefined;
    const version = rec.major;
    const ispi = toHex(rec.ispi);
    const rspi = toHex(rec.rspi);
    const time = packetTime(p);
    // IKEv2's I flag names the original initiator (RFC 7296 §3.1); IKEv1's first sender is taken as initiator.
    const srcIsInitiator = version === 2 ? (rec.flags & FLAG_I) !== 0 : true;
    const sa = this.lookup(version, ispi, rspi, ep, time, rec.exchangeType ?? 0, srcIsInitiator);
    const from: Side = version === 2 ? (rec.flags & FLAG_I ? 'initiator' : 'responder') : v1Sender(sa, ep);
    const obs = ikeObs(p, layer, from === 'initiator');
    if (!obs) return undefined;
    sa.last = time;
    sa.messages++;
    const ports = from === 'initiator' ? sa.iPorts : sa.rPorts;
    if (ep.sport !== undefined && !ports.includes(ep.sport)) {
      ports.push(ep.sport);
      if (ep.sport === 4500 || ep.dport === 4500) sa.nattFloatFrame ??= time.frame;
    }
    const msg = this.recordExchange(sa, obs, from, ep, time);
    this.harvest(sa, obs, from, ep, time);
    return { kind: 'ike', sa: sa.id, message: msg, src: msg.src, dst: msg.dst };
  }

  private lookup(version: 1 | 2, ispi: string, rspi: string, ep: Endpoints, time: PacketTime, exchangeType: number, srcIsInitiator: boolean): SaStateInternal {
    const full = `${version}:${ispi}:${rspi}`;
    let sa = this.byKey.get(full);
    if (sa) return sa;
    const pending = this.byIspi.get(`${version}:${ispi}`);
    if (pending && rspi === ZERO8) return pending;
    if (pending && pending.rspi === ZERO8) {
      // The response names the responder's SPI: the SA is now known by the pair.
      pending.rspi = rspi;
      this.byKey.set(full, pending);
      return pending;
    }
    // A new SA.
    const id = this.sas.length;
    sa = {
      id,
      version,
      ispi,
      rspi,
      iAddr: srcIsInitiator ? ep.src : ep.dst,
      rAddr: srcIsInitiator ? ep.dst : ep.src,
      iPorts: [],
      rPorts: [],
      first: time,
      last: time,
      messages: 0,
      firstExchangeType: exchangeType,
      exchanges: new Map(),
      order: [],
      dropped: 0,
      offered: [],
      natChecks: [],
      natPorts: { initiator: [], responder: [] },
      notifies: [],
      deletes: [],
      visibleChildren: [],
      newIkeSpis: new Set(),
    };
    this.sas.push(sa);
    this.byKey.set(full, sa);
    this.byIspi.set(`${version}:${ispi}`, sa);
    return sa;
  }

  private recordExchange(sa: SaStateInternal, obs: IkeObs, from: Side, ep: Endpoints, time: PacketTime): IkeMessage {
    // IKEv2: the requester is whoever sent the request; a response comes from the other side (RFC 7296 §2.2).
    const isV2 = sa.version === 2;
    const response = isV2 ? (obs.flags & FLAG_R) !== 0 : false;
    const requester: Side = isV2 ? (response ? other(from) : from) : from;
    const key = isV2 ? `${requester}:${obs.messageId}` : `${obs.messageId}`;
    let ex = sa.exchanges.get(key);
    if (!ex) {
      ex = { name: obs.exchangeName, exchangeType: obs.exchangeType, messageId: obs.messageId, requester, messages: [], digests: new Set(), seen: new Set(), retransmissions: 0 };
      if (sa.order.length < MAX_EXCHANGES) {
        sa.exchanges.set(key, ex);
        sa.order.push(ex);
      } else sa.dropped++;
    }
    const retransmission = ex.digests.has(obs.digest);
    const dirKey = `${from}:${obs.fragNumber ?? 0}`;
    const retry = !retransmission && isV2 && ex.seen.has(dirKey);
    ex.digests.add(obs.digest);
    ex.seen.add(dirKey);
    if (retransmission) ex.retransmissions++;
    // IKEv1: the exchange's first sender is the requester; the other side's messages are responses.
    const isResponse = isV2 ? response : from !== ex.requester;
    const label = messageLabel(obs);
    const msg: IkeMessage = {
      time,
      from,
      src: endpointText(ep.src, ep.sport),
      dst: endpointText(ep.dst, ep.dport),
      response: isResponse,
      messageId: obs.messageId,
      exchangeName: obs.exchangeName,
      label,
      encrypted: obs.encrypted,
      retransmission,
      retry,
      ...(obs.fragNumber !== undefined ? { fragment: `${obs.fragNumber}/${obs.fragTotal}` } : {}),
    };
    if (ex.messages.length < MAX_MESSAGES) ex.messages.push(msg);
    if (!retransmission) {
      if (isResponse) ex.response ??= msg;
      else ex.request ??= msg;
    }
    if (!isResponse && ex.requestInner === undefined) {
      const sk = obs.payloads.find((pl) => pl.encrypted);
      if (sk?.innerFirst !== undefined) ex.requestInner = sk.innerFirst;
    }
    if (!isResponse && obs.payloads.some((pl) => pl.notifyType === NOTIFY_REKEY_SA)) ex.rekeySa = true;
    return msg;
  }

  /** Facts from cleartext payloads: proposals, IDs, auth, DH group, notifies, deletes, NAT-D. */
  private harvest(sa: SaStateInternal, obs: IkeObs, from: Side, ep: Endpoints, time: PacketTime): void {
    const isV2 = sa.version === 2;
    const response = isV2 ? (obs.flags & FLAG_R) !== 0 : from === 'responder';
    const phase1 = isV2 ? obs.exchangeType === V2_SA_INIT : obs.exchangeType === V1_MAIN || obs.exchangeType === V1_AGGRESSIVE;
    for (const pl of obs.decrypted ? [...obs.payloads, ...obs.decrypted] : obs.payloads) {
      if (pl.proposals && pl.proposals.length) {
        if (phase1) {
          if (!response && sa.offered.length === 0) sa.offered = [...pl.proposals];
          if (response) sa.chosen = pl.proposals[0];
        } else {
          for (const pr of pl.proposals) {
            if (pr.protocolId === 1 && pr.spi) sa.newIkeSpis.add(pr.spi); // IKE SA rekey (RFC 7296 §1.3.2)
            else if (pr.spi && pr.spi.length === 8) {
              // One child SA is a pair: the request's proposal carries the initiator's inbound SPI, the
              // response's the responder's (RFC 7296 §2.17, RFC 2409 §5.5). Offers of several proposals repeat one SPI.
              const exchange = `${obs.exchangeName} MID=${obs.messageId}`;
              const protocol = pr.protocol ?? 'ESP';
              const at = sa.visibleChildren.findIndex((c) => c.exchange === exchange && c.protocol === protocol && c.source === 'payload' && c.spis.length === 1);
              const mate = at >= 0 ? sa.visibleChildren[at]! : undefined;
              if (mate?.spis.includes(pr.spi)) continue;
              if (mate && PAYLOAD_CHILD_FROM_RESPONSE.get(mate) !== response) sa.visibleChildren[at] = { ...mate, spis: [...mate.spis, pr.spi] };
              else {
                const child: ChildSa = { protocol, spis: [pr.spi], exchange, source: 'payload' };
                PAYLOAD_CHILD_FROM_RESPONSE.set(child, response);
                sa.visibleChildren.push(child);
              }
            }
          }
        }
      }
      if (pl.idText) {
        if (from === 'initiator') sa.idI ??= pl.idText;
        else sa.idR ??= pl.idText;
      }
      if (pl.authMethod) sa.authMethod ??= pl.authMethod;
      if (pl.dhGroup && phase1) sa.dhGroup ??= pl.dhGroup.name;
      if (pl.notifyName !== undefined && pl.notifyType !== undefined) {
        if (sa.notifies.length < 64) sa.notifies.push({ frame: time.frame, name: pl.notifyName });
        // Error notifies are types below 16384 (RFC 7296 §3.10.1; RFC 2408 §3.14.1 uses 1–8191).
        if (pl.notifyType > 0 && pl.notifyType < 16384 && response) sa.errorNotify ??= pl.notifyName;
      }
      if (pl.deleteSpis || pl.deleteProto) sa.deletes.push({ frame: time.frame, ...(pl.deleteProto ? { protocol: pl.deleteProto } : {}), spis: [...(pl.deleteSpis ?? [])] });
      this.natd(sa, obs, from, ep, time, pl.type, pl.notifyType, pl.data);
    }
  }

  private natd(sa: SaStateInternal, obs: IkeObs, from: Side, ep: Endpoints, time: PacketTime, type: number, notifyType: number | undefined, data: Uint8Array | undefined): void {
    if (!data || ep.sport === undefined || ep.dport === undefined) return;
    let kind: 'source' | 'destination';
    let alg;
    if (sa.version === 2) {
      if (notifyType === NOTIFY_NAT_DETECTION_SOURCE_IP) kind = 'source';
      else if (notifyType === NOTIFY_NAT_DETECTION_DESTINATION_IP) kind = 'destination';
      else return;
      alg = v1Hash(2, 20); // RFC 7296 §2.23: always SHA-1
    } else {
      if (type !== 20 && type !== 130) return;
      // RFC 3947 §3.2: the first NAT-D of a message is the remote end, the rest the local end.
      const first = obs.payloads.find((q) => q.type === type);
      kind = first && first.data === data ? 'destination' : 'source';
      const hashAttr = sa.chosen?.transforms[0]?.attrs['hash_algorithm']?.value;
      alg = v1Hash(typeof hashAttr === 'number' ? hashAttr : undefined, data.length);
    }
    sa.natChecks.push(
      checkNatd({
        frame: time.frame,
        sentBy: from,
        kind,
        hash: data,
        ispi: obs.ispiBytes,
        rspi: obs.rspiBytes,
        srcIp: ep.srcBytes,
        dstIp: ep.dstBytes,
        srcText: endpointText(ep.src, ep.sport),
        dstText: endpointText(ep.dst, ep.dport),
        sport: ep.sport,
        dport: ep.dport,
        alg,
      }),
    );
    if (!sa.natPorts[from].includes(ep.sport)) sa.natPorts[from].push(ep.sport);
  }

  // ------------------------------------------------------------------ result

  result(): SessionModel {
    const flows = [...this.flows.values()];
    const ikeSas = this.sas.map((s) => this.finishSa(s));
    const rekeys = linkRekeys(this.sas);
    const flowOut: Flow[] = [];
    const children = new Map<number, ChildSa[]>();
    for (const s of this.sas) children.set(s.id, [...s.visibleChildren]);
    // Flows in order of first packet: child SAs inferred from traffic are numbered in that order.
    const sorted = flows.slice().sort((a, b) => a.first.frame - b.first.frame);
    for (const f of sorted) flowOut.push(this.linkFlow(f, children));
    const out = ikeSas.map((s) => {
      const r = rekeys.get(s.id);
      const kids = children.get(s.id) ?? [];
      let state = s.state;
      let detail = s.stateDetail;
      if (r?.rekeyedBy !== undefined) {
        state = 'rekeyed';
        detail = `replaced by IKE SA #${r.rekeyedBy} (CREATE_CHILD_SA${r.inferred ? ', inferred from timing and peers' : ''})`;
      }
      return {
        ...s,
        state,
        stateDetail: detail,
        childSas: kids,
        ...(r?.rekeyOf !== undefined ? { rekeyOf: r.rekeyOf } : {}),
        ...(r?.rekeyedBy !== undefined ? { rekeyedBy: r.rekeyedBy } : {}),
        ...(r ? { rekeyInferred: r.inferred } : {}),
        keepalives: this.keepalives.get(pairKey(s.initiator.addr, s.responder.addr)) ?? 0,
      };
    });
    return { ikeSas: out, flows: flowOut.sort((a, b) => a.first.frame - b.first.frame) };
  }

  private linkFlow(f: FlowState, children: Map<number, ChildSa[]>): Flow {
    const spi = hex8(f.spi);
    let ikeSa: number | undefined;
    let link: Flow['link'] = 'none';
    let childSa: number | undefined;
    for (const [id, kids] of children) {
      const k = kids.findIndex((c) => c.source === 'payload' && c.spis.includes(spi));
      if (k >= 0) {
        ikeSa = id;
        childSa = k;
        link = 'spi';
        break;
      }
    }
    if (ikeSa === undefined) {
      // Tentative: the IKE SA between the same two addresses that was up when the flow began (else the first one).
      const pk = pairKey(f.src, f.dst);
      const cands = this.sas.filter((s) => pairKey(s.iAddr, s.rAddr) === pk);
      const before = cands.filter((s) => s.first.t <= f.first.t && s.order.some((e) => e.response));
      const chosen = before.length ? before.reduce((a, b) => (b.first.t >= a.first.t ? b : a)) : cands[0];
      if (chosen) {
        ikeSa = chosen.id;
        link = 'peers';
        childSa = inferChild(chosen, f, children.get(chosen.id)!);
      }
    }
    return {
      protocol: f.protocol,
      spi,
      src: f.src,
      dst: f.dst,
      encapsulation: f.encapsulation,
      ...(f.sport !== undefined ? { sport: f.sport, dport: f.dport } : {}),
      packets: f.packets,
      bytes: f.bytes,
      first: f.first,
      last: f.last,
      ...(f.seqMin !== undefined ? { seqMin: f.seqMin, seqMax: f.seqMax } : {}),
      gaps: f.gaps,
      duplicates: f.duplicates,
      late: f.late,
      ...(ikeSa !== undefined ? { ikeSa } : {}),
      link,
      ...(childSa !== undefined ? { childSa } : {}),
    };
  }

  private finishSa(s: SaStateInternal): Omit<IkeSa, 'childSas' | 'keepalives'> {
    const exchanges: Exchange[] = s.order.map((e) => ({
      name: e.name,
      exchangeType: e.exchangeType,
      messageId: e.messageId,
      requester: e.requester,
      ...(e.request ? { request: e.request } : {}),
      ...(e.response ? { response: e.response } : {}),
      messages: e.messages,
      retransmissions: e.retransmissions,
    }));
    const [state, stateDetail] = saState(s);
    const chosenSummary = s.chosen ? proposalSummary(s.chosen, s.version) : undefined;
    return {
      id: s.id,
      version: s.version,
      mode: saMode(s),
      ispi: s.ispi,
      rspi: s.rspi,
      initiator: { addr: s.iAddr, ports: s.iPorts },
      responder: { addr: s.rAddr, ports: s.rPorts },
      ...(s.nattFloatFrame !== undefined ? { nattFloatFrame: s.nattFloatFrame } : {}),
      proposalsOffered: s.offered,
      ...(s.chosen ? { proposalChosen: s.chosen } : {}),
      offered: s.offered.map((p) => proposalSummary(p, s.version)),
      ...(chosenSummary ? { chosen: chosenSummary } : {}),
      identities: { ...(s.idI ? { initiator: s.idI } : {}), ...(s.idR ? { responder: s.idR } : {}) },
      ...(s.authMethod ? { authMethod: s.authMethod } : {}),
      ...(s.dhGroup ? { dhGroup: s.dhGroup } : s.chosen ? dhFromProposal(s.chosen) : {}),
      ...(!s.authMethod && s.chosen ? authFromProposal(s.chosen) : {}),
      state,
      stateDetail,
      first: s.first,
      last: s.last,
      messages: s.messages,
      exchanges,
      exchangesDropped: s.dropped,
      retransmissions: s.order.reduce((n, e) => n + e.retransmissions, 0),
      deletes: s.deletes,
      notifies: s.notifies,
      nat: natVerdict(s.natChecks, s.natPorts),
    };
  }
}

function other(s: Side): Side {
  return s === 'initiator' ? 'responder' : 'initiator';
}

/** IKEv1 has no initiator flag: the side whose address started the SA is the initiator (RFC 2408 §3.1 cookies). */
function v1Sender(sa: SaStateInternal, ep: Endpoints): Side {
  if (ep.src === sa.iAddr && ep.src !== sa.rAddr) return 'initiator';
  if (ep.src === sa.rAddr && ep.src !== sa.iAddr) return 'responder';
  // Same address on both sides (two daemons on one host): ports decide.
  return ep.sport !== undefined && sa.rPorts.includes(ep.sport) ? 'responder' : 'initiator';
}

/** `HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP)`; IKEv1 with the E flag: `HDR*, [encrypted]` (RFC 2409 notation). */
export function messageLabel(obs: IkeObs): string {
  // Decrypted: the inner payloads in RFC notation (IKEv1 `HDR*, HASH, SA, …`; IKEv2 `HDR, SK {IDi, AUTH, …}`).
  if (obs.decrypted) {
    const inner = obs.decrypted.map((p) => p.brief);
    if (obs.major === 1) return ['HDR*', ...inner].join(', ');
    return ['HDR', ...obs.payloads.map((p) => (p.encrypted ? `${p.brief.startsWith('SKF') ? p.brief.split(' ')[0] : 'SK'} {${inner.join(', ')}}` : p.brief))].join(', ');
  }
  if (obs.major === 1 && obs.encrypted) return 'HDR*, [encrypted]';
  return ['HDR', ...obs.payloads.map((p) => p.brief)].join(', ');
}

function saMode(s: SaStateInternal): string {
  if (s.version === 2) return 'IKEv2';
  if (s.order.some((e) => e.exchangeType === V1_MAIN)) return 'Main Mode';
  if (s.order.some((e) => e.exchangeType === V1_AGGRESSIVE)) return 'Aggressive Mode';
  return 'IKEv1 (Phase 1 not seen)';
}

/** State and its reason. Encrypted contents are unknown, so some states are inferred; the detail says so. */
function saState(s: SaStateInternal): [SaState, string] {
  const ex = s.order;
  const last = ex[ex.length - 1];
  if (s.version === 2) {
    const init = ex.find((e) => e.exchangeType === V2_SA_INIT);
    const auth = ex.find((e) => e.exchangeType === V2_AUTH);
    if (init && !init.response) return ['incomplete', 'IKE_SA_INIT without a response'];
    if (s.errorNotify && !auth) return ['failed', `N(${s.errorNotify})`];
    if (init && !auth) return ['incomplete', 'no IKE_AUTH'];
    if (auth && !auth.response) return ['incomplete', 'IKE_AUTH without a response'];
    const ikeDelete = s.deletes.find((d) => d.protocol && /IKE|ISAKMP/i.test(d.protocol) && d.spis.length === 0);
    if (ikeDelete) return ['deleted', `Delete (frame ${ikeDelete.frame})`];
    if (last && last.exchangeType === V2_INFO && last.requestInner === V2_DELETE) {
      return ['deleted', `INFORMATIONAL with SK {D, …} (frame ${last.request?.time.frame ?? '?'}), last exchange of the SA`];
    }
    return ['established', auth ? 'IKE_AUTH completed (contents encrypted)' : 'exchanges seen; IKE_SA_INIT/IKE_AUTH not in the capture'];
  }
  const p1 = ex.find((e) => e.exchangeType === V1_MAIN || e.exchangeType === V1_AGGRESSIVE);
  if (s.errorNotify) return ['failed', `N(${s.errorNotify})`];
  const laterExchanges = ex.some((e) => e.exchangeType === V1_QUICK || e.exchangeType === V1_INFO);
  if (p1) {
    const need = p1.exchangeType === V1_MAIN ? 6 : 3;
    const distinct = p1.messages.filter((m) => !m.retransmission).length;
    if (distinct < need && !laterExchanges) return ['incomplete', `${p1.name}: ${distinct} of ${need} messages`];
  }
  if (last && last.exchangeType === V1_INFO && ex.some((e) => e.exchangeType === V1_QUICK)) {
    return ['deleted', `Informational (frame ${last.request?.time.frame ?? '?'}) ends the SA (encrypted: a Delete is inferred)`];
  }
  return ['established', p1 ? `${p1.name} completed` : 'Phase 2 seen; Phase 1 not in the capture'];
}

function dhFromProposal(p: ProposalObs): { dhGroup?: string } {
  for (const t of p.transforms) {
    if (t.type === 4 && t.name) return { dhGroup: t.name };
    const g = t.attrs['group_description'];
    if (g) return { dhGroup: g.name };
  }
  return {};
}

function authFromProposal(p: ProposalObs): { authMethod?: string } {
  for (const t of p.transforms) {
    const a = t.attrs['authentication_method'];
    if (a) return { authMethod: a.name };
  }
  return {};
}

/**
 * IKEv2 IKE SA rekeys (RFC 7296 §1.3.2): exact when the CREATE_CHILD_SA was
 * in clear and named the new SPI; otherwise an SA first seen without
 * IKE_SA_INIT, between the same peers, after an older SA's CREATE_CHILD_SA.
 */
function linkRekeys(sas: readonly SaStateInternal[]): Map<number, { rekeyOf?: number; rekeyedBy?: number; inferred: boolean }> {
  const out = new Map<number, { rekeyOf?: number; rekeyedBy?: number; inferred: boolean }>();
  const set = (oldSa: SaStateInternal, newSa: SaStateInternal, inferred: boolean) => {
    out.set(newSa.id, { ...out.get(newSa.id), rekeyOf: oldSa.id, inferred });
    out.set(oldSa.id, { ...out.get(oldSa.id), rekeyedBy: newSa.id, inferred });
  };
  for (const n of sas) {
    if (n.version !== 2) continue;
    const exact = sas.find((o) => o !== n && (o.newIkeSpis.has(n.ispi) || o.newIkeSpis.has(n.rspi)));
    if (exact) {
      set(exact, n, false);
      continue;
    }
    if (n.firstExchangeType === V2_SA_INIT) continue;
    const pk = pairKey(n.iAddr, n.rAddr);
    const cands = sas.filter(
      (o) =>
        o !== n &&
        o.version === 2 &&
        pairKey(o.iAddr, o.rAddr) === pk &&
        o.first.t <= n.first.t &&
        o.order.some((e) => e.exchangeType === V2_CREATE_CHILD && e.request !== undefined && e.request.time.t <= n.first.t),
    );
    if (cands.length) set(cands[cands.length - 1]!, n, true);
  }
  return out;
}

const CHILD_CREATING = new Set([V2_AUTH, V2_CREATE_CHILD, V1_QUICK]);

/**
 * The child SA a flow belongs to, inferred from traffic: flows that began
 * after the same child-creating exchange (IKE_AUTH, CREATE_CHILD_SA, Quick
 * Mode) form one child SA. Appends a new ChildSa when needed.
 */
function inferChild(sa: SaStateInternal, f: FlowState, kids: ChildSa[]): number | undefined {
  let creator: ExchangeState | undefined;
  for (const e of sa.order) {
    const done = e.response ?? e.request;
    if (CHILD_CREATING.has(e.exchangeType) && done && done.time.t <= f.first.t) creator = e;
  }
  const mid = creator ? (sa.version === 2 ? String(creator.messageId) : `0x${hex8(creator.messageId)}`) : '';
  const exchange = creator ? `${creator.name} MID=${mid}` : undefined;
  const spi = hex8(f.spi);
  const idx = kids.findIndex((k) => k.source === 'traffic' && k.exchange === exchange && k.protocol === f.protocol);
  if (idx >= 0) {
    const k = kids[idx]!;
    if (!k.spis.includes(spi)) kids[idx] = { ...k, spis: [...k.spis, spi] };
    return idx;
  }
  // A later child from CREATE_CHILD_SA / Quick Mode after an earlier child: a rekey (or an additional child), inferred.
  const prev = kids.map((k, i) => [k, i] as const).filter(([k]) => k.source === 'traffic' && k.protocol === f.protocol);
  const replaces = creator && creator.exchangeType !== V2_AUTH && prev.length ? prev[prev.length - 1]![1] : undefined;
  kids.push({ protocol: f.protocol, spis: [spi], ...(exchange ? { exchange } : {}), source: 'traffic', ...(replaces !== undefined ? { replaces } : {}) });
  return kids.length - 1;
}

/**
 * Sequence accounting in O(1) per flow: a 32-packet window below the
 * highest number seen, like the anti-replay window of RFC 4303 §3.4.3.
 */
function trackSeq(f: FlowState, seq: number): void {
  if (f.seqMax === undefined || f.seqMin === undefined) {
    f.seqMin = f.seqMax = seq;
    f.window = 1;
    return;
  }
  if (seq < f.seqMin) f.seqMin = seq;
  if (seq > f.seqMax) {
    const shift = seq - f.seqMax;
    f.gaps += shift - 1;
    f.window = shift >= 32 ? 1 : ((f.window << shift) | 1) >>> 0;
    f.seqMax = seq;
    return;
  }
  const diff = f.seqMax - seq;
  f.late += diff === 0 ? 0 : 1;
  if (diff >= 32) return; // too old to tell a replay from a late packet
  const bit = 1 << diff;
  if (f.window & bit) {
    f.duplicates++;
    if (diff !== 0) f.late--;
  } else {
    f.window = (f.window | bit) >>> 0;
    if (f.gaps > 0) f.gaps--;
  }
}
