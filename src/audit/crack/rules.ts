// The built-in word-mangling rules of `espy audit --rules` (CrackOptions.rules), in the spirit of
// hashcat's best64: a small fixed set that covers how people usually derive a PSK from a word.
//
// For each wordlist word w (bytes; case rules touch ASCII letters only, other bytes pass through):
//
//   1. variants, each tried once (duplicates of an earlier variant of the same word are skipped):
//        w                 as-is
//        lower(w)          lowercase                     hashcat `l`
//        upper(w)          uppercase                     hashcat `u`
//        capitalize(w)     first letter up, rest down    hashcat `c`
//        toggle(w)         every letter's case swapped   hashcat `t`
//        reverse(w)        bytes reversed                hashcat `r`
//        w w               duplicated                    hashcat `d`
//        leet(w)           a→4 e→3 i→1 o→0 s→5 (both cases)            hashcat `sa4 se3 si1 so0 ss5`
//        leet2(w)          a→@ e→3 i→1 o→0 s→$ (both cases)            hashcat `sa@ ... ss$`
//   2. suffixes, appended to each distinct base among w, lower(w) and capitalize(w):
//        0 … 9             (10)                          hashcat `$0` … `$9`
//        00 … 99           (100)                         hashcat `$0 $0` …
//        1990 … 2030       (41 years)
//
// So one word gives at most 9 + 3 × 151 = 462 candidates (usually fewer: lower(w) = w for most
// wordlists). `RULES_PER_WORD` is that bound, used for the ETA.
export const RULES_PER_WORD = 9 + 3 * (10 + 100 + 41);

const SUFFIXES: readonly Uint8Array[] = (() => {
  const out: Uint8Array[] = [];
  for (let d = 0; d <= 9; d++) out.push(Buffer.from(String(d)));
  for (let d = 0; d <= 99; d++) out.push(Buffer.from(String(d).padStart(2, '0')));
  for (let y = 1990; y <= 2030; y++) out.push(Buffer.from(String(y)));
  return out;
})();

const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number): boolean => c >= 0x41 && c <= 0x5a;

const LEET1 = new Uint8Array(256).map((_, i) => i);
const LEET2 = new Uint8Array(256).map((_, i) => i);
for (const [from, to1, to2] of [
  ['a', '4', '@'],
  ['e', '3', '3'],
  ['i', '1', '1'],
  ['o', '0', '0'],
  ['s', '5', '$'],
] as const) {
  for (const f of [from, from.toUpperCase()]) {
    LEET1[f.charCodeAt(0)] = to1.charCodeAt(0);
    LEET2[f.charCodeAt(0)] = to2.charCodeAt(0);
  }
}

export type Emit = (buf: Uint8Array, start: number, end: number) => void;

/**
 * Calls `emit` for every rule candidate of `word[start..end)`. The buffer passed to emit is
 * scratch space: copy what you keep.
 */
export class RuleExpander {
  private scratch = new Uint8Array(1024);
  private readonly seen: Uint8Array[] = [];

  private ensure(n: number): void {
    if (this.scratch.length < n) this.scratch = new Uint8Array(n * 2);
  }

  private emitUnique(v: Uint8Array, emit: Emit): boolean {
    for (const s of this.seen) if (s.length === v.length && Buffer.compare(s, v) === 0) return false;
    this.seen.push(v);
    emit(v, 0, v.length);
    return true;
  }

  expand(word: Uint8Array, start: number, end: number, emit: Emit): void {
    const w = word.slice(start, end);
    const n = w.length;
    this.seen.length = 0;
    const map = (f: (c: number, i: number) => number): Uint8Array => {
      const o = new Uint8Array(n);
      for (let i = 0; i < n; i++) o[i] = f(w[i]!, i);
      return o;
    };
    const lower = map((c) => (isUpper(c) ? c + 32 : c));
    const upper = map((c) => (isLower(c) ? c - 32 : c));
    const cap = map((c, i) => (i === 0 ? (isLower(c) ? c - 32 : c) : isUpper(c) ? c + 32 : c));
    const toggle = map((c) => (isLower(c) ? c - 32 : isUpper(c) ? c + 32 : c));
    const rev = map((_, i) => w[n - 1 - i]!);
    const dup = new Uint8Array(2 * n);
    dup.set(w);
    dup.set(w, n);
    const leet = map((c) => LEET1[c]!);
    const leet2 = map((c) => LEET2[c]!);
    for (const v of [w, lower, upper, cap, toggle, rev, dup, leet, leet2]) this.emitUnique(v, emit);
    const bases: Uint8Array[] = [w];
    if (Buffer.compare(lower, w) !== 0) bases.push(lower);
    if (Buffer.compare(cap, w) !== 0 && Buffer.compare(cap, lower) !== 0) bases.push(cap);
    this.ensure(n + 4);
    const s = this.scratch;
    for (const b of bases) {
      s.set(b);
      for (const suf of SUFFIXES) {
        s.set(suf, n);
        emit(s, 0, n + suf.length);
      }
    }
  }
}
