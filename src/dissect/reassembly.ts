/**
 * IPv4 / IPv6 fragment reassembly (RFC 791 §3.2, RFC 8200 §4.5).
 *
 * Fragments are buffered per datagram key (addresses + identification, + the
 * protocol for IPv4). They may arrive in any order and may repeat or overlap:
 * overlapping bytes keep the data that arrived first, as Linux does, and a
 * later fragment that disagrees with what is held is flagged in the
 * `ip.fragments` layer (RFC 5722 asks IPv6 receivers to drop such datagrams;
 * an analyzer shows them instead). A datagram completes when its last
 * fragment (MF=0) has been seen and no holes remain.
 *
 * Memory is bounded: a datagram may not exceed `maxDatagram` bytes, at most
 * `maxPending` datagrams wait at once (the oldest is dropped to make room),
 * and a datagram still incomplete `maxAgeFrames` frames after its first
 * fragment is dropped (the frame-count analogue of Linux's ipfrag_time).
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note, type Note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import type { FragmentInfo, Layer, LayerSpec, Reassembler, ReassemblyOutcome } from './layer.js';

export const ipFragmentFields = defineFields({
  fragments: { id: 'ip.fragments', label: 'IPv4 Fragments', type: 'none', rfc: 'RFC 791 §3.2' },
  fragment: { id: 'ip.fragment', label: 'IPv4 Fragment', type: 'uint' },
  count: { id: 'ip.fragment.count', label: 'Fragment count', type: 'uint' },
  overlap: { id: 'ip.fragment.overlap', label: 'Fragment overlap', type: 'bool' },
  conflict: { id: 'ip.fragment.overlap.conflict', label: 'Conflicting data in fragment overlap', type: 'bool' },
  multipleTails: { id: 'ip.fragment.multipletails', label: 'Multiple tail fragments found', type: 'bool' },
  length: { id: 'ip.reassembled.length', label: 'Reassembled IPv4 length', type: 'uint' },
});

export const ipv6FragmentFields = defineFields({
  fragments: { id: 'ipv6.fragments', label: 'IPv6 Fragments', type: 'none', rfc: 'RFC 8200 §4.5' },
  fragment: { id: 'ipv6.fragment', label: 'IPv6 Fragment', type: 'uint' },
  count: { id: 'ipv6.fragment.count', label: 'Fragment count', type: 'uint' },
  overlap: { id: 'ipv6.fragment.overlap', label: 'Fragment overlap', type: 'bool' },
  conflict: { id: 'ipv6.fragment.overlap.conflict', label: 'Conflicting data in fragment overlap', type: 'bool' },
  multipleTails: { id: 'ipv6.fragment.multipletails', label: 'Multiple tail fragments found', type: 'bool' },
  length: { id: 'ipv6.reassembled.length', label: 'Reassembled IPv6 length', type: 'uint' },
});

export const reassemblyNotes = defineNotes({
  overlapConflict: { id: 'ip.reassembly.overlap_conflict', group: 'reassembly', severity: 'warn', summary: 'Overlapping fragments carry different data (the first received was kept)' },
  multipleTails: { id: 'ip.reassembly.multiple_tails', group: 'reassembly', severity: 'warn', summary: 'Last fragments disagree about the datagram length (the first was kept)' },
  pastTail: { id: 'ip.reassembly.past_tail', group: 'reassembly', severity: 'warn', summary: 'Fragment data lies beyond the end set by the last fragment (ignored)' },
});

export interface ReassemblyLimits {
  /** Largest reassembled payload accepted, in bytes (default 65535). */
  maxDatagram?: number;
  /** Datagrams buffered at once; the oldest is dropped beyond this (default 256). */
  maxPending?: number;
  /** Frames after its first fragment an incomplete datagram is kept (default 10000). */
  maxAgeFrames?: number;
  /** Fragments held per datagram, duplicates included (default 8192: 64 KiB in 8-byte pieces). */
  maxFragments?: number;
}

/** One fragment as received. */
export interface HeldFragment {
  readonly frame: number;
  /** Offset of its data in the datagram. */
  readonly offset: number;
  readonly length: number;
}

export interface FragmentsRecord {
  readonly family: 4 | 6;
  /** Every fragment received, in datagram order (ties in arrival order). */
  readonly fragments: readonly HeldFragment[];
  /** Reassembled payload length. */
  readonly length: number;
  readonly overlap: boolean;
  readonly conflict: boolean;
  readonly multipleTails: boolean;
}

/** Wireshark keeps separate ids per family; the same tree is built from either set. */
const FRAG4 = {
  fragment: ipFragmentFields.fragment,
  count: ipFragmentFields.count,
  overlap: ipFragmentFields.overlap,
  conflict: ipFragmentFields.conflict,
  multipleTails: ipFragmentFields.multipleTails,
  length: ipFragmentFields.length,
};
const FRAG6: typeof FRAG4 = {
  fragment: ipv6FragmentFields.fragment,
  count: ipv6FragmentFields.count,
  overlap: ipv6FragmentFields.overlap,
  conflict: ipv6FragmentFields.conflict,
  multipleTails: ipv6FragmentFields.multipleTails,
  length: ipv6FragmentFields.length,
};

function fieldsOf(r: FragmentsRecord): typeof FRAG4 {
  return r.family === 6 ? FRAG6 : FRAG4;
}

function fragmentsTree(r: FragmentsRecord, l: Layer<FragmentsRecord>): TreeNode[] {
  const F = fieldsOf(r);
  const out: TreeNode[] = [];
  for (const f of r.fragments) {
    const len = Math.max(0, Math.min(f.length, r.length - f.offset));
    const last = f.offset + f.length - 1;
    out.push(node(F.fragment, f.frame, f.offset, len, { text: `Frame: ${f.frame}, payload: ${f.offset}-${last < f.offset ? f.offset : last} (${f.length} byte${f.length === 1 ? '' : 's'})` }));
  }
  out.push(node(F.count, r.fragments.length, l.offset, 0));
  if (r.overlap) out.push(node(F.overlap, true, l.offset, 0));
  if (r.conflict) out.push(node(F.conflict, true, l.offset, 0));
  if (r.multipleTails) out.push(node(F.multipleTails, true, l.offset, 0));
  out.push(node(F.length, r.length, l.offset, r.length));
  return out;
}

function fragmentsTitle(r: FragmentsRecord): string {
  const list = r.fragments.map((f) => `#${f.frame}(${f.length})`).join(', ');
  return `[${r.fragments.length} IPv${r.family} Fragments (${r.length} bytes): ${list}]`;
}

/** The `ip.fragments` layer placed on a reassembled source. */
export const ipFragmentsSpec: LayerSpec<FragmentsRecord> = {
  id: 'ip.fragments',
  field: ipFragmentFields.fragments,
  title: fragmentsTitle,
  tree: fragmentsTree,
};

/** The `ipv6.fragments` layer placed on a reassembled source. */
export const ipv6FragmentsSpec: LayerSpec<FragmentsRecord> = {
  id: 'ipv6.fragments',
  field: ipv6FragmentFields.fragments,
  title: fragmentsTitle,
  tree: fragmentsTree,
};

interface Piece {
  readonly frame: number;
  readonly offset: number;
  /** A copy: frames' buffers are not kept alive by pending datagrams. */
  readonly data: Uint8Array;
  readonly seq: number;
}

interface Pending {
  readonly family: 4 | 6;
  readonly firstFrame: number;
  readonly pieces: Piece[];
  /** Covered byte ranges, sorted and merged: [start, end) pairs. */
  covered: number[];
  /** Datagram length, once a fragment with MF=0 has been seen. */
  total?: number;
  overlap: boolean;
  conflict: boolean;
  multipleTails: boolean;
  notes: Note[];
}

export class IpReassembler implements Reassembler {
  private readonly maxDatagram: number;
  private readonly maxPending: number;
  private readonly maxAgeFrames: number;
  private readonly maxFragments: number;
  /** Insertion order is creation order, so the first entry is always the oldest. */
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(limits: ReassemblyLimits = {}) {
    this.maxDatagram = limits.maxDatagram ?? 65535;
    this.maxPending = Math.max(1, limits.maxPending ?? 256);
    this.maxAgeFrames = limits.maxAgeFrames ?? 10000;
    this.maxFragments = Math.max(1, limits.maxFragments ?? 8192);
  }

  /** Datagrams waiting for fragments (for tests and statistics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  add(frameNumber: number, frag: FragmentInfo, _ipproto: number, payload: Uint8Array): ReassemblyOutcome {
    this.expire(frameNumber);
    const key = `${frag.family}|${frag.key}`;
    const start = frag.fragOffset;
    const end = start + payload.length;
    let p = this.pending.get(key);
    if (end > this.maxDatagram) {
      // Too long to be a real datagram (RFC 791: 65535 bytes total): drop the fragment.
      return { complete: false, count: p ? p.pieces.length : 0 };
    }
    if (!p) {
      while (this.pending.size >= this.maxPending) this.dropOldest();
      p = { family: frag.family, firstFrame: frameNumber, pieces: [], covered: [], overlap: false, conflict: false, multipleTails: false, notes: [] };
      this.pending.set(key, p);
    }
    if (p.pieces.length >= this.maxFragments) return { complete: false, count: p.pieces.length };

    if (!frag.more) {
      if (p.total === undefined) p.total = end;
      else if (p.total !== end) {
        p.multipleTails = true;
        p.notes.push(note(reassemblyNotes.multipleTails, `frame ${frameNumber} ends the datagram at ${end}, an earlier last fragment at ${p.total}`));
      }
    }
    if (payload.length > 0) {
      this.checkOverlap(p, frameNumber, start, payload);
      addRange(p.covered, start, end);
    }
    p.pieces.push({ frame: frameNumber, offset: start, data: payload.slice(), seq: this.seq++ });

    const total = p.total;
    if (total === undefined || !coversAll(p.covered, total)) return { complete: false, count: p.pieces.length };
    this.pending.delete(key);
    return this.assemble(p, total);
  }

  /** Flag overlaps; compare the new bytes with every piece already held there. */
  private checkOverlap(p: Pending, frame: number, start: number, data: Uint8Array): void {
    const end = start + data.length;
    for (const q of p.pieces) {
      const qs = q.offset;
      const qe = q.offset + q.data.length;
      const a = Math.max(start, qs);
      const b = Math.min(end, qe);
      if (a >= b) continue;
      p.overlap = true;
      if (p.conflict) continue;
      for (let i = a; i < b; i++) {
        if (data[i - start] !== q.data[i - qs]) {
          p.conflict = true;
          p.notes.push(note(reassemblyNotes.overlapConflict, `frame ${frame} overlaps frame ${q.frame} at datagram bytes ${a}-${b - 1} with different data`));
          break;
        }
      }
    }
  }

  private assemble(p: Pending, total: number): ReassemblyOutcome {
    const bytes = new Uint8Array(total);
    // Newest first, so bytes from earlier fragments overwrite later ones: the first received wins.
    const byArrival = [...p.pieces].sort((a, b) => b.seq - a.seq);
    let pastTail = false;
    for (const q of byArrival) {
      if (q.offset >= total) {
        if (q.data.length) pastTail = true;
        continue;
      }
      const n = Math.min(q.data.length, total - q.offset);
      if (n < q.data.length) pastTail = true;
      bytes.set(q.data.subarray(0, n), q.offset);
    }
    if (pastTail) p.notes.push(note(reassemblyNotes.pastTail, `fragment data beyond the datagram end (${total} bytes) was ignored`));
    const ordered = [...p.pieces].sort((a, b) => a.offset - b.offset || a.seq - b.seq);
    const fragments: HeldFragment[] = ordered.map((q) => ({ frame: q.frame, offset: q.offset, length: q.data.length }));
    const frames: number[] = [];
    for (const f of fragments) if (!frames.includes(f.frame)) frames.push(f.frame);
    const rec: FragmentsRecord = { family: p.family, fragments, length: total, overlap: p.overlap, conflict: p.conflict, multipleTails: p.multipleTails };
    const notes = p.notes;
    const spec = p.family === 6 ? ipv6FragmentsSpec : ipFragmentsSpec;
    return {
      complete: true,
      bytes,
      frames,
      describe: (src: number): Layer<unknown> => ({ spec: spec as LayerSpec<unknown>, record: rec, source: src, data: bytes, offset: 0, length: total, notes }),
    };
  }

  private expire(frameNumber: number): void {
    for (const [k, p] of this.pending) {
      if (frameNumber - p.firstFrame <= this.maxAgeFrames) break;
      this.pending.delete(k);
    }
  }

  private dropOldest(): void {
    const first = this.pending.keys().next();
    if (!first.done) this.pending.delete(first.value);
  }
}

/** Insert [s, e) into a sorted list of disjoint [start, end) pairs, merging neighbours. */
function addRange(r: number[], s: number, e: number): void {
  const out: number[] = [];
  let i = 0;
  while (i < r.length && r[i + 1]! < s) {
    out.push(r[i]!, r[i + 1]!);
    i += 2;
  }
  let ns = s;
  let ne = e;
  while (i < r.length && r[i]! <= ne) {
    ns = Math.min(ns, r[i]!);
    ne = Math.max(ne, r[i + 1]!);
    i += 2;
  }
  out.push(ns, ne);
  while (i < r.length) out.push(r[i++]!);
  r.length = 0;
  r.push(...out);
}

function coversAll(r: readonly number[], total: number): boolean {
  if (total === 0) return true;
  return r.length >= 2 && r[0] === 0 && r[1]! >= total;
}
