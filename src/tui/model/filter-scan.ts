/**
 * Applying a display filter: one sequential pass over the indexed frames with
 * a single PacketDissector (so reassembly and time references are exactly
 * those of `espy -r -Y`), in short slices between which the UI stays live.
 * It follows the index while the index is still loading. Matches are a
 * growable Uint32Array of frame indexes: 4 bytes per shown packet at most.
 */
import { PacketDissector, type Packet } from '../../dissect/packet.js';
import type { CaptureIndex } from './capture-index.js';

/** Milliseconds of work per slice before yielding to input and rendering. */
const SLICE_MS = 12;

export class FilterScan {
  private hits = new Uint32Array(1024);
  private nHits = 0;
  private next = 0;
  private cancelled = false;
  private finished = false;
  private readonly dissector: PacketDissector;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;
  private waiting = false;
  private scheduled = false;
  private errorText: string | undefined;

  constructor(
    private readonly index: CaptureIndex,
    readonly text: string,
    private readonly match: (p: Packet) => boolean,
  ) {
    this.dissector = new PacketDissector({ prefs: index.prefs, reassemble: index.reassemble });
  }

  /** Matching frames found so far. */
  get count(): number {
    return this.nHits;
  }

  /** Frames examined so far. */
  get scanned(): number {
    return this.next;
  }

  get done(): boolean {
    return this.finished;
  }

  /** A filter that threw at run time: the scan stops and says why. */
  get error(): string | undefined {
    return this.errorText;
  }

  /** Frame index of the k-th match. */
  at(k: number): number {
    return this.hits[k]!;
  }

  /** Position of frame index i among the matches, or of the nearest match after it (binary search). */
  rankOf(i: number): number {
    let lo = 0;
    let hi = this.nHits;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hits[mid]! < i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  start(): void {
    this.unsubscribe = this.index.subscribe(() => {
      if (this.waiting) {
        this.waiting = false;
        this.schedule();
      }
    });
    this.schedule();
  }

  cancel(): void {
    this.cancelled = true;
    this.unsubscribe?.();
    this.listeners.clear();
  }

  private schedule(): void {
    if (this.scheduled || this.cancelled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.slice();
    });
  }

  private slice(): void {
    if (this.cancelled) return;
    const t0 = performance.now();
    try {
      while (this.next < this.index.count) {
        const i = this.next++;
        if (this.match(this.dissector.dissect(this.index.frame(i)))) this.push(i);
        if ((i & 63) === 0 && performance.now() - t0 > SLICE_MS) break;
      }
    } catch (e) {
      this.errorText = e instanceof Error ? e.message : String(e);
      this.finish();
      return;
    }
    if (this.next < this.index.count) this.schedule();
    else if (this.index.done) this.finish();
    else this.waiting = true;
    this.emit();
  }

  private finish(): void {
    this.finished = true;
    this.unsubscribe?.();
    this.emit();
  }

  private push(i: number): void {
    if (this.nHits === this.hits.length) {
      const b = new Uint32Array(this.hits.length * 2);
      b.set(this.hits);
      this.hits = b;
    }
    this.hits[this.nHits++] = i;
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
