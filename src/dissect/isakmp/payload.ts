/**
 * The contract for per-type ISAKMP payload decoders (IKEv1 and IKEv2).
 *
 * The message dissector (isakmp.ts) walks the generic payload chain and hands
 * each payload body to the decoder registered for (version, type), with a
 * Reader confined to that body. A decoder fills a draft record as it reads;
 * if it runs off the end of the body, the draft keeps what was read and the
 * payload gets a malformed note, and the walk goes on with the next payload.
 * Decoders are pure: anything needing more than one message (NAT-D
 * verification, SA state) belongs to the session pass (src/analyze).
 */
import type { FieldDef } from '../../core/fields.js';
import type { NoteDef, Note } from '../../core/notes.js';
import type { Reader } from '../../core/reader.js';
import type { TreeNode } from '../../core/tree.js';

/** What a decoder knows about the message around the payload. */
export interface PayloadContext {
  /** Major version: 1 (RFC 2408/2409) or 2 (RFC 7296). */
  readonly major: 1 | 2;
  readonly exchangeType: number;
  readonly flags: number;
  readonly messageId: number;
  /** Payload type as announced by the previous Next Payload field. */
  readonly type: number;
  /** Index of the payload in the chain. */
  readonly index: number;
}

/** A decoded payload body. `kind` names the decoder (`sa`, `notify`, `vid`, …). */
export interface DecodedPayload {
  readonly kind: string;
  /** Set when the body ended before the decoder was done. */
  truncated?: boolean;
}

export interface PayloadDecoder<D extends DecodedPayload = DecodedPayload> {
  /** A fresh draft to fill (its fields optional, so a truncated body keeps what was read). */
  draft(ctx: PayloadContext): D;
  /**
   * Read the body from `r` (confined to it) into `d`. Throwing Truncated is
   * fine: the caller records it. Push notes for bad values that are not
   * truncation (unknown codes are not bad: value tables print them).
   */
  decode(r: Reader, d: D, ctx: PayloadContext, notes: Note[]): void;
  /** Tree nodes for the body (they replace the raw `isakmp.datapayload` node). */
  tree(d: D, ctx: PayloadContext): TreeNode[];
  /**
   * Short form for the Info column and the ladder view, e.g. `N(NAT_DETECTION_SOURCE_IP)`,
   * `SA`, `KE`, `IDi`, `V(strongSwan)`. Default: the payload type's short name.
   */
  brief?(d: D, ctx: PayloadContext): string;
}

/** One group of decoders with the fields and notes they define (merged in decoders.ts). */
export interface DecoderGroup {
  /** IKEv1 payload type → decoder. */
  readonly v1: ReadonlyArray<readonly [number, PayloadDecoder<any>]>;
  /** IKEv2 payload type → decoder. */
  readonly v2: ReadonlyArray<readonly [number, PayloadDecoder<any>]>;
  readonly fields: ReadonlyArray<Readonly<Record<string, FieldDef>>>;
  readonly notes: ReadonlyArray<Readonly<Record<string, NoteDef>>>;
}
