/**
 * The detail pane's protocol tree as flat, visible rows, with expand/collapse
 * state that survives moving to another packet (as in Wireshark and
 * termshark: open the ISAKMP subtree once and it stays open while you scroll).
 *
 * State is a plain immutable value so React can hold it; rows are recomputed
 * from (tree, state), which costs nothing next to a render.
 */
import { SEVERITY_RANK, type Note, type Severity } from '../../core/notes.js';
import { nodeLine, type TreeNode } from '../../core/tree.js';
import { noteLine } from '../../cli/format/text.js';

export interface TreeRow {
  /**
   * Stable across packets: the path of field ids from the root, each with its
   * occurrence among same-id siblings (`isakmp#0/isakmp.payload#2`). The same
   * subtree in the next packet gets the same key, so its open state carries over.
   */
  readonly key: string;
  readonly depth: number;
  readonly text: string;
  readonly expandable: boolean;
  readonly expanded: boolean;
  /** An expert-note row (or a node that carries notes): the worst severity. */
  readonly severity: Severity | undefined;
  readonly isNote: boolean;
  /** Data source (Packet.sources index) the bytes live in: inherited from the nearest protocol node. */
  readonly source: number;
  readonly offset: number;
  readonly length: number;
  /** Key of the parent row ('' at the top). */
  readonly parent: string;
}

export interface ExpandState {
  /** 'some': only keys in `open` are expanded. 'all' (after `e`): everything except keys in `closed`. */
  readonly mode: 'some' | 'all';
  readonly open: ReadonlySet<string>;
  readonly closed: ReadonlySet<string>;
}

const EMPTY: ReadonlySet<string> = new Set();
export const COLLAPSED: ExpandState = { mode: 'some', open: EMPTY, closed: EMPTY };
export const EXPANDED: ExpandState = { mode: 'all', open: EMPTY, closed: EMPTY };

export function isOpen(st: ExpandState, key: string): boolean {
  return st.mode === 'all' ? !st.closed.has(key) : st.open.has(key);
}

export function setOpen(st: ExpandState, key: string, open: boolean): ExpandState {
  if (isOpen(st, key) === open) return st;
  if (st.mode === 'all') {
    const closed = new Set(st.closed);
    if (open) closed.delete(key);
    else closed.add(key);
    return { ...st, closed };
  }
  const o = new Set(st.open);
  if (open) o.add(key);
  else o.delete(key);
  return { ...st, open: o };
}

function worst(notes: readonly Note[] | undefined): Severity | undefined {
  let w: Severity | undefined;
  for (const n of notes ?? []) if (!w || SEVERITY_RANK[n.def.severity] > SEVERITY_RANK[w]) w = n.def.severity;
  return w;
}

/** The visible rows of a packet tree under an expand state. */
export function flattenTree(roots: readonly TreeNode[], st: ExpandState): TreeRow[] {
  const out: TreeRow[] = [];
  const walk = (nodes: readonly TreeNode[], depth: number, parentKey: string, parentSource: number): void => {
    const seen = new Map<string, number>();
    for (const n of nodes) {
      const k = seen.get(n.field.id) ?? 0;
      seen.set(n.field.id, k + 1);
      const key = `${parentKey}${parentKey ? '/' : ''}${n.field.id}#${k}`;
      const source = n.source ?? parentSource;
      const expandable = !!(n.children?.length || n.notes?.length);
      const expanded = expandable && isOpen(st, key);
      out.push({ key, depth, text: nodeLine(n), expandable, expanded, severity: worst(n.notes), isNote: false, source, offset: n.offset, length: n.length, parent: parentKey });
      if (!expanded) continue;
      if (n.children) walk(n.children, depth + 1, key, source);
      // Notes come after the children, as `-V` prints them.
      n.notes?.forEach((note, j) => {
        out.push({
          key: `${key}/!${j}`,
          depth: depth + 1,
          text: noteLine(note),
          expandable: false,
          expanded: false,
          severity: note.def.severity,
          isNote: true,
          source,
          offset: note.offset ?? n.offset,
          length: note.offset !== undefined ? (note.length ?? 0) : n.length,
          parent: key,
        });
      });
    }
  };
  walk(roots, 0, '', 0);
  return out;
}
