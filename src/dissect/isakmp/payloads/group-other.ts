/**
 * Decoders for ID, CERT, CERTREQ, HASH, SIG, NONCE, AUTH, Notify, Vendor ID,
 * NAT-D/NAT-OA, traffic selectors, EAP and the rest. Placeholder list until written.
 */
import type { DecoderGroup } from '../payload.js';

export const OTHER_GROUP: DecoderGroup = { v1: [], v2: [], fields: [], notes: [] };
