/**
 * A live capture on one interface through `cap` (libpcap), turned into the
 * same Frame objects the file readers produce so the rest of espy cannot
 * tell the difference.
 *
 * `cap` hands over packets without libpcap's timestamps, so each frame is
 * stamped when the addon delivers it (immediate mode is on, so that is within
 * microseconds of the kernel's stamp on an idle machine).
 */
import type { Frame } from '../capture/types.js';
import { linkTypeNumber, loadCap, openHandle, type CapHandle, type CapModule } from './cap.js';
import { classifyPcapError, LiveError, LIVE_EXIT, unknownInterface } from './errors.js';

/** The capture filter used when `-f` is not given: IKE, NAT-T and IPsec only. */
export const DEFAULT_CAPTURE_FILTER = 'udp port 500 or udp port 4500 or esp or ah';

export const SNAPLEN = 65535;
/** Kernel ring buffer requested from libpcap. */
const RING_BYTES = 16 << 20;

export interface LiveCaptureOptions {
  /** Interface name, or its number in `espy -D`. */
  device: string;
  filter: string;
  /** For tests: the module to use instead of loading `cap`. */
  cap?: CapModule;
}

/** Wall-clock nanoseconds now, monotonic between calls (hrtime anchored to the epoch once). */
function clock(): () => { sec: number; nsec: number } {
  const epochNs = BigInt(Date.now()) * 1_000_000n;
  const hr0 = process.hrtime.bigint();
  return () => {
    const ns = epochNs + (process.hrtime.bigint() - hr0);
    return { sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) };
  };
}

/** Resolves `-i` (a name or a 1-based number from `espy -D`) against libpcap's list. */
export function resolveDevice(cap: CapModule, device: string): string {
  const devs = cap.Cap.deviceList();
  const names = devs.map((d) => d.name);
  if (names.includes(device)) return device;
  if (/^\d+$/.test(device)) {
    const n = Number(device);
    if (n >= 1 && n <= names.length) return names[n - 1]!;
  }
  // Checked before opening: libpcap would also print a stray warning for a missing device.
  throw unknownInterface(device, names);
}

export class LiveCapture {
  readonly device: string;
  readonly linkType: number;
  /** Frames delivered so far. */
  seen = 0;
  private readonly handle: CapHandle;
  private stopped = false;

  private constructor(device: string, linkType: number, handle: CapHandle) {
    this.device = device;
    this.linkType = linkType;
    this.handle = handle;
  }

  /**
   * Opens the interface and starts capturing; frames go to `onFrame` as they
   * arrive. Throws LiveError with an exit code and an actionable message.
   */
  static open(o: LiveCaptureOptions, onFrame: (f: Frame) => void): LiveCapture {
    const cap = o.cap ?? loadCap();
    const device = resolveDevice(cap, o.device);
    const handle = new cap.Cap();
    const buffer = Buffer.alloc(SNAPLEN);
    let linkName: string;
    try {
      linkName = openHandle(handle, device, o.filter, RING_BYTES, buffer);
    } catch (e) {
      throw openFailure(cap, device, o.filter, e);
    }
    const lc = new LiveCapture(device, linkTypeNumber(linkName), handle);
    const now = clock();
    handle.on('packet', (nbytes: number) => {
      if (lc.stopped) return;
      const t = now();
      // The addon reuses one buffer for every packet: copy before returning.
      const data = buffer.subarray(0, nbytes);
      const frame: Frame = {
        number: ++lc.seen,
        tsSec: t.sec,
        tsNsec: t.nsec,
        linkType: lc.linkType,
        caplen: nbytes,
        origLen: nbytes,
        data: new Uint8Array(data),
        interfaceId: 0,
        fileOffset: 0,
      };
      onFrame(frame);
    });
    return lc;
  }

  /** Stops capturing; the addon releases its reference on the event loop. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.handle.close();
    this.handle.removeAllListeners('packet');
  }
}

/**
 * libpcap reports activation and filter compilation through the same
 * exception; probe the interface without a filter to know which one failed.
 */
function openFailure(cap: CapModule, device: string, filter: string, e: unknown): LiveError {
  const msg = e instanceof Error ? e.message : String(e);
  const known = cap.Cap.deviceList().map((d) => d.name);
  if (filter !== '') {
    // A fresh handle: cap 0.2.1 cannot reopen a handle it has closed.
    const probe = new cap.Cap();
    let probeOk = false;
    try {
      openHandle(probe, device, '', 65535, Buffer.alloc(65535));
      probeOk = true;
      probe.close();
    } catch {
      /* the interface itself is the problem: classified below */
    }
    if (probeOk) return new LiveError(`invalid capture filter "${filter}" for interface ${device}: ${msg} (see man pcap-filter)`, LIVE_EXIT.INVALID_FILTER);
  }
  return classifyPcapError(device, msg, known);
}
