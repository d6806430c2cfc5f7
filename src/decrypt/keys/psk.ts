/**
 * Pre-shared keys from the command line (`--psk`) and from PSK files (`--psk-file`).
 *
 * `--psk` value (one PSK):
 *
 *   letmein                    the bytes of the text (UTF-8)
 *   0x6c65746d65696e           hex
 *   10.0.0.1=letmein           only for IKE SAs with peer 10.0.0.1 (IPv4 or IPv6 address)
 *   @vpn.example=letmein       only for IKE SAs where either side's ID is vpn.example
 *   @user@example.org=0x…      (ID and hex combine; the ID is everything between @ and the first =)
 *   =10.0.0.1=x                a leading "=" takes the rest literally (a secret that looks like a selector)
 *
 * A selector is recognised only when the text before the first "=" is an IP address or starts
 * with "@"; any other "=" belongs to the secret.
 *
 * PSK file: one PSK per line in the same syntax, `#` comments and blank lines ignored; also
 * strongSwan / Libreswan `ipsec.secrets` lines:
 *
 *   10.0.0.1 @vpn.example : PSK "letmein"
 *   : PSK 0x6c65746d65696e
 *   %any : PSK 'with "quotes"'
 *
 * Each selector before the colon gives its own entry (so the PSK is tried when either side
 * matches); `%any` or none gives an unrestricted entry. Other secret types (RSA, ECDSA, XAUTH,
 * EAP…) are skipped silently.
 */
import { readFileSync } from 'node:fs';
import type { KeyMaterial, KeyOrigin, PskEntry } from '../types.js';
import { hexBytes, LineError, MaterialBuilder, normalizeAddress } from './common.js';

interface Parsed {
  psk: Uint8Array;
  peer?: string;
  id?: string;
}

function secretBytes(s: string): Uint8Array {
  if (/^0x/i.test(s)) {
    const b = hexBytes(s, 'PSK');
    if (b.length === 0) throw new LineError('PSK: empty');
    return b;
  }
  if (s.length === 0) throw new LineError('PSK: empty');
  return new Uint8Array(Buffer.from(s, 'utf8'));
}

/** One `--psk`-syntax value → PSK and optional peer/ID (throws LineError). */
function parseValue(s: string): Parsed {
  if (s.startsWith('=')) return { psk: secretBytes(s.slice(1)) };
  const eq = s.indexOf('=');
  if (eq > 0) {
    const sel = s.slice(0, eq);
    const secret = s.slice(eq + 1);
    const addr = normalizeAddress(sel);
    if (addr) return { psk: secretBytes(secret), peer: addr };
    if (sel.startsWith('@')) {
      if (sel.length === 1) throw new LineError('PSK selector: empty ID after @');
      return { psk: secretBytes(secret), id: sel.slice(1) };
    }
  }
  return { psk: secretBytes(s) };
}

function entry(p: Parsed, origin: KeyOrigin): PskEntry {
  return { psk: p.psk, ...(p.peer ? { peer: p.peer } : {}), ...(p.id ? { id: p.id } : {}), origin };
}

/**
 * One `--psk` argument. Throws an Error (message without the secret) when it is unusable.
 */
export function parsePskArg(s: string): KeyMaterial {
  const b = new MaterialBuilder('--psk', 'psk-list');
  try {
    b.km.psks.push(entry(parseValue(s), { kind: 'cli', detail: '--psk' }));
  } catch (e) {
    if (e instanceof LineError) throw new Error(e.message);
    throw e;
  }
  return b.done();
}

/** Read an ipsec.secrets secret after `PSK`: "quoted", 'quoted', 0xhex, 0sbase64 or a bare word. */
function ipsecSecret(rest: string): Uint8Array {
  const t = rest.trim();
  const q = t[0];
  if (q === '"' || q === "'") {
    const end = t.lastIndexOf(q);
    if (end <= 0) throw new LineError('PSK: unterminated quoted secret');
    if (t.slice(end + 1).trim() !== '' && !t.slice(end + 1).trim().startsWith('#')) throw new LineError('PSK: text after the quoted secret');
    const inner = t.slice(1, end);
    if (inner.length === 0) throw new LineError('PSK: empty');
    return new Uint8Array(Buffer.from(inner, 'utf8'));
  }
  const word = t.split(/\s+/)[0] ?? '';
  if (/^0s/i.test(word)) {
    const v = word.slice(2);
    if (!/^[A-Za-z0-9+/]+=*$/.test(v)) throw new LineError('PSK: not valid base64 after 0s');
    return new Uint8Array(Buffer.from(v, 'base64'));
  }
  return secretBytes(word);
}

/** PSK lines (the `--psk-file` format, see the module comment). */
export function parsePskText(text: string, file = 'psk-file'): KeyMaterial {
  const b = new MaterialBuilder(file, 'psk-list');
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = idx + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    const origin: KeyOrigin = { kind: 'cli', file, line, detail: '--psk-file' };
    b.guard(line, () => {
      const m = /^(.*?)(?:^|\s):\s*(PSK|RSA|ECDSA|BLISS|PIN|XAUTH|EAP|NTLM|P12|PKCS12|PPK|RAW)\b(.*)$/i.exec(t);
      if (m) {
        if (m[2]!.toUpperCase() !== 'PSK') return; // another kind of secret: nothing for espy
        const psk = ipsecSecret(m[3]!);
        const selectors = m[1]!.trim().split(/\s+/).filter((x) => x !== '' && x !== '%any' && x !== '%any6');
        if (selectors.length === 0) {
          b.km.psks.push(entry({ psk }, origin));
          return;
        }
        for (const sel of selectors) {
          const addr = normalizeAddress(sel);
          const id = sel.replace(/^@#?/, '').replace(/^"(.*)"$/, '$1');
          b.km.psks.push(entry(addr ? { psk, peer: addr } : { psk, id }, origin));
        }
        return;
      }
      b.km.psks.push(entry(parseValue(t), origin));
    });
  });
  return b.done();
}

export function loadPskFile(path: string): KeyMaterial {
  return parsePskText(readFileSync(path, 'utf8'), path);
}
