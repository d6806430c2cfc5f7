/**
 * The session model: IKE SAs with their exchanges, child SAs and NAT
 * verdict, and the ESP/AH flows. Plain data, built by SessionBuilder from
 * the packets in file order; rendered by report.ts and ladder.ts.
 */
import type { NatResult, Side } from './natd.js';
import type { PacketTime, ProposalObs } from './observe.js';

export type { Side } from './natd.js';

export interface PeerInfo {
  readonly addr: string;
  /** UDP ports the side used for IKE, in order of first use (500, then 4500 after the NAT-T float). */
  readonly ports: readonly number[];
}

/** One IKE message, as the ladder and the exchange list show it. */
export interface IkeMessage {
  readonly time: PacketTime;
  readonly from: Side;
  readonly src: string;
  readonly dst: string;
  readonly response: boolean;
  readonly messageId: number;
  readonly exchangeName: string;
  /** Payload list in RFC notation: `HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP)` or `HDR, SK {IDi, …}` / `HDR, [encrypted]`. */
  readonly label: string;
  readonly encrypted: boolean;
  /** Byte-identical to an earlier message of the same exchange (RFC 7296 §2.1 retransmission). */
  readonly retransmission: boolean;
  /** Same exchange and direction but different bytes (e.g. IKE_SA_INIT again after N(COOKIE) / N(INVALID_KE_PAYLOAD)). */
  readonly retry: boolean;
  readonly fragment?: string;
}

export interface Exchange {
  readonly name: string;
  readonly exchangeType: number;
  readonly messageId: number;
  /** Who sent the request (IKEv2: each side has its own Message ID space, RFC 7296 §2.2). */
  readonly requester: Side;
  readonly request?: IkeMessage;
  readonly response?: IkeMessage;
  /** Every message of the exchange in order (retransmissions and fragments included). */
  readonly messages: readonly IkeMessage[];
  readonly retransmissions: number;
}

export interface ChildSa {
  readonly protocol: string;
  /** SPIs, lower-case hex: from the SA payload when visible, else the flows that started after `exchange`. */
  readonly spis: readonly string[];
  /** `IKE_AUTH MID=1`, `CREATE_CHILD_SA MID=2`, `Quick Mode MID=0x1234abcd`. */
  readonly exchange?: string;
  /** `payload`: read from a cleartext SA payload; `traffic`: inferred from ESP/AH flows (the negotiation was encrypted). */
  readonly source: 'payload' | 'traffic';
  /** Index (in childSas) of the child SA this one replaced (rekey), when inferred from traffic. */
  readonly replaces?: number;
}

export type SaState = 'established' | 'failed' | 'incomplete' | 'deleted' | 'rekeyed';

export interface IkeSa {
  readonly id: number;
  readonly version: 1 | 2;
  /** `Main Mode`, `Aggressive Mode`, `IKEv2`; for an SA first seen mid-way, what its exchanges show. */
  readonly mode: string;
  readonly ispi: string;
  readonly rspi: string;
  readonly initiator: PeerInfo;
  readonly responder: PeerInfo;
  /** Frame where IKE moved to UDP 4500 (RFC 3947 §4, RFC 7296 §2.23), if it did. */
  readonly nattFloatFrame?: number;
  readonly keepalives: number;
  readonly proposalsOffered: readonly ProposalObs[];
  readonly proposalChosen?: ProposalObs;
  readonly offered: readonly string[];
  readonly chosen?: string;
  readonly identities: { readonly initiator?: string; readonly responder?: string };
  readonly authMethod?: string;
  readonly dhGroup?: string;
  readonly state: SaState;
  /** Why, e.g. `IKE_AUTH completed`, `N(NO_PROPOSAL_CHOSEN)`, `INFORMATIONAL with SK {D} (inferred)`. */
  readonly stateDetail: string;
  readonly first: PacketTime;
  readonly last: PacketTime;
  readonly messages: number;
  readonly exchanges: readonly Exchange[];
  /** Exchanges beyond the per-SA cap are counted, not kept. */
  readonly exchangesDropped: number;
  readonly retransmissions: number;
  readonly childSas: readonly ChildSa[];
  readonly deletes: readonly { readonly frame: number; readonly protocol?: string; readonly spis: readonly string[] }[];
  readonly notifies: readonly { readonly frame: number; readonly name: string }[];
  /** IKEv2 IKE SA rekey (CREATE_CHILD_SA, RFC 7296 §1.3.2): the SA this one replaced / was replaced by. */
  readonly rekeyOf?: number;
  readonly rekeyedBy?: number;
  /** True when the rekey link comes from timing and peers (the CREATE_CHILD_SA was encrypted), not from a visible SPI. */
  readonly rekeyInferred?: boolean;
  readonly nat: NatResult;
}

export interface Flow {
  readonly protocol: 'ESP' | 'AH';
  /** SPI as 8 lower-case hex digits. */
  readonly spi: string;
  readonly src: string;
  readonly dst: string;
  /** `ESP` (IP protocol 50), `ESP-in-UDP` (RFC 3948), `ESP-in-TCP` (RFC 9329), `AH` (IP protocol 51). */
  readonly encapsulation: 'ESP' | 'ESP-in-UDP' | 'ESP-in-TCP' | 'AH';
  readonly sport?: number;
  readonly dport?: number;
  readonly packets: number;
  /** Bytes of ESP/AH (from the SPI to the end of the packet, IP and UDP headers excluded). */
  readonly bytes: number;
  readonly first: PacketTime;
  readonly last: PacketTime;
  readonly seqMin?: number;
  readonly seqMax?: number;
  /** Sequence numbers between seqMin and seqMax never seen (late arrivals inside a 32-packet window fill their hole). */
  readonly gaps: number;
  /** Sequence numbers seen twice within the window (RFC 4303 §3.4.3 would drop them as replays). */
  readonly duplicates: number;
  /** Packets that arrived below the highest sequence number (reordered or too old to tell). */
  readonly late: number;
  /** The IKE SA this flow belongs to: by SPI from a visible SA payload, or tentatively by the peers' addresses. */
  readonly ikeSa?: number;
  readonly link: 'spi' | 'peers' | 'none';
  /** Index into that IKE SA's childSas. */
  readonly childSa?: number;
}

export interface SessionModel {
  readonly ikeSas: readonly IkeSa[];
  readonly flows: readonly Flow[];
}
