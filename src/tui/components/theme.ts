/**
 * Colours by meaning (aesthetics notes §5.2): IKEv1 yellow, IKEv2 cyan, ESP
 * green, AH magenta, NAT-T blue; errors red, warnings yellow. Colour is never
 * the only signal: rows with notes carry a `!` marker, notes say their severity.
 */
import type { Severity } from '../../core/notes.js';
import type { RowKind } from '../model/summary.js';
import type { FilterState } from '../view-models.js';

export const KIND_COLOR: Readonly<Record<RowKind, string | undefined>> = {
  ikev1: 'yellow',
  ikev2: 'cyan',
  esp: 'green',
  ah: 'magenta',
  natt: 'blue',
  other: undefined,
};

export function severityColor(s: Severity | undefined): string | undefined {
  return s === 'error' ? 'red' : s === 'warn' ? 'yellow' : s === 'note' ? 'cyan' : undefined;
}

/** termshark's filter colours: green valid, red invalid, cyan empty. */
export const FILTER_COLOR: Readonly<Record<FilterState, string>> = {
  empty: 'cyan',
  valid: 'green',
  invalid: 'red',
  unavailable: 'gray',
};
