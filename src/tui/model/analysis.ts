/**
 * The analysis views (`l` ladder, `s` security associations) over the whole
 * capture, from src/analyze: one sequential background pass feeding its
 * LadderBuilder (which drives a SessionBuilder), started the first time a
 * view is opened. Keys (`K`) and findings (`f`) are SEAMS: decryption and
 * the PSK audit do not exist in this build, so those views say exactly that.
 */
import type { Packet } from '../../dissect/packet.js';
import { LadderBuilder, renderLadder } from '../../analyze/ladder.js';
import { espSasText, sessionsText } from '../../analyze/report.js';
import type { CaptureIndex } from './capture-index.js';
import { SequentialPass } from './sequential-pass.js';

export type AnalysisView = 'ladder' | 'sa' | 'keys' | 'findings';

export const VIEW_TITLE: Readonly<Record<AnalysisView, string>> = {
  ladder: 'IKE ladder',
  sa: 'Security associations',
  keys: 'Keys',
  findings: 'Findings',
};

/** SEAM messages: these views need issues that have not landed yet. */
const UNAVAILABLE: Partial<Record<AnalysisView, string>> = {
  keys: 'Keys: not available in this build (IKE/ESP decryption and key import are not implemented yet).',
  findings: 'Findings: not available in this build (the PSK / weak-crypto audit is not implemented yet).',
};

export interface AnalysisText {
  readonly lines: readonly string[];
  /** Frame number (1-based) a line stands for, so Enter can jump to it. */
  readonly frames: ReadonlyMap<number, number>;
}

export class AnalysisScan extends SequentialPass {
  private readonly ladder = new LadderBuilder();
  private results: Partial<Record<AnalysisView, AnalysisText>> = {};

  constructor(index: CaptureIndex) {
    super(index);
  }

  /** 0..1 of the indexed frames analysed so far. */
  get progress(): number {
    return this.index.count ? this.next / this.index.count : this.done ? 1 : 0;
  }

  /** The text of a view: a seam message, the result once the pass is done, or undefined while it runs. */
  view(v: AnalysisView): AnalysisText | undefined {
    const u = UNAVAILABLE[v];
    if (u) return { lines: [u], frames: new Map() };
    return this.results[v];
  }

  protected visit(_i: number, p: Packet): void {
    this.ladder.add(p);
  }

  protected override completed(): void {
    const r = this.ladder.result();
    const lines = renderLadder(r.lines, r.columns, r.start, r.dropped).replace(/\n$/, '').split('\n');
    // renderLadder prints a fixed header before one line per ladder line; find its length from an
    // empty rendering (whose first body line is the "No IKE…" notice) instead of hard-coding it.
    const empty = renderLadder([], r.columns, r.start, 0).split('\n');
    const head = empty.findIndex((l) => l.startsWith('No IKE'));
    const frames = new Map<number, number>();
    if (head >= 0) r.lines.forEach((l, k) => frames.set(head + k, l.first.frame));
    this.results.ladder = { lines, frames };
    const m = this.ladder.sessions.result();
    const sa = (sessionsText(m) + '\n' + espSasText(m)).replace(/\n$/, '').split('\n');
    this.results.sa = { lines: sa, frames: new Map() };
  }
}
