/**
 * ISAKMP messages (UDP 500, and UDP 4500 after the non-ESP marker): the
 * fixed header of both versions and the generic payload chain.
 *
 * IKEv1 (RFC 2408 §3.1) and IKEv2 (RFC 7296 §3.1) share the 28-byte header
 * layout; the major-version nibble decides how the flags and the generic
 * payload header's second byte are read. Each payload is confined to its
 * declared length with `Reader.sub`, so a bad length stops the walk without
 * disturbing the payloads already parsed. Payload bodies are kept raw here;
 * `IsakmpPayload.decoded` is where per-type parsing will go.
 */
import { describeCode } from '../../core/codes.js';
import { isakmpFields } from './header-fields.js';
import { defineNotes, note, type Note } from '../../core/notes.js';
import { Reader } from '../../core/reader.js';
import { node, type TreeNode } from '../../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from '../layer.js';
import { Truncated } from '../../core/reader.js';
import { decoderFor } from './decoders.js';
import { toHex } from '../../core/bytes.js';
import type { IkeDecrypted } from '../decrypt-hooks.js';
import type { DecodedPayload, PayloadContext } from './payload.js';
import {
  PAYLOAD_NONE,
  PAYLOAD_SK,
  PAYLOAD_SKF,
  exchangeTable,
  payloadTable,
} from './codes.js';

/** RFC 2408 §3.1 / RFC 7296 §3.1: the fixed header is 28 bytes in both versions. */
export const ISAKMP_HEADER_LEN = 28;
/** Generic payload header (RFC 2408 §3.2, RFC 7296 §3.2). */
export const PAYLOAD_HEADER_LEN = 4;
/**
 * Loop guard for crafted chains. Every payload consumes at least 4 bytes so a
 * chain cannot cycle, but a 64 KiB message of 4-byte payloads would build
 * 16 000 nodes; real messages carry a few dozen at most.
 */
export const MAX_PAYLOADS = 256;

export { FLAG_E, FLAG_C, FLAG_A, FLAG_I, FLAG_V, FLAG_R } from './header-fields.js';
import { FLAG_A, FLAG_C, FLAG_E, FLAG_I, FLAG_R, FLAG_V } from './header-fields.js';

export { isakmpFields } from './header-fields.js';

export const isakmpNotes = defineNotes({
  badLength: { id: 'isakmp.length.bad', group: 'malformed', severity: 'error', summary: 'ISAKMP Length disagrees with the bytes available or is shorter than the header' },
  extraData: { id: 'isakmp.extradata', group: 'protocol', severity: 'warn', summary: 'Bytes follow the ISAKMP message inside the datagram (one message per datagram)' },
  payloadLength: { id: 'isakmp.payloadlength.invalid', group: 'malformed', severity: 'error', summary: 'Payload length is less than 4 or runs past the end of the message' },
  chainCut: { id: 'isakmp.payload.missing', group: 'malformed', severity: 'error', summary: 'Next payload announces a payload but the message ends' },
  // Libreswan pads IKEv1 messages (seen: one zero byte after the last payload); tshark shows them as Extra data.
  trailing: { id: 'isakmp.payload.trailing', group: 'protocol', severity: 'note', summary: 'Bytes follow the last payload of the chain inside the message (padding)' },
  tooMany: { id: 'isakmp.payload.too_many', group: 'malformed', severity: 'warn', summary: 'Payload chain longer than the dissector follows' },
  skNotLast: { id: 'isakmp.enc.not_last', group: 'protocol', severity: 'warn', summary: 'Bytes follow the Encrypted (SK/SKF) payload, which must be last (RFC 7296 §3.14)' },
  unknownVersion: { id: 'isakmp.version.unknown', group: 'protocol', severity: 'warn', summary: 'ISAKMP major version is neither 1 nor 2' },
  bodyTruncated: { id: 'isakmp.payload.body_truncated', group: 'malformed', severity: 'error', summary: 'A payload body ends before its contents do (the next payloads are still dissected)' },
});


/** One payload of the generic chain (RFC 2408 §3.2, RFC 7296 §3.2). Offsets are absolute. */
export interface IsakmpPayload {
  /** This payload's type, as announced by the previous Next Payload field. */
  readonly type: number;
  /** Offset of the generic payload header. */
  readonly offset: number;
  /** Payload Length as sent (header included). */
  readonly length: number;
  /** Next Payload field. For SK/SKF it names the first inner (encrypted) payload. */
  readonly nextPayload: number;
  /** IKEv2 critical bit (RFC 7296 §3.2); absent for IKEv1. */
  readonly critical?: boolean;
  /** IKEv1: the reserved byte; IKEv2: the 7 bits after the critical bit. */
  readonly reserved: number;
  /** Offset of the body (after the 4-byte generic header). */
  readonly bodyOffset: number;
  /** The body, a view into the source (no copy). */
  readonly body: Uint8Array;
  /** Set when the declared length is bad: `body` is what was there, or empty. */
  readonly malformed?: boolean;
  /** SKF (RFC 7383 §2.5): Fragment Number and Total Fragments, sent in clear before the IV. */
  readonly fragNumber?: number;
  readonly fragTotal?: number;
  /** Encrypted and Authenticated payloads (SK/SKF): body is IV ‖ ciphertext ‖ ICV (lengths need the SA). */
  readonly encrypted?: boolean;
  /** Parsed body (per payload type; later). */
  readonly decoded?: DecodedPayload;
}

export interface IsakmpRecord {
  ispi?: Uint8Array;
  rspi?: Uint8Array;
  nextPayload?: number;
  /** The version byte as sent; `major` / `minor` are its nibbles. */
  version?: number;
  major?: number;
  minor?: number;
  exchangeType?: number;
  flags?: number;
  messageId?: number;
  /** The Length field as sent. */
  length?: number;
  /** Payloads in chain order (empty for IKEv1 with the E flag). */
  payloads: IsakmpPayload[];
  /** IKEv1 with the E flag (RFC 2408 §3.1): everything after the header is ciphertext. */
  encrypted?: { readonly offset: number; readonly data: Uint8Array };
  /** Message body of an unknown major version, not walked. */
  unparsed?: { readonly offset: number; readonly data: Uint8Array };
  /** Bytes inside the message after the payload chain ended (Next Payload 0). */
  trailing?: { readonly offset: number; readonly data: Uint8Array };
  /** Bytes after `length` inside the datagram. */
  extra?: { readonly offset: number; readonly data: Uint8Array };
  truncated?: boolean;
  /** Set by the decryption engine (src/dissect/decrypt-hooks.ts) on a replacement layer. */
  decrypted?: IkeDecrypted;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** Wireshark-style bit diagram of an 8-bit flags byte for one mask, e.g. `..1. ....`. */
function bits8(mask: number, byte: number): string {
  let s = '';
  for (let i = 7; i >= 0; i--) {
    const bit = 1 << i;
    s += mask & bit ? (byte & bit ? '1' : '0') : '.';
    if (i === 4) s += ' ';
  }
  return s;
}

/** Message-ID as tshark 4.0 prints it in Info (`MID=%02u`: decimal, at least two digits). */
function mid(n: number): string {
  return String(n).padStart(2, '0');
}

function codeLine(label: string, name: string, value: number): string {
  return `${label}: ${name} (${value})`;
}

/** IKEv2 Info column, as tshark 4.0 (`IKE_SA_INIT MID=00 Initiator Request`). */
export function ikev2Info(rec: IsakmpRecord): string {
  let s = rec.exchangeType !== undefined ? describeCode(exchangeTable(2), rec.exchangeType) : 'IKEv2';
  if (rec.flags !== undefined && rec.messageId !== undefined) {
    s += ` MID=${mid(rec.messageId)} ${rec.flags & FLAG_I ? 'Initiator' : 'Responder'} ${rec.flags & FLAG_R ? 'Response' : 'Request'}`;
  }
  return s;
}

function flagNodes(major: number | undefined, flags: number, o: number): TreeNode[] {
  const one = (field: typeof isakmpFields.flagE, mask: number, yes: string, no: string) =>
    node(field, (flags & mask) !== 0, o, 1, { text: `${bits8(mask, flags)} = ${field.label}: ${flags & mask ? yes : no}` });
  if (major === 1) {
    return [
      one(isakmpFields.flagE, FLAG_E, 'Encrypted', 'Not encrypted'),
      one(isakmpFields.flagC, FLAG_C, 'Commit', 'No commit'),
      one(isakmpFields.flagA, FLAG_A, 'Authentication', 'No authentication'),
    ];
  }
  if (major === 2) {
    return [
      one(isakmpFields.flagI, FLAG_I, 'Initiator', 'Responder'),
      one(isakmpFields.flagV, FLAG_V, 'A higher version enabled', 'No higher version'),
      one(isakmpFields.flagR, FLAG_R, 'Response', 'Request'),
    ];
  }
  return [];
}

function flagsText(major: number | undefined, flags: number): string {
  const hex = `0x${flags.toString(16).padStart(2, '0')}`;
  if (major !== 2) return `Flags: ${hex}`;
  return `Flags: ${hex} (${flags & FLAG_I ? 'Initiator' : 'Responder'}, ${flags & FLAG_V ? 'A higher version enabled' : 'No higher version'}, ${flags & FLAG_R ? 'Response' : 'Request'})`;
}

function encDataNode(offset: number, data: Uint8Array): TreeNode {
  return node(isakmpFields.encData, data, offset, data.length, { text: `Encrypted Data (${plural(data.length, 'byte')})` });
}

const STATUS_TEXT: Record<IkeDecrypted['status'], string> = { ok: 'decrypted', 'icv-bad': 'not decrypted: ICV mismatch', garbled: 'not decrypted: plaintext is not a payload chain (wrong key or IV)' };

/**
 * What the decryption engine found (Wireshark puts this under the Encrypted
 * payload): IV, ICV and its status, then the plaintext as "Decrypted Data"
 * whose subtree points into the "Decrypted IKE" source.
 */
function decryptedNodes(d: IkeDecrypted, rec: IsakmpRecord): TreeNode[] {
  const out: TreeNode[] = [];
  out.push(node(isakmpFields.encStatus, STATUS_TEXT[d.status], 0, 0, { text: `Decryption: ${STATUS_TEXT[d.status]}` }));
  out.push(node(isakmpFields.encKeys, d.keySource, 0, 0));
  if (d.iv) {
    const r = d.ivRange;
    out.push(node(isakmpFields.encIv, d.iv, r?.offset ?? 0, r?.length ?? 0, r ? { source: r.source } : { text: `Initialization Vector: ${toHex(d.iv)} (computed, RFC 2409 App. B)` }));
  }
  if (d.icv) {
    out.push(node(isakmpFields.encIcdStatus, d.icv.status, d.icv.offset, d.icv.length, { source: d.icv.source, text: `Integrity Checksum Data: [${d.icv.status === 'good' ? 'correct' : d.icv.status === 'bad' ? 'incorrect' : 'not checked'}]` }));
  }
  for (const c of d.checks ?? []) {
    const verdict = c.ok === true ? 'verified' : c.ok === false ? 'DOES NOT VERIFY' : 'not checked';
    out.push(node(isakmpFields.encCheck, `${c.what}: ${verdict}`, 0, 0, { text: `${c.what}: ${verdict}${c.detail ? ` (${c.detail})` : ''}` }));
  }
  if (d.source >= 0) {
    const major = rec.major === 1 ? 1 : 2;
    const kids = d.payloads.map((p, i) => payloadNode(p, major, rec, i));
    if (d.padding && d.padding.length > 0) kids.push(node(isakmpFields.encPadding, null, d.padding.offset, d.padding.length));
    if (d.padLength !== undefined && d.padding) kids.push(node(isakmpFields.encPadLength, d.padLength, d.padding.offset + d.padding.length, 1));
    const first = d.payloads[0]?.offset ?? 0;
    const last = d.payloads.length ? d.payloads[d.payloads.length - 1]! : undefined;
    const end = d.padding ? d.padding.offset + d.padding.length + (d.padLength !== undefined ? 1 : 0) : last ? last.bodyOffset + last.body.length : first;
    out.push(node(isakmpFields.encDecrypted, null, first, end - first, { source: d.source, text: `Decrypted Data (${plural(end - first, 'byte')})${d.fragmentFrames && d.fragmentFrames.length > 1 ? `, reassembled from frames ${d.fragmentFrames.join(', ')}` : ''}`, children: kids }));
  }
  return out;
}

function payloadNode(p: IsakmpPayload, major: number | undefined, rec?: IsakmpRecord, index = 0): TreeNode {
  const table = payloadTable(major);
  const o = p.offset;
  const kids: TreeNode[] = [node(isakmpFields.nextpayload, p.nextPayload, o, 1, { text: codeLine('Next payload', describeCode(table, p.nextPayload), p.nextPayload) })];
  if (major === 2) {
    const byte = (p.critical ? 0x80 : 0) | p.reserved;
    kids.push(node(isakmpFields.criticalpayload, p.critical === true, o + 1, 1, { text: `${bits8(0x80, byte)} = Critical Bit: ${p.critical ? 'Critical' : 'Not critical'}` }));
    kids.push(node(isakmpFields.reserved7, p.reserved, o + 1, 1));
  } else {
    kids.push(node(isakmpFields.reserved, Uint8Array.of(p.reserved), o + 1, 1));
  }
  kids.push(node(isakmpFields.payloadlength, p.length, o + 2, 2));
  let body = p.body;
  let bodyOffset = p.bodyOffset;
  if (p.fragNumber !== undefined && p.fragTotal !== undefined) {
    kids.push(node(isakmpFields.fragNumber, p.fragNumber, bodyOffset, 2), node(isakmpFields.fragTotal, p.fragTotal, bodyOffset + 2, 2));
    body = body.subarray(4);
    bodyOffset += 4;
  }
  const dec = p.decoded && rec ? decoderFor(major ?? 0, p.type) : undefined;
  if (dec && rec) kids.push(...dec.tree(p.decoded!, payloadContext(rec, p.type, index)));
  else if (body.length > 0) kids.push(p.encrypted ? encDataNode(bodyOffset, body) : node(isakmpFields.datapayload, body, bodyOffset, body.length));
  if (p.encrypted && rec?.decrypted && major === 2) kids.push(...decryptedNodes(rec.decrypted, rec));
  const present = Math.max(0, p.bodyOffset + p.body.length - o);
  return node(isakmpFields.typepayload, p.type, o, p.malformed ? present : p.length, { text: `Payload: ${describeCode(table, p.type)} (${p.type})`, children: kids });
}

export const isakmpSpec: LayerSpec<IsakmpRecord> = {
  id: 'isakmp',
  field: isakmpFields.proto,
  tree(r, l) {
      const o = l.offset;
    const out: TreeNode[] = [];
    if (r.ispi) out.push(node(isakmpFields.ispi, r.ispi, o, 8));
    if (r.rspi) out.push(node(isakmpFields.rspi, r.rspi, o + 8, 8));
    if (r.nextPayload !== undefined) {
      out.push(node(isakmpFields.nextpayload, r.nextPayload, o + 16, 1, { text: codeLine('Next payload', describeCode(payloadTable(r.major), r.nextPayload), r.nextPayload) }));
    }
    if (r.version !== undefined) {
      out.push(
        node(isakmpFields.version, r.version, o + 17, 1, {
          text: `Version: ${r.major}.${r.minor}`,
          children: [node(isakmpFields.mjver, r.major ?? 0, o + 17, 1), node(isakmpFields.mnver, r.minor ?? 0, o + 17, 1)],
        }),
      );
    }
    if (r.exchangeType !== undefined) {
      out.push(node(isakmpFields.exchangetype, r.exchangeType, o + 18, 1, { text: codeLine('Exchange type', describeCode(exchangeTable(r.major), r.exchangeType), r.exchangeType) }));
    }
    if (r.flags !== undefined) out.push(node(isakmpFields.flags, r.flags, o + 19, 1, { text: flagsText(r.major, r.flags), children: flagNodes(r.major, r.flags, o + 19) }));
    if (r.messageId !== undefined) out.push(node(isakmpFields.messageid, r.messageId, o + 20, 4));
    if (r.length !== undefined) out.push(node(isakmpFields.length, r.length, o + 24, 4));
    if (r.encrypted && r.encrypted.data.length > 0) out.push(encDataNode(r.encrypted.offset, r.encrypted.data));
    if (r.encrypted && r.decrypted) out.push(...decryptedNodes(r.decrypted, r));
    r.payloads.forEach((p, i) => out.push(payloadNode(p, r.major, r, i)));
    if (r.unparsed && r.unparsed.data.length > 0) out.push(node(isakmpFields.datapayload, r.unparsed.data, r.unparsed.offset, r.unparsed.data.length));
    if (r.trailing) out.push(node(isakmpFields.extradata, r.trailing.data, r.trailing.offset, r.trailing.data.length));
    if (r.extra) out.push(node(isakmpFields.extradata, r.extra.data, r.extra.offset, r.extra.data.length));
    return out;
  },
  summarize(r, s) {
    s.protocol = 'ISAKMP';
    if (r.major === 2) s.info = ikev2Info(r);
    else if (r.exchangeType !== undefined) s.info = describeCode(exchangeTable(r.major), r.exchangeType);
    else s.info = '';
  },
};

/**
 * Walk the generic payload chain in [r.pos, r.end). Stops at Next Payload 0,
 * after an Encrypted payload (its Next Payload is the first *inner* type,
 * RFC 7296 §3.14), at the first bad length, or after MAX_PAYLOADS.
 */
/** The message facts a payload decoder may use. */
export function payloadContext(rec: IsakmpRecord, type: number, index: number): PayloadContext {
  return { major: rec.major === 1 ? 1 : 2, exchangeType: rec.exchangeType ?? 0, flags: rec.flags ?? 0, messageId: rec.messageId ?? 0, type, index };
}

/**
 * Run the registered decoder over one payload body. A body that ends early
 * keeps what was decoded and gets a note naming the payload; the chain walk
 * continues, since the generic header already told where the next payload is.
 */
function decodeBody(r: Reader, ctx: PayloadContext, notes: Note[], name: string): DecodedPayload | undefined {
  const dec = decoderFor(ctx.major, ctx.type);
  if (!dec) return undefined;
  const d = dec.draft(ctx);
  try {
    dec.decode(r, d, ctx, notes);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    d.truncated = true;
    notes.push(note(isakmpNotes.bodyTruncated, `payload[${ctx.index}] ${name}: ${e.message}`, e.at, e.have));
  }
  return d;
}

function walkPayloads(r: Reader, first: number, major: number, out: IsakmpPayload[], notes: Note[], rec: IsakmpRecord): void {
  const table = payloadTable(major);
  let type = first;
  while (type !== PAYLOAD_NONE) {
    const at = r.pos;
    const left = r.remaining;
    const name = describeCode(table, type);
    if (out.length >= MAX_PAYLOADS) {
      notes.push(note(isakmpNotes.tooMany, `stopped after ${MAX_PAYLOADS} payloads; ${plural(left, 'byte')} not dissected`, at, left));
      return;
    }
    if (left < PAYLOAD_HEADER_LEN) {
      notes.push(note(isakmpNotes.chainCut, `payload[${out.length}] ${name} (${type}) announced, but only ${plural(left, 'byte')} left`, at, left));
      return;
    }
    const next = r.u8('isakmp.nextpayload');
    const second = r.u8('isakmp.reserved');
    const length = r.u16('isakmp.payloadlength');
    const head = major === 2 ? { critical: (second & 0x80) !== 0, reserved: second & 0x7f } : { reserved: second };
    const bodyOffset = at + PAYLOAD_HEADER_LEN;
    if (length < PAYLOAD_HEADER_LEN || length > left) {
      const msg =
        length < PAYLOAD_HEADER_LEN
          ? `payload[${out.length}] ${name} (${type}) length ${length} < ${PAYLOAD_HEADER_LEN}`
          : `payload[${out.length}] ${name} (${type}) length ${length} > ${plural(left, 'byte')} left`;
      notes.push(note(isakmpNotes.payloadLength, msg, at + 2, 2));
      const body = length > left ? r.rest() : r.buf.subarray(bodyOffset, bodyOffset);
      out.push({ type, offset: at, length, nextPayload: next, ...head, bodyOffset, body, malformed: true });
      return;
    }
    const sub = r.sub(length - PAYLOAD_HEADER_LEN, 'payload body');
    const body = sub.buf.subarray(sub.pos, sub.end);
    const isEnc = major === 2 && (type === PAYLOAD_SK || type === PAYLOAD_SKF);
    if (isEnc && type === PAYLOAD_SKF && sub.has(4)) {
      out.push({ type, offset: at, length, nextPayload: next, ...head, bodyOffset, body, encrypted: true, fragNumber: sub.u16('isakmp.frag.number'), fragTotal: sub.u16('isakmp.frag.total') });
    } else {
      const decoded = isEnc ? undefined : decodeBody(sub, payloadContext(rec, type, out.length), notes, name);
      out.push({ type, offset: at, length, nextPayload: next, ...head, bodyOffset, body, ...(isEnc ? { encrypted: true } : {}), ...(decoded ? { decoded } : {}) });
    }
    if (isEnc) {
      if (r.remaining > 0) notes.push(note(isakmpNotes.skNotLast, `${plural(r.remaining, 'byte')} after the ${name} payload`, r.pos, r.remaining));
      return;
    }
    type = next;
  }
  if (r.remaining > 0) {
    notes.push(note(isakmpNotes.trailing, `${plural(r.remaining, 'byte')} after the last payload`, r.pos, r.remaining));
    rec.trailing = { offset: r.pos, data: r.rest() };
  }
}

/**
 * Walk a payload chain in buf[offset, end) starting with payload type `first`:
 * the same walker and decoders as the message dissector, for plaintext the
 * decryption engine hands back (IKEv1 after the header, IKEv2 inside SK).
 * Never throws on bad input: faults become notes, parsed payloads are kept.
 */
export function walkPayloadChain(
  buf: Uint8Array,
  offset: number,
  end: number,
  first: number,
  header: { readonly major: 1 | 2; readonly exchangeType: number; readonly flags: number; readonly messageId: number },
): { payloads: IsakmpPayload[]; notes: Note[]; trailing?: { offset: number; data: Uint8Array } } {
  const rec: IsakmpRecord = { payloads: [], major: header.major, exchangeType: header.exchangeType, flags: header.flags, messageId: header.messageId };
  const notes: Note[] = [];
  const r = new Reader(buf, offset, end);
  try {
    walkPayloads(r, first, header.major, rec.payloads, notes, rec);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    notes.push(note(isakmpNotes.chainCut, e.message, e.at, Math.max(0, e.have)));
  }
  return rec.trailing ? { payloads: rec.payloads, notes, trailing: rec.trailing } : { payloads: rec.payloads, notes };
}

export const dissectIsakmpMessage: Dissector<IsakmpRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(isakmpSpec, src, buf, offset, end, { payloads: [] } as IsakmpRecord, (r, rec, notes) => {
    rec.ispi = r.bytes(8, 'isakmp.ispi');
    rec.rspi = r.bytes(8, 'isakmp.rspi');
    rec.nextPayload = r.u8('isakmp.nextpayload');
    rec.version = r.u8('isakmp.version');
    rec.major = rec.version >> 4;
    rec.minor = rec.version & 0x0f;
    rec.exchangeType = r.u8('isakmp.exchangetype');
    rec.flags = r.u8('isakmp.flags');
    rec.messageId = r.u32('isakmp.messageid');
    rec.length = r.u32('isakmp.length');

    // One message per datagram (RFC 7296 §2); the Length field bounds it.
    const avail = end - offset;
    let msgEnd = end;
    if (rec.length < ISAKMP_HEADER_LEN) {
      notes.push(note(isakmpNotes.badLength, `length ${rec.length} < ${ISAKMP_HEADER_LEN} (header size)`, offset + 24, 4));
    } else if (rec.length > avail) {
      // Snaplen-cut or lying length: dissect what is present.
      notes.push(note(isakmpNotes.badLength, `length ${rec.length} > ${plural(avail, 'byte')} available`, offset + 24, 4));
    } else if (rec.length < avail) {
      msgEnd = offset + rec.length;
      rec.extra = { offset: msgEnd, data: buf.subarray(msgEnd, end) };
      notes.push(note(isakmpNotes.extraData, `${plural(end - msgEnd, 'byte')} after the ${rec.length}-byte message`, msgEnd, end - msgEnd));
    }
    const body = new Reader(buf, offset + ISAKMP_HEADER_LEN, msgEnd);

    if (rec.major === 1 && rec.flags & FLAG_E) {
      // RFC 2408 §3.1: with E set, all payloads after the header are encrypted; nothing to walk.
      rec.encrypted = { offset: body.pos, data: body.rest() };
    } else if (rec.major === 1 || rec.major === 2) {
      walkPayloads(body, rec.nextPayload, rec.major, rec.payloads, notes, rec);
    } else {
      notes.push(note(isakmpNotes.unknownVersion, `version ${rec.major}.${rec.minor}: payloads not dissected`, offset + 17, 1));
      rec.unparsed = { offset: body.pos, data: body.rest() };
    }
    return { length: end - offset };
  });
