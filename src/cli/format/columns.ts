/**
 * The packet-list columns as fields (`_ws.col.*`, tshark's names), so
 * `-e _ws.col.info` works like it does in tshark.
 */
import { defineFields, type FieldDef } from '../../core/fields.js';
import type { Packet } from '../../dissect/packet.js';

export const columnFields = defineFields({
  number: { id: '_ws.col.number', label: 'No.', type: 'uint' },
  src: { id: '_ws.col.def_src', label: 'Source', type: 'string' },
  dst: { id: '_ws.col.def_dst', label: 'Destination', type: 'string' },
  protocol: { id: '_ws.col.protocol', label: 'Protocol', type: 'string' },
  length: { id: '_ws.col.length', label: 'Length', type: 'uint' },
  info: { id: '_ws.col.info', label: 'Info', type: 'string' },
});

const COLUMN_VALUE: ReadonlyMap<FieldDef, (p: Packet) => string> = new Map<FieldDef, (p: Packet) => string>([
  [columnFields.number, (p) => String(p.frame.number)],
  [columnFields.src, (p) => p.summary.src],
  [columnFields.dst, (p) => p.summary.dst],
  [columnFields.protocol, (p) => p.summary.protocol],
  [columnFields.length, (p) => String(p.frame.origLen)],
  [columnFields.info, (p) => p.summary.info],
]);

/** The text of a `_ws.col.*` field, or undefined for any other field. */
export function columnValue(f: FieldDef, p: Packet): string | undefined {
  return COLUMN_VALUE.get(f)?.(p);
}

export function isColumnField(f: FieldDef): boolean {
  return COLUMN_VALUE.has(f);
}
