/**
 * The ESP/AH engine: decrypts ESP (RFC 4303) and verifies AH (RFC 4302) with the SAs of the
 * store, keeping per-SA counters, the anti-replay view and the ESN epochs.
 *
 * Per packet, in order: SA lookup by (SPI, source, destination); split IV | ciphertext | ICV by
 * the SA's rows; ICV or AEAD tag checked (constant time) before any plaintext is used; padding,
 * Pad Length and Next Header checked (RFC 4303 §2.4–2.6); only then the inner packet becomes
 * the "Decrypted ESP" source and dissection continues over it.
 *
 * Order independence: ESN high bits (RFC 4303 Appendix A) are inferred in the learn pass, which
 * records per SA the frames where they change; the decrypt pass looks them up by frame. Counters
 * and sequence notes advance only on frames past the last one counted, and notes given to a
 * frame are kept (sparse) so a frame viewed again gets the same notes.
 */
import type { DissectContext, Layer } from '../../dissect/layer.js';
import { decryptNotes, type AhVerified, type DecryptOutcome, type EspDecrypted, type IcvStatus, type SourceRange } from '../../dissect/decrypt-hooks.js';
import type { EspRecord } from '../../dissect/esp.js';
import type { AhRecord } from '../../dissect/ah.js';
import type { Ipv4Record } from '../../dissect/ipv4.js';
import type { Ipv6Record } from '../../dissect/ipv6.js';
import type { ChildEngine, EngineEnv } from '../engine.js';
import { originText, type ChildSa, type ChildSaReport } from '../types.js';
import { concatBytes, formatIPv4, formatIPv6 } from '../../core/bytes.js';
import { note, type Note } from '../../core/notes.js';
import { makeEncr, makeInteg, type Encr, type Integ } from '../cipher/index.js';

const EMPTY = new Uint8Array(0);
const NO_NOTES: readonly Note[] = Object.freeze([]);
const TWO32 = 0x1_0000_0000;
/** Sequence numbers remembered per SA for duplicate detection (the largest common replay window). */
const TRACK = 1024;
/** Replay windows compared against when the SA gives none (RFC 4303 §3.4.3: 32 minimum, 64 default; Linux up to 1024+). */
const WINDOWS = [32, 64, 1024] as const;
/** ESN inference window (RFC 4303 Appendix A2.1 with W = 2^31): a passive observer takes the nearest epoch. */
const ESN_W = 0x8000_0000;

function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

interface EsnState {
  /** Highest 64-bit sequence number seen so far (as a float: exact below 2^53). */
  top?: number;
  /** Learn pass: (frame, high bits) where the inferred high bits change, in frame order. */
  epochs: { frame: number; high: number }[];
  /** Frames whose high bits are the highest so far (the first packet of each new epoch). */
  wraps: Set<number>;
  lastLearnFrame: number;
}

interface SaState {
  readonly sa: ChildSa;
  encr?: Encr;
  integ?: Integ;
  /** Why the SA's keys cannot be used (wrong key length…), once tried. */
  broken?: string;
  /** Shown per packet: algorithm names and key origin, made once. */
  readonly encrName: string;
  readonly integName: string;
  readonly keySource: string;
  readonly esn: EsnState;
  /** ESN inference in the decrypt/both pass when no learn pass ran for the SA. */
  readonly esnLive: EsnState;
  // Anti-replay view (decrypt/both)
  lastFrame: number;
  top?: number;
  readonly seen: Float64Array;
  /** Sequence notes given to frames, for frames viewed again. */
  readonly frameNotes: Map<number, readonly Note[]>;
  /**
   * The anti-replay view computed in the learn pass, in capture order, per frame: what the decrypt
   * pass shows, so the notes of a frame never depend on which frames were viewed before it (the TUI
   * jumps around). Without a learn pass (streams) the decrypt pass computes them as it goes.
   */
  readonly learnSeq: { top?: number; readonly seen: Float64Array; lastFrame: number; readonly notes: Map<number, readonly Note[]> };
}

/** RFC 4303 Appendix A2.1: the high 32 bits for low bits `seq` given the highest seen (Th, Tl) and window W. */
export function inferSeqHigh(top: number | undefined, seq: number, w = ESN_W): number {
  if (top === undefined) return 0;
  const th = Math.floor(top / TWO32);
  const tl = top % TWO32;
  if (tl >= w - 1) return seq >= tl - w + 1 ? th : th + 1;
  // Window spans the wrap: seq in the upper part belongs to the previous epoch.
  return seq >= (tl - w + 1 + TWO32) % TWO32 ? Math.max(0, th - 1) : th;
}

function esnStep(st: EsnState, seq: number): number {
  const high = inferSeqHigh(st.top, seq);
  const full = high * TWO32 + seq;
  if (st.top === undefined || full > st.top) st.top = full;
  return high;
}

function addrs(ctx: DissectContext): [string | undefined, string | undefined] {
  const ip = ctx.ip;
  if (!ip) return [undefined, undefined];
  return ip.family === 4 ? [formatIPv4(ip.src), formatIPv4(ip.dst)] : [formatIPv6(ip.src), formatIPv6(ip.dst)];
}

interface CachedLookup {
  readonly src?: Uint8Array;
  readonly dst?: Uint8Array;
  readonly sa: ChildSa | undefined;
}

function sameAddr(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class EspAhEngine implements ChildEngine {
  private readonly states = new Map<ChildSa, SaState>();
  /** Decrypt mode (store frozen): last lookup per protocol and SPI, by raw addresses, to skip address formatting. */
  private readonly lookups = { esp: new Map<number, CachedLookup>(), ah: new Map<number, CachedLookup>() };

  constructor(readonly env: EngineEnv) {}

  /** SA of a packet: ChildSaStore.lookup by (SPI, src, dst), memoised per SPI while the store is frozen. */
  private lookup(protocol: 'esp' | 'ah', spi: number, ctx: DissectContext): ChildSa | undefined {
    const ip = ctx.ip;
    if (this.env.mode() !== 'decrypt') {
      const [src, dst] = addrs(ctx);
      return this.env.children.lookup(protocol, spi, src, dst);
    }
    const m = this.lookups[protocol];
    const c = m.get(spi);
    if (c && (ip ? c.src !== undefined && sameAddr(c.src, ip.src) && sameAddr(c.dst!, ip.dst) : c.src === undefined)) return c.sa;
    const [src, dst] = addrs(ctx);
    const sa = this.env.children.lookup(protocol, spi, src, dst);
    m.set(spi, ip ? { src: ip.src.slice(), dst: ip.dst.slice(), sa } : { sa });
    return sa;
  }

  private state(sa: ChildSa): SaState {
    let s = this.states.get(sa);
    if (!s) {
      const integName = sa.encr?.aead ? 'AEAD' : (sa.integ?.name ?? (sa.noCheckIcvLen !== undefined ? `ANY ${sa.noCheckIcvLen * 8}-bit (not checked)` : 'NONE'));
      s = { sa, encrName: sa.encr?.name ?? 'NONE', integName, keySource: originText(sa.origin), esn: { epochs: [], wraps: new Set(), lastLearnFrame: 0 }, esnLive: { epochs: [], wraps: new Set(), lastLearnFrame: 0 }, lastFrame: 0, seen: new Float64Array(TRACK).fill(-1), frameNotes: new Map(), learnSeq: { seen: new Float64Array(TRACK).fill(-1), lastFrame: 0, notes: new Map() } };
      this.states.set(sa, s);
    }
    return s;
  }

  /** Keyed cipher objects, made once per SA; undefined (and `broken` set) when the keys do not fit the rows. */
  private keyed(st: SaState): boolean {
    if (st.broken) return false;
    if (st.encr || st.integ || (st.sa.protocol === 'ah' && st.sa.noCheckIcvLen !== undefined)) return true;
    const sa = st.sa;
    try {
      if (sa.protocol === 'esp') {
        if (!sa.encr) throw new Error('no encryption algorithm');
        st.encr = makeEncr(sa.encr, sa.encrKey ?? EMPTY);
      }
      if (sa.integ && sa.integ.icvLen > 0 && !(sa.encr?.aead ?? false)) st.integ = makeInteg(sa.integ, sa.integKey ?? EMPTY);
      if (sa.protocol === 'ah' && !st.integ && sa.noCheckIcvLen === undefined) throw new Error('no integrity algorithm');
      return true;
    } catch (e) {
      st.broken = (e as Error).message;
      return false;
    }
  }

  /** High bits of the ESN for this frame (RFC 4303 §2.2.1 / Appendix A), or undefined without ESN. */
  private seqHigh(st: SaState, frame: number, seq: number): number | undefined {
    this.wrapped = false;
    if (!st.sa.esn) return undefined;
    const mode = this.env.mode();
    if (mode === 'learn') {
      const e = st.esn;
      if (frame <= e.lastLearnFrame) return undefined;
      e.lastLearnFrame = frame;
      const before = e.top;
      const high = esnStep(e, seq);
      if (before !== undefined && high > Math.floor(before / TWO32)) e.wraps.add(frame);
      const last = e.epochs[e.epochs.length - 1];
      if (last ? last.high !== high : high !== 0) e.epochs.push({ frame, high });
      return high;
    }
    if (mode === 'decrypt' && st.esn.lastLearnFrame > 0) {
      // Last epoch starting at or before this frame (binary search).
      const ep = st.esn.epochs;
      let lo = 0;
      let hi = ep.length - 1;
      let high = 0;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (ep[mid]!.frame <= frame) {
          high = ep[mid]!.high;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      this.wrapped = st.esn.wraps.has(frame);
      return high;
    }
    const before = st.esnLive.top;
    const high = esnStep(st.esnLive, seq);
    this.wrapped = before !== undefined && high > Math.floor(before / TWO32);
    return high;
  }

  /** Set by seqHigh(): this frame is the first seen in a new ESN epoch (high bits advanced). */
  private wrapped = false;

  // -------------------------------------------------------------------------------------------
  // ESP

  esp(ctx: DissectContext, layer: Layer<EspRecord>): DecryptOutcome<EspRecord> | undefined {
    const rec = layer.record;
    if (rec.spi === undefined || rec.sequence === undefined) return undefined;
    const sa = this.lookup('esp', rec.spi, ctx);
    if (!sa) return undefined;
    const st = this.state(sa);
    const mode = this.env.mode();
    const frame = ctx.frame.number;
    if (mode === 'learn') {
      const high = this.seqHigh(st, frame, rec.sequence);
      this.learnSequence(st, frame, high === undefined ? rec.sequence : high * TWO32 + rec.sequence, layer.offset + 4);
      return undefined;
    }
    if (!sa.encr || !this.keyed(st)) return undefined;
    try {
      return this.decryptEsp(ctx, layer, st);
    } catch {
      // A bug or an unexpected cipher error never escapes a hook: the packet stays undecrypted.
      return undefined;
    }
  }

  private decryptEsp(ctx: DissectContext, layer: Layer<EspRecord>, st: SaState): DecryptOutcome<EspRecord> {
    const sa = st.sa;
    const encr = sa.encr!;
    const e = st.encr!;
    const rec = layer.record;
    const seq = rec.sequence!;
    const frame = ctx.frame.number;
    const d = layer.data;
    const o = layer.offset;
    const end = o + layer.length;
    const counting = frame > st.lastFrame;
    const c = counting ? this.env.children.countersOf(sa) : undefined;
    if (c) {
      c.packets++;
      c.bytes += layer.length;
      c.firstFrame ??= frame;
      c.lastFrame = frame;
    }
    const high = this.seqHigh(st, frame, seq);
    const wrapped = this.wrapped;
    const checked = !encr.aead && st.integ !== undefined;
    const icvLen = encr.aead ? encr.icvLen : st.integ ? st.integ.row.icvLen : (sa.noCheckIcvLen ?? 0);
    const ivOff = o + 8;
    const ctOff = ivOff + encr.ivLen;
    const icvOff = end - icvLen;
    const ctLen = icvOff - ctOff;
    const base = { encr: st.encrName, integ: st.integName, keySource: st.keySource, ...(high !== undefined ? { seqHigh: high } : {}) };
    const range = (offset: number, length: number): SourceRange => ({ source: layer.source, offset, length });
    const fail = (status: EspDecrypted['status'], n: Note, icvStatus?: IcvStatus): DecryptOutcome<EspRecord> => {
      const decrypted: EspDecrypted = {
        status,
        source: -1,
        ...base,
        ...(ctLen >= 0 && encr.ivLen > 0 ? { iv: range(ivOff, encr.ivLen) } : {}),
        ...(icvStatus && icvLen > 0 ? { icv: { ...range(icvOff, icvLen), status: icvStatus } } : {}),
        notes: [n],
      };
      return { layer: () => ({ ...layer, record: { ...rec, decrypted }, notes: [...layer.notes, n] }) };
    };

    const truncated = ctx.frame.origLen > ctx.frame.caplen;
    const aligned = encr.mode !== 'cbc' || ctLen % encr.blockSize === 0;
    if (truncated || ctLen < 2 || !aligned) {
      const why = truncated
        ? 'frame cut by the snap length: ICV and trailer are missing'
        : ctLen < 2
          ? `${layer.length} bytes: less than header 8 + IV ${encr.ivLen} + trailer 2 + ICV ${icvLen}`
          : `ciphertext of ${ctLen} bytes is not a multiple of the ${encr.blockSize}-byte block`;
      if (c) c.icvBad++;
      return fail('too-short', note(decryptNotes.espShort, why, o, layer.length));
    }

    const iv = d.subarray(ivOff, ctOff);
    const ct = d.subarray(ctOff, icvOff);
    const icv = d.subarray(icvOff, end);
    let pt: Uint8Array | undefined;
    let icvStatus: IcvStatus = 'unchecked';
    if (encr.aead) {
      // RFC 4106 §5 / RFC 4309 §5 / RFC 7634 §2.1: AAD = SPI ‖ seq, or SPI ‖ seq-high ‖ seq-low with ESN.
      const aad = high === undefined ? d.subarray(o, o + 8) : concat(d.subarray(o, o + 4), be32(high), d.subarray(o + 4, o + 8));
      if (encr.mode === 'gmac') {
        // RFC 4543 §3.2/§5: no encryption, AAD = SPI ‖ [ESN] ‖ IV ‖ payload, empty ciphertext.
        const ok = e.open(iv, concat(aad, iv, ct), EMPTY, icv);
        pt = ok ? ct : undefined;
      } else pt = e.open(iv, aad, ct, icv);
      icvStatus = pt ? 'good' : 'bad';
    } else {
      if (checked) {
        // RFC 4303 §3.3.4 / §2.2.1: ICV over SPI ‖ seq ‖ IV ‖ ciphertext, ESN high bits appended (not sent).
        const covered = d.subarray(o, icvOff);
        const ok = high === undefined ? st.integ!.verify(icv, covered) : st.integ!.verify(icv, covered, be32(high));
        icvStatus = ok ? 'good' : 'bad';
      }
      if (icvStatus !== 'bad') pt = e.decrypt(iv, ct);
    }
    if (!pt) {
      if (c) c.icvBad++;
      const why = high !== undefined ? `ICV mismatch (ESN high bits ${high}): wrong integrity key, wrong ESN, or a damaged packet` : 'ICV mismatch: wrong key or a damaged packet';
      return fail('icv-bad', note(decryptNotes.espIcvBad, why, icvOff, icvLen), 'bad');
    }

    // RFC 4303 §2.4–2.6: … ‖ Padding ‖ Pad Length ‖ Next Header.
    const padLength = pt[pt.length - 2]!;
    const nextHeader = pt[pt.length - 1]!;
    let padOk = padLength + 2 <= pt.length;
    const padStart = pt.length - 2 - padLength;
    if (padOk) for (let i = 0; i < padLength; i++) if (pt[padStart + i] !== i + 1) padOk = false;
    if (!padOk) {
      if (c) c.padBad++;
      const why =
        padLength + 2 > pt.length
          ? `Pad Length ${padLength} exceeds the ${pt.length}-byte plaintext: wrong encryption key or algorithm`
          : `padding is not 1, 2, 3, … (Pad Length ${padLength}): wrong encryption key or algorithm`;
      const n = note(decryptNotes.espPadBad, why, icvOff - 2 - Math.min(padLength, ctLen - 2), Math.min(padLength, ctLen - 2) + 2);
      const decrypted: EspDecrypted = {
        status: 'bad-padding',
        source: -1,
        ...base,
        ...(encr.ivLen > 0 ? { iv: range(ivOff, encr.ivLen) } : {}),
        ...(icvLen > 0 ? { icv: { ...range(icvOff, icvLen), status: icvStatus } } : {}),
        padOk: false,
        notes: [n],
      };
      return { layer: () => ({ ...layer, record: { ...rec, decrypted }, notes: [...layer.notes, n] }) };
    }

    // Anti-replay view (RFC 4303 §3.4.3) once the packet is authentic.
    let seqNotes = this.sequence(st, frame, high === undefined ? seq : high * TWO32 + seq, o + 4, counting);
    if (wrapped) seqNotes = [note(decryptNotes.espEsnWrap, `ESN high-order bits advanced to ${high} (sequence ${high! * TWO32 + seq})`, o + 4, 4), ...seqNotes];
    if (c) {
      c.decrypted++;
      c.firstSeq ??= seq;
      c.lastSeq = seq;
    }
    st.lastFrame = Math.max(st.lastFrame, frame);

    const inner = pt.subarray(0, padStart);
    // Hot path: objects built with a fixed shape (no spreads).
    const src = layer.source;
    const decrypted = (idx: number): EspDecrypted => ({
      status: 'ok',
      source: idx,
      encr: st.encrName,
      integ: st.integName,
      iv: encr.ivLen > 0 ? { source: src, offset: ivOff, length: encr.ivLen } : undefined,
      icv: icvLen > 0 ? { source: src, offset: icvOff, length: icvLen, status: icvStatus } : undefined,
      padLength,
      nextHeader,
      padOk: true,
      seqHigh: high,
      mode: nextHeader === 4 || nextHeader === 41 ? 'tunnel' : 'transport',
      keySource: st.keySource,
      notes: seqNotes,
    });
    return {
      source: { name: 'Decrypted ESP', bytes: inner },
      layer: (idx) => ({
        spec: layer.spec,
        record: { spi: rec.spi, sequence: rec.sequence, dataOffset: rec.dataOffset, dataLength: rec.dataLength, truncated: rec.truncated, decrypted: decrypted(idx) },
        source: layer.source,
        data: layer.data,
        offset: layer.offset,
        length: layer.length,
        notes: seqNotes.length ? [...layer.notes, ...seqNotes] : layer.notes,
      }),
      // Next Header 59: no next header (a dummy packet, RFC 4303 §2.6): nothing to dissect.
      next: () => (nextHeader === 59 || inner.length === 0 ? undefined : { by: 'ipproto', key: nextHeader, offset: 0, end: inner.length }),
    };
  }

  /** The learn pass's anti-replay view (capture order, no decryption): notes per frame for the decrypt pass. */
  private learnSequence(st: SaState, frame: number, full: number, seqAt: number): void {
    const l = st.learnSeq;
    if (frame <= l.lastFrame) return;
    l.lastFrame = frame;
    const notes = sequenceNotes(l, full, seqAt, st.sa.replayWindow);
    if (notes.length) l.notes.set(frame, notes);
  }

  /** Duplicate / gap / window notes for an authentic packet with 64-bit sequence `full`. */
  private sequence(st: SaState, frame: number, full: number, seqAt: number, counting: boolean): readonly Note[] {
    let notes: readonly Note[];
    if (st.learnSeq.lastFrame > 0) {
      // The learn pass saw this SA: its per-frame view is the answer, whatever was viewed before.
      notes = st.learnSeq.notes.get(frame) ?? NO_NOTES;
    } else {
      if (!counting) return st.frameNotes.get(frame) ?? NO_NOTES;
      notes = sequenceNotes(st, full, seqAt, st.sa.replayWindow);
      if (notes.length) st.frameNotes.set(frame, notes);
    }
    if (counting && notes.length) {
      const c = this.env.children.countersOf(st.sa);
      for (const n of notes) {
        if (n.def === decryptNotes.espSeqGap) c.gaps++;
        else if (n.def === decryptNotes.espReplayDup) c.duplicates++;
      }
    }
    return notes.length ? notes : NO_NOTES;
  }

  // -------------------------------------------------------------------------------------------
  // AH

  ah(ctx: DissectContext, layer: Layer<AhRecord>, below: readonly Layer[]): DecryptOutcome<AhRecord> | undefined {
    const rec = layer.record;
    if (rec.spi === undefined || rec.sequence === undefined || rec.length === undefined) return undefined;
    const sa = this.lookup('ah', rec.spi, ctx);
    if (!sa) return undefined;
    const st = this.state(sa);
    const frame = ctx.frame.number;
    if (this.env.mode() === 'learn') {
      this.seqHigh(st, frame, rec.sequence);
      return undefined;
    }
    if (!this.keyed(st)) return undefined;
    try {
      return this.verifyAh(ctx, layer, below, st);
    } catch {
      return undefined;
    }
  }

  private verifyAh(ctx: DissectContext, layer: Layer<AhRecord>, below: readonly Layer[], st: SaState): DecryptOutcome<AhRecord> | undefined {
    const sa = st.sa;
    const rec = layer.record;
    const frame = ctx.frame.number;
    const counting = frame > st.lastFrame;
    const c = counting ? this.env.children.countersOf(sa) : undefined;
    if (c) {
      c.packets++;
      c.bytes += layer.length;
      c.firstFrame ??= frame;
      c.lastFrame = frame;
    }
    const high = this.seqHigh(st, frame, rec.sequence!);
    const base = { integ: st.integName, keySource: st.keySource, ...(high !== undefined ? { seqHigh: high } : {}) };
    const answer = (status: IcvStatus, notes: readonly Note[]): DecryptOutcome<AhRecord> => {
      const verified: AhVerified = { status, ...base, notes };
      return { layer: () => ({ ...layer, record: { ...rec, verified }, notes: notes.length ? [...layer.notes, ...notes] : layer.notes }) };
    };
    if (!st.integ) return answer('unchecked', []);
    const icvLen = st.integ.row.icvLen;
    const icvAt = layer.offset + 12;
    const hdrLen = (rec.length! + 2) * 4;
    if (rec.truncated || !rec.icv || rec.icv.length < icvLen || ctx.frame.origLen > ctx.frame.caplen) {
      if (c) c.icvBad++;
      return answer('bad', [note(decryptNotes.ahIcvBad, `AH ICV field (${rec.icv?.length ?? 0} bytes) shorter than the ${icvLen}-byte ICV of ${st.integ.row.name}, or the frame is cut`, icvAt, rec.icv?.length ?? 0)]);
    }
    const ip = [...below].reverse().find((l) => l.spec.id === 'ip' || l.spec.id === 'ipv6');
    if (!ip) return undefined;
    const msg = ahAuthenticated(ip, layer, hdrLen);
    if (!msg) return undefined;
    const icv = layer.data.subarray(icvAt, icvAt + icvLen);
    const ok = high === undefined ? st.integ.verify(icv, msg) : st.integ.verify(icv, msg, be32(high));
    if (!ok) {
      if (c) c.icvBad++;
      const why = high !== undefined ? `ICV mismatch (ESN high bits ${high}): wrong key, wrong ESN, or a modified packet` : 'ICV mismatch: wrong key or a modified packet';
      return answer('bad', [note(decryptNotes.ahIcvBad, why, icvAt, icvLen)]);
    }
    const seqNotes = this.sequence(st, frame, high === undefined ? rec.sequence! : high * TWO32 + rec.sequence!, layer.offset + 8, counting);
    if (c) {
      c.decrypted++;
      c.firstSeq ??= rec.sequence!;
      c.lastSeq = rec.sequence!;
    }
    st.lastFrame = Math.max(st.lastFrame, frame);
    return answer('good', seqNotes);
  }

  reports(): ChildSaReport[] {
    const out: ChildSaReport[] = [];
    for (const sa of this.env.children.all()) if (this.env.children.hasCounters(sa)) out.push({ sa, counters: this.env.children.countersOf(sa) });
    return out;
  }
}

const concat = concatBytes;

/** IPv4 options that do not change in transit (RFC 4302 Appendix A.1): kept; all others are zeroed. */
const IMMUTABLE_V4_OPTIONS = new Set([0, 1, 130, 133, 134, 148, 149]);

/**
 * RFC 4302 §3.3.3.1: the IP header (mutable fields zeroed), the AH header with the ICV zeroed,
 * and the payload. The IP header comes from `ip`, the AH and payload from the AH layer's source
 * (which may be a reassembled datagram); lengths are set for the whole datagram.
 */
function ahAuthenticated(ip: Layer, ah: Layer<AhRecord>, hdrLen: number): Uint8Array | undefined {
  const tail = ah.data.subarray(ah.offset, ah.data.length);
  // The AH layer's datagram ends where the IP payload ends in that source.
  const ipPayloadEnd = ip.source === ah.source ? ((ip.record as Ipv4Record | Ipv6Record).payloadEnd ?? ah.data.length) : ah.data.length;
  const after = ah.data.subarray(ah.offset, Math.max(ah.offset, ipPayloadEnd));
  const body = after.length >= hdrLen ? after : tail;
  if (ip.spec.id === 'ip') {
    const r = ip.record as Ipv4Record;
    const hl = r.hdrLen ?? 20;
    const hdr = ip.data.slice(ip.offset, ip.offset + hl);
    if (hdr.length < 20) return undefined;
    const total = hl + body.length;
    hdr[1] = 0; // TOS / DSCP+ECN
    hdr[2] = total >> 8;
    hdr[3] = total & 0xff;
    hdr[6] = 0; // flags + fragment offset
    hdr[7] = 0;
    hdr[8] = 0; // TTL
    hdr[10] = 0; // header checksum
    hdr[11] = 0;
    // Options: keep immutable ones, zero the rest (type byte included, RFC 4302 §3.3.3.1.1.2).
    let p = 20;
    while (p < hl) {
      const t = hdr[p]!;
      if (t === 0) break;
      if (t === 1) {
        p++;
        continue;
      }
      const len = hdr[p + 1] ?? 0;
      if (len < 2 || p + len > hl) break;
      if (!IMMUTABLE_V4_OPTIONS.has(t)) hdr.fill(0, p, p + len);
      p += len;
    }
    const out = concat(hdr, body);
    out.fill(0, hl + 12, hl + hdrLen); // ICV (and any padding of the ICV field) zeroed
    return out;
  }
  // IPv6 (RFC 4302 §3.3.3.1.2): fixed header and extension headers before AH.
  const r = ip.record as Ipv6Record;
  const start = ip.offset;
  const preEnd = ip.source === ah.source ? ah.offset : ip.offset + 40 + (r.ext ?? []).reduce((n, x) => n + x.length, 0);
  const pre = ip.data.slice(start, preEnd);
  if (pre.length < 40) return undefined;
  pre[0]! &= 0xf0; // traffic class (high nibble)
  pre[1] = 0; // traffic class (low nibble) + flow label
  pre[2] = 0;
  pre[3] = 0;
  const plen = pre.length - 40 + body.length;
  pre[4] = plen >> 8;
  pre[5] = plen & 0xff;
  pre[7] = 0; // hop limit
  for (const x of r.ext ?? []) {
    if ((x.type === 0 || x.type === 60) && x.options) {
      // Option data of options whose type has the "may change en route" bit (0x20) is zeroed (RFC 8200 §4.2).
      for (const opt of x.options) {
        const rel = opt.offset - start;
        if (opt.type & 0x20 && rel + 2 + opt.length <= pre.length) pre.fill(0, rel + 2, rel + 2 + opt.length);
      }
    }
  }
  const out = concat(pre, body);
  out.fill(0, pre.length + 12, pre.length + hdrLen);
  return out;
}

/**
 * RFC 4303 §3.4.3 anti-replay view of one packet with 64-bit sequence `full` against the tracker
 * (highest seen, recent numbers): a gap before it, a duplicate, or a number behind the window.
 */
function sequenceNotes(t: { top?: number; readonly seen: Float64Array }, full: number, at: number, replayWindow: number | undefined): Note[] {
  const notes: Note[] = [];
  const slot = full % TRACK;
  if (t.top === undefined) {
    t.top = full;
  } else if (full > t.top) {
    const missing = full - t.top - 1;
    if (missing > 0) notes.push(note(decryptNotes.espSeqGap, `${missing} sequence number${missing === 1 ? '' : 's'} missing before ${full} (last seen ${t.top})`, at, 4));
    t.top = full;
  } else {
    const behind = t.top - full;
    if (behind < TRACK && t.seen[slot] === full) {
      notes.push(note(decryptNotes.espReplayDup, `sequence number ${full} already seen on this SA`, at, 4));
    } else {
      const w = replayWindow;
      if (w !== undefined && w > 0) {
        if (behind >= w) notes.push(note(decryptNotes.espReplayWindow, `sequence number ${full} is ${behind} behind the highest (${t.top}): outside the SA's ${w}-entry replay window`, at, 4));
      } else if (behind >= WINDOWS[0]) {
        const drop = WINDOWS.filter((x) => behind >= x);
        const keep = WINDOWS.filter((x) => behind < x);
        notes.push(
          note(
            decryptNotes.espReplayWindow,
            `sequence number ${full} is ${behind} behind the highest (${t.top}): a ${drop.join('/')}-entry replay window drops it${keep.length ? `, ${keep.join('/')} accepts it` : ''}`,
            at,
            4,
          ),
        );
      }
    }
  }
  t.seen[slot] = full;
  return notes;
}
