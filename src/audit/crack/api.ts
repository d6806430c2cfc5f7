/**
 * The contract between the audit (extraction, findings, CLI) and the PSK
 * cracking core (WASM SIMD + JS fallback, worker threads).
 *
 * IKEv1 PSK (RFC 2409 §5): SKEYID = prf(PSK, Ni_b | Nr_b);
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * (HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)); prf = HMAC of the negotiated hash.
 */
export type CrackHash = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface CrackTarget {
  /** Caller's label (e.g. the IKE SA `icky/rcky`), echoed in results. */
  readonly id: string;
  readonly hash: CrackHash;
  /** Ni_b | Nr_b: the SKEYID message. */
  readonly skeyidData: Uint8Array;
  /** The HASH_R (or HASH_I) message: g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b. */
  readonly hashData: Uint8Array;
  /** The HASH payload body seen on the wire. */
  readonly expected: Uint8Array;
}

export interface Progress {
  readonly tried: number;
  /** Total candidates when known (mask, or a wordlist already counted). */
  readonly total?: number;
  /** Candidates per second over the last interval. */
  readonly rate: number;
  readonly elapsedMs: number;
  readonly etaMs?: number;
}

export interface CrackOptions {
  /** Wordlist path (`.gz` read through zlib), one candidate per line, spaces kept, CR stripped. */
  readonly wordlist?: string;
  /** Apply the built-in rule set (documented in src/audit/crack/rules.ts) to each word. */
  readonly rules?: boolean;
  /** Brute-force mask, hashcat syntax: `?l?l?d?d`, `?a`, literal characters, custom `?1`..`?4`. */
  readonly mask?: string;
  readonly customCharsets?: readonly string[];
  /** Extra candidates tried first (e.g. from --psk). */
  readonly candidates?: readonly string[];
  /** Worker threads (default: available cores). */
  readonly threads?: number;
  readonly maxTimeMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  /** Force a core: 'wasm' (SIMD), 'js' (portable) or 'node' (node:crypto HMAC); default best available. */
  readonly core?: 'wasm' | 'js' | 'node';
}

export interface CrackResult {
  readonly id: string;
  /** The PSK bytes when found. */
  readonly psk?: Uint8Array;
  readonly tried: number;
  readonly elapsedMs: number;
  readonly stopped: 'found' | 'exhausted' | 'time' | 'interrupted';
}

/** Implemented in src/audit/crack/index.ts. Several targets are attacked in one pass over the candidates. */
export type Crack = (targets: readonly CrackTarget[], opts: CrackOptions) => Promise<CrackResult[]>;
