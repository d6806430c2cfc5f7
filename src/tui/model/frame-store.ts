/**
 * Where the TUI gets a frame's bytes back from when it is shown.
 *
 * The index keeps no packet bytes for a plain capture file: each frame is
 * re-read from the file by its offset (`fs.readSync`), so a multi-GB capture
 * costs only its compact index in memory. A gzip file or stdin cannot seek,
 * so for those the bytes are copied into large append-only slabs as they are
 * read: memory then grows with the (decompressed) capture size, which is the
 * price of being able to scroll back through a stream.
 */
import * as fs from 'node:fs';
import type { Frame } from '../../capture/types.js';

export interface FrameStore {
  /** True when bytes are re-read from the file (memory stays at the index size). */
  readonly seekable: boolean;
  /** Called for every frame in file order; returns the number the index stores to find it again. */
  add(frame: Frame): number;
  /** The captured bytes of a frame, from what `add` returned and its caplen. */
  read(locator: number, caplen: number): Uint8Array;
  /** Bytes held in memory by the store itself (slabs or the read window). */
  readonly retainedBytes: number;
  close(): void;
}

const PCAP_RECORD_HEADER = 16;
/** pcapng EPB and OPB: block type, length, interface, timestamp ×2, caplen, origLen. */
const PCAPNG_PACKET_HEADER = 28;
/** pcapng SPB: block type, length, origLen. */
const PCAPNG_SIMPLE_HEADER = 12;
const BT_SPB = 3;

/** Bytes read at once around a requested frame: neighbours in the packet list come from the same read. */
const READ_WINDOW = 256 * 1024;

/** Re-reads frames from a seekable file. The locator is the record's byte offset in the file. */
export class FileFrameStore implements FrameStore {
  readonly seekable = true;
  private readonly fd: number;
  private win = new Uint8Array(0);
  private winStart = -1;

  constructor(
    path: string,
    private readonly format: 'pcap' | 'pcap-ns' | 'pcapng',
  ) {
    this.fd = fs.openSync(path, 'r');
  }

  add(frame: Frame): number {
    return frame.fileOffset;
  }

  get retainedBytes(): number {
    return this.win.byteLength;
  }

  read(locator: number, caplen: number): Uint8Array {
    // The record header is read with the data: for pcapng the block type tells EPB/OPB from SPB,
    // whose data start differs, and a Frame does not record which one it came from.
    const header = this.format === 'pcapng' ? PCAPNG_PACKET_HEADER : PCAP_RECORD_HEADER;
    const rec = this.bytesAt(locator, header + caplen);
    let start = header;
    if (this.format === 'pcapng' && rec.length >= 4) {
      // Block type 3 in either byte order (the section's byte order is not kept per frame).
      const be = ((rec[0]! << 24) | (rec[1]! << 16) | (rec[2]! << 8) | rec[3]!) >>> 0;
      const le = ((rec[3]! << 24) | (rec[2]! << 16) | (rec[1]! << 8) | rec[0]!) >>> 0;
      if (be === BT_SPB || le === BT_SPB) start = PCAPNG_SIMPLE_HEADER;
    }
    // A copy: the read window is replaced on the next miss and must not be pinned by cached packets.
    return rec.slice(start, start + caplen);
  }

  private bytesAt(pos: number, len: number): Uint8Array {
    if (this.winStart >= 0 && pos >= this.winStart && pos + len <= this.winStart + this.win.length) {
      return this.win.subarray(pos - this.winStart, pos - this.winStart + len);
    }
    const size = Math.max(READ_WINDOW, len);
    const buf = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const n = fs.readSync(this.fd, buf, got, size - got, pos + got);
      if (n === 0) break;
      got += n;
    }
    this.win = buf.subarray(0, got);
    this.winStart = pos;
    return this.win.subarray(0, Math.min(len, got));
  }

  close(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // Already closed: close() is idempotent.
    }
  }
}

const SLAB = 4 * 1024 * 1024;
/** Locators pack (slab, offset) into one float: exact while slab × 2^32 stays below 2^53. */
const SLAB_SHIFT = 2 ** 32;

/** Keeps the bytes of a stream that cannot be re-read (gzip, stdin, FIFO) in append-only slabs. */
export class MemoryFrameStore implements FrameStore {
  readonly seekable = false;
  private readonly slabs: Uint8Array[] = [];
  private used = 0;
  private held = 0;

  add(frame: Frame): number {
    const n = frame.data.length;
    let slab = this.slabs[this.slabs.length - 1];
    if (!slab || this.used + n > slab.length) {
      // A frame never straddles two slabs, so read() can hand out a view without copying.
      slab = new Uint8Array(Math.max(SLAB, n));
      this.slabs.push(slab);
      this.held += slab.length;
      this.used = 0;
    }
    slab.set(frame.data, this.used);
    const locator = (this.slabs.length - 1) * SLAB_SHIFT + this.used;
    this.used += n;
    return locator;
  }

  get retainedBytes(): number {
    return this.held;
  }

  read(locator: number, caplen: number): Uint8Array {
    const slab = this.slabs[Math.floor(locator / SLAB_SHIFT)];
    const off = locator % SLAB_SHIFT;
    return slab ? slab.subarray(off, off + caplen) : new Uint8Array(0);
  }

  close(): void {
    // Nothing to release early: the slabs go with the index.
  }
}
