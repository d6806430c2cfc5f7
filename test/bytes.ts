/** Byte builders for known-answer tests: write a message as readable parts. */

export type Part = number | readonly number[] | Uint8Array;

/** Concatenate numbers (one byte each), number arrays and byte arrays. */
export function bytes(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else out.push(...p);
  }
  return Uint8Array.from(out);
}

export const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
export const u32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
export const fill = (n: number, v: number): number[] => new Array<number>(n).fill(v);
/** n bytes counting up from `start` (mod 256). */
export const seq = (n: number, start = 0): number[] => Array.from({ length: n }, (_, i) => (start + i) & 0xff);
export const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
