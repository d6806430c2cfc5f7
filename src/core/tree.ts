/**
 * The protocol tree: what -V prints, what -e and filters search, what the TUI
 * shows. Nodes carry byte ranges in their data source so a selected node can
 * be highlighted in the hex pane.
 */
import { describeCode, type CodeTable } from './codes.js';
import { formatEther, formatIPv4, formatIPv6, toHex } from './bytes.js';
import type { FieldDef } from './fields.js';
import type { Note } from './notes.js';

export type Value = number | bigint | string | boolean | Uint8Array | null;

export interface TreeNode {
  readonly field: FieldDef;
  readonly value: Value;
  /** Absolute offset in the data source. */
  readonly offset: number;
  readonly length: number;
  /**
   * Index of the packet's data source these bytes live in. Set on protocol
   * nodes; children inherit it from their nearest ancestor that has one.
   */
  readonly source?: number;
  /** Replaces the generated "Label: value" line (for summary lines like Wireshark's subtree headers). */
  readonly text?: string;
  readonly children?: readonly TreeNode[];
  readonly notes?: readonly Note[];
  /**
   * Value table for this node when it differs from the field's: one Wireshark
   * id can carry IKEv1 and IKEv2 codes (`isakmp.notify.msgtype`), whose
   * numbers overlap, so the dissector says which table applies.
   */
  readonly values?: CodeTable;
}

export interface NodeOptions {
  values?: CodeTable;
  text?: string;
  children?: readonly TreeNode[];
  notes?: readonly Note[];
  source?: number;
}

export function node(field: FieldDef, value: Value, offset: number, length: number, opts?: NodeOptions): TreeNode {
  // Every node gets the same properties in the same order: one hidden class, so walks over
  // trees of any protocol stay monomorphic (this matters for `-T fields` on millions of packets).
  if (!opts) return { field, value, offset, length, source: undefined, text: undefined, children: undefined, notes: undefined, values: undefined };
  return {
    field,
    value,
    offset,
    length,
    source: opts.source,
    text: opts.text,
    children: opts.children && opts.children.length ? opts.children : undefined,
    notes: opts.notes && opts.notes.length ? opts.notes : undefined,
    values: opts.values,
  };
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexNumber(v: number | bigint, digits?: number): string {
  // 32-bit SPIs are printed for every ESP packet: a table beats toString(16) + padStart.
  if (digits === 8 && typeof v === 'number' && v >= 0 && v <= 0xffffffff) {
    return '0x' + HEX2[v >>> 24]! + HEX2[(v >>> 16) & 255]! + HEX2[(v >>> 8) & 255]! + HEX2[v & 255]!;
  }
  const h = v.toString(16);
  return '0x' + (digits ? h.padStart(digits, '0') : h);
}

/** Longest byte string shown in full in the tree; longer ones are cut with an ellipsis, as Wireshark does. */
const MAX_BYTES_SHOWN = 24;

/**
 * The value as tshark prints it in `-T fields`: integers in the field's base
 * (hex fields as 0x…), addresses in their text form, bytes as plain hex.
 */
export function fieldText(field: FieldDef, value: Value): string {
  if (value === null) return '';
  switch (field.type) {
    case 'ipv4':
      return value instanceof Uint8Array ? formatIPv4(value) : String(value);
    case 'ipv6':
      return value instanceof Uint8Array ? formatIPv6(value) : String(value);
    case 'ether':
      return value instanceof Uint8Array ? formatEther(value) : String(value);
    case 'bool':
      return value ? 'True' : 'False';
    default:
      break;
  }
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (field.base === 'hex' || field.base === 'hex_dec') return hexNumber(value, field.hexDigits);
    if (field.base === 'oct') return '0' + value.toString(8);
    return value.toString();
  }
  return String(value);
}

/** Display text of a value for the tree: names for coded values, both forms for hex_dec. */
export function displayValue(field: FieldDef, value: Value, values: CodeTable | undefined = field.values): string {
  if (value === null) return '';
  if (typeof value === 'number' && values) {
    const name = describeCode(values, value);
    const num = field.base === 'hex' ? hexNumber(value, field.hexDigits) : String(value);
    return `${name} (${num})`;
  }
  if ((typeof value === 'number' || typeof value === 'bigint') && field.base === 'hex_dec') {
    return `${hexNumber(value, field.hexDigits)} (${value.toString()})`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value instanceof Uint8Array && field.type === 'bytes' && value.length > MAX_BYTES_SHOWN) {
    return `${toHex(value.subarray(0, MAX_BYTES_SHOWN))}… (${value.length} bytes)`;
  }
  return fieldText(field, value);
}

/** Bit diagram for masked flag fields, e.g. `..1. .... = Initiator: True`. */
function bitDiagram(field: FieldDef, value: Value): string | undefined {
  if (field.mask === undefined || !field.bits) return undefined;
  const raw = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'number' ? value : undefined;
  if (raw === undefined) return undefined;
  let shift = 0;
  while (shift < 32 && ((field.mask >>> shift) & 1) === 0) shift++;
  const full = raw << shift;
  let s = '';
  for (let i = field.bits - 1; i >= 0; i--) {
    const bit = 1 << i;
    s += field.mask & bit ? (full & bit ? '1' : '0') : '.';
    if (i % 4 === 0 && i > 0) s += ' ';
  }
  return s;
}

/** One line of `-V` output for a node. */
export function nodeLine(n: TreeNode): string {
  if (n.text !== undefined) return n.text;
  const f = n.field;
  if (f.type === 'protocol' || f.type === 'none') return f.label;
  const bits = bitDiagram(f, n.value);
  const line = `${f.label}: ${displayValue(f, n.value, n.values ?? f.values)}`;
  return bits ? `${bits} = ${line}` : line;
}

/** Depth-first search for every node with this field id. */
export function findAll(nodes: readonly TreeNode[], id: string, out: TreeNode[] = []): TreeNode[] {
  for (const n of nodes) {
    if (n.field.id === id) out.push(n);
    if (n.children) findAll(n.children, id, out);
  }
  return out;
}
