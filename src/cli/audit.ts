/**
 * `espy audit -r FILE`: find IKEv1 Aggressive Mode PSK material, export it
 * for psk-crack / hashcat / John, crack it (wordlist, rules, mask), and report
 * weak IPsec per IKE SA as text, JSON (`espy.audit/1`) or SARIF 2.1.0.
 *
 * Exit codes: 0 done (no finding at or above --fail-on), 2 a finding at or
 * above --fail-on, 1 bad option / unreadable wordlist / no cracking core,
 * 3 bad or unreadable capture file. See docs/audit.md.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import yargs from 'yargs';
import { CaptureError } from '../capture/index.js';
import type { DecryptHooks } from '../dissect/decrypt-hooks.js';
import { checkGivenPsks, collectAudit, crackMaterial, findingsOf, type AuditData } from '../audit/index.js';
import { johnLine, pskCrackLine, toolLimits } from '../audit/extract.js';
import { SEVERITIES, severityRank, type CrackOutcome, type Severity } from '../audit/findings.js';
import { auditJson, auditSarif, auditText, worstSeverity, type CrackSummary, type ReportInput } from '../audit/report.js';
import type { Crack, CrackOptions, Progress } from '../audit/crack/api.js';
import { parseMask } from '../audit/crack/mask.js';

export const AUDIT_EXIT = { OK: 0, USAGE: 1, FAIL_ON: 2, BAD_FILE: 3 } as const;

class UsageError extends Error {}

const USAGE = `espy audit -r FILE [options]

Audit the IKE/IPsec in a capture: IKEv1 Aggressive Mode PSK hashes (export them
for psk-crack, hashcat 5300/5400 or John, or crack them here), identities in the
clear, weak DH groups and algorithms, missing PFS, excessive lifetimes, IKEv1.
Exit status: 0 ok, 2 a finding at or above --fail-on, 1 usage, 3 bad capture file.`;

/** hashcat spells custom charsets -1 … -4; yargs reads those as numbers, so they become --custom-charsetN first. */
export function normalizeArgv(argv: readonly string[]): string[] {
  return argv.map((a) => (/^-[1-4]$/.test(a) ? `--custom-charset${a.slice(1)}` : a));
}

function pkgVersion(): string {
  try {
    const p = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return p.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** `--psk` values as candidate bytes: `0xHEX` is hex; `PEER=SECRET` also tries SECRET. */
export function pskCandidates(values: readonly string[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const v of values) {
    if (/^0x([0-9a-fA-F]{2})+$/.test(v)) out.push(Buffer.from(v.slice(2), 'hex'));
    else {
      out.push(Buffer.from(v, 'utf8'));
      const eq = v.indexOf('=');
      if (eq > 0) out.push(Buffer.from(v.slice(eq + 1), 'utf8'));
    }
  }
  return out;
}

/** The cracking core (src/audit/crack/index.ts: worker threads, WASM SIMD), loaded only when an attack is asked for. */
async function loadCrack(): Promise<Crack> {
  return (await import('../audit/crack/index.js')).crack;
}

/** Decryption engine from --keys (issue 4), after its learn pass over the file; loaded only with --keys. */
async function loadDecrypt(a: Record<string, unknown>, file: string): Promise<DecryptHooks | undefined> {
  // A PSK alone cannot decrypt (IKEv1 and IKEv2 keys need the DH secret too): --psk without --keys only checks HASH_R.
  if (!((a.keys as string[] | undefined) ?? []).length) return undefined;
  const { engineFromArgs } = await import('./decrypt-options.js');
  const { learnFromCapture } = await import('../decrypt/learn.js');
  let engine;
  try {
    engine = engineFromArgs(a);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!engine) return undefined;
  await learnFromCapture(file, engine);
  return engine;
}

function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}

function fmtCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/** One progress line: `[#####-----]  45.0%  1.20M/2.67M  850.0k/s  ETA 0:03`. */
export function progressLine(p: Progress, width = 24): string {
  const frac = p.total ? Math.min(1, p.tried / p.total) : undefined;
  const bar = frac === undefined ? '' : `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '-')}] ${(frac * 100).toFixed(1).padStart(5)}%  `;
  const eta = p.etaMs !== undefined ? `  ETA ${fmtDuration(p.etaMs)}` : '';
  return `${bar}${fmtCount(p.tried)}${p.total ? `/${fmtCount(p.total)}` : ''} candidates  ${fmtCount(Math.round(p.rate))}/s  ${fmtDuration(p.elapsedMs)}${eta}`;
}

export async function auditMain(argv: string[]): Promise<number> {
  let a: Record<string, unknown>;
  try {
    a = await yargs(normalizeArgv(argv))
      .scriptName('espy audit')
      .usage(USAGE)
      .parserConfiguration({ 'greedy-arrays': false })
      .option('r', { alias: 'read-file', type: 'string', describe: 'capture file (pcap, pcapng, .gz)', demandOption: 'espy audit needs -r FILE' })
      .option('wordlist', { alias: 'w', type: 'string', describe: 'crack with this wordlist (one candidate per line, spaces kept; .gz read through zlib)' })
      .option('rules', { type: 'boolean', describe: 'with --wordlist: also try the built-in rules (case, appended digits/years, leetspeak)' })
      .option('mask', { alias: 'm', type: 'string', describe: 'brute force with a hashcat mask: ?l ?u ?d ?s ?a, ?1..?4, literals' })
      .option('custom-charset1', { type: 'string', describe: 'custom charset ?1 (also -1)' })
      .option('custom-charset2', { type: 'string', describe: 'custom charset ?2 (also -2)' })
      .option('custom-charset3', { type: 'string', describe: 'custom charset ?3 (also -3)' })
      .option('custom-charset4', { type: 'string', describe: 'custom charset ?4 (also -4)' })
      .option('threads', { type: 'number', describe: 'worker threads (default: all cores)' })
      .option('max-time', { type: 'number', describe: 'stop cracking after S seconds' })
      .option('export-psk-crack', { type: 'string', describe: 'write psk-crack / hashcat 5300/5400 lines (one per exchange) to FILE' })
      .option('export-john', { type: 'string', describe: "write John the Ripper $ike$ lines to FILE" })
      .option('T', { choices: ['text', 'json', 'sarif'], default: 'text', describe: 'report format' })
      .option('fail-on', { choices: ['critical', 'high', 'medium', 'low'], describe: 'exit 2 when a finding is this severe or worse' })
      .option('show-secrets', { type: 'boolean', describe: 'print recovered PSKs and XAUTH passwords (hidden by default)' })
      .option('keys', { type: 'string', array: true, describe: 'key file(s) to decrypt Quick Mode / IKE_AUTH / XAUTH (see docs/keys.md)' })
      .option('psk', { type: 'string', array: true, describe: 'PSK to check against HASH_R (and to decrypt with --keys): SECRET, 0xHEX, PEER=SECRET' })
      .option('core', { choices: ['wasm', 'js', 'node'], describe: 'force a cracking core (default: the fastest available)' })
      .option('q', { type: 'boolean', describe: 'no progress bar' })
      .help()
      .alias('h', 'help')
      .strict()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`espy audit: ${(e as Error).message}\n\nRun 'espy audit --help' for the options.\n`);
    return AUDIT_EXIT.USAGE;
  }

  const ac = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nespy audit: interrupted, stopping (Ctrl-C again to quit at once)\n');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(a, ac.signal);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`espy audit: ${e.message}\n`);
      return AUDIT_EXIT.USAGE;
    }
    if (e instanceof CaptureError) {
      process.stderr.write(`espy audit: ${e.message}\n`);
      return AUDIT_EXIT.BAD_FILE;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function run(a: Record<string, unknown>, signal: AbortSignal): Promise<number> {
  const file = String(a.r);
  const showSecrets = a['show-secrets'] === true;
  const wordlist = a.wordlist as string | undefined;
  const mask = a.mask as string | undefined;
  const charsets = [1, 2, 3, 4].map((i) => a[`custom-charset${i}`] as string | undefined);
  const threads = a.threads as number | undefined;
  const maxTime = a['max-time'] as number | undefined;
  if (wordlist !== undefined && mask !== undefined) throw new UsageError('--wordlist and --mask: choose one attack');
  if (a.rules && wordlist === undefined) throw new UsageError('--rules applies to --wordlist');
  if (charsets.some((c) => c !== undefined) && mask === undefined) throw new UsageError('-1 … -4 (custom charsets) apply to --mask');
  if (mask !== undefined && !mask.length) throw new UsageError('--mask: empty mask');
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1)) throw new UsageError(`--threads ${String(threads)}: expected a whole number ≥ 1`);
  if (maxTime !== undefined && !(maxTime > 0)) throw new UsageError(`--max-time ${String(maxTime)}: expected seconds > 0`);
  if (wordlist !== undefined) {
    if (!existsSync(wordlist)) throw new UsageError(`--wordlist ${wordlist}: no such file`);
    if (!statSync(wordlist).isFile()) throw new UsageError(`--wordlist ${wordlist}: not a regular file`);
  }
  if (mask !== undefined) {
    try {
      parseMask(mask, charsets.map((c) => c ?? ''));
    } catch (e) {
      throw new UsageError(`--mask ${mask}: ${(e as Error).message}`);
    }
  }
  const attack = wordlist !== undefined || mask !== undefined;
  const crack = attack ? await loadCrack() : undefined;

  const decrypt = await loadDecrypt(a, file);
  const data: AuditData = await collectAudit(file, { ...(decrypt ? { decrypt } : {}), signal });

  // --psk: checked against every HASH_R directly.
  const given = pskCandidates((a.psk as string[] | undefined) ?? []);
  let outcomes: Map<string, CrackOutcome> = checkGivenPsks(data.material, given);

  // Exports come before cracking, so an interrupted attack still leaves them.
  const exported: { format: 'psk-crack' | 'john'; file: string; lines: number }[] = [];
  const exportTo = (format: 'psk-crack' | 'john', path: string | undefined) => {
    if (path === undefined) return;
    const usable = data.material.filter((m) => m.hash && !m.problems.length);
    const lines: string[] = [];
    for (const m of data.material) {
      if (!usable.includes(m)) {
        process.stderr.write(`espy audit: ${m.id} (frames ${m.frames.msg1}/${m.frames.msg2}) not exported to ${path}: ${m.problems.join('; ') || 'not crackable'}\n`);
        continue;
      }
      const lim = toolLimits(m)[format === 'john' ? 'john' : 'pskCrack'];
      if (lim.length) {
        process.stderr.write(`espy audit: ${m.id} not exported to ${path}: ${lim.join('; ')} (espy audit --wordlist cracks it)\n`);
        continue;
      }
      lines.push(format === 'john' ? johnLine(m) : pskCrackLine(m));
    }
    try {
      writeFileSync(path, lines.map((l) => l + '\n').join(''));
    } catch (e) {
      throw new UsageError(`--export-${format} ${path}: ${(e as Error).message}`);
    }
    if (!lines.length) process.stderr.write(`espy audit: no Aggressive Mode PSK exchange to export; ${path} is empty\n`);
    exported.push({ format, file: path, lines: lines.length });
  };
  exportTo('psk-crack', a['export-psk-crack'] as string | undefined);
  exportTo('john', a['export-john'] as string | undefined);

  let crackSummary: CrackSummary | undefined;
  if (attack && crack) {
    const label = mask !== undefined ? `mask ${mask}` : `wordlist ${wordlist}${a.rules ? ' + rules' : ''}`;
    const crackable = data.material.filter((m) => m.hash && !m.problems.length && !outcomes.has(m.id));
    if (!crackable.length) {
      crackSummary = { attack: label, tried: 0, elapsedMs: 0, stopped: 'not-run', note: data.material.length ? 'no crackable material left' : 'no Aggressive Mode PSK exchange in the capture' };
    } else {
      const tty = process.stderr.isTTY === true && a.q !== true;
      let last = 0;
      const opts: CrackOptions = {
        ...(wordlist !== undefined ? { wordlist } : {}),
        ...(a.rules ? { rules: true } : {}),
        ...(mask !== undefined ? { mask, customCharsets: charsets.map((c) => c ?? '') } : {}),
        ...(threads !== undefined ? { threads } : {}),
        ...(maxTime !== undefined ? { maxTimeMs: maxTime * 1000 } : {}),
        ...(a.core ? { core: a.core as 'wasm' | 'js' | 'node' } : {}),
        signal,
        ...(tty
          ? {
              onProgress: (p: Progress) => {
                const now = Date.now();
                if (now - last < 200) return;
                last = now;
                process.stderr.write(`\r\x1b[K${progressLine(p)}`);
              },
            }
          : {}),
      };
      const t0 = Date.now();
      let res: Awaited<ReturnType<typeof crackMaterial>>;
      try {
        res = await crackMaterial(crack, data.material, outcomes, opts);
      } catch (e) {
        throw new UsageError(`cracking failed (${label}): ${(e as Error).message}`);
      } finally {
        if (tty) process.stderr.write('\r\x1b[K');
      }
      const { outcomes: o, results } = res;
      outcomes = o;
      const tried = results.reduce((n, r) => Math.max(n, r.tried), 0);
      const stops = results.map((r) => r.stopped);
      const stopped = signal.aborted || stops.includes('interrupted') ? 'interrupted' : stops.includes('time') ? 'time' : results.every((r) => outcomes.get(r.id)?.psk) ? 'found' : 'exhausted';
      crackSummary = { attack: label, tried, elapsedMs: Date.now() - t0, stopped };
      if (stopped === 'interrupted' || stopped === 'time') process.stderr.write(`espy audit: cracking stopped (${stopped}) after ${tried} candidates\n`);
    }
  }

  const decrypting = decrypt !== undefined;
  const sas = findingsOf(data, outcomes, showSecrets, decrypting);
  const report: ReportInput = { data, sas, outcomes, ...(crackSummary ? { crack: crackSummary } : {}), showSecrets, decrypting, exported };
  const fmt = a.T as 'text' | 'json' | 'sarif';
  const text = fmt === 'json' ? auditJson(report) : fmt === 'sarif' ? auditSarif(report, pkgVersion()) : auditText(report);
  await new Promise<void>((res) => (process.stdout.write(text) ? res() : process.stdout.once('drain', () => res())));

  if (data.error) {
    process.stderr.write(`espy audit: ${data.error}; the report covers the frames before it\n`);
    return AUDIT_EXIT.BAD_FILE;
  }
  const failOn = a['fail-on'] as Severity | undefined;
  const worst = worstSeverity(sas);
  if (failOn !== undefined && worst !== undefined && severityRank(worst) <= severityRank(failOn)) return AUDIT_EXIT.FAIL_ON;
  return AUDIT_EXIT.OK;
}

export { SEVERITIES };
