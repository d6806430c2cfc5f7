/**
 * The TUI's view of a capture: a compact index of every frame, filled in the
 * background, and packets dissected on demand.
 *
 * Per frame the index keeps only fixed-size numbers in typed arrays (where the
 * bytes are, lengths, timestamp, link type, interface): 35 bytes a frame once
 * loading ends (arrays grow by doubling while loading, then are trimmed).
 * Summary columns, trees and hex are computed from the bytes when a row is
 * shown, through an LRU of dissected packets.
 *
 * Order independence: a packet must look the same whether the user scrolled to
 * it from the top or jumped straight to it. Each on-demand dissection uses a
 * fresh `PacketDissector`, which makes the two pieces of cross-packet state
 * explicit:
 *  - time references (relative / delta time) come from the index's
 *    timestamps of the first and previous frame, exactly as the sequential
 *    CLI pass computes them;
 *  - IP reassembly: the background pass runs one sequential dissector over the
 *    whole file (as `espy -r` does) and remembers, for each frame that
 *    completes a datagram, the frame numbers of its fragments. Showing such a
 *    frame re-dissects those fragments first, then the frame. A sparse map, so
 *    it costs nothing for captures without fragments.
 */
import * as fs from 'node:fs';
import { openCapture, CaptureError, type CaptureReader, type Frame } from '../../capture/index.js';
import type { CaptureFormat, CaptureInterface } from '../../capture/types.js';
import { PacketDissector, type Packet } from '../../dissect/packet.js';
import { DEFAULT_PREFS, type DissectPrefs, type Layer } from '../../dissect/layer.js';
import type { FrameRecord } from '../../dissect/frame.js';
import type { FragmentsRecord } from '../../dissect/reassembly.js';
import type { DecryptEngine } from '../../decrypt/engine.js';
import type { DecryptHooks } from '../../dissect/decrypt-hooks.js';
import { Lru } from './lru.js';
import { FileFrameStore, MemoryFrameStore, type FrameStore } from './frame-store.js';

/** Layers that say a frame completes a reassembly (their records list the contributing frames). */
const REASSEMBLY_LAYERS: ReadonlySet<string> = new Set(['ip.fragments', 'ipv6.fragments', 'isakmp.fragments']);

export interface CaptureIndexOptions {
  prefs?: DissectPrefs;
  /** IP fragment reassembly (default true, as in the CLI). */
  reassemble?: boolean;
  /** Dissected packets kept (default 256). */
  packetCache?: number;
  /** Read size for the background pass; small values keep each slice of work short. */
  chunkSize?: number;
  /**
   * Decryption. A file's load pass doubles as the engine's learn pass (the
   * engine is put in 'learn' mode, and switched to 'decrypt' when loading
   * ends); rows shown while loading are dissected without it. A live source
   * gives an engine in 'both' mode: it learns as frames arrive and decrypts
   * from the first row on.
   */
  decrypt?: DecryptEngine;
}

/** Bytes the index keeps per frame in its typed arrays (after loading ends). */
export const INDEX_BYTES_PER_FRAME = 8 + 8 + 4 + 4 + 4 + 2 + 4 + 1;

const FLAG_COMMENT = 1;
const FLAG_REASSEMBLES = 2;

type Listener = () => void;

export class CaptureIndex {
  /** The path or `stdin`. */
  readonly file: string;
  readonly format: CaptureFormat;
  readonly gzip: boolean;
  readonly prefs: DissectPrefs;
  readonly reassemble: boolean;

  private n = 0;
  private cap = 0;
  private locator = new Float64Array(0);
  private tsSec = new Float64Array(0);
  private tsNsec = new Uint32Array(0);
  private caplen = new Uint32Array(0);
  private origLen = new Uint32Array(0);
  private linkType = new Uint16Array(0);
  private ifaceId = new Uint32Array(0);
  private flags = new Uint8Array(0);
  /** Sparse: pcapng packet comments by frame index. */
  private readonly comments = new Map<number, string>();
  /** Sparse: frame index → frame numbers (1-based) of the fragments it completes. */
  private readonly fragments = new Map<number, Uint32Array>();

  private readonly packets: Lru<number, Packet>;
  private readonly listeners = new Set<Listener>();
  private loadDone = false;
  private loadError: string | undefined;
  private stopped = false;
  private bytesSeen = 0;
  private readonly fileSize: number | undefined;
  private engineRef: DecryptEngine | undefined;
  /** Bumped whenever what a packet shows changes (decryption switched on or re-keyed): row caches key on it. */
  private gen = 0;
  /** The load pass's hooks forward to whichever engine is current, so a live source can change keys mid-stream. */
  private readonly loadHooks: DecryptHooks = {
    ike: (c, l) => this.engineRef?.ike(c, l),
    esp: (c, l) => this.engineRef?.esp(c, l),
    ah: (c, l, b) => this.engineRef?.ah(c, l, b),
  };
  private readonly stream: boolean;
  /**
   * Hooks for passes over the indexed frames that must show what rows show (display filters): the
   * current engine once it has learned everything, read-only (a stream's 'both' engine is asked in
   * 'decrypt' mode, so nothing is learned or counted twice); nothing while a file's learn pass runs.
   */
  readonly viewHooks: DecryptHooks = {
    ike: (c, l) => this.viewCall((e) => e.ike(c, l)),
    esp: (c, l) => this.viewCall((e) => e.esp(c, l)),
    ah: (c, l, b) => this.viewCall((e) => e.ah(c, l, b)),
  };
  /** Resolves when the background pass ends (EOF, a bad record, or close()). */
  readonly loaded: Promise<void>;

  private constructor(
    private readonly reader: CaptureReader,
    private readonly store: FrameStore,
    opts: CaptureIndexOptions,
    fileSize: number | undefined,
    stream = false,
  ) {
    this.file = reader.file;
    this.format = reader.format;
    this.gzip = reader.gzip;
    this.prefs = opts.prefs ?? DEFAULT_PREFS;
    this.reassemble = opts.reassemble ?? true;
    this.packets = new Lru(opts.packetCache ?? 256);
    this.fileSize = fileSize;
    this.stream = stream;
    this.engineRef = opts.decrypt;
    if (opts.decrypt && !stream) opts.decrypt.setMode('learn');
    this.loaded = this.load();
  }

  /**
   * Opens the capture and starts indexing it in the background. Rejects with
   * CaptureError when the file cannot be opened or is not a capture at all (the
   * CLI reports that before any screen is drawn); a fault later in the file
   * ends the index there and is reported through `error`.
   */
  static async open(path: string, opts: CaptureIndexOptions = {}): Promise<CaptureIndex> {
    const reader = await openCapture(path, { chunkSize: opts.chunkSize ?? 256 * 1024 });
    let size: number | undefined;
    let store: FrameStore;
    try {
      const st = path === '-' ? undefined : fs.statSync(path);
      if (st?.isFile() && !reader.gzip) {
        size = st.size;
        store = new FileFrameStore(path, reader.format);
      } else store = new MemoryFrameStore();
    } catch (e) {
      reader.close();
      throw new CaptureError(reader.file, 0, 'io', e instanceof Error ? e.message : String(e));
    }
    return new CaptureIndex(reader, store, opts, size);
  }

  /**
   * An index over frames pushed by a live source (src/tui/model/live-source.ts):
   * bytes kept in memory, the list grows as frames arrive, `done` once the
   * source ends.
   */
  static fromStream(reader: CaptureReader, opts: CaptureIndexOptions = {}): CaptureIndex {
    if (opts.decrypt) opts.decrypt.setMode('both');
    return new CaptureIndex(reader, new MemoryFrameStore(), opts, undefined, true);
  }

  /** Frames pushed by a live source rather than read from a file. */
  get live(): boolean {
    return this.stream;
  }

  /** The decryption engine on-demand dissection uses (undefined without keys). */
  get engine(): DecryptEngine | undefined {
    return this.engineRef;
  }

  /** Keys were given and rows are shown decrypted (false while a file's learn pass runs). */
  get decrypting(): boolean {
    return this.engineRef !== undefined && this.engineRef.mode !== 'learn';
  }

  /** Changes when what packets show changes (see `gen`). */
  get generation(): number {
    return this.gen;
  }

  /**
   * Swaps in another engine that has already learned every indexed frame (the
   * keys view's re-learn pass): cached packets are dropped and re-dissected with it.
   */
  setEngine(e: DecryptEngine): void {
    this.engineRef = e;
    this.invalidate();
  }

  private viewCall<T>(f: (e: DecryptEngine) => T): T | undefined {
    const e = this.engineRef;
    if (!e || e.mode === 'learn') return undefined;
    if (e.mode !== 'both') return f(e);
    e.setMode('decrypt');
    try {
      return f(e);
    } finally {
      e.setMode('both');
    }
  }

  /** Forgets every dissected packet (decryption changed) and tells the listeners. */
  private invalidate(): void {
    this.gen++;
    this.packets.clear();
    this.emit();
  }

  /** Frames indexed so far. */
  get count(): number {
    return this.n;
  }

  get done(): boolean {
    return this.loadDone;
  }

  /** Why loading stopped early (a cut-short or corrupt file), if it did. */
  get error(): string | undefined {
    return this.loadError;
  }

  /** Fraction of the file indexed, or undefined when the size is unknown (gzip, stdin). */
  get progress(): number | undefined {
    if (this.loadDone) return 1;
    if (this.fileSize === undefined || this.fileSize === 0) return undefined;
    return Math.min(1, this.bytesSeen / this.fileSize);
  }

  /** Frame bytes are re-read from the file (false: kept in memory, see frame-store.ts). */
  get seekable(): boolean {
    return this.store.seekable;
  }

  get interfaces(): readonly CaptureInterface[] {
    return this.reader.interfaces;
  }

  /** Bytes per frame held by the index arrays (not the packet LRU, not in-memory frame bytes). */
  get indexBytesPerFrame(): number {
    if (this.n === 0) return 0;
    const arrays = [this.locator, this.tsSec, this.tsNsec, this.caplen, this.origLen, this.linkType, this.ifaceId, this.flags];
    return arrays.reduce((s, a) => s + a.byteLength, 0) / this.n;
  }

  /** Dissected packets currently cached. */
  get cachedPackets(): number {
    return this.packets.size;
  }

  get packetCacheCapacity(): number {
    return this.packets.capacity;
  }

  /** Called after each indexed batch and when loading ends. Returns an unsubscribe function. */
  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Seconds since the epoch of frame i, computed exactly as PacketDissector does. */
  time(i: number): number {
    return this.tsSec[i]! + this.tsNsec[i]! / 1e9;
  }

  origLength(i: number): number {
    return this.origLen[i]!;
  }

  /** The frame at index i (frame number i + 1), its bytes read back from the file or memory. */
  frame(i: number): Frame {
    if (!(i >= 0 && i < this.n)) throw new RangeError(`frame index ${i} outside 0..${this.n - 1}`);
    const caplen = this.caplen[i]!;
    return {
      number: i + 1,
      tsSec: this.tsSec[i]!,
      tsNsec: this.tsNsec[i]!,
      linkType: this.linkType[i]!,
      caplen,
      origLen: this.origLen[i]!,
      data: this.store.read(this.locator[i]!, caplen),
      interfaceId: this.ifaceId[i]!,
      fileOffset: this.store.seekable ? this.locator[i]! : 0,
      comment: this.flags[i]! & FLAG_COMMENT ? this.comments.get(i) : undefined,
    };
  }

  /** The dissected packet at index i, from the LRU or dissected now (see the header comment). */
  packet(i: number): Packet {
    const hit = this.packets.get(i);
    if (hit) return hit;
    const p = this.dissectAt(i);
    this.packets.set(i, p);
    return p;
  }

  /** Stops the background pass and releases the file. */
  close(): void {
    this.stopped = true;
    this.reader.close();
    this.store.close();
    this.packets.clear();
  }

  private dissectAt(i: number): Packet {
    // Order independence: the engine is used only once it has learned the whole file (never in 'learn'
    // mode, where dissecting would teach it out of order); a stream's 'both' engine is read in 'decrypt'
    // mode here, so showing a row never counts or learns it a second time.
    const e = this.engineRef;
    const hooks = e && e.mode !== 'learn' ? e : undefined;
    const both = e?.mode === 'both';
    if (both) e!.setMode('decrypt');
    try {
      const d = new PacketDissector({ prefs: this.prefs, reassemble: this.reassemble, ...(hooks ? { decrypt: hooks } : {}) });
      if (this.flags[i]! & FLAG_REASSEMBLES) {
        for (const no of this.fragments.get(i) ?? []) if (no - 1 !== i) d.dissect(this.frame(no - 1));
      }
      const p = d.dissect(this.frame(i));
      const t = this.time(i);
      return retime(p, t - this.time(0), i === 0 ? 0 : t - this.time(i - 1));
    } finally {
      if (both) e!.setMode('both');
    }
  }

  private grow(): void {
    const cap = Math.max(1024, this.cap * 2);
    this.resize(cap);
  }

  private resize(cap: number): void {
    const copy = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a.subarray(0, Math.min(this.n, cap)));
      return b;
    };
    this.locator = copy(this.locator, (k) => new Float64Array(k));
    this.tsSec = copy(this.tsSec, (k) => new Float64Array(k));
    this.tsNsec = copy(this.tsNsec, (k) => new Uint32Array(k));
    this.caplen = copy(this.caplen, (k) => new Uint32Array(k));
    this.origLen = copy(this.origLen, (k) => new Uint32Array(k));
    this.linkType = copy(this.linkType, (k) => new Uint16Array(k));
    this.ifaceId = copy(this.ifaceId, (k) => new Uint32Array(k));
    this.flags = copy(this.flags, (k) => new Uint8Array(k));
    this.cap = cap;
  }

  private add(f: Frame): void {
    if (this.n === this.cap) this.grow();
    const i = this.n;
    this.locator[i] = this.store.add(f);
    this.tsSec[i] = f.tsSec;
    this.tsNsec[i] = f.tsNsec;
    this.caplen[i] = f.caplen;
    this.origLen[i] = f.origLen;
    this.linkType[i] = f.linkType;
    this.ifaceId[i] = f.interfaceId;
    if (f.comment !== undefined) {
      this.flags[i] = FLAG_COMMENT;
      this.comments.set(i, f.comment);
    }
    this.n++;
    this.bytesSeen = f.fileOffset + f.caplen;
  }

  private async load(): Promise<void> {
    // The sequential pass only exists to learn which frames complete a reassembly.
    // The sequential pass learns which frames complete a reassembly and, with keys, is the engine's learn pass.
    const hooks = this.engineRef || this.stream ? this.loadHooks : undefined;
    const seq = this.reassemble || hooks ? new PacketDissector({ prefs: this.prefs, reassemble: this.reassemble, ...(hooks ? { decrypt: hooks } : {}) }) : undefined;
    try {
      while (!this.stopped) {
        const batch = await this.reader.next();
        if (!batch || this.stopped) break;
        for (const f of batch) {
          const i = this.n;
          this.add(f);
          if (seq) {
            const p = seq.dissect(f);
            if (p.sources.length > 1 && this.reassemble) this.noteReassembly(i, p);
          }
        }
        this.emit();
        // Let key presses and renders in between batches: the list is usable while loading.
        await new Promise<void>((res) => setImmediate(res));
      }
    } catch (e) {
      this.loadError = e instanceof CaptureError ? e.message : e instanceof Error ? e.message : String(e);
    } finally {
      this.loadDone = true;
      if (!this.stopped) this.resize(this.n);
      // Learned everything: from now on rows are shown decrypted (re-dissected with the engine).
      if (this.engineRef?.mode === 'learn' && !this.stopped) {
        this.engineRef.setMode('decrypt');
        this.invalidate();
      } else this.emit();
    }
  }

  private noteReassembly(i: number, p: Packet): void {
    const frames = new Set<number>();
    for (const l of p.layers) {
      // IP fragments and IKEv1 (Cisco) fragments: both records list the frames they were built from.
      if (!REASSEMBLY_LAYERS.has(l.spec.id)) continue;
      for (const fr of (l.record as FragmentsRecord).fragments) frames.add(fr.frame);
    }
    if (!frames.size) return;
    this.flags[i] = this.flags[i]! | FLAG_REASSEMBLES;
    this.fragments.set(i, Uint32Array.from([...frames].sort((a, b) => a - b)));
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

/**
 * The packet with the frame layer's relative and delta times set from the
 * index: a fresh dissector only knows the frames it was given.
 */
function retime(p: Packet, relative: number, delta: number): Packet {
  const l0 = p.layers[0]!;
  const layers: Layer[] = [];
  const rec: FrameRecord = { ...(l0.record as FrameRecord), timeRelative: relative, timeDelta: delta, layers };
  layers.push({ ...l0, record: rec }, ...p.layers.slice(1));
  const summary = p.summary;
  return { frame: p.frame, sources: p.sources, layers, summary };
}
