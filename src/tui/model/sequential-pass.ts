/**
 * A sequential background pass over the indexed frames: one PacketDissector
 * (so reassembly and time references are exactly those of `espy -r`), run in
 * short slices between which the UI stays live, following the index while the
 * index is still loading. Subclasses say what to do with each packet
 * (`visit`) and what to build when the last frame has been seen (`completed`).
 */
import { PacketDissector, type Packet } from '../../dissect/packet.js';
import type { DecryptHooks } from '../../dissect/decrypt-hooks.js';
import type { CaptureIndex } from './capture-index.js';

/**
 * Milliseconds of work per slice before yielding to input and rendering. Short: a key press and the
 * render it causes each wait behind at most one slice (the passes run after loading, while the user works).
 */
const SLICE_MS = 5;

/**
 * Input first: background passes pause while the user is pressing keys (for this long after the last
 * one), so a key press and its render never queue behind analysis slices. Holding `j` then scrolls at
 * full speed and the passes resume as soon as the keyboard is idle.
 */
const INPUT_QUIET_MS = 150;
let lastInput = -Infinity;

/** Called by the controller on every key press. */
export function noteInput(): void {
  lastInput = performance.now();
}

export abstract class SequentialPass {
  /** Index of the next frame to visit (= frames visited so far). */
  protected next = 0;
  private cancelled = false;
  private finished = false;
  private scheduled = false;
  /** Caught up with a still-loading index: resume when it grows. */
  private waiting = false;
  private readonly dissector: PacketDissector;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;

  /** `decrypt`: hooks for the pass's own dissector (an engine this pass teaches or reads with). */
  constructor(
    protected readonly index: CaptureIndex,
    decrypt?: DecryptHooks,
  ) {
    this.dissector = new PacketDissector({ prefs: index.prefs, reassemble: index.reassemble, ...(decrypt ? { decrypt } : {}) });
  }

  /** Work nobody waits for (analysis, re-learning): pauses while keys are pressed. A display filter does not. */
  protected background = true;

  /** Frames visited so far. */
  get visited(): number {
    return this.next;
  }

  get done(): boolean {
    return this.finished;
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

  /** Called for every frame, in file order. */
  protected abstract visit(i: number, p: Packet): void;

  /** Called once after the last frame. */
  protected completed(): void {}

  /** Caught up with an index that is still growing (a live source): return true to finish here. */
  protected caughtUp(): boolean {
    return false;
  }

  /** A visit threw: return true to end the pass there (the subclass records why), false to rethrow. */
  protected failed(_e: unknown): boolean {
    return false;
  }

  private schedule(): void {
    if (this.scheduled || this.cancelled) return;
    this.scheduled = true;
    const quiet = this.background ? lastInput + INPUT_QUIET_MS - performance.now() : 0;
    const run = () => {
      this.scheduled = false;
      this.slice();
    };
    if (quiet > 0) setTimeout(run, quiet);
    else setImmediate(run);
  }

  private slice(): void {
    if (this.cancelled || this.finished) return;
    const t0 = performance.now();
    try {
      while (this.next < this.index.count) {
        const i = this.next++;
        this.visit(i, this.dissector.dissect(this.index.frame(i)));
        if ((i & 63) === 0 && performance.now() - t0 > SLICE_MS) break;
      }
    } catch (e) {
      if (!this.failed(e)) throw e;
      this.finish();
      this.emit();
      return;
    }
    if (this.next < this.index.count) this.schedule();
    else if (this.index.done || this.caughtUp()) this.finish();
    else this.waiting = true;
    this.emit();
  }

  private finish(): void {
    this.finished = true;
    this.unsubscribe?.();
    this.completed();
  }

  /** Tells the listeners something changed outside a slice (a deferred rebuild is due). */
  protected changed(): void {
    this.emit();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
