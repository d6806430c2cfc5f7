/**
 * The decryption engine: implements the pipeline's DecryptHooks over the key
 * material and the SA store, delegating per protocol version.
 *
 * Order independence: for a file, the CLI and the TUI first run a *learn* pass
 * over the capture (IKE messages are decrypted, keys derived, IKEv1 IV chains
 * and ESN epochs recorded, child SAs added to the store), then dissect in
 * *decrypt* mode, where each packet's result is a pure function of the packet
 * and the frozen store. Live capture and stdin cannot be read twice: they use
 * *both* (learn and decrypt in one pass, in capture order).
 */
import type { DissectContext, Layer } from '../dissect/layer.js';
import { decryptNotes, type DecryptHooks, type DecryptOutcome } from '../dissect/decrypt-hooks.js';
import { note } from '../core/notes.js';
import type { IsakmpRecord } from '../dissect/isakmp/isakmp.js';
import type { EspRecord } from '../dissect/esp.js';
import type { AhRecord } from '../dissect/ah.js';
import type { Note } from '../core/notes.js';
import { ChildSaStore } from './child-sa.js';
import type { ChildSaReport, IkeSaReport, KeyMaterial } from './types.js';
import { Ikev1Engine } from './ikev1/engine.js';
import { Ikev2Engine } from './ikev2/engine.js';
import { EspAhEngine } from './esp/engine.js';

/**
 * learn: the first pass (IKE fully processed, ESP/AH only cheap bookkeeping such as ESN epochs, no counters);
 * decrypt: the second pass (state frozen except memo lookups; counters kept);
 * both: one pass for streams.
 */
export type EngineMode = 'learn' | 'decrypt' | 'both';

/** What the per-version engines share. */
export interface EngineEnv {
  readonly keys: KeyMaterial;
  readonly children: ChildSaStore;
  /** Current mode (changes between passes). */
  mode(): EngineMode;
}

export interface IkeVersionEngine {
  /** One ISAKMP layer of this version (clear or encrypted). Must be idempotent for a message seen again (second pass, retransmission). */
  message(ctx: DissectContext, layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined;
  reports(): IkeSaReport[];
}

export interface ChildEngine {
  esp(ctx: DissectContext, layer: Layer<EspRecord>): DecryptOutcome<EspRecord> | undefined;
  ah(ctx: DissectContext, layer: Layer<AhRecord>, below: readonly Layer[]): DecryptOutcome<AhRecord> | undefined;
  reports(): ChildSaReport[];
}

/**
 * Decryption notes live on the record (for consumers of the record) and must
 * also be layer notes, where the tree, -z, `espy check`, filters and the TUI's
 * colouring look: copy the ones the layer does not carry yet.
 */
function liftNotes<R>(out: DecryptOutcome<R>, notesOf: (r: R) => readonly Note[] | undefined): DecryptOutcome<R> {
  return {
    ...out,
    layer(idx: number): Layer<R> {
      const l = out.layer(idx);
      const extra = notesOf(l.record)?.filter((n) => !l.notes.includes(n)) ?? [];
      return extra.length ? { ...l, notes: [...l.notes, ...extra] } : l;
    },
  };
}

export class DecryptEngine implements DecryptHooks {
  readonly children = new ChildSaStore();
  private current: EngineMode = 'both';
  private readonly env: EngineEnv;
  private readonly v1: IkeVersionEngine;
  private readonly v2: IkeVersionEngine;
  private readonly child: ChildEngine;

  constructor(readonly keys: KeyMaterial) {
    for (const e of keys.child) this.children.addEntry(e);
    this.env = { keys, children: this.children, mode: () => this.current };
    this.v1 = new Ikev1Engine(this.env);
    this.v2 = new Ikev2Engine(this.env);
    this.child = new EspAhEngine(this.env);
  }

  get mode(): EngineMode {
    return this.current;
  }

  setMode(m: EngineMode): void {
    this.current = m;
  }

  ike(ctx: DissectContext, layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined {
    const major = layer.record.major;
    const out = major === 1 ? this.v1.message(ctx, layer) : major === 2 ? this.v2.message(ctx, layer) : undefined;
    if (out) return liftNotes(out, (r) => r.decrypted?.notes);
    // Keys were given but none belongs to this message's IKE SA: say so, so nobody wonders why it stays encrypted.
    const r = layer.record;
    const encrypted = (major === 1 && r.encrypted !== undefined) || (major === 2 && r.payloads.some((p) => p.encrypted));
    if (!encrypted || this.current === 'learn') return undefined;
    const n = note(decryptNotes.ikeNoKeys, 'no key for this IKE SA: no key table or log entry for its SPIs, and deriving keys from a PSK also needs the DH shared secret (or a private value)', layer.offset, Math.min(28, layer.length));
    return { layer: () => ({ ...layer, notes: [...layer.notes, n] }) };
  }

  esp(ctx: DissectContext, layer: Layer<EspRecord>): DecryptOutcome<EspRecord> | undefined {
    const out = this.child.esp(ctx, layer);
    return out && liftNotes(out, (r) => r.decrypted?.notes);
  }

  ah(ctx: DissectContext, layer: Layer<AhRecord>, below: readonly Layer[]): DecryptOutcome<AhRecord> | undefined {
    const out = this.child.ah(ctx, layer, below);
    return out && liftNotes(out, (r) => r.verified?.notes);
  }

  ikeSas(): IkeSaReport[] {
    return [...this.v1.reports(), ...this.v2.reports()];
  }

  childSas(): ChildSaReport[] {
    return this.child.reports();
  }
}
