/**
 * Decoders for SA (proposals, transforms, attributes), KE, Delete and the
 * configuration payloads (IKEv1 Attributes, IKEv2 CP). Placeholder list until written.
 */
import type { DecoderGroup } from '../payload.js';

export const SA_GROUP: DecoderGroup = { v1: [], v2: [], fields: [], notes: [] };
