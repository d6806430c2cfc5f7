/**
 * `espy`: read a capture and print it the way tshark would, with IPsec-aware
 * dissection. Flags are spelled as tshark spells them.
 *
 * Exit codes (Wireshark's ws_exit_codes.h): 0 ok, 1 bad option, 3 bad or
 * unreadable capture file, 4 bad display filter (-Y).
 */
import yargs from 'yargs';
import { runRead, type ReadOptions } from './read.js';
import { fieldRegistry, allNoteDefs } from '../dissect/registry.js';
import { columnFields } from './format/columns.js';
import { applyFieldsOption, DEFAULT_FIELDS_OPTIONS, type FieldsOptions } from './format/fields.js';
import type { FieldDef } from '../core/fields.js';
import { DEFAULT_PREFS, type DissectPrefs } from '../dissect/layer.js';
import type { TimeFormat } from './format/time.js';
import { makeStats, STATS, type StatsCollector } from './stats.js';
import { compileFilter, formatFilterError } from '../filter/index.js';
import { runTuiFromCli, wantsTui } from './tui.js';
import { DECRYPT_OPTIONS, engineFromArgs, KeyLoadError } from './decrypt-options.js';

export const EXIT = { OK: 0, INVALID_OPTION: 1, INVALID_FILE: 3, BAD_FILTER: 4 } as const;

class UsageError extends Error {}

/** `-Y` did not compile: its own exit code (WS_EXIT_INVALID_FILTER). */
class BadFilter extends Error {}

function die(msg: string): never {
  throw new UsageError(msg);
}

/** Look up `-e` fields in the field registry plus the `_ws.col.*` columns. */
export function resolveField(id: string): FieldDef | undefined {
  return fieldRegistry().get(id) ?? Object.values(columnFields).find((f) => f.id === id);
}

/** `-d udp.port==4501,isakmp` (Decode As) applied to the prefs. */
function applyDecodeAs(prefs: { ikePorts: Set<number>; nattPorts: Set<number>; iketcpPorts: Set<number> }, spec: string): void {
  // `tcp.port==N,iketcp`: IKE and ESP over TCP (RFC 9329) on TCP port N.
  const t = /^tcp\.port==(\d+),iketcp$/.exec(spec.trim());
  if (t) {
    const port = Number(t[1]);
    if (port < 1 || port > 65535) die(`-d ${spec}: port out of range`);
    prefs.iketcpPorts.add(port);
    return;
  }
  const m = /^udp\.port==(\d+),(isakmp|udpencap|natt)$/.exec(spec.trim());
  if (!m) die(`-d ${spec}: expected udp.port==PORT,isakmp, udp.port==PORT,udpencap or tcp.port==PORT,iketcp`);
  const port = Number(m[1]);
  if (port < 1 || port > 65535) die(`-d ${spec}: port out of range`);
  prefs.ikePorts.delete(port);
  prefs.nattPorts.delete(port);
  (m[2] === 'isakmp' ? prefs.ikePorts : prefs.nattPorts).add(port);
}

/** `-o name:value` for espy's dissection preferences. */
function applyPref(prefs: { checkIpChecksum: boolean; checkL4Checksum: boolean }, reasm: { on: boolean }, spec: string): void {
  const i = spec.indexOf(':');
  if (i < 0) die(`-o ${spec}: expected name:value`);
  const name = spec.slice(0, i);
  const v = spec.slice(i + 1).toUpperCase();
  if (v !== 'TRUE' && v !== 'FALSE') die(`-o ${spec}: expected TRUE or FALSE`);
  const on = v === 'TRUE';
  switch (name) {
    case 'ip.check_checksum':
      prefs.checkIpChecksum = on;
      break;
    case 'udp.check_checksum':
    case 'tcp.check_checksum':
      prefs.checkL4Checksum = on;
      break;
    case 'ip.defragment':
    case 'ipv6.defragment':
      reasm.on = on;
      break;
    default:
      die(`-o ${spec}: unknown preference (ip.check_checksum, udp.check_checksum, ip.defragment)`);
  }
}

export async function main(argv: string[]): Promise<number> {
  // `espy replay …` has its own options (src/cli/replay.ts), loaded only when used.
  if (argv[0] === 'replay') return (await import('./replay.js')).replayMain(argv.slice(1));
  // Subcommands with their own options, each in its own module.
  if (argv[0] === 'audit') return (await import('./audit.js')).auditMain(argv.slice(1));
  if (argv[0] === 'check') return (await import('./check.js')).checkMain(argv.slice(1));
  if (argv[0] === 'keys') return (await import('./keys.js')).keysMain(argv.slice(1));
  // `espy tui …`: the same options, always the terminal UI (src/cli/tui.ts).
  const forceTui = argv[0] === 'tui';
  if (forceTui) argv = argv.slice(1);
  let parsed: Record<string, unknown>;
  try {
    parsed = await yargs(argv)
      .scriptName('espy')
      .usage('$0 [-r] FILE [options]\n\nRead a pcap/pcapng capture (gzip or - for stdin) and dissect IKE, ESP, AH and NAT-T.')
      .command('$0 [file]', false)
      .parserConfiguration({ 'greedy-arrays': false })
      .option('r', { alias: 'read-file', type: 'string', describe: 'capture file to read (- for stdin)' })
      .option('c', { type: 'number', describe: 'stop after reading N packets' })
      .option('V', { type: 'boolean', describe: 'print the protocol tree of each packet' })
      .option('O', { type: 'string', describe: 'with -V, expand only these protocols (comma list)' })
      .option('x', { type: 'boolean', describe: 'print a hex and ASCII dump of each packet' })
      .option('T', { choices: ['text', 'json', 'jsonl', 'fields'], describe: 'output format' })
      .option('e', { type: 'string', array: true, describe: 'field to print with -T fields|json (repeatable)' })
      .option('E', { type: 'string', array: true, describe: 'fields option: header=y|n, separator=/t|/s|C, quote=d|s|n, occurrence=f|l|a, aggregator=C' })
      .option('t', { choices: ['r', 'a', 'ad', 'd', 'e', 'u', 'ud'], default: 'r', describe: 'time format: relative, absolute, absolute with date, delta, epoch, UTC' })
      .option('q', { type: 'boolean', describe: 'quiet: no per-packet output' })
      .option('l', { type: 'boolean', describe: 'flush output after each packet' })
      .option('d', { type: 'string', array: true, describe: 'decode as: udp.port==PORT,isakmp|udpencap or tcp.port==PORT,iketcp' })
      .option('o', { type: 'string', array: true, describe: 'preference name:value (ip.check_checksum, udp.check_checksum, ip.defragment)' })
      .option('z', { type: 'string', array: true, describe: 'statistics printed after the packets (e.g. ike,sessions; -z help lists them)' })
      .option('G', { choices: ['fields', 'notes'], describe: 'print a glossary of fields or expert notes and exit' })
      .option('Y', { type: 'string', describe: "display filter: print only matching packets (e.g. 'isakmp.exchangetype == 34')" })
      .option('D', { type: 'boolean', describe: 'list the capture interfaces and exit' })
      .option('i', { type: 'string', describe: 'capture live on this interface (name or number from -D)' })
      .option('f', { type: 'string', describe: "capture filter (libpcap syntax; default: udp port 500 or udp port 4500 or esp or ah; -f '' for all)" })
      .option('a', { type: 'string', array: true, describe: 'autostop a live capture: duration:SECONDS or packets:N' })
      .option('w', { type: 'string', describe: 'write the live capture to this pcapng file (packets are then printed only with -P)' })
      .option('P', { type: 'boolean', describe: 'print packets while writing with -w' })
      .options(DECRYPT_OPTIONS)
      .option('export-decrypted', { type: 'string', describe: 'write the decrypted inner packets to this pcap (LINKTYPE_RAW)' })
      .option('export-keys', { type: 'string', describe: 'write the keys espy knows or derived as Wireshark key tables into this directory (secrets!)' })
      .option('color', { choices: ['auto', 'always', 'never'], default: 'auto', describe: 'colour output (auto: only on a terminal, not with NO_COLOR)' })
      .version()
      .alias('v', 'version')
      .help()
      .alias('h', 'help')
      .strict()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`espy: ${(e as Error).message}\n\nRun 'espy --help' for the options.\n`);
    return EXIT.INVALID_OPTION;
  }

  try {
    if (parsed.G) return glossary(parsed.G as 'fields' | 'notes');
    // `-z help` lists the statistics without needing a capture file, like tshark's `-z help`.
    if (((parsed.z as string[] | undefined) ?? []).includes('help')) {
      process.stdout.write(STATS.map(([n, d]) => `${n}\t${d}`).join('\n') + '\n');
      return EXIT.OK;
    }
    if (parsed.D) return (await import('./live.js')).listInterfacesMain();
    if (parsed.i !== undefined) {
      const live = await import('./live.js');
      const l = live.liveOptions(parsed);
      if (typeof l === 'string') die(l);
      const ro = buildReadOptions(parsed);
      try {
        const engine = engineFromArgs(parsed);
        if (forceTui) {
          // `espy tui -i IFACE`: the list grows as packets arrive (src/tui/run.tsx).
          const filter = typeof parsed.Y === 'string' ? parsed.Y : undefined;
          return await runTuiFromCli({ file: ro.file, prefs: ro.prefs, reassemble: ro.reassemble, time: ro.time, color: parsed.color as 'auto' | 'always' | 'never', live: { device: l.device, filter: l.filter }, ...(filter ? { filter } : {}), ...(engine ? { keys: engine.keys } : {}), ...(parsed['show-secrets'] ? { showSecrets: true } : {}) });
        }
        if (engine) {
          engine.setMode('both'); // a live capture is read once
          ro.decrypt = engine;
        }
      } catch (e) {
        if (e instanceof KeyLoadError) die(e.message);
        throw e;
      }
      return await live.runLive(ro, l);
    }
    const opts = buildReadOptions(parsed);
    try {
      const engine = engineFromArgs(parsed);
      if (engine) opts.decrypt = engine;
    } catch (e) {
      if (e instanceof KeyLoadError) die(e.message);
      throw e;
    }
    if ((opts.exportDecrypted || opts.exportKeys) && !opts.decrypt) die('--export-decrypted and --export-keys need keys (--keys, --psk or --psk-file)');
    if (forceTui || wantsTui(parsed)) {
      const filter = typeof parsed.Y === 'string' ? parsed.Y : undefined;
      return await runTuiFromCli({ file: opts.file, prefs: opts.prefs, reassemble: opts.reassemble, time: opts.time, color: parsed.color as 'auto' | 'always' | 'never', ...(filter ? { filter } : {}), ...(opts.decrypt ? { keys: opts.decrypt.keys } : {}), ...(parsed['show-secrets'] ? { showSecrets: true } : {}) });
    }
    return await runRead(opts);
  } catch (e) {
    if (e instanceof BadFilter) {
      process.stderr.write(`espy: -Y: ${e.message}\n`);
      return EXIT.BAD_FILTER;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`espy: ${e.message}\n`);
      return EXIT.INVALID_OPTION;
    }
    throw e;
  }
}

function buildReadOptions(a: Record<string, unknown>): ReadOptions {
  // A live capture (-i) has no file; src/cli/live.ts ignores it.
  const file = (a.r as string | undefined) ?? (a.file as string | undefined) ?? (a.i !== undefined ? 'live' : undefined);
  if (!file) die('no capture file given (espy -r FILE, or - for stdin)');
  if (a.r !== undefined && a.file !== undefined) die(`two capture files given (${String(a.r)} and ${String(a.file)})`);
  const format = ((a.T as string | undefined) ?? 'text') as ReadOptions['format'];
  const fieldIds = (a.e as string[] | undefined) ?? [];
  const fields: FieldDef[] = [];
  for (const id of fieldIds) {
    const f = resolveField(id);
    if (!f) die(`-e ${id}: no such field (espy -G fields lists them)`);
    fields.push(f);
  }
  if (format === 'fields' && fields.length === 0) die('-T fields needs at least one -e FIELD');
  if (fields.length && format !== 'fields' && format !== 'json' && format !== 'jsonl') die('-e needs -T fields, -T json or -T jsonl');
  const fieldsOptions: FieldsOptions = { ...DEFAULT_FIELDS_OPTIONS };
  for (const spec of (a.E as string[] | undefined) ?? []) {
    const err = applyFieldsOption(fieldsOptions, spec);
    if (err) die(err);
  }
  const stats: StatsCollector[] = [];
  for (const z of (a.z as string[] | undefined) ?? []) {
    const s = makeStats(z);
    if (typeof s === 'string') die(s);
    stats.push(s);
  }
  const count = a.c as number | undefined;
  if (count !== undefined && (!Number.isInteger(count) || count < 0)) die(`-c ${String(count)}: expected a whole number`);
  const prefs = {
    ikePorts: new Set(DEFAULT_PREFS.ikePorts),
    nattPorts: new Set(DEFAULT_PREFS.nattPorts),
    iketcpPorts: new Set(DEFAULT_PREFS.iketcpPorts),
    checkIpChecksum: DEFAULT_PREFS.checkIpChecksum,
    checkL4Checksum: DEFAULT_PREFS.checkL4Checksum,
  };
  const reasm = { on: true };
  for (const d of (a.d as string[] | undefined) ?? []) applyDecodeAs(prefs, d);
  for (const o of (a.o as string[] | undefined) ?? []) applyPref(prefs, reasm, o);
  const colorOpt = a.color as 'auto' | 'always' | 'never';
  const color = colorOpt === 'always' || (colorOpt === 'auto' && process.stdout.isTTY === true && !process.env.NO_COLOR);
  const only = a.O ? new Set(String(a.O).split(',').map((s) => s.trim()).filter(Boolean)) : undefined;
  return {
    file,
    format,
    fields,
    fieldsOptions,
    count,
    tree: a.V === true,
    only,
    hex: a.x === true,
    quiet: a.q === true,
    flush: a.l === true,
    time: a.t as TimeFormat,
    color,
    prefs: prefs as DissectPrefs,
    reassemble: reasm.on,
    stats,
    filter: displayFilter(a.Y),
    showSecrets: a['show-secrets'] === true,
    ...(typeof a['export-decrypted'] === 'string' ? { exportDecrypted: a['export-decrypted'] } : {}),
    ...(typeof a['export-keys'] === 'string' ? { exportKeys: a['export-keys'] } : {}),
  };
}

/** `-Y FILTER` compiled once; undefined when absent or blank (every packet passes). */
function displayFilter(y: unknown): ReadOptions['filter'] {
  if (y === undefined) return undefined;
  const text = String(y);
  const f = compileFilter(text);
  if (!f.ok) throw new BadFilter(formatFilterError(text, f.error, f.column));
  return text.trim() ? f.match : undefined;
}

/** `-G fields` / `-G notes`: tab-separated glossaries, like `tshark -G fields`. */
function glossary(kind: 'fields' | 'notes'): number {
  const lines: string[] = [];
  if (kind === 'fields') {
    for (const f of [...fieldRegistry().all(), ...Object.values(columnFields)]) {
      lines.push(['F', f.label, f.id, f.type, f.values ? f.values.name : '', f.rfc ?? ''].join('\t'));
    }
  } else {
    for (const n of allNoteDefs()) lines.push([n.id, n.group, n.severity, n.summary].join('\t'));
  }
  process.stdout.write(lines.join('\n') + '\n');
  return EXIT.OK;
}

