/**
 * `-T fields -e FIELD …` with tshark's `-E` options (header, separator,
 * quote, occurrence, aggregator). Missing fields print empty.
 */
import type { FieldDef } from '../../core/fields.js';
import { fieldText, type TreeNode } from '../../core/tree.js';
import { layerTree, type Packet } from '../../dissect/packet.js';
import { columnValue, isColumnField } from './columns.js';
import type { LayerSpec } from '../../dissect/layer.js';

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
 * A compiled `-e` list: which fields are packet-list columns, and which
 * protocols' layers must be turned into trees. Only layers of a requested
 * field's protocol are built, each once per packet: a field's id starts with
 * its protocol's id (checked by test/registry.test.ts), which keeps
 * `-e esp.spi` cheap on big files.
 */
export class FieldExtractor {
  private readonly protos = new Set<string>();
  private readonly columns: (FieldDef | undefined)[];
  /** Per layer spec: does it carry any requested field? (Specs are few and long-lived.) */
  private readonly wanted = new Map<LayerSpec<unknown>, boolean>();

  constructor(readonly fields: readonly FieldDef[]) {
    this.columns = fields.map((f) => (isColumnField(f) ? f : undefined));
    for (const f of fields) if (!isColumnField(f)) this.protos.add(protoOf(f.id));
  }

  /** The values of each requested field, one array per field, in tree order. */
  extract(p: Packet): string[][] {
    const fields = this.fields;
    const out: string[][] = [];
    for (let i = 0; i < fields.length; i++) {
      const c = this.columns[i];
      out.push(c ? [columnValue(c, p)!] : []);
    }
    if (this.protos.size === 0) return out;
    for (const l of p.layers) {
      let w = this.wanted.get(l.spec);
      if (w === undefined) {
        w = this.protos.has(protoOf(l.spec.field.id));
        this.wanted.set(l.spec, w);
      }
      if (w) collect(layerTree(l), fields, out);
    }
    return out;
  }
}

/** The values of one field in a packet. */
export function fieldValues(p: Packet, f: FieldDef): string[] {
  return new FieldExtractor([f]).extract(p)[0]!;
}

function collect(n: TreeNode, fields: readonly FieldDef[], out: string[][]): void {
  const i = fields.indexOf(n.field);
  if (i >= 0) {
    const t = fieldText(n.field, n.value);
    // The same field asked for twice gets the value in both columns.
    for (let k = i; k < fields.length; k++) if (fields[k] === n.field) out[k]!.push(t);
  }
  const c = n.children;
  if (c) for (let j = 0; j < c.length; j++) collect(c[j]!, fields, out);
}

const protoCache = new Map<string, string>();

/** First dotted segment of an id: the protocol a field belongs to. */
export function protoOf(id: string): string {
  let p = protoCache.get(id);
  if (p === undefined) {
    const dot = id.indexOf('.');
    p = dot < 0 ? id : id.slice(0, dot);
    protoCache.set(id, p);
  }
  return p;
}

export function fieldsHeader(fields: readonly FieldDef[], o: FieldsOptions): string {
  return fields.map((f) => f.id).join(o.separator) + '\n';
}

export function fieldsLine(p: Packet, x: FieldExtractor, o: FieldsOptions): string {
  let line = '';
  const all = x.extract(p);
  for (let i = 0; i < all.length; i++) {
    const vals = all[i]!;
    let s: string;
    if (vals.length === 0) s = '';
    else if (vals.length === 1) s = vals[0]!;
    else if (o.occurrence === 'f') s = vals[0]!;
    else if (o.occurrence === 'l') s = vals[vals.length - 1]!;
    else s = vals.join(o.aggregator);
    if (o.quote !== 'n') {
      const q = o.quote === 'd' ? '"' : "'";
      s = q + s + q;
    }
    line += i === 0 ? s : o.separator + s;
  }
  return line + '\n';
}
