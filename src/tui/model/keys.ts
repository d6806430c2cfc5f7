/**
 * Every key the TUI understands, grouped as the help screen shows them. The
 * help overlay renders this list, and a test checks each entry is handled,
 * so the help cannot drift from the bindings.
 */
export interface KeyHelp {
  readonly keys: string;
  readonly action: string;
}

export interface KeyGroup {
  readonly title: string;
  readonly entries: readonly KeyHelp[];
}

export const KEY_HELP: readonly KeyGroup[] = [
  {
    title: 'Move',
    entries: [
      { keys: 'j / ↓', action: 'next row (packet, tree line or hex line, by focused pane)' },
      { keys: 'k / ↑', action: 'previous row' },
      { keys: 'PgDn / PgUp', action: 'one page down / up' },
      { keys: 'g / Home', action: 'first row' },
      { keys: 'G / End', action: 'last row' },
      { keys: ': or Ctrl-G', action: 'go to packet number' },
      { keys: 'Tab / Shift-Tab', action: 'focus next / previous pane (list → tree → hex)' },
    ],
  },
  {
    title: 'Packet details',
    entries: [
      { keys: 'Enter / Space', action: 'expand or collapse the selected tree line' },
      { keys: '→ / ←', action: 'expand / collapse (← on a closed line goes to its parent); in hex: next / previous data source' },
      { keys: 'e / c', action: 'expand all / collapse all' },
      { keys: 't', action: 'time column: relative → absolute → delta' },
    ],
  },
  {
    title: 'Filter',
    entries: [
      { keys: '/', action: 'edit the display filter (green: valid, red: error)' },
      { keys: 'Enter', action: 'apply the filter (empty clears it)' },
      { keys: '↑ / ↓', action: 'filter history' },
      { keys: 'Esc', action: 'leave the prompt without applying' },
    ],
  },
  {
    title: 'Views',
    entries: [
      { keys: 'l', action: 'IKE ladder (message flow)' },
      { keys: 's', action: 'security associations (Enter on an ESP/AH SA filters the list to it)' },
      { keys: 'K', action: 'keys: sources and SA store (k moves up); in it, o loads a key file, p enters a PSK' },
      { keys: 'f', action: 'findings of the audit (Enter selects the packet)' },
      { keys: '?', action: 'this help' },
      { keys: 'Esc / q', action: 'close a view or this help' },
      { keys: 'q / Ctrl-C', action: 'quit' },
    ],
  },
];
