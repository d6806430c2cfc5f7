/**
 * When to send each frame: as captured (optionally sped up or slowed down),
 * at a fixed rate, or as fast as possible, like tcpreplay's -x / -p / -t.
 *
 * The schedule is absolute (offset from the start of the loop) rather than a
 * sleep per gap, so timer overshoot does not accumulate over a long replay.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export type Timing = { kind: 'capture'; multiplier: number } | { kind: 'pps'; pps: number } | { kind: 'topspeed' };

/**
 * Seconds after the start of the loop at which packet `index` (0-based) with
 * capture time `ts` (seconds) is due, given the loop's first capture time.
 */
export function dueOffset(t: Timing, index: number, ts: number, firstTs: number): number {
  switch (t.kind) {
    case 'topspeed':
      return 0;
    case 'pps':
      return index / t.pps;
    case 'capture':
      // Captures with out-of-order timestamps (merged files) send the early ones at once.
      return Math.max(0, ts - firstTs) / t.multiplier;
  }
}

/** Sub-millisecond timers do not exist in Node: sleep for the bulk, spin for the last stretch. */
const SPIN_SECONDS = 0.002;

export class Pacer {
  private start = 0n;
  private firstTs: number | undefined;
  private index = 0;

  constructor(private readonly timing: Timing) {}

  /** Starts a loop over the file: the schedule restarts from now, as tcpreplay's --loop does. */
  startLoop(): void {
    this.start = process.hrtime.bigint();
    this.firstTs = undefined;
    this.index = 0;
  }

  /** Waits until the next packet (capture time `ts` in seconds) is due. */
  async wait(ts: number): Promise<void> {
    if (this.timing.kind === 'topspeed') return;
    this.firstTs ??= ts;
    const due = dueOffset(this.timing, this.index++, ts, this.firstTs);
    for (;;) {
      const left = due - Number(process.hrtime.bigint() - this.start) / 1e9;
      if (left <= 0) return;
      if (left > SPIN_SECONDS) await sleep((left - SPIN_SECONDS) * 1000);
      else {
        // Busy-wait the last two milliseconds for sub-millisecond accuracy (tcpreplay does the same).
        const end = this.start + BigInt(Math.round(due * 1e9));
        while (process.hrtime.bigint() < end);
        return;
      }
    }
  }
}

export function frameSeconds(f: { tsSec: number; tsNsec: number }): number {
  return f.tsSec + f.tsNsec / 1e9;
}
