/**
 * Libreswan pluto debug logs (`plutodebug=all,private` or `crypt,private`; lines start with
 * `| ` after the optional timestamp). With `private`, pluto prints:
 *
 *   | PreShared Key                                  then a hexdump: the PSK
 *   | ikev2 I 0xSPIi 0xSPIr sha256:0x… aes128:0x…    IKEv2 SA keys (tcpdump's -E syntax; see tcpdump.ts)
 *   | ikev2 R 0xSPIi 0xSPIr …                        the responder's
 *   | initiator salt / responder salt … unwrapped:    AEAD salt of SK_ei / SK_er (missing from the ikev2 lines)
 *   | chunk_SK_pi / chunk_SK_pr … unwrapped:          SK_pi / SK_pr
 *   | ESP enckey: / ESP authkey:                      hexdumps, then
 *   | kernel: add_sa() level=0 outbound tunnel A/32-ALL->SRC[SPI]==>DST-ALL->B/32 replay_window=128 HMAC_SHA2_256_128:32 AES_CBC:16
 *
 * Libreswan never prints IKEv1 SKEYID*, SK_d or the DH secret. A pluto log without any of the
 * above (no `private` debugging) gives the single issue "no keys in this log".
 */
import { readFileSync } from 'node:fs';
import { encrKeymatLen, ENCRS, integByStrongswan, type EncrRow, type IntegRow } from '../algorithms.js';
import type { ChildSaKeyEntry, KeyMaterial } from '../types.js';
import { childSpi, integByName, LineError, MaterialBuilder, normalizeAddress, toHexString } from './common.js';
import { joinIkev2Halves, parseIkev2Line } from './tcpdump.js';

const LINE = /^(?:[A-Z][a-z]{2} +\d+ [\d:.]+: )?([\s\S]*)$/;
const DUMP_ROW = /^\|\s+((?:[0-9a-f]{2} {1,2}){0,15}[0-9a-f]{2})(?: {3}|$)/;
const EMPTY_ROW = /^\|\s*$/;

/** True when the text looks like a pluto log. */
export function looksLikeLibreswanLog(text: string): boolean {
  const head = text.split(/\r?\n/, 400);
  let debug = 0;
  let pluto = false;
  for (const l of head) {
    const m = LINE.exec(l)![1]!;
    if (m.startsWith('| ')) debug++;
    if (/programs\/pluto|Starting Pluto|pluto\[\d+\]|^"[^"]+" #\d+: /.test(m)) pluto = true;
  }
  return debug >= 3 || (pluto && !/\d{2}\[(IKE|CFG|NET)\] /.test(text.slice(0, 20000)));
}

/** add_sa line → SA facts. */
const ADD_SA = /add_sa\(\) level=\d+ (inbound|outbound) (\w+) (\S+?)\[([0-9a-f]{1,8})\]=(?:(\w+)=)?=>(\S+) replay_window=(\d+)((?: \S+:\d+)+)\s*$/;

function lastAddress(s: string): string | undefined {
  // "10.99.10.1/32-ALL->10.99.1.1" → the part after the last "->"; plain "10.99.1.1" stays.
  const i = s.lastIndexOf('->');
  return normalizeAddress(i >= 0 ? s.slice(i + 2) : s);
}

function firstAddress(s: string): string | undefined {
  // "10.99.1.2-ALL->10.99.20.1/32" → "10.99.1.2".
  return normalizeAddress(s.split(/-\w*->/)[0]!);
}

function encrRow(name: string, len: number): EncrRow | undefined {
  return ENCRS.find((r) => r.strongswan === name && encrKeymatLen(r) === len);
}

/** Parse a pluto log. */
export function parseLibreswanLog(text: string, file = 'pluto.log'): KeyMaterial {
  const b = new MaterialBuilder(file, 'libreswan-log');
  const lines = text.split(/\r?\n/).map((l) => LINE.exec(l)![1]!);
  const psksSeen = new Set<string>();
  let encKey: Uint8Array | undefined;
  let authKey: Uint8Array | undefined;
  const salt: { i?: Uint8Array; r?: Uint8Array } = {};
  const skp: { i?: Uint8Array; r?: Uint8Array } = {};
  const ike = new Map<string, { i?: Parameters<typeof joinIkev2Halves>[2]; r?: Parameters<typeof joinIkev2Halves>[3]; line: number; skPi?: Uint8Array; skPr?: Uint8Array }>();
  let anything = false;

  /** Hexdump rows after line index i (at most `max` bytes when given). */
  const dumpAfter = (i: number, max?: number): { bytes: Uint8Array; end: number } => {
    const out: number[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j]!;
      if (EMPTY_ROW.test(l) && out.length === 0) {
        j++;
        break;
      }
      const m = DUMP_ROW.exec(l);
      if (!m) break;
      for (const x of m[1]!.split(/ +/)) out.push(parseInt(x, 16));
    }
    const bytes = Uint8Array.from(max !== undefined ? out.slice(0, max) : out);
    return { bytes, end: j - 1 };
  };

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (!l.startsWith('|')) continue;
    const line = i + 1;
    const msg = l.slice(1).trim();
    let m: RegExpExecArray | null;
    if (msg === 'PreShared Key') {
      const { bytes, end } = dumpAfter(i);
      i = end;
      anything = true;
      if (bytes.length) {
        const k = toHexString(bytes);
        if (!psksSeen.has(k)) {
          psksSeen.add(k);
          b.km.psks.push({ psk: bytes, origin: { kind: 'libreswan-log', file, line, detail: 'pre-shared key' } });
        }
      }
      continue;
    }
    if ((m = /^(ESP|AH) (enckey|authkey):$/.exec(msg))) {
      const { bytes, end } = dumpAfter(i);
      i = end;
      if (m[2] === 'enckey') encKey = bytes;
      else authKey = bytes;
      continue;
    }
    if ((m = /^(initiator salt|responder salt|chunk_SK_pi|chunk_SK_pr) extracting all (\d+) bytes/.exec(msg))) {
      // The value follows a few lines later, after "unwrapped:".
      const n = Number(m[2]);
      for (let j = i + 1; j < Math.min(lines.length, i + 12); j++) {
        if (lines[j]!.slice(1).trim() === 'unwrapped:') {
          const { bytes, end } = dumpAfter(j, n);
          if (bytes.length === n) {
            if (m[1] === 'initiator salt') salt.i = bytes;
            else if (m[1] === 'responder salt') salt.r = bytes;
            else if (m[1] === 'chunk_SK_pi') skp.i = bytes;
            else skp.r = bytes;
          }
          i = end;
          break;
        }
      }
      continue;
    }
    if ((m = /^ikev2 ([IR] .*)$/.exec(msg))) {
      anything = true;
      b.guard(line, () => {
        const p = parseIkev2Line(m![1]!.trim().split(/\s+/));
        const half = { ...p.half, line };
        if (half.saltMissing) {
          const s = p.initiator ? salt.i : salt.r;
          if (s && s.length === half.encr.saltLen) {
            const k = new Uint8Array(half.skE.length + s.length);
            k.set(half.skE);
            k.set(s, half.skE.length);
            half.skE = k;
            half.saltMissing = false;
          }
        }
        const key = `${p.spiI}/${p.spiR}`;
        const slot = ike.get(key) ?? { line };
        if (p.initiator) slot.i = half;
        else slot.r = half;
        if (skp.i) slot.skPi = skp.i;
        if (skp.r) slot.skPr = skp.r;
        ike.set(key, slot);
        if (!p.initiator) {
          // One key set per R line: what was extracted for it must not leak into the next IKE SA.
          salt.i = salt.r = skp.i = skp.r = undefined;
        }
      });
      continue;
    }
    if ((m = ADD_SA.exec(msg))) {
      anything = true;
      const [, , , srcPart, spiHex, , dstPart, window, algs] = m;
      const ek = encKey;
      const ak = authKey;
      encKey = undefined;
      authKey = undefined;
      b.guard(line, () => {
        const src = lastAddress(srcPart!);
        const dst = firstAddress(dstPart!);
        if (!src || !dst) throw new LineError('add_sa: source or destination is not an IP address');
        const spi = childSpi(`0x${spiHex}`, 'SPI');
        const parts = algs!.trim().split(' ').map((t) => {
          const c = t.lastIndexOf(':');
          return { name: t.slice(0, c), len: Number(t.slice(c + 1)) };
        });
        const integPart = parts[0]!;
        const encrPart = parts[1];
        const integ: IntegRow | undefined = integPart.name === 'NONE' ? integByStrongswan('NONE') : integByName(integPart.name);
        if (!integ) throw new LineError('add_sa: integrity algorithm is not supported');
        if (integ.keyLen !== integPart.len) throw new LineError(`add_sa: ${integ.name} with a ${integPart.len}-byte key`);
        const protocol: 'esp' | 'ah' = encrPart ? 'esp' : 'ah';
        let encr: EncrRow | undefined;
        if (encrPart) {
          encr = encrRow(encrPart.name, encrPart.len);
          if (!encr) throw new LineError('add_sa: encryption algorithm or key length is not supported');
          if (!ek) throw new LineError('add_sa: no "ESP enckey:" dump before it');
          if (ek.length !== encrPart.len) throw new LineError(`add_sa: the enckey dump has ${ek.length} bytes, the SA ${encrPart.len}`);
        }
        if (integ.keyLen > 0 && (!ak || ak.length !== integ.keyLen)) throw new LineError('add_sa: no authkey dump of the right length before it');
        const entry: ChildSaKeyEntry = {
          protocol,
          spi,
          src,
          dst,
          ...(encr ? { encr, encrKey: ek } : {}),
          integ,
          ...(integ.keyLen > 0 ? { integKey: ak } : {}),
          replayWindow: Number(window),
          origin: { kind: 'libreswan-log', file, line, detail: `${m![1]} ${protocol.toUpperCase()} SA` },
        };
        b.km.child.push(entry);
      });
      continue;
    }
  }
  for (const [k, slot] of ike) {
    const [spiI, spiR] = k.split('/') as [string, string];
    const e = joinIkev2Halves(spiI, spiR, slot.i, slot.r, { kind: 'libreswan-log', file, line: slot.line, detail: 'IKEv2 SA keys (ikev2 I/R lines)' });
    if (typeof e === 'string') b.issue(slot.line, e);
    else b.km.ikev2.push({ ...e, ...(slot.skPi ? { skPi: slot.skPi } : {}), ...(slot.skPr ? { skPr: slot.skPr } : {}) });
  }
  if (!anything) b.issue(1, 'no keys in this log: Libreswan prints them only with plutodebug including "private"');
  return b.done();
}

export function loadLibreswanLog(path: string): KeyMaterial {
  return parseLibreswanLog(readFileSync(path, 'utf8'), path);
}
