/**
 * `--keys`, `--psk`, `--psk-file`, `--show-secrets`: shared by `espy -r`, `-i`,
 * `espy tui`, `espy keys`, `espy check` and `espy audit`. Key files are
 * loaded with their format detected from the content; each malformed line is
 * reported with its file and line on stderr and skipped, the rest loads.
 */
import type { Options } from 'yargs';
import { DecryptEngine } from '../decrypt/engine.js';
import { emptyKeyMaterial, mergeKeyMaterial, type KeyMaterial } from '../decrypt/types.js';
import { loadKeyFile, loadPskFile, parsePskArg } from '../decrypt/keys/index.js';

export interface DecryptArgs {
  keys?: string[];
  psk?: string[];
  'psk-file'?: string[];
  'show-secrets'?: boolean;
}

/** The key options, for any yargs parser: `.options(DECRYPT_OPTIONS)`. */
export const DECRYPT_OPTIONS = {
  keys: { type: 'string', array: true, describe: 'key file (repeatable): Wireshark ikev1/ikev2/esp_sa tables, tcpdump -E secrets, ip xfrm state, strongSwan charon log, espy keyring JSON (format detected from the content)' },
  psk: { type: 'string', array: true, describe: 'pre-shared key (repeatable): SECRET, 0xHEX, or PEER=SECRET (docs/keys.md)' },
  'psk-file': { type: 'string', array: true, describe: 'file of PSKs, one per line (or ipsec.secrets PSK lines)' },
  'show-secrets': { type: 'boolean', describe: 'print keys and cracked PSKs (hidden by default)' },
} as const satisfies Record<string, Options>;

export class KeyLoadError extends Error {}

/**
 * The key material from the command line, or undefined when none was given.
 * Problems in files are printed (file:line: message) and skipped; a file that
 * cannot be read at all is an error (KeyLoadError).
 */
export function keyMaterialFromArgs(a: Record<string, unknown>, warn: (s: string) => void = (s) => process.stderr.write(s)): KeyMaterial | undefined {
  const files = (a.keys as string[] | undefined) ?? [];
  const psks = (a.psk as string[] | undefined) ?? [];
  const pskFiles = (a['psk-file'] as string[] | undefined) ?? [];
  if (!files.length && !psks.length && !pskFiles.length) return undefined;
  const km = emptyKeyMaterial();
  const load = (what: string, f: () => KeyMaterial) => {
    try {
      mergeKeyMaterial(km, f());
    } catch (e) {
      throw new KeyLoadError(`${what}: ${(e as Error).message}`);
    }
  };
  for (const f of files) load(`--keys ${f}`, () => loadKeyFile(f));
  for (const f of pskFiles) load(`--psk-file ${f}`, () => loadPskFile(f));
  for (const p of psks) load('--psk', () => parsePskArg(p));
  for (const i of km.issues) warn(`espy: ${i.file}:${i.line}: ${i.message} (line skipped)\n`);
  return km;
}

/** An engine over the command line's keys, or undefined without keys. */
export function engineFromArgs(a: Record<string, unknown>): DecryptEngine | undefined {
  const km = keyMaterialFromArgs(a);
  return km ? new DecryptEngine(km) : undefined;
}
