/**
 * Shared types of the decryption engine (issue 4): what key sources produce
 * (`KeyMaterial`), what the SA store holds (`ChildSa`), and what the engine
 * reports (`IkeSaReport`, `ChildSaReport`).
 *
 * Secrets are Uint8Arrays and are never formatted by these types' consumers
 * unless `--show-secrets` was given (see `redact` in src/decrypt/secrets.ts).
 */
import type { EncrRow, IntegRow, PrfRow } from './algorithms.js';
import type { AuthCheck } from '../dissect/decrypt-hooks.js';

/** Where a key came from, for reports (`espy keys`) and the tree's "keys from" line. */
export interface KeyOrigin {
  readonly kind:
    | 'wireshark-ikev1'
    | 'wireshark-ikev2'
    | 'wireshark-esp'
    | 'tcpdump'
    | 'xfrm'
    | 'strongswan-log'
    | 'libreswan-log'
    | 'keyring'
    | 'cli'
    | 'derived';
  readonly file?: string;
  readonly line?: number;
  /** e.g. `PSK + DH secret`, `SK_d of IKE SA 1a2b…/3c4d…`, `Quick Mode KEYMAT`. */
  readonly detail?: string;
}

/** `file:line` or `derived (detail)`: short text for reports and trees. */
export function originText(o: KeyOrigin): string {
  const at = o.file ? `${o.file}${o.line ? `:${o.line}` : ''}` : o.kind;
  return o.detail ? `${at} (${o.detail})` : at;
}

/** A malformed line in a key file: reported with file and line, skipped; the rest loads. Never contains secret values. */
export interface KeyFileIssue {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** A pre-shared key. Without `peer`/`id` it is tried on every IKE SA. */
export interface PskEntry {
  readonly psk: Uint8Array;
  /** IP address of either peer (text as espy prints it). */
  readonly peer?: string;
  /** Identity (ID payload data as text: FQDN, user@fqdn, address). */
  readonly id?: string;
  readonly origin: KeyOrigin;
}

/**
 * A Diffie-Hellman secret: the shared secret g^xy / g^ir, or one side's
 * private value (the engine computes g^xy from it and the peer's KE).
 * `spiI`/`spiR` (16 hex digits) or `publicValue` say which exchange it belongs to;
 * with neither it is tried on every exchange of a matching group.
 */
export interface DhEntry {
  readonly sharedSecret?: Uint8Array;
  readonly privateValue?: Uint8Array;
  /** The public value (KE data) belonging to privateValue, to find its exchange. */
  readonly publicValue?: Uint8Array;
  /** IANA DH group number (RFC 7296 §3.3.2 transform type 4). */
  readonly group?: number;
  readonly spiI?: string;
  readonly spiR?: string;
  readonly origin: KeyOrigin;
}

/** IKEv1 phase-1 keys for one ISAKMP SA (cookies as 16 lower-case hex digits). */
export interface Ikev1SaKeyEntry {
  readonly icookie: string;
  readonly rcookie?: string;
  /** Encryption key Ka (RFC 2409 App. B), as Wireshark's ikev1_decryption_table holds it. */
  readonly ka?: Uint8Array;
  readonly skeyid?: Uint8Array;
  readonly skeyidD?: Uint8Array;
  readonly skeyidA?: Uint8Array;
  readonly skeyidE?: Uint8Array;
  /** The first phase-1 IV, when a log gives it. */
  readonly iv?: Uint8Array;
  readonly encr?: EncrRow;
  readonly prf?: PrfRow;
  readonly origin: KeyOrigin;
}

/** IKEv2 keys for one IKE SA (SPIs as 16 lower-case hex digits). */
export interface Ikev2SaKeyEntry {
  readonly spiI: string;
  readonly spiR: string;
  readonly encr?: EncrRow;
  /** NONE for AEAD; undefined with `noCheckIcvLen` for Wireshark's "ANY n-bits [No Checking]". */
  readonly integ?: IntegRow;
  readonly noCheckIcvLen?: number;
  readonly prf?: PrfRow;
  readonly skD?: Uint8Array;
  readonly skAi?: Uint8Array;
  readonly skAr?: Uint8Array;
  readonly skEi?: Uint8Array;
  readonly skEr?: Uint8Array;
  readonly skPi?: Uint8Array;
  readonly skPr?: Uint8Array;
  readonly origin: KeyOrigin;
}

/** Keys of one ESP or AH SA as a key file gives them (esp_sa, tcpdump -E, ip xfrm state, logs, keyring). */
export interface ChildSaKeyEntry {
  readonly protocol: 'esp' | 'ah';
  /** The SPI, or a pattern (`*`, `0x1234****`) from Wireshark's esp_sa. */
  readonly spi: number | string;
  /** Addresses as text; absent or `*` = any; esp_sa patterns (`10.0.*.*`, `/24`) allowed. */
  readonly src?: string;
  readonly dst?: string;
  /** Absent for AH. ENCR_NULL row for null encryption. */
  readonly encr?: EncrRow;
  /** Cipher key with the salt appended (GCM/CTR/ChaCha 4 bytes, CCM 3), as in KEYMAT and every key file. */
  readonly encrKey?: Uint8Array;
  /** NONE row, or undefined with `noCheckIcvLen` ("authentication [no checking]"). */
  readonly integ?: IntegRow;
  readonly integKey?: Uint8Array;
  readonly noCheckIcvLen?: number;
  /** Extended sequence numbers (RFC 4303 §2.2.1): from `ip xfrm state` flag `esn`, or negotiated. */
  readonly esn?: boolean;
  /** ip xfrm state `replay-window`, when given. */
  readonly replayWindow?: number;
  readonly origin: KeyOrigin;
}

/** Everything loaded from `--keys`, `--psk`, `--psk-file`. */
export interface KeyMaterial {
  readonly psks: PskEntry[];
  readonly dh: DhEntry[];
  readonly ikev1: Ikev1SaKeyEntry[];
  readonly ikev2: Ikev2SaKeyEntry[];
  readonly child: ChildSaKeyEntry[];
  readonly issues: KeyFileIssue[];
  /** One row per file loaded: its detected format and how many entries of each kind it gave. */
  readonly files: { readonly path: string; readonly format: KeyFileFormat; readonly entries: number }[];
}

export type KeyFileFormat =
  | 'wireshark-ikev1'
  | 'wireshark-ikev2'
  | 'wireshark-esp'
  | 'tcpdump'
  | 'xfrm'
  | 'strongswan-log'
  | 'libreswan-log'
  | 'keyring'
  | 'psk-list'
  | 'unknown';

export function emptyKeyMaterial(): KeyMaterial {
  return { psks: [], dh: [], ikev1: [], ikev2: [], child: [], issues: [], files: [] };
}

/** Merge b into a (in place) and return a. */
export function mergeKeyMaterial(a: KeyMaterial, b: KeyMaterial): KeyMaterial {
  a.psks.push(...b.psks);
  a.dh.push(...b.dh);
  a.ikev1.push(...b.ikev1);
  a.ikev2.push(...b.ikev2);
  a.child.push(...b.child);
  a.issues.push(...b.issues);
  a.files.push(...b.files);
  return a;
}

/**
 * One ESP or AH SA in the store: exact SPI and (when known) destination,
 * keys ready to use. Entries from IKE derivation carry the IKE SA they came from.
 */
export interface ChildSa {
  readonly protocol: 'esp' | 'ah';
  readonly spi: number;
  /** Addresses as espy prints them (formatIPv4/formatIPv6); absent = any. */
  readonly src?: string;
  readonly dst?: string;
  readonly encr?: EncrRow;
  readonly encrKey?: Uint8Array;
  readonly integ?: IntegRow;
  readonly integKey?: Uint8Array;
  readonly noCheckIcvLen?: number;
  readonly esn?: boolean;
  readonly replayWindow?: number;
  readonly origin: KeyOrigin;
  /** `ispi/rspi` (hex) of the IKE SA that negotiated it, when derived or logged with it. */
  readonly ikeSa?: string;
  /** Traffic direction relative to the IKE initiator, when known. */
  readonly direction?: 'i2r' | 'r2i';
  /** Frame of the exchange that created it (derived SAs). */
  readonly createdInFrame?: number;
}

/** Per-SA counters, kept by the ESP/AH engine in decrypt mode. */
export interface ChildSaCounters {
  packets: number;
  bytes: number;
  decrypted: number;
  icvBad: number;
  padBad: number;
  duplicates: number;
  gaps: number;
  firstSeq?: number;
  lastSeq?: number;
  firstFrame?: number;
  lastFrame?: number;
}

export interface ChildSaReport {
  readonly sa: ChildSa;
  readonly counters: ChildSaCounters;
}

/** What the engine knows about one IKE SA, for `espy keys`, the TUI's SA view and `espy check`. */
export interface IkeSaReport {
  readonly version: 1 | 2;
  readonly spiI: string;
  readonly spiR: string;
  readonly initiator?: string;
  readonly responder?: string;
  readonly encr?: string;
  readonly integ?: string;
  readonly prf?: string;
  readonly dhGroup?: number;
  /** The rows behind `encr`/`integ`, when known (Wireshark labels for --export-keys). */
  readonly encrRow?: EncrRow;
  readonly integRow?: IntegRow;
  /** How the keys were obtained; undefined when the SA has none. */
  readonly keys?: KeyOrigin;
  /** Rekeyed from this IKE SA (`ispi/rspi`). */
  readonly rekeyOf?: string;
  readonly messages: number;
  readonly encrypted: number;
  readonly decrypted: number;
  readonly failed: number;
  /** HASH_I/HASH_R/QM HASH(n)/AUTH results with the frame they were checked in. */
  readonly checks: readonly (AuthCheck & { readonly frame: number })[];
  /** SPIs (hex) of the child SAs derived from this IKE SA. */
  readonly children: readonly string[];
  /** Secrets for --show-secrets / --export-keys (names as strongSwan logs them: SK_d, SK_ei, SKEYID_e, Ka…). */
  readonly secrets: Readonly<Record<string, Uint8Array>>;
}
