/**
 * openCapture: format detection by magic and the batch reader shared by the pcap and
 * pcapng record parsers (plus the optional pcap-parser backend).
 */
import * as fs from 'node:fs';
import { CaptureError, type CaptureFormat, type CaptureInterface, type Frame } from './types.js';
import { displayName, openSource, type ByteSource } from './source.js';
import { PCAP_HEADER_LEN, PcapParser, PcapParserEngine, parsePcapHeader, pcapInterface, pcapMagic } from './pcap.js';
import { BT_SHB, PcapngParser } from './pcapng.js';

export interface OpenOptions {
  /** Target bytes per read (default 1 MiB, see DEFAULT_CHUNK_SIZE). Small values are for tests: records then straddle chunks. */
  chunkSize?: number;
  /**
   * 'espy' (default): our readSync walker. 'pcap-parser': the npm package, for classic
   * µs pcap only (benchmarks and cross-checks); other formats → CaptureError 'unsupported'.
   */
  pcapBackend?: 'espy' | 'pcap-parser';
}

export interface CaptureReader extends AsyncIterable<Frame[]> {
  readonly format: CaptureFormat;
  /** The input was gzip-compressed. */
  readonly gzip: boolean;
  /** Display name: the path, or `stdin` for `-`. */
  readonly file: string;
  /** Interfaces seen so far (pcapng: grows as IDBs appear, across all sections). */
  readonly interfaces: readonly CaptureInterface[];
  /**
   * Next batch of frames (all complete records of one chunk), null at clean EOF.
   * Throws CaptureError once every frame before the fault has been returned; further
   * calls throw the same error.
   */
  next(): Promise<Frame[] | null>;
  /** Releases the input early. Idempotent; iteration with `for await` closes by itself. */
  close(): void;
}

/** Format-specific record walker driven by ChunkEngine. */
export interface RecordParser {
  /** Bytes needed at the position parse() stopped at before it can make progress. */
  need: number;
  /** Frames produced so far. */
  readonly frameCount: number;
  /**
   * Parses complete records from b[pos..], pushing Frames into `out`; returns the
   * position after the last complete record. `base` is b[0]'s offset in the input.
   * On bad bytes throws CaptureError — frames already pushed into `out` stay valid.
   */
  parse(b: Uint8Array, pos: number, base: number, out: Frame[]): number;
}

export interface BatchEngine {
  next(): Promise<Frame[] | null>;
  close(): void;
}

/** Drives a RecordParser over a ByteSource, carrying partial records across chunks. */
class ChunkEngine implements BatchEngine {
  private carry: Uint8Array = new Uint8Array(0);
  private carryOffset = 0;
  private error: CaptureError | null = null;
  private done = false;
  private first: Uint8Array | null;

  constructor(
    private readonly file: string,
    private readonly source: ByteSource,
    private readonly parser: RecordParser,
    /** Already-read first chunk; parsing starts at firstPos (after a pcap global header). */
    first: Uint8Array,
    private readonly firstPos: number,
  ) {
    this.first = first;
  }

  private fail(e: unknown): CaptureError {
    const err =
      e instanceof CaptureError
        ? e
        : new CaptureError(this.file, this.carryOffset, 'io', e instanceof Error ? e.message : String(e));
    this.error = err;
    this.source.close();
    return err;
  }

  async next(): Promise<Frame[] | null> {
    for (;;) {
      if (this.error) throw this.error;
      if (this.done) return null;
      let buf: Uint8Array | null;
      let pos = 0;
      const base = this.carryOffset;
      if (this.first) {
        buf = this.first;
        pos = this.firstPos;
        this.first = null;
      } else {
        try {
          buf = await this.source.fill(this.carry, this.parser.need);
        } catch (e) {
          // The source only knows how many bytes it produced; what the user needs is the
          // first byte not yet delivered as a frame: the record we were assembling.
          if (e instanceof CaptureError) {
            throw this.fail(new CaptureError(this.file, this.carryOffset, e.kind, e.detail));
          }
          throw this.fail(e);
        }
        if (buf === null) {
          if (this.carry.length > 0) {
            throw this.fail(
              new CaptureError(
                this.file,
                this.carryOffset,
                'truncated',
                `the input ends ${this.carry.length} bytes into a record that needs ${this.parser.need}`,
              ),
            );
          }
          this.done = true;
          this.source.close();
          return null;
        }
      }
      const out: Frame[] = [];
      let np: number;
      try {
        np = this.parser.parse(buf, pos, base, out);
      } catch (e) {
        const err = this.fail(e);
        // Deliver the good frames of this chunk first; the error comes with the next call.
        if (out.length > 0) return out;
        throw err;
      }
      this.carry = buf.subarray(np);
      this.carryOffset = base + np;
      if (out.length > 0) return out;
    }
  }

  close(): void {
    if (!this.done && !this.error) this.done = true;
    this.first = null;
    this.source.close();
  }
}

class Reader implements CaptureReader {
  private prefetched: Frame[] | null | undefined = undefined;
  private closed = false;

  constructor(
    readonly format: CaptureFormat,
    readonly gzip: boolean,
    readonly file: string,
    readonly interfaces: CaptureInterface[],
    private readonly engine: BatchEngine,
  ) {}

  /** Reads the first batch up front so that `interfaces` is filled in when open resolves. */
  async prime(): Promise<void> {
    try {
      this.prefetched = await this.engine.next();
    } catch {
      // Sticky in the engine: the first next() rethrows it, after open() has succeeded.
    }
  }

  async next(): Promise<Frame[] | null> {
    if (this.prefetched !== undefined) {
      const p = this.prefetched;
      this.prefetched = undefined;
      return p;
    }
    if (this.closed) return null;
    return this.engine.next();
  }

  close(): void {
    this.closed = true;
    this.prefetched = undefined;
    this.engine.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Frame[]> {
    try {
      for (;;) {
        const b = await this.next();
        if (b === null) return;
        yield b;
      }
    } finally {
      this.close();
    }
  }
}

function isRegularFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function hex4(b: Uint8Array): string {
  return Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Opens a pcap / pcap-ns / pcapng capture (plain or gzip; `-` = stdin).
 * Rejects with CaptureError: 'io' (cannot open/read), 'unsupported' (unknown magic,
 * naming the 4 bytes seen; unknown version), 'truncated' (input shorter than the file header).
 */
export async function openCapture(path: string, opts: OpenOptions = {}): Promise<CaptureReader> {
  const file = displayName(path);
  const source = await openSource(path, opts.chunkSize !== undefined ? { chunkSize: opts.chunkSize } : {});
  let ok = false;
  try {
    const first = await source.fill(new Uint8Array(0), PCAP_HEADER_LEN);
    if (first === null || first.length < 4) {
      throw new CaptureError(file, 0, 'truncated', first === null ? 'the input is empty' : 'the input is too short to hold a capture header');
    }
    const interfaces: CaptureInterface[] = [];
    let reader: Reader;
    const pm = pcapMagic(first);
    if (pm) {
      if (first.length < PCAP_HEADER_LEN) {
        throw new CaptureError(file, 0, 'truncated', `the input ends inside the ${PCAP_HEADER_LEN}-byte pcap file header`);
      }
      const header = parsePcapHeader(file, first);
      interfaces.push(pcapInterface(header));
      const format: CaptureFormat = header.nano ? 'pcap-ns' : 'pcap';
      let engine: BatchEngine;
      if (opts.pcapBackend === 'pcap-parser') {
        if (header.nano) {
          throw new CaptureError(file, 0, 'unsupported', 'the pcap-parser backend cannot read nanosecond pcap (magic a1b23c4d)');
        }
        // A plain regular file is handed to pcap-parser by path (its own fs stream, which
        // is what a benchmark of it should measure); a pipe can't be reopened, so stdin,
        // FIFOs and gzip re-stream the bytes we already hold.
        const input =
          path !== '-' && !source.gzip && isRegularFile(path)
            ? { path, chunkSize: opts.chunkSize ?? 64 * 1024 }
            : { source, head: first };
        if ('path' in input) source.close();
        engine = new PcapParserEngine(file, header, input);
      } else {
        engine = new ChunkEngine(file, source, new PcapParser(file, header), first, PCAP_HEADER_LEN);
      }
      reader = new Reader(format, source.gzip, file, interfaces, engine);
    } else if (((first[0]! << 24) | (first[1]! << 16) | (first[2]! << 8) | first[3]!) >>> 0 === BT_SHB) {
      if (opts.pcapBackend === 'pcap-parser') {
        throw new CaptureError(file, 0, 'unsupported', 'the pcap-parser backend cannot read pcapng');
      }
      reader = new Reader('pcapng', source.gzip, file, interfaces, new ChunkEngine(file, source, new PcapngParser(file, interfaces), first, 0));
    } else {
      throw new CaptureError(file, 0, 'unsupported', `unknown file magic ${hex4(first)} (expected pcap or pcapng${source.gzip ? ' inside the gzip data' : ''})`);
    }
    await reader.prime();
    ok = true;
    return reader;
  } finally {
    if (!ok) source.close();
  }
}
