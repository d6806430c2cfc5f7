/**
 * The optional native module `cap` (libpcap), loaded only when a live
 * capture or an injection asks for it: file analysis never touches it, so
 * espy works where the addon could not be built.
 *
 * Test hook: ESPY_NO_CAP=1 makes the loader behave as if `cap` were not
 * installed, to exercise the "cap missing" message on a machine that has it.
 */
import { createRequire } from 'node:module';
import { LiveError, LIVE_EXIT, NO_CAP_MESSAGE } from './errors.js';

export interface CapAddress {
  addr?: string;
  netmask?: string;
  broadaddr?: string;
  dstaddr?: string;
}

export interface CapDevice {
  name: string;
  description?: string;
  addresses: CapAddress[];
  flags?: string;
}

/** The part of `cap`'s Cap instance espy uses (see node_modules/cap/README.md). */
export interface CapHandle {
  /** Returns the link type as a name (`ETHERNET`, `RAW`, …) or `Unknown linktype N`. */
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): boolean;
  send(buffer: Uint8Array, nBytes?: number): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
  removeAllListeners(event?: string): this;
}

export interface CapModule {
  Cap: {
    new (): CapHandle;
    deviceList(): CapDevice[];
    findDevice(ip?: string): string | undefined;
  };
}

let cached: CapModule | undefined;

/**
 * Handles whose open() threw. cap 0.2.1's close() (also run by its destructor
 * when the GC collects the object) stops a libuv poll handle that a failed
 * open never initialised, and crashes the process. Such handles are never
 * closed and kept reachable here, so the GC never destroys them either.
 */
const failedHandles: CapHandle[] = [];

/** Opens `h`; on failure parks it (see failedHandles) and rethrows. */
export function openHandle(h: CapHandle, device: string, filter: string, bufSize: number, buffer: Buffer): string {
  try {
    return h.open(device, filter, bufSize, buffer);
  } catch (e) {
    failedHandles.push(h);
    throw e;
  }
}

/** Loads `cap`, or throws LiveError (exit 10) with the command that fixes it. */
export function loadCap(): CapModule {
  if (process.env['ESPY_NO_CAP'] === '1') throw new LiveError(NO_CAP_MESSAGE, LIVE_EXIT.PCAP_NOT_SUPPORTED);
  if (cached) return cached;
  try {
    const require = createRequire(import.meta.url);
    cached = require('cap') as CapModule;
    return cached;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new LiveError(`${NO_CAP_MESSAGE} (${why})`, LIVE_EXIT.PCAP_NOT_SUPPORTED);
  }
}

/** True when `cap` can be loaded (tests use it to decide what to skip). */
export function capAvailable(): boolean {
  try {
    loadCap();
    return true;
  } catch {
    return false;
  }
}

/**
 * `cap` names only a few link types; map them to LINKTYPE_* numbers for the
 * dissector and the pcapng IDB. Unknown ones carry the DLT number, which on
 * Linux equals the LINKTYPE for everything but DLT_RAW (12 → 101).
 */
export function linkTypeNumber(name: string): number {
  switch (name) {
    case 'NULL':
      return 0;
    case 'ETHERNET':
      return 1;
    case 'RAW':
      return 101;
    case 'LINKTYPE_LINUX_SLL':
      return 113;
    case 'IEEE802_11_RADIO':
      return 127;
  }
  const m = /Unknown linktype (\d+)/.exec(name);
  if (!m) return 147; // LINKTYPE_USER0: shown as undissected data rather than guessed
  const dlt = Number(m[1]);
  return dlt === 12 || dlt === 14 ? 101 : dlt;
}
