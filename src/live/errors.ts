/**
 * Live-capture and injection failures, each with the exit code Wireshark's
 * ws_exit_codes.h gives the same situation, so scripts can tell them apart.
 */

export const LIVE_EXIT = {
  INVALID_INTERFACE: 2,
  INVALID_FILE: 3,
  INVALID_FILTER: 4,
  INVALID_CAPABILITY: 5,
  PCAP_NOT_SUPPORTED: 10,
  NO_INTERFACES: 12,
  PCAP_ERROR: 13,
  WRITE_ERROR: 15,
} as const;

export type LiveExit = (typeof LIVE_EXIT)[keyof typeof LIVE_EXIT];

/** A failure a person can act on: `message` says what to do, `exitCode` is Wireshark's. */
export class LiveError extends Error {
  constructor(
    message: string,
    readonly exitCode: LiveExit,
  ) {
    super(message);
    this.name = 'LiveError';
  }
}

export const NO_CAP_MESSAGE =
  'live capture needs the optional native module `cap`: apt-get install libpcap-dev && npm rebuild cap';

export const PERMISSION_HINT =
  'run as root or `setcap cap_net_raw,cap_net_admin+eip $(readlink -f $(which node))`';

/**
 * libpcap reports everything through one error string; sort it into the cases
 * a user handles differently. `filterStage` is true when the text came from
 * compiling the capture filter (so any message there is a filter error).
 */
export function classifyPcapError(device: string, msg: string, known: readonly string[]): LiveError {
  if (/permission|not permitted|EPERM|EACCES/i.test(msg)) {
    return new LiveError(`you don't have permission to capture on ${device} (${msg}): ${PERMISSION_HINT}`, LIVE_EXIT.INVALID_CAPABILITY);
  }
  if (/no such device|doesn't exist|not found|ENODEV|ENXIO/i.test(msg)) return unknownInterface(device, known);
  return new LiveError(`cannot open ${device}: ${msg}`, LIVE_EXIT.INVALID_INTERFACE);
}

export function unknownInterface(device: string, known: readonly string[]): LiveError {
  const list = known.length ? known.join(', ') : 'none found';
  return new LiveError(`no such interface: ${device} (interfaces: ${list}; espy -D lists them)`, LIVE_EXIT.INVALID_INTERFACE);
}
