/**
 * Starts the full-screen UI on the terminal and restores it exactly on the
 * way out. Ink 6 has no alternate-screen option (Ink 7 does, but needs
 * Node 22), so the alternate screen is entered and left by hand, and left
 * again on every exit path (q, Ctrl-C, SIGTERM, a crash) so the shell never
 * stays on a dead screen with a hidden cursor.
 */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { render } from 'ink';
import { CaptureError } from '../capture/index.js';
import type { DissectPrefs } from '../dissect/layer.js';
import { DecryptEngine } from '../decrypt/engine.js';
import type { KeyMaterial } from '../decrypt/types.js';
import { CaptureIndex } from './model/capture-index.js';
import { TuiController } from './model/controller.js';
import { Decryption } from './model/decryption.js';
import { PushReader } from './model/live-source.js';
import type { TimeMode } from './model/summary.js';
import App from './App.js';

export interface TuiOptions {
  readonly file: string;
  readonly prefs: DissectPrefs;
  readonly reassemble: boolean;
  readonly time: TimeMode;
  /** A display filter to apply at start. */
  readonly filter?: string;
  /** Keys from --keys / --psk / --psk-file (more can be loaded from the keys view). */
  readonly keys?: KeyMaterial;
  /** --show-secrets: the keys view may print keys. */
  readonly showSecrets?: boolean;
  /** Live mode (`espy tui -i IFACE [-f FILTER]`) instead of a file. */
  readonly live?: { readonly device: string; readonly filter: string };
}

const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';
const SHOW_CURSOR = '\x1b[?25h';

/** Keys must come from the terminal; when the capture is read from stdin, open the controlling tty instead. */
function keyboard(file: string): NodeJS.ReadStream | undefined {
  if (file !== '-') return process.stdin.isTTY ? process.stdin : undefined;
  try {
    return new tty.ReadStream(fs.openSync('/dev/tty', 'r')) as unknown as NodeJS.ReadStream;
  } catch {
    return undefined;
  }
}

/** Opens the live capture feeding a PushReader; throws LiveError (with its exit code) before any screen is drawn. */
async function openLive(live: NonNullable<TuiOptions['live']>): Promise<{ reader: PushReader; stop: () => void }> {
  const { LiveCapture } = await import('../live/capture.js');
  const reader = new PushReader(`live: ${live.device}`);
  const cap = LiveCapture.open({ device: live.device, filter: live.filter }, (f) => reader.push(f));
  return {
    reader,
    stop: () => {
      cap.stop();
      reader.end();
    },
  };
}

export async function runTui(o: TuiOptions): Promise<number> {
  const stdin = keyboard(o.live ? 'live' : o.file);
  if (!stdin) {
    process.stderr.write('espy: the terminal UI needs a terminal to read keys from (use -r FILE without the UI, or -T text)\n');
    return 1;
  }
  let index: CaptureIndex;
  let stopLive: (() => void) | undefined;
  const engine = o.keys ? new DecryptEngine(o.keys) : undefined;
  try {
    if (o.live) {
      const l = await openLive(o.live);
      stopLive = l.stop;
      index = CaptureIndex.fromStream(l.reader, { prefs: o.prefs, reassemble: o.reassemble, ...(engine ? { decrypt: engine } : {}) });
    } else index = await CaptureIndex.open(o.file, { prefs: o.prefs, reassemble: o.reassemble, ...(engine ? { decrypt: engine } : {}) });
  } catch (e) {
    if (e instanceof CaptureError) {
      process.stderr.write(`espy: ${e.message}\n`);
      return 3;
    }
    const { LiveError } = await import('../live/errors.js');
    if (e instanceof LiveError) {
      process.stderr.write(`espy: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  const out = process.stdout;
  const decryption = new Decryption(index, o.keys, o.showSecrets ?? false);
  const controller = new TuiController(index, { time: o.time, rows: out.rows, columns: out.columns, decryption, ...(o.filter ? { filter: o.filter } : {}) });

  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    out.write(LEAVE_ALT + SHOW_CURSOR);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    restore();
    process.exit(sig === 'SIGTERM' ? 143 : 129);
  };
  process.on('exit', restore);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);

  out.write(ENTER_ALT);
  try {
    // exitOnCtrlC off: Ctrl-C goes through the controller so it quits the same way q does.
    const app = render(<App controller={controller} />, { stdin, exitOnCtrlC: false, patchConsole: true });
    await app.waitUntilExit();
  } finally {
    // q stops the capture first (the addon holds the event loop open otherwise).
    stopLive?.();
    controller.dispose();
    index.close();
    restore();
    process.off('exit', restore);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    if (stdin !== process.stdin) stdin.destroy();
  }
  const err = index.error;
  // The index stops at a bad record like the CLI does; say so once the screen is back.
  if (err) {
    process.stderr.write(`espy: ${err}\n`);
    return 3;
  }
  return 0;
}
