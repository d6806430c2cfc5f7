/**
 * Per-direction TCP byte-stream reassembly (RFC 9293 §3.4 sequence numbers),
 * for protocols framed inside a TCP stream (IKE and ESP over TCP, RFC 9329).
 *
 * Like IP reassembly (./reassembly.ts) this is pipeline state: the TCP
 * dissector stays stateless and the pipeline (./packet.ts) feeds every
 * segment of a tracked connection here. Each direction is keyed on its
 * addresses and ports; stream offsets count payload bytes from the first
 * byte after the SYN (or from the first segment seen, when the capture starts
 * mid-connection). Sequence arithmetic is modulo 2^32, offsets are not, so
 * sequence numbers may wrap.
 *
 * A segment's payload is placed by sequence number:
 *  - in order: delivered at once (as a view of the segment, no copy), then any
 *    held segments it makes contiguous;
 *  - entirely before the next expected byte: a retransmission (nothing new);
 *    partly before: the known part is trimmed, the rest delivered;
 *  - after a hole: held (copied) until the hole fills; noted as "previous
 *    segment not captured"; the segment that fills it is "out of order".
 * A hole is declared lost (a gap) when the peer has ACKed past it (the
 * receiver had the bytes, the capture missed them), or when the held data
 * exceeds the bounds below. A gap is delivered as a gap marker, so the
 * framing layer above can resynchronise.
 *
 * Memory is bounded: at most `maxStreams` directions are tracked (least
 * recently used dropped first) and each holds at most `maxHeldBytes` /
 * `maxHeldSegments` of out-of-order data.
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note, type Note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import type { Layer, LayerSpec } from './layer.js';

export const tcpStreamFields = defineFields({
  segments: { id: 'tcp.segments', label: 'Reassembled TCP Segments', type: 'none', rfc: 'RFC 9293 §3.4' },
  segment: { id: 'tcp.segment', label: 'TCP Segment', type: 'uint' },
  count: { id: 'tcp.segment.count', label: 'Segment count', type: 'uint' },
  length: { id: 'tcp.reassembled.length', label: 'Reassembled TCP length', type: 'uint' },
});

export const tcpStreamNotes = defineNotes({
  retransmission: { id: 'tcp.analysis.retransmission', group: 'sequence', severity: 'note', summary: 'This segment repeats stream bytes already seen (retransmission)' },
  outOfOrder: { id: 'tcp.analysis.out_of_order', group: 'sequence', severity: 'warn', summary: 'This segment fills a hole before later data already seen (out of order)' },
  lostSegment: { id: 'tcp.analysis.lost_segment', group: 'sequence', severity: 'warn', summary: 'Previous segment(s) not captured: a hole in the stream before this segment' },
  gap: { id: 'tcp.reassembly.gap', group: 'reassembly', severity: 'warn', summary: 'Stream bytes never captured (the peer ACKed them, or too much data waited behind the hole)' },
  midstream: { id: 'tcp.reassembly.midstream', group: 'reassembly', severity: 'chat', summary: 'Connection picked up mid-stream (no SYN seen): offsets count from this segment' },
});

/** Payload bytes that became contiguous, in stream order. */
export interface StreamRun {
  readonly gap?: false;
  /** Stream offset of bytes[0]. */
  readonly at: number;
  readonly bytes: Uint8Array;
  /** Frame that carried these bytes. */
  readonly frame: number;
  /** Set when `bytes` is a view of the current segment: the offset of bytes[0] in the segment's data source. */
  readonly srcOffset?: number;
}

/** Bytes that will never arrive. */
export interface StreamGap {
  readonly gap: true;
  readonly at: number;
  readonly length: number;
}

export type StreamPiece = StreamRun | StreamGap;

/** One direction of a connection. `user` belongs to the framing layer above. */
export interface HalfStream {
  /** Sequence number of stream offset 0. */
  baseSeq: number;
  /** Next expected stream offset. */
  next: number;
  /** Highest end offset seen (for out-of-order detection). */
  highest: number;
  /** Highest offset the peer acknowledged, if any. */
  acked?: number;
  /** Stream offset of a FIN, once seen. */
  finAt?: number;
  /** Whether the SYN of this direction was seen (false: picked up mid-stream). */
  readonly syn: boolean;
  /** Whether this side sent the first SYN (the TCP originator); undefined when unknown. */
  readonly originator: boolean | undefined;
  held: HeldSegment[];
  heldBytes: number;
  user?: unknown;
}

interface HeldSegment {
  readonly at: number;
  readonly bytes: Uint8Array;
  readonly frame: number;
}

export interface SegmentIn {
  readonly frame: number;
  /** Addresses + ports of this direction and the reverse one, as text. */
  readonly key: string;
  readonly reverseKey: string;
  readonly seq: number;
  readonly ack: number;
  /** TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10). */
  readonly flags: number;
  /** Payload in its data source. */
  readonly buf: Uint8Array;
  readonly offset: number;
  readonly end: number;
}

export interface SegmentOut {
  readonly half: HalfStream;
  /** New contiguous bytes and gaps, in stream order. */
  readonly pieces: readonly StreamPiece[];
  /** Sequence-analysis notes about this segment. */
  readonly notes: readonly Note[];
  /** Bytes of this segment kept for later (after a hole). */
  readonly held: number;
}

export interface TcpStreamLimits {
  /** Directions tracked at once (default 1024). */
  maxStreams?: number;
  /** Out-of-order bytes held per direction (default 262144). */
  maxHeldBytes?: number;
  /** Out-of-order segments held per direction (default 256). */
  maxHeldSegments?: number;
}

const FIN = 0x01;
const SYN = 0x02;
const ACK = 0x10;

/** Signed distance from sequence number b to a, modulo 2^32. */
const seqDiff = (a: number, b: number) => (a - b) | 0;

export class TcpStreams {
  private readonly maxStreams: number;
  private readonly maxHeldBytes: number;
  private readonly maxHeldSegments: number;
  /** Map order is recency order: the first entry is the least recently used. */
  private readonly halves = new Map<string, HalfStream>();

  constructor(limits: TcpStreamLimits = {}) {
    this.maxStreams = Math.max(2, limits.maxStreams ?? 1024);
    this.maxHeldBytes = Math.max(1, limits.maxHeldBytes ?? 262144);
    this.maxHeldSegments = Math.max(1, limits.maxHeldSegments ?? 256);
  }

  /** Directions tracked (for tests). */
  get size(): number {
    return this.halves.size;
  }

  add(s: SegmentIn): SegmentOut {
    const notes: Note[] = [];
    const syn = (s.flags & SYN) !== 0;
    let half = this.halves.get(s.key);
    if (half) {
      this.halves.delete(s.key);
      this.halves.set(s.key, half);
    }
    if (syn) {
      // A SYN (re)starts this direction, unless it merely repeats the one seen.
      if (!half || !half.syn || half.baseSeq !== ((s.seq + 1) >>> 0)) {
        const originator = (s.flags & ACK) === 0;
        if (originator && half) this.halves.delete(s.reverseKey); // a new connection on the same ports
        half = this.create(s.key, (s.seq + 1) >>> 0, true, originator);
      }
    } else if (!half) {
      half = this.create(s.key, s.seq >>> 0, false, undefined);
      if (s.end > s.offset) notes.push(note(tcpStreamNotes.midstream, `no SYN seen for this direction: stream offsets count from sequence number ${s.seq >>> 0}`));
    }
    // The ACK field acknowledges the reverse direction.
    if (s.flags & ACK) {
      const rev = this.halves.get(s.reverseKey);
      if (rev) {
        const at = rev.next + seqDiff(s.ack, (rev.baseSeq + rev.next) >>> 0);
        if (rev.acked === undefined || at > rev.acked) rev.acked = at;
      }
    }

    const pieces: StreamPiece[] = [];
    // SYN occupies one sequence number before the data (TCP Fast Open may carry data on it).
    const seq = syn ? (s.seq + 1) >>> 0 : s.seq >>> 0;
    const len = s.end - s.offset;
    let at = half.next + seqDiff(seq, (half.baseSeq + half.next) >>> 0);
    if (s.flags & FIN) half.finAt ??= at + len;
    let held = 0;
    if (len > 0) {
      let off = s.offset;
      let n = len;
      if (at + n <= half.next) {
        notes.push(note(tcpStreamNotes.retransmission, `retransmission: stream bytes ${at}-${at + n - 1} were already seen`));
        n = 0;
      } else if (at < half.next) {
        const dup = half.next - at;
        notes.push(note(tcpStreamNotes.retransmission, `partial retransmission: the first ${dup} byte${dup === 1 ? '' : 's'} (stream offset ${at}) were already seen`));
        off += dup;
        n -= dup;
        at = half.next;
      }
      if (n > 0) {
        if (at === half.next) {
          if (half.highest > at) notes.push(note(tcpStreamNotes.outOfOrder, `out of order: fills stream bytes ${at}-${Math.min(half.highest, at + n) - 1} after later data was seen`));
          pieces.push({ at, bytes: s.buf.subarray(off, off + n), frame: s.frame, srcOffset: off });
          half.next = at + n;
        } else {
          const missing = at - half.next;
          notes.push(note(tcpStreamNotes.lostSegment, `previous segment not captured: ${missing} byte${missing === 1 ? '' : 's'} missing before stream offset ${at}`));
          this.hold(half, { at, bytes: s.buf.slice(off, off + n), frame: s.frame });
          held = n;
        }
        if (at + n > half.highest) half.highest = at + n;
      }
    }
    this.drain(half, pieces, notes);
    // Held segments whose bytes were delivered by this one are not "held" any more.
    if (held && half.held.every((h) => h.frame !== s.frame)) held = 0;
    return { half, pieces, notes, held };
  }

  /** Move held segments that are now contiguous; declare holes lost when the peer ACKed past them or the bounds are hit. */
  private drain(half: HalfStream, pieces: StreamPiece[], notes: Note[]): void {
    for (;;) {
      while (half.held.length && half.held[0]!.at <= half.next) {
        const h = half.held.shift()!;
        half.heldBytes -= h.bytes.length;
        const end = h.at + h.bytes.length;
        if (end <= half.next) continue;
        const skip = half.next - h.at;
        pieces.push({ at: half.next, bytes: skip ? h.bytes.subarray(skip) : h.bytes, frame: h.frame });
        half.next = end;
      }
      if (!half.held.length) return;
      const holeEnd = half.held[0]!.at;
      // The peer acknowledged bytes the capture never showed: they are lost for good.
      const ackedPast = half.acked !== undefined && half.acked >= holeEnd;
      const full = half.heldBytes > this.maxHeldBytes || half.held.length > this.maxHeldSegments;
      if (!ackedPast && !full) return;
      const length = holeEnd - half.next;
      notes.push(note(tcpStreamNotes.gap, `${length} stream byte${length === 1 ? '' : 's'} at offset ${half.next} never captured (${ackedPast ? 'the peer acknowledged them' : 'too much data held behind the hole'})`));
      pieces.push({ gap: true, at: half.next, length });
      half.next = holeEnd;
    }
  }

  private hold(half: HalfStream, h: HeldSegment): void {
    let i = half.held.length;
    while (i > 0 && half.held[i - 1]!.at > h.at) i--;
    half.held.splice(i, 0, h);
    half.heldBytes += h.bytes.length;
  }

  private create(key: string, baseSeq: number, syn: boolean, originator: boolean | undefined): HalfStream {
    this.halves.delete(key);
    while (this.halves.size >= this.maxStreams) this.halves.delete(this.halves.keys().next().value!);
    const half: HalfStream = { baseSeq, next: 0, highest: 0, syn, originator, held: [], heldBytes: 0 };
    this.halves.set(key, half);
    return half;
  }
}

// ------------------------------------------------------------------ the reassembled-segments layer

export interface TcpSegmentsRecord {
  /** Contributing segments in stream order: frame, offset in the reassembled bytes, length. */
  readonly fragments: readonly { readonly frame: number; readonly offset: number; readonly length: number }[];
  readonly length: number;
}

export const tcpSegmentsSpec: LayerSpec<TcpSegmentsRecord> = {
  id: 'tcp.segments',
  field: tcpStreamFields.segments,
  title: (r) => `[${r.fragments.length} Reassembled TCP Segment${r.fragments.length === 1 ? '' : 's'} (${r.length} bytes): ${r.fragments.map((f) => `#${f.frame}(${f.length})`).join(', ')}]`,
  tree(r, l): TreeNode[] {
    const out: TreeNode[] = [];
    for (const f of r.fragments) {
      out.push(node(tcpStreamFields.segment, f.frame, l.offset + f.offset, f.length, { text: `Frame: ${f.frame}, payload: ${f.offset}-${f.offset + f.length - 1} (${f.length} byte${f.length === 1 ? '' : 's'})` }));
    }
    out.push(node(tcpStreamFields.count, r.fragments.length, l.offset, 0));
    out.push(node(tcpStreamFields.length, r.length, l.offset, r.length));
    return out;
  },
};

/** The `tcp.segments` layer describing reassembled bytes placed on data source `src`. */
export function tcpSegmentsLayer(src: number, bytes: Uint8Array, fragments: TcpSegmentsRecord['fragments']): Layer<TcpSegmentsRecord> {
  return { spec: tcpSegmentsSpec, record: { fragments, length: bytes.length }, source: src, data: bytes, offset: 0, length: bytes.length, notes: [] };
}
