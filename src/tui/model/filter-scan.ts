/**
 * Applying a display filter: one sequential pass over the indexed frames with
 * a single PacketDissector (so reassembly and time references are exactly
 * those of `espy -r -Y`), in short slices between which the UI stays live.
 * It follows the index while the index is still loading. Matches are a
 * growable Uint32Array of frame indexes: 4 bytes per shown packet at most.
 */
import type { Packet } from '../../dissect/packet.js';
import type { CaptureIndex } from './capture-index.js';
import { SequentialPass } from './sequential-pass.js';

export class FilterScan extends SequentialPass {
  private hits = new Uint32Array(1024);
  private nHits = 0;
  private errorText: string | undefined;

  constructor(
    index: CaptureIndex,
    readonly text: string,
    private readonly match: (p: Packet) => boolean,
  ) {
    // With keys, filters see the decrypted packets, as the rows do (`espy -r --keys -Y` does the same).
    super(index, index.viewHooks);
    // The user is waiting for this one.
    this.background = false;
  }

  /** Matching frames found so far. */
  get count(): number {
    return this.nHits;
  }

  /** Frames examined so far. */
  get scanned(): number {
    return this.next;
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

  protected visit(i: number, p: Packet): void {
    if (this.match(p)) this.push(i);
  }

  /** A filter that throws at run time stops the scan and says why. */
  protected override failed(e: unknown): boolean {
    this.errorText = e instanceof Error ? e.message : String(e);
    return true;
  }

  private push(i: number): void {
    if (this.nHits === this.hits.length) {
      const b = new Uint32Array(this.hits.length * 2);
      b.set(this.hits);
      this.hits = b;
    }
    this.hits[this.nHits++] = i;
  }
}
