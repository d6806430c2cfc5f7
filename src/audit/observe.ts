/**
 * What the audit needs from IKE messages beyond the session model: the SA
 * proposals as numbers (offered and chosen, Phase 1 and child SAs), KE
 * payloads in child-creating exchanges (PFS), XAUTH credentials and the
 * IKEv2 AUTH method. Read from clear payloads and, when the decryption
 * engine opened a message, from its inner payloads. Keyed by the IKE SA's
 * SPI pair like the session model, so findings attach to its IKE SAs.
 */
import type { Packet } from '../dissect/packet.js';
import type { IsakmpPayload, IsakmpRecord } from '../dissect/isakmp/isakmp.js';
import type { SaPayload } from '../dissect/isakmp/payloads/sa.js';
import type { CfgPayload } from '../dissect/isakmp/payloads/config.js';
import type { AuthPayload } from '../dissect/isakmp/payloads/auth.js';
import { ikev1FragmentOf } from '../dissect/isakmp/fragments.js';
import { describeCode } from '../core/codes.js';
import { exchangeTable } from '../dissect/isakmp/codes.js';
import { toHex } from '../core/bytes.js';
import { proposalFacts, type ProposalFacts } from './proposals.js';

const ZERO8 = '0000000000000000';
/** IKEv1 payloads (RFC 2408 §3.1) / IKEv2 payloads (RFC 7296 §3.2). */
const V1_SA = 1;
const V1_KE = 4;
const V1_ATTR = 14;
const V2_SA = 33;
const V2_KE = 34;
const V2_AUTH = 39;
const V2_SK = 46;
const V2_SKF = 53;
/** XAUTH attributes (draft-beaulieu-ike-xauth §6.1). */
const XAUTH_USER_NAME = 16521;
const XAUTH_USER_PASSWORD = 16522;
const XAUTH_PASSCODE = 16523;

export interface XauthSeen {
  readonly frame: number;
  readonly user?: string;
  readonly password?: string;
  /** The password attribute was present but empty (a request). */
  readonly requested: boolean;
}

export interface ExchangeFacts {
  readonly version: 1 | 2;
  readonly ispi: string;
  readonly rspi: string;
  readonly exchangeType: number;
  readonly name: string;
  readonly messageId: number;
  /** Frames of the distinct messages (retransmissions not repeated). */
  readonly frames: number[];
  /** Frames whose contents could be read (clear, or decrypted by the engine). */
  readonly visibleFrames: number[];
  /** Frames that were in the clear on the wire. */
  readonly clearFrames: number[];
  /** Frames that stayed encrypted. */
  readonly encryptedFrames: number[];
  offered?: { readonly frame: number; readonly facts: readonly ProposalFacts[] };
  chosen?: { readonly frame: number; readonly facts: readonly ProposalFacts[] };
  /** A KE payload was seen (PFS in Quick Mode / CREATE_CHILD_SA). */
  keFrames: number[];
  readonly xauth: XauthSeen[];
  /** IKEv2 AUTH methods seen (RFC 7296 §3.8: 1 RSA, 2 Shared Key MIC, 3 DSS, 14 Digital Signature …). */
  readonly authMethods: { readonly frame: number; readonly method: number }[];
  /** Message digests (retransmission filter). */
  readonly digests: Set<string>;
}

/** Per exchange facts; feed every packet in file order. */
export class AuditObserver {
  private readonly exchanges = new Map<string, ExchangeFacts>();
  /** Offers of first messages (zero responder SPI), waiting for the response that names the pair. */
  private readonly pendingOffers = new Map<string, { frame: number; facts: ProposalFacts[] }>();

  add(p: Packet): void {
    const layers = p.layers;
    let idx = -1;
    for (let i = 1; i < layers.length; i++) if (layers[i]!.spec.id === 'isakmp') idx = i;
    if (idx < 0) return;
    const rec = layers[idx]!.record as IsakmpRecord;
    if ((rec.major !== 1 && rec.major !== 2) || !rec.ispi || !rec.rspi || rec.exchangeType === undefined || rec.messageId === undefined || rec.flags === undefined) return;
    if (ikev1FragmentOf(rec)) return;
    const version = rec.major;
    const ispi = toHex(rec.ispi);
    const rspi = toHex(rec.rspi);
    const frame = p.frame.number;
    const clear = rec.payloads.filter((pl) => !pl.encrypted && pl.type !== V2_SK && pl.type !== V2_SKF);
    const inner = rec.decrypted?.status === 'ok' ? rec.decrypted.payloads : [];
    const isEncrypted = rec.encrypted !== undefined || rec.payloads.some((pl) => pl.encrypted || (version === 2 && (pl.type === V2_SK || pl.type === V2_SKF)));
    const payloads: readonly IsakmpPayload[] = [...clear, ...inner];
    const saType = version === 1 ? V1_SA : V2_SA;
    const sa = payloads.find((pl) => pl.type === saType)?.decoded as SaPayload | undefined;
    const facts = sa && sa.kind === 'sa' ? proposalFacts(sa) : undefined;

    if (rspi === ZERO8) {
      if (facts) this.pendingOffers.set(`${version}:${ispi}`, { frame, facts });
      return;
    }
    const key = `${version}:${ispi}:${rspi}:${rec.exchangeType}:${rec.messageId}`;
    let ex = this.exchanges.get(key);
    if (!ex) {
      ex = {
        version,
        ispi,
        rspi,
        exchangeType: rec.exchangeType,
        name: describeCode(exchangeTable(version), rec.exchangeType),
        messageId: rec.messageId,
        frames: [],
        visibleFrames: [],
        clearFrames: [],
        encryptedFrames: [],
        keFrames: [],
        xauth: [],
        authMethods: [],
        digests: new Set(),
      };
      const pend = this.pendingOffers.get(`${version}:${ispi}`);
      // Phase 1 / IKE_SA_INIT: the offer came in the first message, before the pair was known.
      if (pend && (rec.exchangeType === 2 || rec.exchangeType === 4 || rec.exchangeType === 34)) {
        ex.offered = pend;
        ex.frames.push(pend.frame);
        ex.visibleFrames.push(pend.frame);
        ex.clearFrames.push(pend.frame);
      }
      this.exchanges.set(key, ex);
    }
    const l = layers[idx]!;
    const bytes = p.sources[l.source]?.bytes.subarray(l.offset, l.offset + l.length);
    const digest = bytes ? Buffer.from(bytes).toString('base64') : String(frame);
    if (ex.digests.has(digest)) return;
    ex.digests.add(digest);
    ex.frames.push(frame);
    if (isEncrypted && !inner.length) ex.encryptedFrames.push(frame);
    else ex.visibleFrames.push(frame);
    if (!isEncrypted) ex.clearFrames.push(frame);

    if (facts) {
      const response = version === 2 ? (rec.flags & 0x20) !== 0 : ex.offered !== undefined || rec.exchangeType === 2 || rec.exchangeType === 4;
      if (!response && !ex.offered) ex.offered = { frame, facts };
      else ex.chosen ??= { frame, facts };
    }
    if (payloads.some((pl) => pl.type === (version === 1 ? V1_KE : V2_KE))) ex.keFrames.push(frame);
    for (const pl of payloads) {
      const d = pl.decoded;
      if (!d) continue;
      if (version === 1 && pl.type === V1_ATTR && d.kind === 'cfg') {
        const cfg = d as CfgPayload;
        const text = (t: number) => {
          const a = cfg.attributes.find((x) => x.type === t);
          return a ? Buffer.from(a.value).toString('utf8') : undefined;
        };
        const user = text(XAUTH_USER_NAME);
        const pw = text(XAUTH_USER_PASSWORD) ?? text(XAUTH_PASSCODE);
        if (user !== undefined || pw !== undefined) {
          ex.xauth.push({ frame, ...(user ? { user } : {}), ...(pw ? { password: pw } : {}), requested: pw === '' || (pw === undefined && user === '') });
        }
      }
      if (version === 2 && pl.type === V2_AUTH && d.kind === 'auth') {
        const m = (d as AuthPayload).method?.v;
        if (m !== undefined) ex.authMethods.push({ frame, method: m });
      }
    }
  }

  result(): ExchangeFacts[] {
    return [...this.exchanges.values()];
  }
}
