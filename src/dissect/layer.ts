/**
 * The contract between the packet pipeline and each protocol dissector.
 *
 * A dissector turns bytes into an immutable typed record (with absolute byte
 * offsets) and says what comes next; a `LayerSpec` turns that record into
 * tree nodes using the protocol's field table. Parsing never throws: a short
 * read becomes a malformed note and the record keeps what parsed before it.
 */
import { Reader, Truncated } from '../core/reader.js';
import { COMMON_NOTES, note, type Note } from '../core/notes.js';
import type { FieldDef } from '../core/fields.js';
import type { TreeNode } from '../core/tree.js';
import type { Frame } from '../capture/types.js';

/** A byte buffer the packet's layers point into: the frame itself, a reassembled datagram, decrypted plaintext… */
export interface DataSource {
  /** What the bytes are: `Frame`, `Reassembled IPv4`, `Decrypted ESP`… (shown with the byte count as the hex pane's tab). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** The summary columns of the packet list. Later layers overwrite earlier ones. */
export interface Summary {
  src: string;
  dst: string;
  protocol: string;
  info: string;
}

/** Static description of one protocol: its tree node and how a record becomes subtree nodes. */
export interface LayerSpec<R> {
  /** Short id used in frame.protocols and JSON (`eth`, `ip`, `udp`, `isakmp`, `esp`). */
  readonly id: string;
  /** The protocol field, type 'protocol' (e.g. `esp` → "Encapsulating Security Payload"). */
  readonly field: FieldDef;
  /** Children of the protocol node. */
  tree(rec: R, layer: Layer<R>): TreeNode[];
  /** Update the summary columns (protocol, info, addresses). */
  summarize?(rec: R, s: Summary, layer: Layer<R>): void;
  /** Text of the protocol node, e.g. `Internet Protocol Version 4, Src: 10.0.0.1, Dst: 10.0.0.2`. */
  title?(rec: R, layer: Layer<R>): string;
}

export interface Layer<R = unknown> {
  readonly spec: LayerSpec<R>;
  readonly record: R;
  /** Index into Packet.sources. */
  readonly source: number;
  /**
   * The bytes of that source (a reference, not a copy). Records keep offsets
   * and `tree()` makes views from here only when a tree is shown, so the hot
   * path allocates no views for fields nobody prints.
   */
  readonly data: Uint8Array;
  readonly offset: number;
  readonly length: number;
  readonly notes: readonly Note[];
}

/**
 * Which dispatch table decides the next layer: by ethertype, IP protocol or
 * UDP ports; or a direct hand-off to ISAKMP / ESP (from NAT-T), or plain data.
 */
export type NextBy = 'ethertype' | 'ipproto' | 'udp' | 'isakmp' | 'esp' | 'data';

/** What a dissector says about the bytes after its header. */
export interface NextHint {
  readonly by: NextBy;
  /** Ethertype, IP protocol number; for 'udp' the source port. */
  readonly key: number;
  /** For 'udp': the destination port. */
  readonly key2?: number;
  /** Payload range in the same data source. */
  readonly offset: number;
  readonly end: number;
  /** Set by IP layers for a fragment that needs reassembly before dispatching. */
  readonly fragment?: FragmentInfo;
  /** Set by IP layers: the addresses the layers above see. */
  readonly ip?: IpEndpoints;
}

export interface FragmentInfo {
  readonly family: 4 | 6;
  /** Reassembly key: addresses + id + protocol, as text. */
  readonly key: string;
  /** Byte offset of this fragment's data within the original datagram. */
  readonly fragOffset: number;
  readonly more: boolean;
}

export interface DissectResult<R = unknown> {
  /** Absent for pure dispatchers that have no header of their own (raw IP link types). */
  readonly layer?: Layer<R>;
  readonly next?: NextHint;
}

/** Preferences that change dispatch (Wireshark's "Decode As" and protocol prefs). */
export interface DissectPrefs {
  /** UDP ports decoded as plain ISAKMP (default 500). */
  readonly ikePorts: ReadonlySet<number>;
  /** UDP ports decoded as NAT-T: keepalive / non-ESP marker / ESP-in-UDP (default 4500). */
  readonly nattPorts: ReadonlySet<number>;
  /** TCP ports decoded as IKE/ESP over TCP, RFC 9329 (absent: 4500). */
  readonly iketcpPorts?: ReadonlySet<number>;
  /** Verify the IPv4 header checksum (a note when wrong). On by default, as in Wireshark. */
  readonly checkIpChecksum: boolean;
  /**
   * Verify UDP/TCP checksums. Off by default, as in Wireshark: captures taken on
   * the sending host carry checksums the NIC fills in later (offload).
   */
  readonly checkL4Checksum: boolean;
}

export const DEFAULT_PREFS: DissectPrefs = Object.freeze({
  ikePorts: new Set([500]),
  nattPorts: new Set([4500]),
  iketcpPorts: new Set([4500]),
  checkIpChecksum: true,
  checkL4Checksum: false,
});

/** The innermost IP header's addresses, for pseudo-header checksums and flow keys. */
export interface IpEndpoints {
  readonly family: 4 | 6;
  readonly src: Uint8Array;
  readonly dst: Uint8Array;
  /** IPv4 TTL / IPv6 hop limit (ICMP's Info column shows it). */
  readonly ttl?: number;
}

/**
 * What a dissector can see besides its bytes. Read-only: dissectors keep no
 * state. The pipeline makes a new context when an IP layer sets `ip`.
 */
export interface DissectContext {
  readonly frame: Frame;
  readonly prefs: DissectPrefs;
  readonly ip?: IpEndpoints;
}

export type Dissector<R = unknown> = (ctx: DissectContext, src: number, buf: Uint8Array, offset: number, end: number) => DissectResult<R>;

/**
 * Run a parse function over [offset, end) and package the record as a layer.
 *
 * `parse` fills `draft` as it goes and returns the layer length and next hint.
 * If it runs off the end of its bytes, the Truncated exception is caught here:
 * the draft keeps every field set so far, a malformed note records where the
 * read failed, and the layer spans the remaining bytes. No other exception is
 * caught: a bug in a dissector must surface in tests, not hide as a note.
 */
export function runDissector<R extends object>(
  spec: LayerSpec<R>,
  src: number,
  buf: Uint8Array,
  offset: number,
  end: number,
  draft: R,
  parse: (r: Reader, rec: R, notes: Note[]) => { length?: number; next?: NextHint } | void,
): DissectResult<R> {
  // Most layers raise no note: they share one scratch list (used as a stack, so a parse that
  // runs another dissector stays correct) and get the shared empty list instead of a new array.
  const mark = scratchNotes.length;
  const r = new Reader(buf, offset, end);
  let length = end - offset;
  let next: NextHint | undefined;
  try {
    const out = parse(r, draft, scratchNotes);
    if (out) {
      if (out.length !== undefined) length = out.length;
      next = out.next;
    }
  } catch (e) {
    if (!(e instanceof Truncated)) {
      scratchNotes.length = mark;
      throw e;
    }
    scratchNotes.push(note(COMMON_NOTES.truncated, e.message, e.at, Math.max(0, e.have)));
    (draft as { truncated?: boolean }).truncated = true;
  }
  const notes: readonly Note[] = scratchNotes.length === mark ? NO_NOTES : scratchNotes.splice(mark);
  const layer: Layer<R> = { spec, record: Object.freeze(draft), source: src, data: buf, offset, length, notes };
  return next ? { layer, next } : { layer };
}

const scratchNotes: Note[] = [];
const NO_NOTES: readonly Note[] = Object.freeze([]);

/**
 * IP fragment reassembly, kept outside the dissectors (they stay stateless).
 * The pipeline feeds it every fragment; it answers with the whole datagram
 * payload when a fragment completes one.
 */
export interface Reassembler {
  add(frameNumber: number, frag: FragmentInfo, ipproto: number, payload: Uint8Array): ReassemblyOutcome;
}

export type ReassemblyOutcome =
  | { readonly complete: false; /** Fragments held so far for this datagram. */ readonly count: number }
  | {
      readonly complete: true;
      /** The reassembled payload (what follows the IP header(s)). */
      readonly bytes: Uint8Array;
      /** Frame numbers of the fragments, in datagram order. */
      readonly frames: readonly number[];
      /** A layer describing the fragments (ip.fragments), placed on the reassembled source; its source index is set by the pipeline. */
      readonly describe?: (src: number) => Layer<unknown>;
    };
