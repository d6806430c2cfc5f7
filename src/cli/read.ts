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
import type { DecryptEngine } from '../decrypt/engine.js';
import { learnFromCapture } from '../decrypt/learn.js';
import { exportKeyTables } from '../decrypt/export.js';
import { PcapWriter } from '../capture/pcap-writer.js';

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
  /** `-Y`: packets it rejects are neither printed nor fed to `-z` (as in tshark); `-c` still counts them as read. */
  filter?: (p: Packet) => boolean;
  /** Decryption engine (--keys/--psk): a learn pass runs first for files, then packets are dissected with it. */
  decrypt?: DecryptEngine;
  /** Print keys in reports (--show-secrets). */
  showSecrets?: boolean;
  /** --export-decrypted: decrypted inner packets to this pcap. */
  exportDecrypted?: string;
  /** --export-keys: Wireshark key tables into this directory. */
  exportKeys?: string;
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
  if (o.decrypt) await learnFromCapture(o.file, o.decrypt, { prefs: o.prefs, reassemble: o.reassemble, ...(o.count !== undefined ? { count: o.count } : {}) });
  const dissector = new PacketDissector({ prefs: o.prefs, reassemble: o.reassemble, ...(o.decrypt ? { decrypt: o.decrypt } : {}) });
  const printer = new PacketPrinter(o);
  const exporter = o.exportDecrypted ? new PcapWriter(o.exportDecrypted) : undefined;
  let seen = 0;
  printer.begin();
  try {
    outer: for (;;) {
      const batch = await reader.next();
      if (!batch) break;
      for (const frame of batch) {
        if (o.count !== undefined && seen >= o.count) break outer;
        seen++;
        const p = dissector.dissect(frame);
        if (exporter) exportDecrypted(exporter, p);
        const written = printer.packet(p);
        if (written) await written;
      }
      await printer.flush();
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    await printer.finish();
    // After every packet before the fault: the file, the byte offset, and the frame that broke.
    process.stderr.write(`espy: ${e.message} (after frame ${seen})\n`);
    await printer.printStats();
    return 3;
  } finally {
    reader.close();
    exporter?.close();
  }
  await printer.finish();
  await printer.printStats();
  if (o.decrypt && o.exportKeys) {
    const r = exportKeyTables(o.exportKeys, o.decrypt.ikeSas(), o.decrypt.childSas());
    process.stderr.write(`espy: wrote ${r.lines} key line(s) to ${r.files.join(', ')}\n`);
  }
  if (exporter) process.stderr.write(`espy: wrote ${exporter.count} decrypted packet(s) to ${o.exportDecrypted}\n`);
  return 0;
}

/** The decrypted inner packets of a packet (ESP plaintext sources), as raw IP records. */
function exportDecrypted(w: PcapWriter, p: Packet): void {
  for (const s of p.sources) if (s.name === 'Decrypted ESP' && s.bytes.length) w.write(p.frame.tsSec, p.frame.tsNsec, s.bytes);
}

/**
 * The per-packet output of every packet source (file reading, live capture): the
 * format's header, one rendering per packet, the trailer and the `-z` reports.
 */
export class PacketPrinter {
  private readonly out = new Out();
  private readonly render: (p: Packet) => string;
  private readonly extractor: FieldExtractor;
  private first = true;

  constructor(private readonly o: Omit<ReadOptions, 'file' | 'count'>) {
    this.extractor = new FieldExtractor(o.fields);
    this.render = renderer(o, o.color ? ANSI : PLAIN, this.extractor);
  }

  begin(): void {
    const o = this.o;
    if (o.format === 'fields' && o.fieldsOptions.header && !o.quiet) this.out.push(fieldsHeader(o.fields, o.fieldsOptions));
    if (o.format === 'json' && !o.quiet) this.out.push('[\n');
  }

  /**
   * Render one packet. Returns a promise only when the output had to be
   * written (every 1 MiB, or each packet with -l): on the hot path a million
   * packets must not each allocate and await a promise.
   */
  packet(p: Packet): Promise<void> | undefined {
    const o = this.o;
    if (o.filter && !o.filter(p)) return undefined;
    for (const s of o.stats) s.add(p);
    if (o.quiet) return undefined;
    if (o.format === 'json') {
      this.out.push((this.first ? '' : ',\n') + packetJson(p, this.extractor, o.hex));
      this.first = false;
    } else this.out.push(this.render(p));
    return o.flush || this.out.pending > 1 << 20 ? this.out.flush() : undefined;
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  /** `-z` reports come after the packets, as in tshark; on a bad file, for what was read. */
  async printStats(): Promise<void> {
    const fmt = this.o.format === 'json' || this.o.format === 'jsonl' ? 'json' : 'text';
    for (const s of this.o.stats) this.out.push(s.render(fmt));
    await this.out.flush();
  }

  async finish(): Promise<void> {
    if (this.o.format === 'json' && !this.o.quiet) this.out.push(this.first ? ']\n' : '\n]\n');
    await this.out.flush();
  }
}

function renderer(o: Omit<ReadOptions, 'file' | 'count'>, palette: typeof ANSI, x: FieldExtractor): (p: Packet) => string {
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
