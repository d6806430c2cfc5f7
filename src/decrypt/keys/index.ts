/**
 * Key files for `--keys`: the format is detected from the content (never from the file name)
 * and the text handed to its parser; every parser returns {@link KeyMaterial} with one issue per
 * malformed line (file + line, no secret values) and the rest loaded. See docs/keys.md.
 *
 * Detection, first match wins:
 *   keyring          a JSON object with an "espy_keyring" member
 *   xfrm             `src A dst B` followed by an indented `proto esp|ah …` line
 *   strongswan-log   charon lines with `NN[IKE]`-style thread/group prefixes
 *   libreswan-log    pluto debug lines (`| …`) or pluto banners
 *   wireshark-*      UAT lines: 8 fields starting "IPv4"/"IPv6" (esp_sa), 8 fields with two
 *                    16-hex-digit SPIs (ikev2_decryption_table), 2 fields cookie,key (ikev1_decryption_table)
 *   tcpdump          `SPI@ADDR algo:secret`, `ikev2 I|R …`, `algo:secret` lines
 *   psk-list         ipsec.secrets `… : PSK "…"` lines
 *   unknown          anything else: one issue, nothing loaded
 */
import { readFileSync } from 'node:fs';
import type { ChildSaKeyEntry, Ikev1SaKeyEntry, Ikev2SaKeyEntry, KeyFileFormat, KeyMaterial } from '../types.js';
import { MaterialBuilder } from './common.js';
import { looksLikeKeyring, parseKeyring } from './keyring.js';
import { looksLikeLibreswanLog, parseLibreswanLog } from './libreswan.js';
import { parsePskText } from './psk.js';
import { looksLikeStrongswanLog, parseStrongswanLog } from './strongswan.js';
import { looksLikeTcpdump, parseTcpdumpSecrets } from './tcpdump.js';
import { parseEspSaTable, parseIkev1DecryptionTable, parseIkev2DecryptionTable, splitUatLine } from './wireshark.js';
import { looksLikeXfrm, parseXfrmState } from './xfrm.js';

export { loadPskFile, parsePskArg, parsePskText } from './psk.js';

/** Which Wireshark table the UAT lines are, by majority over the first meaningful lines. */
function wiresharkKind(text: string): KeyFileFormat | undefined {
  const votes = { esp: 0, v2: 0, v1: 0, other: 0 };
  let n = 0;
  for (const raw of text.split(/\r?\n/, 400)) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    if (++n > 30) break;
    let f: string[];
    try {
      f = splitUatLine(t);
    } catch {
      votes.other++;
      continue;
    }
    if (f.length === 8 && /^"IPv[46]"/.test(t)) votes.esp++;
    else if (f.length === 8 && /^[0-9a-fA-F]{16}$/.test(f[0]!) && /^[0-9a-fA-F]{16}$/.test(f[1]!)) votes.v2++;
    else if (f.length === 2 && /^[0-9a-fA-F]{16}$/.test(f[0]!) && /^[0-9a-fA-F]+$/.test(f[1]!)) votes.v1++;
    else votes.other++;
  }
  const best = Math.max(votes.esp, votes.v2, votes.v1);
  // At least a third of the lines: a table with a few broken rows is still that table.
  if (best === 0 || best * 3 < n) return undefined;
  return best === votes.esp ? 'wireshark-esp' : best === votes.v2 ? 'wireshark-ikev2' : 'wireshark-ikev1';
}

function looksLikePskList(text: string): boolean {
  return /^[^#\n]*:\s*PSK\b/im.test(text);
}

/** The format of a key file, from its content. */
export function detectKeyFormat(text: string): KeyFileFormat {
  if (looksLikeKeyring(text)) return 'keyring';
  if (looksLikeXfrm(text)) return 'xfrm';
  if (looksLikeStrongswanLog(text)) return 'strongswan-log';
  if (looksLikeLibreswanLog(text)) return 'libreswan-log';
  const ws = wiresharkKind(text);
  if (ws) return ws;
  if (looksLikeTcpdump(text)) return 'tcpdump';
  if (looksLikePskList(text)) return 'psk-list';
  return 'unknown';
}

/** Wrap one of the Wireshark parsers (own entry types) into KeyMaterial. */
function fromWireshark(text: string, file: string, format: 'wireshark-ikev1' | 'wireshark-ikev2' | 'wireshark-esp'): KeyMaterial {
  const b = new MaterialBuilder(file, format);
  if (format === 'wireshark-ikev1') {
    const t = parseIkev1DecryptionTable(text, file);
    b.km.issues.push(...t.errors);
    for (const e of t.entries) {
      const entry: Ikev1SaKeyEntry = { icookie: e.icookie, ka: e.ka, origin: { kind: 'wireshark-ikev1', file, line: e.line } };
      b.km.ikev1.push(entry);
    }
  } else if (format === 'wireshark-ikev2') {
    const t = parseIkev2DecryptionTable(text, file);
    b.km.issues.push(...t.errors);
    for (const e of t.entries) {
      const entry: Ikev2SaKeyEntry = {
        spiI: e.spii,
        spiR: e.spir,
        encr: e.encr,
        ...(e.integ ? { integ: e.integ } : {}),
        ...(e.noCheckIcvLen !== undefined ? { noCheckIcvLen: e.noCheckIcvLen } : {}),
        skEi: e.skEi,
        skEr: e.skEr,
        ...(e.skAi.length ? { skAi: e.skAi } : {}),
        ...(e.skAr.length ? { skAr: e.skAr } : {}),
        origin: { kind: 'wireshark-ikev2', file, line: e.line },
      };
      b.km.ikev2.push(entry);
    }
  } else {
    const t = parseEspSaTable(text, file);
    b.km.issues.push(...t.errors);
    for (const e of t.entries) {
      const entry: ChildSaKeyEntry = {
        protocol: 'esp',
        spi: e.spiValue ?? e.spi,
        ...(e.src !== '*' ? { src: e.src } : {}),
        ...(e.dst !== '*' ? { dst: e.dst } : {}),
        encr: e.encr,
        encrKey: e.encrKey,
        ...(e.auth ? { integ: e.auth } : {}),
        ...(e.auth && e.authKey.length ? { integKey: e.authKey } : {}),
        ...(e.noCheckIcvLen !== undefined ? { noCheckIcvLen: e.noCheckIcvLen, ...(e.authKey.length ? { integKey: e.authKey } : {}) } : {}),
        origin: { kind: 'wireshark-esp', file, line: e.line },
      };
      b.km.child.push(entry);
    }
  }
  return b.done();
}

/** Parse key-file text whose format is detected from the content. `file` names it in issues and origins. */
export function parseKeyText(text: string, file: string): KeyMaterial {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const format = detectKeyFormat(t);
  switch (format) {
    case 'keyring':
      return parseKeyring(t, file);
    case 'xfrm':
      return parseXfrmState(t, file);
    case 'strongswan-log':
      return parseStrongswanLog(t, file);
    case 'libreswan-log':
      return parseLibreswanLog(t, file);
    case 'wireshark-ikev1':
    case 'wireshark-ikev2':
    case 'wireshark-esp':
      return fromWireshark(t, file, format);
    case 'tcpdump':
      return parseTcpdumpSecrets(t, file);
    case 'psk-list':
      return parsePskText(t, file);
    default: {
      const b = new MaterialBuilder(file, 'unknown');
      const lines = t.split(/\r?\n/);
      const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      // Empty, or only comments (e.g. a Wireshark table with its header and no rows): nothing to load, nothing wrong.
      if (first >= 0) {
        const policy = /^src \S+ dst \S+\s*\n\s+(dir|socket) (in|out|fwd)\b/m.test(t);
        b.issue(first + 1, policy ? '"ip xfrm policy" output has no keys: give "ip xfrm state" output instead' : 'key file format not recognised (see docs/keys.md for the supported formats)');
      }
      return b.done();
    }
  }
}

/** Load a key file (`--keys`). Throws only when the file cannot be read. */
export function loadKeyFile(path: string): KeyMaterial {
  const buf = readFileSync(path);
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const b = new MaterialBuilder(path, 'unknown');
    b.issue(1, 'gzip-compressed: decompress it first');
    return b.done();
  }
  return parseKeyText(buf.toString('utf8'), path);
}
