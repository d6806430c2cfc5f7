/** The end-of-replay report, worded like tcpreplay's so people who know it can read it at a glance. */

export interface ReplayStats {
  packets: number;
  bytes: number;
  failed: number;
  /** Retries after ENOBUFS / EAGAIN (the send queue was full). */
  retried: number;
  /** Frames not sent: other link type than the interface, or excluded by -Y. */
  skipped: number;
  seconds: number;
}

export function newStats(): ReplayStats {
  return { packets: 0, bytes: 0, failed: 0, retried: 0, skipped: 0, seconds: 0 };
}

const fixed = (n: number, d: number): string => (Number.isFinite(n) ? n.toFixed(d) : '0');

export function formatStats(s: ReplayStats, device: string): string {
  const t = s.seconds > 0 ? s.seconds : 0;
  const bps = t > 0 ? s.bytes / t : 0;
  const pps = t > 0 ? s.packets / t : 0;
  return [
    `Actual: ${s.packets} packets (${s.bytes} bytes) sent in ${fixed(t, 6)} seconds`,
    `Rated: ${fixed(bps, 1)} Bps, ${fixed((bps * 8) / 1e6, 2)} Mbps, ${fixed(pps, 2)} pps`,
    `Statistics for network device: ${device}`,
    `\tSuccessful packets:        ${s.packets}`,
    `\tFailed packets:            ${s.failed}`,
    `\tRetried packets:           ${s.retried}`,
    `\tSkipped packets:           ${s.skipped}`,
  ].join('\n') + '\n';
}
