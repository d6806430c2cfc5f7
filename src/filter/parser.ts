/**
 * Display-filter parser: tokens → syntax tree. Knows the grammar only; what
 * a word means (field, number, address, value name) is the compiler's job.
 *
 * Precedence, loosest first (Wireshark 4.x): `or`/`||`, `xor`/`^^`,
 * `and`/`&&`, `not`/`!`, then one test:
 *
 *   test    := value [relop operand | "in" set | "contains" operand | "matches" operand]
 *   value   := FIELD [slice] ["&" operand] | FUNC "(" FIELD [slice] ")"
 *   operand := value | WORD | STRING | CHAR
 *   set     := "{" item ("," item)* "}"      item := literal [".." literal]
 *
 * Set elements are comma-separated as in Wireshark 4.0 (3.x's whitespace
 * separation is an error in 4.0, and here).
 */
import { FilterError, tokenize, type Token } from './lexer.js';

/** Comparison operators, by Wireshark 4.0 meaning (see compile.ts for the semantics). */
export type RelOp = 'any_eq' | 'all_ne' | 'all_eq' | 'any_ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FuncName = 'len' | 'count' | 'upper' | 'lower';

/** A byte range of a slice: `[i:j]` (offset, length), `[i-j]` (inclusive), `[i]`, `[:j]`, `[i:]`. */
export interface SliceRange {
  readonly start: number;
  /** Length in bytes; undefined = to the end. */
  readonly length?: number;
}

export interface FieldRef {
  readonly t: 'field';
  readonly id: string;
  readonly slice?: readonly SliceRange[];
  /** `field & mask`: the bitwise AND of each value with a literal. */
  readonly mask?: Literal;
  readonly func?: FuncName;
  /** Where the field name itself starts (differs from pos inside a function call). */
  readonly idPos: number;
  readonly pos: number;
  readonly end: number;
}

export interface Literal {
  readonly t: 'literal';
  /** word: unquoted text; string: quoted (text + bytes); char: 'c' (code). */
  readonly kind: 'word' | 'string' | 'char';
  readonly text: string;
  readonly bytes?: Uint8Array;
  readonly code?: number;
  readonly pos: number;
  readonly end: number;
}

export type Operand = FieldRef | Literal;

export interface SetItem {
  readonly lo: Literal;
  readonly hi?: Literal;
}

export type Expr =
  | { readonly t: 'or' | 'and' | 'xor'; readonly a: Expr; readonly b: Expr }
  | { readonly t: 'not'; readonly e: Expr }
  | { readonly t: 'test'; readonly v: FieldRef }
  | { readonly t: 'cmp'; readonly op: RelOp; readonly l: FieldRef; readonly r: Operand; readonly opPos: number }
  | { readonly t: 'in'; readonly l: FieldRef; readonly items: readonly SetItem[]; readonly opPos: number }
  | { readonly t: 'contains'; readonly l: FieldRef; readonly r: Operand; readonly opPos: number }
  | { readonly t: 'matches'; readonly l: FieldRef; readonly r: Literal; readonly opPos: number };

const RELOPS: Readonly<Record<string, RelOp>> = {
  '==': 'any_eq',
  eq: 'any_eq',
  any_eq: 'any_eq',
  '!=': 'all_ne',
  ne: 'all_ne',
  all_ne: 'all_ne',
  '===': 'all_eq',
  all_eq: 'all_eq',
  '!==': 'any_ne',
  '~=': 'any_ne',
  any_ne: 'any_ne',
  '>': 'gt',
  gt: 'gt',
  '>=': 'ge',
  ge: 'ge',
  '<': 'lt',
  lt: 'lt',
  '<=': 'le',
  le: 'le',
};

const FUNCS: ReadonlySet<string> = new Set<FuncName>(['len', 'count', 'upper', 'lower']);

/** Words that are operators, so they can never be field names or literals. */
const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'xor', 'not', 'in', 'contains', 'matches', ...Object.keys(RELOPS).filter((k) => /^[a-z]/.test(k))]);

/** Parse a filter. Returns undefined for an empty (all-blank) filter, which matches every packet. */
export function parseFilter(src: string): Expr | undefined {
  const p = new Parser(tokenize(src));
  if (p.peek().kind === 'eof') return undefined;
  const e = p.orExpr();
  p.expectEnd();
  return e;
}

class Parser {
  private i = 0;

  constructor(private readonly toks: readonly Token[]) {}

  peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  private unexpected(t: Token): never {
    if (t.kind === 'eof') throw new FilterError('unexpected end of filter', t.pos);
    const shown = t.kind === 'string' ? `"${t.text}"` : t.kind === 'slice' ? '[' : t.text;
    throw new FilterError(`"${shown}" was unexpected in this context`, t.pos);
  }

  /** Is the next token this keyword or symbol? Consumes it if so. */
  private accept(...alts: string[]): Token | undefined {
    const t = this.peek();
    if ((t.kind === 'word' || t.kind === 'op') && alts.includes(t.text)) return this.next();
    return undefined;
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.unexpected(t);
  }

  orExpr(): Expr {
    let a = this.xorExpr();
    while (this.accept('or', '||')) a = { t: 'or', a, b: this.xorExpr() };
    return a;
  }

  private xorExpr(): Expr {
    let a = this.andExpr();
    while (this.accept('xor', '^^')) a = { t: 'xor', a, b: this.andExpr() };
    return a;
  }

  private andExpr(): Expr {
    let a = this.unary();
    while (this.accept('and', '&&')) a = { t: 'and', a, b: this.unary() };
    return a;
  }

  private unary(): Expr {
    if (this.accept('not', '!')) return { t: 'not', e: this.unary() };
    if (this.peek().kind === '(') {
      this.next();
      const e = this.orExpr();
      const close = this.next();
      if (close.kind !== ')') this.unexpected(close);
      return e;
    }
    return this.test();
  }

  private test(): Expr {
    const l = this.value();
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'op') {
      const op = RELOPS[t.text];
      if (op) {
        this.next();
        return { t: 'cmp', op, l, r: this.operand(), opPos: t.pos };
      }
      if (t.text === 'in') {
        this.next();
        return { t: 'in', l, items: this.set(), opPos: t.pos };
      }
      if (t.text === 'contains') {
        this.next();
        return { t: 'contains', l, r: this.operand(), opPos: t.pos };
      }
      if (t.text === 'matches' || t.text === '~') {
        this.next();
        const r = this.operand();
        if (r.t !== 'literal' || r.kind !== 'string') throw new FilterError('matches needs a quoted regular expression', r.pos);
        return { t: 'matches', l, r, opPos: t.pos };
      }
    }
    return { t: 'test', v: l };
  }

  /** A field (with optional slice and mask) or a function of one. */
  private value(): FieldRef {
    const t = this.next();
    if (t.kind !== 'word' || KEYWORDS.has(t.text)) this.unexpected(t);
    if (FUNCS.has(t.text) && this.peek().kind === '(') {
      this.next();
      const arg = this.next();
      if (arg.kind !== 'word' || KEYWORDS.has(arg.text)) this.unexpected(arg);
      const slice = this.peek().kind === 'slice' ? parseSlice(this.next()) : undefined;
      const close = this.next();
      if (close.kind !== ')') this.unexpected(close);
      return { t: 'field', id: arg.text, slice, func: t.text as FuncName, idPos: arg.pos, pos: t.pos, end: close.end };
    }
    let end = t.end;
    let slice: SliceRange[] | undefined;
    if (this.peek().kind === 'slice') {
      const s = this.next();
      slice = parseSlice(s);
      end = s.end;
    }
    let mask: Literal | undefined;
    if (this.peek().kind === 'op' && this.peek().text === '&') {
      this.next();
      const m = this.operand();
      if (m.t !== 'literal') throw new FilterError('"&" needs a number on its right', m.pos);
      mask = m;
      end = m.end;
    }
    return { t: 'field', id: t.text, slice, mask, idPos: t.pos, pos: t.pos, end };
  }

  /** The right side of a comparison: a field (decided later, when the registry is known) or a literal. */
  private operand(): Operand {
    const t = this.peek();
    if (t.kind === 'string' || t.kind === 'char') {
      this.next();
      return lit(t);
    }
    if (t.kind === 'word' && !KEYWORDS.has(t.text)) {
      // A function call or a slice makes it a field; a bare word stays ambiguous until compile time.
      if ((FUNCS.has(t.text) && this.peek(1).kind === '(') || this.peek(1).kind === 'slice') return this.value();
      this.next();
      return lit(t);
    }
    return this.unexpected(t);
  }

  private set(): SetItem[] {
    const open = this.next();
    if (open.kind !== '{') this.unexpected(open);
    const items: SetItem[] = [];
    for (;;) {
      const lo = this.setLiteral();
      let hi: Literal | undefined;
      if (this.peek().kind === '..') {
        this.next();
        hi = this.setLiteral();
      }
      items.push(hi ? { lo, hi } : { lo });
      const sep = this.next();
      if (sep.kind === '}') return items;
      if (sep.kind !== ',') this.unexpected(sep);
    }
  }

  private setLiteral(): Literal {
    const t = this.next();
    if (t.kind === 'string' || t.kind === 'char' || (t.kind === 'word' && !KEYWORDS.has(t.text))) return lit(t);
    return this.unexpected(t);
  }
}

function lit(t: Token): Literal {
  return { t: 'literal', kind: t.kind as Literal['kind'], text: t.text, bytes: t.bytes, code: t.code, pos: t.pos, end: t.end };
}

/** `[0:4]`, `[1-2]`, `[-1]`, `[:2]`, `[4:]`, `[0:2,4]` → byte ranges (Wireshark's drange syntax). */
function parseSlice(t: Token): SliceRange[] {
  const parts = t.text.split(',');
  const out: SliceRange[] = [];
  for (const raw of parts) {
    const s = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^(-?\d+):(\d+)?$/.exec(s))) out.push(m[2] === undefined ? { start: Number(m[1]) } : { start: Number(m[1]), length: Number(m[2]) });
    else if ((m = /^:(\d+)$/.exec(s))) out.push({ start: 0, length: Number(m[1]) });
    else if ((m = /^(-?\d+)-(-?\d+)$/.exec(s))) {
      const a = Number(m[1]);
      const b = Number(m[2]);
      if ((a >= 0) !== (b >= 0) || b < a) throw new FilterError(`bad slice range "${s}"`, t.pos);
      out.push({ start: a, length: b - a + 1 });
    } else if ((m = /^(-?\d+)$/.exec(s))) out.push({ start: Number(m[1]), length: 1 });
    else throw new FilterError(`bad slice "[${t.text}]" (expected [i:j], [i-j], [i], [:j] or [i:])`, t.pos);
    const last = out[out.length - 1]!;
    if (last.length === 0) throw new FilterError(`empty slice "[${t.text}]"`, t.pos);
  }
  return out;
}
