/**
 * Parsers for Wireshark's IPsec key tables (UAT files in a profile directory), in the format
 * Wireshark 4.0 writes and reads them (packet-isakmp.c `ikev1_uat_flds`/`ikev2_uat_flds`,
 * packet-ipsec.c `esp_uat_flds`):
 *
 *   ikev1_decryption_table   icookie,Ka                                       (hex, unquoted)
 *   ikev2_decryption_table   SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ"  (hex unquoted, labels quoted)
 *   esp_sa                   "IPv4","src","dst","0xSPI","encr","0xkey","auth","0xkey"
 *
 * A UAT line is comma-separated; a field is either a double-quoted string (with `\\`, `\"` and
 * `\xNN` escapes) or a bare token. `#` starts a comment line. Every malformed line becomes a
 * {@link KeyFileIssue} with the file name and 1-based line number; the other lines still load.
 * Messages name the field, never its value, so no secret reaches a log.
 */
import { readFileSync } from 'node:fs';
import {
  encrByWiresharkEsp,
  encrByWiresharkIkev2,
  encrKeymatLen,
  integByWiresharkEsp,
  integByWiresharkIkev2,
  isWiresharkEspEncrLabel,
  type EncrRow,
  type IntegRow,
} from '../algorithms.js';

export interface KeyFileIssue {
  file: string;
  line: number;
  message: string;
}

export interface KeyTable<T> {
  entries: T[];
  errors: KeyFileIssue[];
}

export interface Ikev1KeyEntry {
  file: string;
  line: number;
  /** Initiator cookie, 16 lower-case hex digits. */
  icookie: string;
  /** The phase-1 encryption key Ka (RFC 2409 App. B), not SKEYID_e. */
  ka: Uint8Array;
}

export interface Ikev2KeyEntry {
  file: string;
  line: number;
  /** 16 lower-case hex digits each. */
  spii: string;
  spir: string;
  encr: EncrRow;
  skEi: Uint8Array;
  skEr: Uint8Array;
  /** NONE for AEAD; undefined for Wireshark's "ANY n-bits [No Checking]" rows (see noCheckIcvLen). */
  integ: IntegRow | undefined;
  noCheckIcvLen?: number;
  skAi: Uint8Array;
  skAr: Uint8Array;
}

export interface EspSaEntry {
  file: string;
  line: number;
  family: 'IPv4' | 'IPv6';
  /** Address as written: `*`, per-octet/nibble wildcards and `/prefix` are kept for the matcher. */
  src: string;
  dst: string;
  /** 8 lower-case hex digits, or a pattern with `*` (whole field or per digit). */
  spi: string;
  /** The SPI when it has no wildcard. */
  spiValue?: number;
  /** The cipher row (ENCR_NULL for "NULL"), chosen by label and key length. */
  encr: EncrRow;
  encrKey: Uint8Array;
  /** NONE row for "NULL"; undefined for "ANY n bit authentication [no checking]" (see noCheckIcvLen). */
  auth: IntegRow | undefined;
  noCheckIcvLen?: number;
  authKey: Uint8Array;
}

class LineError extends Error {}

/** Split one UAT line into fields (quoted fields unescaped; bare fields trimmed). */
export function splitUatLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (line[i] === '"') {
      i++;
      let s = '';
      let closed = false;
      while (i < n) {
        const c = line[i]!;
        if (c === '"') {
          closed = true;
          i++;
          break;
        }
        if (c === '\\') {
          const d = line[i + 1];
          if (d === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            s += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
            i += 4;
            continue;
          }
          if (d === '\\' || d === '"') {
            s += d;
            i += 2;
            continue;
          }
          throw new LineError(`field ${fields.length + 1}: bad escape in quoted string`);
        }
        s += c;
        i++;
      }
      if (!closed) throw new LineError(`field ${fields.length + 1}: unterminated quoted string`);
      while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
      fields.push(s);
      if (i >= n) return fields;
      if (line[i] !== ',') throw new LineError(`field ${fields.length}: text after the closing quote`);
      i++;
      continue;
    }
    const comma = line.indexOf(',', i);
    const end = comma < 0 ? n : comma;
    fields.push(line.slice(i, end).trim());
    if (comma < 0) return fields;
    i = comma + 1;
  }
}

/** Strict hex decoding that never echoes its input. */
function hexField(value: string, name: string, opts: { prefix?: 'optional' | 'none' } = {}): Uint8Array {
  let v = value;
  if (opts.prefix === 'optional' && /^0x/i.test(v)) v = v.slice(2);
  if (v.length % 2 !== 0 || /[^0-9a-fA-F]/.test(v)) throw new LineError(`${name}: not an even-length hex string`);
  const out = new Uint8Array(v.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(v.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function spiField(value: string, name: string): string {
  if (!/^[0-9a-fA-F]{16}$/.test(value)) throw new LineError(`${name}: not 16 hex digits`);
  return value.toLowerCase();
}

function parseTable<T>(text: string, file: string, fieldCount: number, parseLine: (f: string[], line: number) => T): KeyTable<T> {
  const entries: T[] = [];
  const errors: KeyFileIssue[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    try {
      const f = splitUatLine(t);
      if (f.length !== fieldCount) throw new LineError(`expected ${fieldCount} fields, found ${f.length}`);
      entries.push(parseLine(f, line));
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      errors.push({ file, line, message: e.message });
    }
  });
  return { entries, errors };
}

/** `ikev1_decryption_table`: Initiator's COOKIE (8 bytes hex), Encryption Key (hex, ≤ 256 bytes). */
export function parseIkev1DecryptionTable(text: string, file = 'ikev1_decryption_table'): KeyTable<Ikev1KeyEntry> {
  return parseTable(text, file, 2, (f, line) => {
    const icookie = spiField(f[0]!, 'field 1 (initiator cookie)');
    const ka = hexField(f[1]!, 'field 2 (encryption key)');
    if (ka.length === 0 || ka.length > 256) throw new LineError('field 2 (encryption key): length must be 1..256 bytes');
    return { file, line, icookie, ka };
  });
}

const IKEV2_ANY = /^ANY (\d+)-bits of Authentication \[No Checking\]$/;

/**
 * `ikev2_decryption_table`: SPIi, SPIr, SK_ei, SK_er, encryption label, SK_ai, SK_ar, integrity label.
 * Key lengths must match the algorithms exactly and AEAD needs "NONE", as Wireshark checks
 * (`ikev2_uat_data_update_cb`).
 */
export function parseIkev2DecryptionTable(text: string, file = 'ikev2_decryption_table'): KeyTable<Ikev2KeyEntry> {
  return parseTable(text, file, 8, (f, line) => {
    const spii = spiField(f[0]!, 'field 1 (SPIi)');
    const spir = spiField(f[1]!, 'field 2 (SPIr)');
    const skEi = hexField(f[2]!, 'field 3 (SK_ei)');
    const skEr = hexField(f[3]!, 'field 4 (SK_er)');
    const encr = encrByWiresharkIkev2(f[4]!);
    if (!encr) throw new LineError('field 5 (encryption algorithm): not a Wireshark IKEv2 encryption label');
    const skAi = hexField(f[5]!, 'field 6 (SK_ai)');
    const skAr = hexField(f[6]!, 'field 7 (SK_ar)');
    const integLabel = f[7]!;
    const integ = integByWiresharkIkev2(integLabel);
    const any = IKEV2_ANY.exec(integLabel);
    if (!integ && !any) throw new LineError('field 8 (integrity algorithm): not a Wireshark IKEv2 integrity label');
    const ekl = encrKeymatLen(encr);
    if (skEi.length !== ekl) throw new LineError(`field 3 (SK_ei): ${skEi.length} bytes, ${encr.name} needs ${ekl}`);
    if (skEr.length !== ekl) throw new LineError(`field 4 (SK_er): ${skEr.length} bytes, ${encr.name} needs ${ekl}`);
    if (encr.aead && integ?.ikev2Id !== 0) throw new LineError(`field 8: ${encr.name} is AEAD and needs integrity "NONE [RFC4306]"`);
    if (integ) {
      if (skAi.length !== integ.keyLen) throw new LineError(`field 6 (SK_ai): ${skAi.length} bytes, ${integ.name} needs ${integ.keyLen}`);
      if (skAr.length !== integ.keyLen) throw new LineError(`field 7 (SK_ar): ${skAr.length} bytes, ${integ.name} needs ${integ.keyLen}`);
    }
    const entry: Ikev2KeyEntry = { file, line, spii, spir, encr, skEi, skEr, integ, skAi, skAr };
    if (any) entry.noCheckIcvLen = Number(any[1]) / 8;
    return entry;
  });
}

const ESP_ANY = /^ANY (\d+) bit authentication \[no checking\]$/;

/** Wireshark `compute_ascii_key`: `0x…` is hex, anything else is the literal bytes of the string. */
function espKey(value: string, name: string): Uint8Array {
  if (/^0x/i.test(value)) return hexField(value, name, { prefix: 'optional' });
  return new TextEncoder().encode(value);
}

function espSpi(value: string): { spi: string; spiValue?: number } {
  const v = value.trim();
  if (v === '*') return { spi: '*' };
  // Wireshark `filter_spi_match`: per-digit wildcards only in the full 0x + 8 digit form.
  if (/^0x[0-9a-fA-F*]{8}$/i.test(v) && v.includes('*')) return { spi: v.slice(2).toLowerCase() };
  if (/^0x[0-9a-fA-F]{1,8}$/i.test(v)) {
    const digits = v.slice(2).toLowerCase();
    const n = parseInt(digits, 16);
    return { spi: n.toString(16).padStart(8, '0'), spiValue: n };
  }
  if (/^[0-9]{1,10}$/.test(v) && Number(v) <= 0xffffffff) {
    const n = Number(v);
    return { spi: n.toString(16).padStart(8, '0'), spiValue: n };
  }
  throw new LineError('field 4 (SPI): not 0x-hex (with optional * wildcards), decimal or *');
}

function espAddress(value: string, family: 'IPv4' | 'IPv6', name: string): string {
  const ok = family === 'IPv4' ? /^[0-9*.]+(\/\d{1,2})?$/.test(value) || value === '*' : /^[0-9a-fA-F*:.]+(\/\d{1,3})?$/.test(value) || value === '*';
  if (!ok) throw new LineError(`${name}: not an ${family} address or wildcard`);
  return value;
}

/** `esp_sa`: Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key, Authentication, Authentication Key. */
export function parseEspSaTable(text: string, file = 'esp_sa'): KeyTable<EspSaEntry> {
  return parseTable(text, file, 8, (f, line) => {
    const family = f[0];
    if (family !== 'IPv4' && family !== 'IPv6') throw new LineError('field 1 (protocol): not "IPv4" or "IPv6"');
    const src = espAddress(f[1]!, family, 'field 2 (source)');
    const dst = espAddress(f[2]!, family, 'field 3 (destination)');
    const spi = espSpi(f[3]!);
    const encrLabel = f[4]!;
    if (!isWiresharkEspEncrLabel(encrLabel)) throw new LineError('field 5 (encryption algorithm): not a Wireshark ESP encryption label');
    const encrKey = espKey(f[5]!, 'field 6 (encryption key)');
    const encr = encrByWiresharkEsp(encrLabel, encrKey.length);
    if (!encr) throw new LineError(`field 6 (encryption key): ${encrKey.length} bytes is not a key length of that algorithm`);
    const authLabel = f[6]!;
    const auth = integByWiresharkEsp(authLabel);
    const any = ESP_ANY.exec(authLabel);
    if (!auth && !any) throw new LineError('field 7 (authentication algorithm): not a Wireshark ESP authentication label');
    const authKey = espKey(f[7]!, 'field 8 (authentication key)');
    if (auth && authKey.length !== auth.keyLen) throw new LineError(`field 8 (authentication key): ${authKey.length} bytes, ${auth.name} needs ${auth.keyLen}`);
    const entry: EspSaEntry = { file, line, family, src, dst, ...spi, encr, encrKey, auth, authKey };
    if (any) entry.noCheckIcvLen = Number(any[1]) / 8;
    return entry;
  });
}

export function loadIkev1DecryptionTable(path: string): KeyTable<Ikev1KeyEntry> {
  return parseIkev1DecryptionTable(readFileSync(path, 'utf8'), path);
}

export function loadIkev2DecryptionTable(path: string): KeyTable<Ikev2KeyEntry> {
  return parseIkev2DecryptionTable(readFileSync(path, 'utf8'), path);
}

export function loadEspSaTable(path: string): KeyTable<EspSaEntry> {
  return parseEspSaTable(readFileSync(path, 'utf8'), path);
}
