/**
 * NAT detection verification: recompute the NAT-D hashes from the addresses
 * and ports the capture shows, and tell which side is behind a NAT.
 *
 * IKEv2 (RFC 7296 §2.23): NAT_DETECTION_SOURCE_IP = SHA-1(SPIi | SPIr |
 * source IP | source port), NAT_DETECTION_DESTINATION_IP the same with the
 * destination; the SPIs are the message header's (SPIr = 0 in the
 * IKE_SA_INIT request).
 * IKEv1 (RFC 3947 §3.2): HASH(CKY-I | CKY-R | IP | Port) with the negotiated
 * hash algorithm; the first NAT-D payload is the remote end (the packet's
 * destination), the following ones the local end (its source).
 *
 * Reading the result. A DESTINATION hash computed by the peer that does not
 * match the destination we see means the packet's destination was rewritten
 * between the peer and the capture point: the receiver is behind a NAT and
 * we are inside it. A SOURCE hash that does not match while the sender's
 * source port is not an IKE port (500/4500) shows a port-translating NAT in
 * front of the sender, seen from outside. A SOURCE mismatch with neither
 * sign is what forced UDP encapsulation produces: RFC 7296 §2.23 lets an
 * implementation fake its source hash to force NAT-T (strongSwan `encap=yes`
 * and kernel-libipsec send random bytes; Libreswan `encapsulation=yes`
 * hashes port 0, recognized below). A port-preserving NAT seen from outside
 * looks the same as such faking; that case is reported as faked.
 */
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { toHex } from '../core/bytes.js';

export type Side = 'initiator' | 'responder';
export type NatVerdict = 'no NAT' | 'initiator behind NAT' | 'responder behind NAT' | 'both' | 'faked (NAT-D forced)' | 'no NAT-D';
export type SideNat = 'ok' | 'behind NAT' | 'faked' | 'unknown';

/** One NAT-D hash checked against the packet it came in. */
export interface NatdCheck {
  readonly frame: number;
  readonly sentBy: Side;
  /** Whose address the hash is about: the sender (source) or the receiver (destination). */
  readonly kind: 'source' | 'destination';
  readonly about: Side;
  /** The address:port from the packet that the hash was checked against. */
  readonly endpoint: string;
  readonly match: boolean;
  /** Set when the hash is a recognized fake (Libreswan: the source address with port 0). */
  readonly fake?: string;
  /** Hash algorithm used for the recomputation. */
  readonly hash: string;
}

export interface NatResult {
  readonly verdict: NatVerdict;
  readonly initiator: SideNat;
  readonly responder: SideNat;
  readonly checks: readonly NatdCheck[];
  /** Why, one sentence per fact. */
  readonly reasons: readonly string[];
}

type HashFn = (b: Uint8Array) => Uint8Array;

/** IKEv1 hash algorithm attribute values (RFC 2409 App. A, RFC 4868 §4 for SHA-2) → function. */
const V1_HASHES: Record<number, [string, HashFn]> = {
  1: ['MD5', md5],
  2: ['SHA1', sha1],
  4: ['SHA2-256', sha256],
  5: ['SHA2-384', sha384],
  6: ['SHA2-512', sha512],
};

/** The hash of an IKEv1 NAT-D payload: the negotiated one, else guessed from the length (RFC 3947 §3.2 sends a full digest). */
export function v1Hash(negotiated: number | undefined, len: number): [string, HashFn] {
  if (negotiated !== undefined && V1_HASHES[negotiated]) return V1_HASHES[negotiated]!;
  switch (len) {
    case 16:
      return V1_HASHES[1]!;
    case 32:
      return V1_HASHES[4]!;
    case 48:
      return V1_HASHES[5]!;
    case 64:
      return V1_HASHES[6]!;
    default:
      return V1_HASHES[2]!; // RFC 3947 default when nothing is known: SHA-1
  }
}

/** HASH(SPIi | SPIr | IP | port) — the common input of RFC 7296 §2.23 and RFC 3947 §3.2. */
export function natdHash(fn: HashFn, ispi: Uint8Array, rspi: Uint8Array, ip: Uint8Array, port: number): Uint8Array {
  const buf = new Uint8Array(ispi.length + rspi.length + ip.length + 2);
  buf.set(ispi, 0);
  buf.set(rspi, ispi.length);
  buf.set(ip, ispi.length + rspi.length);
  buf[buf.length - 2] = (port >> 8) & 0xff;
  buf[buf.length - 1] = port & 0xff;
  return fn(buf);
}

export interface NatdInput {
  readonly frame: number;
  readonly sentBy: Side;
  readonly kind: 'source' | 'destination';
  readonly hash: Uint8Array;
  readonly ispi: Uint8Array;
  readonly rspi: Uint8Array;
  readonly srcIp: Uint8Array;
  readonly dstIp: Uint8Array;
  readonly srcText: string;
  readonly dstText: string;
  readonly sport: number;
  readonly dport: number;
  readonly alg: [string, HashFn];
}

export function checkNatd(i: NatdInput): NatdCheck {
  const [name, fn] = i.alg;
  const other: Side = i.sentBy === 'initiator' ? 'responder' : 'initiator';
  const src = i.kind === 'source';
  const ip = src ? i.srcIp : i.dstIp;
  const port = src ? i.sport : i.dport;
  const want = toHex(i.hash);
  const match = toHex(natdHash(fn, i.ispi, i.rspi, ip, port)) === want;
  const fake = !match && src && toHex(natdHash(fn, i.ispi, i.rspi, ip, 0)) === want ? 'source address with port 0 (Libreswan encapsulation=yes)' : undefined;
  return {
    frame: i.frame,
    sentBy: i.sentBy,
    kind: i.kind,
    about: src ? i.sentBy : other,
    endpoint: src ? i.srcText : i.dstText,
    match,
    ...(fake ? { fake } : {}),
    hash: name,
  };
}

const IKE_PORTS = new Set([500, 4500]);

/** The verdict for one IKE SA from its checks. `srcPorts` are the UDP source ports each side's NAT-D messages came from. */
export function natVerdict(checks: readonly NatdCheck[], srcPorts: Readonly<Record<Side, readonly number[]>>): NatResult {
  if (checks.length === 0) return { verdict: 'no NAT-D', initiator: 'unknown', responder: 'unknown', checks, reasons: ['no NAT-D hashes seen in clear'] };
  const reasons: string[] = [];
  const sideState = (s: Side): SideNat => {
    const aboutDst = checks.filter((c) => c.about === s && c.kind === 'destination');
    const aboutSrc = checks.filter((c) => c.about === s && c.kind === 'source');
    if (aboutDst.some((c) => !c.match)) {
      const c = aboutDst.find((x) => !x.match)!;
      reasons.push(`${s} behind NAT: the ${c.sentBy}'s NAT_DETECTION_DESTINATION hash (frame ${c.frame}) does not match ${c.endpoint}, so the destination was rewritten after it was sent`);
      return 'behind NAT';
    }
    const bad = aboutSrc.filter((c) => !c.match);
    if (bad.length === 0) return aboutSrc.length || aboutDst.length ? 'ok' : 'unknown';
    const odd = srcPorts[s].filter((p) => !IKE_PORTS.has(p));
    if (odd.length && !bad.some((c) => c.fake)) {
      reasons.push(`${s} behind NAT: its source hash (frame ${bad[0]!.frame}) does not match ${bad[0]!.endpoint}, and port ${odd[0]} is not an IKE port (port translation)`);
      return 'behind NAT';
    }
    const f = bad.find((c) => c.fake);
    reasons.push(
      f
        ? `${s} faked its source hash (frame ${f.frame}): ${f.fake}`
        : `${s}'s source hash (frame ${bad[0]!.frame}) does not match ${bad[0]!.endpoint} while the peer's view of it does: forced UDP encapsulation (faked NAT-D), or a port-preserving NAT seen from outside`,
    );
    return 'faked';
  };
  const initiator = sideState('initiator');
  const responder = sideState('responder');
  const ib = initiator === 'behind NAT';
  const rb = responder === 'behind NAT';
  const verdict: NatVerdict = ib && rb ? 'both' : ib ? 'initiator behind NAT' : rb ? 'responder behind NAT' : initiator === 'faked' || responder === 'faked' ? 'faked (NAT-D forced)' : 'no NAT';
  if (verdict === 'no NAT') reasons.push('every NAT-D hash matches the addresses and ports in the capture');
  return { verdict, initiator, responder, checks, reasons };
}
