/**
 * The ESP/AH SA store: exact SAs (from IKE derivation, logs, xfrm dumps, tcpdump
 * secrets) looked up by protocol, SPI and destination, and wildcard entries from
 * Wireshark's esp_sa (`*`, per-digit `*`, CIDR) tried in file order after them.
 *
 * An SPI is chosen by the receiver (RFC 4301 §4.1), so (SPI, destination) names an
 * SA; the source is only used to break ties when a key file gives it.
 */
import type { ChildSa, ChildSaCounters, ChildSaKeyEntry } from './types.js';

const key = (protocol: string, spi: number) => `${protocol}:${spi >>> 0}`;

export class ChildSaStore {
  private readonly exact = new Map<string, ChildSa[]>();
  private readonly patterns: ChildSaKeyEntry[] = [];
  private readonly counters = new Map<ChildSa, ChildSaCounters>();
  /** SAs materialised from pattern entries, per (protocol, spi, src, dst), so each packet of a flow shares one. */
  private readonly fromPattern = new Map<string, ChildSa>();

  /** Add an SA with an exact SPI. A second SA with the same protocol, SPI and addresses replaces nothing: the first one wins (key files before derivation). */
  add(sa: ChildSa): void {
    const k = key(sa.protocol, sa.spi);
    const list = this.exact.get(k);
    if (!list) {
      this.exact.set(k, [sa]);
      return;
    }
    if (list.some((o) => o.src === sa.src && o.dst === sa.dst && sameKeys(o, sa))) return;
    list.push(sa);
  }

  /** Add a key-file entry; exact SPIs go to the exact table, patterns are kept for matching. */
  addEntry(e: ChildSaKeyEntry): void {
    if (typeof e.spi === 'number') {
      const exact = (a: string | undefined) => (a && !/[*/]/.test(a) ? a : undefined);
      this.add(saFromEntry(e, e.spi, exact(e.src), exact(e.dst)));
      if ((e.src && /[*/]/.test(e.src)) || (e.dst && /[*/]/.test(e.dst))) this.patterns.push(e);
    } else this.patterns.push(e);
  }

  /**
   * The SA for a packet: exact SPI with matching destination (and source when both
   * sides name one), then an exact SPI without addresses, then the first matching pattern.
   */
  lookup(protocol: 'esp' | 'ah', spi: number, src: string | undefined, dst: string | undefined): ChildSa | undefined {
    const list = this.exact.get(key(protocol, spi));
    if (list) {
      let loose: ChildSa | undefined;
      for (const sa of list) {
        const dstOk = sa.dst === undefined || dst === undefined || sa.dst === dst;
        const srcOk = sa.src === undefined || src === undefined || sa.src === src;
        if (dstOk && srcOk) {
          if (sa.dst !== undefined) return sa;
          loose ??= sa;
        }
      }
      if (loose) return loose;
    }
    for (const e of this.patterns) {
      if (e.protocol !== protocol) continue;
      if (!spiMatches(e.spi, spi) || !addrMatches(e.src, src) || !addrMatches(e.dst, dst)) continue;
      const k = `${protocol}:${spi}:${src ?? ''}:${dst ?? ''}:${this.patterns.indexOf(e)}`;
      let sa = this.fromPattern.get(k);
      if (!sa) {
        sa = saFromEntry(e, spi, src, dst);
        this.fromPattern.set(k, sa);
      }
      return sa;
    }
    return undefined;
  }

  /** Every exact SA and every SA materialised from a pattern, in insertion order. */
  all(): ChildSa[] {
    const out: ChildSa[] = [];
    for (const list of this.exact.values()) out.push(...list);
    out.push(...this.fromPattern.values());
    return out;
  }

  /** Counters of an SA (created on first use). */
  countersOf(sa: ChildSa): ChildSaCounters {
    let c = this.counters.get(sa);
    if (!c) {
      c = { packets: 0, bytes: 0, decrypted: 0, icvBad: 0, padBad: 0, duplicates: 0, gaps: 0 };
      this.counters.set(sa, c);
    }
    return c;
  }

  hasCounters(sa: ChildSa): boolean {
    return this.counters.has(sa);
  }
}

/** A store SA from a key-file entry, for one SPI and (exact) addresses. */
function saFromEntry(e: ChildSaKeyEntry, spi: number, src: string | undefined, dst: string | undefined): ChildSa {
  return {
    protocol: e.protocol,
    spi: spi >>> 0,
    ...(src ? { src } : {}),
    ...(dst ? { dst } : {}),
    ...(e.encr ? { encr: e.encr } : {}),
    ...(e.encrKey ? { encrKey: e.encrKey } : {}),
    ...(e.integ ? { integ: e.integ } : {}),
    ...(e.integKey ? { integKey: e.integKey } : {}),
    ...(e.noCheckIcvLen !== undefined ? { noCheckIcvLen: e.noCheckIcvLen } : {}),
    ...(e.esn !== undefined ? { esn: e.esn } : {}),
    ...(e.replayWindow !== undefined ? { replayWindow: e.replayWindow } : {}),
    origin: e.origin,
  };
}

function sameKeys(a: ChildSa, b: ChildSa): boolean {
  return eq(a.encrKey, b.encrKey) && eq(a.integKey, b.integKey) && a.encr === b.encr && a.integ === b.integ;
}

function eq(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** esp_sa SPI patterns: `*`, or 8 hex digits (with or without 0x) where any digit may be `*`. */
export function spiMatches(pattern: number | string, spi: number): boolean {
  if (typeof pattern === 'number') return pattern >>> 0 === spi >>> 0;
  let p = pattern.trim().toLowerCase();
  if (p === '*' || p === '') return true;
  if (p.startsWith('0x')) p = p.slice(2);
  const hex = (spi >>> 0).toString(16).padStart(8, '0');
  p = p.padStart(8, '0');
  if (p.length !== 8) return false;
  for (let i = 0; i < 8; i++) if (p[i] !== '*' && p[i] !== hex[i]) return false;
  return true;
}

/** esp_sa address patterns: absent or `*` (any), `a.b.*.*` per-octet (IPv4) wildcards, `addr/prefix`, or an exact address. */
export function addrMatches(pattern: string | undefined, addr: string | undefined): boolean {
  if (pattern === undefined) return true;
  const p = pattern.trim().toLowerCase();
  if (p === '' || p === '*') return true;
  if (addr === undefined) return false;
  const a = addr.toLowerCase();
  const slash = p.indexOf('/');
  if (slash >= 0) return inPrefix(p.slice(0, slash), Number(p.slice(slash + 1)), a);
  if (!p.includes('*')) return p === a || expand6(p) === expand6(a);
  if (p.includes(':') || a.includes(':')) {
    // IPv6: per-nibble wildcards over the fully expanded form.
    const pe = expandPattern6(p);
    const ae = expand6(a);
    if (!pe || !ae || pe.length !== ae.length) return false;
    for (let i = 0; i < pe.length; i++) if (pe[i] !== '*' && pe[i] !== ae[i]) return false;
    return true;
  }
  const po = p.split('.');
  const ao = a.split('.');
  if (po.length !== 4 || ao.length !== 4) return false;
  return po.every((o, i) => o === '*' || o === ao[i]);
}

function inPrefix(net: string, bits: number, addr: string): boolean {
  const n = toBits(net);
  const a = toBits(addr);
  if (!n || !a || n.length !== a.length || !Number.isInteger(bits) || bits < 0 || bits > n.length) return false;
  return n.slice(0, bits) === a.slice(0, bits);
}

function toBits(addr: string): string | undefined {
  if (addr.includes(':')) {
    const e = expand6(addr);
    if (!e) return undefined;
    return [...e].map((c) => parseInt(c, 16).toString(2).padStart(4, '0')).join('');
  }
  const o = addr.split('.').map(Number);
  if (o.length !== 4 || o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return o.map((x) => x.toString(2).padStart(8, '0')).join('');
}

/** 32 hex nibbles, or undefined. */
function expand6(a: string): string | undefined {
  if (!a.includes(':')) return a;
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  if (a.includes('::') ? missing < 0 : h.length !== 8) return undefined;
  const groups = [...h, ...Array(a.includes('::') ? missing : 0).fill('0'), ...t];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('');
}

function expandPattern6(p: string): string | undefined {
  const [head, tail] = p.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  const groups = [...h, ...Array(p.includes('::') ? Math.max(0, missing) : 0).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f*]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => g.padStart(4, '0')).join('');
}
