/**
 * Algorithm names for `espy check` policies: one canonical spelling per
 * algorithm (the IKEv2 IANA registry names with the ENCR_/AUTH_ prefixes
 * dropped, as `-z ike,sessions` prints them), the aliases a policy may use
 * (strongSwan's proposal keywords, IKEv1 names, DH group numbers), and the
 * mapping from what the capture shows (IKEv2 transform IDs, IKEv1 attribute
 * values, IPsec DOI transform IDs) to canonical names.
 */
import type { ProposalObs, TransformObs } from '../analyze/observe.js';

export type AlgoCategory = 'encryption' | 'integrity' | 'prf' | 'dh_group';

/** IKEv2 ENCR transform IDs (RFC 7296 §3.3.2, IANA "Transform Type 1"); IKEv1 ESP transform IDs use the same numbers. */
const ENCR: Record<number, string> = {
  1: 'DES_IV64', 2: 'DES', 3: '3DES', 4: 'RC5', 5: 'IDEA', 6: 'CAST', 7: 'BLOWFISH', 8: '3IDEA', 9: 'DES_IV32',
  11: 'NULL', 12: 'AES_CBC', 13: 'AES_CTR', 14: 'AES_CCM_8', 15: 'AES_CCM_12', 16: 'AES_CCM_16',
  18: 'AES_GCM_8', 19: 'AES_GCM_12', 20: 'AES_GCM_16', 21: 'NULL_AUTH_AES_GMAC', 23: 'CAMELLIA_CBC', 24: 'CAMELLIA_CTR',
  25: 'CAMELLIA_CCM_8', 26: 'CAMELLIA_CCM_12', 27: 'CAMELLIA_CCM_16', 28: 'CHACHA20_POLY1305',
};
/** IKEv2 PRF transform IDs (IANA "Transform Type 2"). */
const PRF: Record<number, string> = {
  1: 'PRF_HMAC_MD5', 2: 'PRF_HMAC_SHA1', 3: 'PRF_HMAC_TIGER', 4: 'PRF_AES128_XCBC', 5: 'PRF_HMAC_SHA2_256',
  6: 'PRF_HMAC_SHA2_384', 7: 'PRF_HMAC_SHA2_512', 8: 'PRF_AES128_CMAC',
};
/** IKEv2 INTEG transform IDs (IANA "Transform Type 3"). */
const INTEG: Record<number, string> = {
  0: 'NONE', 1: 'HMAC_MD5_96', 2: 'HMAC_SHA1_96', 3: 'DES_MAC', 4: 'KPDK_MD5', 5: 'AES_XCBC_96', 6: 'HMAC_MD5_128',
  7: 'HMAC_SHA1_160', 8: 'AES_CMAC_96', 9: 'AES_128_GMAC', 10: 'AES_192_GMAC', 11: 'AES_256_GMAC',
  12: 'HMAC_SHA2_256_128', 13: 'HMAC_SHA2_384_192', 14: 'HMAC_SHA2_512_256',
};
/** DH groups (IANA "Transform Type 4"; IKEv1 Group Description uses the same numbers). */
const DH: Record<number, string> = {
  0: 'NONE', 1: 'MODP_768', 2: 'MODP_1024', 5: 'MODP_1536', 14: 'MODP_2048', 15: 'MODP_3072', 16: 'MODP_4096',
  17: 'MODP_6144', 18: 'MODP_8192', 19: 'ECP_256', 20: 'ECP_384', 21: 'ECP_521', 22: 'MODP_1024_160',
  23: 'MODP_2048_224', 24: 'MODP_2048_256', 25: 'ECP_192', 26: 'ECP_224', 27: 'ECP_224_BP', 28: 'ECP_256_BP',
  29: 'ECP_384_BP', 30: 'ECP_512_BP', 31: 'CURVE_25519', 32: 'CURVE_448',
};
/** IKEv1 Phase 1 Encryption Algorithm attribute (RFC 2409 App. A, RFC 3602, RFC 4312). */
const V1_ENCR: Record<number, string> = { 1: 'DES', 2: 'IDEA', 3: 'BLOWFISH', 4: 'RC5', 5: '3DES', 6: 'CAST', 7: 'AES_CBC', 8: 'CAMELLIA_CBC' };
/** IKEv1 Phase 1 Hash Algorithm attribute (RFC 2409 App. A, RFC 4868): the HMAC used for integrity and as PRF. */
const V1_HASH: Record<number, [integ: string, prf: string]> = {
  1: ['HMAC_MD5_96', 'PRF_HMAC_MD5'],
  2: ['HMAC_SHA1_96', 'PRF_HMAC_SHA1'],
  3: ['HMAC_TIGER', 'PRF_HMAC_TIGER'],
  4: ['HMAC_SHA2_256_128', 'PRF_HMAC_SHA2_256'],
  5: ['HMAC_SHA2_384_192', 'PRF_HMAC_SHA2_384'],
  6: ['HMAC_SHA2_512_256', 'PRF_HMAC_SHA2_512'],
};
/** IPsec DOI Authentication Algorithm attribute (RFC 2407 §4.5, RFC 4868) for ESP/AH in Quick Mode. */
const V1_AUTH: Record<number, string> = { 1: 'HMAC_MD5_96', 2: 'HMAC_SHA1_96', 3: 'DES_MAC', 4: 'KPDK_MD5', 5: 'HMAC_SHA2_256_128', 6: 'HMAC_SHA2_384_192', 7: 'HMAC_SHA2_512_256', 9: 'AES_XCBC_96' };
/** IPsec DOI AH transform IDs (RFC 2407 §4.4.3). */
const V1_AH: Record<number, string> = { 2: 'HMAC_MD5_96', 3: 'HMAC_SHA1_96', 4: 'DES_MAC', 5: 'HMAC_SHA2_256_128', 6: 'HMAC_SHA2_384_192', 7: 'HMAC_SHA2_512_256', 9: 'AES_XCBC_96' };

const CANONICAL: Record<AlgoCategory, readonly string[]> = {
  encryption: [...new Set([...Object.values(ENCR), ...Object.values(V1_ENCR)])],
  integrity: [...new Set([...Object.values(INTEG), 'HMAC_TIGER'])],
  prf: Object.values(PRF),
  dh_group: Object.values(DH),
};

const NUMBERS: Partial<Record<AlgoCategory, Record<number, string>>> = { encryption: ENCR, integrity: INTEG, prf: PRF, dh_group: DH };

/** Aliases (upper case, `-`/space folded to `_`): strongSwan keywords and common spellings. */
const ALIASES: Record<AlgoCategory, Record<string, string>> = {
  encryption: {
    AES: 'AES_CBC', AES_CBC: 'AES_CBC', AESCTR: 'AES_CTR', TRIPLEDES: '3DES', '3DES_CBC': '3DES', DES_CBC: 'DES', DES3: '3DES',
    CHACHA20POLY1305: 'CHACHA20_POLY1305', CHACHA20: 'CHACHA20_POLY1305', CAMELLIA: 'CAMELLIA_CBC',
    AESGCM8: 'AES_GCM_8', AESGCM12: 'AES_GCM_12', AESGCM16: 'AES_GCM_16', AESGCM: 'AES_GCM_16', AES_GCM: 'AES_GCM_16',
    AESCCM8: 'AES_CCM_8', AESCCM12: 'AES_CCM_12', AESCCM16: 'AES_CCM_16', AES_CCM: 'AES_CCM_16', AESGMAC: 'NULL_AUTH_AES_GMAC',
  },
  integrity: {
    MD5: 'HMAC_MD5_96', SHA: 'HMAC_SHA1_96', SHA1: 'HMAC_SHA1_96', HMAC_SHA1: 'HMAC_SHA1_96', HMAC_MD5: 'HMAC_MD5_96',
    SHA256: 'HMAC_SHA2_256_128', SHA2_256: 'HMAC_SHA2_256_128', HMAC_SHA2_256: 'HMAC_SHA2_256_128',
    SHA384: 'HMAC_SHA2_384_192', SHA2_384: 'HMAC_SHA2_384_192', HMAC_SHA2_384: 'HMAC_SHA2_384_192',
    SHA512: 'HMAC_SHA2_512_256', SHA2_512: 'HMAC_SHA2_512_256', HMAC_SHA2_512: 'HMAC_SHA2_512_256',
    AESXCBC: 'AES_XCBC_96', AESCMAC: 'AES_CMAC_96', NULL: 'NONE',
  },
  prf: {
    PRFMD5: 'PRF_HMAC_MD5', PRFSHA1: 'PRF_HMAC_SHA1', PRFSHA256: 'PRF_HMAC_SHA2_256', PRFSHA384: 'PRF_HMAC_SHA2_384',
    PRFSHA512: 'PRF_HMAC_SHA2_512', PRFAESXCBC: 'PRF_AES128_XCBC', PRFAESCMAC: 'PRF_AES128_CMAC',
    MD5: 'PRF_HMAC_MD5', SHA: 'PRF_HMAC_SHA1', SHA1: 'PRF_HMAC_SHA1', SHA256: 'PRF_HMAC_SHA2_256', SHA384: 'PRF_HMAC_SHA2_384', SHA512: 'PRF_HMAC_SHA2_512',
  },
  dh_group: {
    MODP768: 'MODP_768', MODP1024: 'MODP_1024', MODP1536: 'MODP_1536', MODP2048: 'MODP_2048', MODP3072: 'MODP_3072',
    MODP4096: 'MODP_4096', MODP6144: 'MODP_6144', MODP8192: 'MODP_8192', ECP256: 'ECP_256', ECP384: 'ECP_384', ECP521: 'ECP_521',
    ECP192: 'ECP_192', ECP224: 'ECP_224', ECP224BP: 'ECP_224_BP', ECP256BP: 'ECP_256_BP', ECP384BP: 'ECP_384_BP', ECP512BP: 'ECP_512_BP',
    CURVE25519: 'CURVE_25519', X25519: 'CURVE_25519', CURVE448: 'CURVE_448', X448: 'CURVE_448', MODP1024S160: 'MODP_1024_160',
    MODP2048S224: 'MODP_2048_224', MODP2048S256: 'MODP_2048_256',
  },
};

/** A policy's algorithm name, resolved: canonical name and, for encryption, an optional key length. */
export interface AlgoSpec {
  readonly name: string;
  readonly keyLength?: number;
  /** As written in the policy (for messages). */
  readonly text: string;
}

/** What a capture shows for one algorithm slot. */
export interface AlgoValue {
  readonly name: string;
  readonly keyLength?: number;
  /** Where it came from, e.g. `ENCR id 12` or `IKEv1 encryption_algorithm 5`. */
  readonly raw: string;
}

export function knownNames(cat: AlgoCategory): readonly string[] {
  return CANONICAL[cat];
}

const fold = (s: string) => s.trim().toUpperCase().replace(/[-\s]+/g, '_');

function lookupName(cat: AlgoCategory, s: string): string | undefined {
  const f = fold(s);
  const known = CANONICAL[cat];
  if (known.includes(f)) return f;
  const alias = ALIASES[cat][f] ?? ALIASES[cat][f.replace(/_/g, '')];
  if (alias) return alias;
  // `ENCR_AES_CBC`, `AUTH_HMAC_SHA1_96`, `PRF_…`-less PRF names (`HMAC_SHA2_256` is integrity's alias first).
  const stripped = f.replace(/^(ENCR|AUTH)_/, '');
  if (known.includes(stripped)) return stripped;
  if (cat === 'prf' && known.includes(`PRF_${f}`)) return `PRF_${f}`;
  return undefined;
}

/**
 * Resolve a policy entry (`AES_CBC`, `AES_CBC-256`, `aes256`, `3des`, `14`,
 * `MODP_2048`, `x25519`, …). Returns an error message listing the known
 * names when the entry is not one.
 */
export function resolveAlgo(cat: AlgoCategory, entry: string | number): AlgoSpec | string {
  const text = String(entry);
  if (typeof entry === 'number' || /^\d+$/.test(text.trim())) {
    const n = Number(text);
    const name = NUMBERS[cat]?.[n];
    if (name && cat === 'dh_group') return { name, text };
    if (cat !== 'dh_group') return `${cat} is given by name, not number (${text}); known: ${CANONICAL[cat].join(', ')}`;
    return `unknown DH group ${text}; known: ${Object.entries(DH).map(([k, v]) => `${k} (${v})`).join(', ')}`;
  }
  const direct = lookupName(cat, text);
  if (direct) return { name: direct, text };
  if (cat === 'encryption') {
    // Key length: `AES_CBC-256`, `AES_CBC_256`, `aes256`, `aes256gcm16`, `CAMELLIA_CBC-128`.
    const f = fold(text);
    let m = /^(.*?)_?(128|192|256)$/.exec(f);
    if (m) {
      const base = lookupName(cat, m[1]!);
      if (base) return { name: base, keyLength: Number(m[2]), text };
    }
    m = /^(AES|CAMELLIA)(128|192|256)(.*)$/.exec(f.replace(/_/g, ''));
    if (m) {
      const base = lookupName(cat, `${m[1]}${m[3]}`);
      if (base) return { name: base, keyLength: Number(m[2]), text };
    }
  }
  return `unknown ${cat.replace('_', ' ')} ${JSON.stringify(text)}; known: ${CANONICAL[cat].join(', ')}${cat === 'dh_group' ? ' (or the group number)' : ''}`;
}

export function algoMatches(spec: AlgoSpec, v: AlgoValue): boolean {
  return spec.name === v.name && (spec.keyLength === undefined || spec.keyLength === v.keyLength);
}

export function algoText(v: { name: string; keyLength?: number }): string {
  return v.keyLength !== undefined ? `${v.name}-${v.keyLength}` : v.name;
}

function attrNum(t: TransformObs, key: string): number | undefined {
  const a = t.attrs[key];
  if (!a) return undefined;
  const n = typeof a.value === 'number' ? a.value : Number(a.value);
  return Number.isFinite(n) ? n : undefined;
}

function named(table: Record<number, string>, id: number, label: string, keyLength?: number): AlgoValue {
  return { name: table[id] ?? `${label}#${id}`, ...(keyLength !== undefined ? { keyLength } : {}), raw: `${label} ${id}` };
}

/**
 * The algorithms of one proposal, per category (every alternative a proposal
 * lists: an IKEv2 proposal may list several of each type, an IKEv1 proposal
 * several transforms).
 */
export function proposalAlgos(p: ProposalObs, version: 1 | 2): Record<AlgoCategory, AlgoValue[]> {
  const out: Record<AlgoCategory, AlgoValue[]> = { encryption: [], integrity: [], prf: [], dh_group: [] };
  const isV2 = version === 2 || p.transforms.some((t) => t.type !== undefined);
  for (const t of p.transforms) {
    if (isV2) {
      if (t.id === undefined) continue;
      if (t.type === 1) out.encryption.push(named(ENCR, t.id, 'ENCR', t.keyLength));
      else if (t.type === 2) out.prf.push(named(PRF, t.id, 'PRF'));
      else if (t.type === 3) out.integrity.push(named(INTEG, t.id, 'INTEG'));
      else if (t.type === 4) out.dh_group.push(named(DH, t.id, 'DH'));
      continue;
    }
    const keyLength = t.keyLength ?? attrNum(t, 'key_length');
    const group = attrNum(t, 'group_description');
    if (group !== undefined) out.dh_group.push(named(DH, group, 'IKEv1 group_description'));
    const proto = (p.protocol ?? '').toUpperCase();
    if (p.protocolId === 1 || proto.includes('ISAKMP') || attrNum(t, 'encryption_algorithm') !== undefined) {
      const enc = attrNum(t, 'encryption_algorithm');
      if (enc !== undefined) out.encryption.push(named(V1_ENCR, enc, 'IKEv1 encryption_algorithm', keyLength));
      const hash = attrNum(t, 'hash_algorithm');
      if (hash !== undefined) {
        const h = V1_HASH[hash];
        out.integrity.push(h ? { name: h[0], raw: `IKEv1 hash_algorithm ${hash}` } : named({}, hash, 'IKEv1 hash_algorithm'));
        out.prf.push(h ? { name: h[1], raw: `IKEv1 hash_algorithm ${hash}` } : named({}, hash, 'IKEv1 hash_algorithm'));
      }
      continue;
    }
    const auth = attrNum(t, 'auth_algorithm');
    if (p.protocolId === 2 || proto === 'AH' || proto.includes('IPSEC_AH')) {
      if (t.id !== undefined) out.integrity.push(named(V1_AH, t.id, 'AH transform'));
      else if (auth !== undefined) out.integrity.push(named(V1_AUTH, auth, 'IPsec auth_algorithm'));
      continue;
    }
    // ESP (IPsec DOI ESP transform IDs share the IKEv2 ENCR numbers).
    if (t.id !== undefined) out.encryption.push(named(ENCR, t.id, 'ESP transform', keyLength));
    if (auth !== undefined) out.integrity.push(named(V1_AUTH, auth, 'IPsec auth_algorithm'));
  }
  return out;
}
