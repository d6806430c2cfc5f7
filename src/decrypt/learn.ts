/**
 * The learn pass: read the whole capture once with the engine in 'learn' mode
 * so every IKE exchange is decrypted and every key derived before any packet
 * is shown; then switch the engine to 'decrypt'. After this, what a packet
 * shows depends only on the packet and the store, never on which packets were
 * looked at before (the TUI jumps around; the CLI filters with -Y).
 *
 * Streams (stdin, live capture) cannot be read twice: they run in 'both'.
 */
import { openCapture } from '../capture/index.js';
import { PacketDissector } from '../dissect/packet.js';
import type { DissectPrefs } from '../dissect/layer.js';
import type { DecryptEngine } from './engine.js';

export interface LearnOptions {
  prefs?: DissectPrefs;
  reassemble?: boolean;
  /** Stop after this many frames (the same -c the output pass uses). */
  count?: number;
  /** Called every batch with the frames read so far. */
  onProgress?: (frames: number) => void;
  signal?: AbortSignal;
}

/** Run the learn pass over `file`; returns the number of frames read. Capture errors are left to the output pass, which reports them after what it printed. */
export async function learnFromCapture(file: string, engine: DecryptEngine, o: LearnOptions = {}): Promise<number> {
  if (file === '-') {
    engine.setMode('both');
    return 0;
  }
  engine.setMode('learn');
  const dissector = new PacketDissector({ ...(o.prefs ? { prefs: o.prefs } : {}), ...(o.reassemble !== undefined ? { reassemble: o.reassemble } : {}), decrypt: engine });
  let n = 0;
  const reader = await openCapture(file);
  try {
    outer: for (;;) {
      let batch;
      try {
        batch = await reader.next();
      } catch {
        break; // the output pass reports the fault, after the frames before it
      }
      if (!batch) break;
      for (const frame of batch) {
        if (o.count !== undefined && n >= o.count) break outer;
        if (o.signal?.aborted) break outer;
        n++;
        dissector.dissect(frame);
      }
      o.onProgress?.(n);
    }
  } finally {
    reader.close();
    engine.setMode('decrypt');
  }
  return n;
}
