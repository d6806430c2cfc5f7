/**
 * `espy -r FILE`: stream the capture, dissect each frame, print it. Frames
 * are printed batch by batch and dropped, so memory stays flat however large
 * the file; a fault in the file ends the run only after everything before it
 * has been printed.
 */
import { openCapture, CaptureError, type CaptureReader } from '../capture/index.js';
import { PacketDissector, type Packet } from '../dissect/packet.js';
import type { FieldDef } from '../core/fields.js';
import type { DissectPrefs } from '../dissect/layer.js';
import { ANSI, PLAIN } from './format/color.js';
import { FieldExtractor, fieldsHeader, fieldsLine, type FieldsOptions } from './format/fields.js';
import { packetJson } from './format/json.js';
import { hexdump } from './format/hexdump.js';
import { summaryLine, treeText } from './format/text.js';
import type { TimeFormat } from './format/time.js';
import type { StatsCollector } from './stats.js';

export interface ReadOptions {
  file: string;
  format: 'text' | 'json' | 'jsonl' | 'fields';
  fields: FieldDef[];
  fieldsOptions: FieldsOptions;
  /** Stop after reading this many packets. */
  count: number | undefined;
  tree: boolean;
  only: ReadonlySet<string> | undefined;
  hex: boolean;
  quiet: boolean;
  flush: boolean;
  time: TimeFormat;
  color: boolean;
  prefs: DissectPrefs;
  reassemble: boolean;
  /** `-z` collectors: fed every packet, printed after the last one. */
  stats: StatsCollector[];
}

/** Collects output and hands it to stdout in large writes, waiting when the pipe is full. */
class Out {
  private parts: string[] = [];
  private size = 0;

  push(s: string): void {
    this.parts.push(s);
    this.size += s.length;
  }

  get pending(): number {
    return this.size;
  }

  async flush(): Promise<void> {
    if (!this.parts.length) return;
    const s = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!process.stdout.write(s)) await new Promise<void>((res) => process.stdout.once('drain', res));
  }
}

export async function runRead(o: ReadOptions): Promise<number> {
  let reader: CaptureReader;
  try {
    reader = await openCapture(o.file);
  } catch (e) {
    if (e instanceof CaptureError) {
      process.stderr.write(`espy: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
  const dissector = new PacketDissector({ prefs: o.prefs, reassemble: o.reassemble });
  const palette = o.color ? ANSI : PLAIN;
  const out = new Out();
  const extractor = new FieldExtractor(o.fields);
  const render = renderer(o, palette, extractor);
  let seen = 0;
  let first = true;
  if (o.format === 'fields' && o.fieldsOptions.header && !o.quiet) out.push(fieldsHeader(o.fields, o.fieldsOptions));
  if (o.format === 'json' && !o.quiet) out.push('[\n');
  try {
    outer: for (;;) {
      const batch = await reader.next();
      if (!batch) break;
      for (const frame of batch) {
        if (o.count !== undefined && seen >= o.count) break outer;
        seen++;
        const p = dissector.dissect(frame);
        for (const s of o.stats) s.add(p);
        if (o.quiet) continue;
        if (o.format === 'json') {
          out.push((first ? '' : ',\n') + packetJson(p, extractor, o.hex));
          first = false;
        } else out.push(render(p));
        if (o.flush || out.pending > 1 << 20) await out.flush();
      }
      await out.flush();
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    await finish();
    // After every packet before the fault: the file, the byte offset, and the frame that broke.
    process.stderr.write(`espy: ${e.message} (after frame ${seen})\n`);
    await printStats();
    return 3;
  } finally {
    reader.close();
  }
  await finish();
  await printStats();
  return 0;

  /** `-z` reports come after the packets, as in tshark; on a bad file, for what was read. */
  async function printStats(): Promise<void> {
    const fmt = o.format === 'json' || o.format === 'jsonl' ? 'json' : 'text';
    for (const s of o.stats) out.push(s.render(fmt));
    await out.flush();
  }

  async function finish(): Promise<void> {
    if (o.format === 'json' && !o.quiet) out.push(first ? ']\n' : '\n]\n');
    await out.flush();
  }
}

function renderer(o: ReadOptions, palette: typeof ANSI, x: FieldExtractor): (p: Packet) => string {
  switch (o.format) {
    case 'fields':
      return (p) => fieldsLine(p, x, o.fieldsOptions);
    case 'jsonl':
      return (p) => packetJson(p, x, o.hex) + '\n';
    case 'json':
      return (p) => packetJson(p, x, o.hex);
    case 'text':
      if (!o.tree && !o.hex) return (p) => summaryLine(p, o.time, palette);
      return (p) => {
        let s = '';
        if (o.tree) s += treeText(p, palette, o.only);
        else s += summaryLine(p, o.time, palette);
        if (o.hex) s += (o.tree ? '\n' : '') + hexdump(p);
        return s + '\n';
      };
  }
}
