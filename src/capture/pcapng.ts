/**
 * pcapng, written by hand (draft-ietf-opsawg-pcapng): SHB in either byte order with any
 * number of sections, IDB (if_name, if_description, if_tsresol, if_tsoffset), EPB, SPB,
 * OPB; every other block type is skipped by its length.
 */
import { CaptureError, type CaptureInterface, type Frame } from './types.js';
import type { RecordParser } from './open.js';

export const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const OPT_ENDOFOPT = 0;
const OPT_COMMENT = 1;
const IF_NAME = 2;
const IF_DESCRIPTION = 3;
const IF_TSRESOL = 9;
const IF_TSOFFSET = 14;

/**
 * Upper bound on a block's total length. Wireshark uses 16 MiB too; beyond it the length
 * field is garbage and honouring it would make us allocate (and wait for) gigabytes.
 */
export const MAX_BLOCK_LEN = 16 * 1024 * 1024;

/** Per-interface timestamp conversion, precomputed when the IDB is read. */
interface IfaceState {
  readonly info: CaptureInterface;
  readonly linkType: number;
  /** 0 = no limit. */
  readonly snapLen: number;
  readonly units: number;
  /**
   * ns per unit when `units` divides 1e9 (10^0..10^9, 2^0..2^9): the exact double
   * path. 0 means "use BigInt" (ps resolution, 2^-20, ...): rare, so its cost is fine.
   */
  readonly nsPerUnit: number;
  readonly unitsBig: bigint;
  /** if_tsoffset, seconds. */
  readonly tsOffset: number;
}

const utf8 = new TextDecoder('utf-8');

export class PcapngParser implements RecordParser {
  need = 12;
  private le = true;
  private section = -1;
  private ifaces: IfaceState[] = [];
  // Timestamp conversion outputs (avoids allocating a tuple per packet).
  private tsSec = 0;
  private tsNsec = 0;
  private comment: string | undefined = undefined;

  constructor(
    private readonly file: string,
    /** Grows as IDBs appear; shared with the reader object. */
    private readonly interfaces: CaptureInterface[],
    private nextNumber = 1,
  ) {}

  get frameCount(): number {
    return this.nextNumber - 1;
  }

  private u32(b: Uint8Array, p: number): number {
    return this.le
      ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0
      : ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  private u16(b: Uint8Array, p: number): number {
    return this.le ? b[p]! | (b[p + 1]! << 8) : (b[p]! << 8) | b[p + 1]!;
  }

  private corrupt(off: number, why: string): CaptureError {
    return new CaptureError(this.file, off, 'corrupt', why);
  }

  parse(b: Uint8Array, pos: number, base: number, out: Frame[]): number {
    const end = b.length;
    for (;;) {
      if (end - pos < 12) {
        this.need = 12;
        return pos;
      }
      const off = base + pos;
      // The SHB type is a palindrome, so it reads the same before we know the byte order.
      const type0 = ((b[pos]! << 24) | (b[pos + 1]! << 16) | (b[pos + 2]! << 8) | b[pos + 3]!) >>> 0;
      if (type0 === BT_SHB) {
        const bom = ((b[pos + 8]! << 24) | (b[pos + 9]! << 16) | (b[pos + 10]! << 8) | b[pos + 11]!) >>> 0;
        if (bom === BYTE_ORDER_MAGIC) this.le = false;
        else if (bom === 0x4d3c2b1a) this.le = true;
        else throw this.corrupt(off, `section header has a bad byte-order magic 0x${bom.toString(16).padStart(8, '0')}`);
      } else if (this.section < 0) {
        throw this.corrupt(off, 'pcapng file does not start with a section header block');
      }
      const type = type0 === BT_SHB ? BT_SHB : this.u32(b, pos);
      const len = this.u32(b, pos + 4);
      if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_LEN) {
        throw this.corrupt(off, `block type 0x${type.toString(16)} has an invalid total length ${len}`);
      }
      if (end - pos < len) {
        this.need = len;
        return pos;
      }
      const trailer = this.u32(b, pos + len - 4);
      if (trailer !== len) {
        throw this.corrupt(off, `block type 0x${type.toString(16)}: trailing length ${trailer} does not match ${len}`);
      }
      switch (type) {
        case BT_EPB:
        case BT_OPB:
          out.push(this.packet(b, pos, len, off, type === BT_OPB));
          break;
        case BT_SPB:
          out.push(this.simplePacket(b, pos, len, off));
          break;
        case BT_IDB:
          this.interfaceBlock(b, pos, len, off);
          break;
        case BT_SHB:
          this.sectionHeader(b, pos, len, off);
          break;
        default:
          // NRB, ISB, DSB, custom blocks...: nothing a packet view needs.
          break;
      }
      pos += len;
    }
  }

  private sectionHeader(b: Uint8Array, pos: number, len: number, off: number): void {
    if (len < 28) throw this.corrupt(off, `section header block too short (${len} bytes)`);
    const major = this.u16(b, pos + 12);
    const minor = this.u16(b, pos + 14);
    if (major !== 1) {
      throw new CaptureError(this.file, off, 'unsupported', `pcapng section version ${major}.${minor} (only 1.x is defined)`);
    }
    this.section++;
    // Interface ids are per section.
    this.ifaces = [];
  }

  private interfaceBlock(b: Uint8Array, pos: number, len: number, off: number): void {
    if (len < 20) throw this.corrupt(off, `interface description block too short (${len} bytes)`);
    const linkType = this.u16(b, pos + 8);
    const snapLen = this.u32(b, pos + 12);
    let name: string | undefined;
    let description: string | undefined;
    let tsresol = 6;
    let tsOffset = 0;
    const optEnd = pos + len - 4;
    let p = pos + 16;
    while (optEnd - p >= 4) {
      const code = this.u16(b, p);
      const olen = this.u16(b, p + 2);
      const v = p + 4;
      if (code === OPT_ENDOFOPT) break;
      if (optEnd - v < olen) throw this.corrupt(off, `interface option ${code} runs past the end of its block`);
      if (code === IF_NAME) name = utf8.decode(b.subarray(v, v + olen));
      else if (code === IF_DESCRIPTION) description = utf8.decode(b.subarray(v, v + olen));
      else if (code === IF_TSRESOL && olen >= 1) tsresol = b[v]!;
      else if (code === IF_TSOFFSET && olen >= 8) {
        // Signed 64-bit seconds; doubles are exact far beyond any plausible offset.
        const hi = this.le ? this.u32(b, v + 4) | 0 : this.u32(b, v) | 0;
        const lo = this.le ? this.u32(b, v) : this.u32(b, v + 4);
        tsOffset = hi * 4294967296 + lo;
      }
      p = v + ((olen + 3) & ~3);
    }
    const base2 = (tsresol & 0x80) !== 0;
    const exp = tsresol & 0x7f;
    // Beyond 10^-19 / 2^-63 a 64-bit timestamp can't even span one second: garbage.
    if ((base2 && exp > 63) || (!base2 && exp > 19)) {
      throw this.corrupt(off, `interface if_tsresol 0x${tsresol.toString(16)} is out of range`);
    }
    const unitsBig = base2 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
    const units = Number(unitsBig);
    const nsPerUnit = 1_000_000_000n % unitsBig === 0n ? Number(1_000_000_000n / unitsBig) : 0;
    const info: CaptureInterface = {
      linkType,
      snapLen,
      tsUnitsPerSec: units,
      section: this.section,
      ...(name !== undefined ? { name } : {}),
      ...(description !== undefined ? { description } : {}),
      ...(tsOffset !== 0 ? { tsOffset } : {}),
    };
    this.interfaces.push(info);
    this.ifaces.push({ info, linkType, snapLen, units, nsPerUnit, unitsBig, tsOffset });
  }

  private iface(id: number, off: number): IfaceState {
    const s = this.ifaces[id];
    if (!s) throw this.corrupt(off, `packet refers to interface ${id}, but section ${this.section} has ${this.ifaces.length}`);
    return s;
  }

  /** 64-bit timestamp (hi:lo, in the interface's units) → this.tsSec / this.tsNsec. */
  private timestamp(s: IfaceState, hi: number, lo: number): void {
    if (s.nsPerUnit !== 0) {
      // Exact long division of hi·2^32 + lo by units (≤ 1e9 < 2^30) in 16-bit steps,
      // so every intermediate stays below 2^53.
      const u = s.units;
      const q1 = Math.floor(hi / u);
      const r1 = hi - q1 * u;
      const a = r1 * 65536 + (lo >>> 16);
      const q2 = Math.floor(a / u);
      const r2 = a - q2 * u;
      const c = r2 * 65536 + (lo & 0xffff);
      const q3 = Math.floor(c / u);
      const r3 = c - q3 * u;
      this.tsSec = q1 * 4294967296 + q2 * 65536 + q3 + s.tsOffset;
      this.tsNsec = r3 * s.nsPerUnit;
    } else {
      const ts = (BigInt(hi) << 32n) | BigInt(lo);
      const rem = ts % s.unitsBig;
      this.tsSec = Number(ts / s.unitsBig) + s.tsOffset;
      this.tsNsec = Number((rem * 1_000_000_000n) / s.unitsBig);
    }
  }

  /** Options after the packet data: we only want opt_comment (several are joined by newlines). */
  private readComment(b: Uint8Array, p: number, optEnd: number, off: number): void {
    let comment: string | undefined;
    while (optEnd - p >= 4) {
      const code = this.u16(b, p);
      const olen = this.u16(b, p + 2);
      const v = p + 4;
      if (code === OPT_ENDOFOPT) break;
      if (optEnd - v < olen) throw this.corrupt(off, `packet option ${code} runs past the end of its block`);
      if (code === OPT_COMMENT) {
        const t = utf8.decode(b.subarray(v, v + olen));
        comment = comment === undefined ? t : `${comment}\n${t}`;
      }
      p = v + ((olen + 3) & ~3);
    }
    this.comment = comment;
  }

  /** EPB (type 6) and the obsolete OPB (type 2): same layout except a 16-bit interface id + drops count. */
  private packet(b: Uint8Array, pos: number, len: number, off: number, obsolete: boolean): Frame {
    if (len < 32) throw this.corrupt(off, `${obsolete ? 'packet' : 'enhanced packet'} block too short (${len} bytes)`);
    const id = obsolete ? this.u16(b, pos + 8) : this.u32(b, pos + 8);
    const s = this.iface(id, off);
    const hi = this.u32(b, pos + 12);
    const lo = this.u32(b, pos + 16);
    const caplen = this.u32(b, pos + 20);
    const origLen = this.u32(b, pos + 24);
    const dataStart = pos + 28;
    const optStart = dataStart + ((caplen + 3) & ~3);
    if (caplen > len - 32 || optStart > pos + len - 4) {
      throw this.corrupt(off, `packet length ${caplen} does not fit in its ${len}-byte block`);
    }
    this.timestamp(s, hi, lo);
    if (optStart < pos + len - 4) this.readComment(b, optStart, pos + len - 4, off);
    else this.comment = undefined;
    return {
      number: this.nextNumber++,
      tsSec: this.tsSec,
      tsNsec: this.tsNsec,
      linkType: s.linkType,
      caplen,
      origLen,
      data: b.subarray(dataStart, dataStart + caplen),
      interfaceId: id,
      fileOffset: off,
      comment: this.comment,
    };
  }

  /** SPB: no timestamp, no interface id (always the section's first interface), no options. */
  private simplePacket(b: Uint8Array, pos: number, len: number, off: number): Frame {
    if (len < 16) throw this.corrupt(off, `simple packet block too short (${len} bytes)`);
    const s = this.iface(0, off);
    const origLen = this.u32(b, pos + 8);
    // The captured length isn't stored: it is the original length cut to the snaplen,
    // and can't exceed the block's room (which includes padding, hence the min with origLen).
    let caplen = Math.min(origLen, len - 16);
    if (s.snapLen !== 0 && caplen > s.snapLen) caplen = s.snapLen;
    return {
      number: this.nextNumber++,
      tsSec: 0,
      tsNsec: 0,
      linkType: s.linkType,
      caplen,
      origLen,
      data: b.subarray(pos + 12, pos + 12 + caplen),
      interfaceId: 0,
      fileOffset: off,
      comment: undefined,
    };
  }
}
