/**
 * The field registry: one declarative row per field, like Wireshark's
 * header_field_info. It drives the tree (-V), `-T fields -e`, JSON, display
 * filters and the TUI, so a field is described once.
 *
 * Ids reuse Wireshark's display-filter names where they exist
 * (`isakmp.ispi`, `esp.spi`, `ip.src` …) so users' habits carry over.
 */
import type { CodeTable } from './codes.js';

export type FieldType =
  | 'protocol' // a protocol's own node (value: none)
  | 'none' // a label / subtree with no value
  | 'bool'
  | 'uint' // number up to 2^53
  | 'uint64' // bigint
  | 'int'
  | 'bytes'
  | 'string'
  | 'ipv4' // Uint8Array(4)
  | 'ipv6' // Uint8Array(16)
  | 'ether' // Uint8Array(6)
  | 'time' // absolute, seconds as number (fractional)
  | 'reltime' // relative seconds
  | 'float';

export type NumberBase = 'dec' | 'hex' | 'hex_dec' | 'oct';

export interface FieldDef {
  readonly id: string;
  readonly label: string;
  readonly type: FieldType;
  /** How integers print (Wireshark BASE_*). Default: dec. */
  readonly base?: NumberBase;
  /** Width in hex digits for hex display (e.g. 8 for a 32-bit SPI). */
  readonly hexDigits?: number;
  /** Value table for coded integers. */
  readonly values?: CodeTable;
  /** Bit mask inside the containing integer (for flag bits), as Wireshark's bitmask. */
  readonly mask?: number;
  /** Width in bits of the containing integer, for bit-diagram display of masked fields. */
  readonly bits?: number;
  /** Where the field is defined, e.g. `RFC 7296 §3.1`. */
  readonly rfc?: string;
  readonly blurb?: string;
}

type FieldSpec = Omit<FieldDef, never>;

/** Declare a protocol's fields. Keys are local handles; the objects are the field definitions. */
export function defineFields<const T extends Record<string, FieldSpec>>(defs: T): { readonly [K in keyof T]: FieldDef } {
  for (const d of Object.values(defs)) Object.freeze(d);
  return Object.freeze(defs);
}

/** All fields of all protocols, with lookup by id. Built from an explicit list (no import side effects). */
export class FieldRegistry {
  private readonly byIdMap = new Map<string, FieldDef>();
  readonly duplicates: string[] = [];

  constructor(tables: readonly Readonly<Record<string, FieldDef>>[]) {
    for (const t of tables) {
      for (const f of Object.values(t)) {
        if (this.byIdMap.has(f.id) && this.byIdMap.get(f.id) !== f) this.duplicates.push(f.id);
        this.byIdMap.set(f.id, f);
      }
    }
  }

  get(id: string): FieldDef | undefined {
    return this.byIdMap.get(id);
  }

  all(): FieldDef[] {
    return [...this.byIdMap.values()];
  }
}
