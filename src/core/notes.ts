/**
 * Expert notes ("expert info" in Wireshark): what a dissector or the
 * decryption engine wants a person to know about a packet.
 *
 * Every note comes from a registered definition, so the set of things espy
 * can say is enumerable (for docs, filters like `espy.note == "..."`, and
 * CI policies), and severities are consistent.
 */

export type NoteGroup = 'malformed' | 'checksum' | 'protocol' | 'reassembly' | 'decryption' | 'security' | 'sequence';
/** Ordered from least to most severe (Wireshark: chat < note < warn < error). */
export type Severity = 'chat' | 'note' | 'warn' | 'error';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { chat: 0, note: 1, warn: 2, error: 3 };

export interface NoteDef {
  /** Dotted id, e.g. `isakmp.payload.length_overrun`. */
  readonly id: string;
  readonly group: NoteGroup;
  readonly severity: Severity;
  /** Short generic description for docs and `--list-notes`. */
  readonly summary: string;
}

export interface Note {
  readonly def: NoteDef;
  /** The specific text for this packet, e.g. `payload[2] length 9000 > 312 bytes left`. */
  readonly message: string;
  /** Byte range the note is about, in the layer's data source. */
  readonly offset?: number;
  readonly length?: number;
}

export function defineNotes<const T extends Record<string, Omit<NoteDef, 'id'> & { id: string }>>(defs: T): { readonly [K in keyof T]: NoteDef } {
  for (const d of Object.values(defs)) Object.freeze(d);
  return Object.freeze(defs);
}

export function note(def: NoteDef, message: string, offset?: number, length?: number): Note {
  return offset === undefined ? { def, message } : { def, message, offset, length: length ?? 0 };
}

/** Notes that every layer can raise; protocol-specific ones live with their dissector. */
export const COMMON_NOTES = defineNotes({
  truncated: { id: '_ws.malformed.truncated', group: 'malformed', severity: 'error', summary: 'Field extends past the end of its data (malformed packet)' },
  snaplen: { id: 'frame.snaplen_cut', group: 'malformed', severity: 'warn', summary: 'Frame was cut short by the capture snapshot length' },
  unknownLink: { id: 'frame.unknown_link', group: 'protocol', severity: 'note', summary: 'Link type not dissected' },
});
