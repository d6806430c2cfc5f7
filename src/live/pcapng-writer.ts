/**
 * A minimal pcapng writer (SHB, one IDB per interface, EPBs), little-endian.
 * Blocks are built in memory and handed to the file with one writeSync per
 * flush, so whatever has been flushed is a complete, readable file: a capture
 * stopped by Ctrl-C (or killed) never leaves a half-written block behind
 * except the one being written at that instant.
 */
import { concatAll, concatBytes } from '../core/bytes.js';
import * as fs from 'node:fs';

export interface WriterInterface {
  linkType: number;
  name?: string;
  description?: string;
  snapLen?: number;
  /** Timestamp resolution as a power of ten: 6 (µs) or 9 (ns, default). */
  tsResol?: 6 | 9;
}

export interface WriterPacket {
  interfaceId?: number;
  tsSec: number;
  tsNsec: number;
  data: Uint8Array;
  /** Length on the wire (defaults to data.length). */
  origLen?: number;
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_EPB = 0x00000006;

const pad4 = (n: number): number => (n + 3) & ~3;

/** One option (code, length, value padded to 32 bits). */
function option(code: number, value: Uint8Array): Uint8Array {
  const b = new Uint8Array(4 + pad4(value.length));
  const v = new DataView(b.buffer);
  v.setUint16(0, code, true);
  v.setUint16(2, value.length, true);
  b.set(value, 4);
  return b;
}

function block(type: number, body: Uint8Array): Uint8Array {
  const len = 12 + body.length;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  b.set(body, 8);
  v.setUint32(len - 4, len, true);
  return b;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const END_OF_OPT = new Uint8Array(4);

export function sectionHeaderBlock(application = 'espy'): Uint8Array {
  const fixed = new Uint8Array(16);
  const v = new DataView(fixed.buffer);
  v.setUint32(0, 0x1a2b3c4d, true);
  v.setUint16(4, 1, true);
  v.setUint16(6, 0, true);
  // Section length unknown (-1): the file is written as a stream.
  v.setUint32(8, 0xffffffff, true);
  v.setUint32(12, 0xffffffff, true);
  return block(BT_SHB, concatBytes(fixed, option(4, utf8(application)), END_OF_OPT));
}

export function interfaceDescriptionBlock(i: WriterInterface): Uint8Array {
  const fixed = new Uint8Array(8);
  const v = new DataView(fixed.buffer);
  v.setUint16(0, i.linkType, true);
  v.setUint32(4, i.snapLen ?? 262144, true);
  const opts: Uint8Array[] = [fixed];
  if (i.name !== undefined) opts.push(option(2, utf8(i.name)));
  if (i.description !== undefined) opts.push(option(3, utf8(i.description)));
  opts.push(option(9, Uint8Array.of(i.tsResol ?? 9)));
  opts.push(END_OF_OPT);
  return block(BT_IDB, concatAll(opts));
}

export function enhancedPacketBlock(p: WriterPacket, tsResol: 6 | 9): Uint8Array {
  const caplen = p.data.length;
  const len = 32 + pad4(caplen);
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  const ts = tsResol === 9 ? BigInt(p.tsSec) * 1_000_000_000n + BigInt(p.tsNsec) : BigInt(p.tsSec) * 1_000_000n + BigInt(Math.floor(p.tsNsec / 1000));
  v.setUint32(0, BT_EPB, true);
  v.setUint32(4, len, true);
  v.setUint32(8, p.interfaceId ?? 0, true);
  v.setUint32(12, Number(ts >> 32n), true);
  v.setUint32(16, Number(ts & 0xffffffffn), true);
  v.setUint32(20, caplen, true);
  v.setUint32(24, p.origLen ?? caplen, true);
  b.set(p.data, 28);
  v.setUint32(len - 4, len, true);
  return b;
}

export class PcapngWriter {
  private pending: Uint8Array[] = [];
  private readonly resol: (6 | 9)[];
  private closed = false;
  /** Packets handed to write(). */
  written = 0;

  private constructor(
    private readonly fd: number,
    interfaces: readonly WriterInterface[],
  ) {
    this.resol = interfaces.map((i) => i.tsResol ?? 9);
    this.pending.push(sectionHeaderBlock(), ...interfaces.map(interfaceDescriptionBlock));
    this.flush();
  }

  /** Creates (truncates) `path`; `-` writes to stdout. Throws the fs error as is. */
  static create(path: string, interfaces: readonly WriterInterface[]): PcapngWriter {
    const fd = path === '-' ? 1 : fs.openSync(path, 'w');
    return new PcapngWriter(fd, interfaces);
  }

  write(p: WriterPacket): void {
    this.pending.push(enhancedPacketBlock(p, this.resol[p.interfaceId ?? 0] ?? 9));
    this.written++;
  }

  /** Writes everything buffered so far in one system call. */
  flush(): void {
    if (!this.pending.length || this.closed) return;
    const buf = this.pending.length === 1 ? this.pending[0]! : concatAll(this.pending);
    this.pending = [];
    let off = 0;
    while (off < buf.length) off += fs.writeSync(this.fd, buf, off, buf.length - off);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.fd !== 1) fs.closeSync(this.fd);
  }
}
