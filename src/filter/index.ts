/**
 * Display filters (`-Y`): a Wireshark 4.0-compatible subset over espy's
 * field registry. See compile.ts for the semantics of each operator and
 * parser.ts for the grammar.
 */
import type { Packet } from '../dissect/packet.js';
import { compileExpr } from './compile.js';
import { FilterError } from './lexer.js';
import { parseFilter } from './parser.js';

export type FilterResult =
  | { readonly ok: true; readonly match: (p: Packet) => boolean }
  | { readonly ok: false; readonly error: string; /** 1-based column the error points at. */ readonly column: number };

export type FilterCheck = { readonly ok: true } | { readonly ok: false; readonly error: string; readonly column: number };

const MATCH_ALL = (): boolean => true;

/** Compile a display filter once; the returned predicate is cheap to call per packet. An empty filter matches everything. */
export function compileFilter(text: string): FilterResult {
  try {
    const e = parseFilter(text);
    return { ok: true, match: e ? compileExpr(e) : MATCH_ALL };
  } catch (err) {
    if (err instanceof FilterError) return { ok: false, error: err.message, column: Math.max(0, err.pos) + 1 };
    throw err;
  }
}

/** Validate a filter without keeping the predicate (the TUI's filter bar checks as the user types). */
export function checkFilter(text: string): FilterCheck {
  const r = compileFilter(text);
  return r.ok ? { ok: true } : r;
}

/**
 * The error as a terminal message, tshark-style: the message with its
 * column, then the filter and a caret under the fault.
 */
export function formatFilterError(text: string, error: string, column: number): string {
  return `${error} at column ${column}\n    ${text}\n    ${' '.repeat(Math.max(0, column - 1))}^`;
}

export { resolveFilterField } from './compile.js';
