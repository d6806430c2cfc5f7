/**
 * Display-filter compiler: syntax tree → predicate over packets.
 *
 * Everything that can be decided once is decided here: field lookup,
 * literal conversion, regex compilation. Per packet, only the layers of the
 * protocols the filter names are turned into trees (the same trick as
 * `-T fields`), lazily: `esp && esp.spi == 1` builds no tree for a packet
 * without ESP, and a protocol test alone (`isakmp`) never builds one.
 *
 * Semantics (Wireshark 4.0, checked against tshark 4.0.17):
 *  - A field can occur several times in a packet. `==`, `<`, `in`,
 *    `contains`, `matches` are true if ANY occurrence satisfies them.
 *  - `!=` (`ne`, `all_ne`) is true if the field occurs and NO occurrence
 *    equals the value, so `udp.port != 500` drops a 500 → 4500 packet and
 *    packets without UDP; `~=` / `!==` / `any_ne` is "some occurrence
 *    differs"; `===` / `all_eq` is "every occurrence equals".
 *  - A missing field makes every comparison false (so `!(f == x)` and
 *    `f != x` differ on packets without `f`).
 */
import type { CodeTable } from '../core/codes.js';
import type { FieldDef } from '../core/fields.js';
import type { TreeNode } from '../core/tree.js';
import { layerTree, type Packet } from '../dissect/packet.js';
import type { LayerSpec } from '../dissect/layer.js';
import { fieldRegistry } from '../dissect/registry.js';
import { columnFields, columnValue } from '../cli/format/columns.js';
import { protoOf } from '../cli/format/fields.js';
import { FilterError } from './lexer.js';
import type { Expr, FieldRef, Literal, Operand, RelOp, SetItem } from './parser.js';
import {
  bytesContain,
  compareNorm,
  convertLiteral,
  isByteKind,
  kindOf,
  latin1,
  namedValues,
  normalize,
  prefixMatch,
  typeLabel,
  type Kind,
  type Lit,
  type Norm,
} from './values.js';

/** One occurrence of a field in a packet: its value and, for coded integers, the node's value table. */
interface Occ {
  readonly v: Norm;
  readonly table: CodeTable | undefined;
}

type Pred = (s: Scope) => boolean;
type Getter = (s: Scope) => readonly Occ[];

/**
 * Filter-only fields that Wireshark's dissectors add as hidden duplicates:
 * `udp.port` is either port, `ip.addr` either address. espy's trees do not
 * carry them (they would show in -V), so the filter gathers both members.
 */
const ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  'udp.port': ['udp.srcport', 'udp.dstport'],
  'tcp.port': ['tcp.srcport', 'tcp.dstport'],
  'ip.addr': ['ip.src', 'ip.dst'],
  'ipv6.addr': ['ipv6.src', 'ipv6.dst'],
  'eth.addr': ['eth.src', 'eth.dst'],
};

const COLUMNS: ReadonlyMap<string, FieldDef> = new Map(Object.values(columnFields).map((f) => [f.id, f]));

/** How a field's occurrences are found in a packet. */
interface Resolved {
  readonly def: FieldDef;
  readonly how: 'layer' | 'tree' | 'column';
  /** For 'tree': the field definitions whose nodes are occurrences (two for an alias). */
  readonly members: readonly FieldDef[];
}

/** A field id → how to find it, or undefined for an unknown id. */
export function resolveFilterField(id: string): Resolved | undefined {
  const reg = fieldRegistry();
  const def = reg.get(id);
  if (def) return { def, how: def.type === 'protocol' ? 'layer' : 'tree', members: [def] };
  const col = COLUMNS.get(id);
  if (col) return { def: col, how: 'column', members: [] };
  const alias = ALIASES[id];
  if (alias) {
    const members = alias.map((m) => reg.get(m)).filter((m): m is FieldDef => m !== undefined);
    if (members.length === 2) return { def: { ...members[0]!, id, label: id }, how: 'tree', members };
  }
  return undefined;
}

/**
 * What the filter needs from each packet: the tree fields it reads (each
 * gets a slot) and the protocols whose layers carry them.
 */
class Plan {
  readonly slots = new Map<FieldDef, number>();
  readonly protos = new Set<string>();
  private readonly wanted = new Map<LayerSpec<unknown>, boolean>();

  slot(f: FieldDef): number {
    let i = this.slots.get(f);
    if (i === undefined) {
      i = this.slots.size;
      this.slots.set(f, i);
      this.protos.add(protoOf(f.id));
    }
    return i;
  }

  /** Build the trees of the wanted layers once and sort their nodes into slots. */
  collect(p: Packet): TreeNode[][] {
    const out: TreeNode[][] = [];
    for (let i = 0; i < this.slots.size; i++) out.push([]);
    for (const l of p.layers) {
      let w = this.wanted.get(l.spec);
      if (w === undefined) {
        w = this.protos.has(protoOf(l.spec.field.id));
        this.wanted.set(l.spec, w);
      }
      if (w) this.walk(layerTree(l), out);
    }
    return out;
  }

  private walk(n: TreeNode, out: TreeNode[][]): void {
    const i = this.slots.get(n.field);
    if (i !== undefined) out[i]!.push(n);
    const c = n.children;
    if (c) for (let j = 0; j < c.length; j++) this.walk(c[j]!, out);
  }
}

/** Per-packet evaluation state: the packet and, once a tree field is read, the collected nodes. */
class Scope {
  private nodes: TreeNode[][] | undefined;

  constructor(
    readonly p: Packet,
    private readonly plan: Plan,
  ) {}

  slot(i: number): readonly TreeNode[] {
    return (this.nodes ??= this.plan.collect(this.p))[i]!;
  }
}

/** A compiled field operand: how to get its occurrences, and what kind they are. */
interface Operandc {
  readonly get: Getter;
  readonly kind: Kind;
  /** The field definition literals are converted against (tables, width); a plain one after len()/count(). */
  readonly def: FieldDef;
  readonly ref: FieldRef;
}

const TRUE_OCC: readonly Occ[] = [{ v: true, table: undefined }];
const NO_OCC: readonly Occ[] = [];

/** Compile a parsed filter into a packet predicate. Throws FilterError. */
export function compileExpr(e: Expr): (p: Packet) => boolean {
  const plan = new Plan();
  const pred = new Compiler(plan).expr(e);
  return (p) => pred(new Scope(p, plan));
}

class Compiler {
  constructor(private readonly plan: Plan) {}

  expr(e: Expr): Pred {
    switch (e.t) {
      case 'or': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return (s) => a(s) || b(s);
      }
      case 'and': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return (s) => a(s) && b(s);
      }
      case 'xor': {
        const a = this.expr(e.a);
        const b = this.expr(e.b);
        return (s) => a(s) !== b(s);
      }
      case 'not': {
        const a = this.expr(e.e);
        return (s) => !a(s);
      }
      case 'test':
        return this.test(e.v);
      case 'cmp':
        return this.cmp(e.op, this.field(e.l), e.r);
      case 'in':
        return this.inSet(this.field(e.l), e.items);
      case 'contains':
        return this.contains(this.field(e.l), e.r);
      case 'matches':
        return this.matches(this.field(e.l), e.r);
    }
  }

  /** A bare field: does it occur? (With `& mask`: is some masked value non-zero?) */
  private test(ref: FieldRef): Pred {
    const r = resolveOrThrow(ref);
    if (ref.func) throw new FilterError('you cannot test whether a function is present', ref.pos);
    if (r.how === 'layer' && !ref.slice && !ref.mask) {
      // Protocol presence needs no tree.
      const def = r.def;
      return (s) => {
        for (const l of s.p.layers) if (l.spec.field === def) return true;
        return false;
      };
    }
    const o = this.field(ref);
    if (ref.mask) return (s) => o.get(s).some((x) => x.v !== 0 && x.v !== 0n);
    return (s) => o.get(s).length > 0;
  }

  /** Compile a field reference with its slice, mask and function into a getter. */
  field(ref: FieldRef): Operandc {
    const r = resolveOrThrow(ref);
    let kind: Kind = r.how === 'column' ? (r.def.type === 'string' ? 'string' : 'num') : kindOf(r.def.type);
    let def = r.def;
    let get = this.rawGetter(r, kind);
    if (ref.slice) {
      if (!isByteKind(kind) && kind !== 'string') throw new FilterError(`${ref.id} (type=${typeLabel(def.type)}) cannot be sliced`, ref.idPos);
      const ranges = ref.slice;
      const inner = get;
      const enc = new TextEncoder();
      get = (s) => {
        const out: Occ[] = [];
        for (const o of inner(s)) {
          const b = typeof o.v === 'string' ? enc.encode(o.v) : (o.v as Uint8Array);
          const sl = slice(b, ranges);
          if (sl) out.push({ v: sl, table: undefined });
        }
        return out;
      };
      kind = 'bytes';
      def = { id: ref.id, label: ref.id, type: 'bytes' };
    }
    if (ref.mask) {
      if (kind !== 'num' && kind !== 'u64') throw new FilterError(`${ref.id} (type=${typeLabel(def.type)}) cannot be masked with "&"`, ref.idPos);
      const m = convertLiteral(ref.mask, { field: { ...def, values: undefined }, kind });
      const mask = m.v;
      const inner = get;
      get =
        kind === 'u64'
          ? (s) => inner(s).map((o) => ({ v: (o.v as bigint) & (mask as bigint), table: undefined }))
          : // Masks are 32-bit in practice (flags words); >>> 0 keeps the result unsigned.
            (s) => inner(s).map((o) => ({ v: ((o.v as number) & (mask as number)) >>> 0, table: undefined }));
      def = { id: ref.id, label: ref.id, type: def.type };
    }
    switch (ref.func) {
      case undefined:
        break;
      case 'count': {
        const inner = get;
        get = (s) => [{ v: inner(s).length, table: undefined }];
        kind = 'num';
        def = { id: `count(${ref.id})`, label: 'count', type: 'uint' };
        break;
      }
      case 'len': {
        if (!isByteKind(kind) && kind !== 'string') throw new FilterError(`len() needs a byte or string field, not ${ref.id} (type=${typeLabel(def.type)})`, ref.idPos);
        kind = 'num';
        def = { id: `len(${ref.id})`, label: 'len', type: 'uint' };
        if (r.how === 'layer' && !ref.slice) {
          // len(ip) is the header's length (the protocol item), not of everything it carries: tshark's `len(ip) == 20`.
          const pdef = r.def;
          get = (s) => s.p.layers.filter((l) => l.spec.field === pdef).map((l) => ({ v: l.length, table: undefined }));
          break;
        }
        const inner = get;
        const enc = new TextEncoder();
        get = (s) => inner(s).map((o) => ({ v: typeof o.v === 'string' ? enc.encode(o.v).length : (o.v as Uint8Array).length, table: undefined }));
        break;
      }
      case 'upper':
      case 'lower': {
        if (kind !== 'string') throw new FilterError(`${ref.func}() needs a string field, not ${ref.id} (type=${typeLabel(def.type)})`, ref.idPos);
        const inner = get;
        const up = ref.func === 'upper';
        get = (s) => inner(s).map((o) => ({ v: up ? (o.v as string).toUpperCase() : (o.v as string).toLowerCase(), table: undefined }));
        break;
      }
    }
    return { get, kind, def, ref };
  }

  private rawGetter(r: Resolved, kind: Kind): Getter {
    const def = r.def;
    switch (r.how) {
      case 'layer':
        // A protocol's value is its bytes and everything it carries, as in Wireshark (where it is
        // the protocol's tvb): `udp contains 0c:d1` searches the datagram, `ip[0]` is the first
        // header byte. Here: from the layer's start to the end of the last layer on the same source.
        return (s) => {
          const out: Occ[] = [];
          const layers = s.p.layers;
          for (let i = 0; i < layers.length; i++) {
            const l = layers[i]!;
            if (l.spec.field !== def) continue;
            const src = s.p.sources[l.source]?.bytes;
            if (!src) continue;
            let end = l.offset + l.length;
            for (let j = i + 1; j < layers.length; j++) {
              const m = layers[j]!;
              if (m.source === l.source) end = Math.max(end, m.offset + m.length);
            }
            out.push({ v: src.subarray(l.offset, Math.min(end, src.length)), table: undefined });
          }
          return out;
        };
      case 'column':
        return (s) => {
          const v = normalize(kind, columnValue(def, s.p) ?? null);
          return v === undefined ? NO_OCC : [{ v, table: undefined }];
        };
      case 'tree': {
        const slots = r.members.map((m) => this.plan.slot(m));
        const one = slots.length === 1 ? slots[0]! : -1;
        const occ = (n: TreeNode): Occ | undefined => {
          if (kind === 'none') return TRUE_OCC[0];
          const v = normalize(kind, n.value);
          return v === undefined ? undefined : { v, table: n.values };
        };
        const fromNodes = (nodes: readonly TreeNode[], out: Occ[]) => {
          for (let i = 0; i < nodes.length; i++) {
            const o = occ(nodes[i]!);
            if (o) out.push(o);
          }
        };
        if (one >= 0)
          return (s) => {
            const nodes = s.slot(one);
            if (nodes.length === 0) return NO_OCC;
            const out: Occ[] = [];
            fromNodes(nodes, out);
            return out;
          };
        return (s) => {
          const out: Occ[] = [];
          for (const i of slots) fromNodes(s.slot(i), out);
          return out;
        };
      }
    }
  }

  /** Right operand of a comparison: a field if the word names one of a compatible kind (Wireshark: fields win), else a literal. */
  private operand(l: Operandc, r: Operand): { field: Operandc } | { lit: Lit } {
    if (r.t === 'field') return { field: this.compatible(l, this.field(r), r) };
    if (r.kind === 'word' && resolveFilterField(r.text)) {
      const ref: FieldRef = { t: 'field', id: r.text, idPos: r.pos, pos: r.pos, end: r.end };
      const f = this.field(ref);
      if (kindsCompatible(l.kind, f.kind)) return { field: f };
    }
    return { lit: convertLiteral(r, { field: l.def, kind: l.kind }) };
  }

  private compatible(l: Operandc, r: Operandc, ref: FieldRef): Operandc {
    if (!kindsCompatible(l.kind, r.kind)) throw new FilterError(`${l.ref.id} and ${ref.id} are not of compatible types`, ref.pos);
    return r;
  }

  private cmp(op: RelOp, l: Operandc, rhs: Operand): Pred {
    if (l.kind === 'none') throw new FilterError(`${l.ref.id} (type=${typeLabel(l.def.type)}) cannot participate in ${opText(op)} comparison`, l.ref.idPos);
    const r = this.operand(l, rhs);
    const def = l.def;
    const eq = (a: Occ, b: Occ | Lit): boolean => equal(def, a, b);
    const rel = relation(op, def);
    const get = l.get;
    if ('lit' in r) {
      const lit = r.lit;
      switch (op) {
        case 'any_eq':
          return (s) => get(s).some((a) => eq(a, lit));
        case 'all_ne':
          return (s) => {
            const v = get(s);
            return v.length > 0 && v.every((a) => !eq(a, lit));
          };
        case 'all_eq':
          return (s) => {
            const v = get(s);
            return v.length > 0 && v.every((a) => eq(a, lit));
          };
        case 'any_ne':
          return (s) => get(s).some((a) => !eq(a, lit));
        default:
          return (s) => get(s).some((a) => rel(a, lit));
      }
    }
    const rget = r.field.get;
    switch (op) {
      case 'any_eq':
        return (s) => anyPair(get(s), rget(s), eq);
      case 'all_ne':
        return (s) => allPairs(get(s), rget(s), (a, b) => !eq(a, b));
      case 'all_eq':
        return (s) => allPairs(get(s), rget(s), eq);
      case 'any_ne':
        return (s) => anyPair(get(s), rget(s), (a, b) => !eq(a, b));
      default:
        return (s) => anyPair(get(s), rget(s), rel);
    }
  }

  private inSet(l: Operandc, items: readonly SetItem[]): Pred {
    if (l.kind === 'none') throw new FilterError(`${l.ref.id} (type=${typeLabel(l.def.type)}) cannot participate in "in" comparison`, l.ref.idPos);
    const ctx = { field: l.def, kind: l.kind };
    const def = l.def;
    const tests = items.map((it): ((a: Occ) => boolean) => {
      const lo = convertLiteral(it.lo, ctx);
      if (!it.hi) return (a) => equal(def, a, lo);
      const hi = convertLiteral(it.hi, ctx);
      return (a) => order(def, a, lo) >= 0 && order(def, a, hi) <= 0;
    });
    return (s) => l.get(s).some((a) => tests.some((t) => t(a)));
  }

  private contains(l: Operandc, rhs: Operand): Pred {
    if (l.kind === 'string') {
      const r = this.operand(l, rhs);
      if ('lit' in r) {
        const needle = r.lit.v as string;
        return (s) => l.get(s).some((a) => (a.v as string).includes(needle));
      }
      const rget = r.field.get;
      return (s) => anyPair(l.get(s), rget(s), (a, b) => (a.v as string).includes(b.v as string));
    }
    if (!isByteKind(l.kind)) throw new FilterError(`${l.ref.id} (type=${typeLabel(l.def.type)}) cannot participate in contains comparison`, l.ref.idPos);
    // Searching an address for a byte run: the right side is a byte string, not an address.
    const asBytes: Operandc = { ...l, kind: 'bytes' };
    const r = this.operand(asBytes, rhs);
    if ('lit' in r) {
      const needle = r.lit.v as Uint8Array;
      return (s) => l.get(s).some((a) => bytesContain(a.v as Uint8Array, needle));
    }
    const rget = r.field.get;
    return (s) => anyPair(l.get(s), rget(s), (a, b) => b.v instanceof Uint8Array && bytesContain(a.v as Uint8Array, b.v));
  }

  private matches(l: Operandc, r: Literal): Pred {
    if (l.kind !== 'string' && !isByteKind(l.kind)) throw new FilterError(`${l.ref.id} (type=${typeLabel(l.def.type)}) cannot participate in matches comparison`, l.ref.idPos);
    const re = compileRegex(r);
    if (l.kind === 'string') return (s) => l.get(s).some((a) => re.test(a.v as string));
    return (s) => l.get(s).some((a) => re.test(latin1(a.v as Uint8Array)));
  }
}

function resolveOrThrow(ref: FieldRef): Resolved {
  const r = resolveFilterField(ref.id);
  if (!r) throw new FilterError(`${ref.id} is neither a field nor a protocol name`, ref.idPos);
  return r;
}

function kindsCompatible(a: Kind, b: Kind): boolean {
  return a === b || (isByteKind(a) && isByteKind(b));
}

/** Equality of an occurrence with a literal (CIDR: inside the network; name: any number the node's table gives it) or another occurrence. */
function equal(def: FieldDef, a: Occ, b: Occ | Lit): boolean {
  if ('name' in b && b.name !== undefined) return typeof a.v === 'number' && namedValues(def, a.table, b.name).includes(a.v);
  if ('prefix' in b && b.prefix !== undefined) return a.v instanceof Uint8Array && prefixMatch(a.v, b.v as Uint8Array, b.prefix);
  return compareNorm(a.v, b.v) === 0;
}

/** Order against a literal; a name orders by the (first) number it stands for at this node. */
function order(def: FieldDef, a: Occ, b: Occ | Lit): number {
  if ('name' in b && b.name !== undefined) {
    const n = namedValues(def, a.table, b.name)[0];
    return n === undefined || typeof a.v !== 'number' ? NaN : a.v - n;
  }
  return compareNorm(a.v, b.v);
}

function relation(op: RelOp, def: FieldDef): (a: Occ, b: Occ | Lit) => boolean {
  switch (op) {
    case 'gt':
      return (a, b) => order(def, a, b) > 0;
    case 'ge':
      return (a, b) => order(def, a, b) >= 0;
    case 'lt':
      return (a, b) => order(def, a, b) < 0;
    case 'le':
      return (a, b) => order(def, a, b) <= 0;
    default:
      return (a, b) => equal(def, a, b);
  }
}

function anyPair(as: readonly Occ[], bs: readonly Occ[], f: (a: Occ, b: Occ) => boolean): boolean {
  for (const a of as) for (const b of bs) if (f(a, b)) return true;
  return false;
}

function allPairs(as: readonly Occ[], bs: readonly Occ[], f: (a: Occ, b: Occ) => boolean): boolean {
  if (as.length === 0 || bs.length === 0) return false;
  for (const a of as) for (const b of bs) if (!f(a, b)) return false;
  return true;
}

function opText(op: RelOp): string {
  return { any_eq: '==', all_ne: '!=', all_eq: '===', any_ne: '!==', gt: '>', ge: '>=', lt: '<', le: '<=' }[op];
}

/**
 * Byte ranges of a slice, concatenated; undefined if any range falls
 * outside the value (tshark drops that occurrence rather than clamping).
 */
function slice(b: Uint8Array, ranges: readonly { start: number; length?: number }[]): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  for (const r of ranges) {
    const start = r.start < 0 ? b.length + r.start : r.start;
    const end = r.length === undefined ? b.length : start + r.length;
    if (start < 0 || end > b.length || start >= end) return undefined;
    parts.push(b.subarray(start, end));
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Wireshark compiles `matches` patterns with PCRE2, case-insensitive by
 * default; a leading `(?-i)` makes them case-sensitive. JavaScript has no
 * inline flag groups before Node 23, so leading ones are turned into flags.
 */
function compileRegex(r: Literal): RegExp {
  let pattern = r.text;
  const flags = new Set(['i']);
  const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?\)/.exec(pattern);
  if (m) {
    for (const f of m[1]!) if ('ims'.includes(f)) flags.add(f);
    for (const f of m[2] ?? '') flags.delete(f);
    pattern = pattern.slice(m[0].length);
  }
  try {
    return new RegExp(pattern, [...flags].join(''));
  } catch (e) {
    throw new FilterError(`regex compilation error: ${(e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '')}`, r.pos);
  }
}
