/**
 * ISAKMP / IKE value tables (codes are data, not enums).
 *
 * Names follow what tshark 4.0 prints (packet-isakmp.c value strings, kept
 * byte for byte, including the trailing space of "NONE / No Next Payload ")
 * so `-V` output lines up with Wireshark's; values Wireshark 4.0 does not
 * know take their IANA registry names ("Internet Key Exchange (IKE)
 * Attributes" and "IKEv2 Parameters").
 *
 * IKEv1 and IKEv2 numbers do not overlap (exchange types 1–6/32/33 vs 34–45;
 * payload types 1–22 vs 33–54), so the field registry carries one merged
 * table per field; the tree picks the version-specific table for display so
 * an IKEv2 message never calls payload 1 "Security Association".
 */
import { codeTable } from '../../core/codes.js';

/** IKEv1 exchange types: RFC 2408 §3.1 (0–5), RFC 2409 §5.5/§5.6 (32, 33), mode-config draft (6). */
export const IKEV1_EXCHANGE_TYPES = codeTable(
  'IKEv1ExchangeType',
  {
    0: 'NONE',
    1: 'Base',
    2: 'Identity Protection (Main Mode)',
    3: 'Authentication Only',
    4: 'Aggressive',
    5: 'Informational',
    6: 'Transaction (Config Mode)',
    32: 'Quick Mode',
    33: 'New Group Mode',
  },
  [
    { min: 7, max: 31, name: 'ISAKMP Future Use' },
    // RFC 2408 §3.1: 32–239 are DOI-specific; the IPsec DOI assigns 32 and 33 only.
    { min: 34, max: 239, name: 'DOI Specific Use' },
    { min: 240, max: 255, name: 'Private Use' },
  ],
);

/** IKEv2 exchange types: RFC 7296 §3.1 and the IANA "IKEv2 Exchange Types" registry. */
export const IKEV2_EXCHANGE_TYPES = codeTable(
  'IKEv2ExchangeType',
  {
    34: 'IKE_SA_INIT',
    35: 'IKE_AUTH',
    36: 'CREATE_CHILD_SA',
    37: 'INFORMATIONAL',
    38: 'IKE_SESSION_RESUME', // RFC 5723
    39: 'GSA_AUTH', // RFC 9838 (G-IKEv2)
    40: 'GSA_REGISTRATION',
    41: 'GSA_REKEY',
    43: 'IKE_INTERMEDIATE', // RFC 9242
    44: 'IKE_FOLLOWUP_KE', // RFC 9370
    45: 'GSA_INBAND_REKEY',
  },
  [
    { min: 0, max: 33, name: 'Reserved' },
    { min: 42, max: 42, name: 'Unassigned' },
    { min: 46, max: 239, name: 'Unassigned' },
    { min: 240, max: 255, name: 'Private Use' },
  ],
);

/** Both versions' exchange types in one table, for the `isakmp.exchangetype` field definition. */
export const ISAKMP_EXCHANGE_TYPES = codeTable(
  'ExchangeType',
  Object.fromEntries([...IKEV1_EXCHANGE_TYPES.values, ...IKEV2_EXCHANGE_TYPES.values]),
  [
    { min: 7, max: 31, name: 'ISAKMP Future Use' },
    { min: 42, max: 42, name: 'Unassigned' },
    { min: 46, max: 239, name: 'Unassigned' },
    { min: 240, max: 255, name: 'Private Use' },
  ],
);

const NO_NEXT_PAYLOAD = 'NONE / No Next Payload ';

/**
 * IKEv1 payload types: RFC 2408 §3.1 (1–13), mode-config draft (14), RFC 3547
 * GDOI (15–19), RFC 3947 NAT-T (20, 21, and the pre-RFC draft numbers
 * 130/131), RFC 6407 (22), Cisco fragmentation (132).
 */
export const IKEV1_PAYLOAD_TYPES = codeTable(
  'IKEv1PayloadType',
  {
    0: NO_NEXT_PAYLOAD,
    1: 'Security Association',
    2: 'Proposal',
    3: 'Transform',
    4: 'Key Exchange',
    5: 'Identification',
    6: 'Certificate',
    7: 'Certificate Request',
    8: 'Hash',
    9: 'Signature',
    10: 'Nonce',
    11: 'Notification',
    12: 'Delete',
    13: 'Vendor ID',
    14: 'Attributes',
    15: 'SA KEK Payload',
    16: 'SA TEK Payload',
    17: 'Key Download',
    18: 'Sequence Number',
    19: 'Proof of Possession',
    20: 'NAT-D (RFC 3947)',
    21: 'NAT-OA (RFC 3947)',
    22: 'Group Associated Policy',
    130: 'NAT-D (draft-ietf-ipsec-nat-t-ike-01 to 03)',
    131: 'NAT-OA (draft-ietf-ipsec-nat-t-ike-01 to 03)',
    132: 'Cisco-Fragmentation',
  },
  [
    { min: 23, max: 127, name: 'Unassigned' },
    { min: 128, max: 255, name: 'Private Use' },
  ],
);

/** IKEv2 payload types: RFC 7296 §3.2 (33–48), RFC 6467 (49), G-IKEv2 (50–52), RFC 7383 (53), RFC 8019 (54). */
export const IKEV2_PAYLOAD_TYPES = codeTable(
  'IKEv2PayloadType',
  {
    0: NO_NEXT_PAYLOAD,
    33: 'Security Association',
    34: 'Key Exchange',
    35: 'Identification - Initiator',
    36: 'Identification - Responder',
    37: 'Certificate',
    38: 'Certificate Request',
    39: 'Authentication',
    40: 'Nonce',
    41: 'Notify',
    42: 'Delete',
    43: 'Vendor ID',
    44: 'Traffic Selector - Initiator',
    45: 'Traffic Selector - Responder',
    46: 'Encrypted and Authenticated',
    47: 'Configuration',
    48: 'Extensible Authentication',
    49: 'Generic Secure Password Method',
    50: 'Group Identification',
    51: 'Group Security Association',
    52: 'Key Download',
    53: 'Encrypted and Authenticated Fragment',
    54: 'Puzzle Solution',
  },
  [
    { min: 1, max: 32, name: 'Reserved' },
    { min: 55, max: 127, name: 'Unassigned' },
    { min: 128, max: 255, name: 'Private Use' },
  ],
);

/** Both versions' payload types in one table, for `isakmp.nextpayload` / `isakmp.typepayload`. */
export const ISAKMP_PAYLOAD_TYPES = codeTable(
  'PayloadType',
  Object.fromEntries([...IKEV1_PAYLOAD_TYPES.values, ...IKEV2_PAYLOAD_TYPES.values]),
  [
    { min: 23, max: 32, name: 'Unassigned' },
    { min: 55, max: 127, name: 'Unassigned' },
    { min: 128, max: 255, name: 'Private Use' },
  ],
);

/** Payload type numbers the dissector treats specially. */
export const PAYLOAD_NONE = 0;
/** IKEv2 Encrypted and Authenticated (SK), RFC 7296 §3.14. */
export const PAYLOAD_SK = 46;
/** IKEv2 Encrypted and Authenticated Fragment (SKF), RFC 7383 §2.5. */
export const PAYLOAD_SKF = 53;

export function exchangeTable(major: number | undefined) {
  return major === 2 ? IKEV2_EXCHANGE_TYPES : major === 1 ? IKEV1_EXCHANGE_TYPES : ISAKMP_EXCHANGE_TYPES;
}

export function payloadTable(major: number | undefined) {
  return major === 2 ? IKEV2_PAYLOAD_TYPES : major === 1 ? IKEV1_PAYLOAD_TYPES : ISAKMP_PAYLOAD_TYPES;
}
