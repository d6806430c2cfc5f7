/**
 * JSON output (`-T json` array, `-T jsonl` one object per line). The shape
 * is espy's own: every layer with its tree (ids, values, byte ranges) and
 * every note with its registry id, group and severity.
 *
 * Every packet object starts with `"schema": "espy.packet/1"` (PACKET_SCHEMA);
 * the shape is specified by schema/espy-packet.schema.json (JSON Schema
 * 2020-12, checked against every fixture by test/json-schema.test.ts). Adding
 * an optional key keeps the id; renaming or removing one bumps it.
 */
import type { FieldDef } from '../../core/fields.js';
import type { Note } from '../../core/notes.js';
import { toHex } from '../../core/bytes.js';
import { displayValue, fieldText, nodeLine, type TreeNode, type Value } from '../../core/tree.js';
import { layerTree, type Packet } from '../../dissect/packet.js';
import { FieldExtractor } from './fields.js';

/** Schema id of one per-packet object (`-T json` array element, `-T jsonl` line). */
export const PACKET_SCHEMA = 'espy.packet/1';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function jsonValue(f: FieldDef, v: Value): Json {
  if (v === null) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return f.type === 'bytes' ? toHex(v) : fieldText(f, v);
  return v;
}

function nodeJson(n: TreeNode): { [k: string]: Json } {
  const o: { [k: string]: Json } = {
    id: n.field.id,
    show: n.text ?? nodeLine(n),
    value: jsonValue(n.field, n.value),
    offset: n.offset,
    length: n.length,
  };
  const table = n.values ?? n.field.values;
  if (table && typeof n.value === 'number') o.name = displayValue(n.field, n.value, table);
  if (n.source !== undefined && n.source >= 0) o.source = n.source;
  if (n.children) o.children = n.children.map(nodeJson);
  if (n.notes) o.notes = n.notes.map(noteJson);
  return o;
}

export function noteJson(n: Note): { [k: string]: Json } {
  const o: { [k: string]: Json } = { id: n.def.id, group: n.def.group, severity: n.def.severity, message: n.message };
  if (n.offset !== undefined) {
    o.offset = n.offset;
    o.length = n.length ?? 0;
  }
  return o;
}

export function packetJson(p: Packet, fields: FieldExtractor | undefined, withHex: boolean): string {
  const f = p.frame;
  const o: { [k: string]: Json } = {
    schema: PACKET_SCHEMA,
    frame: f.number,
    time: `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`,
    len: f.origLen,
    caplen: f.caplen,
    summary: { ...p.summary },
  };
  if (fields && fields.fields.length) {
    const vals: { [k: string]: Json } = {};
    const all = fields.extract(p);
    fields.fields.forEach((fd, i) => (vals[fd.id] = all[i]!));
    o.fields = vals;
  } else {
    o.layers = p.layers.map((l) => {
      const t = layerTree(l);
      return {
        protocol: l.spec.id,
        show: t.text ?? nodeLine(t),
        source: l.source,
        offset: l.offset,
        length: l.length,
        fields: (t.children ?? []).map(nodeJson),
        notes: l.notes.map(noteJson),
      };
    });
  }
  o.sources = p.sources.map((s) => {
    const so: { [k: string]: Json } = { name: s.name, length: s.bytes.length };
    if (withHex) so.hex = toHex(s.bytes);
    return so;
  });
  return JSON.stringify(o);
}
