/**
 * ESP (RFC 4303 §2): SPI and sequence number in clear, then IV, ciphertext,
 * padding, next header and ICV, which need the SA to tell apart. Without
 * decryption the rest is one opaque range.
 *
 * This is the hot path of bulk captures: the common case reads two words
 * straight from the buffer and allocates one small record and the layer; no
 * Reader, no notes array, no tree until `tree()` is asked for.
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note, type Note } from '../core/notes.js';
import { be32 } from '../core/reader.js';
import { node, type TreeNode } from '../core/tree.js';
import type { EspDecrypted } from './decrypt-hooks.js';
import { runDissector, type Dissector, type Layer, type LayerSpec } from './layer.js';
import { IP_PROTOCOLS } from './ipv4.js';

/** SPI (4) + Sequence Number (4), RFC 4303 §2. */
export const ESP_HEADER_LEN = 8;

export const espFields = defineFields({
  proto: { id: 'esp', label: 'Encapsulating Security Payload', type: 'protocol', rfc: 'RFC 4303' },
  spi: { id: 'esp.spi', label: 'ESP SPI', type: 'uint', base: 'hex_dec', hexDigits: 8, rfc: 'RFC 4303 §2.1' },
  sequence: { id: 'esp.sequence', label: 'ESP Sequence', type: 'uint', rfc: 'RFC 4303 §2.2' },
  data: { id: 'esp.data', label: 'ESP Payload', type: 'bytes', rfc: 'RFC 4303 §2.3', blurb: 'IV, ciphertext, padding, next header and ICV, undivided (not decrypted)' },
  // With keys (src/decrypt/esp/engine.ts): Wireshark's names where it has them (packet-ipsec.c).
  decryption: { id: 'esp.decryption', label: 'Decryption', type: 'string', blurb: 'Algorithms, status and where the keys came from' },
  sequenceHigh: { id: 'esp.sequence_high', label: 'ESN high-order bits', type: 'uint', rfc: 'RFC 4303 §2.2.1', blurb: 'Inferred, not sent (RFC 4303 Appendix A)' },
  iv: { id: 'esp.iv', label: 'ESP IV', type: 'bytes', rfc: 'RFC 4303 §2.3' },
  pad: { id: 'esp.pad', label: 'Padding', type: 'bytes', rfc: 'RFC 4303 §2.4', blurb: 'Decrypted padding (1, 2, 3, …); the range is its ciphertext' },
  padLen: { id: 'esp.pad_len', label: 'ESP Pad Length', type: 'uint', rfc: 'RFC 4303 §2.5' },
  protocol: { id: 'esp.protocol', label: 'Next header', type: 'uint', values: IP_PROTOCOLS, rfc: 'RFC 4303 §2.6' },
  icv: { id: 'esp.icv', label: 'Integrity Check Value', type: 'bytes', rfc: 'RFC 4303 §2.8' },
  icvGood: { id: 'esp.icv_good', label: 'Good', type: 'bool', rfc: 'RFC 4303 §3.4.4' },
  icvBad: { id: 'esp.icv_bad', label: 'Bad', type: 'bool', rfc: 'RFC 4303 §3.4.4' },
});

export const espNotes = defineNotes({
  spiZero: { id: 'esp.spi.zero', group: 'protocol', severity: 'warn', summary: 'ESP SPI 0 is reserved for local use and must not be sent (RFC 4303 §2.1)' },
  spiReserved: { id: 'esp.spi.reserved', group: 'protocol', severity: 'note', summary: 'ESP SPI 1–255 is reserved by IANA for future use (RFC 4303 §2.1)' },
});

export interface EspRecord {
  spi?: number;
  sequence?: number;
  /**
   * Everything after the sequence number: absolute offset and length in the
   * layer's data. The view is only made when the tree asks for it.
   */
  dataOffset?: number;
  dataLength?: number;
  truncated?: boolean;
  /** Set by the decryption engine on a replacement layer (src/dissect/decrypt-hooks.ts). */
  decrypted?: EspDecrypted;
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0');

export const espSpec: LayerSpec<EspRecord> = {
  id: 'esp',
  field: espFields.proto,
  tree(r, l) {
    const o = l.offset;
    const out: TreeNode[] = [];
    if (r.spi !== undefined) out.push(node(espFields.spi, r.spi, o, 4));
    if (r.sequence !== undefined) out.push(node(espFields.sequence, r.sequence, o + 4, 4));
    const dec = r.decrypted;
    if (dec) out.push(...decryptedNodes(dec, l));
    if (r.dataOffset !== undefined && r.dataLength && dec?.status !== 'ok') {
      const data = l.data.subarray(r.dataOffset, r.dataOffset + r.dataLength);
      out.push(node(espFields.data, data, r.dataOffset, r.dataLength));
    }
    if (dec?.icv) out.push(icvNode(dec, l));
    return out;
  },
  summarize(r, s) {
    s.protocol = 'ESP';
    s.info = r.spi === undefined ? 'ESP' : r.sequence === undefined ? `ESP (SPI=0x${hex8(r.spi)})` : `ESP (SPI=0x${hex8(r.spi)}) seq=${r.sequence}`;
    // A decrypted packet's inner layers set the Info column; a failure says why here.
    const st = r.decrypted?.status;
    if (st && st !== 'ok') s.info += ` [${FAILURE_TEXT[st]}]`;
  },
};

const FAILURE_TEXT: Readonly<Record<Exclude<EspDecrypted['status'], 'ok'>, string>> = {
  'icv-bad': 'ICV mismatch',
  'bad-padding': 'bad padding',
  'too-short': 'too short',
};

/** Decryption line, ESN high bits, IV, and (decrypted) padding, Pad Length and Next Header. */
function decryptedNodes(dec: EspDecrypted, l: Layer<EspRecord>): TreeNode[] {
  const out: TreeNode[] = [];
  const algs = dec.integ === 'AEAD' ? dec.encr : `${dec.encr} + ${dec.integ}`;
  const what = dec.status === 'ok' ? `Decrypted with ${algs}` : `Not decrypted (${FAILURE_TEXT[dec.status]}) with ${algs}`;
  const text = `${what} (keys from ${dec.keySource})${dec.mode ? `, ${dec.mode} mode` : ''}`;
  out.push(node(espFields.decryption, text, l.offset, 0, { text }));
  if (dec.seqHigh !== undefined) out.push(node(espFields.sequenceHigh, dec.seqHigh, l.offset + 4, 0, { text: `ESN high-order bits: ${dec.seqHigh} (inferred, not sent)` }));
  if (dec.iv) out.push(node(espFields.iv, l.data.subarray(dec.iv.offset, dec.iv.offset + dec.iv.length), dec.iv.offset, dec.iv.length));
  if (dec.status === 'ok' && dec.padLength !== undefined && dec.nextHeader !== undefined) {
    // The trailer's bytes in the frame are its ciphertext; the values are the plaintext's.
    const trailerEnd = dec.icv ? dec.icv.offset : l.offset + l.length;
    const padAt = trailerEnd - 2 - dec.padLength;
    const pad = Uint8Array.from({ length: dec.padLength }, (_, i) => i + 1);
    if (dec.padLength > 0) out.push(node(espFields.pad, pad, padAt, dec.padLength));
    out.push(node(espFields.padLen, dec.padLength, trailerEnd - 2, 1));
    out.push(node(espFields.protocol, dec.nextHeader, trailerEnd - 1, 1));
  }
  return out;
}

function icvNode(dec: EspDecrypted, l: Layer<EspRecord>): TreeNode {
  const icv = dec.icv!;
  const value = l.data.subarray(icv.offset, icv.offset + icv.length);
  const children: TreeNode[] = [];
  if (icv.status !== 'unchecked') {
    children.push(node(espFields.icvGood, icv.status === 'good', icv.offset, icv.length));
    children.push(node(espFields.icvBad, icv.status === 'bad', icv.offset, icv.length));
  }
  const status = icv.status === 'good' ? ' [correct]' : icv.status === 'bad' ? ' [incorrect]' : ' [not checked]';
  return node(espFields.icv, value, icv.offset, icv.length, { children, text: `${espFields.icv.label}: ${hexOf(value)}${status}` });
}

function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

const NO_NOTES: readonly Note[] = Object.freeze([]);

function spiNotes(spi: number, offset: number): readonly Note[] {
  if (spi === 0) return [note(espNotes.spiZero, 'SPI 0 is reserved (RFC 4303 §2.1)', offset, 4)];
  if (spi < 256) return [note(espNotes.spiReserved, `SPI ${spi} is in the IANA-reserved range 1–255`, offset, 4)];
  return NO_NOTES;
}

/** ESP starting at the SPI, in [offset, end). */
export const dissectEspPacket: Dissector<EspRecord> = (_ctx, src, buf, offset, end) => {
  if (end - offset < ESP_HEADER_LEN) {
    // Short: let runDissector record what is there and the truncation note.
    return runDissector(espSpec, src, buf, offset, end, {} as EspRecord, (r, rec, notes) => {
      rec.spi = r.u32('esp.spi');
      notes.push(...spiNotes(rec.spi, offset));
      rec.sequence = r.u32('esp.sequence');
    });
  }
  const spi = be32(buf, offset);
  const rec: EspRecord = { spi, sequence: be32(buf, offset + 4), dataOffset: offset + ESP_HEADER_LEN, dataLength: end - offset - ESP_HEADER_LEN };
  const layer: Layer<EspRecord> = { spec: espSpec, record: rec, source: src, data: buf, offset, length: end - offset, notes: spi > 255 ? NO_NOTES : spiNotes(spi, offset) };
  return { layer };
};
