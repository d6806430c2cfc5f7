/**
 * A bounded big-endian reader over one data source.
 *
 * Offsets are absolute in the underlying buffer (the frame or a reassembled /
 * decrypted buffer), so every field a dissector records can be highlighted in
 * the hex pane without translation. A reader never reads past `end`: a
 * sub-reader made with `sub(n)` is confined to the n bytes a length field
 * declared, which is what keeps one bad payload from corrupting its siblings.
 *
 * Reading past the end throws `Truncated`. That exception never leaves a
 * dissector: `dissectSafely` (src/dissect/layer.ts) turns it into a
 * malformed note on the partial record.
 */

export class Truncated extends Error {
  constructor(
    /** Absolute offset where the read started. */
    readonly at: number,
    /** Bytes wanted. */
    readonly need: number,
    /** Bytes that were left. */
    readonly have: number,
    /** What was being read (field id or description). */
    readonly what: string,
  ) {
    super(`${what}: needs ${need} byte${need === 1 ? '' : 's'} at offset ${at}, only ${have} left`);
    this.name = 'Truncated';
  }
}

export class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end: number = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  has(n: number): boolean {
    return this.end - this.pos >= n;
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (n < 0 || this.end - p < n) throw new Truncated(p, n, Math.max(0, this.end - p), what);
    this.pos = p + n;
    return p;
  }

  u8(what = 'uint8'): number {
    return this.buf[this.need(1, what)]!;
  }

  u16(what = 'uint16'): number {
    const p = this.need(2, what);
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  u24(what = 'uint24'): number {
    const p = this.need(3, what);
    return (this.buf[p]! << 16) | (this.buf[p + 1]! << 8) | this.buf[p + 2]!;
  }

  u32(what = 'uint32'): number {
    const p = this.need(4, what);
    return ((this.buf[p]! << 24) >>> 0) + ((this.buf[p + 1]! << 16) | (this.buf[p + 2]! << 8) | this.buf[p + 3]!);
  }

  u64(what = 'uint64'): bigint {
    const hi = BigInt(this.u32(what));
    const lo = BigInt(this.u32(what));
    return (hi << 32n) | lo;
  }

  u16le(what = 'uint16'): number {
    const p = this.need(2, what);
    return this.buf[p]! | (this.buf[p + 1]! << 8);
  }

  u32le(what = 'uint32'): number {
    const p = this.need(4, what);
    return (this.buf[p]! | (this.buf[p + 1]! << 8) | (this.buf[p + 2]! << 16)) + ((this.buf[p + 3]! << 24) >>> 0);
  }

  /** A view (no copy) of the next n bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    const p = this.need(n, what);
    return this.buf.subarray(p, p + n);
  }

  /** Everything left, as a view. */
  rest(): Uint8Array {
    const p = this.pos;
    this.pos = this.end;
    return this.buf.subarray(p, this.end);
  }

  skip(n: number, what = 'bytes'): void {
    this.need(n, what);
  }

  peekU8(ahead = 0): number | undefined {
    const p = this.pos + ahead;
    return p < this.end ? this.buf[p] : undefined;
  }

  /**
   * A reader confined to the next n bytes; this reader moves past them.
   * Throws Truncated when fewer than n bytes are left.
   */
  sub(n: number, what = 'bytes'): Reader {
    const p = this.need(n, what);
    return new Reader(this.buf, p, p + n);
  }

  /** Like sub(), but takes what is there when fewer than n bytes are left (for best-effort payloads). */
  subUpTo(n: number): Reader {
    const p = this.pos;
    const e = Math.min(this.end, p + Math.max(0, n));
    this.pos = e;
    return new Reader(this.buf, p, e);
  }
}

/** Read a big-endian u16 at an absolute offset without bounds checks (caller checked). */
export function be16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function be32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}
