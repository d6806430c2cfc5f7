/** Shared helpers for end-to-end tests: run the built CLI, find fixtures, ask tshark. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hexToBytes } from '../src/core/bytes.js';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = join(ROOT, 'dist/src/cli/main.js');
export const GENERATED = join(ROOT, 'fixtures/pcaps/generated');
export const MALFORMED = join(ROOT, 'fixtures/pcaps/malformed');

export function espy(args: string[], input?: Uint8Array | string): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1' },
  });
}

export const HAVE_TSHARK = existsSync('/usr/bin/tshark');

export function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export interface GeneratedCase {
  case: string;
  ike_version: number;
  captures: string[];
  frames: Record<string, number>;
  exchange_types: string[];
  esp_spis: string[];
  ah_spis: string[];
  psk: string;
}

export function generatedCases(): GeneratedCase[] {
  const f = join(GENERATED, 'CASES.json');
  if (!existsSync(f)) return [];
  return (JSON.parse(readFileSync(f, 'utf8')) as { cases: GeneratedCase[] }).cases;
}

export interface ManifestEntry {
  file: string;
  format: string;
  linktype?: number;
  frames: number;
  valid: boolean;
  defect?: string;
  expect?: Record<string, unknown>[];
  error?: { kind: string; recordOffset: number; frameNumber: number };
}

export function manifest(): ManifestEntry[] {
  return (JSON.parse(readFileSync(join(MALFORMED, 'MANIFEST.json'), 'utf8')) as { files: ManifestEntry[] }).files;
}

export function allCaptureFiles(): string[] {
  const out: string[] = [];
  for (const c of generatedCases()) for (const cap of c.captures) out.push(join(GENERATED, c.case, cap));
  for (const name of readdirSync(MALFORMED).sort()) if (/\.(pcap|pcapng|gz)$/.test(name)) out.push(join(MALFORMED, name));
  return out;
}

/** Lines of `-T fields` output split into columns. */
export function rows(stdout: string): string[][] {
  return stdout.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'));
}

/**
 * The CHILD SA PFS secrets (Quick Mode g(qm)^xy, CREATE_CHILD_SA g^ir), in order, from the case's
 * charon DBG4 log: each "[CHD] … DH secret => N bytes" line and the hex dump under it.
 */
export function childDhSecrets(caseName: string): Uint8Array[] {
  const logs = ['initiator-charon.log', 'responder-charon.log'].map((f) => join(GENERATED, caseName, 'logs', f)).filter((f) => existsSync(f));
  if (logs.length === 0) return [];
  const lines = readFileSync(logs[0]!, 'utf8').split('\n');
  const out: Uint8Array[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /\[CHD\].*DH secret => (\d+) bytes/.exec(lines[i]!);
    if (!m) continue;
    const n = Number(m[1]);
    let h = '';
    for (let j = i + 1; h.length < 2 * n && j < lines.length; j++) {
      const d = /^\S+ \S+ <[^>]*>\s+\d+: (.*)$/.exec(lines[j]!);
      if (!d) throw new Error(`${logs[0]}:${j + 1}: expected a hex dump line`);
      h += d[1]!.split('  ')[0]!.replace(/ /g, '');
    }
    out.push(hexToBytes(h.slice(0, 2 * n)));
  }
  return out;
}
