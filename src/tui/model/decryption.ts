/**
 * Keys in the TUI: the key material given on the command line or loaded from
 * the keys view (`K`, then `o` for a key file, `p` for a PSK), the engine the
 * capture index dissects with, and the re-learn pass that builds a new one.
 *
 * Order independence (src/decrypt/engine.ts): an engine must have learned the
 * whole capture before a row is shown with it. The first engine learns during
 * the index's own load pass; an engine built from new keys learns in a
 * background pass over the indexed frames (LearnPass) and is swapped in only
 * when that pass ends, so the old keys keep working meanwhile and nothing is
 * reopened.
 */
import { DecryptEngine } from '../../decrypt/engine.js';
import { emptyKeyMaterial, mergeKeyMaterial, type KeyMaterial } from '../../decrypt/types.js';
import { loadKeyFile, parsePskArg } from '../../decrypt/keys/index.js';
import type { CaptureIndex } from './capture-index.js';
import { SequentialPass } from './sequential-pass.js';
import type { Packet } from '../../dissect/packet.js';

/** A background learn pass for a new engine over the indexed frames. */
export class LearnPass extends SequentialPass {
  constructor(
    index: CaptureIndex,
    readonly engine: DecryptEngine,
    private readonly onDone: (e: DecryptEngine) => void,
  ) {
    super(index, engine);
    // A live source is read once: its new engine learns and decrypts in one pass, like the first one.
    engine.setMode(index.live ? 'both' : 'learn');
  }

  get progress(): number {
    return this.index.count ? this.visited / this.index.count : 0;
  }

  protected visit(_i: number, _p: Packet): void {}

  /** Live: caught up with the frames so far; the swap happens now, so the next frame goes to the new engine. */
  protected override caughtUp(): boolean {
    return this.index.live;
  }

  protected override completed(): void {
    if (!this.index.live) this.engine.setMode('decrypt');
    this.onDone(this.engine);
  }
}

export type DecryptState = 'off' | 'learning' | 'relearning' | 'ready';

/** Counts for the status bar, computed once per engine state. */
interface Counts {
  readonly gen: number;
  readonly ike: number;
  readonly child: number;
}

export class Decryption {
  /** Everything loaded so far (the CLI's keys, then each file or PSK added in the UI). */
  material: KeyMaterial | undefined;
  /** Bumped when a new engine is swapped in: analysis views built with older keys restart. */
  epoch = 0;
  /** The last load's outcome, for the keys view. */
  message: string | undefined;
  private relearn: LearnPass | undefined;
  private counts: Counts | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly index: CaptureIndex,
    material: KeyMaterial | undefined,
    /** `--show-secrets`: keys and PSKs may be printed. */
    readonly showSecrets = false,
  ) {
    this.material = material;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  dispose(): void {
    this.relearn?.cancel();
    this.listeners.clear();
  }

  get state(): DecryptState {
    if (this.relearn) return 'relearning';
    if (!this.index.engine) return 'off';
    return this.index.decrypting ? 'ready' : 'learning';
  }

  /** 0..1 of the re-learn pass, while one runs. */
  get relearnProgress(): number | undefined {
    return this.relearn?.progress;
  }

  /** One line per key source: files with their detected format and entries, then PSKs given by hand. */
  sources(): string[] {
    const km = this.material;
    if (!km) return [];
    const out = km.files.map((f) => `${f.path}: ${f.format}, ${f.entries} entr${f.entries === 1 ? 'y' : 'ies'}`);
    const cli = km.psks.filter((p) => p.origin.kind === 'cli' && !p.origin.file).length;
    if (cli) out.push(`${cli} PSK${cli === 1 ? '' : 's'} given by hand (--psk or p)`);
    return out;
  }

  /** Short names of the key sources, for the status bar. */
  sourceNames(): string[] {
    const km = this.material;
    if (!km) return [];
    const names = km.files.map((f) => f.path.split('/').pop()!);
    const cli = km.psks.filter((p) => p.origin.kind === 'cli' && !p.origin.file).length;
    if (cli) names.push(cli === 1 ? 'PSK' : `${cli} PSKs`);
    return names;
  }

  /** IKE SAs with keys and ESP SAs known to the engine the rows are shown with. */
  keyCounts(): { ike: number; child: number } | undefined {
    const e = this.index.engine;
    if (!e || !this.index.decrypting) return undefined;
    const gen = this.index.generation;
    if (this.counts?.gen !== gen || this.index.live) {
      const ike = e.ikeSas().filter((s) => s.keys !== undefined).length;
      const child = e.children.all().filter((s) => s.protocol === 'esp').length;
      this.counts = { gen, ike, child };
    }
    return this.counts;
  }

  /** The status bar's decryption part, or undefined without keys. */
  statusText(): string | undefined {
    switch (this.state) {
      case 'off':
        return undefined;
      case 'learning':
        return 'keys: learning…';
      case 'relearning':
        return `keys: re-learning ${Math.floor((this.relearnProgress ?? 0) * 100)}%`;
      case 'ready': {
        const n = this.keyCounts()!;
        const src = this.sourceNames();
        return `decrypting: ${n.ike} IKE SA${n.ike === 1 ? '' : 's'}, ${n.child} ESP SA${n.child === 1 ? '' : 's'} with keys${src.length ? ` (${src.join(', ')})` : ''}`;
      }
    }
  }

  /** Loads a key file (format detected from the content) and re-decrypts. Returns what to tell the user. */
  loadFile(path: string): string {
    let km: KeyMaterial;
    try {
      km = loadKeyFile(path);
    } catch (e) {
      return this.say(`cannot read ${path}: ${(e as Error).message}`);
    }
    const f = km.files[0];
    const entries = f?.entries ?? 0;
    const issues = km.issues.length ? `, ${km.issues.length} line${km.issues.length === 1 ? '' : 's'} skipped (${km.issues[0]!.line}: ${km.issues[0]!.message})` : '';
    if (!entries) return this.say(`${path}: no keys loaded (${f?.format ?? 'unknown'} format${issues})`);
    this.rekey(km);
    return this.say(`${path}: ${f!.format}, ${entries} entr${entries === 1 ? 'y' : 'ies'}${issues}; re-decrypting…`);
  }

  /** A PSK as `--psk` takes it (SECRET, 0xHEX, PEER=SECRET). The secret itself is never echoed. */
  addPsk(text: string): string {
    let km: KeyMaterial;
    try {
      km = parsePskArg(text);
    } catch (e) {
      return this.say(`PSK not added: ${(e as Error).message}`);
    }
    if (!km.psks.length) return this.say(`PSK not added: ${km.issues[0]?.message ?? 'empty'}`);
    this.rekey(km);
    return this.say('PSK added; re-decrypting…');
  }

  private say(m: string): string {
    this.message = m;
    this.emit();
    return m;
  }

  /** A new engine over everything loaded so far plus `add`, learned in the background, then swapped in. */
  private rekey(add: KeyMaterial): void {
    const merged = mergeKeyMaterial(mergeKeyMaterial(emptyKeyMaterial(), this.material ?? emptyKeyMaterial()), add);
    this.material = merged;
    this.relearn?.cancel();
    const pass = new LearnPass(this.index, new DecryptEngine(merged), (e) => {
      if (this.relearn !== pass) return;
      this.relearn = undefined;
      this.index.setEngine(e);
      this.epoch++;
      this.counts = undefined;
      this.message = `${this.message?.replace(/; re-decrypting…$/, '') ?? 'keys'}: done`;
      this.emit();
    });
    this.relearn = pass;
    pass.subscribe(() => this.emit());
    pass.start();
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}
