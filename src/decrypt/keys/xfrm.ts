/**
 * `ip xfrm state` output (iproute2 `xfrm_state_print`), with or without `-s`:
 *
 *   src 10.99.1.1 dst 10.99.1.2
 *   	proto esp spi 0xc368a3cf(3278414799) reqid 1(0x00000001) mode tunnel
 *   	replay-window 0 seq 0x00000000 flag af-unspec esn (0x00100000)
 *   	auth-trunc hmac(sha256) 0x… (256 bits) 128
 *   	enc cbc(aes) 0x… (128 bits)
 *   	aead rfc4106(gcm(aes)) 0x… (288 bits) 128
 *   	encap type espinudp sport 4500 dport 4500 addr 0.0.0.0
 *   	anti-replay esn context: … replay_window 128, bitmap-length 4
 *   	lifetime config: … / lifetime current: … / stats: …
 *
 * The `(N bits)` after a key and the numeric forms in parentheses appear only with `-s`.
 * Kernel AEAD/CTR keys carry the salt at their tail (RFC 4106 §8.1, RFC 4309 §7.1, RFC 3686 §5.1,
 * RFC 7634 §2), exactly as KEYMAT does, so the key is used as is.
 *
 * Each `src … dst …` block is one SA; a block that cannot be used (unknown algorithm, key of the
 * wrong length) gives one issue at the line at fault and is skipped. Blocks of other protocols
 * (`comp`, `route2`, `hao`) carry no keys and are skipped silently.
 */
import { readFileSync } from 'node:fs';
import { encrKeymatLen, ENCRS, integByStrongswan, type EncrRow, type IntegRow } from '../algorithms.js';
import type { ChildSaKeyEntry, KeyMaterial } from '../types.js';
import { childSpi, hexBytes, LineError, MaterialBuilder, normalizeAddress } from './common.js';

const HEADER = /^src\s+(\S+)\s+dst\s+(\S+)\s*$/;

/** True when the text looks like `ip xfrm state` output. */
export function looksLikeXfrm(text: string): boolean {
  const lines = text.split(/\r?\n/, 400);
  for (let i = 0; i + 1 < lines.length; i++) {
    if (HEADER.test(lines[i]!) && /^\s+proto\s+(esp|ah|comp|route2|hao)\b/.test(lines[i + 1]!)) return true;
  }
  return false;
}

/** Kernel `auth`/`auth-trunc` name + ICV bits → integrity row. */
function integFor(name: string, icvBits: number | undefined): { row?: IntegRow; noCheck?: number } {
  const base: Record<string, string> = {
    'hmac(md5)': 'md5',
    'hmac(sha1)': 'sha1',
    'hmac(sha256)': 'sha256',
    'hmac(sha384)': 'sha384',
    'hmac(sha512)': 'sha512',
    'xcbc(aes)': 'aesxcbc',
    digest_null: 'null',
  };
  const h = base[name];
  if (!h) throw new LineError(`authentication algorithm is not supported`);
  if (h === 'null') return { row: integByStrongswan('NONE')! };
  // The kernel's defaults for plain `auth` (net/xfrm/xfrm_algo.c aalg_list icv_truncbits).
  const defaults: Record<string, number> = { md5: 96, sha1: 96, sha256: 96, sha384: 192, sha512: 256, aesxcbc: 96 };
  const bits = icvBits ?? defaults[h]!;
  const name2 =
    h === 'md5' ? `HMAC_MD5_${bits}` : h === 'sha1' ? `HMAC_SHA1_${bits === 96 ? 96 : bits}` : h === 'aesxcbc' ? 'AES_XCBC_96' : `HMAC_SHA2_${h.slice(3)}_${bits}`;
  const row = integByStrongswan(name2);
  if (row && row.icvLen * 8 === bits) return { row };
  // A non-standard truncation (e.g. hmac(sha256) at the kernel's legacy 96 bits): ICV stripped, not checked.
  return { noCheck: bits / 8 };
}

/** Kernel `enc` / `aead` name + key → encryption row (key length includes the salt). */
function encrFor(kind: 'enc' | 'aead', name: string, keyLen: number, icvBits: number | undefined): EncrRow {
  const pick = (strongswan: string): EncrRow | undefined => ENCRS.find((r) => r.strongswan === strongswan && encrKeymatLen(r) === keyLen);
  let row: EncrRow | undefined;
  if (kind === 'enc') {
    if (name === 'cbc(aes)') row = pick('AES_CBC');
    else if (name === 'cbc(des3_ede)') row = pick('3DES_CBC');
    else if (name === 'cbc(des)') row = pick('DES_CBC');
    else if (name === 'rfc3686(ctr(aes))') row = pick('AES_CTR');
    else if (name === 'ecb(cipher_null)' || name === 'cipher_null') row = ENCRS.find((r) => r.mode === 'null');
    else throw new LineError('encryption algorithm is not supported');
  } else {
    const bits = icvBits ?? 128;
    if (name === 'rfc4106(gcm(aes))') row = pick(`AES_GCM_${bits / 8}`);
    else if (name === 'rfc4309(ccm(aes))') row = pick(`AES_CCM_${bits / 8}`);
    else if (name === 'rfc7539esp(chacha20,poly1305)') row = bits === 128 ? pick('CHACHA20_POLY1305') : undefined;
    else throw new LineError('AEAD algorithm is not supported');
  }
  if (!row) throw new LineError(`${kind} key: ${keyLen} bytes is not a key length of that algorithm`);
  return row;
}

interface Block {
  line: number;
  src: string;
  dst: string;
  proto?: string;
  spi?: number;
  replayWindow?: number;
  esnWindow?: number;
  esn: boolean;
  encr?: EncrRow;
  encrKey?: Uint8Array;
  integ?: IntegRow;
  integKey?: Uint8Array;
  noCheck?: number;
  bad: boolean;
}

/** Parse `ip xfrm state` / `ip -s xfrm state` text. */
export function parseXfrmState(text: string, file = 'ip-xfrm-state'): KeyMaterial {
  const b = new MaterialBuilder(file, 'xfrm');
  let cur: Block | undefined;
  const finish = () => {
    if (!cur || cur.bad) return;
    const blk = cur;
    if (blk.proto !== 'esp' && blk.proto !== 'ah') return;
    if (blk.spi === undefined) return b.issue(blk.line, 'SA without a "proto … spi" line');
    // An SPI the kernel allocated for a negotiation in progress (no algorithms yet): no keys, not an error.
    if (!blk.encr && !blk.integ && blk.noCheck === undefined) return;
    if (blk.proto === 'esp' && !blk.encr) return b.issue(blk.line, 'ESP SA with authentication but no "enc" or "aead" line');
    if (blk.proto === 'ah' && !blk.integ && blk.noCheck === undefined) return b.issue(blk.line, 'AH SA without an "auth" or "auth-trunc" line');
    const entry: ChildSaKeyEntry = {
      protocol: blk.proto,
      spi: blk.spi,
      src: blk.src,
      dst: blk.dst,
      ...(blk.encr ? { encr: blk.encr, encrKey: blk.encrKey } : {}),
      ...(blk.integ ? { integ: blk.integ, integKey: blk.integKey } : {}),
      ...(blk.noCheck !== undefined ? { noCheckIcvLen: blk.noCheck, integKey: blk.integKey } : {}),
      ...(!blk.integ && blk.noCheck === undefined && blk.encr?.aead ? { integ: integByStrongswan('NONE')! } : {}),
      esn: blk.esn,
      ...(blk.replayWindow !== undefined ? { replayWindow: blk.replayWindow || blk.esnWindow || 0 } : {}),
      origin: { kind: 'xfrm', file, line: blk.line },
    };
    // ESP without any integrity (enc only, no auth line): no ICV.
    if (entry.protocol === 'esp' && !entry.integ && entry.noCheckIcvLen === undefined) {
      (entry as { integ?: IntegRow }).integ = integByStrongswan('NONE')!;
    }
    b.km.child.push(entry);
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '') return;
    const h = HEADER.exec(raw);
    if (h) {
      finish();
      cur = { line, src: h[1]!, dst: h[2]!, esn: false, bad: false };
      const src = normalizeAddress(h[1]!);
      const dst = normalizeAddress(h[2]!);
      if (!src || !dst) {
        b.issue(line, 'src/dst: not IP addresses');
        cur.bad = true;
      } else {
        cur.src = src;
        cur.dst = dst;
      }
      return;
    }
    if (!/^\s/.test(raw)) {
      // Not part of a block (e.g. a shell prompt or a heading): ends the current block.
      finish();
      cur = undefined;
      return;
    }
    if (!cur || cur.bad) return;
    const blk = cur;
    const t = raw.trim();
    const words = t.split(/\s+/);
    const fail = (e: unknown) => {
      if (!(e instanceof LineError)) throw e;
      b.issue(line, e.message);
      blk.bad = true;
    };
    try {
      switch (words[0]) {
        case 'proto': {
          blk.proto = words[1];
          if (blk.proto !== 'esp' && blk.proto !== 'ah') return;
          const i = words.indexOf('spi');
          if (i < 0 || !words[i + 1]) throw new LineError('proto line without an SPI');
          blk.spi = childSpi(words[i + 1]!.replace(/\(.*$/, ''), 'spi');
          return;
        }
        case 'replay-window': {
          if (blk.replayWindow !== undefined) return;
          const n = Number(words[1]);
          if (!Number.isInteger(n) || n < 0) throw new LineError('replay-window: not a number');
          blk.replayWindow = n;
          const fi = words.indexOf('flag');
          if (fi >= 0 && words.slice(fi + 1).includes('esn')) blk.esn = true;
          return;
        }
        case 'auth':
        case 'auth-trunc': {
          if (!words[1] || !words[2]) throw new LineError(`${words[0]} line: missing algorithm or key`);
          const key = hexBytes(words[2], `${words[0]} key`);
          const rest = words.slice(3).filter((w) => !/^\(\d+$/.test(w) && w !== 'bits)');
          const icv = words[0] === 'auth-trunc' ? Number(rest[0]) : undefined;
          if (words[0] === 'auth-trunc' && (!Number.isInteger(icv) || icv! <= 0 || icv! % 8 !== 0)) throw new LineError('auth-trunc: ICV length is not a whole number of bytes');
          const r = integFor(words[1], icv);
          if (r.row && r.row.keyLen !== key.length) throw new LineError(`${words[0]} key: ${key.length} bytes, ${r.row.name} needs ${r.row.keyLen}`);
          blk.integ = r.row;
          blk.noCheck = r.noCheck;
          blk.integKey = key;
          return;
        }
        case 'enc':
        case 'aead': {
          if (!words[1] || words[2] === undefined) throw new LineError(`${words[0]} line: missing algorithm or key`);
          const key = words[2] === '0x' ? new Uint8Array(0) : hexBytes(words[2], `${words[0]} key`);
          const rest = words.slice(3).filter((w) => !/^\(\d+$/.test(w) && w !== 'bits)');
          const icv = words[0] === 'aead' ? Number(rest[0]) : undefined;
          if (words[0] === 'aead' && (!Number.isInteger(icv) || icv! <= 0)) throw new LineError('aead: ICV length missing');
          blk.encr = encrFor(words[0] as 'enc' | 'aead', words[1], key.length, icv);
          blk.encrKey = key;
          return;
        }
        case 'replay_window': {
          // "replay_window 128, bitmap-length 4" inside an "anti-replay esn context:" block.
          const n = parseInt(words[1] ?? '', 10);
          if (Number.isInteger(n)) blk.esnWindow = n;
          return;
        }
        default:
          return;
      }
    } catch (e) {
      fail(e);
    }
  });
  finish();
  return b.done();
}

export function loadXfrmState(path: string): KeyMaterial {
  return parseXfrmState(readFileSync(path, 'utf8'), path);
}
