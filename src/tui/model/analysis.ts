/**
 * The analysis views over the whole capture: `l` ladder, `s` security
 * associations, `K` keys, `f` findings. One sequential background pass (in
 * file order, like `espy -r`) feeds src/analyze's LadderBuilder (which drives
 * a SessionBuilder), the audit's observers (src/audit) and, with keys, its own
 * decryption engine in 'both' mode: read once in order, that engine's
 * counters (decrypted, ICV failures) are exactly those of the CLI, whatever
 * rows the user looked at meanwhile.
 *
 * The pass starts when loading ends (or when a view is first opened). For a
 * file the views are built once, at the end; for a live source they are
 * rebuilt as packets arrive (at most once a second).
 */
import { basename } from 'node:path';
import type { Packet } from '../../dissect/packet.js';
import { LadderBuilder, renderLadder } from '../../analyze/ladder.js';
import { espSasText, sessionsText } from '../../analyze/report.js';
import { DecryptEngine } from '../../decrypt/engine.js';
import { originText, type ChildSaReport, type IkeSaReport, type KeyMaterial } from '../../decrypt/types.js';
import { AggressiveExtractor } from '../../audit/extract.js';
import { AuditObserver } from '../../audit/observe.js';
import { auditFindings } from '../../audit/findings.js';
import { auditText } from '../../audit/report.js';
import { checkGivenPsks } from '../../audit/index.js';
import type { CaptureIndex } from './capture-index.js';
import { SequentialPass } from './sequential-pass.js';

export type AnalysisView = 'ladder' | 'sa' | 'keys' | 'findings';

export const VIEW_TITLE: Readonly<Record<AnalysisView, string>> = {
  ladder: 'IKE ladder',
  sa: 'Security associations',
  keys: 'Keys',
  findings: 'Findings',
};

export interface AnalysisText {
  readonly lines: readonly string[];
  /** Frame number (1-based) a line stands for, so Enter can jump to it. */
  readonly frames: ReadonlyMap<number, number>;
  /** A display filter a line stands for (SA view: Enter filters the list to that SA). */
  readonly filters?: ReadonlyMap<number, string>;
}

export interface AnalysisOptions {
  /** Key material: the pass decrypts with its own engine over it. */
  readonly keys?: KeyMaterial;
  readonly showSecrets?: boolean;
}

/** Live sources: views are rebuilt at most this often while packets arrive. */
const LIVE_REBUILD_MS = 1000;

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export class AnalysisScan extends SequentialPass {
  private readonly ladder = new LadderBuilder();
  private readonly extractor = new AggressiveExtractor();
  private readonly observer = new AuditObserver();
  readonly engine: DecryptEngine | undefined;
  private readonly showSecrets: boolean;
  /** PSKs given (--psk, or p in the keys view): checked against every Aggressive Mode HASH_R, as `espy audit --psk` does. */
  private readonly psks: readonly Uint8Array[];
  private results: Partial<Record<Exclude<AnalysisView, 'keys'>, AnalysisText>> = {};
  private builtAt = -1;
  private builtTime = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Why a view could not be built (a module threw): shown instead of the view. */
  private failures: Partial<Record<AnalysisView, string>> = {};

  constructor(index: CaptureIndex, opts: AnalysisOptions = {}) {
    const engine = opts.keys ? new DecryptEngine(opts.keys) : undefined;
    super(index, engine);
    // Read once, in order: learn and decrypt in the same pass.
    engine?.setMode('both');
    this.engine = engine;
    this.showSecrets = opts.showSecrets ?? false;
    this.psks = opts.keys?.psks.map((p) => p.psk) ?? [];
  }

  override cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    super.cancel();
  }

  /** 0..1 of the indexed frames analysed so far. */
  get progress(): number {
    return this.index.count ? this.next / this.index.count : this.done ? 1 : 0;
  }

  /** The text of a view, or undefined while the pass runs (a live source shows what it has so far). */
  view(v: Exclude<AnalysisView, 'keys'>): AnalysisText | undefined {
    const f = this.failures[v];
    if (f) return { lines: [f], frames: new Map() };
    if (!this.done && this.index.live && this.next > 0 && this.next !== this.builtAt) {
      const wait = LIVE_REBUILD_MS - (performance.now() - this.builtTime);
      if (wait <= 0) this.build();
      else if (!this.timer) {
        // Packets arrived since the last build: show them once the interval is over, even if none follow.
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.changed();
        }, wait);
        this.timer.unref();
      }
    }
    return this.results[v];
  }

  /** IKE and child SA reports of the pass's engine (complete once the pass is done). */
  reports(): { ike: IkeSaReport[]; child: ChildSaReport[] } | undefined {
    const e = this.engine;
    return e ? { ike: e.ikeSas(), child: e.childSas() } : undefined;
  }

  protected visit(_i: number, p: Packet): void {
    this.ladder.add(p);
    this.extractor.add(p);
    this.observer.add(p);
  }

  protected override completed(): void {
    this.build();
  }

  private build(): void {
    this.builtAt = this.next;
    this.builtTime = performance.now();
    this.guard('ladder', () => this.buildLadder());
    this.guard('sa', () => this.buildSa());
    this.guard('findings', () => this.buildFindings());
  }

  private guard(v: Exclude<AnalysisView, 'keys'>, f: () => void): void {
    try {
      f();
    } catch (e) {
      this.failures[v] = `${VIEW_TITLE[v]}: could not be built (${(e as Error).message})`;
    }
  }

  private buildLadder(): void {
    const r = this.ladder.result();
    const lines = renderLadder(r.lines, r.columns, r.start, r.dropped).replace(/\n$/, '').split('\n');
    // renderLadder prints a fixed header before one line per ladder line; find its length from an
    // empty rendering (whose first body line is the "No IKE…" notice) instead of hard-coding it.
    const empty = renderLadder([], r.columns, r.start, 0).split('\n');
    const head = empty.findIndex((l) => l.startsWith('No IKE'));
    const frames = new Map<number, number>();
    if (head >= 0) r.lines.forEach((l, k) => frames.set(head + k, l.first.frame));
    this.results.ladder = { lines, frames };
  }

  private buildSa(): void {
    const m = this.ladder.sessions.result();
    const lines = (sessionsText(m) + '\n' + espSasText(m)).replace(/\n$/, '').split('\n');
    const filters = new Map<number, string>();
    // ESP/AH rows of src/analyze's table start with the protocol and the SPI: Enter filters the list to it.
    lines.forEach((l, k) => {
      const x = /^(ESP|AH)\s+0x([0-9a-f]+)\b/i.exec(l);
      if (x) filters.set(k, `${x[1]!.toLowerCase()}.spi == 0x${x[2]}`);
    });
    lines.push('', ...this.decryptionLines(filters, lines.length + 1));
    this.results.sa = { lines, frames: new Map(), filters };
  }

  /** The SA view's decryption columns: per IKE SA and per ESP/AH SA, where the keys came from and what they opened. */
  private decryptionLines(filters: Map<number, string>, at: number): string[] {
    const r = this.reports();
    if (!r) return ['Decryption: no keys (K opens the keys view: o loads a key file, p enters a PSK)'];
    const out: string[] = [];
    const table = (title: string, head: string[], rows: string[][], filterOf?: (k: number) => string | undefined) => {
      out.push(title);
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((x) => x[i]!.length)));
      const fmt = (x: string[]) => x.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
      out.push(fmt(head));
      rows.forEach((x, k) => {
        const f = filterOf?.(k);
        if (f) filters.set(at + out.length, f);
        out.push(fmt(x));
      });
      if (!rows.length) out.push('  (none)');
      out.push('');
    };
    table(
      'Decryption: IKE SAs',
      ['Ver', 'SPIs', 'Encryption', 'Integrity', 'Keys from', 'Messages', 'Encrypted', 'Decrypted', 'Failed'],
      r.ike.map((s) => [`v${s.version}`, `${s.spiI}/${s.spiR}`, s.encr ?? '-', s.integ ?? '-', s.keys ? originText(s.keys) : 'none', String(s.messages), String(s.encrypted), String(s.decrypted), String(s.failed)]),
    );
    table(
      'Decryption: ESP/AH SAs',
      ['Proto', 'SPI', 'Src', 'Dst', 'Algorithms', 'Keys from', 'Packets', 'Decrypted', 'ICV failures'],
      r.child.map(({ sa, counters: c }) => [sa.protocol.toUpperCase(), hex8(sa.spi), sa.src ?? '*', sa.dst ?? '*', [sa.encr?.name, sa.integ?.name].filter(Boolean).join(' + ') || '-', originText(sa.origin), String(c.packets), String(c.decrypted), String(c.icvBad)]),
      (k) => {
        const sa = r.child[k]!.sa;
        return `${sa.protocol}.spi == ${hex8(sa.spi)}`;
      },
    );
    return out;
  }

  private buildFindings(): void {
    const model = this.ladder.sessions.result();
    const exchanges = this.observer.result();
    const material = this.extractor.result();
    const decrypting = this.engine !== undefined;
    const cracked = this.psks.length ? checkGivenPsks(material, this.psks) : new Map();
    const sas = auditFindings({ model, exchanges, material, cracked, showSecrets: this.showSecrets, decrypting });
    const text = auditText({ data: { file: basename(this.index.file), frames: this.next, model, exchanges, material }, sas, outcomes: cracked, showSecrets: this.showSecrets, decrypting, exported: [] });
    const lines = text.replace(/\n$/, '').split('\n');
    const frames = new Map<number, number>();
    // "frames 3, 5; fix: …" under a finding: Enter jumps to its first frame (the finding's title line too).
    lines.forEach((l, k) => {
      const x = /^\s+frames (\d+)/.exec(l);
      if (x) {
        frames.set(k, Number(x[1]));
        if (k >= 2 && !frames.has(k - 2)) frames.set(k - 2, Number(x[1]));
      }
    });
    this.results.findings = { lines, frames };
  }
}
