/**
 * Code tables: protocol numbers are data, not enums.
 *
 * A table accepts any number. Known values print by name; values inside a
 * declared range (IANA "Unassigned", "Reserved for Private Use", …) print with
 * the range's name; anything else prints as `TableName(200 / 0xc8)` so an
 * unknown code is never lost or mis-named.
 */

export interface CodeRange {
  readonly min: number;
  readonly max: number;
  readonly name: string;
}

export interface CodeTable {
  /** Name used for values the table does not know, e.g. `IKEv2PayloadType`. */
  readonly name: string;
  readonly values: ReadonlyMap<number, string>;
  readonly ranges: readonly CodeRange[];
}

export function codeTable(
  name: string,
  entries: Readonly<Record<number, string>>,
  ranges: readonly CodeRange[] = [],
): CodeTable {
  const values = new Map<number, string>();
  for (const [k, v] of Object.entries(entries)) values.set(Number(k), v);
  return Object.freeze({ name, values, ranges: Object.freeze([...ranges]) });
}

/** The name of a known value or of its range; undefined when the table knows neither. */
export function codeName(table: CodeTable, value: number): string | undefined {
  const exact = table.values.get(value);
  if (exact !== undefined) return exact;
  for (const r of table.ranges) if (value >= r.min && value <= r.max) return r.name;
  return undefined;
}

function numberTag(value: number): string {
  return `${value} / 0x${value.toString(16)}`;
}

/**
 * Display text for a code: `Name` for known values, `Range name(200 / 0xc8)`
 * for values in a declared range, `TableName(200 / 0xc8)` otherwise.
 */
export function describeCode(table: CodeTable, value: number): string {
  const exact = table.values.get(value);
  if (exact !== undefined) return exact;
  for (const r of table.ranges) if (value >= r.min && value <= r.max) return `${r.name}(${numberTag(value)})`;
  return `${table.name}(${numberTag(value)})`;
}

/** True when the value has an exact entry (not just a range). */
export function isKnownCode(table: CodeTable, value: number): boolean {
  return table.values.has(value);
}
