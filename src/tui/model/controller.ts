/**
 * All UI state and key handling of the TUI, without React: the list cursor,
 * pane focus, tree expansion, hex scroll, prompts and views. Components never
 * see this class; they get view models built from it (view-models.ts). Keys
 * come in as plain `KeyPress` values, so every binding is testable without a
 * terminal. Pane focus lives here rather than in Ink's focus manager, which
 * would swallow Tab and Esc (ux-anchors §4.3).
 */
import { packetTree, type Packet } from '../../dissect/packet.js';
import type { TreeNode } from '../../core/tree.js';
import type { CaptureIndex } from './capture-index.js';
import { FilterScan } from './filter-scan.js';
import { DEFAULT_FILTER_ENGINE, type FilterCheck, type FilterEngine } from './filter-seam.js';
import { AnalysisScan, type AnalysisView } from './analysis.js';
import type { Decryption } from './decryption.js';
import { keysViewLines } from './keys-view.js';
import { computeLayout, type Layout } from './layout.js';
import { backspace, browse, deleteForward, insert, lineState, moveCursor, remember, type LineState } from './line-editor.js';
import { COLLAPSED, EXPANDED, flattenTree, setOpen, type ExpandState, type TreeRow } from './tree-model.js';
import { firstHighlightedLine, hexLines, type HexLine } from './hex-model.js';
import { summaryRow, TIME_MODES, type SummaryRow, type TimeMode } from './summary.js';
import { Lru } from './lru.js';
import { noteInput } from './sequential-pass.js';

export type Pane = 'list' | 'tree' | 'hex';
export const PANES: readonly Pane[] = ['list', 'tree', 'hex'];

/** The subset of Ink's Key the bindings use (Ink's own type stays out of the model). */
export interface KeyPress {
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly ctrl?: boolean;
  readonly shift?: boolean;
  readonly tab?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly meta?: boolean;
}

export type Overlay = { readonly kind: 'help' } | { readonly kind: 'view'; readonly view: AnalysisView };

export interface Prompt {
  /** filter: display filter; goto: packet number; keyfile / psk: the keys view's inputs. */
  readonly kind: 'filter' | 'goto' | 'keyfile' | 'psk';
  readonly line: LineState;
}

export interface ControllerOptions {
  time?: TimeMode;
  filterEngine?: FilterEngine;
  rows?: number;
  columns?: number;
  /** Initial display filter (the CLI's `-Y` when given with `espy tui`). */
  filter?: string;
  /** Keys and the engine swap (src/tui/model/decryption.ts); absent: no keys view inputs. */
  decryption?: Decryption;
  /** Start the analysis pass (ladder, SAs, findings) as soon as loading ends (default true). */
  autoAnalyse?: boolean;
}

export class TuiController {
  readonly index: CaptureIndex;
  readonly engine: FilterEngine;
  layout: Layout;
  focus: Pane = 'list';
  time: TimeMode;
  /** Position in the shown list (all packets, or the filter's matches). */
  cursor = 0;
  /** First shown position in the list window. */
  top = 0;
  expand: ExpandState = COLLAPSED;
  /** Selected tree row by key, so the selection stays on "the same field" when moving between packets. */
  treeKey: string | undefined;
  treeTop = 0;
  hexTop = 0;
  /** A data source picked with ←/→ in the hex pane; cleared when the tree selection moves. */
  hexSource: number | undefined;
  overlay: Overlay | undefined;
  overlayTop = 0;
  overlayCursor = 0;
  prompt: Prompt | undefined;
  filterHistory: string[] = [];
  /** The applied filter, if any. */
  scan: FilterScan | undefined;
  /** A one-shot message for the status bar (go-to errors, unavailable features). */
  message: string | undefined;
  quit = false;

  private analysis: AnalysisScan | undefined;
  /** The Decryption epoch the analysis pass was started with (new keys restart it). */
  private analysisEpoch = 0;
  readonly decryption: Decryption | undefined;
  private readonly autoAnalyse: boolean;
  /** Live source: keep the last packet selected while the list grows (until the user moves up). */
  private follow = true;
  /** Frame index to keep selected while a new filter's scan catches up to it. */
  private anchor: number | undefined;
  private readonly rows = new Lru<string, SummaryRow>(2048);
  private treeCache: { index: number; gen: number; roots: readonly TreeNode[] } | undefined;
  private readonly listeners = new Set<() => void>();
  private unsubs: (() => void)[] = [];

  constructor(index: CaptureIndex, opts: ControllerOptions = {}) {
    this.index = index;
    this.engine = opts.filterEngine ?? DEFAULT_FILTER_ENGINE;
    this.time = opts.time ?? 'r';
    this.layout = computeLayout(opts.rows ?? 40, opts.columns ?? 120);
    this.decryption = opts.decryption;
    this.autoAnalyse = opts.autoAnalyse ?? true;
    this.unsubs.push(index.subscribe(() => this.indexChanged()));
    if (this.decryption) this.unsubs.push(this.decryption.subscribe(() => this.decryptionChanged()));
    this.scanGen = index.generation;
    if (opts.filter) this.applyFilter(opts.filter);
    if (index.done) this.indexChanged();
  }

  /** The index generation the applied filter was scanned with (decryption changes what filters match). */
  private scanGen = 0;

  private indexChanged(): void {
    if (this.index.generation !== this.scanGen) {
      this.scanGen = this.index.generation;
      // Decryption switched on or re-keyed: the applied filter runs again over the decrypted packets.
      if (this.scan) this.applyFilter(this.scan.text);
    }
    if (this.index.live && this.follow && !this.scan && !this.prompt && this.index.count > 0) {
      this.cursor = this.index.count - 1;
      this.scrollListIntoView();
    }
    // Findings and SA counters are computed in the background once everything is indexed.
    if ((this.index.done || this.index.live) && this.autoAnalyse && !this.analysis) this.analysisScan();
    this.emit();
  }

  /** New keys were swapped in: views built with the old keys start again. */
  private decryptionChanged(): void {
    if (this.decryption && this.analysis && this.analysisEpoch !== this.decryption.epoch) {
      this.analysis.cancel();
      this.analysis = undefined;
      if (this.overlay || this.autoAnalyse) this.analysisScan();
    }
    this.emit();
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  dispose(): void {
    for (const u of this.unsubs) u();
    this.scan?.cancel();
    this.analysis?.cancel();
    this.decryption?.dispose();
    this.listeners.clear();
  }

  resize(rows: number, columns: number): void {
    this.layout = computeLayout(rows, columns);
    this.scrollListIntoView();
    this.emit();
  }

  // ------------------------------------------------------------------ the shown list

  get shownCount(): number {
    return this.scan ? this.scan.count : this.index.count;
  }

  /** Frame index at a shown position. */
  shownAt(pos: number): number {
    return this.scan ? this.scan.at(pos) : pos;
  }

  /** Frame index of the selected packet, if any packet is shown. */
  get selectedIndex(): number | undefined {
    return this.shownCount > 0 ? this.shownAt(Math.min(this.cursor, this.shownCount - 1)) : undefined;
  }

  row(i: number): SummaryRow {
    const k = `${this.index.generation}:${this.time}:${i}`;
    let r = this.rows.get(k);
    if (!r) {
      r = summaryRow(i, this.index.packet(i), this.time);
      this.rows.set(k, r);
    }
    return r;
  }

  /** The rows of the list window. */
  windowRows(): SummaryRow[] {
    const out: SummaryRow[] = [];
    const end = Math.min(this.shownCount, this.top + this.layout.listRows);
    for (let pos = this.top; pos < end; pos++) out.push(this.row(this.shownAt(pos)));
    return out;
  }

  selectedPacket(): Packet | undefined {
    const i = this.selectedIndex;
    return i === undefined ? undefined : this.index.packet(i);
  }

  // ------------------------------------------------------------------ tree and hex

  private roots(): readonly TreeNode[] {
    const i = this.selectedIndex;
    if (i === undefined) return [];
    const gen = this.index.generation;
    if (this.treeCache?.index !== i || this.treeCache.gen !== gen) this.treeCache = { index: i, gen, roots: packetTree(this.index.packet(i)) };
    return this.treeCache.roots;
  }

  treeRows(): TreeRow[] {
    return flattenTree(this.roots(), this.expand);
  }

  treeCursor(rows: readonly TreeRow[] = this.treeRows()): number {
    if (this.treeKey === undefined) return 0;
    const i = rows.findIndex((r) => r.key === this.treeKey);
    return i < 0 ? 0 : i;
  }

  selectedTreeRow(): TreeRow | undefined {
    const rows = this.treeRows();
    return rows[this.treeCursor(rows)];
  }

  /** The hex source shown: the user's tab choice, else the selected node's source. */
  hexSourceIndex(): number {
    const p = this.selectedPacket();
    if (!p) return 0;
    const s = this.hexSource ?? this.selectedTreeRow()?.source ?? 0;
    return Math.min(Math.max(0, s), p.sources.length - 1);
  }

  hexLines(): HexLine[] {
    const p = this.selectedPacket();
    if (!p) return [];
    const src = this.hexSourceIndex();
    const row = this.selectedTreeRow();
    const hl = row && row.source === src ? { offset: row.offset, length: row.length } : undefined;
    return hexLines(p.sources[src]!.bytes, hl);
  }

  // ------------------------------------------------------------------ analysis views

  analysisScan(): AnalysisScan {
    if (!this.analysis) {
      const d = this.decryption;
      this.analysisEpoch = d?.epoch ?? 0;
      this.analysis = new AnalysisScan(this.index, { ...(d?.material ? { keys: d.material } : {}), showSecrets: d?.showSecrets ?? false });
      this.unsubs.push(this.analysis.subscribe(() => this.emit()));
      this.analysis.start();
    }
    return this.analysis;
  }

  // ------------------------------------------------------------------ keys

  /** One key press (Ink's `useInput` arguments). Returns true when the state changed. */
  key(input: string, k: KeyPress): void {
    noteInput();
    if (!this.prompt && input.length > 1 && !k.ctrl && !k.meta && /^[\x20-\x7e\r\n]+$/.test(input)) {
      // Keys typed ahead (or sent by a script) arrive in one read, e.g. ":7\r": one at a time, as if typed
      // slowly; once one opens a prompt, the rest is that prompt's text.
      for (let i = 0; i < input.length && !this.quit; i++) {
        if (this.prompt) {
          this.promptKey(input.slice(i), {});
          break;
        }
        const ch = input[i]!;
        this.dispatch(ch === '\r' || ch === '\n' ? '' : ch, ch === '\r' || ch === '\n' ? { return: true } : {});
      }
    } else this.dispatch(input, k);
    this.emit();
  }

  private dispatch(input: string, k: KeyPress): void {
    if (this.prompt) this.promptKey(input, k);
    else if (this.overlay) this.overlayKey(input, k);
    else {
      this.normalKey(input, k);
      this.follow = this.cursor >= this.shownCount - 1;
    }
  }

  private normalKey(input: string, k: KeyPress): void {
    this.message = undefined;
    if (k.ctrl && input === 'c') return void (this.quit = true);
    if (k.ctrl && input === 'g') return void (this.prompt = { kind: 'goto', line: lineState() });
    if (k.tab) return this.cycleFocus(k.shift ? -1 : 1);
    if (k.escape) return;
    if (k.upArrow) return this.move(-1);
    if (k.downArrow) return this.move(1);
    if (k.pageUp) return this.move(-this.pageSize());
    if (k.pageDown) return this.move(this.pageSize());
    if (k.home) return this.moveTo(0);
    if (k.end) return this.moveTo(Number.MAX_SAFE_INTEGER);
    if (k.return) return this.toggleTree();
    if (k.rightArrow) return this.focus === 'hex' ? this.switchSource(1) : this.expandTree();
    if (k.leftArrow) return this.focus === 'hex' ? this.switchSource(-1) : this.collapseTree();
    if (k.ctrl || k.meta) return;
    switch (input) {
      case 'q':
        this.quit = true;
        return;
      case 'j':
        return this.move(1);
      case 'k':
        return this.move(-1);
      case 'g':
        return this.moveTo(0);
      case 'G':
        return this.moveTo(Number.MAX_SAFE_INTEGER);
      case ' ':
        return this.toggleTree();
      case 'e':
        this.expand = EXPANDED;
        return;
      case 'c':
        this.expand = COLLAPSED;
        // The selected line may now be hidden: fall back to its top-level protocol.
        this.treeKey = this.treeKey?.split('/')[0];
        return this.scrollTreeIntoView();
      case 't':
        this.time = TIME_MODES[(TIME_MODES.indexOf(this.time) + 1) % TIME_MODES.length]!;
        return;
      case '/':
        this.prompt = { kind: 'filter', line: lineState(this.scan?.text ?? '') };
        return;
      case ':':
        this.prompt = { kind: 'goto', line: lineState() };
        return;
      case '?':
        return this.openOverlay({ kind: 'help' });
      case 'l':
        return this.openView('ladder');
      case 's':
        return this.openView('sa');
      case 'K':
        return this.openView('keys');
      case 'f':
        return this.openView('findings');
      default:
        return;
    }
  }

  private openOverlay(o: Overlay): void {
    this.overlay = o;
    this.overlayTop = 0;
    this.overlayCursor = 0;
  }

  private openView(v: AnalysisView): void {
    this.analysisScan();
    this.openOverlay({ kind: 'view', view: v });
  }

  /** Lines the overlay shows (help is rendered from KEY_HELP by its component; this is for scrolling). */
  overlayLines(): readonly string[] {
    const o = this.overlay;
    if (!o || o.kind !== 'view') return [];
    if (o.view === 'keys') return keysViewLines(this.decryption, this.analysis);
    return this.analysis?.view(o.view)?.lines ?? [];
  }

  private overlayKey(input: string, k: KeyPress): void {
    if (k.escape || input === 'q' || (this.overlay?.kind === 'help' && input === '?')) {
      this.overlay = undefined;
      return;
    }
    if (k.ctrl && input === 'c') return void (this.quit = true);
    if (this.overlay?.kind === 'view' && this.overlay.view === 'keys' && this.decryption && (input === 'o' || input === 'p')) {
      this.prompt = { kind: input === 'o' ? 'keyfile' : 'psk', line: lineState() };
      return;
    }
    const n = this.overlayLines().length;
    const page = Math.max(1, this.layout.height - 3);
    let c = this.overlayCursor;
    if (k.downArrow || input === 'j') c++;
    else if (k.upArrow || input === 'k') c--;
    else if (k.pageDown) c += page;
    else if (k.pageUp) c -= page;
    else if (k.home || input === 'g') c = 0;
    else if (k.end || input === 'G') c = n - 1;
    else if (k.return && this.overlay?.kind === 'view') {
      const v = this.overlay.view;
      const text = v === 'keys' ? undefined : this.analysis?.view(v);
      // Enter on a ladder arrow (or a finding) selects its packet in the list, like Wireshark's Flow Graph.
      const frame = text?.frames.get(this.overlayCursor);
      if (frame !== undefined) {
        this.overlay = undefined;
        this.goTo(frame);
        return;
      }
      // Enter on an SA filters the list to it.
      const filter = text?.filters?.get(this.overlayCursor);
      if (filter !== undefined) {
        this.overlay = undefined;
        this.filterHistory = remember(this.filterHistory, filter);
        this.applyFilter(filter);
      }
      return;
    }
    this.overlayCursor = Math.max(0, Math.min(Math.max(0, n - 1), c));
    if (this.overlayCursor < this.overlayTop) this.overlayTop = this.overlayCursor;
    if (this.overlayCursor >= this.overlayTop + page) this.overlayTop = this.overlayCursor - page + 1;
  }

  /** Live validation of the filter being typed (empty is valid: it clears the filter). */
  promptCheck(): FilterCheck | undefined {
    if (this.prompt?.kind !== 'filter') return undefined;
    if (!this.prompt.line.text.trim()) return undefined;
    return this.engine.compile(this.prompt.line.text);
  }

  private promptKey(input: string, k: KeyPress): void {
    const p = this.prompt!;
    const set = (line: LineState) => (this.prompt = { ...p, line });
    if (k.escape || (k.ctrl && input === 'c')) {
      this.prompt = undefined;
      return;
    }
    if (k.return) {
      if (p.kind === 'filter') return this.submitFilter(p.line.text);
      if (p.kind === 'goto') return this.submitGoto(p.line.text);
      return this.submitKeys(p.kind, p.line.text);
    }
    if (k.backspace) return void set(backspace(p.line));
    if (k.delete) return void set(deleteForward(p.line));
    if (k.leftArrow) return void set(moveCursor(p.line, p.line.cursor - 1));
    if (k.rightArrow) return void set(moveCursor(p.line, p.line.cursor + 1));
    if (k.home || (k.ctrl && input === 'a')) return void set(moveCursor(p.line, 0));
    if (k.end || (k.ctrl && input === 'e')) return void set(moveCursor(p.line, p.line.text.length));
    if (k.ctrl && input === 'u') return void set(lineState());
    if (p.kind === 'filter' && k.upArrow) return void set(browse(p.line, this.filterHistory, -1));
    if (p.kind === 'filter' && k.downArrow) return void set(browse(p.line, this.filterHistory, 1));
    if (k.ctrl || k.meta || k.tab || k.upArrow || k.downArrow || k.pageUp || k.pageDown) return;
    // Typed-ahead or pasted text arrives as one string, possibly with the Enter that ends it.
    const nl = input.search(/[\r\n]/);
    if (nl >= 0 && input.length > 1) {
      this.promptKey(input.slice(0, nl), {});
      return this.promptKey('', { return: true });
    }
    // Keep printable characters only.
    const text = input.replace(/[\x00-\x1f\x7f]/g, '');
    if (text) set(insert(p.line, text));
  }

  /** The keys view's input line: a key file path or a PSK; the new keys re-decrypt in the background. */
  private submitKeys(kind: 'keyfile' | 'psk', text: string): void {
    this.prompt = undefined;
    const t = kind === 'keyfile' ? text.trim() : text;
    if (!t || !this.decryption) return;
    const path = kind === 'keyfile' && t.startsWith('~/') ? `${process.env.HOME ?? ''}${t.slice(1)}` : t;
    this.message = kind === 'keyfile' ? this.decryption.loadFile(path) : this.decryption.addPsk(t);
  }

  private submitFilter(text: string): void {
    const t = text.trim();
    if (!t) {
      this.prompt = undefined;
      this.applyFilter('');
      return;
    }
    if (!this.engine.available) {
      this.prompt = undefined;
      this.message = this.engine.reason;
      return;
    }
    const c = this.engine.compile(t);
    if (!c.ok) return; // The bar already shows the error in red; stay in the prompt to fix it.
    this.prompt = undefined;
    this.filterHistory = remember(this.filterHistory, t);
    this.applyFilter(t);
  }

  /** Applies (or with '' clears) a display filter; the selection stays on the same packet if it is shown. */
  applyFilter(text: string): void {
    const keep = this.selectedIndex;
    this.scan?.cancel();
    this.scan = undefined;
    this.anchor = undefined;
    if (text) {
      const c = this.engine.compile(text);
      if (!c.ok) {
        this.message = `filter error: ${c.error}`;
        return;
      }
      const scan = new FilterScan(this.index, text, c.match);
      this.scan = scan;
      this.anchor = keep;
      this.cursor = 0;
      this.top = 0;
      this.unsubs.push(
        scan.subscribe(() => {
          if (this.scan !== scan) return;
          this.followAnchor();
          this.emit();
        }),
      );
      scan.start();
    } else {
      this.cursor = keep ?? 0;
      this.scrollListIntoView();
    }
  }

  /** While a new filter's scan runs, keep the previously selected packet (or the next match) selected. */
  private followAnchor(): void {
    const s = this.scan;
    if (!s || this.anchor === undefined) return;
    this.cursor = Math.min(s.rankOf(this.anchor), Math.max(0, s.count - 1));
    this.scrollListIntoView();
    if (s.scanned > this.anchor || s.done) this.anchor = undefined;
  }

  private submitGoto(text: string): void {
    this.prompt = undefined;
    const n = Number(text.trim());
    if (!Number.isInteger(n) || n < 1) {
      this.message = `not a packet number: ${text.trim() || '(empty)'}`;
      return;
    }
    this.goTo(n);
  }

  /** Selects frame number n (1-based), or says why it can't. */
  goTo(n: number): void {
    if (n > this.index.count) {
      this.message = `no packet ${n} (${this.index.count} ${this.index.done ? 'in the capture' : 'indexed so far'})`;
      return;
    }
    const i = n - 1;
    let pos = i;
    if (this.scan) {
      pos = this.scan.rankOf(i);
      if (pos >= this.scan.count || this.scan.at(pos) !== i) {
        this.message = `packet ${n} is hidden by the filter`;
        if (pos >= this.scan.count) return;
      }
    }
    this.anchor = undefined;
    this.setCursor(pos);
  }

  // ------------------------------------------------------------------ movement

  private cycleFocus(dir: 1 | -1): void {
    const avail = PANES.filter((p) => p === 'list' || (p === 'tree' ? this.layout.treeRows > 0 : this.layout.hexRows > 0));
    const i = avail.indexOf(this.focus);
    this.focus = avail[(i + dir + avail.length) % avail.length]!;
  }

  private pageSize(): number {
    const h = this.focus === 'list' ? this.layout.listRows : this.focus === 'tree' ? this.layout.treeRows : this.layout.hexRows;
    return Math.max(1, h - 1);
  }

  private move(delta: number): void {
    if (this.focus === 'list') return this.setCursor(this.cursor + delta);
    if (this.focus === 'tree') {
      const rows = this.treeRows();
      return this.setTreeCursor(rows, this.treeCursor(rows) + delta);
    }
    this.hexTop = clamp(this.hexTop + delta, 0, Math.max(0, this.hexLines().length - this.layout.hexRows));
  }

  private moveTo(pos: number): void {
    if (this.focus === 'list') return this.setCursor(pos);
    if (this.focus === 'tree') return this.setTreeCursor(this.treeRows(), pos);
    this.hexTop = clamp(pos, 0, Math.max(0, this.hexLines().length - this.layout.hexRows));
  }

  private setCursor(pos: number): void {
    this.anchor = undefined;
    this.cursor = clamp(pos, 0, Math.max(0, this.shownCount - 1));
    this.scrollListIntoView();
    this.afterSelection();
  }

  private scrollListIntoView(): void {
    const h = Math.max(1, this.layout.listRows);
    if (this.cursor < this.top) this.top = this.cursor;
    if (this.cursor >= this.top + h) this.top = this.cursor - h + 1;
    this.top = clamp(this.top, 0, Math.max(0, this.shownCount - h));
  }

  private setTreeCursor(rows: readonly TreeRow[], pos: number): void {
    const r = rows[clamp(pos, 0, Math.max(0, rows.length - 1))];
    this.treeKey = r?.key;
    this.scrollTreeIntoView();
    this.afterSelection();
  }

  private scrollTreeIntoView(): void {
    const rows = this.treeRows();
    const c = this.treeCursor(rows);
    const h = Math.max(1, this.layout.treeRows);
    if (c < this.treeTop) this.treeTop = c;
    if (c >= this.treeTop + h) this.treeTop = c - h + 1;
    this.treeTop = clamp(this.treeTop, 0, Math.max(0, rows.length - h));
  }

  /** A new packet or tree line: show the selected bytes. */
  private afterSelection(): void {
    this.hexSource = undefined;
    this.scrollTreeIntoView();
    const lines = this.hexLines();
    const first = firstHighlightedLine(lines);
    const h = Math.max(1, this.layout.hexRows);
    if (first < this.hexTop || first >= this.hexTop + h) this.hexTop = Math.max(0, first - 1);
    this.hexTop = clamp(this.hexTop, 0, Math.max(0, lines.length - h));
  }

  private switchSource(dir: 1 | -1): void {
    const p = this.selectedPacket();
    if (!p) return;
    this.hexSource = (this.hexSourceIndex() + dir + p.sources.length) % p.sources.length;
    this.hexTop = 0;
  }

  private toggleTree(): void {
    const r = this.selectedTreeRow();
    if (!r?.expandable) return;
    this.expand = setOpen(this.expand, r.key, !r.expanded);
    this.treeKey = r.key;
    this.scrollTreeIntoView();
  }

  private expandTree(): void {
    const rows = this.treeRows();
    const c = this.treeCursor(rows);
    const r = rows[c];
    if (!r?.expandable) return;
    // Already open: → steps into the first child (as in Wireshark's tree).
    if (r.expanded) return this.setTreeCursor(rows, c + 1);
    this.expand = setOpen(this.expand, r.key, true);
    this.treeKey = r.key;
  }

  private collapseTree(): void {
    const rows = this.treeRows();
    const r = rows[this.treeCursor(rows)];
    if (!r) return;
    if (r.expanded) {
      this.expand = setOpen(this.expand, r.key, false);
      return;
    }
    // Closed or a leaf: ← goes to the parent line.
    if (r.parent) {
      this.treeKey = r.parent;
      this.scrollTreeIntoView();
      this.afterSelection();
    }
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, v));
}
