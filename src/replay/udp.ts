/**
 * `espy replay -r FILE --to HOST[:PORT]`: send one side's IKE messages from
 * a capture over ordinary UDP sockets (no privileges needed) and show what
 * the peer answers.
 *
 * Messages the capture carried on a NAT-T port are sent from a second socket
 * (the port "floats" as in RFC 3947) with the 4-byte non-ESP marker, so the
 * peer sees the same exchange shape as in the capture.
 */
import * as dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { openCapture, type Frame } from '../capture/index.js';
import { PacketDissector, type Packet } from '../dissect/packet.js';
import type { UdpRecord } from '../dissect/udp.js';
import { LiveError, LIVE_EXIT } from '../live/errors.js';
import { fold, parseIp, sum16 } from './rewrite.js';
import { newStats, type ReplayStats } from './stats.js';
import { frameSeconds, Pacer, type Timing } from './timing.js';

export interface IkeMessage {
  /** Frame number in the capture. */
  frame: number;
  /** Capture time, seconds. */
  ts: number;
  /** The ISAKMP message without the non-ESP marker. */
  payload: Uint8Array;
  /** It was sent to a NAT-T port (and so carried the marker). */
  natt: boolean;
  /** Source address as text, to tell the sides apart. */
  src: string;
}

/** Every ISAKMP message of a capture, in order (IP fragments are reassembled by the dissector). */
export async function ikeMessages(file: string, nattPorts: ReadonlySet<number> = new Set([4500])): Promise<IkeMessage[]> {
  let reader;
  try {
    reader = await openCapture(file);
  } catch (e) {
    throw new LiveError(e instanceof Error ? e.message : String(e), LIVE_EXIT.INVALID_FILE);
  }
  const d = new PacketDissector();
  const out: IkeMessage[] = [];
  try {
    for await (const batch of reader) {
      for (const f of batch) {
        const p = d.dissect(f);
        const m = ikeOf(p, f, nattPorts);
        if (m) out.push(m);
      }
    }
  } catch (e) {
    throw new LiveError(e instanceof Error ? e.message : String(e), LIVE_EXIT.INVALID_FILE);
  }
  return out;
}

function ikeOf(p: Packet, f: Frame, nattPorts: ReadonlySet<number>): IkeMessage | undefined {
  const i = p.layers.findIndex((l) => l.spec.id === 'isakmp');
  if (i < 0) return undefined;
  const isakmp = p.layers[i]!;
  const udp = [...p.layers.slice(0, i)].reverse().find((l) => l.spec.id === 'udp');
  const ip = [...p.layers.slice(0, i)].reverse().find((l) => l.spec.id === 'ip' || l.spec.id === 'ipv6');
  const ports = udp?.record as UdpRecord | undefined;
  // Either end on a NAT-T port: a responder behind no NAT answers from 4500 to the initiator's mapped port.
  const natt = [ports?.srcport, ports?.dstport].some((p) => p !== undefined && nattPorts.has(p));
  const src = (ip?.record as { src?: Uint8Array } | undefined)?.src;
  return {
    frame: f.number,
    ts: frameSeconds(f),
    payload: isakmp.data.slice(isakmp.offset, isakmp.offset + isakmp.length),
    natt,
    src: src ? Array.from(src).join('.') : '',
  };
}

/** The messages one side sent: the initiator is whoever sent the first ISAKMP message. */
export function sideMessages(all: readonly IkeMessage[], side: 'initiator' | 'responder'): IkeMessage[] {
  const first = all[0];
  if (!first) return [];
  return all.filter((m) => (m.src === first.src) === (side === 'initiator'));
}

export const NON_ESP_MARKER = new Uint8Array(4);

/** The bytes of one datagram as sent: the marker first on NAT-T. */
export function datagram(m: IkeMessage, marker: boolean): Uint8Array {
  if (!marker) return m.payload;
  const b = new Uint8Array(4 + m.payload.length);
  b.set(m.payload, 4);
  return b;
}

/**
 * A received datagram as a Frame (raw IP, LINKTYPE 101) with a synthetic
 * IPv4/IPv6 + UDP header, so the usual pipeline dissects and prints it.
 */
export function synthesizeFrame(number: number, payload: Uint8Array, src: { address: string; port: number }, dst: { address: string; port: number }): Frame {
  const s = parseIp(src.address) ?? new Uint8Array(4);
  const d = parseIp(dst.address) ?? new Uint8Array(s.length);
  const v6 = s.length === 16;
  const ipLen = v6 ? 40 : 20;
  const udpLen = 8 + payload.length;
  const b = new Uint8Array(ipLen + udpLen);
  const v = new DataView(b.buffer);
  if (v6) {
    b[0] = 0x60;
    v.setUint16(4, udpLen);
    b[6] = 17;
    b[7] = 64;
    b.set(s, 8);
    b.set(d, 24);
  } else {
    b[0] = 0x45;
    v.setUint16(2, ipLen + udpLen);
    b[6] = 0x40; // DF
    b[8] = 64;
    b[9] = 17;
    b.set(s, 12);
    b.set(d, 16);
    v.setUint16(10, ~fold(sum16(b, 0, 20)) & 0xffff);
  }
  v.setUint16(ipLen, src.port);
  v.setUint16(ipLen + 2, dst.port);
  v.setUint16(ipLen + 4, udpLen);
  b.set(payload, ipLen + 8);
  // UDP checksum over the pseudo-header, so the dissector's checksum check passes.
  let acc = sum16(s, 0, s.length) + sum16(d, 0, d.length) + 17 + udpLen;
  acc = sum16(b, ipLen, b.length, acc);
  let c = ~fold(acc) & 0xffff;
  if (c === 0) c = 0xffff;
  v.setUint16(ipLen + 6, c);
  const now = Date.now();
  return {
    number,
    tsSec: Math.floor(now / 1000),
    tsNsec: (now % 1000) * 1e6,
    linkType: 101,
    caplen: b.length,
    origLen: b.length,
    data: b,
    interfaceId: 0,
    fileOffset: 0,
  };
}

export interface UdpReplayOptions {
  messages: readonly IkeMessage[];
  host: string;
  /** Port for messages that went to 500 in the capture. */
  port: number;
  /** Port for messages that went to a NAT-T port. */
  nattPort: number;
  timing: Timing;
  /** Wait for an answer after each message, at most this many ms. */
  waitMs?: number;
  /** Every datagram that comes back, as a synthesized Frame. */
  onAnswer: (f: Frame) => void | Promise<void>;
  stop?: { stopped: boolean };
}

export interface UdpReplayStats extends ReplayStats {
  answers: number;
  timeouts: number;
}

export async function udpReplay(o: UdpReplayOptions): Promise<UdpReplayStats> {
  const type = isIPv6(o.host) ? 'udp6' : 'udp4';
  const stats: UdpReplayStats = { ...newStats(), answers: 0, timeouts: 0 };
  const sockets = [dgram.createSocket(type), dgram.createSocket(type)];
  let answerWaiter: (() => void) | undefined;
  let frameNo = 0;
  let printing: Promise<void> = Promise.resolve();
  for (const sock of sockets) {
    sock.on('message', (msg, rinfo) => {
      stats.answers++;
      const local = sock.address();
      const f = synthesizeFrame(++frameNo, new Uint8Array(msg), { address: rinfo.address, port: rinfo.port }, { address: local.address === '0.0.0.0' || local.address === '::' ? (type === 'udp4' ? '0.0.0.0' : '::') : local.address, port: local.port });
      printing = printing.then(() => o.onAnswer(f));
      answerWaiter?.();
    });
    sock.on('error', () => stats.failed++);
  }
  await Promise.all(sockets.map((s) => new Promise<void>((res) => s.bind(0, res))));
  const pacer = new Pacer(o.timing);
  pacer.startLoop();
  const t0 = process.hrtime.bigint();
  try {
    for (const m of o.messages) {
      if (o.stop?.stopped) break;
      await pacer.wait(m.ts);
      const dst = m.natt ? o.nattPort : o.port;
      // One port for both kinds can only be told apart by the marker: then every message carries it.
      const bytes = datagram(m, m.natt || dst === 4500 || o.port === o.nattPort);
      const sock = sockets[m.natt ? 1 : 0]!;
      const before = stats.answers;
      const answered = o.waitMs !== undefined ? new Promise<boolean>((res) => {
        const t = setTimeout(() => res(false), o.waitMs);
        answerWaiter = () => {
          if (stats.answers > before) {
            clearTimeout(t);
            res(true);
          }
        };
      }) : undefined;
      const err = await new Promise<Error | null>((res) => sock.send(bytes, dst, o.host, (e) => res(e)));
      if (err) stats.failed++;
      else {
        stats.packets++;
        stats.bytes += bytes.length;
      }
      if (answered && !err && !(await answered)) stats.timeouts++;
      answerWaiter = undefined;
    }
  } finally {
    stats.seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    await printing;
    for (const s of sockets) s.close();
  }
  return stats;
}
