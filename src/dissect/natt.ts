/**
 * UDP encapsulation of IPsec (RFC 3948) on the NAT-T ports (4500).
 *
 * RFC 3948 §2: a datagram is a NAT-keepalive (exactly one 0xFF byte, §2.3),
 * IKE behind a 4-byte all-zero non-ESP marker (§2.2), or ESP starting at its
 * SPI (§2.1). The marker works because ESP never sends SPI 0 (RFC 4303
 * §2.1), so four zero bytes always mean IKE.
 */
import { defineFields } from '../core/fields.js';
import { defineNotes, note } from '../core/notes.js';
import { node, type TreeNode } from '../core/tree.js';
import { runDissector, type Dissector, type LayerSpec } from './layer.js';

export const NON_ESP_MARKER_LEN = 4;
export const NAT_KEEPALIVE_BYTE = 0xff;

export const nattFields = defineFields({
  proto: { id: 'udpencap', label: 'UDP Encapsulation of IPsec Packets', type: 'protocol', rfc: 'RFC 3948' },
  natKeepalive: { id: 'udpencap.nat_keepalive', label: 'NAT-keepalive packet', type: 'none', rfc: 'RFC 3948 §2.3' },
  nonEspMarker: { id: 'udpencap.non_esp_marker', label: 'Non-ESP Marker', type: 'none', rfc: 'RFC 3948 §2.2' },
});

export const nattNotes = defineNotes({
  short: { id: 'udpencap.short', group: 'malformed', severity: 'error', summary: 'UDP-encapsulated payload is neither a NAT-keepalive nor long enough for a non-ESP marker or an ESP header' },
});

export type NattKind = 'keepalive' | 'marker' | 'esp' | 'malformed';

export interface NattRecord {
  kind?: NattKind;
  /** Bytes of UDP payload seen (for the malformed case). */
  size?: number;
  truncated?: boolean;
}

export const nattSpec: LayerSpec<NattRecord> = {
  id: 'udpencap',
  field: nattFields.proto,
  tree(r, l): TreeNode[] {
    if (r.kind === 'keepalive') return [node(nattFields.natKeepalive, null, l.offset, 1)];
    if (r.kind === 'marker') return [node(nattFields.nonEspMarker, null, l.offset, NON_ESP_MARKER_LEN)];
    return [];
  },
  summarize(r, s) {
    // ISAKMP and ESP overwrite these columns; a lone keepalive keeps them (tshark: `UDPENCAP NAT-keepalive`).
    s.protocol = 'UDPENCAP';
    if (r.kind === 'keepalive') s.info = 'NAT-keepalive';
  },
};

export const dissectNattPayload: Dissector<NattRecord> = (_ctx, src, buf, offset, end) =>
  runDissector(nattSpec, src, buf, offset, end, {} as NattRecord, (_r, rec, notes) => {
    const n = end - offset;
    rec.size = n;
    if (n === 1 && buf[offset] === NAT_KEEPALIVE_BYTE) {
      rec.kind = 'keepalive';
      return { length: 1 };
    }
    if (n < NON_ESP_MARKER_LEN) {
      rec.kind = 'malformed';
      let zeros = true;
      for (let i = offset; i < end; i++) if (buf[i] !== 0) zeros = false;
      const msg =
        n === 0
          ? 'empty UDP payload: neither a NAT-keepalive, a non-ESP marker nor ESP'
          : n === 1
            ? `1 byte 0x${buf[offset]!.toString(16).padStart(2, '0')}: a NAT-keepalive is 0xff`
            : zeros
              ? `${n} zero bytes: a cut non-ESP marker (4 bytes)`
              : `${n} bytes: too short for a non-ESP marker or an ESP header`;
      notes.push(note(nattNotes.short, msg, offset, n));
      return { length: n };
    }
    if ((buf[offset]! | buf[offset + 1]! | buf[offset + 2]! | buf[offset + 3]!) === 0) {
      rec.kind = 'marker';
      return { length: NON_ESP_MARKER_LEN, next: { by: 'isakmp', key: 0, offset: offset + NON_ESP_MARKER_LEN, end } };
    }
    // ESP-in-UDP: the SPI starts right here (and is non-zero).
    rec.kind = 'esp';
    return { length: 0, next: { by: 'esp', key: 0, offset, end } };
  });
