/**
 * `espy replay -r FILE -i IFACE`: put the frames of a capture back on a wire
 * with libpcap's pcap_sendpacket (through `cap`), paced by a Pacer and
 * optionally rewritten on the way.
 */
import { openCapture, type Frame } from '../capture/index.js';
import type { Packet } from '../dissect/packet.js';
import { PacketDissector } from '../dissect/packet.js';
import { linkTypeNumber, loadCap, openHandle, type CapHandle, type CapModule } from '../live/cap.js';
import { resolveDevice } from '../live/capture.js';
import { classifyPcapError, LiveError, LIVE_EXIT } from '../live/errors.js';
import { hasRules, rewriteFrame, type RewriteRules } from './rewrite.js';
import { newStats, type ReplayStats } from './stats.js';
import { frameSeconds, Pacer, type Timing } from './timing.js';

export interface InjectOptions {
  file: string;
  device: string;
  timing: Timing;
  /** Times through the file; 0 = until stopped. */
  loop: number;
  rules: RewriteRules;
  /** `-Y`: only frames whose dissection matches are sent. */
  match?: (p: Packet) => boolean;
  /** Set to true (e.g. by a SIGINT handler) to stop after the current frame. */
  stop?: { stopped: boolean };
  cap?: CapModule;
}

/** The open sending handle and what it sends onto. */
export interface Injector {
  device: string;
  linkType: number;
  send(data: Uint8Array): 'ok' | 'retried' | 'failed';
  close(): void;
}

/** Opens `device` for sending only (a filter that matches nothing keeps the capture side idle). */
export function openInjector(device: string, capMod?: CapModule): Injector {
  const cap = capMod ?? loadCap();
  const name = resolveDevice(cap, device);
  const h: CapHandle = new cap.Cap();
  let link: string;
  try {
    link = openHandle(h, name, 'len <= 0', 1 << 16, Buffer.alloc(64));
  } catch (e) {
    throw classifyPcapError(name, e instanceof Error ? e.message : String(e), cap.Cap.deviceList().map((d) => d.name));
  }
  let lastError = '';
  return {
    device: name,
    linkType: linkTypeNumber(link),
    send(data) {
      // A full socket queue (ENOBUFS/EAGAIN at top speed) is retried a few times, as tcpreplay does.
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          h.send(data, data.length);
          return attempt === 0 ? 'ok' : 'retried';
        } catch (e) {
          lastError = e instanceof Error ? e.message : String(e);
          if (!/No buffer space|Resource temporarily unavailable|ENOBUFS|EAGAIN/i.test(lastError)) break;
        }
      }
      if (lastError && /not permitted|permission/i.test(lastError)) throw classifyPcapError(name, lastError, []);
      return 'failed';
    },
    close() {
      h.close();
    },
  };
}

const yieldToLoop = (): Promise<void> => new Promise((res) => setImmediate(res));

export async function injectFile(o: InjectOptions): Promise<ReplayStats & { device: string }> {
  const inj = openInjector(o.device, o.cap);
  const stats = newStats();
  const pacer = new Pacer(o.timing);
  const rewrite = hasRules(o.rules);
  const t0 = process.hrtime.bigint();
  try {
    for (let pass = 0; o.loop === 0 || pass < o.loop; pass++) {
      let reader;
      try {
        reader = await openCapture(o.file);
      } catch (e) {
        throw new LiveError(e instanceof Error ? e.message : String(e), LIVE_EXIT.INVALID_FILE);
      }
      const dissector = o.match ? new PacketDissector() : undefined;
      pacer.startLoop();
      let sentThisPass = 0;
      try {
        for (;;) {
          let batch: Frame[] | null;
          try {
            batch = await reader.next();
          } catch (e) {
            throw new LiveError(e instanceof Error ? e.message : String(e), LIVE_EXIT.INVALID_FILE);
          }
          if (!batch || o.stop?.stopped) break;
          for (const f of batch) {
            if (o.stop?.stopped) break;
            if (f.linkType !== inj.linkType || (dissector && !o.match!(dissector.dissect(f)))) {
              stats.skipped++;
              continue;
            }
            await pacer.wait(frameSeconds(f));
            const data = rewrite ? rewriteFrame(f.linkType, f.data, o.rules).data : f.data;
            const r = inj.send(data);
            if (r === 'failed') stats.failed++;
            else {
              if (r === 'retried') stats.retried++;
              stats.packets++;
              stats.bytes += data.length;
              sentThisPass++;
            }
          }
          // Let signals (Ctrl-C) and timers in between batches, even at top speed.
          await yieldToLoop();
        }
      } finally {
        reader.close();
      }
      if (o.stop?.stopped) break;
      // A file with nothing to send would make --loop 0 spin forever.
      if (sentThisPass === 0 && stats.failed === 0) break;
    }
  } finally {
    inj.close();
    stats.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { ...stats, device: inj.device };
}
