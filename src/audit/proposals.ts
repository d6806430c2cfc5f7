/**
 * SA proposals in one shape for both IKE versions, read from the decoded SA
 * payload (numbers, not display strings): what the audit rules look at.
 *
 * IKEv1 Phase 1 (RFC 2409 App. A): attributes Encryption (1), Hash (2),
 * Group Description (4), Life Type/Duration (11/12), PRF (13), Key Length (14).
 * IKEv1 Phase 2 (RFC 2407 §4.4–4.5): the transform ID is the cipher (ESP) or
 * the hash (AH); attributes Life Type/Duration (1/2), Group Description (3,
 * PFS), Authentication Algorithm (5), Key Length (6).
 * IKEv2 (RFC 7296 §3.3.2): transforms of type ENCR (1), PRF (2), INTEG (3), DH (4), ESN (5).
 */
import { describeCode } from '../core/codes.js';
import type { SaPayload, SaProposal, SaTransform } from '../dissect/isakmp/payloads/sa.js';
import {
  IKEV1_ENCR,
  IKEV1_HASH,
  IKEV1_TRANSFORM_AH,
  IKEV1_TRANSFORM_ESP,
  IKEV2_ENCR,
  IKEV2_INTEG,
  IKEV2_PRF,
  IPSEC_AUTH_ALGORITHMS,
  KE_METHODS,
} from '../dissect/isakmp/payloads/sa-tables.js';

export type Protocol = 'IKE' | 'AH' | 'ESP' | 'other';

export interface Algo {
  readonly id: number;
  readonly name: string;
}

/** One transform set (a chosen proposal, or one offered combination), normalized. */
export interface ProposalFacts {
  readonly version: 1 | 2;
  readonly protocol: Protocol;
  readonly encr?: Algo & { readonly keyLength?: number };
  /** Integrity (IKEv2 INTEG, IKEv1 Phase 2 Authentication Algorithm / AH transform). */
  readonly integ?: Algo;
  /** IKEv2 PRF; IKEv1 Phase 1: the Hash Algorithm (its HMAC is the prf, RFC 2409 §5). */
  readonly prf?: Algo;
  /** DH group (IKE SA), or PFS group (child SA). */
  readonly dh?: Algo;
  readonly lifeSeconds?: number;
  readonly lifeKilobytes?: number;
  /** IKEv1 Phase 1 Authentication Method attribute. */
  readonly authMethod?: number;
  /** The cipher is an AEAD (GCM, CCM, ChaCha20-Poly1305): no separate integrity needed. */
  readonly aead: boolean;
}

const PROTO: Record<number, Protocol> = { 1: 'IKE', 2: 'AH', 3: 'ESP' };

/** IKEv2 AEAD ciphers (RFC 5282, RFC 4106 for ESP, RFC 7634): 14–16 CCM, 18–20 GCM, 25–27 Camellia-CCM, 28 ChaCha20-Poly1305. */
const V2_AEAD = new Set([14, 15, 16, 18, 19, 20, 25, 26, 27, 28]);
/** IKEv1 ESP AEAD transform IDs (RFC 4106 §8.4: 18–20 GCM; RFC 4309: 14–16 CCM). */
const V1_ESP_AEAD = new Set([14, 15, 16, 18, 19, 20]);

function num(a: { num?: number | bigint } | undefined): number | undefined {
  return a?.num === undefined ? undefined : Number(a.num);
}

const algo = (table: Parameters<typeof describeCode>[0], id: number): Algo => ({ id, name: describeCode(table, id) });

/** Life Type/Duration pairs (they come in that order, several allowed: RFC 2407 §4.5, RFC 2409 App. A). */
function lifetimes(t: SaTransform, typeAttr: number, durAttr: number): { lifeSeconds?: number; lifeKilobytes?: number } {
  const out: { lifeSeconds?: number; lifeKilobytes?: number } = {};
  let kind: number | undefined;
  for (const a of t.attributes) {
    if (a.type === typeAttr) kind = num(a);
    else if (a.type === durAttr) {
      const v = num(a) ?? (a.value.length ? Number(BigInt('0x' + Buffer.from(a.value).toString('hex'))) : undefined);
      if (v === undefined) continue;
      if (kind === 2) out.lifeKilobytes = v;
      else out.lifeSeconds = v; // Seconds (1), and the default when no type preceded it
    }
  }
  return out;
}

function v1Facts(protocol: Protocol, t: SaTransform): ProposalFacts {
  const at = (type: number) => num(t.attributes.find((a) => a.type === type));
  if (protocol === 'IKE') {
    const e = at(1);
    const h = at(2);
    const g = at(4);
    const kl = at(14);
    const auth = at(3);
    return {
      version: 1,
      protocol,
      ...(e !== undefined ? { encr: { ...algo(IKEV1_ENCR, e), ...(kl !== undefined ? { keyLength: kl } : {}) } } : {}),
      ...(h !== undefined ? { prf: algo(IKEV1_HASH, h) } : {}),
      ...(g !== undefined ? { dh: algo(KE_METHODS, g) } : {}),
      ...(auth !== undefined ? { authMethod: auth } : {}),
      ...lifetimes(t, 11, 12),
      aead: false,
    };
  }
  const g = at(3);
  const auth = at(5);
  const kl = at(6);
  const base = { version: 1 as const, protocol, ...(g !== undefined ? { dh: algo(KE_METHODS, g) } : {}), ...lifetimes(t, 1, 2) };
  if (protocol === 'ESP') {
    const id = t.id ?? 0;
    return {
      ...base,
      encr: { ...algo(IKEV1_TRANSFORM_ESP, id), ...(kl !== undefined ? { keyLength: kl } : {}) },
      ...(auth !== undefined ? { integ: algo(IPSEC_AUTH_ALGORITHMS, auth) } : {}),
      aead: V1_ESP_AEAD.has(id),
    };
  }
  if (protocol === 'AH') {
    const integ = auth !== undefined ? algo(IPSEC_AUTH_ALGORITHMS, auth) : algo(IKEV1_TRANSFORM_AH, t.id ?? 0);
    return { ...base, integ, aead: false };
  }
  return { ...base, aead: false };
}

function v2Facts(protocol: Protocol, ts: readonly SaTransform[]): ProposalFacts {
  const first = (type: number) => ts.find((t) => t.type === type);
  const e = first(1);
  const p = first(2);
  const i = first(3);
  const d = first(4);
  const kl = e ? num(e.attributes.find((a) => a.type === 14)) : undefined;
  return {
    version: 2,
    protocol,
    ...(e?.id !== undefined ? { encr: { ...algo(IKEV2_ENCR, e.id), ...(kl !== undefined ? { keyLength: kl } : {}) } } : {}),
    ...(p?.id !== undefined ? { prf: algo(IKEV2_PRF, p.id) } : {}),
    // INTEG NONE (0) is the same as no integrity transform (RFC 7296 §3.3.3).
    ...(i?.id !== undefined && i.id !== 0 ? { integ: algo(IKEV2_INTEG, i.id) } : {}),
    ...(d?.id !== undefined && d.id !== 0 ? { dh: algo(KE_METHODS, d.id) } : {}),
    aead: e?.id !== undefined && V2_AEAD.has(e.id),
  };
}

/**
 * The transform sets of an SA payload: IKEv1, one per transform (each is
 * an alternative); IKEv2, one per proposal with its first transform of each
 * type (a chosen proposal has exactly one of each).
 */
export function proposalFacts(sa: SaPayload): ProposalFacts[] {
  const out: ProposalFacts[] = [];
  for (const pr of sa.proposals) out.push(...proposalFactsOf(sa.major, pr));
  return out;
}

export function proposalFactsOf(major: 1 | 2, pr: SaProposal): ProposalFacts[] {
  const protocol = PROTO[pr.protocol ?? 0] ?? 'other';
  if (major === 1) return pr.transforms.map((t) => v1Facts(protocol, t));
  return [v2Facts(protocol, pr.transforms)];
}

/** `AES-CBC-128/SHA1/MODP_1024` style one-liner. */
export function factsSummary(f: ProposalFacts): string {
  const parts: string[] = [];
  if (f.encr) parts.push(f.encr.keyLength ? `${f.encr.name}-${f.encr.keyLength}` : f.encr.name);
  if (f.integ) parts.push(f.integ.name);
  if (f.prf) parts.push(f.version === 1 ? f.prf.name : `PRF ${f.prf.name}`);
  if (f.dh) parts.push(f.dh.name);
  return `${f.protocol} ${parts.join('/')}`;
}
