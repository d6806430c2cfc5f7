/**
 * Hex pane lines: the `-x` layout (offset, 16 hex bytes with a gap after 8,
 * ASCII), plus which bytes of each line the selected tree node covers.
 */
import type { DataSource } from '../../dissect/layer.js';

export interface ByteRange {
  readonly offset: number;
  readonly length: number;
}

export interface HexLine {
  /** Offset of the line's first byte in its data source. */
  readonly offset: number;
  /** The bytes of this line (up to 16). */
  readonly bytes: Uint8Array;
  /** Highlighted bytes of this line as [first, last] indexes within the line, if any. */
  readonly highlight: readonly [number, number] | undefined;
}

export const BYTES_PER_LINE = 16;

export function hexLines(bytes: Uint8Array, hl: ByteRange | undefined): HexLine[] {
  const out: HexLine[] = [];
  const hs = hl && hl.length > 0 ? hl.offset : -1;
  const he = hl && hl.length > 0 ? hl.offset + hl.length : -1;
  for (let o = 0; o < bytes.length; o += BYTES_PER_LINE) {
    const line = bytes.subarray(o, Math.min(bytes.length, o + BYTES_PER_LINE));
    const first = Math.max(hs, o);
    const last = Math.min(he, o + line.length) - 1;
    out.push({ offset: o, bytes: line, highlight: hs >= 0 && first <= last ? [first - o, last - o] : undefined });
  }
  return out;
}

/** The line index to scroll to so the highlight (or the top) is in view. */
export function firstHighlightedLine(lines: readonly HexLine[]): number {
  const i = lines.findIndex((l) => l.highlight !== undefined);
  return i < 0 ? 0 : i;
}

/** Tab labels for the data sources, as Wireshark names them under the hex pane. */
export function sourceTabs(sources: readonly DataSource[]): string[] {
  return sources.map((s) => `${s.name} (${s.bytes.length} bytes)`);
}
