// Small helpers shared by the benchmark scripts: argument parsing, cache paths, formatting.
// Kept dependency-free (no yargs) so that a bench child process starts as fast as possible.
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Parsed `--name value` / `--flag` arguments. Unknown names are kept; each script validates its own. */
export interface ParsedArgs {
  readonly values: ReadonlyMap<string, string>;
  readonly flags: ReadonlySet<string>;
  readonly positional: readonly string[];
}

/**
 * Parses argv. `valued` lists the options that take a value; every other `--x` is a flag.
 * Accepts both `--packets 20000` and `--packets=20000`.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[]): ParsedArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (valued.includes(name)) {
      const v = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      values.set(name, v);
    } else {
      flags.add(name);
    }
  }
  return { values, flags, positional };
}

/** Reads a positive integer option; accepts `1e6`, `1_000_000`, `1,000,000`, `250k`, `1m`. */
export function intOption(args: ParsedArgs, name: string, dflt: number): number {
  const raw = args.values.get(name);
  if (raw === undefined) return dflt;
  const s = raw.replace(/[_,]/g, '').toLowerCase();
  const mult = s.endsWith('k') ? 1e3 : s.endsWith('m') ? 1e6 : 1;
  const n = Number(mult === 1 ? s : s.slice(0, -1)) * mult;
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, got ${raw}`);
  return n;
}

/** Default cache directory for generated captures and results: `$TMPDIR/espy-bench`. */
export function defaultCacheDir(): string {
  return path.join(process.env['TMPDIR'] ?? os.tmpdir(), 'espy-bench');
}

/** Cache file name for a capture of `packets` packets; the seed appears only when it is not the default. */
export function captureName(packets: number, seed: number): string {
  return seed === 1 ? `ipsec-${packets}.pcap` : `ipsec-${packets}-s${seed}.pcap`;
}

/** True when the given module URL is the script node was started with (ESM has no `require.main`). */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(path.resolve(entry)).href === moduleUrl;
}

/** Directory of the compiled bench scripts (dist/bench), used to spawn sibling scripts. */
export function benchDir(moduleUrl: string): string {
  return path.dirname(fileURLToPath(moduleUrl));
}

/** `1234567` → `1,234,567`. */
export function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Median of a non-empty list (mean of the two middle values for even lengths). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
