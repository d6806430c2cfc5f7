/**
 * IKEv1 fragmentation (Cisco's scheme, also strongSwan `fragmentation = yes`
 * and Windows): a long IKEv1 message is sent as several ISAKMP messages, each
 * an ISAKMP header (same cookies, exchange type and message ID) followed by a
 * single Fragment payload (type 132): Fragment ID (2), Fragment Number (1,
 * from 1), Flags (1, LAST_FRAGMENT = 1), data. The data of fragments 1..N,
 * concatenated, is the original ISAKMP message, header included.
 *
 * Wireshark 4.0 reassembles them under one constant key, so fragments of
 * concurrent messages mix. Here a message is keyed on (initiator cookie,
 * responder cookie, Fragment ID) and the direction (source and destination
 * address): per IKE SA and message. strongSwan numbers Fragment IDs per SA and
 * side, so the two peers of one SA may use the same ID at once.
 *
 * Like the IP reassembler (../reassembly.ts) this keeps the only state; the
 * ISAKMP dissector stays stateless and the pipeline (../packet.ts) feeds it
 * every IKEv1 message whose payload chain is one Fragment payload. Fragments
 * may arrive in any order and repeat: the first copy of a fragment number is
 * kept, a later copy with other data is flagged. A message completes when the
 * fragment flagged last has been seen and every number before it is present.
 *
 * Memory is bounded: at most `maxPending` messages wait at once (the oldest
 * is dropped to make room), a message may hold `maxFragments` fragments
 * (duplicates included) and `maxMessage` bytes, and a message still
 * incomplete `maxAgeFrames` frames after its first fragment is dropped.
 *
 * IKEv2 fragments (RFC 7383 SKF) are encrypted individually and can only be
 * reassembled after decryption; they are not handled here.
 */
import { toHex } from '../../core/bytes.js';
import { defineFields } from '../../core/fields.js';
import { defineNotes, note, type Note } from '../../core/notes.js';
import { node, type TreeNode } from '../../core/tree.js';
import type { Layer, LayerSpec, ReassemblyOutcome } from '../layer.js';
import type { IsakmpRecord } from './isakmp.js';
import type { CiscoFragPayload } from './payloads/nat.js';

/** IKEv1 Fragment payload type (Cisco; strongSwan FRAGMENT_V1). */
export const PAYLOAD_IKEV1_FRAGMENT = 132;
/** Flags bit of the last fragment (strongSwan fragment_payload.c). */
export const IKEV1_FRAG_LAST = 0x01;

export const isakmpFragmentFields = defineFields({
  fragments: { id: 'isakmp.fragments', label: 'Message fragments', type: 'none', blurb: 'IKEv1 fragments reassembled per IKE SA and Fragment ID' },
  fragment: { id: 'isakmp.fragment', label: 'Message fragment', type: 'uint' },
  overlap: { id: 'isakmp.fragment.overlap', label: 'Message fragment overlap', type: 'bool' },
  conflict: { id: 'isakmp.fragment.overlap.conflicts', label: 'Message fragment overlapping with conflicting data', type: 'bool' },
  multipleTails: { id: 'isakmp.fragment.multiple_tails', label: 'Message has multiple tail fragments', type: 'bool' },
  count: { id: 'isakmp.fragment.count', label: 'Message fragment count', type: 'uint' },
  length: { id: 'isakmp.reassembled.length', label: 'Reassembled ISAKMP length', type: 'uint' },
});

export const isakmpFragmentNotes = defineNotes({
  conflict: { id: 'isakmp.reassembly.conflict', group: 'reassembly', severity: 'warn', summary: 'A repeated IKEv1 fragment carries different data (the first received was kept)' },
  multipleTails: { id: 'isakmp.reassembly.multiple_tails', group: 'reassembly', severity: 'warn', summary: 'IKEv1 fragments with different numbers are flagged last (the first was kept)' },
  pastTail: { id: 'isakmp.reassembly.past_tail', group: 'reassembly', severity: 'warn', summary: 'IKEv1 fragment numbered after the last fragment (ignored)' },
});

export interface IkeFragmentLimits {
  /** Messages buffered at once; the oldest is dropped beyond this (default 64). */
  maxPending?: number;
  /** Fragments held per message, duplicates included (default 512). */
  maxFragments?: number;
  /** Largest reassembled message accepted, in bytes (default 65535). */
  maxMessage?: number;
  /** Frames after its first fragment an incomplete message is kept (default 10000). */
  maxAgeFrames?: number;
}

/** One IKEv1 fragment as the pipeline hands it over. */
export interface IkeFragment {
  readonly ispi: Uint8Array;
  readonly rspi: Uint8Array;
  /** Fragment ID: the same for every fragment of one message. */
  readonly id: number;
  /** Fragment Number, from 1. */
  readonly number: number;
  readonly last: boolean;
  readonly data: Uint8Array;
  /** Who sent it (addresses), so both peers of one SA may use the same Fragment ID. */
  readonly direction?: string;
}

/** The fragment carried by an IKEv1 message whose payload chain is a single Fragment payload. */
export function ikev1FragmentOf(rec: IsakmpRecord): Omit<IkeFragment, 'direction'> | undefined {
  if (rec.major !== 1 || !rec.ispi || !rec.rspi || rec.payloads.length !== 1) return undefined;
  const p = rec.payloads[0]!;
  if (p.type !== PAYLOAD_IKEV1_FRAGMENT || p.malformed) return undefined;
  const d = p.decoded as CiscoFragPayload | undefined;
  if (!d || d.kind !== 'cisco-frag' || d.truncated || !d.id || !d.seq || !d.last || !d.data) return undefined;
  return { ispi: rec.ispi, rspi: rec.rspi, id: d.id.v, number: d.seq.v, last: (d.last.v & IKEV1_FRAG_LAST) !== 0, data: d.data.v };
}

/** One fragment as received, for the tree. */
export interface HeldIkeFragment {
  readonly frame: number;
  readonly number: number;
  /** Offset of its data in the reassembled message (of the copy that was used). */
  readonly offset: number;
  readonly length: number;
  /** A repeated copy (not used). */
  readonly duplicate: boolean;
}

export interface IkeFragmentsRecord {
  readonly fragmentId: number;
  /** Every fragment received, in message order (repeats after the copy used). */
  readonly fragments: readonly HeldIkeFragment[];
  readonly length: number;
  readonly overlap: boolean;
  readonly conflict: boolean;
  readonly multipleTails: boolean;
}

function fragmentsTree(r: IkeFragmentsRecord, l: Layer<IkeFragmentsRecord>): TreeNode[] {
  const out: TreeNode[] = [];
  for (const f of r.fragments) {
    const last = f.offset + f.length - 1;
    const range = f.duplicate ? 'repeated' : `payload: ${f.offset}-${last < f.offset ? f.offset : last}`;
    out.push(node(isakmpFragmentFields.fragment, f.frame, f.duplicate ? l.offset : f.offset, f.duplicate ? 0 : f.length, { text: `Frame: ${f.frame}, fragment ${f.number}, ${range} (${f.length} byte${f.length === 1 ? '' : 's'})` }));
  }
  out.push(node(isakmpFragmentFields.count, r.fragments.length, l.offset, 0));
  if (r.overlap) out.push(node(isakmpFragmentFields.overlap, true, l.offset, 0));
  if (r.conflict) out.push(node(isakmpFragmentFields.conflict, true, l.offset, 0));
  if (r.multipleTails) out.push(node(isakmpFragmentFields.multipleTails, true, l.offset, 0));
  out.push(node(isakmpFragmentFields.length, r.length, l.offset, r.length));
  return out;
}

/** The `isakmp.fragments` layer placed on the reassembled message. */
export const isakmpFragmentsSpec: LayerSpec<IkeFragmentsRecord> = {
  id: 'isakmp.fragments',
  field: isakmpFragmentFields.fragments,
  title: (r) => `[${r.fragments.length} Message fragments (${r.length} bytes): ${r.fragments.map((f) => `#${f.frame}(${f.length})`).join(', ')}]`,
  tree: fragmentsTree,
};

interface Piece {
  readonly frame: number;
  readonly number: number;
  /** A copy: pending messages do not keep frames' buffers alive. */
  readonly data: Uint8Array;
  readonly seq: number;
}

interface Pending {
  readonly id: number;
  readonly firstFrame: number;
  readonly pieces: Piece[];
  /** First piece received per fragment number. */
  readonly byNumber: Map<number, Piece>;
  /** Number of the fragment flagged last, once seen. */
  lastNumber?: number;
  bytes: number;
  overlap: boolean;
  conflict: boolean;
  multipleTails: boolean;
  notes: Note[];
}

export class IkeFragmentReassembler {
  private readonly maxPending: number;
  private readonly maxFragments: number;
  private readonly maxMessage: number;
  private readonly maxAgeFrames: number;
  /** Insertion order is creation order, so the first entry is always the oldest. */
  private readonly pending = new Map<string, Pending>();
  private seq = 0;

  constructor(limits: IkeFragmentLimits = {}) {
    this.maxPending = Math.max(1, limits.maxPending ?? 64);
    this.maxFragments = Math.max(1, limits.maxFragments ?? 512);
    this.maxMessage = limits.maxMessage ?? 65535;
    this.maxAgeFrames = limits.maxAgeFrames ?? 10000;
  }

  /** Messages waiting for fragments (for tests and statistics). */
  get pendingCount(): number {
    return this.pending.size;
  }

  add(frameNumber: number, frag: IkeFragment): ReassemblyOutcome {
    this.expire(frameNumber);
    const key = `${toHex(frag.ispi)}|${toHex(frag.rspi)}|${frag.id}|${frag.direction ?? ''}`;
    let p = this.pending.get(key);
    // Fragment numbers start at 1 (Wireshark and strongSwan both count from 1).
    if (frag.number < 1) return { complete: false, count: p ? p.pieces.length : 0 };
    if (!p) {
      while (this.pending.size >= this.maxPending) this.dropOldest();
      p = { id: frag.id, firstFrame: frameNumber, pieces: [], byNumber: new Map(), bytes: 0, overlap: false, conflict: false, multipleTails: false, notes: [] };
      this.pending.set(key, p);
    }
    if (p.pieces.length >= this.maxFragments) return { complete: false, count: p.pieces.length };
    const held = p.byNumber.get(frag.number);
    if (!held && p.bytes + frag.data.length > this.maxMessage) {
      // Larger than any message accepted: give the message up.
      this.pending.delete(key);
      return { complete: false, count: 0 };
    }

    if (frag.last) {
      if (p.lastNumber === undefined) p.lastNumber = frag.number;
      else if (p.lastNumber !== frag.number) {
        p.multipleTails = true;
        p.notes.push(note(isakmpFragmentNotes.multipleTails, `frame ${frameNumber}: fragment ${frag.number} is flagged last, an earlier one was ${p.lastNumber}`));
      }
    }
    const piece: Piece = { frame: frameNumber, number: frag.number, data: frag.data.slice(), seq: this.seq++ };
    p.pieces.push(piece);
    if (held) {
      p.overlap = true;
      if (!p.conflict && !sameBytes(held.data, piece.data)) {
        p.conflict = true;
        p.notes.push(note(isakmpFragmentNotes.conflict, `frame ${frameNumber} repeats fragment ${frag.number} of frame ${held.frame} with different data`));
      }
    } else {
      p.byNumber.set(frag.number, piece);
      p.bytes += piece.data.length;
    }

    const n = p.lastNumber;
    if (n === undefined) return { complete: false, count: p.pieces.length };
    for (let i = 1; i <= n; i++) if (!p.byNumber.has(i)) return { complete: false, count: p.pieces.length };
    this.pending.delete(key);
    return this.assemble(p, n);
  }

  private assemble(p: Pending, n: number): ReassemblyOutcome {
    const used: Piece[] = [];
    let total = 0;
    for (let i = 1; i <= n; i++) {
      const q = p.byNumber.get(i)!;
      used.push(q);
      total += q.data.length;
    }
    const past = p.pieces.filter((q) => q.number > n);
    if (past.length) p.notes.push(note(isakmpFragmentNotes.pastTail, `fragment${past.length === 1 ? '' : 's'} ${past.map((q) => `${q.number} (frame ${q.frame})`).join(', ')} after the last fragment ${n} ignored`));
    const bytes = new Uint8Array(total);
    const offsets = new Map<number, number>();
    let at = 0;
    for (const q of used) {
      bytes.set(q.data, at);
      offsets.set(q.number, at);
      at += q.data.length;
    }
    const ordered = [...p.pieces].sort((a, b) => a.number - b.number || a.seq - b.seq);
    const fragments: HeldIkeFragment[] = ordered.map((q) => {
      const first = p.byNumber.get(q.number) === q;
      return { frame: q.frame, number: q.number, offset: offsets.get(q.number) ?? total, length: q.data.length, duplicate: !first };
    });
    const frames: number[] = [];
    for (const f of fragments) if (!frames.includes(f.frame)) frames.push(f.frame);
    const rec: IkeFragmentsRecord = { fragmentId: p.id, fragments, length: total, overlap: p.overlap, conflict: p.conflict, multipleTails: p.multipleTails };
    const notes = p.notes;
    return {
      complete: true,
      bytes,
      frames,
      describe: (src: number): Layer<unknown> => ({ spec: isakmpFragmentsSpec as LayerSpec<unknown>, record: rec, source: src, data: bytes, offset: 0, length: total, notes }),
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

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
