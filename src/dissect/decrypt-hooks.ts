/**
 * The seam between dissection and decryption (issue 4).
 *
 * Dissectors stay stateless and know nothing about keys. The packet pipeline
 * (packet.ts) calls these hooks, when a `DecryptHooks` object is given, right
 * after it has dissected an ISAKMP, ESP or AH layer. A hook may answer with a
 * replacement layer (same spec, record extended with the fields below) and a
 * plaintext data source ("Decrypted IKE", "Decrypted ESP"); the pipeline adds
 * the source, swaps the layer and, for ESP, goes on dissecting the plaintext
 * with the ordinary dissectors (inner IP, ICMP, UDP, TCP, nested ESP…).
 *
 * The decryption engine (src/decrypt/engine.ts) implements the hooks; its
 * state (SAs, keys, IV chains) lives there, not here.
 */
import type { DataSource, DissectContext, Layer, NextHint } from './layer.js';
import type { IsakmpPayload, IsakmpRecord } from './isakmp/isakmp.js';
import type { EspRecord } from './esp.js';
import type { AhRecord } from './ah.js';
import { defineNotes, type Note } from '../core/notes.js';

export interface DecryptOutcome<R> {
  /** Plaintext to add as a new data source (absent when nothing was decrypted, e.g. ICV mismatch, or AH). */
  readonly source?: DataSource;
  /** The replacement layer (same spec, same offsets), built once the new source's index is known (-1 without a source). */
  layer(sourceIndex: number): Layer<R>;
  /** Where dissection continues, in the new source (ESP: the next header over the inner packet). */
  next?(sourceIndex: number): NextHint | undefined;
}

export interface DecryptHooks {
  /** Every ISAKMP layer (both versions, encrypted or not: clear messages carry nonces and KE the keys need). */
  ike?(ctx: DissectContext, layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined;
  /** Every ESP layer (IP protocol 50 and ESP-in-UDP). */
  esp?(ctx: DissectContext, layer: Layer<EspRecord>): DecryptOutcome<EspRecord> | undefined;
  /** Every AH layer; `below` are the layers before it (the nearest ip/ipv6 layer holds the header to check). */
  ah?(ctx: DissectContext, layer: Layer<AhRecord>, below: readonly Layer[]): DecryptOutcome<AhRecord> | undefined;
}

/** Byte range in a data source (Packet.sources index). */
export interface SourceRange {
  readonly source: number;
  readonly offset: number;
  readonly length: number;
}

export type IcvStatus = 'good' | 'bad' | 'unchecked';

/** Result of checking a HASH / AUTH payload (IKEv1 HASH_I, HASH_R, HASH(1..3); IKEv2 AUTH with a PSK). */
export interface AuthCheck {
  /** `HASH_I`, `HASH_R`, `HASH(1)`, `HASH(2)`, `HASH(3)`, `AUTH` */
  readonly what: string;
  /** true: holds; false: does not (wrong PSK / key, or tampering); undefined: could not be checked (why in `detail`). */
  readonly ok: boolean | undefined;
  readonly detail?: string;
}

/**
 * `IsakmpRecord.decrypted`: what the engine made of an encrypted IKE message
 * (IKEv1 with the E flag; IKEv2 SK, or SKF once all fragments are in).
 */
export interface IkeDecrypted {
  /** 'ok': decrypted and (IKEv2) ICV good; 'icv-bad': not decrypted (IKEv2 ICV/tag mismatch); 'garbled': IKEv1 plaintext makes no sense (wrong key/IV). */
  readonly status: 'ok' | 'icv-bad' | 'garbled';
  /** Index of the "Decrypted IKE" source (-1 when there is no plaintext). */
  readonly source: number;
  /** IV: IKEv2 explicit IV in the frame; IKEv1 computed (range absent, value given). */
  readonly iv?: Uint8Array;
  readonly ivRange?: SourceRange;
  /** IKEv2 integrity checksum / AEAD tag and its check. */
  readonly icv?: SourceRange & { readonly status: IcvStatus };
  /** Inner payload chain, walked by the ordinary ISAKMP payload walker over the plaintext source. */
  readonly payloads: readonly IsakmpPayload[];
  /** Padding and Pad Length (IKEv2, RFC 7296 §3.14) or IKEv1 zero padding, in the plaintext source. */
  readonly padding?: SourceRange;
  readonly padLength?: number;
  /** Where the keys came from, e.g. `ikev2_decryption_table:3`, `derived: PSK + DH secret (charon.log:120)`. */
  readonly keySource: string;
  /** SKF: the frames whose fragments make up this message. */
  readonly fragmentFrames?: readonly number[];
  readonly checks?: readonly AuthCheck[];
  readonly notes: readonly Note[];
}

/** `EspRecord.decrypted`: an ESP packet the engine had a key for. */
export interface EspDecrypted {
  /** 'ok': ICV (or tag) good (or no integrity) and padding sane; otherwise no plaintext is used. */
  readonly status: 'ok' | 'icv-bad' | 'bad-padding' | 'too-short';
  /** Index of the "Decrypted ESP" source (-1 when not decrypted). Holds the inner packet only (no padding/trailer). */
  readonly source: number;
  readonly encr: string;
  readonly integ: string;
  readonly iv?: SourceRange;
  readonly icv?: SourceRange & { readonly status: IcvStatus };
  /** Padding bytes, Pad Length and Next Header (RFC 4303 §2.4–2.6), values from the plaintext. */
  readonly padLength?: number;
  readonly nextHeader?: number;
  readonly padOk?: boolean;
  /** High 32 bits of the extended sequence number used (RFC 4303 §2.2.1), when the SA uses ESN. */
  readonly seqHigh?: number;
  /** 'tunnel' when the inner packet is IP-in-ESP (next header 4 or 41), else 'transport'. */
  readonly mode?: 'tunnel' | 'transport';
  readonly keySource: string;
  readonly notes: readonly Note[];
}

/** `AhRecord.verified`: the AH ICV checked with the mutable fields zeroed (RFC 4302 §3.3.3). */
export interface AhVerified {
  readonly status: IcvStatus;
  readonly integ: string;
  readonly seqHigh?: number;
  readonly keySource: string;
  readonly notes: readonly Note[];
}

/**
 * Notes raised by decryption. Registered with the other note tables
 * (dissect/ipsec.ts); ids are the contract with `espy check` and the audit.
 */
export const decryptNotes = defineNotes({
  espIcvBad: { id: 'esp.icv.bad', group: 'decryption', severity: 'error', summary: 'ESP ICV (or AEAD tag) does not match: wrong key, wrong ESN, or a damaged packet' },
  espPadBad: { id: 'esp.pad.bad', group: 'decryption', severity: 'error', summary: 'ESP padding is not 1, 2, 3, … (RFC 4303 §2.4): wrong key or algorithm' },
  espShort: { id: 'esp.short', group: 'decryption', severity: 'error', summary: 'ESP packet too short for the SA\'s IV, block size and ICV' },
  espReplayDup: { id: 'esp.replay.duplicate', group: 'sequence', severity: 'warn', summary: 'ESP sequence number seen before on this SA (replay or duplicate)' },
  espReplayWindow: { id: 'esp.replay.window', group: 'sequence', severity: 'note', summary: 'ESP sequence number falls outside the replay window (RFC 4303 §3.4.3)' },
  espSeqGap: { id: 'esp.sequence.gap', group: 'sequence', severity: 'note', summary: 'ESP sequence numbers skipped (loss before the capture point)' },
  espEsnWrap: { id: 'esp.esn.wrap', group: 'sequence', severity: 'chat', summary: 'ESN high-order bits advanced (RFC 4303 Appendix A)' },
  ahIcvBad: { id: 'ah.icv.bad', group: 'decryption', severity: 'error', summary: 'AH ICV does not match: wrong key, wrong ESN, or a modified packet' },
  ikeIcvBad: { id: 'isakmp.enc.icv.bad', group: 'decryption', severity: 'error', summary: 'IKEv2 Integrity Checksum Data (or AEAD tag) does not match: wrong SK_a / SK_e' },
  ikeGarbled: { id: 'isakmp.enc.garbled', group: 'decryption', severity: 'error', summary: 'IKEv1 plaintext is not a payload chain: wrong Ka, wrong IV, or wrong cipher' },
  ikePadBad: { id: 'isakmp.enc.pad.bad', group: 'decryption', severity: 'warn', summary: 'Encrypted payload padding or Pad Length is inconsistent' },
  hashBad: { id: 'isakmp.hash.bad', group: 'security', severity: 'error', summary: 'IKEv1 HASH payload does not verify (wrong PSK or keys, or tampering)' },
  hashGood: { id: 'isakmp.hash.good', group: 'decryption', severity: 'chat', summary: 'IKEv1 HASH payload verified' },
  authBad: { id: 'isakmp.auth.bad', group: 'security', severity: 'error', summary: 'IKEv2 AUTH payload does not verify with the PSK (wrong PSK)' },
  authGood: { id: 'isakmp.auth.good', group: 'decryption', severity: 'chat', summary: 'IKEv2 AUTH payload verified with the PSK' },
  ikeNoKeys: { id: 'isakmp.enc.nokeys', group: 'decryption', severity: 'note', summary: 'Encrypted IKE message, no keys for its IKE SA' },
});
