/**
 * espy's own key file: a JSON "keyring" holding any mix of PSKs, DH secrets, IKE SA keys and
 * ESP/AH SA keys (documented in docs/keys.md):
 *
 *   {
 *     "espy_keyring": 1,
 *     "psks":  [ { "psk": "letmein", "peer": "10.0.0.1" }, { "psk_hex": "6c65…", "id": "vpn.example" } ],
 *     "dh":    [ { "group": 14, "shared_secret": "…", "spi_i": "…", "spi_r": "…" },
 *                { "group": 19, "private": "…", "public": "…" } ],
 *     "ikev1": [ { "icookie": "…", "rcookie": "…", "ka": "…", "skeyid_e": "…", "iv": "…", "encr": "AES_CBC_128", "prf": "PRF_HMAC_SHA1" } ],
 *     "ikev2": [ { "spi_i": "…", "spi_r": "…", "encr": "AES_CBC_128", "integ": "HMAC_SHA2_256_128", "prf": "PRF_HMAC_SHA2_256",
 *                  "sk_d": "…", "sk_ai": "…", "sk_ar": "…", "sk_ei": "…", "sk_er": "…", "sk_pi": "…", "sk_pr": "…" } ],
 *     "sas":   [ { "protocol": "esp", "spi": "0xc368a3cf", "src": "10.99.1.1", "dst": "10.99.1.2",
 *                  "encr": "AES_GCM_16_256", "encr_key": "…", "integ": "NONE", "esn": false, "replay_window": 32 } ]
 *   }
 *
 * Every entry is validated on its own; a bad entry gives one issue naming its path
 * (`sas[2].encr_key`) and the line where the entry starts, and is skipped. Unknown fields are
 * errors too (a typo would otherwise silently drop a key). Hex values may have a `0x` prefix and
 * `:`/space separators. Values are never echoed.
 */
import { readFileSync } from 'node:fs';
import { encrKeymatLen, type EncrRow, type IntegRow, type PrfRow } from '../algorithms.js';
import { dhGroupInfo } from '../dh.js';
import type { ChildSaKeyEntry, DhEntry, Ikev1SaKeyEntry, Ikev2SaKeyEntry, KeyMaterial, KeyOrigin, PskEntry } from '../types.js';
import { childSpi, dhGroupByName, encrByName, hexBytes, ikeSpi, integByName, LineError, MaterialBuilder, normalizeAddress, prfByName } from './common.js';

/** True when the text is a JSON object with an `espy_keyring` member. */
export function looksLikeKeyring(text: string): boolean {
  return /^\s*\{/.test(text) && /"espy_keyring"\s*:/.test(text);
}

// ---------------------------------------------------------------------------------------------
// A small JSON reader that remembers the line where each value starts.

type JVal = { kind: 'obj'; line: number; members: Map<string, JVal> } | { kind: 'arr'; line: number; items: JVal[] } | { kind: 'str'; line: number; v: string } | { kind: 'num'; line: number; v: number } | { kind: 'bool'; line: number; v: boolean } | { kind: 'null'; line: number };

class JsonError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

function parseJson(text: string): JVal {
  let i = 0;
  let line = 1;
  const ws = () => {
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const fail = (what: string): never => {
    throw new JsonError(`not valid JSON: ${what}`, line);
  };
  const value = (): JVal => {
    ws();
    const at = line;
    const c = text[i];
    if (c === '{') {
      i++;
      const members = new Map<string, JVal>();
      ws();
      if (text[i] === '}') {
        i++;
        return { kind: 'obj', line: at, members };
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name');
        const k = str();
        ws();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        if (members.has(k)) fail(`member "${k.slice(0, 40)}" appears twice`);
        members.set(k, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'obj', line: at, members };
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JVal[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return { kind: 'arr', line: at, items };
      }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return { kind: 'arr', line: at, items };
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return { kind: 'str', line: at, v: str() };
    const lit = /^(true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!lit) return fail('unexpected character');
    i += lit[1]!.length;
    if (lit[1] === 'true' || lit[1] === 'false') return { kind: 'bool', line: at, v: lit[1] === 'true' };
    if (lit[1] === 'null') return { kind: 'null', line: at };
    return { kind: 'num', line: at, v: Number(lit[1]) };
  };
  const str = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\n') fail('newline inside a string');
      if (c === '\\') {
        const d = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (d !== undefined && d in map) {
          out += map[d];
          i += 2;
          continue;
        }
        if (d === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
          continue;
        }
        fail('bad escape in a string');
      }
      out += c;
      i++;
    }
  };
  const v = value();
  ws();
  if (i < text.length) fail('text after the end of the JSON value');
  return v;
}

// ---------------------------------------------------------------------------------------------
// Field access with precise errors.

class Entry {
  private readonly used = new Set<string>();
  constructor(
    readonly path: string,
    readonly obj: Extract<JVal, { kind: 'obj' }>,
  ) {}

  private get(k: string): JVal | undefined {
    this.used.add(k);
    const v = this.obj.members.get(k);
    return v?.kind === 'null' ? undefined : v;
  }

  has(k: string): boolean {
    const v = this.obj.members.get(k);
    return v !== undefined && v.kind !== 'null';
  }

  str(k: string, required = false): string | undefined {
    const v = this.get(k);
    if (!v) {
      if (required) throw new LineError(`${this.path}.${k}: missing`);
      return undefined;
    }
    if (v.kind !== 'str') throw new LineError(`${this.path}.${k}: must be a string`);
    return v.v;
  }

  hex(k: string, required = false): Uint8Array | undefined {
    const s = this.str(k, required);
    if (s === undefined) return undefined;
    return hexBytes(s, `${this.path}.${k}`, { loose: true });
  }

  num(k: string): number | undefined {
    const v = this.get(k);
    if (!v) return undefined;
    if (v.kind !== 'num' || !Number.isInteger(v.v) || v.v < 0) throw new LineError(`${this.path}.${k}: must be a non-negative integer`);
    return v.v;
  }

  bool(k: string): boolean | undefined {
    const v = this.get(k);
    if (!v) return undefined;
    if (v.kind !== 'bool') throw new LineError(`${this.path}.${k}: must be true or false`);
    return v.v;
  }

  /** A string or a number (SPIs, groups). */
  raw(k: string): string | number | undefined {
    const v = this.get(k);
    if (!v) return undefined;
    if (v.kind === 'str' || v.kind === 'num') return v.v;
    throw new LineError(`${this.path}.${k}: must be a string or a number`);
  }

  /** After reading: every member must have been known. */
  noExtras(): void {
    for (const k of this.obj.members.keys()) if (!this.used.has(k)) throw new LineError(`${this.path}.${k.slice(0, 40)}: unknown field`);
  }
}

function ikeSpiField(e: Entry, k: string, required: boolean): string | undefined {
  const v = e.raw(k);
  if (v === undefined) {
    if (required) throw new LineError(`${e.path}.${k}: missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw new LineError(`${e.path}.${k}: must be a string of 16 hex digits`);
  return ikeSpi(v, `${e.path}.${k}`);
}

function addressField(e: Entry, k: string): string | undefined {
  const v = e.str(k);
  if (v === undefined || v === '*') return undefined;
  const a = normalizeAddress(v);
  if (!a) throw new LineError(`${e.path}.${k}: not an IPv4 or IPv6 address`);
  return a;
}

function encrField(e: Entry, k: string, keyLen: number | undefined): EncrRow | undefined {
  const name = e.str(k);
  if (name === undefined) return undefined;
  const row = encrByName(name, keyLen) ?? (keyLen !== undefined ? undefined : encrByName(name));
  if (!row) {
    if (keyLen !== undefined && encrByName(name)) throw new LineError(`${e.path}.${k}: the key is ${keyLen} bytes, ${encrByName(name)!.name} needs ${encrKeymatLen(encrByName(name)!)}`);
    throw new LineError(`${e.path}.${k}: unknown encryption algorithm (or key length not valid for it)`);
  }
  return row;
}

function integField(e: Entry, k: string): IntegRow | undefined {
  const name = e.str(k);
  if (name === undefined) return undefined;
  const row = integByName(name);
  if (!row) throw new LineError(`${e.path}.${k}: unknown integrity algorithm`);
  return row;
}

function prfField(e: Entry, k: string): PrfRow | undefined {
  const name = e.str(k);
  if (name === undefined) return undefined;
  const row = prfByName(name);
  if (!row) throw new LineError(`${e.path}.${k}: unknown PRF`);
  return row;
}

function checkLen(e: Entry, k: string, b: Uint8Array | undefined, want: number | undefined, alg: string | undefined): void {
  if (b && want !== undefined && b.length !== want) throw new LineError(`${e.path}.${k}: ${b.length} bytes, ${alg} needs ${want}`);
}

// ---------------------------------------------------------------------------------------------

function psk(e: Entry, origin: KeyOrigin): PskEntry {
  const text = e.str('psk');
  const hex = e.hex('psk_hex');
  if ((text === undefined) === (hex === undefined)) throw new LineError(`${e.path}: give exactly one of "psk" and "psk_hex"`);
  const bytes = hex ?? new Uint8Array(Buffer.from(text!, 'utf8'));
  if (bytes.length === 0) throw new LineError(`${e.path}: the PSK is empty`);
  const peer = addressField(e, 'peer');
  const id = e.str('id');
  e.noExtras();
  return { psk: bytes, ...(peer ? { peer } : {}), ...(id ? { id } : {}), origin };
}

function dh(e: Entry, origin: KeyOrigin): DhEntry {
  const g = e.raw('group');
  let group: number | undefined;
  if (g !== undefined) {
    group = typeof g === 'number' ? g : dhGroupByName(g);
    if (group === undefined) throw new LineError(`${e.path}.group: unknown DH group`);
  }
  const shared = e.hex('shared_secret');
  const priv = e.hex('private');
  const pub = e.hex('public');
  const spiI = ikeSpiField(e, 'spi_i', false);
  const spiR = ikeSpiField(e, 'spi_r', false);
  e.noExtras();
  if (!shared && !priv) throw new LineError(`${e.path}: needs "shared_secret" or "private"`);
  if (shared && priv) throw new LineError(`${e.path}: give "shared_secret" or "private", not both`);
  if (pub && !priv) throw new LineError(`${e.path}.public: only with "private"`);
  if (priv && group === undefined) throw new LineError(`${e.path}.group: required with "private"`);
  const info = group !== undefined ? dhGroupInfo(group) : undefined;
  if (priv && !info) throw new LineError(`${e.path}.group: espy cannot compute DH for this group`);
  if (shared && info && shared.length !== info.secretLen) throw new LineError(`${e.path}.shared_secret: ${shared.length} bytes, ${info.name} gives ${info.secretLen}`);
  if (pub && info && pub.length !== info.publicLen) throw new LineError(`${e.path}.public: ${pub.length} bytes, ${info.name} public values are ${info.publicLen}`);
  return {
    ...(shared ? { sharedSecret: shared } : {}),
    ...(priv ? { privateValue: priv } : {}),
    ...(pub ? { publicValue: pub } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(spiI ? { spiI } : {}),
    ...(spiR ? { spiR } : {}),
    origin,
  };
}

function ikev1(e: Entry, origin: KeyOrigin): Ikev1SaKeyEntry {
  const icookie = ikeSpiField(e, 'icookie', true)!;
  const rcookie = ikeSpiField(e, 'rcookie', false);
  const ka = e.hex('ka');
  const skeyid = e.hex('skeyid');
  const skeyidD = e.hex('skeyid_d');
  const skeyidA = e.hex('skeyid_a');
  const skeyidE = e.hex('skeyid_e');
  const iv = e.hex('iv');
  const encr = encrField(e, 'encr', undefined);
  const prf = prfField(e, 'prf');
  e.noExtras();
  if (!ka && !skeyidE && !skeyid) throw new LineError(`${e.path}: needs "ka", "skeyid_e" or "skeyid"`);
  if (encr && ka && ka.length !== encr.keyLen) throw new LineError(`${e.path}.ka: ${ka.length} bytes, ${encr.name} needs ${encr.keyLen}`);
  if (encr && iv && iv.length !== encr.blockSize) throw new LineError(`${e.path}.iv: ${iv.length} bytes, ${encr.name} blocks are ${encr.blockSize}`);
  return {
    icookie,
    ...(rcookie ? { rcookie } : {}),
    ...(ka ? { ka } : {}),
    ...(skeyid ? { skeyid } : {}),
    ...(skeyidD ? { skeyidD } : {}),
    ...(skeyidA ? { skeyidA } : {}),
    ...(skeyidE ? { skeyidE } : {}),
    ...(iv ? { iv } : {}),
    ...(encr ? { encr } : {}),
    ...(prf ? { prf } : {}),
    origin,
  };
}

function ikev2(e: Entry, origin: KeyOrigin): Ikev2SaKeyEntry {
  const spiI = ikeSpiField(e, 'spi_i', true)!;
  const spiR = ikeSpiField(e, 'spi_r', true)!;
  const k = {
    skD: e.hex('sk_d'),
    skAi: e.hex('sk_ai'),
    skAr: e.hex('sk_ar'),
    skEi: e.hex('sk_ei'),
    skEr: e.hex('sk_er'),
    skPi: e.hex('sk_pi'),
    skPr: e.hex('sk_pr'),
  };
  const encr = encrField(e, 'encr', k.skEi?.length ?? k.skEr?.length);
  let integ = integField(e, 'integ');
  const prf = prfField(e, 'prf');
  e.noExtras();
  if (!k.skEi && !k.skEr && !k.skD) throw new LineError(`${e.path}: needs "sk_ei"/"sk_er" or "sk_d"`);
  if (encr) {
    checkLen(e, 'sk_ei', k.skEi, encrKeymatLen(encr), encr.name);
    checkLen(e, 'sk_er', k.skEr, encrKeymatLen(encr), encr.name);
    if (encr.aead && integ && integ.ikev2Id !== 0) throw new LineError(`${e.path}.integ: ${encr.name} is AEAD, integ must be NONE`);
    if (encr.aead && !integ) integ = integByName('NONE');
  }
  if (integ) {
    checkLen(e, 'sk_ai', k.skAi, integ.keyLen || undefined, integ.name);
    checkLen(e, 'sk_ar', k.skAr, integ.keyLen || undefined, integ.name);
  }
  if (prf) {
    checkLen(e, 'sk_d', k.skD, prf.keyLen, prf.name);
    checkLen(e, 'sk_pi', k.skPi, prf.keyLen, prf.name);
    checkLen(e, 'sk_pr', k.skPr, prf.keyLen, prf.name);
  }
  const out: Record<string, unknown> = { spiI, spiR, origin };
  if (encr) out.encr = encr;
  if (integ) out.integ = integ;
  if (prf) out.prf = prf;
  for (const [key, v] of Object.entries(k)) if (v) out[key] = v;
  return out as unknown as Ikev2SaKeyEntry;
}

function sa(e: Entry, origin: KeyOrigin): ChildSaKeyEntry {
  const protocol = e.str('protocol') ?? 'esp';
  if (protocol !== 'esp' && protocol !== 'ah') throw new LineError(`${e.path}.protocol: must be "esp" or "ah"`);
  const rawSpi = e.raw('spi');
  if (rawSpi === undefined) throw new LineError(`${e.path}.spi: missing`);
  const spi = typeof rawSpi === 'number' ? childSpi(String(rawSpi), `${e.path}.spi`) : childSpi(rawSpi, `${e.path}.spi`);
  const src = addressField(e, 'src');
  const dst = addressField(e, 'dst');
  const encrKey = e.hex('encr_key');
  const integKey = e.hex('integ_key');
  const encr = encrField(e, 'encr', encrKey?.length ?? (e.has('encr') && /null/i.test(e.str('encr') ?? '') ? 0 : undefined));
  const integ = integField(e, 'integ');
  const esn = e.bool('esn');
  const replayWindow = e.num('replay_window');
  e.noExtras();
  if (protocol === 'esp') {
    if (!encr) throw new LineError(`${e.path}.encr: required for ESP`);
    if (encr.keyLen > 0 && !encrKey) throw new LineError(`${e.path}.encr_key: missing`);
  } else if (encr || encrKey) throw new LineError(`${e.path}: AH has no encryption`);
  let integRow = integ;
  if (!integRow) {
    if (protocol === 'ah') throw new LineError(`${e.path}.integ: required for AH`);
    if (encr!.aead) integRow = integByName('NONE');
    else throw new LineError(`${e.path}.integ: missing (use "NONE" for ESP without integrity)`);
  }
  if (encr?.aead && integRow!.ikev2Id !== 0) throw new LineError(`${e.path}.integ: ${encr.name} is AEAD, integ must be NONE`);
  if (integRow!.keyLen > 0 && !integKey) throw new LineError(`${e.path}.integ_key: missing`);
  checkLen(e, 'integ_key', integKey, integRow!.keyLen, integRow!.name);
  return {
    protocol,
    spi,
    ...(src ? { src } : {}),
    ...(dst ? { dst } : {}),
    ...(encr ? { encr, encrKey: encrKey ?? new Uint8Array(0) } : {}),
    integ: integRow!,
    ...(integKey && integKey.length ? { integKey } : {}),
    ...(esn !== undefined ? { esn } : {}),
    ...(replayWindow !== undefined ? { replayWindow } : {}),
    origin,
  };
}

const SECTIONS = ['psks', 'dh', 'ikev1', 'ikev2', 'sas'] as const;

/** Parse an espy keyring. */
export function parseKeyring(text: string, file = 'keyring.json'): KeyMaterial {
  const b = new MaterialBuilder(file, 'keyring');
  let root: JVal;
  try {
    root = parseJson(text);
  } catch (e) {
    if (!(e instanceof JsonError)) throw e;
    b.issue(e.line, e.message);
    return b.done();
  }
  if (root.kind !== 'obj') {
    b.issue(root.line, 'the keyring must be a JSON object');
    return b.done();
  }
  const version = root.members.get('espy_keyring');
  if (!version || version.kind !== 'num' || version.v !== 1) {
    b.issue(version?.line ?? root.line, 'espy_keyring: must be 1 (the only version)');
    return b.done();
  }
  for (const [k, v] of root.members) {
    if (k === 'espy_keyring' || k === 'comment' || k.startsWith('_')) continue;
    if (!(SECTIONS as readonly string[]).includes(k)) {
      b.issue(v.line, `${k.slice(0, 40)}: unknown section (psks, dh, ikev1, ikev2, sas)`);
      continue;
    }
    if (v.kind !== 'arr') {
      b.issue(v.line, `${k}: must be an array`);
      continue;
    }
    v.items.forEach((item, idx) => {
      const path = `${k}[${idx}]`;
      b.guard(item.line, () => {
        if (item.kind !== 'obj') throw new LineError(`${path}: must be an object`);
        const e = new Entry(path, item);
        const origin: KeyOrigin = { kind: 'keyring', file, line: item.line, detail: path };
        if (k === 'psks') b.km.psks.push(psk(e, origin));
        else if (k === 'dh') b.km.dh.push(dh(e, origin));
        else if (k === 'ikev1') b.km.ikev1.push(ikev1(e, origin));
        else if (k === 'ikev2') b.km.ikev2.push(ikev2(e, origin));
        else b.km.child.push(sa(e, origin));
      });
    });
  }
  return b.done();
}

export function loadKeyring(path: string): KeyMaterial {
  return parseKeyring(readFileSync(path, 'utf8'), path);
}
