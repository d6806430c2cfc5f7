/**
 * Decoders for SA (proposals, transforms, attributes), KE, Delete and the
 * configuration payloads (IKEv1 Attributes, IKEv2 CP), with the fields and
 * notes they define.
 */
import type { DecoderGroup } from '../payload.js';
import { cfgDecoder, cfgFields, cfgNotes } from './config.js';
import { deleteDecoder, deleteFields, deleteNotes } from './delete.js';
import { keDecoder, keFields, keNotes } from './ke.js';
import { saDecoder, saFields, saNotes } from './sa.js';
import { saSharedFields } from './shared-fields.js';

export const SA_GROUP: DecoderGroup = {
  // IKEv1 payload types: RFC 2408 §3.1 (1 SA, 4 KE, 12 Delete), draft-dukes-ike-mode-cfg (14 Attributes).
  v1: [
    [1, saDecoder],
    [4, keDecoder],
    [12, deleteDecoder],
    [14, cfgDecoder],
  ],
  // IKEv2 payload types: RFC 7296 §3.2 (33 SA, 34 KE, 42 Delete, 47 CP).
  v2: [
    [33, saDecoder],
    [34, keDecoder],
    [42, deleteDecoder],
    [47, cfgDecoder],
  ],
  fields: [saSharedFields, saFields, keFields, deleteFields, cfgFields],
  notes: [saNotes, keNotes, deleteNotes, cfgNotes],
};
