/**
 * The TUI's live mode: frames pushed by a live capture (src/live/capture.ts)
 * become a CaptureReader the capture index reads like a file that keeps
 * growing. Frames are handed over in batches (one per event-loop turn at
 * most), so a burst of packets costs one index update and one render, not
 * one per packet (termshark's issue #153).
 *
 * Tests feed frames through `push` exactly as the capture callback does, so
 * live mode is exercised without root or libpcap.
 */
import type { CaptureReader } from '../../capture/open.js';
import type { CaptureInterface } from '../../capture/types.js';
import type { Frame } from '../../capture/types.js';

export class PushReader implements CaptureReader {
  readonly format = 'pcapng' as const;
  readonly gzip = false;
  readonly interfaces: readonly CaptureInterface[] = [];
  private queue: Frame[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  /** `file` is what the status bar names the source (e.g. `live: lo`). */
  constructor(readonly file: string) {}

  /** A frame from the capture (numbered by the source, 1-based, in arrival order). */
  push(f: Frame): void {
    if (this.ended) return;
    this.queue.push(f);
    this.poke();
  }

  /** No more frames (the capture stopped); `error` ends it as a fault the status bar shows. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.poke();
  }

  async next(): Promise<Frame[] | null> {
    while (!this.queue.length) {
      if (this.ended) {
        if (this.failure) throw this.failure;
        return null;
      }
      await new Promise<void>((res) => (this.wake = res));
    }
    const batch = this.queue;
    this.queue = [];
    return batch;
  }

  close(): void {
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame[]> {
    for (;;) {
      const b = await this.next();
      if (!b) return;
      yield b;
    }
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}
