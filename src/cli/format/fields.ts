/**
 * `-T fields -e FIELD …` with tshark's `-E` options (header, separator,
 * quote, occurrence, aggregator). Missing fields print empty.
 */
import type { FieldDef } from '../../core/fields.js';
import { fieldText, type TreeNode } from '../../core/tree.js';
import { layerTree, type Packet } from '../../dissect/packet.js';
import { columnValue } from './columns.js';

export interface FieldsOptions {
  header: boolean;
  separator: string;
  quote: 'n' | 'd' | 's';
  occurrence: 'a' | 'f' | 'l';
  aggregator: string;
}

export const DEFAULT_FIELDS_OPTIONS: FieldsOptions = { header: false, separator: '\t', quote: 'n', occurrence: 'a', aggregator: ',' };

/** Parse one `-E key=value` option; returns an error message or undefined. */
export function applyFieldsOption(o: FieldsOptions, spec: string): string | undefined {
  const eq = spec.indexOf('=');
  if (eq < 0) return `-E ${spec}: expected key=value`;
  const key = spec.slice(0, eq);
  const v = spec.slice(eq + 1);
  const unescape = (s: string) => (s === '/t' ? '\t' : s === '/s' ? ' ' : s);
  switch (key) {
    case 'header':
      if (v !== 'y' && v !== 'n') return `-E header=${v}: expected y or n`;
      o.header = v === 'y';
      return undefined;
    case 'separator':
      o.separator = unescape(v);
      return undefined;
    case 'aggregator':
      o.aggregator = unescape(v);
      return undefined;
    case 'quote':
      if (v !== 'd' && v !== 's' && v !== 'n') return `-E quote=${v}: expected d, s or n`;
      o.quote = v;
      return undefined;
    case 'occurrence':
      if (v !== 'a' && v !== 'f' && v !== 'l') return `-E occurrence=${v}: expected a, f or l`;
      o.occurrence = v;
      return undefined;
    default:
      return `-E ${key}: unknown option (header, separator, quote, occurrence, aggregator)`;
  }
}

/**
 * The values of one field in a packet. Only layers of the field's protocol
 * are turned into trees: a field's id starts with its protocol's id (checked
 * by test/registry.test.ts), which keeps `-e esp.spi` cheap on big files.
 */
export function fieldValues(p: Packet, f: FieldDef): string[] {
  const col = columnValue(f, p);
  if (col !== undefined) return [col];
  const proto = protoOf(f.id);
  const out: string[] = [];
  for (const l of p.layers) {
    if (protoOf(l.spec.field.id) !== proto) continue;
    collect([layerTree(l)], f, out);
  }
  return out;
}

function collect(nodes: readonly TreeNode[], f: FieldDef, out: string[]): void {
  for (const n of nodes) {
    if (n.field === f) out.push(fieldText(f, n.value));
    if (n.children) collect(n.children, f, out);
  }
}

/** First dotted segment of an id: the protocol a field belongs to. */
export function protoOf(id: string): string {
  const dot = id.indexOf('.');
  return dot < 0 ? id : id.slice(0, dot);
}

export function fieldsHeader(fields: readonly FieldDef[], o: FieldsOptions): string {
  return fields.map((f) => f.id).join(o.separator) + '\n';
}

export function fieldsLine(p: Packet, fields: readonly FieldDef[], o: FieldsOptions): string {
  const cols: string[] = [];
  for (const f of fields) {
    let vals = fieldValues(p, f);
    if (vals.length > 1 && o.occurrence !== 'a') vals = [o.occurrence === 'f' ? vals[0]! : vals[vals.length - 1]!];
    let s = vals.join(o.aggregator);
    if (o.quote !== 'n') {
      const q = o.quote === 'd' ? '"' : "'";
      s = q + s + q;
    }
    cols.push(s);
  }
  return cols.join(o.separator) + '\n';
}
