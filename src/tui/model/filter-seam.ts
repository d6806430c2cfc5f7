/**
 * The display-filter engine as the TUI sees it: `compileFilter` from
 * src/filter (`{ ok, match }` or `{ ok: false, error, column }`), behind a
 * small interface so tests can hand in their own engine and the filter bar
 * never needs to know the module's internals.
 */
import type { Packet } from '../../dissect/packet.js';
import { compileFilter } from '../../filter/index.js';

export type FilterCheck =
  | { readonly ok: true; readonly match: (p: Packet) => boolean }
  | { readonly ok: false; readonly error: string; readonly column: number | undefined };

export interface FilterEngine {
  readonly available: boolean;
  /** Why filtering is unavailable (shown in the filter bar). */
  readonly reason: string | undefined;
  compile(text: string): FilterCheck;
}

/** For builds or tests without a filter engine: the bar says so and applies nothing. */
export const NO_FILTER_ENGINE: FilterEngine = {
  available: false,
  reason: 'display filters are not available in this build',
  compile: () => ({ ok: false, error: 'display filters are not available in this build', column: undefined }),
};

type RawCompile = (text: string) => unknown;

/** Wraps a compileFilter-shaped function; an exception from it becomes an error, not a crash of the UI. */
export function engineFrom(compile: RawCompile): FilterEngine {
  return {
    available: true,
    reason: undefined,
    compile(text: string): FilterCheck {
      let r: unknown;
      try {
        r = compile(text);
      } catch (e) {
        return { ok: false, error: e instanceof Error ? e.message : String(e), column: undefined };
      }
      const o = (r ?? {}) as { ok?: unknown; match?: unknown; error?: unknown; column?: unknown };
      if (o.ok === true && typeof o.match === 'function') {
        const m = o.match as (p: Packet) => unknown;
        return { ok: true, match: (p) => m(p) === true };
      }
      return { ok: false, error: typeof o.error === 'string' ? o.error : 'invalid filter', column: typeof o.column === 'number' ? o.column : undefined };
    },
  };
}

export const DEFAULT_FILTER_ENGINE: FilterEngine = engineFrom(compileFilter);
