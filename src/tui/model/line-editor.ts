/**
 * A one-line text editor with history, for the filter bar and the go-to
 * prompt. Pure values: each edit returns a new state.
 */
export interface LineState {
  readonly text: string;
  readonly cursor: number;
  /** Position in the history while browsing it with ↑/↓ (history.length = the line being typed). */
  readonly historyPos: number;
  /** What was typed before browsing the history, restored when ↓ walks past the newest entry. */
  readonly draft: string;
}

export function lineState(text = ''): LineState {
  return { text, cursor: text.length, historyPos: -1, draft: text };
}

export function insert(s: LineState, chars: string): LineState {
  const text = s.text.slice(0, s.cursor) + chars + s.text.slice(s.cursor);
  return { ...s, text, cursor: s.cursor + chars.length, historyPos: -1 };
}

export function backspace(s: LineState): LineState {
  if (s.cursor === 0) return s;
  return { ...s, text: s.text.slice(0, s.cursor - 1) + s.text.slice(s.cursor), cursor: s.cursor - 1, historyPos: -1 };
}

export function deleteForward(s: LineState): LineState {
  if (s.cursor >= s.text.length) return s;
  return { ...s, text: s.text.slice(0, s.cursor) + s.text.slice(s.cursor + 1), historyPos: -1 };
}

export function moveCursor(s: LineState, to: number): LineState {
  return { ...s, cursor: Math.max(0, Math.min(s.text.length, to)) };
}

/** ↑ (dir −1) / ↓ (dir +1) through the history, newest last. */
export function browse(s: LineState, history: readonly string[], dir: -1 | 1): LineState {
  if (!history.length) return s;
  const pos = s.historyPos < 0 ? history.length : s.historyPos;
  const next = Math.max(0, Math.min(history.length, pos + dir));
  if (next === pos) return s;
  const draft = s.historyPos < 0 ? s.text : s.draft;
  const text = next === history.length ? draft : history[next]!;
  return { text, cursor: text.length, historyPos: next === history.length ? -1 : next, draft };
}

/** The history after submitting `text`: most recent last, no duplicates, bounded. */
export function remember(history: readonly string[], text: string, max = 50): string[] {
  if (!text.trim()) return [...history];
  const h = history.filter((x) => x !== text);
  h.push(text);
  return h.slice(-max);
}
