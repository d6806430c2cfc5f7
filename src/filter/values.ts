/**
 * Value kinds of the filter language and how literals become values of a
 * field's kind. Wireshark types literals by the field they are compared
 * with (`0c` is a byte for `isakmp.ispi`, the number 12 for `esp.spi`), so
 * conversion happens here, at compile time, once per literal.
 */
import type { CodeTable } from '../core/codes.js';
import type { FieldDef, FieldType } from '../core/fields.js';
import type { Value } from '../core/tree.js';
import { FilterError } from './lexer.js';
import type { Literal } from './parser.js';

/**
 * What a filter compares. Field types collapse into these: all integer-like
 * types below 2^53 are `num`, all byte-like ones (`bytes`, `ether`, protocol
 * bytes, slices) are `bytes`; addresses keep their own kinds for their
 * literal syntax (dotted quad, CIDR) but compare as bytes.
 */
export type Kind = 'num' | 'u64' | 'bool' | 'bytes' | 'ipv4' | 'ipv6' | 'string' | 'none';

export type Norm = number | bigint | boolean | Uint8Array | string;

export function kindOf(t: FieldType): Kind {
  switch (t) {
    case 'uint':
    case 'int':
    case 'float':
    case 'time':
    case 'reltime':
      return 'num';
    case 'uint64':
      return 'u64';
    case 'bool':
      return 'bool';
    case 'bytes':
    case 'ether':
    case 'protocol':
      return 'bytes';
    case 'ipv4':
      return 'ipv4';
    case 'ipv6':
      return 'ipv6';
    case 'string':
      return 'string';
    case 'none':
      return 'none';
  }
}

/** Kinds that compare as byte strings (and can be sliced, searched with contains). */
export function isByteKind(k: Kind): boolean {
  return k === 'bytes' || k === 'ipv4' || k === 'ipv6';
}

const utf8 = new TextEncoder();

/** A tree value as a value of the kind; undefined when the node's value does not fit (never for well-formed trees). */
export function normalize(k: Kind, v: Value): Norm | undefined {
  switch (k) {
    case 'num':
      return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? (v ? 1 : 0) : typeof v === 'string' && v !== '' ? Number(v) : undefined;
    case 'u64':
      return typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
    case 'bool':
      // Flag fields may hold the masked integer: any non-zero value is true, as in Wireshark.
      return typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : typeof v === 'bigint' ? v !== 0n : undefined;
    case 'bytes':
    case 'ipv4':
    case 'ipv6':
      return v instanceof Uint8Array ? v : typeof v === 'string' ? utf8.encode(v) : undefined;
    case 'string':
      return typeof v === 'string' ? v : v === null ? undefined : String(v);
    case 'none':
      return undefined;
  }
}

/** Order of two values of one kind (bytes: lexicographic, then shorter first — addresses compare numerically this way). */
export function compareNorm(a: Norm, b: Norm): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return compareBytes(a, b);
  // Mixed kinds never reach here for literals (they are converted); fields of different kinds are rejected at compile time.
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Does `hay` contain `needle` as a contiguous run? */
export function bytesContain(hay: Uint8Array, needle: Uint8Array): boolean {
  if (needle.length === 0) return true;
  const first = needle[0]!;
  outer: for (let i = hay.indexOf(first); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Bytes as a Latin-1 string, so a regular expression can search binary data byte by byte. */
export function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/**
 * A literal converted for one kind. `prefix` is set for CIDR addresses
 * (`10.0.0.0/8`): equality then means "inside the network". `names` is set
 * for value-table names: the numbers each table maps the name to are looked
 * up per tree node, because one field can carry several tables.
 */
export interface Lit {
  readonly v: Norm;
  readonly prefix?: number;
  readonly name?: string;
}

export interface LitContext {
  readonly field: FieldDef;
  readonly kind: Kind;
}

/** Convert a literal to a value of the field's kind, or throw a FilterError naming the literal's position. */
export function convertLiteral(l: Literal, ctx: LitContext): Lit {
  const { kind, field } = ctx;
  const text = l.text;
  const bad = (msg: string): never => {
    throw new FilterError(msg, l.pos);
  };
  switch (kind) {
    case 'num': {
      if (l.kind === 'char') return { v: l.code! };
      if (l.kind === 'word') {
        const isFloat = field.type === 'float' || field.type === 'time' || field.type === 'reltime';
        const n = isFloat ? parseFloatLit(text) : parseIntLit(text);
        if (n !== undefined) {
          checkWidth(field, n, text, l.pos);
          return { v: n };
        }
      }
      // Not a number: a value-table name (bare, as in Wireshark, or quoted, which espy also accepts).
      const name = nameLit(field, text);
      if (name) return name;
      if (field.values) bad(`"${text}" cannot be found among the possible values for ${field.id}`);
      return bad(l.kind === 'string' ? `${field.id} (type=${typeLabel(field.type)}) cannot be converted from a string ("${text}")` : `"${text}" is not a valid number`);
    }
    case 'u64': {
      if (l.kind === 'char') return { v: BigInt(l.code!) };
      const b = l.kind === 'word' ? parseBigLit(text) : undefined;
      if (b === undefined) bad(`"${text}" is not a valid number`);
      return { v: b! };
    }
    case 'bool': {
      if (l.kind === 'char') return { v: l.code !== 0 };
      const lower = text.toLowerCase();
      // Wireshark 4.0 spells them True/False; 4.2 adds lower case. Both are accepted here.
      if (lower === 'true') return { v: true };
      if (lower === 'false') return { v: false };
      const n = l.kind === 'word' ? parseIntLit(text) : undefined;
      if (n === undefined) bad(`"${text}" cannot be found among the possible values for ${field.id} (True, False, or a number)`);
      return { v: n !== 0 };
    }
    case 'bytes': {
      if (l.kind === 'string') return { v: l.bytes! };
      if (l.kind === 'char') return { v: Uint8Array.of(l.code! & 0xff) };
      // `isakmp.ispi[0] < 0x80`: a 0x number is its big-endian bytes (tshark accepts it for one-byte slices).
      const hex = /^0[xX]([0-9a-fA-F]+)$/.exec(text);
      const b = hex ? parseByteString(hex[1]!.length % 2 ? '0' + hex[1] : hex[1]!) : parseByteString(text);
      if (!b) bad(`"${text}" is not a valid byte string`);
      return { v: b! };
    }
    case 'ipv4': {
      const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d+))?$/.exec(text);
      if (!m || [m[1], m[2], m[3], m[4]].some((x) => Number(x) > 255)) return bad(`"${text}" is not a valid IPv4 address`);
      const addr = Uint8Array.of(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]));
      if (m[5] === undefined) return { v: addr };
      const prefix = Number(m[5]);
      if (prefix > 32) bad(`netmask bits in a CIDR IPv4 address should be <= 32, not ${prefix}`);
      return { v: addr, prefix };
    }
    case 'ipv6': {
      const slash = text.lastIndexOf('/');
      const addr = parseIPv6(slash >= 0 ? text.slice(0, slash) : text);
      if (!addr) return bad(`"${text}" is not a valid IPv6 address`);
      if (slash < 0) return { v: addr };
      const ps = text.slice(slash + 1);
      const prefix = /^\d+$/.test(ps) ? Number(ps) : NaN;
      if (!(prefix <= 128)) bad(`netmask bits in a CIDR IPv6 address should be <= 128, not ${ps}`);
      return { v: addr, prefix };
    }
    case 'string':
      return { v: l.kind === 'char' ? String.fromCharCode(l.code!) : text };
    case 'none':
      return bad(`${field.id} (type=${typeLabel(field.type)}) has no value to compare`);
  }
}

/** Integer literal as Wireshark reads it: decimal, 0x hex, 0b binary, leading-0 octal, optional sign. */
export function parseIntLit(s: string): number | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  let v: number;
  if (/^0[xX]/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[bB]/.test(body)) v = parseInt(body.slice(2), 2);
  else if (body.length > 1 && body[0] === '0') v = parseInt(body, 8);
  else v = parseInt(body, 10);
  if (!Number.isSafeInteger(v)) return undefined;
  return m[1] === '-' ? -v : v;
}

function parseBigLit(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = body.length > 1 && body[0] === '0' && /^[0-7]+$/.test(body.slice(1)) ? BigInt('0o' + body.slice(1)) : BigInt(body);
  return m[1] === '-' ? -v : v;
}

function parseFloatLit(s: string): number | undefined {
  const i = parseIntLit(s);
  if (i !== undefined) return i;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Hex-displayed fields declare their width (`esp.spi`: 8 digits): a literal that cannot fit is an error, as in tshark. */
function checkWidth(field: FieldDef, n: number, text: string, pos: number): void {
  if (field.type !== 'uint' || !field.hexDigits) return;
  const max = 16 ** field.hexDigits - 1;
  if (n > max) throw new FilterError(`"${text}" too big for this field, maximum ${max}`, pos);
}

/**
 * Byte strings: `aa:bb:cc`, `aa-bb-cc`, `aa.bb.cc`, `aabb.ccdd` or plain
 * `aabbcc`, as Wireshark 4.0 accepts them. Separators must agree; groups
 * between separators may be one or two hex digits (or pairs of digits).
 */
export function parseByteString(s: string): Uint8Array | undefined {
  const seps = new Set(s.replace(/[0-9a-fA-F]/g, ''));
  if (seps.size > 1 || (seps.size === 1 && !/^[:.\-]$/.test([...seps][0]!))) return undefined;
  const groups = seps.size ? s.split([...seps][0]!) : [s];
  const out: number[] = [];
  for (const g of groups) {
    if (g.length === 0) return undefined;
    const hex = g.length === 1 && seps.size ? '0' + g : g;
    if (hex.length % 2) return undefined;
    for (let i = 0; i < hex.length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}

/** RFC 4291 §2.2 text forms, including `::` and a trailing dotted quad. */
export function parseIPv6(s: string): Uint8Array | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let tail: number[] = [];
  let text = s;
  const v4 = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const q = [v4[2], v4[3], v4[4], v4[5]].map(Number);
    if (q.some((x) => x > 255)) return undefined;
    tail = [(q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!];
    text = v4[1]!.endsWith('::') ? v4[1]! : v4[1]!.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const words = [...head, ...rest].map((g) => parseInt(g, 16));
  const total = words.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const zeros = new Array<number>(8 - total).fill(0);
  const all = [...head.map((g) => parseInt(g, 16)), ...zeros, ...rest.map((g) => parseInt(g, 16)), ...tail];
  const out = new Uint8Array(16);
  all.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Are the first `prefix` bits of the two addresses equal? */
export function prefixMatch(a: Uint8Array, net: Uint8Array, prefix: number): boolean {
  if (a.length !== net.length) return false;
  const full = prefix >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== net[i]) return false;
  const rem = prefix & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return (a[full]! & mask) === (net[full]! & mask);
}

const nameIndex = new WeakMap<CodeTable, Map<string, number[]>>();

/** Numbers a table gives this name (case-insensitive, surrounding blanks ignored). */
export function valuesNamed(table: CodeTable, name: string): readonly number[] {
  let idx = nameIndex.get(table);
  if (!idx) {
    idx = new Map();
    for (const [v, n] of table.values) {
      const k = n.trim().toLowerCase();
      const list = idx.get(k);
      if (list) list.push(v);
      else idx.set(k, [v]);
    }
    nameIndex.set(table, idx);
  }
  return idx.get(name.trim().toLowerCase()) ?? [];
}

function nameLit(field: FieldDef, text: string): Lit | undefined {
  if (!field.values || valuesNamed(field.values, text).length === 0) return undefined;
  return { v: valuesNamed(field.values, text)[0]!, name: text };
}

/**
 * The numbers a name stands for at one tree node: the node's own table when
 * it has one (IKEv1 and IKEv2 codes share ids), else the field's.
 */
export function namedValues(field: FieldDef, nodeTable: CodeTable | undefined, name: string): readonly number[] {
  if (nodeTable && nodeTable !== field.values) {
    const own = valuesNamed(nodeTable, name);
    if (own.length) return own;
  }
  return field.values ? valuesNamed(field.values, name) : [];
}

const TYPE_LABELS: Readonly<Record<FieldType, string>> = {
  protocol: 'Protocol',
  none: 'Label',
  bool: 'Boolean',
  uint: 'Unsigned integer',
  uint64: 'Unsigned integer (64 bits)',
  int: 'Signed integer',
  bytes: 'Byte sequence',
  string: 'Character string',
  ipv4: 'IPv4 address',
  ipv6: 'IPv6 address',
  ether: 'Ethernet or other MAC address',
  time: 'Date and time',
  reltime: 'Time offset',
  float: 'Floating point',
};

/** Type names as tshark prints them in errors ("type=Label"). */
export function typeLabel(t: FieldType): string {
  return TYPE_LABELS[t];
}
