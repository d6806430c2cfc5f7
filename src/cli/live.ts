/**
 * `espy -D` and `espy -i IFACE`: list interfaces, capture live. Packets go
 * through the same dissector and PacketPrinter as a file, so every output
 * format (-T text|jsonl|fields, -V, -x, -z) works unchanged.
 */
import type { Frame } from '../capture/types.js';
import { PacketDissector } from '../dissect/packet.js';
import { DEFAULT_CAPTURE_FILTER, LiveCapture } from '../live/capture.js';
import { LiveError, LIVE_EXIT } from '../live/errors.js';
import { interfaceListText } from '../live/interfaces.js';
import { PcapngWriter } from '../live/pcapng-writer.js';
import { PacketPrinter, type ReadOptions } from './read.js';

export interface LiveCliOptions {
  device: string;
  /** libpcap capture filter ('' captures everything). */
  filter: string;
  /** `-a duration:S`: stop after this many seconds. */
  durationSec?: number;
  /** `-a packets:N` (same as -c). */
  autostopPackets?: number;
  /** `-w FILE`: write a pcapng file (`-` for stdout). */
  write?: string;
  /** `-P`: print packets even while writing with -w (as in tshark). */
  print: boolean;
}

function report(e: unknown): number {
  if (e instanceof LiveError) {
    process.stderr.write(`espy: ${e.message}\n`);
    return e.exitCode;
  }
  throw e;
}

/** `espy -D`. */
export function listInterfacesMain(): number {
  try {
    process.stdout.write(interfaceListText());
    return 0;
  } catch (e) {
    return report(e);
  }
}

/**
 * Validates the live options taken from the parsed command line; returns an
 * error message for a usage error (exit 1).
 */
export function liveOptions(a: Record<string, unknown>): LiveCliOptions | string {
  if (a.r !== undefined || a.file !== undefined) return '-i and -r cannot be used together (capture live, or read a file)';
  const device = String(a.i);
  if (device === '') return '-i needs an interface name (espy -D lists them)';
  const l: LiveCliOptions = { device, filter: a.f === undefined ? DEFAULT_CAPTURE_FILTER : String(a.f), print: a.P === true || a.w === undefined };
  if (a.w !== undefined) l.write = String(a.w);
  for (const spec of (a.a as string[] | undefined) ?? []) {
    const m = /^(duration|packets):(\d+(?:\.\d+)?)$/.exec(spec);
    if (!m) return `-a ${spec}: expected duration:SECONDS or packets:N`;
    if (m[1] === 'duration') l.durationSec = Number(m[2]);
    else l.autostopPackets = Math.floor(Number(m[2]));
  }
  if (a.w === '-' && l.print) return '-w - writes the capture to stdout: it cannot be combined with -P';
  return l;
}

export async function runLive(o: ReadOptions, l: LiveCliOptions): Promise<number> {
  const limit = Math.min(o.count ?? Infinity, l.autostopPackets ?? Infinity);
  const dissector = new PacketDissector({ prefs: o.prefs, reassemble: o.reassemble, ...(o.decrypt ? { decrypt: o.decrypt } : {}) });
  const printer = l.print ? new PacketPrinter(o) : undefined;
  const queue: Frame[] = [];
  let wake: (() => void) | undefined;
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    wake?.();
  };

  let capture: LiveCapture;
  try {
    capture = LiveCapture.open({ device: l.device, filter: l.filter }, (f) => {
      queue.push(f);
      wake?.();
    });
  } catch (e) {
    return report(e);
  }
  let writer: PcapngWriter | undefined;
  if (l.write !== undefined) {
    try {
      writer = PcapngWriter.create(l.write, [{ linkType: capture.linkType, name: capture.device, snapLen: 65535, tsResol: 9 }]);
    } catch (e) {
      capture.stop();
      return report(new LiveError(`cannot write ${l.write}: ${(e as Error).message}`, LIVE_EXIT.WRITE_ERROR));
    }
  }
  // Like tshark: the banner on stderr tells a person (and a test) the capture is running.
  process.stderr.write(`Capturing on '${capture.device}'${l.filter ? ` with filter "${l.filter}"` : ''}\n`);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const timer = l.durationSec !== undefined ? setTimeout(stop, l.durationSec * 1000) : undefined;

  let handled = 0;
  let failure: number | undefined;
  printer?.begin();
  try {
    while (handled < limit) {
      if (!queue.length) {
        if (stopping) break;
        await new Promise<void>((res) => (wake = res));
        wake = undefined;
        continue;
      }
      const batch = queue.splice(0, queue.length);
      for (const frame of batch) {
        if (handled >= limit) break;
        handled++;
        writer?.write({ tsSec: frame.tsSec, tsNsec: frame.tsNsec, data: frame.data, origLen: frame.origLen });
        if (printer) await printer.packet(dissector.dissect(frame));
      }
      writer?.flush();
      await printer?.flush();
      // A Ctrl-C stops the capture, but the packets already received are still shown.
      if (stopping && !queue.length) break;
    }
  } catch (e) {
    if (!(e instanceof Error) || !('code' in e) || writer === undefined) throw e;
    failure = report(new LiveError(`cannot write ${l.write}: ${e.message}`, LIVE_EXIT.WRITE_ERROR));
  } finally {
    capture.stop();
    if (timer) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  try {
    writer?.close();
  } catch (e) {
    failure ??= report(new LiveError(`cannot write ${l.write}: ${(e as Error).message}`, LIVE_EXIT.WRITE_ERROR));
  }
  if (printer) {
    await printer.finish();
    await printer.printStats();
  }
  // cap 0.2.1 does not expose pcap_stats(), so kernel drops cannot be reported.
  const written = writer ? `, ${writer.written} written to ${l.write}` : '';
  process.stderr.write(`${handled} packet${handled === 1 ? '' : 's'} captured (dropped by the kernel: unknown, libpcap statistics are not exposed by cap)${written}\n`);
  return failure ?? 0;
}
