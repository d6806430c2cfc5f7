/**
 * `espy replay`: send a capture's frames again, either injected on an
 * interface with libpcap (`-i`, like tcpreplay + tcprewrite) or as IKE
 * messages over ordinary UDP sockets to a peer (`--to`, no privileges).
 */
import yargs from 'yargs';
import { PacketDissector, type Packet } from '../dissect/packet.js';
import { DEFAULT_PREFS } from '../dissect/layer.js';
import { LiveError, LIVE_EXIT } from '../live/errors.js';
import { injectFile } from '../replay/inject.js';
import { addIpMap, addMacMap, addPortMap, emptyRules, hasRules, type RewriteRules } from '../replay/rewrite.js';
import { formatStats } from '../replay/stats.js';
import type { Timing } from '../replay/timing.js';
import { ikeMessages, sideMessages, udpReplay } from '../replay/udp.js';
import { DEFAULT_FIELDS_OPTIONS } from './format/fields.js';
import { PacketPrinter } from './read.js';

class UsageError extends Error {}

const USAGE = `espy replay -r FILE (-i IFACE | --to HOST[:PORT]) [options]

Inject the frames of a capture on an interface with libpcap (-i; root or CAP_NET_RAW),
rewriting addresses and ports on the way, or replay one side's IKE messages over UDP
to a peer (--to; no privileges) and print what it answers.`;

/** `HOST`, `HOST:PORT`, `[v6]:PORT`, or a bare IPv6 address. */
export function parseHostPort(s: string): { host: string; port: number | undefined } | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] === undefined ? undefined : Number(v6[2]) };
  const colons = (s.match(/:/g) ?? []).length;
  if (colons > 1) return { host: s, port: undefined };
  const m = /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) return undefined;
  const port = m[2] === undefined ? undefined : Number(m[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { host: m[1]!, port };
}

function timingOf(a: Record<string, unknown>): Timing {
  const chosen = ['multiplier', 'pps', 'topspeed'].filter((k) => a[k] !== undefined && a[k] !== false);
  if (chosen.length > 1) throw new UsageError(`--${chosen.join(', --')}: choose one timing`);
  if (a.topspeed === true) return { kind: 'topspeed' };
  if (a.pps !== undefined) {
    const pps = Number(a.pps);
    if (!(pps > 0)) throw new UsageError(`--pps ${String(a.pps)}: expected a positive rate`);
    return { kind: 'pps', pps };
  }
  const x = a.multiplier === undefined ? 1 : Number(a.multiplier);
  if (!(x > 0)) throw new UsageError(`--multiplier ${String(a.multiplier)}: expected a positive factor`);
  return { kind: 'capture', multiplier: x };
}

function rulesOf(a: Record<string, unknown>): RewriteRules {
  const r = emptyRules();
  const each = (k: string, f: (spec: string) => string | undefined): void => {
    for (const spec of (a[k] as string[] | undefined) ?? []) {
      const err = f(spec);
      if (err) throw new UsageError(err);
    }
  };
  each('srcip', (s) => addIpMap(r.srcIp, s, '--srcip'));
  each('dstip', (s) => addIpMap(r.dstIp, s, '--dstip'));
  each('srcmac', (s) => addMacMap(r.srcMac, s, '--srcmac'));
  each('dstmac', (s) => addMacMap(r.dstMac, s, '--dstmac'));
  each('sport', (s) => addPortMap(r.sport, s, '--sport'));
  each('dport', (s) => addPortMap(r.dport, s, '--dport'));
  return r;
}

async function displayFilter(text: string | undefined): Promise<((p: Packet) => boolean) | undefined> {
  if (text === undefined) return undefined;
  const { compileFilter, formatFilterError } = await import('../filter/index.js');
  const f = compileFilter(text);
  if (!f.ok) throw new LiveError(`invalid display filter: ${formatFilterError(text, f.error, f.column)}`, LIVE_EXIT.INVALID_FILTER);
  return f.match;
}

export async function replayMain(argv: string[]): Promise<number> {
  let a: Record<string, unknown>;
  try {
    a = await yargs(argv)
      .scriptName('espy replay')
      .usage(USAGE)
      .parserConfiguration({ 'greedy-arrays': false })
      .option('r', { alias: 'read-file', type: 'string', describe: 'capture file to replay', demandOption: 'espy replay needs -r FILE' })
      .option('i', { type: 'string', describe: 'inject on this interface (name or number from espy -D)' })
      .option('to', { type: 'string', describe: 'send the IKE messages over UDP to HOST[:PORT] (default port 500)' })
      .option('natt-port', { type: 'number', describe: 'with --to: port for messages captured on UDP 4500 (default 4500)' })
      .option('side', { choices: ['initiator', 'responder'], default: 'initiator', describe: 'with --to: whose messages to send' })
      .option('wait', { type: 'boolean', describe: 'with --to: wait for an answer after each message' })
      .option('timeout', { type: 'number', default: 2000, describe: 'with --wait: milliseconds to wait for each answer' })
      .option('multiplier', { type: 'number', describe: 'replay at X times the captured speed' })
      .option('pps', { type: 'number', describe: 'replay at N packets per second' })
      .option('topspeed', { type: 'boolean', describe: 'replay as fast as possible' })
      .option('loop', { type: 'number', default: 1, describe: 'times through the file (0 = until Ctrl-C)' })
      .option('Y', { type: 'string', describe: 'send only frames matching this display filter' })
      .option('srcip', { type: 'string', array: true, describe: 'rewrite source address OLD=NEW (repeatable)' })
      .option('dstip', { type: 'string', array: true, describe: 'rewrite destination address OLD=NEW (repeatable)' })
      .option('srcmac', { type: 'string', array: true, describe: 'rewrite source MAC: NEW, or OLD=NEW' })
      .option('dstmac', { type: 'string', array: true, describe: 'rewrite destination MAC: NEW, or OLD=NEW' })
      .option('sport', { type: 'string', array: true, describe: 'rewrite source port OLD=NEW (repeatable)' })
      .option('dport', { type: 'string', array: true, describe: 'rewrite destination port OLD=NEW (repeatable)' })
      .option('T', { choices: ['text', 'jsonl'], default: 'text', describe: 'with --to: how to print the answers' })
      .option('V', { type: 'boolean', describe: 'with --to: print the protocol tree of each answer' })
      .option('q', { type: 'boolean', describe: 'no statistics at the end' })
      .help()
      .alias('h', 'help')
      .strict()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`espy replay: ${(e as Error).message}\n\nRun 'espy replay --help' for the options.\n`);
    return 1;
  }

  const stop = { stopped: false };
  const onSignal = (): void => {
    stop.stopped = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if ((a.i === undefined) === (a.to === undefined)) throw new UsageError('give either -i IFACE (inject) or --to HOST[:PORT] (UDP)');
    const timing = timingOf(a);
    const loop = Number(a.loop);
    if (!Number.isInteger(loop) || loop < 0) throw new UsageError(`--loop ${String(a.loop)}: expected a whole number`);
    const rules = rulesOf(a);
    const match = await displayFilter(a.Y as string | undefined);
    if (a.i !== undefined) {
      const s = await injectFile({ file: String(a.r), device: String(a.i), timing, loop, rules, match, stop });
      if (!a.q) process.stderr.write(formatStats(s, s.device));
      return s.failed > 0 && s.packets === 0 ? LIVE_EXIT.PCAP_ERROR : 0;
    }
    if (hasRules(rules)) throw new UsageError('--srcip/--dstip/--srcmac/--dstmac/--sport/--dport apply to -i (frames); --to sends IKE payloads only');
    if (loop !== 1) throw new UsageError('--loop applies to -i');
    const hp = parseHostPort(String(a.to));
    if (!hp) throw new UsageError(`--to ${String(a.to)}: expected HOST or HOST:PORT`);
    let msgs = sideMessages(await ikeMessages(String(a.r)), a.side as 'initiator' | 'responder');
    if (match) {
      // -Y with --to: filter the IKE messages by their frames' dissection (re-read for the packets).
      const keep = await framesMatching(String(a.r), match);
      msgs = msgs.filter((m) => keep.has(m.frame));
    }
    if (!msgs.length) throw new LiveError(`${String(a.r)}: no IKE messages from the ${String(a.side)} to replay`, LIVE_EXIT.INVALID_FILE);
    const printer = new PacketPrinter({
      format: a.T as 'text' | 'jsonl',
      fields: [],
      fieldsOptions: { ...DEFAULT_FIELDS_OPTIONS },
      tree: a.V === true,
      only: undefined,
      hex: false,
      quiet: false,
      flush: true,
      time: 'a',
      color: false,
      prefs: DEFAULT_PREFS,
      reassemble: false,
      stats: [],
    });
    const port = hp.port ?? 500;
    const nattPort = (a['natt-port'] as number | undefined) ?? 4500;
    // Answers come from the peer's ports: decode those as IKE / NAT-T (Decode As), whatever they are.
    const ikePorts = new Set(DEFAULT_PREFS.ikePorts);
    const nattPorts = new Set(DEFAULT_PREFS.nattPorts);
    if (port !== nattPort) {
      ikePorts.add(port);
      nattPorts.delete(port);
    }
    nattPorts.add(nattPort);
    ikePorts.delete(nattPort);
    const dissector = new PacketDissector({ prefs: { ...DEFAULT_PREFS, ikePorts, nattPorts }, reassemble: false });
    const s = await udpReplay({
      messages: msgs,
      host: hp.host,
      port,
      nattPort,
      timing,
      waitMs: a.wait ? Number(a.timeout) : undefined,
      onAnswer: (f) => printer.packet(dissector.dissect(f)),
      stop,
    });
    await printer.finish();
    if (!a.q) {
      process.stderr.write(formatStats(s, `udp ${hp.host}:${port}${msgs.some((m) => m.natt) ? ` and :${nattPort}` : ''}`));
      process.stderr.write(`\tAnswers received:          ${s.answers}${a.wait ? `\n\tNo answer (timeout):       ${s.timeouts}` : ''}\n`);
    }
    return s.failed > 0 && s.packets === 0 ? LIVE_EXIT.PCAP_ERROR : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`espy replay: ${e.message}\n`);
      return 1;
    }
    if (e instanceof LiveError) {
      process.stderr.write(`espy replay: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function framesMatching(file: string, match: (p: Packet) => boolean): Promise<Set<number>> {
  const { openCapture } = await import('../capture/index.js');
  const d = new PacketDissector();
  const keep = new Set<number>();
  for await (const batch of await openCapture(file)) for (const f of batch) if (match(d.dissect(f))) keep.add(f.number);
  return keep;
}
