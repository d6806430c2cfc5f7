/**
 * `-z ike,flow`: an IKE-aware ladder diagram, like tshark's
 * `-z flow,any,network` but one column per IKE peer endpoint (IP:port) and
 * each arrow labelled with the exchange and its payloads in RFC notation
 * (`IKE_SA_INIT MID=0 req  HDR, SA, KE, Ni, N(NAT_DETECTION_SOURCE_IP)`).
 *
 * ESP/AH is summarized, not drawn per packet: one `===>` line per flow
 * burst, a burst being the packets of one flow between two IKE messages.
 * Bulk traffic would otherwise bury the handful of IKE arrows the view is
 * for, and the line count stays bounded by the IKE message count, not the
 * traffic volume (memory stays flat on a large capture). NAT keepalives are
 * counted into the burst lines the same way.
 */
import type { Packet } from '../dissect/packet.js';
import type { PacketEvent } from './sessions.js';
import { SessionBuilder } from './sessions.js';
import type { PacketTime } from './observe.js';

interface Burst {
  first: PacketTime;
  last: PacketTime;
  src: string;
  dst: string;
  label: string;
  spi?: number;
  packets: number;
  seqMin?: number;
  seqMax?: number;
}

export interface LadderLine {
  readonly first: PacketTime;
  readonly last: PacketTime;
  readonly src: string;
  readonly dst: string;
  readonly kind: 'ike' | 'esp' | 'keepalive';
  readonly label: string;
}

/** Lines kept; beyond this the ladder says how many were left out (a flood must not exhaust memory). */
const MAX_LINES = 100_000;
const COL = 22;

export class LadderBuilder {
  readonly sessions: SessionBuilder;
  private readonly lines: LadderLine[] = [];
  private dropped = 0;
  private readonly open = new Map<string, Burst>();
  private start: number | undefined;

  constructor(sessions: SessionBuilder = new SessionBuilder()) {
    this.sessions = sessions;
  }

  add(p: Packet): void {
    const t = p.frame.tsSec + p.frame.tsNsec / 1e9;
    this.start ??= t;
    const ev = this.sessions.add(p);
    if (ev) this.event(ev);
  }

  /** Feed an event from a SessionBuilder the caller drives itself. */
  event(ev: PacketEvent): void {
    if (ev.kind === 'ike') {
      this.flush();
      const m = ev.message;
      const role = m.response ? 'resp' : 'req';
      const marks = [m.retransmission ? '[retransmission]' : '', m.retry ? '[retry]' : '', m.fragment ? `[fragment ${m.fragment}]` : ''].filter(Boolean).join(' ');
      const mid = m.messageId > 0xffff ? `0x${m.messageId.toString(16)}` : String(m.messageId);
      this.push({ first: m.time, last: m.time, src: m.src, dst: m.dst, kind: 'ike', label: `${m.exchangeName} MID=${mid} ${role}  ${m.label}${marks ? '  ' + marks : ''}` });
      return;
    }
    const key = ev.kind === 'sa' ? ev.flowKey : `ka:${ev.src}>${ev.dst}`;
    let b = this.open.get(key);
    if (!b) {
      const label = ev.kind === 'sa' ? `${ev.encapsulation} SPI 0x${ev.obs.spi.toString(16).padStart(8, '0')}` : 'NAT-keepalive';
      b = { first: ev.time, last: ev.time, src: ev.src, dst: ev.dst, label, packets: 0 };
      this.open.set(key, b);
    }
    b.last = ev.time;
    b.packets++;
    if (ev.kind === 'sa' && ev.obs.seq !== undefined) {
      b.seqMin = Math.min(b.seqMin ?? ev.obs.seq, ev.obs.seq);
      b.seqMax = Math.max(b.seqMax ?? ev.obs.seq, ev.obs.seq);
    }
  }

  private flush(): void {
    const bursts = [...this.open.values()].sort((a, b) => a.first.frame - b.first.frame);
    this.open.clear();
    for (const b of bursts) {
      const seq = b.seqMin !== undefined ? ` seq ${b.seqMin}–${b.seqMax}` : '';
      const frames = b.first.frame === b.last.frame ? '' : ` frames ${b.first.frame}–${b.last.frame}`;
      this.push({ first: b.first, last: b.last, src: b.src, dst: b.dst, kind: b.label === 'NAT-keepalive' ? 'keepalive' : 'esp', label: `${b.label} ×${b.packets}${seq}${frames}` });
    }
  }

  private push(l: LadderLine): void {
    if (this.lines.length < MAX_LINES) this.lines.push(l);
    else this.dropped++;
  }

  /** Lines in order (open bursts closed). */
  result(): { lines: readonly LadderLine[]; columns: readonly string[]; dropped: number; start: number } {
    this.flush();
    return { lines: this.lines, columns: columnsOf(this.lines), dropped: this.dropped, start: this.start ?? 0 };
  }

  render(format: 'text' | 'json'): string {
    const r = this.result();
    if (format === 'json') {
      return (
        JSON.stringify(
          {
            ladder: {
              columns: r.columns,
              lines: r.lines.map((l) => ({ frame: l.first.frame, time: l.first.epoch, last_frame: l.last.frame, src: l.src, dst: l.dst, kind: l.kind, label: l.label })),
              dropped: r.dropped,
            },
          },
          null,
          1,
        ) + '\n'
      );
    }
    return renderLadder(r.lines, r.columns, r.start, r.dropped);
  }
}

const addrOf = (ep: string) => (ep.startsWith('[') ? ep.slice(1, ep.indexOf(']')) : ep.includes(':') && ep.split(':').length === 2 ? ep.split(':')[0]! : ep);

/** Columns: IKE endpoints in order of first appearance; raw ESP/AH (no port) joins its address's first column. */
function columnsOf(lines: readonly LadderLine[]): string[] {
  const cols: string[] = [];
  const add = (ep: string) => {
    if (cols.includes(ep)) return;
    if (ep === addrOf(ep) && cols.some((c) => addrOf(c) === ep)) return;
    cols.push(ep);
  };
  for (const l of lines) if (l.kind === 'ike') add(l.src), add(l.dst);
  for (const l of lines) if (l.kind !== 'ike') add(l.src), add(l.dst);
  return cols;
}

function colIndex(cols: readonly string[], ep: string): number {
  const i = cols.indexOf(ep);
  return i >= 0 ? i : cols.findIndex((c) => addrOf(c) === addrOf(ep));
}

export function renderLadder(lines: readonly LadderLine[], cols: readonly string[], start: number, dropped: number): string {
  const out: string[] = [];
  const rule = '='.repeat(12 + 8 + cols.length * COL + 40);
  out.push(rule, 'IKE flow (espy -z ike,flow): one column per peer endpoint; ESP/AH/keepalives summarized per burst', rule);
  const head = ' '.repeat(12) + ' '.repeat(8) + cols.map((c) => c.slice(0, COL - 1).padEnd(COL)).join('');
  out.push(head);
  for (const l of lines) {
    const a = colIndex(cols, l.src);
    const b = colIndex(cols, l.dst);
    const cells: string[] = Array.from({ length: cols.length * COL }, (_, i) => (i % COL === 0 ? "|" : " "));
    if (a >= 0 && b >= 0 && a !== b) {
      const lo = Math.min(a, b) * COL;
      const hi = Math.max(a, b) * COL;
      const ch = l.kind === 'ike' ? '-' : l.kind === 'esp' ? '=' : '.';
      for (let i = lo + 1; i < hi; i++) cells[i] = ch;
      if (a < b) cells[hi - 1] = '>';
      else cells[lo + 1] = '<';
    }
    const t = (l.first.t - start).toFixed(6).padStart(11);
    out.push(`${t} ${String(l.first.frame).padStart(7)} ${cells.join('').trimEnd().padEnd(cols.length * COL - COL + 1)}  ${l.label}`);
  }
  if (dropped) out.push(`… ${dropped} more lines not kept`);
  if (!lines.length) out.push('No IKE, ESP or AH packets.');
  out.push(rule);
  return out.join('\n') + '\n';
}
