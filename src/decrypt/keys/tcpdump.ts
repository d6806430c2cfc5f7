/**
 * tcpdump's `-E` ESP secrets (print-esp.c `esp_print_decode_onesecret`), one per line or
 * comma-separated, `#` comment lines:
 *
 *   SPI@DSTADDR ALGO:SECRET        ESP SA; SPI is 0x-hex or decimal; DSTADDR IPv4 or IPv6
 *   ALGO:SECRET                    default SA (any SPI, any address)
 *   ikev2 I|R 0xSPIi 0xSPIr AUTH:KEY ENCR:KEY
 *                                  IKEv2 SA keys of one direction (I = initiator's SK_ai/SK_ei)
 *   file PATH                      read more secrets from PATH (not followed by espy: reported)
 *
 * ALGO is an OpenSSL cipher name, optionally with `-cbc` and with `-hmac96` (tcpdump then strips
 * a 12-byte ICV without checking it): `des-cbc`, `3des-cbc`, `aes128-cbc-hmac96`,
 * `aes256-cbc`, `aes-128-cbc`, `cast128-cbc`, `blowfish-cbc`… SECRET is `0x`-hex or the literal
 * bytes of the text. espy supports the DES, 3DES and AES-CBC ciphers; the others are reported.
 *
 * The `ikev2` form is also what Libreswan prints with `plutodebug=private` (`| ikev2 I 0x… 0x…
 * sha256:0x… aes128:0x…`); AUTH is `sha1`, `md5`, `sha256`, `sha384`, `sha512` or `none`, ENCR
 * is `aes128`… (CBC), `3des`, or Libreswan's `aes_gcm_16256`-style AEAD names.
 */
import { readFileSync } from 'node:fs';
import { encrKeymatLen, ENCRS, integByStrongswan, type EncrRow, type IntegRow } from '../algorithms.js';
import type { ChildSaKeyEntry, Ikev2SaKeyEntry, KeyMaterial } from '../types.js';
import { childSpi, hexBytes, ikeSpi, LineError, MaterialBuilder, normalizeAddress } from './common.js';

/** A default-SA line: an OpenSSL-style cipher name, then `:` and the secret. */
const ALGO_TOKEN = /^(des|3des|des3|des-ede3|aes|aes-?(128|192|256)|cast|cast128|cast5|blowfish|bf|rc5|idea|camellia(128|192|256)?)(-cbc)?(-hmac96)?:\S+$/i;

/** True when the first meaningful lines look like tcpdump -E secrets. */
export function looksLikeTcpdump(text: string): boolean {
  let seen = 0;
  let good = 0;
  for (const raw of text.split(/\r?\n/, 200)) {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) continue;
    seen++;
    if (/^(0x[0-9a-f]+|\d+)@\S+\s+[\w-]+:\S+$/i.test(t) || /^ikev2\s+[IR]\s+0x[0-9a-f]{16}\s+0x[0-9a-f]{16}\s+/i.test(t) || /^file\s+\S/.test(t) || ALGO_TOKEN.test(t)) good++;
    if (seen >= 20) break;
  }
  return seen > 0 && good * 2 > seen;
}

/** The row for an OpenSSL cipher name as tcpdump accepts it (after `-hmac96`/`-cbc` are removed). */
function cipherRow(name: string, keyLen: number): EncrRow {
  const n = name.toLowerCase();
  let strongswan: string | undefined;
  let bits: number | undefined;
  if (n === 'des' || n === 'des-cbc') strongswan = 'DES_CBC';
  else if (n === '3des' || n === 'des-ede3' || n === 'des3' || n === 'des-ede3-cbc') strongswan = '3DES_CBC';
  else {
    const m = /^aes-?(128|192|256)$/.exec(n);
    if (m) {
      strongswan = 'AES_CBC';
      bits = Number(m[1]);
    } else if (n === 'aes') strongswan = 'AES_CBC';
  }
  if (!strongswan) throw new LineError('cipher is not supported by espy (DES, 3DES and AES-CBC are)');
  const row = ENCRS.find((r) => r.strongswan === strongswan && (bits === undefined || r.keyBits === bits) && encrKeymatLen(r) === keyLen);
  if (!row) throw new LineError(`secret: ${keyLen} bytes is not a key length of that cipher`);
  return row;
}

/** `ALGO:SECRET` → cipher row, key and whether a 96-bit ICV follows. */
function decodeEncAlgo(token: string): { encr: EncrRow; key: Uint8Array; hmac96: boolean } {
  const colon = token.indexOf(':');
  if (colon <= 0) throw new LineError('expected ALGO:SECRET');
  let algo = token.slice(0, colon);
  const secret = token.slice(colon + 1);
  let hmac96 = false;
  if (algo.length > 7 && algo.endsWith('-hmac96')) {
    algo = algo.slice(0, -7);
    hmac96 = true;
  }
  if (algo.length > 4 && algo.endsWith('-cbc')) algo = algo.slice(0, -4);
  const key = /^0x/i.test(secret) ? hexBytes(secret, 'secret') : new Uint8Array(Buffer.from(secret, 'latin1'));
  if (key.length === 0) throw new LineError('secret: empty');
  return { encr: cipherRow(algo, key.length), key, hmac96 };
}

const IKE_INTEG: Record<string, string> = {
  none: 'NONE',
  md5: 'HMAC_MD5_96',
  sha1: 'HMAC_SHA1_96',
  sha256: 'HMAC_SHA2_256_128',
  sha384: 'HMAC_SHA2_384_192',
  sha512: 'HMAC_SHA2_512_256',
};

/** IKEv2 line ENCR:KEY (tcpdump / Libreswan spelling). The key may lack the AEAD salt (Libreswan). */
export function ikeEncr(name: string, keyLen: number): { row: EncrRow; saltMissing: boolean } {
  const n = name.toLowerCase();
  let strongswan: string | undefined;
  let bits: number | undefined;
  let m: RegExpExecArray | null;
  if ((m = /^aes-?(128|192|256)(-cbc)?$/.exec(n))) {
    strongswan = 'AES_CBC';
    bits = Number(m[1]);
  } else if (n === '3des' || n === '3des-cbc') strongswan = '3DES_CBC';
  else if (n === 'des' || n === 'des-cbc') strongswan = 'DES_CBC';
  else if ((m = /^aes_(gcm|ccm)_(8|12|16)(128|192|256)$/.exec(n))) {
    strongswan = `AES_${m[1]!.toUpperCase()}_${m[2]}`;
    bits = Number(m[3]);
  } else if ((m = /^aes_ctr(128|192|256)$/.exec(n))) {
    strongswan = 'AES_CTR';
    bits = Number(m[1]);
  } else if (n === 'chacha20_poly1305' || n === 'chacha20poly1305') strongswan = 'CHACHA20_POLY1305';
  if (!strongswan) throw new LineError('encryption algorithm is not supported');
  const rows = ENCRS.filter((r) => r.strongswan === strongswan && (bits === undefined || r.keyBits === bits));
  for (const r of rows) {
    if (encrKeymatLen(r) === keyLen) return { row: r, saltMissing: false };
    if (r.saltLen > 0 && r.keyLen === keyLen) return { row: r, saltMissing: true };
  }
  throw new LineError(`encryption key: ${keyLen} bytes is not a key length of that algorithm`);
}

export function ikeInteg(name: string, keyLen: number): IntegRow {
  const s = IKE_INTEG[name.toLowerCase()];
  const row = s ? integByStrongswan(s) : undefined;
  if (!row) throw new LineError('integrity algorithm is not supported');
  if (row.keyLen !== keyLen) throw new LineError(`integrity key: ${keyLen} bytes, ${row.name} needs ${row.keyLen}`);
  return row;
}

interface HalfIke {
  line: number;
  encr: EncrRow;
  integ: IntegRow;
  skE: Uint8Array;
  skA: Uint8Array;
  saltMissing: boolean;
}

/**
 * Parse one `ikev2 I|R 0xSPIi 0xSPIr AUTH:KEY ENCR:KEY` line (fields after `ikev2`).
 * Exported for the Libreswan parser, which finds the same lines in pluto's debug log.
 */
export function parseIkev2Line(fields: string[]): { initiator: boolean; spiI: string; spiR: string; half: Omit<HalfIke, 'line'> } {
  if (fields.length < 5) throw new LineError('ikev2 line: expected I|R, SPIi, SPIr, AUTH:KEY and ENCR:KEY');
  const dir = fields[0]!;
  if (dir !== 'I' && dir !== 'R') throw new LineError('ikev2 line: direction is not I or R');
  if (!/^0x/i.test(fields[1]!) || !/^0x/i.test(fields[2]!)) throw new LineError('ikev2 line: SPIs must be 0x-prefixed');
  const spiI = ikeSpi(fields[1]!, 'initiator SPI');
  const spiR = ikeSpi(fields[2]!, 'responder SPI');
  const [authName, authKey] = splitAlgo(fields[3]!, 'authentication');
  const [encName, encKey] = splitAlgo(fields[4]!, 'encryption');
  const skA = authKey === '' ? new Uint8Array(0) : hexBytes(authKey, 'authentication key');
  const skE = hexBytes(encKey, 'encryption key');
  const integ = ikeInteg(authName, skA.length);
  const { row: encr, saltMissing } = ikeEncr(encName, skE.length);
  if (encr.aead && integ.ikev2Id !== 0) throw new LineError(`${encr.name} is AEAD: authentication must be "none"`);
  return { initiator: dir === 'I', spiI, spiR, half: { encr, integ, skE, skA, saltMissing } };
}

function splitAlgo(token: string, what: string): [string, string] {
  const c = token.indexOf(':');
  if (c <= 0) throw new LineError(`${what}: expected ALGO:KEY`);
  return [token.slice(0, c), token.slice(c + 1)];
}

/** Combine the I and R halves of one IKE SA; undefined (with an issue) when they disagree. */
export function joinIkev2Halves(
  spiI: string,
  spiR: string,
  i: HalfIke | undefined,
  r: HalfIke | undefined,
  origin: Ikev2SaKeyEntry['origin'],
): Ikev2SaKeyEntry | string {
  const a = i ?? r!;
  if (i && r && (i.encr !== r.encr || i.integ !== r.integ)) return 'I and R lines name different algorithms';
  if ((i?.saltMissing ?? false) || (r?.saltMissing ?? false)) return `${a.encr.name} key without its salt: not usable`;
  return {
    spiI,
    spiR,
    encr: a.encr,
    integ: a.integ,
    ...(i ? { skEi: i.skE, ...(i.skA.length ? { skAi: i.skA } : {}) } : {}),
    ...(r ? { skEr: r.skE, ...(r.skA.length ? { skAr: r.skA } : {}) } : {}),
    origin,
  };
}

/** Parse tcpdump -E secrets (the text of an `-E file` or of the -E argument itself). */
export function parseTcpdumpSecrets(text: string, file = 'tcpdump-secrets'): KeyMaterial {
  const b = new MaterialBuilder(file, 'tcpdump');
  const ike = new Map<string, { i?: HalfIke; r?: HalfIke; line: number }>();
  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = idx + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    // tcpdump also splits on commas (command-line form); a comma never occurs inside a field.
    for (const part of raw.split(',')) {
      const t = part.trim();
      if (t === '') continue;
      b.guard(line, () => parseOne(t, line));
    }
  });
  function parseOne(t: string, line: number): void {
    const fields = t.split(/[ \t]+/);
    const first = fields[0]!;
    if (first.toLowerCase() === 'file') throw new LineError('"file" lines are not followed: load that file with its own --keys');
    if (first.toLowerCase() === 'ikev2') {
      const p = parseIkev2Line(fields.slice(1));
      const key = `${p.spiI}/${p.spiR}`;
      const slot = ike.get(key) ?? { line };
      const half = { ...p.half, line };
      if (p.initiator) slot.i = half;
      else slot.r = half;
      ike.set(key, slot);
      return;
    }
    let spi: number | string = '*';
    let dst: string | undefined;
    let decode: string;
    if (fields.length === 1) decode = first;
    else {
      if (fields.length > 2) throw new LineError('expected SPI@ADDRESS ALGO:SECRET');
      const at = first.indexOf('@');
      if (at <= 0) throw new LineError('expected SPI@ADDRESS before the algorithm');
      spi = childSpi(first.slice(0, at), 'SPI');
      const addr = normalizeAddress(first.slice(at + 1));
      if (!addr) throw new LineError('address after @ is not an IPv4 or IPv6 address');
      dst = addr;
      decode = fields[1]!;
    }
    const { encr, key, hmac96 } = decodeEncAlgo(decode);
    const entry: ChildSaKeyEntry = {
      protocol: 'esp',
      spi,
      ...(dst ? { dst } : {}),
      encr,
      encrKey: key,
      ...(hmac96 ? { noCheckIcvLen: 12 } : { integ: integByStrongswan('NONE')! }),
      origin: { kind: 'tcpdump', file, line },
    };
    b.km.child.push(entry);
  }
  for (const [k, slot] of ike) {
    const [spiI, spiR] = k.split('/') as [string, string];
    const line = slot.i?.line ?? slot.r!.line;
    const e = joinIkev2Halves(spiI, spiR, slot.i, slot.r, { kind: 'tcpdump', file, line });
    if (typeof e === 'string') b.issue(line, e);
    else b.km.ikev2.push(e);
  }
  return b.done();
}

export function loadTcpdumpSecrets(path: string): KeyMaterial {
  return parseTcpdumpSecrets(readFileSync(path, 'utf8'), path);
}
