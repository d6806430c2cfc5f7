/**
 * What the key schedules need from IKEv2 payloads, read from the ordinary dissector's records:
 * the chosen proposal (RFC 7296 §3.3: transform types 1 ENCR, 2 PRF, 3 INTEG, 4 D-H, 5 ESN),
 * KE (§3.4), Nonce (§3.9), ID (§3.5), AUTH (§3.8) and Notify (§3.10) bodies.
 */
import { encrById, integById, prfById, type EncrRow, type IntegRow, type PrfRow } from '../algorithms.js';
import type { IsakmpPayload } from '../../dissect/isakmp/isakmp.js';
import { transformKeyLength, type SaPayload, type SaProposal } from '../../dissect/isakmp/payloads/sa.js';

export const PT_SA = 33;
export const PT_KE = 34;
export const PT_IDI = 35;
export const PT_IDR = 36;
export const PT_AUTH = 39;
export const PT_NONCE = 40;
export const PT_NOTIFY = 41;
export const PT_EAP = 48;
export const PT_SK = 46;
export const PT_SKF = 53;

export const EX_IKE_SA_INIT = 34;
export const EX_IKE_AUTH = 35;
export const EX_CREATE_CHILD_SA = 36;
export const EX_INFORMATIONAL = 37;
export const EX_IKE_INTERMEDIATE = 43;

export const FLAG_I = 0x08;
export const FLAG_R = 0x20;

/** Security Protocol Id (RFC 7296 §3.3.1). */
export const PROTO_IKE = 1;
export const PROTO_AH = 2;
export const PROTO_ESP = 3;

/** Notify types (RFC 7296 §3.10.1). */
export const N_INVALID_KE_PAYLOAD = 17;
export const N_COOKIE = 16390;

export interface Proposal {
  readonly number: number;
  readonly protocol: number;
  readonly spi: Uint8Array;
  readonly encr?: EncrRow;
  /** ENCR transform id that no row matches (unsupported cipher or key length). */
  readonly encrUnknown?: number;
  readonly integ?: IntegRow;
  readonly prf?: PrfRow;
  readonly dhGroup?: number;
  readonly esn?: boolean;
}

/** The first proposal's algorithms (a response carries exactly the chosen one, RFC 7296 §2.7); every proposal with `all`. */
export function proposals(p: IsakmpPayload | undefined): Proposal[] {
  const sa = p?.decoded as SaPayload | undefined;
  if (!sa || sa.kind !== 'sa') return [];
  return sa.proposals.map(proposalOf);
}

function proposalOf(pr: SaProposal): Proposal {
  let encr: EncrRow | undefined;
  let encrUnknown: number | undefined;
  let integ: IntegRow | undefined;
  let prf: PrfRow | undefined;
  let dhGroup: number | undefined;
  let esn: boolean | undefined;
  for (const t of pr.transforms) {
    if (t.id === undefined) continue;
    // Only the first transform of each type: a response carries one of each (RFC 7296 §3.3.6).
    switch (t.type) {
      case 1:
        if (encr === undefined && encrUnknown === undefined) {
          encr = encrById(t.id, transformKeyLength(t, 2));
          if (!encr) encrUnknown = t.id;
        }
        break;
      case 2:
        prf ??= prfById(t.id);
        break;
      case 3:
        integ ??= integById(t.id);
        break;
      case 4:
        dhGroup ??= t.id;
        break;
      case 5:
        esn ??= t.id === 1;
        break;
    }
  }
  return {
    number: pr.number ?? 0,
    protocol: pr.protocol ?? 0,
    spi: pr.spi ?? new Uint8Array(0),
    ...(encr ? { encr } : {}),
    ...(encrUnknown !== undefined ? { encrUnknown } : {}),
    ...(integ ? { integ } : {}),
    ...(prf ? { prf } : {}),
    ...(dhGroup !== undefined ? { dhGroup } : {}),
    ...(esn !== undefined ? { esn } : {}),
  };
}

export function first(payloads: readonly IsakmpPayload[], type: number): IsakmpPayload | undefined {
  return payloads.find((p) => p.type === type && !p.malformed);
}

/** KE body (RFC 7296 §3.4): group (2), reserved (2), key exchange data. */
export function keOf(p: IsakmpPayload | undefined): { group: number; data: Uint8Array } | undefined {
  if (!p || p.body.length < 4) return undefined;
  return { group: (p.body[0]! << 8) | p.body[1]!, data: p.body.subarray(4) };
}

/** AUTH body (RFC 7296 §3.8): method (1), reserved (3), authentication data. */
export function authOf(p: IsakmpPayload | undefined): { method: number; data: Uint8Array } | undefined {
  if (!p || p.body.length < 4) return undefined;
  return { method: p.body[0]!, data: p.body.subarray(4) };
}

/** Notify types in a payload list (RFC 7296 §3.10: protocol (1), SPI size (1), type (2)). */
export function notifyTypes(payloads: readonly IsakmpPayload[]): number[] {
  return payloads.filter((p) => p.type === PT_NOTIFY && p.body.length >= 4).map((p) => (p.body[2]! << 8) | p.body[3]!);
}

/** ID payload data as text for PSK scoping (RFC 7296 §3.5): IPv4, FQDN, RFC822, IPv6, else hex. */
export function idText(body: Uint8Array): string | undefined {
  if (body.length < 4) return undefined;
  const type = body[0]!;
  const d = body.subarray(4);
  if (type === 1 && d.length === 4) return Array.from(d).join('.');
  if (type === 2 || type === 3) return new TextDecoder().decode(d);
  if (type === 5 && d.length === 16) {
    const g: string[] = [];
    for (let i = 0; i < 16; i += 2) g.push(((d[i]! << 8) | d[i + 1]!).toString(16));
    return g.join(':');
  }
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}
