/**
 * Value tables for SA negotiation: proposals, transforms, attributes, key
 * exchange methods, configuration attributes. Shared by the payload decoders
 * (sa.ts, ke.ts, delete.ts, config.ts), the session model (which reads the
 * negotiated choices) and decryption (which maps transforms to algorithms).
 *
 * Names follow what tshark 4.0 prints (packet-isakmp.c value strings, kept
 * as they are, typos included, so `-V` lines up with Wireshark); values
 * Wireshark 4.0 does not know take their IANA registry names: "Internet Key
 * Exchange (IKE) Attributes", "IPsec Registry" (RFC 2407) and "IKEv2
 * Parameters". Ranges carry the registries' Unassigned / Private Use blocks.
 *
 * This module imports nothing from the dissectors, so any layer may use it.
 */
import { codeTable, type CodeTable } from '../../../core/codes.js';

// ---------------------------------------------------------------- IKEv1 (RFC 2407, 2408, 2409)

/** Domain of Interpretation (RFC 2408 §3.4; IPsec DOI RFC 2407 §4.2; GDOI RFC 6407). */
export const ISAKMP_DOI = codeTable('DOI', { 0: 'ISAKMP', 1: 'IPSEC', 2: 'GDOI' }, [{ min: 3, max: 0xffffffff, name: 'Unassigned' }]);

/** The IPsec DOI: value 1 (RFC 2407 §4.2). Only this DOI's Situation and proposals are parsed. */
export const DOI_IPSEC = 1;

/** Situation bits of the IPsec DOI (RFC 2407 §4.2). */
export const SIT_IDENTITY_ONLY = 0x01;
export const SIT_SECRECY = 0x02;
export const SIT_INTEGRITY = 0x04;

/** IKEv1 protocol ids (RFC 2407 §4.4.1, IANA "IPSEC Security Protocol Identifiers"). */
export const IKEV1_PROTOCOL_IDS = codeTable(
  'IKEv1ProtocolId',
  { 0: 'RESERVED', 1: 'ISAKMP', 2: 'IPSEC_AH', 3: 'IPSEC_ESP', 4: 'IPCOMP', 5: 'GIGABEAM_RADIO' },
  [
    { min: 6, max: 248, name: 'Unassigned' },
    { min: 249, max: 255, name: 'Reserved for Private Use' },
  ],
);
export const PROTO_ISAKMP = 1;
export const PROTO_AH = 2;
export const PROTO_ESP = 3;
export const PROTO_IPCOMP = 4;

/** Transform ids for protocol ISAKMP (RFC 2407 §4.4.2). */
export const IKEV1_TRANSFORM_ISAKMP = codeTable('IKEv1IsakmpTransformId', { 0: 'RESERVED', 1: 'KEY_IKE' }, [
  { min: 2, max: 248, name: 'Unassigned' },
  { min: 249, max: 255, name: 'Reserved for Private Use' },
]);
export const KEY_IKE = 1;

/** AH transform ids (RFC 2407 §4.4.3, IANA "IPSEC AH Transform Identifiers"). */
export const IKEV1_TRANSFORM_AH = codeTable(
  'IKEv1AhTransformId',
  {
    0: 'RESERVED',
    1: 'RESERVED',
    2: 'MD5',
    3: 'SHA',
    4: 'DES',
    5: 'SHA2-256',
    6: 'SHA2-384',
    7: 'SHA2-512',
    8: 'RIPEMD', // RFC 2857
    9: 'AES-XCBC-MAC', // RFC 3566
    10: 'RSA', // RFC 4359
    11: 'AES-128-GMAC', // RFC 4543
    12: 'AES-192-GMAC',
    13: 'AES-256-GMAC',
  },
  [
    { min: 14, max: 248, name: 'Unassigned' },
    { min: 249, max: 255, name: 'Reserved for Private Use' },
  ],
);

/** ESP transform ids (RFC 2407 §4.4.4, IANA "IPSEC ESP Transform Identifiers"). */
export const IKEV1_TRANSFORM_ESP = codeTable(
  'IKEv1EspTransformId',
  {
    0: 'RESERVED',
    1: 'DES-IV64',
    2: 'DES',
    3: '3DES',
    4: 'RC5',
    5: 'IDEA',
    6: 'CAST',
    7: 'BLOWFISH',
    8: '3IDEA',
    9: 'DES-IV32',
    10: 'RC4',
    11: 'NULL',
    12: 'AES', // AES-CBC, RFC 3602 (Wireshark's name)
    13: 'AES-CTR', // RFC 3686
    14: 'AES-CCM_8', // RFC 4309
    15: 'AES-CCM_12',
    16: 'AES-CCM_16',
    18: 'AES-GCM_8', // RFC 4106
    19: 'AES-GCM_12',
    20: 'AES-GCM_16',
    21: 'SEED_CBC', // RFC 4196
    22: 'CAMELLIA', // RFC 4312
    23: 'NULL_AUTH_AES-GMAC', // RFC 4543
  },
  [
    { min: 17, max: 17, name: 'Unassigned' },
    { min: 24, max: 248, name: 'Unassigned' },
    { min: 249, max: 255, name: 'Reserved for Private Use' },
  ],
);

/** IPComp transform ids (RFC 2407 §4.4.5, IANA "IPSEC IPCOMP Transform Identifiers"). */
export const IKEV1_TRANSFORM_IPCOMP = codeTable('IKEv1IpcompTransformId', { 0: 'RESERVED', 1: 'OUI', 2: 'DEFLATE', 3: 'LZS', 4: 'LZJH' }, [
  { min: 5, max: 47, name: 'Unassigned' },
  { min: 48, max: 63, name: 'Reserved for Private Use' },
  { min: 64, max: 255, name: 'Unassigned' },
]);

/** The transform id table for an IKEv1 proposal's protocol; undefined for protocols without one. */
export function ikev1TransformTable(protocol: number): CodeTable | undefined {
  switch (protocol) {
    case PROTO_ISAKMP:
      return IKEV1_TRANSFORM_ISAKMP;
    case PROTO_AH:
      return IKEV1_TRANSFORM_AH;
    case PROTO_ESP:
      return IKEV1_TRANSFORM_ESP;
    case PROTO_IPCOMP:
      return IKEV1_TRANSFORM_IPCOMP;
    default:
      return undefined;
  }
}

/** Phase-1 (KEY_IKE) attribute classes (RFC 2409 App. A, IANA "IKE Attributes"). */
export const IKEV1_ATTR_TYPES = codeTable(
  'IKEv1AttributeType',
  {
    1: 'Encryption-Algorithm',
    2: 'Hash-Algorithm',
    3: 'Authentication-Method',
    4: 'Group-Description',
    5: 'Group-Type',
    6: 'Group-Prime',
    7: 'Group-Generator-One',
    8: 'Group-Generator-Two',
    9: 'Group-Curve-A',
    10: 'Group-Curve-B',
    11: 'Life-Type',
    12: 'Life-Duration',
    13: 'PRF',
    14: 'Key-Length',
    15: 'Field-Size',
    16: 'Group-Order',
    17: 'Block-Size',
    20: 'Asymmetric-Cryptographic-Algorithm-Type',
  },
  [
    { min: 0, max: 0, name: 'Reserved' },
    { min: 18, max: 19, name: 'Unassigned (Future use)' },
    { min: 21, max: 16383, name: 'Unassigned (Future use)' },
    { min: 16384, max: 32767, name: 'Private use' },
  ],
);

/** Phase-1 attribute class numbers (RFC 2409 App. A). */
export const IKE_ATTR = {
  ENCRYPTION: 1,
  HASH: 2,
  AUTH_METHOD: 3,
  GROUP_DESCRIPTION: 4,
  GROUP_TYPE: 5,
  GROUP_PRIME: 6,
  GROUP_GENERATOR_ONE: 7,
  GROUP_GENERATOR_TWO: 8,
  GROUP_CURVE_A: 9,
  GROUP_CURVE_B: 10,
  LIFE_TYPE: 11,
  LIFE_DURATION: 12,
  PRF: 13,
  KEY_LENGTH: 14,
  FIELD_SIZE: 15,
  GROUP_ORDER: 16,
  BLOCK_SIZE: 17,
  ASYMMETRIC_ALGORITHM_TYPE: 20,
} as const;

/** RFC 2409 App. A: attributes marked "V" (variable, TLV); the others are basic (TV). Life-Duration may be either. */
export const IKEV1_VARIABLE_ATTRS: ReadonlySet<number> = new Set([6, 7, 8, 9, 10, 12, 16]);

const IKEV1_PRIVATE = { min: 65001, max: 65535, name: 'Reserved for Private Use' };

/** IKEv1 Encryption Algorithm (RFC 2409 App. A, RFC 3602, RFC 4312, IANA). */
export const IKEV1_ENCR = codeTable(
  'IKEv1EncryptionAlgorithm',
  {
    0: 'RESERVED',
    1: 'DES-CBC',
    2: 'IDEA-CBC',
    3: 'BLOWFISH-CBC',
    4: 'RC5-R16-B64-CBC',
    5: '3DES-CBC',
    6: 'CAST-CBC',
    7: 'AES-CBC',
    8: 'CAMELLIA-CBC',
    127: 'SM4-CBC (DEPRECATED)',
    128: 'SM1-CBC',
    129: 'SM4-CBC',
  },
  [{ min: 9, max: 65000, name: 'Unassigned' }, IKEV1_PRIVATE],
);

/** IKEv1 Hash Algorithm (RFC 2409 App. A, RFC 4868, IANA). */
export const IKEV1_HASH = codeTable(
  'IKEv1HashAlgorithm',
  { 0: 'RESERVED', 1: 'MD5', 2: 'SHA', 3: 'TIGER', 4: 'SHA2-256', 5: 'SHA2-384', 6: 'SHA2-512', 20: 'SM3' },
  [{ min: 7, max: 65000, name: 'Unassigned' }, IKEV1_PRIVATE],
);

/**
 * IKEv1 Authentication Method (RFC 2409 App. A, RFC 4754 ECDSA, and the
 * Hybrid / XAUTH private-use codes of draft-ietf-ipsec-isakmp-hybrid-auth and
 * draft-beaulieu-ike-xauth, as Wireshark names them).
 */
export const IKEV1_AUTH_METHODS = codeTable(
  'IKEv1AuthenticationMethod',
  {
    0: 'RESERVED',
    1: 'Pre-shared key',
    2: 'DSS signatures',
    3: 'RSA signatures',
    4: 'Encryption with RSA',
    5: 'Revised encryption with RSA',
    6: 'Reserved (was Encryption with El-Gamal)',
    7: 'Reserved (was Revised encryption with El-Gamal)',
    8: 'Reserved (was ECDSA signatures)',
    9: 'ECDSA with SHA-256 on the P-256 curve',
    10: 'ECDSA with SHA-384 on the P-384 curve',
    11: 'ECDSA with SHA-512 on the P-521 curve',
    64221: 'HybridInitRSA',
    64222: 'HybridRespRSA',
    64223: 'HybridInitDSS',
    64224: 'HybridRespDSS',
    65001: 'XAUTHInitPreShared',
    65002: 'XAUTHRespPreShared',
    65003: 'XAUTHInitDSS',
    65004: 'XAUTHRespDSS',
    65005: 'XAUTHInitRSA',
    65006: 'XAUTHRespRSA',
    65007: 'XAUTHInitRSAEncryption',
    65008: 'XAUTHRespRSAEncryption',
    65009: 'XAUTHInitRSARevisedEncryption',
    65010: 'XAUTHRespRSARevisedEncryption',
  },
  [{ min: 12, max: 65000, name: 'Unassigned' }, IKEV1_PRIVATE],
);

/** IKEv1 Group Type (RFC 2409 App. A). */
export const IKEV1_GROUP_TYPES = codeTable('IKEv1GroupType', { 0: 'UNDEFINED - 0', 1: 'MODP', 2: 'ECP', 3: 'EC2N' }, [
  { min: 4, max: 65000, name: 'Unassigned' },
  IKEV1_PRIVATE,
]);

/** Life Type, phase 1 and IPsec DOI (RFC 2409 App. A, RFC 2407 §4.5). */
export const LIFE_TYPES = codeTable('LifeType', { 0: 'RESERVED', 1: 'Seconds', 2: 'Kilobytes' }, [
  { min: 3, max: 61439, name: 'Unassigned' },
  { min: 61440, max: 65535, name: 'Reserved for Private Use' },
]);

/** Asymmetric Cryptographic Algorithm Type (IANA IKE attribute 20, GM/T 0022). */
export const IKEV1_ASYMMETRIC_TYPES = codeTable('IKEv1AsymmetricAlgorithmType', { 1: 'RSA', 2: 'SM2' }, [
  { min: 3, max: 65000, name: 'Unassigned' },
  IKEV1_PRIVATE,
]);

/** IPsec DOI SA attribute classes (RFC 2407 §4.5, IANA "IPSEC Security Association Attributes"). */
export const IPSEC_ATTR_TYPES = codeTable(
  'IPsecAttributeType',
  {
    1: 'SA-Life-Type',
    2: 'SA-Life-Duration',
    3: 'Group-Description',
    4: 'Encapsulation-Mode',
    5: 'Authentication-Algorithm',
    6: 'Key-Length',
    7: 'Key-Rounds',
    8: 'Compress-Dictionary-Size',
    9: 'Compress-Private-Algorithm',
    10: 'ECN Tunnel', // RFC 3168
    11: 'Extended (64-bit) Sequence Number', // RFC 4304
    12: 'Authentication Key Length', // RFC 4359
    13: 'Signature Encoding Algorithm', // RFC 4359
    14: 'Address Preservation', // RFC 6407
    15: 'SA Direction', // RFC 6407
  },
  [
    { min: 0, max: 0, name: 'Reserved' },
    { min: 16, max: 32000, name: 'Unassigned (Future use)' },
    { min: 32001, max: 32767, name: 'Private use' },
  ],
);

export const IPSEC_ATTR = {
  LIFE_TYPE: 1,
  LIFE_DURATION: 2,
  GROUP_DESCRIPTION: 3,
  ENCAP_MODE: 4,
  AUTH_ALGORITHM: 5,
  KEY_LENGTH: 6,
  KEY_ROUNDS: 7,
  COMPRESS_DICT_SIZE: 8,
  COMPRESS_PRIVATE_ALG: 9,
  ECN_TUNNEL: 10,
  ESN: 11,
  AUTH_KEY_LENGTH: 12,
  SIG_ENCODING: 13,
  ADDR_PRESERVATION: 14,
  SA_DIRECTION: 15,
} as const;

/** RFC 2407 §4.5: variable-length IPsec attributes; the others are basic (TV). */
export const IPSEC_VARIABLE_ATTRS: ReadonlySet<number> = new Set([2, 9, 13]);

/** Encapsulation Mode (RFC 2407 §4.5, RFC 3947 §5 and its drafts' private codes). */
export const IPSEC_ENCAP_MODES = codeTable(
  'IPsecEncapsulationMode',
  {
    0: 'RESERVED',
    1: 'Tunnel',
    2: 'Transport',
    3: 'UDP-Encapsulated-Tunnel',
    4: 'UDP-Encapsulated-Transport',
    61440: 'Check Point IPSec UDP Encapsulation',
    61443: 'UDP-Encapsulated-Tunnel (draft)',
    61444: 'UDP-Encapsulated-Transport (draft)',
  },
  [
    { min: 5, max: 61439, name: 'Unassigned' },
    { min: 61440, max: 65535, name: 'Reserved for Private Use' },
  ],
);

/** Authentication Algorithm (RFC 2407 §4.5, IANA "IPSEC Authentication Algorithms"). */
export const IPSEC_AUTH_ALGORITHMS = codeTable(
  'IPsecAuthenticationAlgorithm',
  {
    0: 'RESERVED',
    1: 'HMAC-MD5',
    2: 'HMAC-SHA',
    3: 'DES-MAC',
    4: 'KPDK',
    5: 'HMAC-SHA2-256',
    6: 'HMAC-SHA2-384',
    7: 'HMAC-SHA2-512',
    8: 'HMAC-RIPEMD',
    9: 'AES-XCBC-MAC',
    10: 'SIG-RSA',
    11: 'AES-128-GMAC',
    12: 'AES-192-GMAC',
    13: 'AES-256-GMAC',
  },
  [
    { min: 14, max: 61439, name: 'Unassigned' },
    { min: 61440, max: 65535, name: 'Reserved for Private Use' },
  ],
);

export const IPSEC_ECN_TUNNEL = codeTable('IPsecEcnTunnel', { 0: 'RESERVED', 1: 'Allowed', 2: 'Forbidden' }, [
  { min: 3, max: 61439, name: 'Unassigned' },
  { min: 61440, max: 65535, name: 'Reserved for Private Use' },
]);
export const IPSEC_ESN = codeTable('IPsecExtendedSequenceNumber', { 0: 'RESERVED', 1: '64-bit Sequence Number' }, [{ min: 2, max: 65535, name: 'Unassigned' }]);
export const IPSEC_ADDR_PRESERVATION = codeTable(
  'IPsecAddressPreservation',
  { 0: 'Reserved', 1: 'None', 2: 'Source-Only', 3: 'Destination-Only', 4: 'Source-and-Destination' },
  [
    { min: 5, max: 61439, name: 'Unassigned' },
    { min: 61440, max: 65535, name: 'Private Use' },
  ],
);
export const IPSEC_SA_DIRECTION = codeTable('IPsecSaDirection', { 0: 'Reserved', 1: 'Sender-Only', 2: 'Receiver-Only', 3: 'Symmetric' }, [
  { min: 4, max: 61439, name: 'Unassigned' },
  { min: 61440, max: 65535, name: 'Private Use' },
]);

// ---------------------------------------------------------------- shared: key exchange methods

/**
 * Key exchange methods: IKEv1 Group Description (RFC 2409 §6, App. A) and
 * IKEv2 Transform Type 4 "Key Exchange Method Transform IDs" share one IANA
 * numbering (RFC 7296 §3.3.2, RFC 3526, RFC 5114, RFC 5903, RFC 6954,
 * RFC 8031, RFC 9385, draft-ietf-ipsecme-ikev2-mlkem).
 */
export const KE_METHODS = codeTable(
  'KeyExchangeMethod',
  {
    0: 'UNDEFINED - 0',
    1: 'Default 768-bit MODP group',
    2: 'Alternate 1024-bit MODP group',
    3: 'EC2N group on GP[2^155] group',
    4: 'EC2N group on GP[2^185] group',
    5: '1536 bit MODP group',
    6: 'EC2N group over GF[2^163]',
    7: 'EC2N group over GF[2^163]',
    8: 'EC2N group over GF[2^283]',
    9: 'EC2N group over GF[2^283]',
    10: 'EC2N group over GF[2^409]',
    11: 'EC2N group over GF[2^409]',
    12: 'EC2N group over GF[2^571]',
    13: 'EC2N group over GF[2^571]',
    14: '2048 bit MODP group',
    15: '3072 bit MODP group',
    16: '4096 bit MODP group',
    17: '6144 bit MODP group',
    18: '8192 bit MODP group',
    19: '256-bit random ECP group',
    20: '384-bit random ECP group',
    21: '521-bit random ECP group',
    22: '1024-bit MODP Group with 160-bit Prime Order Subgroup',
    23: '2048-bit MODP Group with 224-bit Prime Order Subgroup',
    24: '2048-bit MODP Group with 256-bit Prime Order Subgroup',
    25: '192-bit Random ECP Group',
    26: '224-bit Random ECP Group',
    27: '224-bit Brainpool ECP group',
    28: '256-bit Brainpool ECP group',
    29: '384-bit Brainpool ECP group',
    30: '512-bit Brainpool ECP group',
    31: 'Curve25519',
    32: 'Curve448',
    33: 'GOST3410_2012_256',
    34: 'GOST3410_2012_512',
    35: 'ml-kem-512',
    36: 'ml-kem-768',
    37: 'ml-kem-1024',
  },
  [
    { min: 38, max: 1023, name: 'Unassigned' },
    { min: 1024, max: 65535, name: 'Reserved for Private Use' },
  ],
);

/**
 * Size of the Key Exchange Data per method, in bytes: MODP groups send the
 * public value padded to the prime's length (RFC 7296 §3.4); ECP groups x‖y
 * (RFC 5903 §7); Curve25519/448 the u-coordinate (RFC 8031 §2); GOST
 * x‖y (RFC 9385); ML-KEM the encapsulation key in a request and the
 * ciphertext in a response (FIPS 203, draft-ietf-ipsecme-ikev2-mlkem).
 */
export const KE_DATA_SIZES: ReadonlyMap<number, { readonly request: number; readonly response: number }> = new Map(
  (
    [
      [1, 96],
      [2, 128],
      [5, 192],
      [14, 256],
      [15, 384],
      [16, 512],
      [17, 768],
      [18, 1024],
      [19, 64],
      [20, 96],
      [21, 132],
      [22, 128],
      [23, 256],
      [24, 256],
      [25, 48],
      [26, 56],
      [27, 56],
      [28, 64],
      [29, 96],
      [30, 128],
      [31, 32],
      [32, 56],
      [33, 64],
      [34, 128],
      [35, 800, 768],
      [36, 1184, 1088],
      [37, 1568, 1568],
    ] as const
  ).map((e) => [e[0], { request: e[1], response: e[2] ?? e[1] }] as const),
);

// ---------------------------------------------------------------- IKEv2 (RFC 7296 §3.3, IANA "IKEv2 Parameters")

/** IKEv2 Security Protocol Identifiers (RFC 7296 §3.3.1, RFC 4595 FC). */
export const IKEV2_PROTOCOL_IDS = codeTable(
  'IKEv2ProtocolId',
  { 0: 'RESERVED', 1: 'IKE', 2: 'AH', 3: 'ESP', 4: 'FC_ESP_HEADER', 5: 'FC_CT_AUTHENTICATION' },
  [
    { min: 6, max: 200, name: 'Unassigned' },
    { min: 201, max: 255, name: 'Reserved for Private Use' },
  ],
);

/** IKEv2 transform types (RFC 7296 §3.3.2, RFC 9370 ADDKE, RFC 9838 G-IKEv2). */
export const IKEV2_TRANSFORM_TYPES = codeTable(
  'IKEv2TransformType',
  {
    0: 'RESERVED',
    1: 'Encryption Algorithm (ENCR)',
    2: 'Pseudo-random Function (PRF)',
    3: 'Integrity Algorithm (INTEG)',
    4: 'Diffie-Hellman Group (D-H)',
    5: 'Extended Sequence Numbers (ESN)',
    6: 'Additional Key Exchange 1 (ADDKE1)',
    7: 'Additional Key Exchange 2 (ADDKE2)',
    8: 'Additional Key Exchange 3 (ADDKE3)',
    9: 'Additional Key Exchange 4 (ADDKE4)',
    10: 'Additional Key Exchange 5 (ADDKE5)',
    11: 'Additional Key Exchange 6 (ADDKE6)',
    12: 'Additional Key Exchange 7 (ADDKE7)',
    13: 'Key Wrap Algorithm (KWA)',
    14: 'Group Controller Authentication Method (GCAUTH)',
  },
  [
    { min: 15, max: 240, name: 'Unassigned' },
    { min: 241, max: 255, name: 'Private Use' },
  ],
);

export const TF_ENCR = 1;
export const TF_PRF = 2;
export const TF_INTEG = 3;
export const TF_DH = 4;
export const TF_ESN = 5;
/** RFC 9370 §2.2.1: ADDKE1..ADDKE7 take Key Exchange Method ids. */
export const TF_ADDKE_FIRST = 6;
export const TF_ADDKE_LAST = 12;

/** IKEv2 Transform Type 1 (RFC 7296 §3.3.2, RFC 4106, RFC 4309, RFC 5529, RFC 8750, RFC 7634, RFC 9227). */
export const IKEV2_ENCR = codeTable(
  'IKEv2EncryptionAlgorithm',
  {
    0: 'RESERVED',
    1: 'ENCR_DES_IV64',
    2: 'ENCR_DES',
    3: 'ENCR_3DES',
    4: 'ENCR_RC5',
    5: 'ENCR_IDEA',
    6: 'ENCR_CAST',
    7: 'ENCR_BLOWFISH',
    8: 'ENCR_3IDEA',
    9: 'ENCR_DES_IV32',
    10: 'RESERVED',
    11: 'ENCR_NULL',
    12: 'ENCR_AES_CBC',
    13: 'ENCR_AES_CTR',
    14: 'ENCR_AES-CCM_8',
    15: 'ENCR-AES-CCM_12',
    16: 'ENCR-AES-CCM_16',
    17: 'UNASSIGNED',
    18: 'AES-GCM with a 8 octet ICV',
    19: 'AES-GCM with a 12 octet ICV',
    20: 'AES-GCM with a 16 octet ICV',
    21: 'ENCR_NULL_AUTH_AES_GMAC',
    22: 'Reserved for IEEE P1619 XTS-AES',
    23: 'ENCR_CAMELLIA_CBC',
    24: 'ENCR_CAMELLIA_CTR',
    25: 'ENCR_CAMELLIA_CCM with an 8-octet ICV',
    26: 'ENCR_CAMELLIA_CCM with a 12-octet ICV',
    27: 'ENCR_CAMELLIA_CCM with a 16-octet ICV',
    28: 'ENCR_CHACHA20_POLY1305',
    29: 'ENCR_AES_CCM_8_IIV',
    30: 'ENCR_AES_GCM_16_IIV',
    31: 'ENCR_CHACHA20_POLY1305_IIV',
    32: 'ENCR_KUZNYECHIK_MGM_KTREE',
    33: 'ENCR_MAGMA_MGM_KTREE',
    34: 'ENCR_KUZNYECHIK_MGM_MAC_KTREE',
    35: 'ENCR_MAGMA_MGM_MAC_KTREE',
  },
  [
    { min: 36, max: 1023, name: 'Unassigned' },
    { min: 1024, max: 65535, name: 'Private Use' },
  ],
);

/** IKEv2 Transform Type 2 (RFC 7296 §3.3.2, RFC 4615, RFC 4868, RFC 9385). */
export const IKEV2_PRF = codeTable(
  'IKEv2PseudoRandomFunction',
  {
    0: 'RESERVED',
    1: 'PRF_HMAC_MD5',
    2: 'PRF_HMAC_SHA1',
    3: 'PRF_HMAC_TIGER',
    4: 'PRF_AES128_CBC',
    5: 'PRF_HMAC_SHA2_256',
    6: 'PRF_HMAC_SHA2_384',
    7: 'PRF_HMAC_SHA2_512',
    8: 'PRF_AES128_CMAC6', // Wireshark's spelling of PRF_AES128_CMAC (RFC 4615)
    9: 'PRF_HMAC_STREEBOG_512',
  },
  [
    { min: 10, max: 1023, name: 'Unassigned' },
    { min: 1024, max: 65535, name: 'Private Use' },
  ],
);

/** IKEv2 Transform Type 3 (RFC 7296 §3.3.2, RFC 4494, RFC 4543, RFC 4868). */
export const IKEV2_INTEG = codeTable(
  'IKEv2IntegrityAlgorithm',
  {
    0: 'NONE',
    1: 'AUTH_HMAC_MD5_96',
    2: 'AUTH_HMAC_SHA1_96',
    3: 'AUTH_DES_MAC',
    4: 'AUTH_KPDK_MD5',
    5: 'AUTH_AES_XCBC_96',
    6: 'AUTH_HMAC_MD5_128',
    7: 'AUTH_HMAC_SHA1_160',
    8: 'AUTH_AES_CMAC_96',
    9: 'AUTH_AES_128_GMAC',
    10: 'AUTH_AES_192_GMAC',
    11: 'AUTH_AES_256_GMAC',
    12: 'AUTH_HMAC_SHA2_256_128',
    13: 'AUTH_HMAC_SHA2_384_192',
    14: 'AUTH_HMAC_SHA2_512_256',
  },
  [
    { min: 15, max: 1023, name: 'Unassigned' },
    { min: 1024, max: 65535, name: 'Private Use' },
  ],
);

/** IKEv2 Transform Type 5 (RFC 7296 §3.3.2). */
export const IKEV2_ESN = codeTable('IKEv2ExtendedSequenceNumbers', { 0: 'No Extended Sequence Numbers', 1: 'Extended Sequence Numbers' }, [
  { min: 2, max: 1023, name: 'Unassigned' },
  { min: 1024, max: 65535, name: 'Private Use' },
]);

/** IKEv2 Transform Attribute Types (RFC 7296 §3.3.5). */
export const IKEV2_ATTR_TYPES = codeTable('IKEv2TransformAttributeType', { 14: 'Key Length' }, [
  { min: 0, max: 13, name: 'Reserved' },
  { min: 15, max: 17, name: 'Reserved' },
  { min: 18, max: 16383, name: 'Unassigned (Future use)' },
  { min: 16384, max: 32767, name: 'Private use' },
]);
export const IKEV2_ATTR_KEY_LENGTH = 14;

/** The table naming a transform id of an IKEv2 transform type; undefined for types without one. */
export function ikev2TransformTable(type: number): CodeTable | undefined {
  if (type === TF_ENCR) return IKEV2_ENCR;
  if (type === TF_PRF) return IKEV2_PRF;
  if (type === TF_INTEG) return IKEV2_INTEG;
  if (type === TF_DH || (type >= TF_ADDKE_FIRST && type <= TF_ADDKE_LAST)) return KE_METHODS;
  if (type === TF_ESN) return IKEV2_ESN;
  return undefined;
}

// ---------------------------------------------------------------- configuration payloads

/** IKEv1 Attributes payload type (draft-dukes-ike-mode-cfg §3.2). */
export const IKEV1_CFG_TYPES = codeTable(
  'IKEv1CfgType',
  { 0: 'Reserved', 1: 'ISAKMP_CFG_REQUEST', 2: 'ISAKMP_CFG_REPLY', 3: 'ISAKMP_CFG_SET', 4: 'ISAKMP_CFG_ACK' },
  [
    { min: 5, max: 127, name: 'Future use' },
    { min: 128, max: 255, name: 'Private Use' },
  ],
);

/** IKEv2 CFG Type (RFC 7296 §3.15). */
export const IKEV2_CFG_TYPES = codeTable('IKEv2CfgType', { 0: 'RESERVED', 1: 'CFG_REQUEST', 2: 'CFG_REPLY', 3: 'CFG_SET', 4: 'CFG_ACK' }, [
  { min: 5, max: 127, name: 'Future use' },
  { min: 128, max: 255, name: 'Private Use' },
]);

/**
 * IKEv1 mode-config attributes (draft-dukes-ike-mode-cfg §3.3), XAUTH
 * (draft-beaulieu-ike-xauth §6.1), Check Point and Cisco Unity private codes.
 */
export const IKEV1_CFG_ATTRS = codeTable(
  'IKEv1CfgAttributeType',
  {
    0: 'RESERVED',
    1: 'INTERNAL_IP4_ADDRESS',
    2: 'INTERNAL_IP4_NETMASK',
    3: 'INTERNAL_IP4_DNS',
    4: 'INTERNAL_IP4_NBNS',
    5: 'INTERNAL_ADDRESS_EXPIRY',
    6: 'INTERNAL_IP4_DHCP',
    7: 'APPLICATION_VERSION',
    8: 'INTERNAL_IP6_ADDRESS',
    9: 'INTERNAL_IP6_NETMASK',
    10: 'INTERNAL_IP6_DNS',
    11: 'INTERNAL_IP6_NBNS',
    12: 'INTERNAL_IP6_DHCP',
    13: 'INTERNAL_IP4_SUBNET',
    14: 'SUPPORTED_ATTRIBUTES',
    15: 'INTERNAL_IP6_SUBNET',
    16387: 'CHKPT_DEF_DOMAIN',
    16388: 'CHKPT_MAC_ADDRESS',
    16389: 'CHKPT_MARCIPAN_REASON_CODE',
    16400: 'CHKPT_UNKNOWN1',
    16401: 'CHKPT_UNKNOWN2',
    16402: 'CHKPT_UNKNOWN3',
    16520: 'XAUTH_TYPE',
    16521: 'XAUTH_USER_NAME',
    16522: 'XAUTH_USER_PASSWORD',
    16523: 'XAUTH_PASSCODE',
    16524: 'XAUTH_MESSAGE',
    16525: 'XAUTH_CHALLANGE', // sic, Wireshark
    16526: 'XAUTH_DOMAIN',
    16527: 'XAUTH_STATUS',
    16528: 'XAUTH_NEXT_PIN',
    16529: 'XAUTH_ANSWER',
    28672: 'UNITY_BANNER',
    28673: 'UNITY_SAVE_PASSWD',
    28674: 'UNITY_DEF_DOMAIN',
    28675: 'UNITY_SPLIT_DOMAIN',
    28676: 'UNITY_SPLIT_INCLUDE',
    28677: 'UNITY_NATT_PORT',
    28678: 'UNITY_SPLIT_EXCLUDE',
    28679: 'UNITY_PFS',
    28680: 'UNITY_FW_TYPE',
    28681: 'UNITY_BACKUP_SERVERS',
    28682: 'UNITY_DDNS_HOSTNAME',
  },
  [
    { min: 16, max: 16383, name: 'FUTURE USE' },
    { min: 16384, max: 32767, name: 'PRIVATE USE' },
  ],
);

/** IKEv2 Configuration Payload Attribute Types (RFC 7296 §3.15.1 and IANA: RFC 5739, 5213, 7651, 8598, 9464, 3GPP). */
export const IKEV2_CFG_ATTRS = codeTable(
  'IKEv2CfgAttributeType',
  {
    0: 'RESERVED',
    1: 'INTERNAL_IP4_ADDRESS',
    2: 'INTERNAL_IP4_NETMASK',
    3: 'INTERNAL_IP4_DNS',
    4: 'INTERNAL_IP4_NBNS',
    5: 'INTERNAL_ADDRESS_EXPIRY',
    6: 'INTERNAL_IP4_DHCP',
    7: 'APPLICATION_VERSION',
    8: 'INTERNAL_IP6_ADDRESS',
    9: 'RESERVED',
    10: 'INTERNAL_IP6_DNS',
    11: 'INTERNAL_IP6_NBNS',
    12: 'INTERNAL_IP6_DHCP',
    13: 'INTERNAL_IP4_SUBNET',
    14: 'SUPPORTED_ATTRIBUTES',
    15: 'INTERNAL_IP6_SUBNET',
    16: 'MIP6_HOME_PREFIX',
    17: 'INTERNAL_IP6_LINK',
    18: 'INTERNAL_IP6_PREFIX',
    19: 'HOME_AGENT_ADDRESS',
    20: 'P_CSCF_IP4_ADDRESS',
    21: 'P_CSCF_IP6_ADDRESS',
    22: 'FTT_KAT',
    23: 'EXTERNAL_SOURCE_IP4_NAT_INFO',
    24: 'TIMEOUT_PERIOD_FOR_LIVENESS_CHECK',
    25: 'INTERNAL_DNS_DOMAIN',
    26: 'INTERNAL_DNSSEC_TA',
    27: 'ENCDNS_IP4',
    28: 'ENCDNS_IP6',
    29: 'ENCDNS_DIGEST_INFO',
  },
  [
    { min: 30, max: 16383, name: 'Unassigned' },
    { min: 16384, max: 32767, name: 'PRIVATE USE' },
  ],
);

/** XAUTH-TYPE values (draft-beaulieu-ike-xauth §6.2). */
export const XAUTH_TYPES = codeTable('XauthType', { 0: 'Generic', 1: 'RADIUS-CHAP', 2: 'OTP', 3: 'S/KEY' }, [
  { min: 4, max: 32767, name: 'Future use' },
  { min: 32768, max: 65535, name: 'Private use' },
]);

/** XAUTH-STATUS values (draft-beaulieu-ike-xauth §6.2). */
export const XAUTH_STATUS = codeTable('XauthStatus', { 0: 'Fail', 1: 'Success' });

/** Short names for the brief of config payloads (`CP(CFG_REQUEST)`), both versions. */
export const CFG_TYPE_SHORT = codeTable('CfgType', { 1: 'CFG_REQUEST', 2: 'CFG_REPLY', 3: 'CFG_SET', 4: 'CFG_ACK' });
