/**
 * Decoders for ID, CERT, CERTREQ, HASH, SIG, NONCE, AUTH, Notify, Vendor ID,
 * NAT-D/NAT-OA, Cisco fragmentation, traffic selectors, EAP and the named-bytes
 * payloads (GDOI, G-IKEv2, GSPM, puzzle), by version and payload type.
 */
import type { DecoderGroup } from '../payload.js';
import { authDecoder, authFields, authNotes, hashDecoder, nonceDecoder, sigDecoder } from './auth.js';
import { certDecoder, certFields, certNotes, certReqDecoder } from './cert.js';
import { idDecoder, idFields, idNotes } from './id.js';
import {
  eapDecoder,
  gapDecoder,
  gsaDecoder,
  gspmDecoder,
  idgDecoder,
  kdDecoder,
  miscFields,
  popDecoder,
  puzzleDecoder,
  sakDecoder,
  satDecoder,
  seqDecoder,
} from './misc.js';
import { ciscoFragDecoder, natdDecoder, natFields, natNotes, natoaDecoder } from './nat.js';
import { notifyDecoder, notifyFields, notifyNotes } from './notify.js';
import { tsDecoder, tsFields, tsNotes } from './ts.js';
import { vendorDecoder, vendorFields } from './vendor.js';

export const OTHER_GROUP: DecoderGroup = {
  // IKEv1 payload types: RFC 2408 §3.1, RFC 6407 (GDOI 15–19, 22), RFC 3947 (20, 21; drafts 130, 131), Cisco (132).
  v1: [
    [5, idDecoder],
    [6, certDecoder],
    [7, certReqDecoder],
    [8, hashDecoder],
    [9, sigDecoder],
    [10, nonceDecoder],
    [11, notifyDecoder],
    [13, vendorDecoder],
    [15, sakDecoder],
    [16, satDecoder],
    [17, kdDecoder],
    [18, seqDecoder],
    [19, popDecoder],
    [20, natdDecoder],
    [21, natoaDecoder],
    [22, gapDecoder],
    [130, natdDecoder],
    [131, natoaDecoder],
    [132, ciscoFragDecoder],
  ],
  // IKEv2 payload types: RFC 7296 §3.2, RFC 6467 (49), RFC 9838 (50–52), RFC 8019 (54).
  v2: [
    [35, idDecoder],
    [36, idDecoder],
    [37, certDecoder],
    [38, certReqDecoder],
    [39, authDecoder],
    [40, nonceDecoder],
    [41, notifyDecoder],
    [43, vendorDecoder],
    [44, tsDecoder],
    [45, tsDecoder],
    [48, eapDecoder],
    [49, gspmDecoder],
    [50, idgDecoder],
    [51, gsaDecoder],
    [52, kdDecoder],
    [54, puzzleDecoder],
  ],
  fields: [idFields, certFields, authFields, notifyFields, vendorFields, natFields, tsFields, miscFields],
  notes: [idNotes, certNotes, authNotes, notifyNotes, natNotes, tsNotes],
};
