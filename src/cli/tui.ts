/**
 * When `espy` opens the terminal UI instead of printing text: `espy tui …`
 * always, `espy FILE` / `espy -r FILE` when stdout is a terminal, `CI` is
 * unset, and no flag asks for text output (the rule termshark follows:
 * a TTY means the UI, anything else means tshark-style output).
 *
 * The UI (Ink, React) is loaded only when it is used, so text runs start
 * as fast as before.
 */
import type { DissectPrefs } from '../dissect/layer.js';
import type { TimeFormat } from './format/time.js';
import type { KeyMaterial } from '../decrypt/types.js';

/** Flags that ask for text output: any of them keeps espy in tshark mode. */
export const TEXT_OUTPUT_FLAGS = ['T', 'V', 'x', 'e', 'q', 'c', 'Y', 'z', 'O', 'E', 'l', 'G', 'w', 'P', 'a', 'i', 'D'] as const;

export function wantsTui(parsed: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stdout.isTTY === true): boolean {
  if (!isTTY || env.CI) return false;
  if (parsed.r === undefined && parsed.file === undefined) return false;
  return TEXT_OUTPUT_FLAGS.every((f) => parsed[f] === undefined || parsed[f] === false);
}

export interface TuiRunOptions {
  readonly file: string;
  readonly prefs: DissectPrefs;
  readonly reassemble: boolean;
  readonly time: TimeFormat;
  readonly color: 'auto' | 'always' | 'never';
  readonly filter?: string;
  /** --keys / --psk / --psk-file, already loaded. */
  readonly keys?: KeyMaterial;
  readonly showSecrets?: boolean;
  /** `espy tui -i IFACE [-f FILTER]`: live capture instead of a file. */
  readonly live?: { readonly device: string; readonly filter: string };
}

export async function runTuiFromCli(o: TuiRunOptions): Promise<number> {
  // chalk (Ink's colours) ignores NO_COLOR; FORCE_COLOR=0 must be set before Ink is imported.
  if (o.color === 'never' || (o.color === 'auto' && process.env.NO_COLOR)) process.env.FORCE_COLOR = '0';
  // React's production build: its development build costs about a sixth of every frame (checks, DEV tasks, timings).
  process.env.NODE_ENV ??= 'production';
  const { runTui } = await import('../tui/run.js');
  // The UI cycles relative / absolute / delta; other -t formats start it on the nearest one.
  const time = o.time === 'd' ? 'd' : o.time === 'r' ? 'r' : 'a';
  return runTui({
    file: o.file,
    prefs: o.prefs,
    reassemble: o.reassemble,
    time,
    ...(o.filter ? { filter: o.filter } : {}),
    ...(o.keys ? { keys: o.keys } : {}),
    ...(o.showSecrets ? { showSecrets: true } : {}),
    ...(o.live ? { live: o.live } : {}),
  });
}
