/**
 * Packet-list rows: the CLI's summary columns for one dissected packet, plus
 * the colour class the list paints it with. Text comes from the same
 * functions `espy -r` uses, so a row reads exactly like its summary line.
 */
import type { Severity } from '../../core/notes.js';
import type { Packet } from '../../dissect/packet.js';
import type { IsakmpRecord } from '../../dissect/isakmp/isakmp.js';
import { formatTime } from '../../cli/format/time.js';
import { worstNote } from '../../cli/format/text.js';

/** The time formats the TUI cycles through with `t` (tshark's -t r, a, d). */
export type TimeMode = 'r' | 'a' | 'd';
export const TIME_MODES: readonly TimeMode[] = ['r', 'a', 'd'];
export const TIME_MODE_LABEL: Readonly<Record<TimeMode, string>> = { r: 'relative', a: 'absolute', d: 'delta' };

/**
 * What a row is, for colour (aesthetics notes §5.2): IKEv1 and IKEv2 apart,
 * ESP dimmed as bulk data, fragments and plain traffic uncoloured.
 */
export type RowKind = 'ikev1' | 'ikev2' | 'esp' | 'ah' | 'natt' | 'other';

export interface SummaryRow {
  /** Index in the capture (frame number − 1). */
  readonly index: number;
  readonly no: number;
  readonly time: string;
  readonly src: string;
  readonly dst: string;
  readonly protocol: string;
  readonly length: number;
  readonly info: string;
  readonly kind: RowKind;
  /** Worst expert-note severity of the packet, if it has notes. */
  readonly severity: Severity | undefined;
  /** Some of it was decrypted (a "Decrypted IKE" / "Decrypted ESP" data source). */
  readonly decrypted: boolean;
  /** An ICV / AEAD tag did not match (ESP, AH or IKEv2 SK): wrong keys or a damaged packet. */
  readonly icvBad: boolean;
}

/** Notes that mean an integrity check failed under the keys given. */
const ICV_BAD: ReadonlySet<string> = new Set(['esp.icv.bad', 'ah.icv.bad', 'isakmp.enc.icv.bad']);

function decryptionFlags(p: Packet): { decrypted: boolean; icvBad: boolean } {
  let decrypted = false;
  for (const s of p.sources) if (s.name.startsWith('Decrypted')) decrypted = true;
  let icvBad = false;
  for (const l of p.layers) for (const n of l.notes) if (ICV_BAD.has(n.def.id)) icvBad = true;
  return { decrypted, icvBad };
}

function kindOf(p: Packet): RowKind {
  // The topmost IPsec layer decides: ESP inside NAT-T is ESP, IKE inside NAT-T is IKE.
  for (let i = p.layers.length - 1; i >= 0; i--) {
    const l = p.layers[i]!;
    switch (l.spec.id) {
      case 'isakmp': {
        const major = (l.record as IsakmpRecord).major;
        return major === 2 ? 'ikev2' : 'ikev1';
      }
      case 'esp':
        return 'esp';
      case 'ah':
        return 'ah';
      case 'udpencap':
        return 'natt';
      default:
        break;
    }
  }
  return 'other';
}

export function summaryRow(index: number, p: Packet, time: TimeMode): SummaryRow {
  const s = p.summary;
  return {
    index,
    no: p.frame.number,
    time: formatTime(p, time),
    src: s.src,
    dst: s.dst,
    protocol: s.protocol,
    length: p.frame.origLen,
    info: s.info,
    kind: kindOf(p),
    severity: worstNote(p)?.def.severity,
    ...decryptionFlags(p),
  };
}
