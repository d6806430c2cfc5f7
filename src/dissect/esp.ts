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

/** SPI (4) + Sequence Number (4), RFC 4303 §2. */
export const ESP_HEADER_LEN = 8;

export const espFields = defineFields({
  proto: { id: 'esp', label: 'Encapsulating Security Payload', type: 'protocol', rfc: 'RFC 4303' },
  spi: { id: 'esp.spi', label: 'ESP SPI', type: 'uint', base: 'hex_dec', hexDigits: 8, rfc: 'RFC 4303 §2.1' },
  sequence: { id: 'esp.sequence', label: 'ESP Sequence', type: 'uint', rfc: 'RFC 4303 §2.2' },
  data: { id: 'esp.data', label: 'ESP Payload', type: 'bytes', rfc: 'RFC 4303 §2.3', blurb: 'IV, ciphertext, padding, next header and ICV, undivided (not decrypted)' },
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
    if (r.dataOffset !== undefined && r.dataLength) {
      const data = l.data.subarray(r.dataOffset, r.dataOffset + r.dataLength);
      out.push(node(espFields.data, data, r.dataOffset, r.dataLength));
    }
    return out;
  },
  summarize(r, s) {
    s.protocol = 'ESP';
    s.info = r.spi === undefined ? 'ESP' : r.sequence === undefined ? `ESP (SPI=0x${hex8(r.spi)})` : `ESP (SPI=0x${hex8(r.spi)}) seq=${r.sequence}`;
  },
};

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
