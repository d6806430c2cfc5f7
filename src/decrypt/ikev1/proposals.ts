/**
 * What an IKEv1 SA payload negotiates, read from the decoded SA payload records
 * (src/dissect/isakmp/payloads/sa.ts): the phase-1 transform (RFC 2409 App. A) and
 * the Quick Mode proposals (RFC 2407 §4.4–§4.5). Pure functions; unknown or
 * unsupported values give undefined rows, never exceptions.
 */
import type { IsakmpPayload } from '../../dissect/isakmp/isakmp.js';
import type { SaPayload, SaProposal, SaTransform } from '../../dissect/isakmp/payloads/sa.js';
import { IKE_ATTR, IPSEC_ATTR, PROTO_AH, PROTO_ESP } from '../../dissect/isakmp/payloads/sa-tables.js';
import {
  HASHES,
  INTEGS,
  encrById,
  encrByIkev1Id,
  integById,
  integByIkev1AuthId,
  prfByIkev1HashId,
  type EncrRow,
  type HashRow,
  type IntegRow,
  type PrfRow,
} from '../algorithms.js';

export const PAYLOAD_SA = 1;
export const PAYLOAD_KE = 4;
export const PAYLOAD_ID = 5;
export const PAYLOAD_HASH = 8;
export const PAYLOAD_NONCE = 10;

/** The decoded SA payload of a payload, when it is one. */
export function saOf(p: IsakmpPayload): SaPayload | undefined {
  const d = p.decoded as SaPayload | undefined;
  return p.type === PAYLOAD_SA && d && d.kind === 'sa' ? d : undefined;
}

function attr(t: SaTransform, type: number): number | undefined {
  const v = t.attributes.find((a) => a.type === type)?.num;
  return typeof v === 'number' ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
}

/** The phase-1 choice: the first transform of the (responder's) SA payload. */
export interface Phase1Choice {
  readonly encrId?: number;
  readonly keyBits?: number;
  readonly hashId?: number;
  readonly authMethod?: number;
  readonly group?: number;
  readonly encr?: EncrRow;
  /** HMAC of the negotiated hash (RFC 2409 §5: no PRF attribute in use). */
  readonly prf?: PrfRow;
  readonly hash?: HashRow;
}

export function phase1Choice(sa: SaPayload): Phase1Choice | undefined {
  const t = sa.proposals[0]?.transforms[0];
  if (!t) return undefined;
  const encrId = attr(t, IKE_ATTR.ENCRYPTION);
  const keyBits = attr(t, IKE_ATTR.KEY_LENGTH);
  const hashId = attr(t, IKE_ATTR.HASH);
  const authMethod = attr(t, IKE_ATTR.AUTH_METHOD);
  const group = attr(t, IKE_ATTR.GROUP_DESCRIPTION);
  // AES without a Key Length attribute is not allowed (RFC 3602 §5); fixed-length ciphers ignore it.
  const encr = encrId !== undefined ? encrByIkev1Id(encrId, keyBits) ?? (keyBits === undefined ? undefined : encrByIkev1Id(encrId)) : undefined;
  const prf = hashId !== undefined ? prfByIkev1HashId(hashId) : undefined;
  const hash = prf?.hash ? HASHES[prf.hash] : undefined;
  return {
    ...(encrId !== undefined ? { encrId } : {}),
    ...(keyBits !== undefined ? { keyBits } : {}),
    ...(hashId !== undefined ? { hashId } : {}),
    ...(authMethod !== undefined ? { authMethod } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(encr ? { encr } : {}),
    ...(prf ? { prf } : {}),
    ...(hash ? { hash } : {}),
  };
}

/** One negotiated IPsec SA of a Quick Mode (ESP or AH), from the responder's chosen proposal. */
export interface QmSa {
  readonly protocol: 'esp' | 'ah';
  readonly protocolId: number;
  readonly proposalNumber: number;
  /** SPI the QM responder chose (it receives on it). */
  readonly rspi?: Uint8Array;
  /** SPI the QM initiator chose in the matching proposal (it receives on it). */
  readonly ispi?: Uint8Array;
  readonly encr?: EncrRow;
  readonly integ?: IntegRow;
  readonly esn: boolean;
  /** PFS group (Group Description attribute), when present. */
  readonly group?: number;
  /** Why the SA cannot be keyed (unknown transform), if so. */
  readonly problem?: string;
}

function matchProposal(offer: SaPayload | undefined, chosen: SaProposal): SaProposal | undefined {
  if (!offer) return undefined;
  return (
    offer.proposals.find((p) => p.number === chosen.number && p.protocol === chosen.protocol) ??
    offer.proposals.find((p) => p.protocol === chosen.protocol)
  );
}

/** The IPsec SAs a Quick Mode negotiated: each ESP/AH proposal of the responder's SA payload. */
export function quickModeSas(offer: SaPayload | undefined, chosen: SaPayload): QmSa[] {
  const out: QmSa[] = [];
  for (const p of chosen.proposals) {
    if (p.protocol !== PROTO_ESP && p.protocol !== PROTO_AH) continue;
    const t = p.transforms[0];
    const o = matchProposal(offer, p);
    const base = {
      protocol: p.protocol === PROTO_ESP ? ('esp' as const) : ('ah' as const),
      protocolId: p.protocol,
      proposalNumber: p.number ?? 0,
      ...(p.spi && p.spi.length > 0 ? { rspi: p.spi } : {}),
      ...(o?.spi && o.spi.length > 0 ? { ispi: o.spi } : {}),
    };
    if (!t || t.id === undefined) {
      out.push({ ...base, esn: false, problem: 'no transform' });
      continue;
    }
    const keyBits = attr(t, IPSEC_ATTR.KEY_LENGTH);
    const auth = attr(t, IPSEC_ATTR.AUTH_ALGORITHM);
    const group = attr(t, IPSEC_ATTR.GROUP_DESCRIPTION);
    const esn = attr(t, IPSEC_ATTR.ESN) === 1;
    const g = group !== undefined ? { group } : {};
    if (p.protocol === PROTO_ESP) {
      // RFC 2407 §4.4.4: ESP transform ids are the IKEv2 ENCR ids (same IANA numbers).
      const encr = encrById(t.id, keyBits);
      // No Authentication Algorithm attribute: AEAD, or ESP without integrity (RFC 2407 §4.5).
      const integ = auth !== undefined ? integByIkev1AuthId(auth) : integById(0);
      const problem = !encr ? `ESP transform ${t.id}${keyBits ? `/${keyBits}` : ''} unknown` : auth !== undefined && !integ ? `authentication algorithm ${auth} unknown` : undefined;
      out.push({ ...base, ...g, esn, ...(encr ? { encr } : {}), ...(integ ? { integ } : {}), ...(problem ? { problem } : {}) });
    } else {
      // AH: the Authentication Algorithm attribute is mandatory (RFC 2407 §4.5); fall back on the AH transform id.
      const integ = (auth !== undefined ? integByIkev1AuthId(auth) : undefined) ?? INTEGS.find((r) => r.ahTransformId === t.id);
      out.push({ ...base, ...g, esn, ...(integ ? { integ } : { problem: `AH transform ${t.id} unknown` }) });
    }
  }
  return out;
}
