/**
 * Capture input: the frames of a pcap / pcapng file (plain, gzip or stdin),
 * independent of any protocol dissection.
 */

/** One captured frame, as read from the file. */
export interface Frame {
  /** 1-based frame number across the whole input (all pcapng sections). */
  readonly number: number;
  /** Timestamp: whole seconds since the epoch. */
  readonly tsSec: number;
  /** Timestamp: nanoseconds within tsSec (0..999_999_999), whatever the file's resolution. */
  readonly tsNsec: number;
  /** DLT / LINKTYPE_* value of the interface the frame came from. */
  readonly linkType: number;
  /** Bytes present in `data`. */
  readonly caplen: number;
  /** Length of the packet on the wire; > caplen when the snaplen cut it. */
  readonly origLen: number;
  /**
   * The captured bytes. A view into a chunk the reader allocated for this batch only
   * (chunks are never reused), so it stays valid as long as the caller keeps it.
   */
  readonly data: Uint8Array;
  /** pcapng interface id within its section (0 for classic pcap). */
  readonly interfaceId: number;
  /** Byte offset of the record (pcap record header / pcapng block) in the decompressed input. */
  readonly fileOffset: number;
  /** pcapng opt_comment, if any. */
  readonly comment?: string;
}

/** What the reader knows about an interface (pcapng IDB, or the single pcap "interface"). */
export interface CaptureInterface {
  readonly linkType: number;
  readonly snapLen: number;
  /** Timestamp units per second (1e6 for µs pcap, 1e9 for ns pcap, if_tsresol for pcapng). */
  readonly tsUnitsPerSec: number;
  readonly name?: string;
  readonly description?: string;
  /** Section index (pcapng; 0 for pcap). */
  readonly section: number;
  /**
   * Bytes of frame check sequence at the end of every frame, when the file says so
   * (classic pcap: FCS bits of the link-type field). Absent when unknown.
   */
  readonly fcsLen?: number;
  /** pcapng if_tsoffset: seconds already added to every timestamp of this interface. */
  readonly tsOffset?: number;
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

/** A bad file: what went wrong, where. Every frame before `offset` has already been delivered. */
export class CaptureError extends Error {
  /** The detail text alone (the message also carries file, kind and offset). */
  readonly detail: string;
  constructor(
    readonly file: string,
    /** Byte offset in the decompressed input where the fault starts. */
    readonly offset: number,
    readonly kind: 'truncated' | 'corrupt' | 'unsupported' | 'io',
    detail: string,
  ) {
    super(`${file}: ${kind === 'truncated' ? 'file is cut short' : kind === 'corrupt' ? 'corrupt capture' : kind === 'unsupported' ? 'unsupported capture' : 'read error'} at byte offset ${offset}: ${detail}`);
    this.name = 'CaptureError';
    this.detail = detail;
  }
}
