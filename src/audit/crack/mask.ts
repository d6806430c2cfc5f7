// Brute-force masks, hashcat syntax: `?l` a-z, `?u` A-Z, `?d` 0-9, `?s` the 33 printable ASCII
// specials (space included), `?a` = ?l?u?d?s (95), `?1`..`?4` custom charsets (which may use the
// built-in classes, e.g. `?l?d`), `??` a literal `?`, anything else a literal character.
//
// The keyspace is enumerated completely, as an odometer with the last position changing fastest:
// index 0 is every position's first character and index total-1 every position's last. (psk-crack
// maps a counter to digits without leading zeros and so never tries a key ending in its charset's
// first character; this does not.) Positions are bytes: charsets are taken as UTF-8 bytes.

const range = (a: string, b: string): string => {
  let s = '';
  for (let c = a.charCodeAt(0); c <= b.charCodeAt(0); c++) s += String.fromCharCode(c);
  return s;
};
const BUILTIN: Record<string, string> = {
  l: range('a', 'z'),
  u: range('A', 'Z'),
  d: range('0', '9'),
  s: ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};
BUILTIN['a'] = BUILTIN['l']! + BUILTIN['u']! + BUILTIN['d']! + BUILTIN['s']!;

export interface ParsedMask {
  /** Per position, the candidate bytes in order (no duplicates). */
  readonly positions: readonly Uint8Array[];
  /** Product of the charset sizes. */
  readonly total: number;
}

/** Expands a charset definition (custom charsets may use ?l ?u ?d ?s ?a and ??). */
function expandCharset(def: string, custom: readonly string[] | undefined, depth: number): Uint8Array {
  const bytes: number[] = [];
  const seen = new Set<number>();
  const add = (s: string | Uint8Array): void => {
    for (const b of typeof s === 'string' ? Buffer.from(s, 'utf8') : s) {
      if (!seen.has(b)) {
        seen.add(b);
        bytes.push(b);
      }
    }
  };
  for (let i = 0; i < def.length; i++) {
    const c = def[i]!;
    if (c === '?' && i + 1 < def.length) {
      const k = def[++i]!;
      if (k === '?') add('?');
      else if (BUILTIN[k] !== undefined) add(BUILTIN[k]);
      else if (k >= '1' && k <= '4' && depth === 0) {
        const cs = custom?.[Number(k) - 1];
        if (cs === undefined) throw new Error(`mask uses ?${k} but no custom charset ${k} was given`);
        add(expandCharset(cs, custom, 1));
      } else throw new Error(`unknown charset ?${k}`);
    } else add(c);
  }
  return Uint8Array.from(bytes);
}

export function parseMask(mask: string, custom?: readonly string[]): ParsedMask {
  const positions: Uint8Array[] = [];
  for (let i = 0; i < mask.length; i++) {
    const c = mask[i]!;
    if (c === '?') {
      if (i + 1 >= mask.length) throw new Error('mask ends with a lone ?');
      positions.push(expandCharset(mask.slice(i, i + 2), custom, 0));
      i++;
    } else {
      // A literal character: its UTF-8 bytes are fixed positions.
      const cp = mask.codePointAt(i)!;
      const s = String.fromCodePoint(cp);
      if (s.length === 2) i++;
      for (const b of Buffer.from(s, 'utf8')) positions.push(Uint8Array.of(b));
    }
  }
  for (const p of positions) if (p.length === 0) throw new Error('empty charset in mask');
  let total = 1;
  for (const p of positions) total *= p.length;
  if (!Number.isSafeInteger(total)) throw new Error(`mask keyspace ${total} is too large`);
  return { positions, total };
}

/** Calls emit(buf, 0, len) for the keyspace indexes [start, end). */
export function enumerateMask(m: ParsedMask, start: number, end: number, emit: (buf: Uint8Array, s: number, e: number) => void): void {
  const n = m.positions.length;
  const digits = new Int32Array(n);
  const buf = new Uint8Array(n);
  let rest = start;
  for (let p = n - 1; p >= 0; p--) {
    const size = m.positions[p]!.length;
    digits[p] = rest % size;
    rest = Math.floor(rest / size);
    buf[p] = m.positions[p]![digits[p]!]!;
  }
  const last = n - 1;
  for (let i = start; i < end; i++) {
    emit(buf, 0, n);
    // Increment the odometer.
    let p = last;
    while (p >= 0) {
      const cs = m.positions[p]!;
      const d = digits[p]! + 1;
      if (d < cs.length) {
        digits[p] = d;
        buf[p] = cs[d]!;
        break;
      }
      digits[p] = 0;
      buf[p] = cs[0]!;
      p--;
    }
  }
}
