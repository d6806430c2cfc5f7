/**
 * TCP encapsulation of IKE and ESP (RFC 9329, which obsoletes RFC 8229).
 *
 * RFC 9329 §4: the TCP originator starts its byte stream with the 6-byte
 * stream prefix "IKETCP" (sent once, by the originator only). §3: after that,
 * in both directions, every message is a 16-bit Length that counts itself,
 * then either a 4-byte all-zero non-ESP marker and an IKE message (§3.1), or
 * an ESP packet starting at its (non-zero) SPI (§3.2). A Length of 0 or 1
 * MUST be treated as a fatal error (§3): the framing of that direction is
 * lost, and everything after it is shown as unframed data. A Length of 3
 * carrying 0xFF is an RFC 3948 NAT-keepalive (Linux's espintcp drops those).
 *
 * Messages span TCP segments and several can share one segment, so framing
 * runs over the reassembled byte stream (./tcp-stream.ts), kept by the
 * pipeline as state (IketcpStreams below). Each framed message becomes an
 * `iketcp` layer followed by the ordinary ISAKMP or ESP layers. A message
 * wholly inside the current segment is dissected in place on the frame; one
 * assembled from several segments gets its own data source ("Reassembled
 * TCP") with a `tcp.segments` layer listing the frames, shown in the frame
 * that completes it (as Wireshark does). When one segment completes several
 * messages, they follow one another in the packet's layer list, each
 * starting with its own `iketcp` layer, in stream order. A segment that
 * completes nothing (the start of a long message, a retransmission, data
 * held behind a hole) gets an `iketcp` layer of kind `segment`. The Info
 * column shows the last message of such a frame (the summary has one Info);
 * `perMessage()` below splits a packet into one view per message for passes
 * that take one message per packet (the session builder).
 *
 * Framing is lost after a gap whose hole hides a message boundary, and is
 * unknown when a direction is picked up mid-stream (no SYN: the capture, or a
 * random-access re-dissection, starts inside the connection). Then framing
 * resumes only where a segment starts with the prefix or with something that
 * looks like a message: an ISAKMP header whose length matches the frame, a
 * keepalive, or a whole ESP frame followed by the end of the data or another
 * plausible frame. Until then the bytes are unframed data (after a gap, with a
 * warning) or plain segment data (mid-stream pickup, no warning).
 *
 * Without reassembly (`reassemble: false`) every segment is framed on its
 * own from its first byte, as Wireshark does with "allow subdissector to
 * reassemble TCP streams" off.
 *
 * Wireshark 4.0 has no RFC 8229 dissector: its `tcpencap` is Cisco's
 * proprietary IPsec-over-TCP (fields for a trailer with magic numbers; on an
 * RFC 8229 stream it shows "ESP (SPI=0x494b4554)", i.e. "IKET"), so these
 * fields are named `iketcp.*` after the stream prefix (and Libreswan's name
 * for the protocol).
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note, type Note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { toHex } from '../core/bytes.js';
import { runDissector, type DissectContext, type Dissector, type LayerSpec } from './layer.js';
import { TcpStreams, type HalfStream, type StreamPiece, type TcpStreamLimits } from './tcp-stream.js';

export const IKETCP_PREFIX = Object.freeze([0x49, 0x4b, 0x45, 0x54, 0x43, 0x50]); // "IKETCP"
export const IKETCP_DEFAULT_PORT = 4500;
const NON_ESP_MARKER_LEN = 4;
const R = 'RFC 9329 §3';

export const iketcpFields = defineFields({
  proto: { id: 'iketcp', label: 'TCP Encapsulation of IKE and IPsec Packets', type: 'protocol', rfc: 'RFC 9329' },
  prefix: { id: 'iketcp.prefix', label: 'Stream Prefix', type: 'string', rfc: 'RFC 9329 §4' },
  length: { id: 'iketcp.length', label: 'Length', type: 'uint', rfc: R },
  nonEspMarker: { id: 'iketcp.non_esp_marker', label: 'Non-ESP Marker', type: 'none', rfc: 'RFC 9329 §3.1' },
  natKeepalive: { id: 'iketcp.nat_keepalive', label: 'NAT-keepalive packet', type: 'none', rfc: 'RFC 3948 §2.3' },
  segmentData: { id: 'iketcp.segment_data', label: 'TCP segment data', type: 'bytes' },
  segmentLen: { id: 'iketcp.segment_len', label: 'TCP segment data length', type: 'uint' },
});

export const iketcpNotes = defineNotes({
  badLength: { id: 'iketcp.length.invalid', group: 'malformed', severity: 'error', summary: 'Length 0 or 1 (RFC 9329 §3: a fatal error); the rest of this direction cannot be framed' },
  short: { id: 'iketcp.short', group: 'malformed', severity: 'error', summary: 'Message too short for a non-ESP marker or an ESP header' },
  noPrefix: { id: 'iketcp.prefix.missing', group: 'protocol', severity: 'warn', summary: 'The TCP originator did not start its stream with the "IKETCP" prefix (RFC 9329 §4)' },
  unframed: { id: 'iketcp.unframed', group: 'reassembly', severity: 'warn', summary: 'Stream bytes that cannot be framed (after a gap or an invalid Length)' },
  incomplete: { id: 'iketcp.incomplete', group: 'reassembly', severity: 'warn', summary: 'Part of a message was never captured; the message is lost' },
});

export type IketcpKind = 'prefix' | 'ike' | 'esp' | 'keepalive' | 'short' | 'bad-length' | 'unframed' | 'segment';

export interface IketcpRecord {
  kind?: IketcpKind;
  /** Length field (messages). */
  length?: number;
  /** Bytes this layer covers. */
  size?: number;
  /** For `segment`: what became of the bytes. */
  segment?: 'partial' | 'held' | 'retransmission' | 'midstream';
  truncated?: boolean;
}

const KIND_TITLE: Readonly<Record<IketcpKind, string>> = {
  prefix: 'Stream Prefix',
  ike: 'IKE',
  esp: 'ESP',
  keepalive: 'NAT-keepalive',
  short: 'Short message',
  'bad-length': 'Invalid Length',
  unframed: 'Unframed data',
  segment: 'TCP segment',
};

export const iketcpSpec: LayerSpec<IketcpRecord> = {
  id: 'iketcp',
  field: iketcpFields.proto,
  title: (r) => `${iketcpFields.proto.label}${r.kind ? `, ${KIND_TITLE[r.kind]}` : ''}${r.length !== undefined ? `, Length: ${r.length}` : ''}`,
  tree(r, l): TreeNode[] {
    const o = l.offset;
    const out: TreeNode[] = [];
    switch (r.kind) {
      case 'prefix':
        out.push(node(iketcpFields.prefix, 'IKETCP', o, 6));
        break;
      case 'unframed':
      case 'segment': {
        const text =
          r.kind !== 'segment' ? undefined
          : r.segment === 'retransmission' ? 'Retransmitted TCP segment data'
          : r.segment === 'held' ? 'TCP segment data held until a hole fills'
          : r.segment === 'midstream' ? 'TCP segment data before the first message boundary seen (connection picked up mid-stream)'
          : 'TCP segment of a reassembled message';
        out.push(node(iketcpFields.segmentData, l.data.subarray(o, o + l.length), o, l.length, text ? { text: `${text} (${l.length} byte${l.length === 1 ? '' : 's'})` } : undefined));
        out.push(node(iketcpFields.segmentLen, l.length, o, 0));
        break;
      }
      default:
        if (r.length !== undefined) out.push(node(iketcpFields.length, r.length, o, 2));
        if (r.kind === 'ike') out.push(node(iketcpFields.nonEspMarker, null, o + 2, NON_ESP_MARKER_LEN));
        if (r.kind === 'keepalive') out.push(node(iketcpFields.natKeepalive, null, o + 2, 1));
    }
    return out;
  },
  summarize(r, s) {
    // ISAKMP and ESP overwrite these; the rest keep them.
    if (r.kind === 'segment') {
      if (!s.info.endsWith(']')) {
        s.info +=
          r.segment === 'retransmission' ? ' [TCP Retransmission]'
          : r.segment === 'held' ? ' [TCP segment held for reassembly]'
          : r.segment === 'midstream' ? ' [TCP segment, no message boundary seen yet]'
          : ' [TCP segment of a reassembled PDU]';
      }
      return;
    }
    s.protocol = 'IKETCP';
    if (r.kind === 'prefix') s.info = 'IKETCP stream prefix';
    else if (r.kind === 'keepalive') s.info = 'NAT-keepalive';
    else if (r.kind === 'unframed') s.info = 'Unframed data';
    else if (r.kind === 'bad-length') s.info = `Invalid Length ${r.length ?? ''}`.trim();
  },
};

/**
 * Dissect one framed unit at [offset, end). `kind` says what the framer found:
 * `message` (Length + body), `prefix`, `bad-length`, `unframed`, or a
 * `segment` that completes nothing.
 */
export function dissectIketcpUnit(kind: UnitKind, extra: readonly Note[] = [], segment?: IketcpRecord['segment']): Dissector<IketcpRecord> {
  return (_ctx, src, buf, offset, end) =>
    runDissector(iketcpSpec, src, buf, offset, end, {} as IketcpRecord, (r, rec, notes) => {
      notes.push(...extra);
      const n = end - offset;
      rec.size = n;
      switch (kind) {
        case 'prefix':
          rec.kind = 'prefix';
          return { length: Math.min(n, 6) };
        case 'unframed':
          rec.kind = 'unframed';
          return { length: n };
        case 'segment':
          rec.kind = 'segment';
          rec.segment = segment ?? 'partial';
          return { length: n };
        case 'bad-length': {
          rec.kind = 'bad-length';
          rec.length = r.u16('iketcp.length');
          notes.push(note(iketcpNotes.badLength, `Length ${rec.length} MUST NOT be 0 or 1 (RFC 9329 §3): the rest of this direction of the stream cannot be framed`, offset, 2));
          return { length: 2 };
        }
        case 'message': {
          const len = r.u16('iketcp.length');
          rec.length = len;
          const body = offset + 2;
          const stop = Math.min(end, offset + Math.max(2, len));
          const bodyLen = stop - body;
          if (len === 3 && bodyLen === 1 && buf[body] === 0xff) {
            rec.kind = 'keepalive';
            return { length: 3 };
          }
          if (bodyLen < NON_ESP_MARKER_LEN) {
            rec.kind = 'short';
            notes.push(note(iketcpNotes.short, `Length ${len}: ${bodyLen} byte${bodyLen === 1 ? '' : 's'} after the Length field, too short for a non-ESP marker or an ESP header`, offset, stop - offset));
            return { length: stop - offset };
          }
          if ((buf[body]! | buf[body + 1]! | buf[body + 2]! | buf[body + 3]!) === 0) {
            rec.kind = 'ike';
            return { length: 2 + NON_ESP_MARKER_LEN, next: { by: 'isakmp', key: 0, offset: body + NON_ESP_MARKER_LEN, end: stop } };
          }
          rec.kind = 'esp';
          return { length: 2, next: { by: 'esp', key: 0, offset: body, end: stop } };
        }
      }
    });
}

// ------------------------------------------------------------------ framing

export type UnitKind = 'prefix' | 'message' | 'bad-length' | 'unframed' | 'segment';

/** One framed unit of a direction's byte stream, ready to dissect. */
export interface IketcpUnit {
  readonly kind: UnitKind;
  readonly bytes: Uint8Array;
  /** When the unit lies wholly in the current segment: its offset in the segment's data source (dissect in place). */
  readonly srcOffset?: number;
  /** Frames the bytes came from, in order (offset within the unit, length). */
  readonly pieces: readonly { readonly frame: number; readonly offset: number; readonly length: number }[];
  /** Sequence and framing notes for this unit's layer. */
  readonly notes: readonly Note[];
  /** For `segment` units. */
  readonly segment?: IketcpRecord['segment'];
}

interface FramerState {
  phase: 'prefix' | 'frames' | 'lost';
  /** Bytes of the unit in progress (copies), with where they came from. */
  pending: Uint8Array[];
  pendingFrames: { frame: number; length: number }[];
  pendingLen: number;
  /** After a gap: the next run start must look like a message before framing resumes. */
  resync: boolean;
  /** Bytes still to skip: the rest of a message whose middle was lost. */
  skip: number;
  /** Whether the originator's missing prefix was reported. */
  prefixNoted: boolean;
  /**
   * Picked up mid-stream (no SYN seen: the capture, or a random-access
   * re-dissection, starts inside the connection): wait for a segment that
   * starts with the prefix or a plausible message; the bytes before it are
   * plain segment data, not an error.
   */
  quiet: boolean;
}

function newFramer(midstream = false): FramerState {
  return { phase: 'prefix', pending: [], pendingFrames: [], pendingLen: 0, resync: midstream, skip: 0, prefixNoted: false, quiet: midstream };
}

function startsWithPrefix(b: Uint8Array, at: number): boolean {
  if (b.length - at < 6) return false;
  for (let i = 0; i < 6; i++) if (b[at + i] !== IKETCP_PREFIX[i]) return false;
  return true;
}

/** Length of the unit starting at b[0..n), or undefined until more bytes are known. */
function unitHead(st: FramerState, b: Uint8Array, n: number, originator: boolean | undefined, notes: Note[]): { kind: UnitKind; len: number } | undefined {
  if (st.phase === 'prefix') {
    const k = Math.min(n, 6);
    let match = true;
    for (let i = 0; i < k; i++) if (b[i] !== IKETCP_PREFIX[i]) match = false;
    if (match && k === 6) {
      st.phase = 'frames';
      return { kind: 'prefix', len: 6 };
    }
    if (match) return undefined;
    st.phase = 'frames';
    if (originator && !st.prefixNoted) {
      st.prefixNoted = true;
      notes.push(note(iketcpNotes.noPrefix, `the stream starts with ${toHex(b.subarray(0, k))}, not "IKETCP"`));
    }
  }
  if (n < 2) return undefined;
  const len = (b[0]! << 8) | b[1]!;
  if (len < 2) {
    st.phase = 'lost';
    return { kind: 'bad-length', len: 2 };
  }
  return { kind: 'message', len };
}

/** Does a message plausibly start at b[at]? (After a gap: resynchronise only on something that looks right.) */
export function plausibleMessage(b: Uint8Array, at: number): boolean {
  return plausibility(b, at, 0) === 'yes';
}

type Verdict = 'yes' | 'no' | 'more';

/** Bytes a resynchronisation candidate may collect before it is given up. */
const RESYNC_MAX = 4096;

/** Whether a message (or, at a stream start, the prefix) starts at b[at]: yes, no, or more bytes needed to tell. */
function verdict(b: Uint8Array, at: number, prefixPossible: boolean): Verdict {
  if (prefixPossible) {
    const k = Math.min(b.length - at, 6);
    let match = true;
    for (let i = 0; i < k; i++) if (b[at + i] !== IKETCP_PREFIX[i]) match = false;
    if (match) return k === 6 ? 'yes' : 'more';
  }
  return plausibility(b, at, 0);
}

function plausibility(b: Uint8Array, at: number, depth: number): Verdict {
  const n = b.length - at;
  if (n < 2) return 'more';
  const len = (b[at]! << 8) | b[at + 1]!;
  const follow = (v: Verdict): Verdict => (v === 'more' ? 'yes' : v);
  if (len === 3) {
    if (n < 3) return 'more';
    if (b[at + 2] !== 0xff) return 'no';
    return n === 3 || depth >= 2 ? 'yes' : follow(plausibility(b, at + 3, depth + 1));
  }
  if (len < 2 + NON_ESP_MARKER_LEN) return 'no';
  if (n < 6) return 'more';
  if ((b[at + 2]! | b[at + 3]! | b[at + 4]! | b[at + 5]!) === 0) {
    // Non-ESP marker, then an ISAKMP header whose Length matches: major version 1 or 2 at byte 17, Length at 24.
    if (n < 6 + 28) return 'more';
    const ike = at + 6;
    const major = b[ike + 17]! >> 4;
    const ikeLen = ((b[ike + 24]! << 24) | (b[ike + 25]! << 16) | (b[ike + 26]! << 8) | b[ike + 27]!) >>> 0;
    return (major === 1 || major === 2) && ikeLen === len - 6 ? 'yes' : 'no';
  }
  // ESP: SPI + sequence number at least; the whole message, then the end or another plausible message.
  if (len < 2 + 8) return 'no';
  if (len > n) return 'more';
  if (len === n || depth >= 2) return 'yes';
  return follow(plausibility(b, at + len, depth + 1));
}

/**
 * Frame the new stream pieces of one direction into units. `notes` receives
 * framing notes that belong to the segment as a whole.
 */
function frame(st: FramerState, pieces: readonly StreamPiece[], originator: boolean | undefined, notes: Note[], units: IketcpUnit[]): void {
  const unframed = (bytes: Uint8Array, frameNo: number, srcOffset: number | undefined, message: string) => {
    units.push({ kind: 'unframed', bytes, ...(srcOffset !== undefined ? { srcOffset } : {}), pieces: [{ frame: frameNo, offset: 0, length: bytes.length }], notes: [note(iketcpNotes.unframed, message)] });
  };
  for (const p of pieces) {
    if (p.gap) {
      if (st.pendingLen > 0) {
        const got = concat(st.pending, st.pendingLen);
        const head = st.phase === 'frames' && got.length >= 2 ? (got[0]! << 8) | got[1]! : undefined;
        const pieceList = framesOf(st);
        st.pending = [];
        st.pendingFrames = [];
        st.pendingLen = 0;
        const lostEnd = p.length;
        if (head !== undefined && head >= 2 && head - got.length >= lostEnd) {
          // The Length is known and the hole lies inside this message: skip its rest, framing stays in step.
          st.skip = head - got.length - lostEnd;
          units.push({ kind: 'unframed', bytes: got, pieces: pieceList, notes: [note(iketcpNotes.incomplete, `message of Length ${head}: ${lostEnd} of its bytes were never captured`)] });
          continue;
        }
        units.push({ kind: 'unframed', bytes: got, pieces: pieceList, notes: [note(iketcpNotes.incomplete, `${got.length} byte${got.length === 1 ? '' : 's'} of a message whose Length was never captured in full`)] });
      } else if (st.skip > 0) {
        st.skip = Math.max(0, st.skip - p.length);
        if (st.skip > 0) continue;
      }
      if (st.phase !== 'lost') st.resync = true;
      st.skip = 0;
      continue;
    }
    const b = p.bytes;
    let pos = 0;
    while (pos < b.length) {
      const srcAt = p.srcOffset === undefined ? undefined : p.srcOffset + pos;
      if (st.skip > 0) {
        const k = Math.min(st.skip, b.length - pos);
        st.skip -= k;
        unframed(b.subarray(pos, pos + k), p.frame, srcAt, `${k} byte${k === 1 ? '' : 's'}: the rest of a message whose middle was never captured`);
        pos += k;
        continue;
      }
      if (st.phase === 'lost') {
        unframed(b.subarray(pos), p.frame, srcAt, 'after an invalid Length the stream cannot be framed');
        break;
      }
      if (st.resync) {
        // Resynchronise only where a segment starts (or a candidate begun at an earlier segment start grows).
        const here = b.subarray(pos);
        const prefixPossible = st.phase === 'prefix';
        const v = verdict(here, 0, prefixPossible);
        const drop = () => {
          if (!st.pendingLen) return;
          const got = concat(st.pending, st.pendingLen);
          const pieceList = framesOf(st);
          st.pending = [];
          st.pendingFrames = [];
          st.pendingLen = 0;
          // Quiet (mid-stream pickup): those bytes were shown as segment data in their own frames.
          if (!st.quiet) units.push({ kind: 'unframed', bytes: got, pieces: pieceList, notes: [note(iketcpNotes.unframed, 'after a gap: no message boundary found')] });
        };
        const junk = () => {
          if (st.quiet) units.push({ kind: 'segment', bytes: here, ...(srcAt !== undefined ? { srcOffset: srcAt } : {}), pieces: [{ frame: p.frame, offset: 0, length: here.length }], notes: [], segment: 'midstream' });
          else unframed(here, p.frame, srcAt, 'after a gap: no message boundary found at this segment');
        };
        let synced = false;
        if (v === 'yes') {
          drop();
          synced = true;
        } else if (st.pendingLen) {
          const joined = new Uint8Array(st.pendingLen + here.length);
          joined.set(concat(st.pending, st.pendingLen));
          joined.set(here, st.pendingLen);
          const w = verdict(joined, 0, prefixPossible);
          if (w === 'yes') synced = true;
          else if (w === 'more' && joined.length <= RESYNC_MAX) {
            push(st, b.slice(pos), p.frame);
            break;
          } else drop();
        }
        if (!synced) {
          if (v === 'more') push(st, b.slice(pos), p.frame);
          else junk();
          break;
        }
        st.resync = st.quiet = false;
        if (!prefixPossible) st.phase = 'frames';
        else if (!startsWithPrefix(st.pendingLen ? joinedWith(st, here) : here, 0)) st.phase = 'frames';
      }
      if (st.pendingLen === 0) {
        const head = unitHead(st, b.subarray(pos), b.length - pos, originator, notes);
        if (head && pos + head.len <= b.length) {
          units.push({ kind: head.kind, bytes: b.subarray(pos, pos + head.len), ...(srcAt !== undefined ? { srcOffset: srcAt } : {}), pieces: [{ frame: p.frame, offset: 0, length: head.len }], notes: [] });
          pos += head.len;
          continue;
        }
        // Incomplete: keep the rest for the next segments.
        push(st, b.slice(pos), p.frame);
        break;
      }
      // A unit is in progress: complete its head, then its body.
      let head = unitHead(st, concat(st.pending, st.pendingLen), st.pendingLen, originator, notes);
      while (!head && pos < b.length) {
        push(st, b.slice(pos, pos + 1), p.frame);
        pos++;
        head = unitHead(st, concat(st.pending, st.pendingLen), st.pendingLen, originator, notes);
      }
      if (!head) break;
      if (head.len <= st.pendingLen) {
        // The head alone completes it (a split prefix or a bad Length); anything extra returns to the stream.
        const all = concat(st.pending, st.pendingLen);
        const frames = framesOf(st);
        st.pending = [];
        st.pendingFrames = [];
        st.pendingLen = 0;
        units.push({ kind: head.kind, bytes: all.subarray(0, head.len), pieces: clip(frames, head.len), notes: [] });
        if (all.length > head.len) {
          // The surplus (a few bytes) starts the next unit, or is unframed after a bad Length.
          const rest = all.slice(head.len);
          const lastFrame = frames[frames.length - 1]!.frame;
          if ((st.phase as FramerState['phase']) === 'lost') unframed(rest, lastFrame, undefined, 'after an invalid Length the stream cannot be framed');
          else push(st, rest, lastFrame);
        }
        continue;
      }
      const want = head.len - st.pendingLen;
      const k = Math.min(want, b.length - pos);
      push(st, b.slice(pos, pos + k), p.frame);
      pos += k;
      if (st.pendingLen === head.len) {
        const all = concat(st.pending, st.pendingLen);
        const frames = framesOf(st);
        st.pending = [];
        st.pendingFrames = [];
        st.pendingLen = 0;
        units.push({ kind: head.kind, bytes: all, pieces: frames, notes: [] });
      }
    }
  }
}

function joinedWith(st: FramerState, more: Uint8Array): Uint8Array {
  const out = new Uint8Array(st.pendingLen + more.length);
  out.set(concat(st.pending, st.pendingLen));
  out.set(more, st.pendingLen);
  return out;
}

function push(st: FramerState, bytes: Uint8Array, frameNo: number): void {
  if (!bytes.length) return;
  st.pending.push(bytes);
  st.pendingLen += bytes.length;
  const last = st.pendingFrames[st.pendingFrames.length - 1];
  if (last && last.frame === frameNo) last.length += bytes.length;
  else st.pendingFrames.push({ frame: frameNo, length: bytes.length });
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  parts.length = 0;
  parts.push(out);
  return out;
}

function framesOf(st: FramerState): { frame: number; offset: number; length: number }[] {
  let at = 0;
  return st.pendingFrames.map((f) => {
    const r = { frame: f.frame, offset: at, length: f.length };
    at += f.length;
    return r;
  });
}

function clip(frames: { frame: number; offset: number; length: number }[], len: number): { frame: number; offset: number; length: number }[] {
  return frames.filter((f) => f.offset < len).map((f) => ({ ...f, length: Math.min(f.length, len - f.offset) }));
}

// ------------------------------------------------------------------ pipeline state

export interface IketcpSegment {
  readonly frame: number;
  readonly ip: NonNullable<DissectContext['ip']>;
  readonly srcport: number;
  readonly dstport: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly buf: Uint8Array;
  readonly offset: number;
  readonly end: number;
}

/**
 * The TCP streams of IKE/ESP-over-TCP connections and their framing state.
 * `add` returns the units to dissect for one segment, in stream order; a
 * segment with payload always yields at least one unit.
 */
export class IketcpStreams {
  private readonly streams: TcpStreams;

  constructor(limits: TcpStreamLimits = {}) {
    this.streams = new TcpStreams(limits);
  }

  add(s: IketcpSegment): IketcpUnit[] {
    const a = `${toHex(s.ip.src)}:${s.srcport}`;
    const b = `${toHex(s.ip.dst)}:${s.dstport}`;
    const out = this.streams.add({ frame: s.frame, key: `${a}>${b}`, reverseKey: `${b}>${a}`, seq: s.seq, ack: s.ack, flags: s.flags, buf: s.buf, offset: s.offset, end: s.end });
    const half: HalfStream = out.half;
    const st = (half.user ??= newFramer(!half.syn)) as FramerState;
    const notes: Note[] = [...out.notes];
    const units: IketcpUnit[] = [];
    frame(st, out.pieces, half.originator, notes, units);
    return finish(units, notes, s, out.held > 0 ? 'held' : out.pieces.length === 0 && s.end > s.offset ? 'retransmission' : st.quiet ? 'midstream' : 'partial');
  }
}

/** Frame one segment on its own, from its first byte (no reassembly). */
export function frameSegment(frameNo: number, buf: Uint8Array, offset: number, end: number): IketcpUnit[] {
  const st = newFramer();
  const notes: Note[] = [];
  const units: IketcpUnit[] = [];
  frame(st, [{ at: 0, bytes: buf.subarray(offset, end), frame: frameNo, srcOffset: offset }], undefined, notes, units);
  if (st.pendingLen > 0) {
    const rest = concat(st.pending, st.pendingLen);
    units.push({ kind: 'segment', bytes: rest, srcOffset: end - rest.length, pieces: [{ frame: frameNo, offset: 0, length: rest.length }], notes: [], segment: 'partial' });
  }
  return finish(units, notes, { frame: frameNo, buf, offset, end }, 'partial');
}

function finish(units: IketcpUnit[], notes: Note[], s: { frame: number; buf: Uint8Array; offset: number; end: number }, why: IketcpRecord['segment']): IketcpUnit[] {
  if (!units.length && s.end > s.offset) {
    units.push({ kind: 'segment', bytes: s.buf.subarray(s.offset, s.end), srcOffset: s.offset, pieces: [{ frame: s.frame, offset: 0, length: s.end - s.offset }], notes: [], segment: why });
  }
  if (notes.length && units.length) units[0] = { ...units[0]!, notes: [...notes, ...units[0]!.notes] };
  return units;
}

// ------------------------------------------------------------------ one message per packet, for consumers that want it

/** The slice of a packet the consumers read (structurally a `Packet` of ./packet.ts, without importing it). */
interface PacketLike {
  readonly frame: unknown;
  readonly sources: readonly unknown[];
  readonly layers: readonly { readonly spec: { readonly id: string } }[];
  readonly summary: unknown;
}

/** Whether a packet carries more than one framed message (no allocation: asked for every packet). */
export function hasSeveralMessages(p: PacketLike): boolean {
  let n = 0;
  for (const l of p.layers) if (l.spec.id === 'iketcp' && ++n > 1) return true;
  return false;
}

/**
 * One view per framed message when a TCP segment completed several (each
 * view: the layers up to TCP, then that message's `tcp.segments`, `iketcp`
 * and ISAKMP/ESP layers); any other packet as it is. For passes that take
 * one message per packet, such as the session builder.
 */
export function perMessage<P extends PacketLike>(p: P): P[] {
  const layers = p.layers;
  const starts: number[] = [];
  for (let i = 0; i < layers.length; i++) {
    if (layers[i]!.spec.id !== 'iketcp') continue;
    starts.push(i > 0 && layers[i - 1]!.spec.id === 'tcp.segments' ? i - 1 : i);
  }
  if (starts.length <= 1) return [p];
  const head = layers.slice(0, starts[0]);
  return starts.map((s, k) => {
    const view = Object.create(p) as P;
    Object.defineProperty(view, 'layers', { value: [...head, ...layers.slice(s, starts[k + 1] ?? layers.length)], enumerable: true });
    Object.defineProperty(view, 'summary', { get: () => p.summary, enumerable: true });
    return view;
  });
}
