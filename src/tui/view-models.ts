/**
 * View models: plain data the Ink components render. Everything a component
 * shows is decided here (text, padding, what is selected or highlighted);
 * components only map it to Boxes, Texts and colours, and never look at
 * packets or the capture.
 */
import { basename } from 'node:path';
import type { Severity } from '../core/notes.js';
import { KEY_HELP, type KeyGroup } from './model/keys.js';
import type { Layout } from './model/layout.js';
import type { Pane, TuiController } from './model/controller.js';
import { TIME_MODE_LABEL, type RowKind, type SummaryRow, type TimeMode } from './model/summary.js';
import { BYTES_PER_LINE, sourceTabs, type HexLine } from './model/hex-model.js';
import { VIEW_TITLE } from './model/analysis.js';

export interface PacketRowVM {
  readonly key: string;
  readonly text: string;
  readonly kind: RowKind;
  readonly severity: Severity | undefined;
  readonly selected: boolean;
  /** Shown decrypted (marked `D`). */
  readonly decrypted: boolean;
  /** An integrity check failed under the keys given (painted red). */
  readonly icvBad: boolean;
}

export interface PacketListVM {
  readonly header: string;
  readonly rows: readonly PacketRowVM[];
  /** Lines of rows (the component pads to this so the pane keeps its height). */
  readonly height: number;
  readonly focused: boolean;
  /** Shown instead of rows when there are none ("Loading…", "No packets match"). */
  readonly empty: string | undefined;
}

export interface TreeRowVM {
  readonly key: string;
  readonly text: string;
  readonly selected: boolean;
  readonly severity: Severity | undefined;
  readonly isNote: boolean;
}

export interface TreeVM {
  readonly title: string;
  readonly rows: readonly TreeRowVM[];
  readonly height: number;
  readonly focused: boolean;
}

export interface HexSegment {
  readonly text: string;
  readonly highlight: boolean;
}

export interface HexRowVM {
  readonly key: string;
  readonly segments: readonly HexSegment[];
}

export interface HexVM {
  readonly tabs: readonly { readonly label: string; readonly active: boolean }[];
  readonly rows: readonly HexRowVM[];
  readonly height: number;
  readonly focused: boolean;
}

export interface StatusVM {
  readonly file: string;
  readonly total: number;
  readonly shown: number;
  /** Loading still running. */
  readonly loading: boolean;
  /** Percent loaded, when the file size is known. */
  readonly percent: number | undefined;
  readonly filter: string | undefined;
  /** Percent of the capture the filter has examined, while it runs. */
  readonly filterPercent: number | undefined;
  readonly time: string;
  readonly focus: Pane;
  readonly message: string | undefined;
  /** The capture ended in a fault: what and where. */
  readonly error: string | undefined;
  /** Decryption state and key sources, when keys were given. */
  readonly decryption: string | undefined;
  /** The whole line, as text (the component colours parts of it). */
  readonly text: string;
  readonly hint: string;
}

export type FilterState = 'empty' | 'valid' | 'invalid' | 'unavailable';

export interface FilterBarVM {
  readonly mode: 'idle' | 'filter' | 'goto' | 'keys';
  readonly label: string;
  readonly text: string;
  readonly cursor: number;
  readonly state: FilterState;
  readonly error: string | undefined;
}

export type OverlayVM =
  | { readonly kind: 'help'; readonly groups: readonly KeyGroup[]; readonly height: number }
  | { readonly kind: 'view'; readonly title: string; readonly lines: readonly { readonly key: string; readonly text: string; readonly selected: boolean }[]; readonly status: string | undefined; readonly height: number };

export interface AppVM {
  readonly layout: Layout;
  readonly list: PacketListVM;
  readonly tree: TreeVM;
  readonly hex: HexVM;
  readonly filterBar: FilterBarVM;
  readonly status: StatusVM;
  readonly overlay: OverlayVM | undefined;
}

/** Truncates (with …) or pads to exactly w characters. */
export function fit(s: string, w: number, right = false): string {
  if (w <= 0) return '';
  if (s.length > w) return w === 1 ? '…' : s.slice(0, w - 1) + '…';
  return right ? s.padStart(w) : s.padEnd(w);
}

const TIME_WIDTH: Readonly<Record<TimeMode, number>> = { r: 11, a: 15, d: 11 };

interface Columns {
  no: number;
  time: number;
  src: number;
  dst: number;
  proto: number;
  len: number;
}

function columnsFor(width: number, total: number, time: TimeMode): Columns {
  const no = Math.max(5, String(total).length);
  // Addresses shrink first on narrow terminals; Info takes what is left.
  const addr = width >= 110 ? 22 : width >= 90 ? 17 : 15;
  return { no, time: TIME_WIDTH[time], src: addr, dst: addr, proto: 8, len: 6 };
}

/**
 * One list line: a marker column (`!` for packets with warnings or errors, `D` for decrypted ones:
 * never colour alone), then the columns.
 */
function rowText(r: Pick<SummaryRow, 'no' | 'time' | 'src' | 'dst' | 'protocol' | 'length' | 'info'> & { marker: string }, c: Columns, width: number): string {
  const head = `${r.marker}${fit(String(r.no), c.no, true)} ${fit(r.time, c.time, true)} ${fit(r.src, c.src)} ${fit(r.dst, c.dst)} ${fit(r.protocol, c.proto)} ${fit(String(r.length), c.len, true)} `;
  return fit(head + r.info, width);
}

export function packetListVM(c: TuiController): PacketListVM {
  const width = c.layout.columns;
  const cols = columnsFor(width, c.index.count, c.time);
  const header = fit(
    ` ${fit('No.', cols.no, true)} ${fit('Time', cols.time, true)} ${fit('Source', cols.src)} ${fit('Destination', cols.dst)} ${fit('Protocol', cols.proto)} ${fit('Length', cols.len, true)} Info`,
    width,
  );
  const sel = c.selectedIndex;
  const rows = c.windowRows().map((r) => ({
    key: String(r.index),
    text: rowText({ ...r, marker: r.icvBad || r.severity === 'error' || r.severity === 'warn' ? '!' : r.decrypted ? 'D' : ' ' }, cols, width),
    kind: r.kind,
    severity: r.severity,
    selected: r.index === sel,
    decrypted: r.decrypted,
    icvBad: r.icvBad,
  }));
  let empty: string | undefined;
  if (!rows.length) {
    if (c.scan) empty = c.scan.done ? `No packets match "${c.scan.text}".` : 'Filtering…';
    else empty = c.index.done ? 'The capture holds no packets.' : c.index.live ? 'Waiting for packets…' : 'Loading…';
  }
  return { header, rows, height: c.layout.listRows, focused: c.focus === 'list', empty };
}

export function treeVM(c: TuiController): TreeVM {
  const all = c.treeRows();
  const cur = c.treeCursor(all);
  const h = c.layout.treeRows;
  const rows = all.slice(c.treeTop, c.treeTop + h).map((r, k) => ({
    key: r.key,
    text: fit(`${'  '.repeat(r.depth)}${r.expandable ? (r.expanded ? '▾ ' : '▸ ') : '  '}${r.text}`, c.layout.columns),
    selected: c.treeTop + k === cur,
    severity: r.severity,
    isNote: r.isNote,
  }));
  const sel = c.selectedIndex;
  const title = sel === undefined ? 'Packet details' : `Packet ${sel + 1} details`;
  return { title, rows, height: h, focused: c.focus === 'tree' };
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Column of byte i's first hex digit within the hex field (a gap after 8 bytes, as `-x` prints). */
const hexCol = (i: number) => i * 3 + (i >= 8 ? 1 : 0);

/** A `-x` line split into plain and highlighted segments. */
export function hexRowSegments(line: HexLine): HexSegment[] {
  let hex = '';
  let ascii = '';
  for (let i = 0; i < BYTES_PER_LINE; i++) {
    if (i < line.bytes.length) {
      const b = line.bytes[i]!;
      hex += HEX[b] + ' ';
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    } else hex += '   ';
    if (i === 7) hex += ' ';
  }
  const prefix = `${line.offset.toString(16).padStart(4, '0')}  `;
  if (!line.highlight) return [{ text: `${prefix}${hex} ${ascii}`, highlight: false }];
  const [a, b] = line.highlight;
  const hs = hexCol(a);
  const he = hexCol(b) + 2;
  return [
    { text: prefix + hex.slice(0, hs), highlight: false },
    { text: hex.slice(hs, he), highlight: true },
    { text: hex.slice(he) + ' ' + ascii.slice(0, a), highlight: false },
    { text: ascii.slice(a, b + 1), highlight: true },
    { text: ascii.slice(b + 1), highlight: false },
  ].filter((s) => s.text.length > 0);
}

export function hexVM(c: TuiController): HexVM {
  const p = c.selectedPacket();
  const active = c.hexSourceIndex();
  const tabs = p ? sourceTabs(p.sources).map((label, i) => ({ label, active: i === active })) : [];
  const lines = c.hexLines();
  const h = c.layout.hexRows;
  const rows = lines.slice(c.hexTop, c.hexTop + h).map((l) => ({ key: String(l.offset), segments: hexRowSegments(l) }));
  return { tabs, rows, height: h, focused: c.focus === 'hex' };
}

export function filterBarVM(c: TuiController): FilterBarVM {
  const p = c.prompt;
  if (p?.kind === 'goto') return { mode: 'goto', label: 'Go to packet: ', text: p.line.text, cursor: p.line.cursor, state: 'empty', error: undefined };
  if (p?.kind === 'keyfile') return { mode: 'keys', label: 'Load key file: ', text: p.line.text, cursor: p.line.cursor, state: 'empty', error: 'Enter loads, Esc cancels' };
  if (p?.kind === 'psk') {
    // A PSK is typed blind unless espy was started with --show-secrets.
    const text = c.decryption?.showSecrets ? p.line.text : '•'.repeat(p.line.text.length);
    return { mode: 'keys', label: 'PSK (SECRET, 0xHEX or PEER=SECRET): ', text, cursor: p.line.cursor, state: 'empty', error: 'Enter adds, Esc cancels' };
  }
  if (p?.kind === 'filter') {
    if (!c.engine.available) return { mode: 'filter', label: 'Filter: ', text: p.line.text, cursor: p.line.cursor, state: 'unavailable', error: c.engine.reason };
    const chk = c.promptCheck();
    const state: FilterState = !chk ? 'empty' : chk.ok ? 'valid' : 'invalid';
    const error = chk && !chk.ok ? (chk.column !== undefined ? `${chk.error} (column ${chk.column})` : chk.error) : undefined;
    return { mode: 'filter', label: 'Filter: ', text: p.line.text, cursor: p.line.cursor, state, error };
  }
  const applied = c.scan?.text ?? '';
  return { mode: 'idle', label: 'Filter: ', text: applied, cursor: -1, state: applied ? 'valid' : 'empty', error: undefined };
}

const FOCUS_LABEL: Readonly<Record<Pane, string>> = { list: 'list', tree: 'details', hex: 'bytes' };

export function statusVM(c: TuiController): StatusVM {
  const ix = c.index;
  const loading = !ix.done;
  const pr = ix.progress;
  const percent = loading && pr !== undefined ? Math.floor(pr * 100) : undefined;
  const s = c.scan;
  const filterPercent = s && !s.done && ix.count ? Math.floor((s.scanned / ix.count) * 100) : undefined;
  // The base name: a long path would push the counts off a narrow status line.
  const parts = [basename(ix.file)];
  parts.push(s ? `Shown ${s.count.toLocaleString('en-US')} of ${ix.count.toLocaleString('en-US')}` : `Packets ${ix.count.toLocaleString('en-US')}`);
  if (loading) parts.push(ix.live ? 'capturing…' : percent !== undefined ? `loading ${percent}%` : 'loading…');
  if (filterPercent !== undefined) parts.push(`filtering ${filterPercent}%`);
  if (s?.error) parts.push(`filter stopped: ${s.error}`);
  const decryption = c.decryption?.statusText();
  if (decryption) parts.push(decryption);
  parts.push(`time: ${TIME_MODE_LABEL[c.time]}`, `focus: ${FOCUS_LABEL[c.focus]}`);
  const message = c.message;
  const error = ix.error;
  const text = [...parts, ...(error ? [`ERROR: ${error}`] : []), ...(message ? [message] : [])].join(' │ ');
  return {
    file: ix.file,
    total: ix.count,
    shown: c.shownCount,
    loading,
    percent,
    filter: s?.text,
    filterPercent,
    time: TIME_MODE_LABEL[c.time],
    focus: c.focus,
    message,
    error,
    decryption,
    text,
    hint: '?:help /:filter Tab:pane q:quit',
  };
}

export function overlayVM(c: TuiController): OverlayVM | undefined {
  const o = c.overlay;
  // The overlay takes the panes' place; the filter bar and status bar stay.
  const height = Math.max(1, c.layout.height - 2);
  if (!o) return undefined;
  if (o.kind === 'help') return { kind: 'help', groups: KEY_HELP, height };
  const scan = c.analysisScan();
  const text = o.view === 'keys' ? { lines: c.overlayLines() } : scan.view(o.view);
  const body = height - 1;
  const lines = (text?.lines ?? []).slice(c.overlayTop, c.overlayTop + body).map((t, k) => ({
    key: String(c.overlayTop + k),
    text: fit(t, c.layout.columns),
    selected: c.overlayTop + k === c.overlayCursor,
  }));
  const status = text ? undefined : `Analysing the capture… ${Math.floor(scan.progress * 100)}%`;
  const enter = o.view === 'ladder' || o.view === 'findings' ? ', Enter selects the packet' : o.view === 'sa' ? ', Enter on an ESP/AH SA filters the list to it' : o.view === 'keys' ? ', o loads a key file, p enters a PSK' : '';
  return { kind: 'view', title: `${VIEW_TITLE[o.view]}  (Esc closes${enter})`, lines, status, height };
}

export function appVM(c: TuiController): AppVM {
  return { layout: c.layout, list: packetListVM(c), tree: treeVM(c), hex: hexVM(c), filterBar: filterBarVM(c), status: statusVM(c), overlay: overlayVM(c) };
}
