/**
 * Display-filter lexer: text → tokens with byte positions, so every error
 * can point at a column as tshark does.
 *
 * Unquoted words (field names, numbers, addresses, byte strings, value
 * names) are one token kind, "word", as in Wireshark's "unparsed literal":
 * what a word means depends on the field it is compared with, which only
 * the compiler knows.
 */

export type TokenKind =
  | 'word' // field name, keyword, number, address, byte string, value name
  | 'string' // "…" (escapes decoded) or r"…" (raw)
  | 'char' // 'a', '\x41': an integer
  | 'op' // == != === !== ~= < <= > >= ! && || ^^ ~ &
  | '(' | ')' | '{' | '}' | ','
  | '..' // range inside a set
  | 'slice' // [ … ] after a field: the raw text between the brackets
  | 'eof';

export interface Token {
  readonly kind: TokenKind;
  /** Source text of the token (for words and ops); the decoded text for strings; the bracket contents for slices. */
  readonly text: string;
  /** Decoded bytes of a string literal: UTF-8 of the text, with \xhh and \ooo as raw bytes. */
  readonly bytes?: Uint8Array;
  /** Value of a char literal. */
  readonly code?: number;
  /** 0-based offset of the first character. */
  readonly pos: number;
  /** 0-based offset after the last character. */
  readonly end: number;
}

/** A filter error with the 0-based offset it refers to. */
export class FilterError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/**
 * Characters of an unquoted word: field names (`isakmp.flag_i`), numbers
 * (`0x1f`, `-1`), IPv4/IPv6 addresses with CIDR suffix (`10.0.0.0/8`,
 * `2001:db8::/32`), byte strings (`aa:bb`, `aa-bb`, `aa.bb`) and value names
 * (`IKE_SA_INIT`).
 */
function isWordChar(c: string): boolean {
  return /[A-Za-z0-9_.:/\-]/.test(c);
}

const OPS = ['===', '!==', '==', '!=', '~=', '<=', '>=', '&&', '||', '^^', '<', '>', '!', '~', '&'] as const;

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      out.push({ kind: c, text: c, pos: i, end: i + 1 });
      i++;
      continue;
    }
    if (c === '.' && src[i + 1] === '.') {
      out.push({ kind: '..', text: '..', pos: i, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === '[') {
      const close = src.indexOf(']', i + 1);
      if (close < 0) throw new FilterError('unterminated slice (missing "]")', i);
      out.push({ kind: 'slice', text: src.slice(i + 1, close), pos: i, end: close + 1 });
      i = close + 1;
      continue;
    }
    if (c === '"' || ((c === 'r' || c === 'R') && src[i + 1] === '"')) {
      const raw = c !== '"';
      const s = readString(src, raw ? i + 1 : i, raw);
      out.push({ kind: 'string', text: s.text, bytes: s.bytes, pos: start, end: s.end });
      i = s.end;
      continue;
    }
    if (c === "'") {
      const ch = readChar(src, i);
      out.push({ kind: 'char', text: src.slice(i, ch.end), code: ch.code, pos: i, end: ch.end });
      i = ch.end;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op, pos: i, end: i + op.length });
      i += op.length;
      continue;
    }
    if (isWordChar(c)) {
      // A word stops before "..", so `1..10` is three tokens while `10.0.0.1` stays one.
      while (i < n && isWordChar(src[i]!) && !(src[i] === '.' && src[i + 1] === '.')) i++;
      out.push({ kind: 'word', text: src.slice(start, i), pos: start, end: i });
      continue;
    }
    throw new FilterError(`"${c}" was unexpected in this context`, i);
  }
  out.push({ kind: 'eof', text: '', pos: n, end: n });
  return out;
}

const SIMPLE_ESCAPES: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, '"': 34, "'": 39 };

/** A quoted string starting at the quote `at`. Escapes as in Wireshark (C-like); raw strings keep backslashes. */
function readString(src: string, at: number, raw: boolean): { text: string; bytes: Uint8Array; end: number } {
  const bytes: number[] = [];
  const enc = new TextEncoder();
  let i = at + 1;
  for (;;) {
    if (i >= src.length) throw new FilterError('unterminated string (missing closing ")', at);
    const c = src[i]!;
    if (c === '"') break;
    if (c === '\\' && raw) {
      // A raw string keeps the backslash, but \" still does not end it (as in Wireshark's r"…").
      bytes.push(92);
      if (src[i + 1] === '"') {
        bytes.push(34);
        i += 2;
      } else i++;
      continue;
    }
    if (c === '\\') {
      const e = readEscape(src, i);
      bytes.push(e.code);
      i = e.end;
      continue;
    }
    const cp = src.codePointAt(i)!;
    const s = String.fromCodePoint(cp);
    for (const b of enc.encode(s)) bytes.push(b);
    i += s.length;
  }
  const b = Uint8Array.from(bytes);
  return { text: new TextDecoder().decode(b), bytes: b, end: i + 1 };
}

/** One backslash escape at `at` (which holds the backslash): one byte. */
function readEscape(src: string, at: number): { code: number; end: number } {
  const e = src[at + 1];
  if (e === undefined) throw new FilterError('unterminated escape sequence', at);
  if (e in SIMPLE_ESCAPES) return { code: SIMPLE_ESCAPES[e]!, end: at + 2 };
  if (e === 'x') {
    const m = /^[0-9a-fA-F]{1,2}/.exec(src.slice(at + 2));
    if (!m) throw new FilterError('\\x needs one or two hex digits', at);
    return { code: parseInt(m[0], 16), end: at + 2 + m[0].length };
  }
  const m = /^[0-7]{1,3}/.exec(src.slice(at + 1));
  if (m) {
    const v = parseInt(m[0], 8);
    if (v > 255) throw new FilterError(`octal escape \\${m[0]} is above 255`, at);
    return { code: v, end: at + 1 + m[0].length };
  }
  throw new FilterError(`unknown escape sequence \\${e}`, at);
}

/** A character constant: 'a', '\n', '\x41', '\101' → its code. */
function readChar(src: string, at: number): { code: number; end: number } {
  let i = at + 1;
  let code: number;
  if (src[i] === '\\') {
    const e = readEscape(src, i);
    code = e.code;
    i = e.end;
  } else {
    const cp = src.codePointAt(i);
    if (cp === undefined || src[i] === "'") throw new FilterError('empty or unterminated character constant', at);
    code = cp;
    i += String.fromCodePoint(cp).length;
  }
  if (src[i] !== "'") throw new FilterError('unterminated character constant (missing closing \')', at);
  return { code, end: i + 1 };
}
