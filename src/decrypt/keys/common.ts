/**
 * Helpers shared by the key-file parsers (src/decrypt/keys/*.ts): strict hex decoding that never
 * echoes its input, algorithm lookups by the names the various tools print, address
 * normalisation, and a builder for the {@link KeyMaterial} one file gives.
 *
 * Rule for every parser: a malformed line becomes a {@link KeyFileIssue} naming the file, the
 * line and the field — never the value — and the rest of the file still loads.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { ENCRS, INTEGS, PRFS, encrKeymatLen, type EncrRow, type IntegRow, type PrfRow } from '../algorithms.js';
import { emptyKeyMaterial, type KeyFileFormat, type KeyFileIssue, type KeyMaterial } from '../types.js';

/** A problem with one line (or field); caught by the parser and turned into an issue. */
export class LineError extends Error {}

/** Decode hex (optionally `0x`-prefixed; spaces and colons between bytes allowed when `loose`). */
export function hexBytes(value: string, name: string, opts: { loose?: boolean } = {}): Uint8Array {
  let v = value.trim();
  if (/^0x/i.test(v)) v = v.slice(2);
  if (opts.loose) v = v.replace(/[\s:]/g, '');
  if (v.length % 2 !== 0 || /[^0-9a-fA-F]/.test(v)) throw new LineError(`${name}: not an even-length hex string`);
  return new Uint8Array(Buffer.from(v, 'hex'));
}

/** 8-byte IKE SPI / cookie as 16 lower-case hex digits (with or without 0x). */
export function ikeSpi(value: string, name: string): string {
  const v = value.trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{16}$/.test(v)) throw new LineError(`${name}: not 16 hex digits`);
  return v.toLowerCase();
}

/** ESP/AH SPI: `0x…` hex or decimal, 32 bits. */
export function childSpi(value: string, name: string): number {
  const v = value.trim();
  let n: number;
  if (/^0x[0-9a-fA-F]{1,8}$/i.test(v)) n = parseInt(v.slice(2), 16);
  else if (/^[0-9a-fA-F]{8}$/.test(v) && /[a-fA-F]/.test(v)) n = parseInt(v, 16);
  else if (/^[0-9]{1,10}$/.test(v)) n = Number(v);
  else throw new LineError(`${name}: not a 0x-hex or decimal SPI`);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new LineError(`${name}: out of range`);
  return n;
}

/** An IP address as espy prints it (IPv4 dotted quad, IPv6 RFC 5952 compressed), or undefined. */
export function normalizeAddress(text: string): string | undefined {
  const t = text.trim();
  if (isIPv4(t)) return t;
  if (isIPv6(t)) {
    try {
      return new URL(`http://[${t}]/`).hostname.slice(1, -1);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * An encryption row by any of the names key files use: strongSwan proposal tokens with the key
 * size (`AES_CBC_128`, `AES_GCM_16_256`, `3DES_CBC`, `CHACHA20_POLY1305`, `NULL`), espy's row
 * names (`ENCR_AES_CBC_128`), IKEv2 Wireshark labels. `keymatLen` (key plus salt) picks the row
 * for names without a size (`AES_CBC`) and for Wireshark `esp_sa` labels.
 */
export function encrByName(name: string, keymatLen?: number): EncrRow | undefined {
  const n = name.trim();
  const exact = ENCRS.find(
    (r) =>
      r.name === n ||
      r.name === `ENCR_${n}` ||
      (r.keyBits === undefined && r.strongswan === n) ||
      (r.keyBits !== undefined && `${r.strongswan}_${r.keyBits}` === n) ||
      r.wiresharkIkev2 === n,
  );
  if (exact) return keymatLen === undefined || encrKeymatLen(exact) === keymatLen ? exact : undefined;
  if (keymatLen === undefined) return undefined;
  return ENCRS.find(
    (r) =>
      (r.strongswan === n || r.wiresharkEsp === n || r.wiresharkEspAliases?.includes(n) === true || r.name === n + `_${r.keyBits}`) &&
      encrKeymatLen(r) === keymatLen,
  );
}

/** Integrity row by strongSwan name, espy row name, Wireshark IKEv2 or ESP label. */
export function integByName(name: string): IntegRow | undefined {
  const n = name.trim();
  return INTEGS.find((r) => r.name === n || r.strongswan === n || r.name === `AUTH_${n}` || r.wiresharkIkev2 === n || r.wiresharkEsp === n);
}

/** PRF row by strongSwan / espy name (`PRF_HMAC_SHA2_256`, also without the `PRF_` prefix). */
export function prfByName(name: string): PrfRow | undefined {
  const n = name.trim();
  return PRFS.find((r) => r.name === n || r.strongswan === n || r.name === `PRF_${n}`);
}

/** IANA DH group numbers by the names strongSwan and Libreswan print. */
const DH_GROUPS: Record<string, number> = {
  MODP_768: 1,
  MODP_1024: 2,
  MODP_1536: 5,
  MODP_2048: 14,
  MODP_3072: 15,
  MODP_4096: 16,
  MODP_6144: 17,
  MODP_8192: 18,
  ECP_256: 19,
  ECP_384: 20,
  ECP_521: 21,
  MODP_1024_160: 22,
  MODP_2048_224: 23,
  MODP_2048_256: 24,
  ECP_192: 25,
  ECP_224: 26,
  ECP_224_BP: 27,
  ECP_256_BP: 28,
  ECP_384_BP: 29,
  ECP_512_BP: 30,
  CURVE_25519: 31,
  CURVE_448: 32,
  // Libreswan spellings
  MODP768: 1,
  MODP1024: 2,
  MODP1536: 5,
  MODP2048: 14,
  MODP3072: 15,
  MODP4096: 16,
  MODP6144: 17,
  MODP8192: 18,
  DH19: 19,
  DH20: 20,
  DH21: 21,
  DH31: 31,
};

export function dhGroupByName(name: string): number | undefined {
  const n = name.trim().toUpperCase();
  if (/^\d+$/.test(n)) return Number(n);
  return DH_GROUPS[n];
}

/** Collects entries and issues for one file; `done()` adds the `files` row. */
export class MaterialBuilder {
  readonly km: KeyMaterial = emptyKeyMaterial();
  constructor(
    readonly file: string,
    readonly format: KeyFileFormat,
  ) {}

  issue(line: number, message: string): void {
    (this.km.issues as KeyFileIssue[]).push({ file: this.file, line, message });
  }

  /** Run `f` for one line; a LineError becomes an issue for that line. */
  guard(line: number, f: () => void): void {
    try {
      f();
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      this.issue(line, e.message);
    }
  }

  done(): KeyMaterial {
    const k = this.km;
    const entries = k.psks.length + k.dh.length + k.ikev1.length + k.ikev2.length + k.child.length;
    k.files.push({ path: this.file, format: this.format, entries });
    return k;
  }
}

export function toHexString(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
