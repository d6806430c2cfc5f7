/**
 * IKEv2 AUTH with a pre-shared key (RFC 7296 §2.15, Authentication Method 2):
 *
 *   AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), <SignedOctets> )
 *   InitiatorSignedOctets = RealMessage1 | NonceRData | prf(SK_pi, RestOfInitIDPayload)
 *   ResponderSignedOctets = RealMessage2 | NonceIData | prf(SK_pr, RestOfRespIDPayload)
 *
 * RealMessage1/2 are the IKE_SA_INIT request/response as sent; the nonces are payload bodies;
 * RestOf…IDPayload is the ID payload body (ID Type, RESERVED, data) without the generic header.
 */
import { equalBytes, concatBytes } from '../../core/bytes.js';
import type { PrfRow } from '../algorithms.js';
import { prf } from '../kdf/ikev2.js';

const KEY_PAD = new TextEncoder().encode('Key Pad for IKEv2');

/** RFC 7296 §2.15: the signed octets of one side. */
export function signedOctets(row: PrfRow, realMessage: Uint8Array, peerNonce: Uint8Array, skP: Uint8Array, idBody: Uint8Array): Uint8Array {
  return concatBytes(realMessage, peerNonce, prf(row, skP, idBody));
}

/** AUTH data for a PSK over the signed octets (RFC 7296 §2.15). */
export function pskAuth(row: PrfRow, psk: Uint8Array, octets: Uint8Array): Uint8Array {
  return prf(row, prf(row, psk, KEY_PAD), octets);
}

/** Constant-time check of received AUTH data against the PSK. */
export function pskAuthVerifies(row: PrfRow, psk: Uint8Array, octets: Uint8Array, authData: Uint8Array): boolean {
  return equalBytes(pskAuth(row, psk, octets), authData);
}
