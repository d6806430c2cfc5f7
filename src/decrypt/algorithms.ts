/**
 * IPsec algorithms as data: one row per transform (and per key length where Wireshark's
 * tables name key lengths separately). Rows carry the wire ids (IKEv2 transform ids,
 * RFC 7296 §3.3.2 / IANA "IKEv2 Parameters"; IKEv1 phase-1 attribute values, RFC 2409
 * Appendix A; IPsec DOI ESP transform and AH/ESP auth-algorithm ids, RFC 2407 §4.4.4/§4.5),
 * the sizes a decryptor needs, the strongSwan name (as in charon logs and the fixtures'
 * keys.json) and the Wireshark UAT label strings (packet-isakmp.c `vs_ikev2_encr_algs` /
 * `vs_ikev2_auth_algs`, packet-ipsec.c `esp_encryption_type_vals` /
 * `esp_authentication_type_vals`, v4.0.17) so key tables map onto rows.
 *
 * All lengths are in bytes.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { sha256, sha384, sha512 } from '@noble/hashes/sha2.js';

export type HashName = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface HashRow {
  readonly name: HashName;
  readonly outputLen: number;
  readonly blockLen: number;
  /** One-shot digest. */
  readonly digest: (data: Uint8Array) => Uint8Array;
  /** One-shot HMAC (RFC 2104). */
  readonly hmac: (key: Uint8Array, data: Uint8Array) => Uint8Array;
}

function hashRow(name: HashName, h: typeof sha256 | typeof md5): HashRow {
  return {
    name,
    outputLen: h.outputLen,
    blockLen: h.blockLen,
    digest: (d) => h(d),
    hmac: (k, d) => hmac(h, k, d),
  };
}

export const HASHES: Readonly<Record<HashName, HashRow>> = {
  md5: hashRow('md5', md5),
  sha1: hashRow('sha1', sha1),
  sha256: hashRow('sha256', sha256),
  sha384: hashRow('sha384', sha384),
  sha512: hashRow('sha512', sha512),
};

/** A pseudo-random function (IKEv2 transform type 2; IKEv1 uses the HMAC of the negotiated hash). */
export interface PrfRow {
  readonly kind: 'prf';
  /** IKEv2 PRF transform id (RFC 7296 §3.3.2). */
  readonly ikev2Id: number;
  /** IKEv1 phase-1 Hash Algorithm attribute value (RFC 2409 App. A, RFC 4868 §2.4) whose HMAC is this PRF. */
  readonly ikev1HashId?: number;
  readonly name: string;
  /** strongSwan's name (charon logs, keys.json `prf_alg`). */
  readonly strongswan: string;
  /** Underlying hash for HMAC PRFs; undefined for the AES-based PRFs. */
  readonly hash?: HashName;
  /** AES-based PRFs: AES-XCBC-PRF-128 (RFC 4434) or AES-CMAC-PRF-128 (RFC 4615), see cipher/index.ts `aesPrf128`. */
  readonly mac?: 'xcbc' | 'cmac';
  /** Preferred key length (RFC 7296 §2.13: the length of SK_d, SK_pi, SK_pr). For HMAC: the output length. */
  readonly keyLen: number;
  readonly outputLen: number;
  readonly rfc: string;
}

/** An integrity algorithm (IKEv2 transform type 3; ESP/AH authentication). */
export interface IntegRow {
  readonly kind: 'integ';
  /** IKEv2 INTEG transform id (RFC 7296 §3.3.2). 0 = NONE. */
  readonly ikev2Id: number;
  /** IPsec DOI Authentication Algorithm attribute (RFC 2407 §4.5), used by IKEv1 Quick Mode. */
  readonly ikev1AuthId?: number;
  /** IPsec DOI AH transform id (RFC 2407 §4.4.3). */
  readonly ahTransformId?: number;
  readonly name: string;
  readonly strongswan: string;
  /** HMAC hash; undefined for NONE and the AES-based MACs. */
  readonly hash?: HashName;
  /** AES-based MACs: AES-XCBC-MAC-96 (RFC 3566) or AES-CMAC-96 (RFC 4494), see cipher/index.ts `makeBlockMac`. */
  readonly mac?: 'xcbc' | 'cmac';
  readonly keyLen: number;
  /** Truncated ICV length. */
  readonly icvLen: number;
  /** Wireshark `ikev2_decryption_table` "Integrity algorithm" label. */
  readonly wiresharkIkev2?: string;
  /** Wireshark `esp_sa` "Authentication" label. */
  readonly wiresharkEsp?: string;
  readonly rfc: string;
}

/** 'gmac': ENCR_NULL_AUTH_AES_GMAC (RFC 4543), GCM with everything as AAD and no ciphertext. */
export type CipherMode = 'null' | 'cbc' | 'ctr' | 'gcm' | 'ccm' | 'chacha20-poly1305' | 'gmac';
export type BlockCipher = 'aes' | '3des' | 'des' | 'chacha20' | 'null';

/** An encryption algorithm at one key length (IKEv2 transform type 1; ESP encryption). */
export interface EncrRow {
  readonly kind: 'encr';
  /** IKEv2 ENCR transform id (RFC 7296 §3.3.2), also the IPsec DOI ESP transform id (RFC 2407 §4.4.4). */
  readonly ikev2Id: number;
  /** IKEv1 phase-1 Encryption Algorithm attribute value (RFC 2409 App. A; AES: RFC 3602 §5). */
  readonly ikev1EncrId?: number;
  readonly name: string;
  readonly strongswan: string;
  readonly cipher: BlockCipher;
  readonly mode: CipherMode;
  /** Cipher key length, without the salt. */
  readonly keyLen: number;
  /** Key length in bits as in the Key Length attribute, or undefined for fixed-length ciphers. */
  readonly keyBits?: number;
  /** Salt/nonce appended to the cipher key in KEYMAT and in the key tables (GCM/CTR/ChaCha: 4, CCM: 3). */
  readonly saltLen: number;
  readonly blockSize: number;
  /** Explicit IV carried in each packet. */
  readonly ivLen: number;
  /** AEAD tag length (0 for non-AEAD). */
  readonly icvLen: number;
  readonly aead: boolean;
  /** Wireshark `ikev2_decryption_table` "Encryption algorithm" label. */
  readonly wiresharkIkev2?: string;
  /** Wireshark `esp_sa` "Encryption" label (key length is implied by the key). */
  readonly wiresharkEsp?: string;
  /** Other `esp_sa` labels that select this row (e.g. strongSwan's deprecated "AES-GCM [RFC4106]"). */
  readonly wiresharkEspAliases?: readonly string[];
  readonly rfc: string;
}

export type AlgorithmRow = EncrRow | IntegRow | PrfRow;

// ---------------------------------------------------------------------------------------------
// PRF (RFC 7296 §3.3.2 transform type 2; RFC 2104 HMAC, RFC 4868 §2.1 for SHA-2)

export const PRFS: readonly PrfRow[] = [
  { kind: 'prf', ikev2Id: 1, ikev1HashId: 1, name: 'PRF_HMAC_MD5', strongswan: 'PRF_HMAC_MD5', hash: 'md5', keyLen: 16, outputLen: 16, rfc: 'RFC 2104' },
  { kind: 'prf', ikev2Id: 2, ikev1HashId: 2, name: 'PRF_HMAC_SHA1', strongswan: 'PRF_HMAC_SHA1', hash: 'sha1', keyLen: 20, outputLen: 20, rfc: 'RFC 2104' },
  { kind: 'prf', ikev2Id: 4, name: 'PRF_AES128_XCBC', strongswan: 'PRF_AES128_XCBC', mac: 'xcbc', keyLen: 16, outputLen: 16, rfc: 'RFC 4434' },
  { kind: 'prf', ikev2Id: 5, ikev1HashId: 4, name: 'PRF_HMAC_SHA2_256', strongswan: 'PRF_HMAC_SHA2_256', hash: 'sha256', keyLen: 32, outputLen: 32, rfc: 'RFC 4868' },
  { kind: 'prf', ikev2Id: 6, ikev1HashId: 5, name: 'PRF_HMAC_SHA2_384', strongswan: 'PRF_HMAC_SHA2_384', hash: 'sha384', keyLen: 48, outputLen: 48, rfc: 'RFC 4868' },
  { kind: 'prf', ikev2Id: 7, ikev1HashId: 6, name: 'PRF_HMAC_SHA2_512', strongswan: 'PRF_HMAC_SHA2_512', hash: 'sha512', keyLen: 64, outputLen: 64, rfc: 'RFC 4868' },
  { kind: 'prf', ikev2Id: 8, name: 'PRF_AES128_CMAC', strongswan: 'PRF_AES128_CMAC', mac: 'cmac', keyLen: 16, outputLen: 16, rfc: 'RFC 4615' },
];

// ---------------------------------------------------------------------------------------------
// Integrity (RFC 7296 §3.3.2 transform type 3; RFC 2403, 2404, 3566, 4868)

export const INTEGS: readonly IntegRow[] = [
  { kind: 'integ', ikev2Id: 0, name: 'NONE', strongswan: 'NONE', keyLen: 0, icvLen: 0, wiresharkIkev2: 'NONE [RFC4306]', wiresharkEsp: 'NULL', rfc: 'RFC 7296' },
  { kind: 'integ', ikev2Id: 1, ikev1AuthId: 1, ahTransformId: 2, name: 'HMAC_MD5_96', strongswan: 'HMAC_MD5_96', hash: 'md5', keyLen: 16, icvLen: 12, wiresharkIkev2: 'HMAC_MD5_96 [RFC2403]', wiresharkEsp: 'HMAC-MD5-96 [RFC2403]', rfc: 'RFC 2403' },
  { kind: 'integ', ikev2Id: 2, ikev1AuthId: 2, ahTransformId: 3, name: 'HMAC_SHA1_96', strongswan: 'HMAC_SHA1_96', hash: 'sha1', keyLen: 20, icvLen: 12, wiresharkIkev2: 'HMAC_SHA1_96 [RFC2404]', wiresharkEsp: 'HMAC-SHA-1-96 [RFC2404]', rfc: 'RFC 2404' },
  { kind: 'integ', ikev2Id: 5, ikev1AuthId: 9, ahTransformId: 9, name: 'AUTH_AES_XCBC_96', strongswan: 'AES_XCBC_96', mac: 'xcbc', keyLen: 16, icvLen: 12, rfc: 'RFC 3566' },
  { kind: 'integ', ikev2Id: 8, name: 'AUTH_AES_CMAC_96', strongswan: 'AES_CMAC_96', mac: 'cmac', keyLen: 16, icvLen: 12, rfc: 'RFC 4494' },
  { kind: 'integ', ikev2Id: 6, name: 'HMAC_MD5_128', strongswan: 'HMAC_MD5_128', hash: 'md5', keyLen: 16, icvLen: 16, wiresharkIkev2: 'HMAC_MD5_128 [RFC4595]', rfc: 'RFC 4595' },
  { kind: 'integ', ikev2Id: 7, name: 'HMAC_SHA1_160', strongswan: 'HMAC_SHA1_160', hash: 'sha1', keyLen: 20, icvLen: 20, wiresharkIkev2: 'HMAC_SHA1_160 [RFC4595]', rfc: 'RFC 4595' },
  { kind: 'integ', ikev2Id: 12, ikev1AuthId: 5, ahTransformId: 5, name: 'HMAC_SHA2_256_128', strongswan: 'HMAC_SHA2_256_128', hash: 'sha256', keyLen: 32, icvLen: 16, wiresharkIkev2: 'HMAC_SHA2_256_128 [RFC4868]', wiresharkEsp: 'HMAC-SHA-256-128 [RFC4868]', rfc: 'RFC 4868' },
  { kind: 'integ', ikev2Id: 13, ikev1AuthId: 6, ahTransformId: 6, name: 'HMAC_SHA2_384_192', strongswan: 'HMAC_SHA2_384_192', hash: 'sha384', keyLen: 48, icvLen: 24, wiresharkIkev2: 'HMAC_SHA2_384_192 [RFC4868]', wiresharkEsp: 'HMAC-SHA-384-192 [RFC4868]', rfc: 'RFC 4868' },
  { kind: 'integ', ikev2Id: 14, ikev1AuthId: 7, ahTransformId: 7, name: 'HMAC_SHA2_512_256', strongswan: 'HMAC_SHA2_512_256', hash: 'sha512', keyLen: 64, icvLen: 32, wiresharkIkev2: 'HMAC_SHA2_512_256 [RFC4868]', wiresharkEsp: 'HMAC-SHA-512-256 [RFC4868]', rfc: 'RFC 4868' },
];

// ---------------------------------------------------------------------------------------------
// Encryption (RFC 7296 §3.3.2 transform type 1)

const AES_BITS = [128, 192, 256] as const;

function aesRows(
  ikev2Id: number,
  mode: CipherMode,
  o: { name: string; strongswan: string; saltLen: number; ivLen: number; icvLen: number; rfc: string; ws2?: (bits: number) => string; wsEsp?: string; wsEspAliases?: readonly string[]; ikev1EncrId?: number },
): EncrRow[] {
  return AES_BITS.map((bits) => {
    const row: EncrRow = {
      kind: 'encr',
      ikev2Id,
      name: `${o.name}_${bits}`,
      strongswan: o.strongswan,
      cipher: 'aes',
      mode,
      keyLen: bits / 8,
      keyBits: bits,
      saltLen: o.saltLen,
      blockSize: 16,
      ivLen: o.ivLen,
      icvLen: o.icvLen,
      aead: o.icvLen > 0,
      rfc: o.rfc,
      ...(o.ikev1EncrId !== undefined ? { ikev1EncrId: o.ikev1EncrId } : {}),
      ...(o.ws2 ? { wiresharkIkev2: o.ws2(bits) } : {}),
      ...(o.wsEsp ? { wiresharkEsp: o.wsEsp } : {}),
      ...(o.wsEspAliases ? { wiresharkEspAliases: o.wsEspAliases } : {}),
    };
    return row;
  });
}

export const ENCRS: readonly EncrRow[] = [
  { kind: 'encr', ikev2Id: 11, name: 'ENCR_NULL', strongswan: 'NULL', cipher: 'null', mode: 'null', keyLen: 0, saltLen: 0, blockSize: 1, ivLen: 0, icvLen: 0, aead: false, wiresharkIkev2: 'NULL [RFC2410]', wiresharkEsp: 'NULL', rfc: 'RFC 2410' },
  { kind: 'encr', ikev2Id: 2, ikev1EncrId: 1, name: 'ENCR_DES', strongswan: 'DES_CBC', cipher: 'des', mode: 'cbc', keyLen: 8, saltLen: 0, blockSize: 8, ivLen: 8, icvLen: 0, aead: false, wiresharkEsp: 'DES-CBC [RFC2405]', rfc: 'RFC 2405' },
  { kind: 'encr', ikev2Id: 3, ikev1EncrId: 5, name: 'ENCR_3DES', strongswan: '3DES_CBC', cipher: '3des', mode: 'cbc', keyLen: 24, saltLen: 0, blockSize: 8, ivLen: 8, icvLen: 0, aead: false, wiresharkIkev2: '3DES [RFC2451]', wiresharkEsp: 'TripleDES-CBC [RFC2451]', rfc: 'RFC 2451' },
  ...aesRows(12, 'cbc', { name: 'ENCR_AES_CBC', strongswan: 'AES_CBC', saltLen: 0, ivLen: 16, icvLen: 0, rfc: 'RFC 3602', ikev1EncrId: 7, ws2: (b) => `AES-CBC-${b} [RFC3602]`, wsEsp: 'AES-CBC [RFC3602]' }),
  // RFC 3686 §5.1 (ESP) / RFC 5930 §2 (IKEv2): KEYMAT = key | 4-byte nonce; 8-byte IV.
  ...aesRows(13, 'ctr', { name: 'ENCR_AES_CTR', strongswan: 'AES_CTR', saltLen: 4, ivLen: 8, icvLen: 0, rfc: 'RFC 3686', ws2: (b) => `AES-CTR-${b} [RFC5930]`, wsEsp: 'AES-CTR [RFC3686]' }),
  // RFC 4309 §7.1 / RFC 5282 §7.1: CCM salt is 3 bytes.
  ...aesRows(14, 'ccm', { name: 'ENCR_AES_CCM_8', strongswan: 'AES_CCM_8', saltLen: 3, ivLen: 8, icvLen: 8, rfc: 'RFC 4309', ws2: (b) => `AES-CCM-${b} with 8 octet ICV [RFC5282]` }),
  ...aesRows(15, 'ccm', { name: 'ENCR_AES_CCM_12', strongswan: 'AES_CCM_12', saltLen: 3, ivLen: 8, icvLen: 12, rfc: 'RFC 4309', ws2: (b) => `AES-CCM-${b} with 12 octet ICV [RFC5282]` }),
  ...aesRows(16, 'ccm', { name: 'ENCR_AES_CCM_16', strongswan: 'AES_CCM_16', saltLen: 3, ivLen: 8, icvLen: 16, rfc: 'RFC 4309', ws2: (b) => `AES-CCM-${b} with 16 octet ICV [RFC5282]` }),
  // RFC 4106 §8.1 (ESP) / RFC 5282 §7.1 (IKEv2): KEYMAT = key | 4-byte salt; 8-byte IV.
  ...aesRows(18, 'gcm', { name: 'ENCR_AES_GCM_8', strongswan: 'AES_GCM_8', saltLen: 4, ivLen: 8, icvLen: 8, rfc: 'RFC 4106', ws2: (b) => `AES-GCM-${b} with 8 octet ICV [RFC5282]`, wsEsp: 'AES-GCM with 8 octet ICV [RFC4106]' }),
  ...aesRows(19, 'gcm', { name: 'ENCR_AES_GCM_12', strongswan: 'AES_GCM_12', saltLen: 4, ivLen: 8, icvLen: 12, rfc: 'RFC 4106', ws2: (b) => `AES-GCM-${b} with 12 octet ICV [RFC5282]`, wsEsp: 'AES-GCM with 12 octet ICV [RFC4106]' }),
  // "AES-GCM [RFC4106]" is Wireshark's deprecated label without an ICV length (strongSwan's
  // save-keys writes it for every GCM variant); it is mapped to the 16-octet ICV, the common case.
  ...aesRows(20, 'gcm', { name: 'ENCR_AES_GCM_16', strongswan: 'AES_GCM_16', saltLen: 4, ivLen: 8, icvLen: 16, rfc: 'RFC 4106', ws2: (b) => `AES-GCM-${b} with 16 octet ICV [RFC5282]`, wsEsp: 'AES-GCM with 16 octet ICV [RFC4106]', wsEspAliases: ['AES-GCM [RFC4106]'] }),
  // RFC 4543 §3.1/§8 (ESP): ENCR_NULL_AUTH_AES_GMAC, KEYMAT = key | 4-byte salt, 8-byte IV, 16-byte tag; no encryption.
  ...aesRows(21, 'gmac', { name: 'ENCR_NULL_AUTH_AES_GMAC', strongswan: 'NULL_AES_GMAC', saltLen: 4, ivLen: 8, icvLen: 16, rfc: 'RFC 4543' }),
  // RFC 7634 §2 (ESP) and §3 (IKEv2): 32-byte key | 4-byte salt, 8-byte IV, 16-byte tag. Wireshark 4.0 has no label.
  { kind: 'encr', ikev2Id: 28, name: 'ENCR_CHACHA20_POLY1305', strongswan: 'CHACHA20_POLY1305', cipher: 'chacha20', mode: 'chacha20-poly1305', keyLen: 32, saltLen: 4, blockSize: 1, ivLen: 8, icvLen: 16, aead: true, rfc: 'RFC 7634' },
];

// ---------------------------------------------------------------------------------------------
// Lookups

/** The key length as KEYMAT/SK_e carry it: cipher key plus salt (RFC 7296 §2.13, RFC 4106 §8.1). */
export function encrKeymatLen(row: EncrRow): number {
  return row.keyLen + row.saltLen;
}

/** IKEv2 ENCR transform id plus Key Length attribute in bits (undefined for fixed-length ciphers). */
export function encrById(ikev2Id: number, keyBits?: number): EncrRow | undefined {
  return ENCRS.find((r) => r.ikev2Id === ikev2Id && (r.keyBits === undefined || r.keyBits === keyBits));
}

/** IKEv1 phase-1 Encryption Algorithm attribute plus Key-Length attribute (RFC 2409 App. A). */
export function encrByIkev1Id(ikev1EncrId: number, keyBits?: number): EncrRow | undefined {
  return ENCRS.find((r) => r.ikev1EncrId === ikev1EncrId && (r.keyBits === undefined || r.keyBits === keyBits));
}

export function integById(ikev2Id: number): IntegRow | undefined {
  return INTEGS.find((r) => r.ikev2Id === ikev2Id);
}

export function integByIkev1AuthId(authId: number): IntegRow | undefined {
  return INTEGS.find((r) => r.ikev1AuthId === authId);
}

export function prfById(ikev2Id: number): PrfRow | undefined {
  return PRFS.find((r) => r.ikev2Id === ikev2Id);
}

/** IKEv1: the PRF is the HMAC of the negotiated Hash Algorithm (RFC 2409 §5, when no PRF attribute). */
export function prfByIkev1HashId(hashId: number): PrfRow | undefined {
  return PRFS.find((r) => r.ikev1HashId === hashId);
}

/** strongSwan names as in charon logs: `AES_CBC` + key size 128, `HMAC_SHA1_96`, `PRF_HMAC_SHA2_256`. */
export function encrByStrongswan(name: string, keyBits?: number | null): EncrRow | undefined {
  return ENCRS.find((r) => r.strongswan === name && (r.keyBits === undefined || r.keyBits === (keyBits ?? undefined)));
}

export function integByStrongswan(name: string): IntegRow | undefined {
  return INTEGS.find((r) => r.strongswan === name);
}

export function prfByStrongswan(name: string): PrfRow | undefined {
  return PRFS.find((r) => r.strongswan === name);
}

export function encrByWiresharkIkev2(label: string): EncrRow | undefined {
  return ENCRS.find((r) => r.wiresharkIkev2 === label);
}

export function integByWiresharkIkev2(label: string): IntegRow | undefined {
  return INTEGS.find((r) => r.wiresharkIkev2 === label);
}

/**
 * `esp_sa` labels name the algorithm, not the key length: the row is chosen by the key's
 * length (cipher key plus salt), as Wireshark does.
 */
export function encrByWiresharkEsp(label: string, keymatLen: number): EncrRow | undefined {
  return ENCRS.find(
    (r) => (r.wiresharkEsp === label || r.wiresharkEspAliases?.includes(label) === true) && encrKeymatLen(r) === keymatLen,
  );
}

export function isWiresharkEspEncrLabel(label: string): boolean {
  return ENCRS.some((r) => r.wiresharkEsp === label || r.wiresharkEspAliases?.includes(label) === true);
}

export function integByWiresharkEsp(label: string): IntegRow | undefined {
  return INTEGS.find((r) => r.wiresharkEsp === label);
}

/** The hash of a PRF or integrity row, or an error for the AES-based ones (not implemented). */
export function hashOf(row: PrfRow | IntegRow): HashRow {
  if (!row.hash) throw new Error(`${row.name}: not an HMAC algorithm (not supported)`);
  return HASHES[row.hash];
}
