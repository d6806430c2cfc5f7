// A cracking worker thread (started by index.ts). It runs one Engine over the jobs it is sent:
//   {kind:'words', buf}   complete lines of a wordlist (LF-separated, CR stripped, empty lines skipped),
//                         with the rules applied when workerData.rules is set;
//   {kind:'list', items}  explicit candidates (CrackOptions.candidates);
//   {kind:'mask', start, end}  a range of the mask keyspace;
//   {kind:'end'}          flush and exit.
// Shared control (Int32Array over a SharedArrayBuffer): [0] stop flag, [1 + t] target t found.
// Progress: tried[workerIndex] (Float64Array over a SharedArrayBuffer) after every block.
import { parentPort, workerData } from 'node:worker_threads';
import { Engine, setWasmModule, type CoreKind, type EngineTarget } from './engine.js';
import { enumerateMask, parseMask } from './mask.js';
import { RuleExpander } from './rules.js';

export interface WorkerInit {
  readonly index: number;
  readonly targets: readonly EngineTarget[];
  readonly core: CoreKind;
  readonly rules: boolean;
  readonly mask?: string;
  readonly customCharsets?: readonly string[];
  readonly ctl: SharedArrayBuffer;
  readonly tried: SharedArrayBuffer;
  /** The WASM module compiled by the main thread (null: none; absent: load it here). */
  readonly wasm?: object | null;
}

export type WorkerJob =
  | { readonly kind: 'words'; readonly buf: Uint8Array }
  | { readonly kind: 'list'; readonly items: readonly Uint8Array[] }
  | { readonly kind: 'mask'; readonly start: number; readonly end: number }
  | { readonly kind: 'end' };

export type WorkerMsg =
  | { readonly kind: 'ready'; readonly core: CoreKind }
  | { readonly kind: 'done' }
  | { readonly kind: 'hit'; readonly target: number; readonly psk: Uint8Array }
  | { readonly kind: 'error'; readonly message: string };

class Stop extends Error {}

function main(): void {
  const port = parentPort!;
  const init = workerData as WorkerInit;
  const ctl = new Int32Array(init.ctl);
  const tried = new Float64Array(init.tried);
  const nTargets = init.targets.length;
  if (init.wasm !== undefined) setWasmModule(init.wasm);
  const active = (t: number): boolean => Atomics.load(ctl, 1 + t) === 0;
  const engine = new Engine(init.targets, init.core, active, (t, psk) => {
    if (Atomics.compareExchange(ctl, 1 + t, 0, 1) !== 0) return;
    port.postMessage({ kind: 'hit', target: t, psk } satisfies WorkerMsg);
    let all = true;
    for (let i = 0; i < nTargets; i++) if (Atomics.load(ctl, 1 + i) === 0) all = false;
    if (all) Atomics.store(ctl, 0, 1);
  });
  const mask = init.mask !== undefined ? parseMask(init.mask, init.customCharsets) : undefined;
  const rules = init.rules ? new RuleExpander() : undefined;
  const push = (b: Uint8Array, s: number, e: number): void => {
    if (engine.push(b, s, e)) {
      tried[init.index] = engine.tried;
      if (Atomics.load(ctl, 0) !== 0) throw new Stop();
    }
  };
  const flush = (): void => {
    engine.flush();
    tried[init.index] = engine.tried;
  };
  port.postMessage({ kind: 'ready', core: engine.core } satisfies WorkerMsg);

  port.on('message', (job: WorkerJob) => {
    try {
      if (Atomics.load(ctl, 0) === 0) {
        if (job.kind === 'words') {
          const buf = job.buf;
          const n = buf.length;
          let s = 0;
          while (s < n) {
            let e = s;
            while (e < n && buf[e] !== 10) e++;
            let end = e;
            if (end > s && buf[end - 1] === 13) end--;
            if (end > s) {
              if (rules) rules.expand(buf, s, end, push);
              else push(buf, s, end);
            }
            s = e + 1;
          }
        } else if (job.kind === 'list') {
          for (const it of job.items) push(it, 0, it.length);
        } else if (job.kind === 'mask') {
          enumerateMask(mask!, job.start, job.end, push);
        }
        // Each job ends with its own flush so that the main thread's `done` means "tested".
        flush();
      }
    } catch (e) {
      if (!(e instanceof Stop)) {
        port.postMessage({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies WorkerMsg);
      }
    }
    if (job.kind === 'end') {
      flush();
      port.close();
      return;
    }
    port.postMessage({ kind: 'done' } satisfies WorkerMsg);
  });
}

main();
