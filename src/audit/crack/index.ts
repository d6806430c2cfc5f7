// crack(): the IKEv1 PSK cracker behind `espy audit` (contract: ./api.ts).
//
// Candidates, in this order: opts.candidates, then the wordlist (plain or .gz, streamed; one
// candidate per LF-terminated line, a trailing CR stripped, spaces kept, empty lines skipped;
// with opts.rules each word is expanded by rules.ts), then the mask (mask.ts). All targets are
// tested against every candidate in one pass.
//
// Work is spread over worker_threads (default os.availableParallelism()): the main thread reads
// and cuts the wordlist into chunks of whole lines (or the mask keyspace into index ranges) and
// keeps at most three chunks (1 MiB of words each) in flight per worker. Each worker runs the best core (engine.ts: WASM
// SIMD for MD5/SHA-1 unless opts.core says otherwise; node:crypto for SHA-2). A hit is confirmed
// with node:crypto in the worker; when every target is found, a shared stop flag ends all
// workers within one block (256 candidates). maxTimeMs, and opts.signal (Ctrl-C), stop the same
// way with `stopped: 'time'` / `'interrupted'` and the count of candidates tried so far.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import type { Crack, CrackOptions, CrackResult, CrackTarget, Progress } from './api.js';
import { loadWasmModule, type CoreKind, type EngineTarget } from './engine.js';
import { parseMask } from './mask.js';
import type { WorkerInit, WorkerJob, WorkerMsg } from './worker.js';

export type { Crack, CrackOptions, CrackResult, CrackTarget, Progress } from './api.js';
export { wasmAvailable } from './engine.js';

const WORDS_CHUNK = 1024 * 1024;
const RULES_CHUNK = 2 * 1024;
const PROGRESS_MS = 250;
const IN_FLIGHT = 3;

interface Slot {
  readonly worker: Worker;
  inFlight: number;
  core?: CoreKind;
}

type StopReason = 'found' | 'exhausted' | 'time' | 'interrupted';

export const crack: Crack = async (targets, opts) => {
  const t0 = performance.now();
  const nT = targets.length;
  if (nT === 0) return [];
  const mask = opts.mask !== undefined ? parseMask(opts.mask, opts.customCharsets) : undefined;
  const threads = Math.max(1, Math.floor(opts.threads ?? os.availableParallelism()));
  const core: CoreKind = opts.core ?? 'wasm';
  const ctlBuf = new SharedArrayBuffer(4 * (1 + nT));
  const ctl = new Int32Array(ctlBuf);
  const triedBuf = new SharedArrayBuffer(8 * threads);
  const triedArr = new Float64Array(triedBuf);
  const wasm = core === 'wasm' ? loadWasmModule() : null;
  const engineTargets: EngineTarget[] = targets.map((t) => ({ hash: t.hash, skeyidData: t.skeyidData, hashData: t.hashData, expected: t.expected }));
  const found: ({ psk: Uint8Array; tried: number; elapsedMs: number } | undefined)[] = new Array(nT).fill(undefined);
  let reason: StopReason | undefined;
  let failure: Error | undefined;
  const triedNow = (): number => {
    let s = 0;
    for (let i = 0; i < threads; i++) s += triedArr[i]!;
    return s;
  };

  // Wakes the feeder when a slot frees up or the run stops.
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = (r: StopReason): void => {
    if (reason === undefined) reason = r;
    Atomics.store(ctl, 0, 1);
    poke();
  };

  const slots: Slot[] = [];
  const ready: Promise<void>[] = [];
  const exited: Promise<void>[] = [];
  for (let i = 0; i < threads; i++) {
    const init: WorkerInit = {
      index: i,
      targets: engineTargets,
      core,
      rules: opts.rules === true,
      ...(opts.mask !== undefined ? { mask: opts.mask } : {}),
      ...(opts.customCharsets !== undefined ? { customCharsets: opts.customCharsets } : {}),
      ctl: ctlBuf,
      tried: triedBuf,
      wasm,
    };
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    const slot: Slot = { worker, inFlight: 0 };
    slots.push(slot);
    ready.push(
      new Promise<void>((resolve) => {
        worker.on('message', (m: WorkerMsg) => {
          if (m.kind === 'ready') {
            slot.core = m.core;
            resolve();
          } else if (m.kind === 'done') {
            slot.inFlight--;
            poke();
          } else if (m.kind === 'hit') {
            if (found[m.target] === undefined) {
              found[m.target] = { psk: Uint8Array.from(m.psk), tried: triedNow(), elapsedMs: performance.now() - t0 };
            }
            if (found.every((f) => f !== undefined)) stop('found');
          } else if (m.kind === 'error') {
            failure ??= new Error(`crack worker: ${m.message}`);
            stop('interrupted');
          }
        });
      }),
    );
    exited.push(
      new Promise<void>((resolve) => {
        worker.on('error', (e) => {
          failure ??= e;
          stop('interrupted');
          resolve();
        });
        worker.on('exit', () => {
          slot.inFlight = 0;
          poke();
          resolve();
        });
      }),
    );
  }

  const onAbort = (): void => stop('interrupted');
  if (opts.signal) {
    if (opts.signal.aborted) stop('interrupted');
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  const timer = opts.maxTimeMs !== undefined ? setTimeout(() => stop('time'), Math.max(0, opts.maxTimeMs)) : undefined;

  // Progress: total / ETA from the mask keyspace, or from the share of the wordlist read.
  const listCount = opts.candidates?.length ?? 0;
  let wordBytes = 0;
  let wordBytesRead = 0;
  let wordlistDone = opts.wordlist === undefined;
  let lastTried = 0;
  let lastT = t0;
  const progress =
    opts.onProgress &&
    setInterval(() => {
      const now = performance.now();
      const tried = triedNow();
      const rate = ((tried - lastTried) * 1000) / Math.max(1, now - lastT);
      lastTried = tried;
      lastT = now;
      const elapsedMs = now - t0;
      const p: { -readonly [K in keyof Progress]: Progress[K] } = { tried, rate, elapsedMs };
      const maskTotal = mask?.total ?? 0;
      if (opts.wordlist === undefined) {
        p.total = listCount + maskTotal;
        if (rate > 0) p.etaMs = (Math.max(0, p.total - tried) / rate) * 1000;
      } else if (wordBytes > 0 && wordBytesRead > 0) {
        const frac = Math.min(1, wordBytesRead / wordBytes);
        // Candidates of the wordlist expected in all from the share read so far, then the mask.
        const wordEstimate = wordlistDone ? tried : tried / Math.max(frac, 1e-9);
        const remaining = Math.max(0, wordEstimate - tried) + maskTotal;
        if (rate > 0) p.etaMs = (remaining / rate) * 1000;
      }
      opts.onProgress!(p);
    }, PROGRESS_MS);

  try {
    await Promise.all(ready.map((r) => Promise.race([r, ...exited])));
    const running = (): boolean => Atomics.load(ctl, 0) === 0 && failure === undefined;
    const send = async (job: WorkerJob, transfer?: ArrayBuffer[]): Promise<boolean> => {
      for (;;) {
        if (!running()) return false;
        let best: Slot | undefined;
        for (const s of slots) if (s.inFlight < IN_FLIGHT && (best === undefined || s.inFlight < best.inFlight)) best = s;
        if (best) {
          best.inFlight++;
          best.worker.postMessage(job, transfer);
          return true;
        }
        await new Promise<void>((r) => (wake = r));
      }
    };

    // 1. Explicit candidates.
    if (opts.candidates && opts.candidates.length > 0) {
      const items = opts.candidates.map((c) => Buffer.from(c, 'utf8'));
      for (let i = 0; i < items.length && running(); i += 4096) await send({ kind: 'list', items: items.slice(i, i + 4096) });
    }

    // 2. Wordlist.
    if (opts.wordlist !== undefined && running()) {
      const file = opts.wordlist;
      wordBytes = fs.statSync(file).size;
      const raw = fs.createReadStream(file, { highWaterMark: 1 << 20 });
      const gz = file.endsWith('.gz');
      const stream = gz ? raw.pipe(zlib.createGunzip()) : raw;
      const chunk = opts.rules ? RULES_CHUNK : WORDS_CHUNK;
      let carry: Buffer = Buffer.alloc(0);
      try {
        for await (const data of stream as AsyncIterable<Buffer>) {
          wordBytesRead = raw.bytesRead;
          let buf = carry.length > 0 ? Buffer.concat([carry, data]) : data;
          while (buf.length >= chunk && running()) {
            let cut = buf.lastIndexOf(10, chunk);
            if (cut < 0) cut = buf.indexOf(10, chunk);
            if (cut < 0) break;
            const piece = new Uint8Array(cut + 1);
            piece.set(buf.subarray(0, cut + 1));
            buf = buf.subarray(cut + 1);
            await send({ kind: 'words', buf: piece }, [piece.buffer]);
          }
          carry = Buffer.from(buf);
          if (!running()) break;
        }
        if (carry.length > 0 && running()) {
          const piece = Uint8Array.from(carry);
          await send({ kind: 'words', buf: piece }, [piece.buffer]);
        }
      } finally {
        raw.destroy();
        if (gz) (stream as zlib.Gunzip).destroy();
      }
      wordlistDone = true;
      wordBytesRead = wordBytes;
    }

    // 3. Mask.
    if (mask && running()) {
      const per = Math.max(4096, Math.min(1 << 18, Math.ceil(mask.total / (threads * 64))));
      for (let s = 0; s < mask.total && running(); s += per) await send({ kind: 'mask', start: s, end: Math.min(mask.total, s + per) });
    }

    // Wait for the jobs in flight.
    while (slots.some((s) => s.inFlight > 0) && failure === undefined) await new Promise<void>((r) => (wake = r));
  } finally {
    if (timer) clearTimeout(timer);
    if (progress) clearInterval(progress);
    opts.signal?.removeEventListener('abort', onAbort);
    Atomics.store(ctl, 0, 1);
    for (const s of slots) s.worker.postMessage({ kind: 'end' } satisfies WorkerJob);
    await Promise.race([Promise.all(exited), new Promise((r) => setTimeout(r, 2000).unref())]);
    for (const s of slots) void s.worker.terminate();
  }
  if (failure) throw failure;

  const tried = triedNow();
  const elapsedMs = performance.now() - t0;
  const final: StopReason = reason === 'found' || reason === undefined ? 'exhausted' : reason;
  return targets.map((t: CrackTarget, i): CrackResult => {
    const f = found[i];
    if (f) return { id: t.id, psk: f.psk, tried: f.tried, elapsedMs: f.elapsedMs, stopped: 'found' };
    return { id: t.id, tried, elapsedMs, stopped: final };
  });
};

/** Convenience for callers that want the options type with the defaults spelled out. */
export function defaultThreads(opts: Pick<CrackOptions, 'threads'>): number {
  return Math.max(1, Math.floor(opts.threads ?? os.availableParallelism()));
}
