/**
 * Pane sizes from the terminal size. The root is one row shorter than the
 * terminal: Ink 6 clears the whole screen on every frame once the output is
 * as tall as the terminal (ux-anchors §4.4). Each pane gets an explicit
 * height and renders exactly that many lines, so Yoga never has to shrink
 * rows (which silently drops them).
 */
export interface Layout {
  readonly columns: number;
  /** Height of the Ink root (terminal rows − 1). */
  readonly height: number;
  /** Lines of packet rows (after the column header line). */
  readonly listRows: number;
  /** Lines of tree rows (after the pane title line). */
  readonly treeRows: number;
  /** Lines of hex rows (after the tab line); 0 when the terminal is too small for a hex pane. */
  readonly hexRows: number;
}

/** Lines used outside the panes: the filter bar and the status bar. */
const CHROME = 2;

export function computeLayout(rows: number, columns: number): Layout {
  const height = Math.max(4, rows - 1);
  const cols = Math.max(20, columns);
  // Each pane has one title/header line of its own.
  const avail = Math.max(3, height - CHROME);
  if (avail < 9) {
    // Too small for three panes: the list alone (with its header), as termshark does when squeezed.
    return { columns: cols, height, listRows: Math.max(1, avail - 1), treeRows: 0, hexRows: 0 };
  }
  const list = Math.max(2, Math.floor(avail * 0.4));
  const rest = avail - list;
  const tree = Math.max(2, Math.floor(rest * 0.55));
  const hex = rest - tree;
  return { columns: cols, height, listRows: list - 1, treeRows: tree - 1, hexRows: hex - 1 };
}
