/**
 * IKEv2 decryption (RFC 7296): IKE SAs tracked by (SPIi, SPIr), learned from IKE_SA_INIT; keys
 * from key tables (SK_* by SPIs) or derived from a Diffie-Hellman secret (§2.14) or from SK_d of
 * the IKE SA being rekeyed (§2.18); every SK/SKF payload verified (ICV or AEAD tag) before it is
 * decrypted (§3.14, RFC 5282 §5, RFC 7383 §2.5); PSK AUTH payloads checked (§2.15); CHILD SA
 * keys derived (§2.17) and handed to the SA store.
 *
 * Passes (see ../engine.ts): 'learn' builds the state in capture order; 'decrypt' only reads it
 * (plus a memo of per-message results keyed by the message bytes, which are pure functions of
 * the message and the frozen state), so what a frame shows does not depend on the order frames
 * are viewed in; 'both' does both in one pass.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import type { DissectContext, IpEndpoints, Layer } from '../../dissect/layer.js';
import { decryptNotes, type AuthCheck, type DecryptOutcome, type IkeDecrypted, type SourceRange } from '../../dissect/decrypt-hooks.js';
import { walkPayloadChain, type IsakmpPayload, type IsakmpRecord } from '../../dissect/isakmp/isakmp.js';
import { note, type Note } from '../../core/notes.js';
import { concatAll, equalBytes, formatIPv4, formatIPv6, toHex } from '../../core/bytes.js';
import type { EngineEnv, IkeVersionEngine } from '../engine.js';
import { originText, type ChildSa, type DhEntry, type Ikev2SaKeyEntry, type IkeSaReport, type KeyOrigin, type PskEntry } from '../types.js';
import { integById, type EncrRow, type IntegRow, type PrfRow } from '../algorithms.js';
import { makeEncr, makeInteg, type Encr, type Integ } from '../cipher/index.js';
import { childSaSizes, deriveChildSaKeys, deriveIkeSaKeys, ikeSaSizes, rekeySkeyseed, skeyseed } from '../kdf/ikev2.js';
import { dhGroupInfo, dhPublicValue, dhSharedSecret } from '../dh.js';
import { openSk, skGeometry, skIcvLen, skPadding, skVerifies, type SkGeometry } from './sk.js';
import { pskAuthVerifies, signedOctets } from './auth.js';
import {
  EX_CREATE_CHILD_SA,
  EX_IKE_AUTH,
  EX_IKE_INTERMEDIATE,
  EX_IKE_SA_INIT,
  FLAG_I,
  FLAG_R,
  PROTO_AH,
  PROTO_ESP,
  PROTO_IKE,
  PT_AUTH,
  PT_EAP,
  PT_IDI,
  PT_IDR,
  PT_KE,
  PT_NONCE,
  PT_SA,
  PT_SKF,
  authOf,
  first,
  idText,
  keOf,
  proposals,
  type Proposal,
} from './proposal.js';

type Ke = { readonly group: number; readonly data: Uint8Array };

/** The keys of one IKE SA, once known. */
interface SaKeys {
  readonly encr: EncrRow;
  readonly integ?: IntegRow;
  readonly noCheckIcvLen?: number;
  readonly prf?: PrfRow;
  readonly skeyseed?: Uint8Array;
  readonly skD?: Uint8Array;
  readonly skAi?: Uint8Array;
  readonly skAr?: Uint8Array;
  readonly skEi: Uint8Array;
  readonly skEr: Uint8Array;
  readonly skPi?: Uint8Array;
  readonly skPr?: Uint8Array;
  /** The DH entry the keys were derived from. */
  readonly dh?: DhEntry;
  readonly origin: KeyOrigin;
  /** Named for this SA (table by SPIs, DH secret scoped to it): used even when the ICV fails. */
  readonly explicit: boolean;
}

interface Ciphers {
  readonly encrI: Encr;
  readonly encrR: Encr;
  readonly integI?: Integ;
  readonly integR?: Integ;
}

interface InitRequest {
  readonly frame: number;
  readonly bytes: Uint8Array;
  readonly ni: Uint8Array;
  readonly ke?: Ke;
  readonly src?: string;
  readonly dst?: string;
}

interface ChildRequest {
  readonly proposals: Proposal[];
  readonly ni?: Uint8Array;
  readonly ke?: Ke;
  readonly src?: string;
  readonly dst?: string;
  readonly fromOriginalInitiator: boolean;
}

interface FragSet {
  readonly total: number;
  readonly frags: Map<number, { frame: number; inner: Uint8Array; next: number }>;
  complete?: { frame: number; frames: number[]; plaintext: Uint8Array; walk: Walk; checks: AuthCheck[] };
}

interface Walk {
  readonly payloads: IsakmpPayload[];
  readonly notes: Note[];
}

interface IkeSa {
  readonly id: string;
  readonly spiI: Uint8Array;
  readonly spiR: Uint8Array;
  initiator?: string;
  responder?: string;
  proposal?: Proposal;
  ni?: Uint8Array;
  nr?: Uint8Array;
  kei?: Ke;
  ker?: Ke;
  /** IKE_SA_INIT request and response as sent (RealMessage1/2 of §2.15). */
  initReq?: Uint8Array;
  initResp?: Uint8Array;
  /** Set for an IKE SA created by rekeying (RFC 7296 §2.18). */
  rekey?: { readonly old: IkeSa; readonly ke?: Ke; readonly keR?: Ke };
  keys?: SaKeys;
  ciphers?: Ciphers;
  authReqProposals?: Proposal[];
  eap?: boolean;
  intermediate?: boolean;
  /** Identities seen in IKE_AUTH (IDi, IDr as text), for PSKs scoped by identity. */
  readonly ids: Set<string>;
  readonly childReqs: Map<string, ChildRequest>;
  readonly checks: (AuthCheck & { readonly frame: number })[];
  readonly children: string[];
  /** decrypt/both: what each frame was (for the counters). */
  readonly frames: Map<number, 'clear' | 'ok' | 'bad' | 'nokeys'>;
  readonly fragSets: Map<string, FragSet>;
}

/** Per-message result (a pure function of the message bytes and the frozen state). */
type Computed =
  | {
      readonly status: 'ok';
      readonly g: SkGeometry;
      readonly plaintext: Uint8Array;
      readonly innerLen: number;
      readonly padLength: number;
      readonly padOk: boolean;
      readonly icv: 'good' | 'unchecked';
      readonly walk?: Walk;
      readonly checks: AuthCheck[];
      readonly keySource: string;
      readonly skf?: { readonly number: number; readonly total: number };
    }
  | { readonly status: 'icv-bad'; readonly g?: SkGeometry; readonly keySource: string; readonly why?: string };

const hex = (b: Uint8Array): string => toHex(b);
const u32 = (b: Uint8Array): number => (b.length === 4 ? ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0 : -1);

function addrText(ip: IpEndpoints | undefined, which: 'src' | 'dst'): string | undefined {
  if (!ip) return undefined;
  return ip.family === 4 ? formatIPv4(ip[which]) : formatIPv6(ip[which]);
}

export class Ikev2Engine implements IkeVersionEngine {
  private readonly sas = new Map<string, IkeSa>();
  private readonly initRequests = new Map<string, InitRequest[]>();
  private readonly memo = new Map<string, Computed>();
  /** DH entries that turned out to belong to an exchange (an IKE SA's g^ir, a CHILD SA's PFS secret). */
  private readonly usedDh = new Set<DhEntry>();

  constructor(readonly env: EngineEnv) {}

  message(ctx: DissectContext, layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined {
    const rec = layer.record;
    if (!rec.ispi || !rec.rspi || rec.flags === undefined || rec.messageId === undefined || rec.exchangeType === undefined) return undefined;
    const mode = this.env.mode();
    const learning = mode !== 'decrypt';
    const counting = mode !== 'learn';
    const avail = layer.length;
    const len = rec.length !== undefined && rec.length >= 28 && rec.length <= avail ? rec.length : avail;
    const msg = layer.data.subarray(layer.offset, layer.offset + len);
    const sk = rec.payloads.find((p) => p.encrypted);
    const frame = ctx.frame.number;
    if (!sk) {
      if (learning) {
        try {
          this.learnClear(ctx, rec, msg);
        } catch {
          // Nothing learned from a message the payload decoders could not make sense of.
        }
      }
      if (counting) {
        const sa = this.sas.get(`${hex(rec.ispi)}/${hex(rec.rspi)}`) ?? this.byInitiatorSpi(hex(rec.ispi));
        sa?.frames.set(frame, 'clear');
      }
      return undefined;
    }
    if (sk.malformed || rec.truncated) return undefined;
    const id = `${hex(rec.ispi)}/${hex(rec.rspi)}`;
    let sa = this.sas.get(id);
    if (!sa) {
      // No IKE_SA_INIT seen (capture started later): a key table entry by SPIs still decrypts.
      if (!this.env.keys.ikev2.some((e) => `${e.spiI}/${e.spiR}` === id)) return undefined;
      sa = newSa(rec.ispi, rec.rspi);
      const fromInit = (rec.flags & FLAG_I) !== 0;
      sa.initiator = addrText(ctx.ip, fromInit ? 'src' : 'dst');
      sa.responder = addrText(ctx.ip, fromInit ? 'dst' : 'src');
      if (learning) this.sas.set(id, sa);
    }
    let computed: Computed | undefined;
    try {
      computed = this.compute(ctx, layer, sa, sk, msg, learning);
    } catch {
      // A key of the wrong size from a key file, an unsupported PRF…: nothing decrypted, nothing thrown.
      computed = undefined;
    }
    if (counting) sa.frames.set(frame, computed === undefined ? 'nokeys' : computed.status === 'ok' ? 'ok' : 'bad');
    if (!computed) return undefined;
    return this.outcome(layer, sa, sk, computed, frame);
  }

  reports(): IkeSaReport[] {
    const out: IkeSaReport[] = [];
    for (const sa of this.sas.values()) {
      const k = sa.keys;
      let encrypted = 0;
      let decrypted = 0;
      let failed = 0;
      for (const s of sa.frames.values()) {
        if (s !== 'clear') encrypted++;
        if (s === 'ok') decrypted++;
        if (s === 'bad') failed++;
      }
      const secrets: Record<string, Uint8Array> = {};
      if (k) {
        const put = (n: string, v: Uint8Array | undefined) => {
          if (v) secrets[n] = v;
        };
        put('SKEYSEED', k.skeyseed);
        put('SK_d', k.skD);
        put('SK_ai', k.skAi);
        put('SK_ar', k.skAr);
        put('SK_ei', k.skEi);
        put('SK_er', k.skEr);
        put('SK_pi', k.skPi);
        put('SK_pr', k.skPr);
      }
      const encr = k?.encr ?? sa.proposal?.encr;
      const integ = k?.integ ?? sa.proposal?.integ;
      const prf = k?.prf ?? sa.proposal?.prf;
      out.push({
        version: 2,
        spiI: hex(sa.spiI),
        spiR: hex(sa.spiR),
        ...(sa.initiator ? { initiator: sa.initiator } : {}),
        ...(sa.responder ? { responder: sa.responder } : {}),
        ...(encr ? { encr: encr.name, encrRow: encr } : {}),
        ...(integ && !encr?.aead ? { integ: integ.name, integRow: integ } : {}),
        // AEAD: Wireshark's table wants integrity "NONE" (RFC 5282 §8: no INTEG transform).
        ...(encr?.aead ? { integRow: integById(0)! } : {}),
        ...(prf ? { prf: prf.name } : {}),
        ...(sa.proposal?.dhGroup !== undefined ? { dhGroup: sa.proposal.dhGroup } : {}),
        ...(k ? { keys: k.origin } : {}),
        ...(sa.rekey ? { rekeyOf: sa.rekey.old.id } : {}),
        messages: sa.frames.size,
        encrypted,
        decrypted,
        failed,
        checks: [...sa.checks],
        children: [...sa.children],
        secrets,
      });
    }
    return out;
  }

  // ------------------------------------------------------------------ IKE_SA_INIT (clear)

  private byInitiatorSpi(spiI: string): IkeSa | undefined {
    for (const sa of this.sas.values()) if (hex(sa.spiI) === spiI && !sa.rekey) return sa;
    return undefined;
  }

  /** IKE_SA_INIT: nonces, KE, the chosen proposal and both messages' bytes (RFC 7296 §1.2, §2.15). */
  private learnClear(ctx: DissectContext, rec: IsakmpRecord, msg: Uint8Array): void {
    if (rec.exchangeType !== EX_IKE_SA_INIT) return;
    const flags = rec.flags!;
    const spiI = hex(rec.ispi!);
    const nonce = first(rec.payloads, PT_NONCE)?.body;
    const ke = keOf(first(rec.payloads, PT_KE));
    if (!(flags & FLAG_R)) {
      if (!nonce) return;
      const list = this.initRequests.get(spiI) ?? [];
      if (list.some((r) => equalBytes(r.bytes, msg))) return; // retransmission
      const src = addrText(ctx.ip, 'src');
      const dst = addrText(ctx.ip, 'dst');
      list.push({ frame: ctx.frame.number, bytes: msg.slice(), ni: nonce.slice(), ...(ke ? { ke: { group: ke.group, data: ke.data.slice() } } : {}), ...(src ? { src } : {}), ...(dst ? { dst } : {}) });
      this.initRequests.set(spiI, list);
      return;
    }
    // A response with SA, KE and Nr accepts the request; COOKIE and INVALID_KE_PAYLOAD responses carry none (§2.6, §1.3).
    const chosen = proposals(first(rec.payloads, PT_SA))[0];
    if (!chosen || !ke || !nonce || rec.rspi!.every((b) => b === 0)) return;
    const id = `${spiI}/${hex(rec.rspi!)}`;
    if (this.sas.has(id)) return;
    const reqs = this.initRequests.get(spiI) ?? [];
    // The last request before the accepted response counts (a COOKIE or INVALID_KE_PAYLOAD retry replaces the first).
    const before = reqs.filter((r) => r.frame < ctx.frame.number);
    const req = (before.length ? before : reqs).reduce<InitRequest | undefined>((a, b) => (!a || b.frame > a.frame ? b : a), undefined);
    const sa = newSa(rec.ispi!, rec.rspi!);
    sa.proposal = chosen;
    sa.nr = nonce.slice();
    sa.ker = { group: ke.group, data: ke.data.slice() };
    sa.initResp = msg.slice();
    sa.responder = addrText(ctx.ip, 'src');
    sa.initiator = addrText(ctx.ip, 'dst');
    if (req) {
      sa.ni = req.ni;
      if (req.ke) sa.kei = req.ke;
      sa.initReq = req.bytes;
      if (req.src) sa.initiator = req.src;
    }
    this.sas.set(id, sa);
  }

  // ------------------------------------------------------------------ keys

  /** Keys for an SA: resolved ones, else the first candidate whose ICV holds on this message, else the first named for the SA. */
  private keysFor(sa: IkeSa, msg: Uint8Array, sk: IsakmpPayload, skRel: number, fromInit: boolean, persist: boolean): SaKeys | undefined {
    if (sa.keys) return sa.keys;
    let fallback: SaKeys | undefined;
    let chosen: SaKeys | undefined;
    for (const k of this.candidates(sa)) {
      if (!k) continue;
      let ok = false;
      try {
        const g = skGeometry(k.encr, skIcvLen(k.encr, k.integ, k.noCheckIcvLen), skRel, sk.body.length, sk.type === PT_SKF);
        const c = ciphersOf(k);
        ok = g !== undefined && skVerifies(msg, g, fromInit ? c.encrI : c.encrR, fromInit ? c.integI : c.integR);
        if (!ok && k.explicit && !k.encr.aead && !k.integ && k.noCheckIcvLen !== undefined) ok = true; // "[No Checking]" rows
      } catch {
        continue;
      }
      if (ok) {
        chosen = k;
        break;
      }
      if (k.explicit) fallback ??= k;
    }
    chosen ??= fallback;
    if (chosen && persist) {
      sa.keys = chosen;
      if (chosen.dh) this.usedDh.add(chosen.dh);
    }
    return chosen;
  }

  private *candidates(sa: IkeSa): Generator<SaKeys | undefined> {
    const spiI = hex(sa.spiI);
    const spiR = hex(sa.spiR);
    for (const e of this.env.keys.ikev2) if (e.spiI === spiI && e.spiR === spiR) yield fromEntry(sa, e);
    const kei = sa.rekey ? sa.rekey.ke : sa.kei;
    const ker = sa.rekey ? sa.rekey.keR : sa.ker;
    const scopes = [sa.id, ...(sa.rekey ? [sa.rekey.old.id] : [])];
    for (const d of this.dhCandidates(scopes, kei, ker, sa.proposal?.dhGroup ?? kei?.group)) {
      yield this.derive(sa, d.gir, d.entry, d.explicit);
    }
  }

  /**
   * Diffie-Hellman secrets that may belong to an exchange, best first: scoped to the SA by SPIs
   * (the old SA's SPIs for a rekey, where a log names the SA it ran in), matching a KE public
   * value, a private value whose public value is one of the KEs (g^ir computed with dh.ts), then
   * unscoped shared secrets of the right size (tried in turn; the ICV tells).
   */
  private *dhCandidates(scopes: string[], kei: Ke | undefined, ker: Ke | undefined, group: number | undefined): Generator<{ gir: Uint8Array; entry: DhEntry; explicit: boolean }> {
    if (!kei || !ker) return;
    const g = group ?? kei.group;
    const info = dhGroupInfo(g);
    const fromPrivate = (e: DhEntry): Uint8Array | undefined => {
      if (!e.privateValue) return undefined;
      const pub = e.publicValue ?? publicOf(e, g);
      if (!pub) return undefined;
      if (equalBytes(pub, kei.data)) return dhSharedSecret(g, e.privateValue, ker.data);
      if (equalBytes(pub, ker.data)) return dhSharedSecret(g, e.privateValue, kei.data);
      return undefined;
    };
    const scopeOf = (e: DhEntry) => (e.spiI && e.spiR ? `${e.spiI.toLowerCase()}/${e.spiR.toLowerCase()}` : undefined);
    const groupOk = (e: DhEntry) => e.group === undefined || e.group === g;
    const entries = this.env.keys.dh;
    // 1. Scoped to this SA (explicit).
    for (const e of entries) {
      if (scopeOf(e) !== scopes[0] || !groupOk(e)) continue;
      const gir = e.sharedSecret ?? fromPrivate(e);
      if (gir) yield { gir, entry: e, explicit: true };
    }
    // 2. By public value (explicit).
    for (const e of entries) {
      if (scopeOf(e) === scopes[0] || !e.publicValue || !groupOk(e)) continue;
      if (!equalBytes(e.publicValue, kei.data) && !equalBytes(e.publicValue, ker.data)) continue;
      const gir = e.sharedSecret ?? fromPrivate(e);
      if (gir) yield { gir, entry: e, explicit: true };
    }
    // 3. Private values without a public value or scope.
    for (const e of entries) {
      if (scopeOf(e) || e.publicValue || !e.privateValue || e.sharedSecret || !groupOk(e)) continue;
      const gir = fromPrivate(e);
      if (gir) yield { gir, entry: e, explicit: true };
    }
    // 4. Scoped to another SA named in `scopes` (the SA being rekeyed), then unscoped: verified by the ICV.
    const sizeOk = (s: Uint8Array) => !info || s.length === info.secretLen;
    for (const e of entries) {
      const sc = scopeOf(e);
      if (!e.sharedSecret || e.publicValue || this.usedDh.has(e) || !groupOk(e) || !sizeOk(e.sharedSecret)) continue;
      if (sc !== undefined && (sc === scopes[0] || !scopes.slice(1).includes(sc))) continue;
      if (sc !== undefined) yield { gir: e.sharedSecret, entry: e, explicit: false };
    }
    for (const e of entries) {
      if (!e.sharedSecret || e.publicValue || scopeOf(e) || this.usedDh.has(e) || !groupOk(e) || !sizeOk(e.sharedSecret)) continue;
      yield { gir: e.sharedSecret, entry: e, explicit: false };
    }
  }

  /** SKEYSEED and SK_* from g^ir (RFC 7296 §2.14), or from SK_d of the old SA for a rekey (§2.18). */
  private derive(sa: IkeSa, gir: Uint8Array, entry: DhEntry, explicit: boolean): SaKeys | undefined {
    const p = sa.proposal;
    if (!p?.encr || !p.prf || !sa.ni || !sa.nr) return undefined;
    const integ = p.encr.aead ? undefined : p.integ;
    if (!p.encr.aead && !integ) return undefined;
    let seed: Uint8Array;
    let detail: string;
    if (sa.rekey) {
      const old = sa.rekey.old;
      const ok = old.keys;
      const oldPrf = ok?.prf ?? old.proposal?.prf;
      if (!ok?.skD || !oldPrf) return undefined;
      // §2.18: the rekeying exchange belongs to the old IKE SA, so the old SA's PRF makes SKEYSEED.
      seed = rekeySkeyseed(oldPrf, ok.skD, gir, sa.ni, sa.nr);
      detail = `SKEYSEED from SK_d of IKE SA ${old.id} and the DH secret (${originText(entry.origin)})`;
    } else {
      seed = skeyseed(p.prf, sa.ni, sa.nr, gir);
      detail = `SKEYSEED from the DH secret (${originText(entry.origin)})`;
    }
    const k = deriveIkeSaKeys(p.prf, seed, sa.ni, sa.nr, sa.spiI, sa.spiR, ikeSaSizes(p.encr, integ));
    return {
      encr: p.encr,
      ...(integ ? { integ } : {}),
      prf: p.prf,
      skeyseed: seed,
      skD: k.SK_d,
      ...(integ ? { skAi: k.SK_ai, skAr: k.SK_ar } : {}),
      skEi: k.SK_ei,
      skEr: k.SK_er,
      skPi: k.SK_pi,
      skPr: k.SK_pr,
      dh: entry,
      origin: { kind: 'derived', detail },
      explicit,
    };
  }

  // ------------------------------------------------------------------ SK / SKF

  private compute(ctx: DissectContext, layer: Layer<IsakmpRecord>, sa: IkeSa, sk: IsakmpPayload, msg: Uint8Array, learning: boolean): Computed | undefined {
    const rec = layer.record;
    const fromInit = (rec.flags! & FLAG_I) !== 0;
    const skRel = sk.bodyOffset - layer.offset;
    const memoKey = `${sa.id}:${hex(sha256(msg))}`;
    const hit = this.memo.get(memoKey);
    if (hit) return hit;
    const keys = this.keysFor(sa, msg, sk, skRel, fromInit, learning);
    if (!keys) return undefined;
    const keySource = originText(keys.origin);
    const icvLen = skIcvLen(keys.encr, keys.integ, keys.noCheckIcvLen);
    const isSkf = sk.type === PT_SKF;
    const g = skGeometry(keys.encr, icvLen, skRel, sk.body.length, isSkf);
    let result: Computed;
    if (!g) {
      result = { status: 'icv-bad', keySource, why: `Encrypted payload of ${sk.body.length} bytes is too short for ${keys.encr.name} IV and ICV, or not whole blocks` };
    } else {
      const c = ciphersOf(keys);
      const open = openSk(msg, g, fromInit ? c.encrI : c.encrR, fromInit ? c.integI : c.integR);
      if (open.status !== 'ok') {
        result = { status: 'icv-bad', g, keySource };
      } else {
        const pt = open.plaintext;
        const pad = skPadding(pt);
        const header = { major: 2 as const, exchangeType: rec.exchangeType!, flags: rec.flags!, messageId: rec.messageId! };
        if (isSkf) {
          result = { status: 'ok', g, plaintext: pt, innerLen: pad.innerLen, padLength: pad.padLength, padOk: pad.ok, icv: open.icv, checks: [], keySource, skf: { number: sk.fragNumber ?? 0, total: sk.fragTotal ?? 0 } };
        } else {
          const w = walkPayloadChain(pt, 0, pad.innerLen, sk.nextPayload, header);
          const walk: Walk = { payloads: w.payloads, notes: w.notes };
          const checks = this.authChecks(sa, keys, rec, walk.payloads);
          result = { status: 'ok', g, plaintext: pt, innerLen: pad.innerLen, padLength: pad.padLength, padOk: pad.ok, icv: open.icv, walk, checks, keySource };
          if (learning) this.learnInner(ctx, sa, rec, walk.payloads, checks);
        }
      }
    }
    if (isSkf && result.status === 'ok' && learning) this.addFragment(ctx, sa, rec, sk, result);
    this.memo.set(memoKey, result);
    return result;
  }

  /** RFC 7383 §2.6: each fragment verified and decrypted alone; the message is the fragments' plaintexts in order. */
  private addFragment(ctx: DissectContext, sa: IkeSa, rec: IsakmpRecord, sk: IsakmpPayload, r: Computed & { status: 'ok' }): void {
    const n = sk.fragNumber ?? 0;
    const total = sk.fragTotal ?? 0;
    if (n < 1 || total < 1 || n > total) return;
    const key = `${rec.messageId}:${rec.flags! & (FLAG_I | FLAG_R)}:${total}`;
    let set = sa.fragSets.get(key);
    if (!set) {
      set = { total, frags: new Map() };
      sa.fragSets.set(key, set);
    }
    if (set.complete) return;
    const frame = ctx.frame.number;
    const have = set.frags.get(n);
    if (have && have.frame <= frame) return;
    set.frags.set(n, { frame, inner: r.plaintext.subarray(0, r.innerLen), next: sk.nextPayload });
    if (set.frags.size < total) return;
    const parts: Uint8Array[] = [];
    const frames: number[] = [];
    for (let i = 1; i <= total; i++) {
      const f = set.frags.get(i)!;
      parts.push(f.inner);
      frames.push(f.frame);
    }
    const plaintext = concatAll(parts);
    const header = { major: 2 as const, exchangeType: rec.exchangeType!, flags: rec.flags!, messageId: rec.messageId! };
    const w = walkPayloadChain(plaintext, 0, plaintext.length, set.frags.get(1)!.next, header);
    const walk: Walk = { payloads: w.payloads, notes: w.notes };
    const checks = sa.keys ? this.authChecks(sa, sa.keys, rec, walk.payloads) : [];
    // The highest-numbered frame among the fragments shows the message: the same in every viewing order.
    set.complete = { frame: Math.max(...frames), frames: [...frames].sort((a, b) => a - b), plaintext, walk, checks };
    this.learnInner({ ...ctx, frame: { ...ctx.frame, number: set.complete.frame } }, sa, rec, walk.payloads, checks);
  }

  private outcome(layer: Layer<IsakmpRecord>, sa: IkeSa, sk: IsakmpPayload, r: Computed, frame: number): DecryptOutcome<IsakmpRecord> {
    const rec = layer.record;
    const src = layer.source;
    const at = (off: number, length: number): SourceRange => ({ source: src, offset: layer.offset + off, length });
    const base = {
      keySource: r.keySource,
      ...(r.g ? { iv: layer.data.slice(layer.offset + r.g.iv, layer.offset + r.g.iv + r.g.ivLen), ivRange: at(r.g.iv, r.g.ivLen) } : {}),
    };
    if (r.status !== 'ok') {
      const d: IkeDecrypted = {
        status: 'icv-bad',
        source: -1,
        ...base,
        ...(r.g ? { icv: { ...at(r.g.icv, r.g.icvLen), status: 'bad' as const } } : {}),
        payloads: [],
        notes: [note(decryptNotes.ikeIcvBad, r.why ?? `Integrity Checksum Data does not match (keys: ${r.keySource})`, r.g ? layer.offset + r.g.icv : sk.offset, r.g ? r.g.icvLen : sk.length)],
      };
      return { layer: () => ({ ...layer, record: Object.freeze({ ...rec, decrypted: Object.freeze(d) }) }) };
    }
    const icv = { ...at(r.g.icv, r.g.icvLen), status: r.icv };
    let bytes = r.plaintext;
    let payloads: readonly IsakmpPayload[] = [];
    let notes: Note[] = [];
    let checks = r.checks;
    let fragmentFrames: number[] | undefined;
    let padded = true;
    if (r.skf) {
      const set = sa.fragSets.get(`${rec.messageId}:${rec.flags! & (FLAG_I | FLAG_R)}:${r.skf.total}`);
      if (set?.complete && set.complete.frame === frame) {
        bytes = set.complete.plaintext;
        payloads = set.complete.walk.payloads;
        notes = [...set.complete.walk.notes];
        checks = set.complete.checks;
        fragmentFrames = set.complete.frames;
        padded = false;
      }
    } else if (r.walk) {
      payloads = r.walk.payloads;
      notes = [...r.walk.notes];
    }
    if (padded && !r.padOk) notes.push(note(decryptNotes.ikePadBad, `Pad Length ${r.padLength} exceeds the ${r.plaintext.length - 1} bytes before it`));
    for (const c of checks) {
      if (c.ok === true) notes.push(note(decryptNotes.authGood, `${c.what} verified${c.detail ? ` (${c.detail})` : ''}`));
      else if (c.ok === false) notes.push(note(decryptNotes.authBad, `${c.what} does not verify${c.detail ? ` (${c.detail})` : ''}`));
    }
    const frozenNotes = Object.freeze(notes);
    const source = { name: 'Decrypted IKE', bytes };
    return {
      source,
      layer: (idx) => {
        const d: IkeDecrypted = {
          status: 'ok',
          source: idx,
          ...base,
          icv,
          payloads,
          ...(padded ? { padding: { source: idx, offset: r.innerLen, length: Math.max(0, r.plaintext.length - 1 - r.innerLen) }, padLength: r.padLength } : {}),
          ...(fragmentFrames ? { fragmentFrames } : {}),
          ...(checks.length ? { checks } : {}),
          notes: frozenNotes,
        };
        return { ...layer, record: Object.freeze({ ...rec, decrypted: Object.freeze(d) }) };
      },
    };
  }

  // ------------------------------------------------------------------ AUTH (RFC 7296 §2.15)

  private authChecks(sa: IkeSa, keys: SaKeys, rec: IsakmpRecord, payloads: readonly IsakmpPayload[]): AuthCheck[] {
    if (rec.exchangeType !== EX_IKE_AUTH) return [];
    const auth = authOf(first(payloads, PT_AUTH));
    if (!auth) return [];
    const what = 'AUTH';
    if (auth.method !== 2) return [{ what, ok: undefined, detail: `authentication method ${auth.method}: only Shared Key Message Integrity Code (2) is checked` }];
    const fromInit = (rec.flags! & FLAG_I) !== 0;
    if (sa.intermediate) return [{ what, ok: undefined, detail: 'IKE_INTERMEDIATE was used: the signed octets include IntAuth (RFC 9242), not checked' }];
    if (sa.eap || first(payloads, PT_EAP) || rec.messageId! > 1) return [{ what, ok: undefined, detail: 'a later IKE_AUTH round (EAP: AUTH is keyed with the MSK; or RFC 4739 multiple authentication): not checked' }];
    const realMessage = fromInit ? sa.initReq : sa.initResp;
    const peerNonce = fromInit ? sa.nr : sa.ni;
    if (!realMessage || !peerNonce) return [{ what, ok: undefined, detail: 'IKE_SA_INIT not captured' }];
    const skP = fromInit ? keys.skPi : keys.skPr;
    const prf = keys.prf ?? sa.proposal?.prf;
    if (!skP || !prf) return [{ what, ok: undefined, detail: `no ${fromInit ? 'SK_pi' : 'SK_pr'} (keys from a table without it)` }];
    const idP = first(payloads, fromInit ? PT_IDI : PT_IDR);
    if (!idP) return [{ what, ok: undefined, detail: `no ${fromInit ? 'IDi' : 'IDr'} payload` }];
    const psks = this.pskCandidates(sa, payloads);
    if (psks.length === 0) return [{ what, ok: undefined, detail: 'no PSK given' }];
    let octets: Uint8Array;
    try {
      octets = signedOctets(prf, realMessage, peerNonce, skP, idP.body);
    } catch {
      return [{ what, ok: undefined, detail: `${prf.name} not supported` }];
    }
    for (const p of psks) {
      if (pskAuthVerifies(prf, p.psk, octets, auth.data)) return [{ what, ok: true, detail: `${fromInit ? 'initiator' : 'responder'}, PSK from ${originText(p.origin)}` }];
    }
    return [{ what, ok: false, detail: `${fromInit ? 'initiator' : 'responder'}: ${psks.length === 1 ? 'the PSK does' : `none of ${psks.length} PSKs`} not match` }];
  }

  /** PSKs scoped to a peer address or to either identity first (a PSK is shared by the pair), then unscoped ones. */
  private pskCandidates(sa: IkeSa, payloads: readonly IsakmpPayload[]): PskEntry[] {
    const ids = new Set(sa.ids);
    for (const t of [PT_IDI, PT_IDR]) {
      const p = first(payloads, t);
      const text = p ? idText(p.body) : undefined;
      if (text !== undefined) ids.add(text);
    }
    const scoped: PskEntry[] = [];
    const loose: PskEntry[] = [];
    for (const p of this.env.keys.psks) {
      if (p.peer === undefined && p.id === undefined) loose.push(p);
      else if ((p.peer !== undefined && (p.peer === sa.initiator || p.peer === sa.responder)) || (p.id !== undefined && ids.has(p.id))) scoped.push(p);
    }
    return [...scoped, ...loose];
  }

  // ------------------------------------------------------------------ learning from plaintext

  private learnInner(ctx: DissectContext, sa: IkeSa, rec: IsakmpRecord, payloads: readonly IsakmpPayload[], checks: readonly AuthCheck[]): void {
    const frame = ctx.frame.number;
    for (const c of checks) sa.checks.push({ ...c, frame });
    const flags = rec.flags!;
    const fromInit = (flags & FLAG_I) !== 0;
    const isResp = (flags & FLAG_R) !== 0;
    const src = addrText(ctx.ip, 'src');
    const dst = addrText(ctx.ip, 'dst');
    switch (rec.exchangeType) {
      case EX_IKE_INTERMEDIATE:
        sa.intermediate = true;
        return;
      case EX_IKE_AUTH: {
        if (first(payloads, PT_EAP)) sa.eap = true;
        for (const t of [PT_IDI, PT_IDR]) {
          const p = first(payloads, t);
          const text = p ? idText(p.body) : undefined;
          if (text !== undefined) sa.ids.add(text);
        }
        const props = proposals(first(payloads, PT_SA));
        if (!isResp) {
          if (props.length) sa.authReqProposals = props;
          return;
        }
        const chosen = props[0];
        if (!chosen || !sa.authReqProposals || !sa.ni || !sa.nr) return;
        // §2.17: the IKE_AUTH CHILD SA takes its KEYMAT from the IKE_SA_INIT nonces.
        this.deriveChild(sa, chosen, sa.authReqProposals, sa.ni, sa.nr, true, sa.initiator, sa.responder, undefined, frame);
        return;
      }
      case EX_CREATE_CHILD_SA: {
        const props = proposals(first(payloads, PT_SA));
        const nonce = first(payloads, PT_NONCE)?.body;
        const ke = keOf(first(payloads, PT_KE));
        const copyKe = ke ? { group: ke.group, data: ke.data.slice() } : undefined;
        if (!isResp) {
          sa.childReqs.set(`${rec.messageId}:${fromInit ? 1 : 0}`, {
            proposals: props,
            ...(nonce ? { ni: nonce.slice() } : {}),
            ...(copyKe ? { ke: copyKe } : {}),
            ...(src ? { src } : {}),
            ...(dst ? { dst } : {}),
            fromOriginalInitiator: fromInit,
          });
          return;
        }
        // The request came from the other side: the original initiator when this response lacks the I flag.
        const req = sa.childReqs.get(`${rec.messageId}:${fromInit ? 0 : 1}`);
        const chosen = props[0];
        if (!req || !chosen || !req.ni || !nonce) return;
        const requester = req.src ?? dst;
        const responder = req.dst ?? src;
        if (chosen.protocol === PROTO_IKE) this.rekeyIke(sa, req, chosen, nonce.slice(), copyKe, requester, responder);
        else this.deriveChild(sa, chosen, req.proposals, req.ni, nonce, req.fromOriginalInitiator, requester, responder, req.ke && copyKe ? { kei: req.ke, ker: copyKe } : undefined, frame);
        return;
      }
    }
  }

  /** CREATE_CHILD_SA with an IKE proposal (RFC 7296 §1.3.2, §2.18): the new SA's SPIs are the proposals' SPIs. */
  private rekeyIke(sa: IkeSa, req: ChildRequest, chosen: Proposal, nr: Uint8Array, ker: Ke | undefined, requester: string | undefined, responder: string | undefined): void {
    const reqProp = req.proposals.find((p) => p.protocol === PROTO_IKE && p.number === chosen.number) ?? req.proposals.find((p) => p.protocol === PROTO_IKE);
    if (!reqProp || reqProp.spi.length !== 8 || chosen.spi.length !== 8) return;
    const nsa = newSa(reqProp.spi.slice(), chosen.spi.slice());
    if (this.sas.has(nsa.id)) return;
    nsa.proposal = chosen;
    nsa.ni = req.ni!;
    nsa.nr = nr;
    nsa.rekey = { old: sa, ...(req.ke ? { ke: req.ke } : {}), ...(ker ? { keR: ker } : {}) };
    if (requester) nsa.initiator = requester;
    if (responder) nsa.responder = responder;
    this.sas.set(nsa.id, nsa);
  }

  /** KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr) (RFC 7296 §2.17); the requester→responder SA uses the responder's SPI. */
  private deriveChild(
    sa: IkeSa,
    chosen: Proposal,
    reqProps: readonly Proposal[],
    ni: Uint8Array,
    nr: Uint8Array,
    requesterIsOriginalInitiator: boolean,
    requester: string | undefined,
    responder: string | undefined,
    pfs: { kei: Ke; ker: Ke } | undefined,
    frame: number,
  ): void {
    const keys = sa.keys;
    const prf = keys?.prf ?? sa.proposal?.prf;
    if (!keys?.skD || !prf) return;
    if (chosen.protocol !== PROTO_ESP && chosen.protocol !== PROTO_AH) return;
    if (chosen.encrUnknown !== undefined) return;
    const reqProp = reqProps.find((p) => p.protocol === chosen.protocol && p.number === chosen.number) ?? reqProps.find((p) => p.protocol === chosen.protocol);
    const respSpi = u32(chosen.spi);
    const reqSpi = reqProp ? u32(reqProp.spi) : -1;
    if (respSpi < 0 || reqSpi < 0) return;
    const esp = chosen.protocol === PROTO_ESP;
    const encr = esp ? chosen.encr : undefined;
    if (esp && !encr) return;
    const integ = encr?.aead ? integById(0) : (chosen.integ ?? (esp ? integById(0) : undefined));
    if (!esp && !integ) return;
    let gir: Uint8Array | undefined;
    let pfsEntry: DhEntry | undefined;
    let among = 1;
    if (pfs) {
      const found = this.childPfs(sa, pfs.kei, pfs.ker, chosen.dhGroup ?? pfs.kei.group);
      if (!found) return;
      gir = found.gir;
      pfsEntry = found.entry;
      among = found.among;
      this.usedDh.add(found.entry);
    }
    let k;
    try {
      k = deriveChildSaKeys(prf, keys.skD, ni, nr, childSaSizes(encr, integ), gir);
    } catch {
      return;
    }
    const origin: KeyOrigin = {
      kind: 'derived',
      detail: `KEYMAT from SK_d${pfsEntry ? ` and the PFS DH secret (${originText(pfsEntry.origin)}${among > 1 ? `; guessed: first of ${among} DH secrets not tied to an exchange` : ''})` : ''}`,
    };
    const common = {
      protocol: esp ? ('esp' as const) : ('ah' as const),
      ...(encr ? { encr } : {}),
      ...(integ ? { integ } : {}),
      ...(chosen.esn !== undefined ? { esn: chosen.esn } : {}),
      origin,
      ikeSa: sa.id,
      createdInFrame: frame,
    };
    const withKeys = (e: Uint8Array, a: Uint8Array) => ({ ...(encr ? { encrKey: e } : {}), ...(integ && integ.keyLen > 0 ? { integKey: a } : {}) });
    const i2r: ChildSa = {
      ...common,
      spi: respSpi,
      ...(requester ? { src: requester } : {}),
      ...(responder ? { dst: responder } : {}),
      ...withKeys(k.encrI, k.integI),
      direction: requesterIsOriginalInitiator ? 'i2r' : 'r2i',
    };
    const r2i: ChildSa = {
      ...common,
      spi: reqSpi,
      ...(responder ? { src: responder } : {}),
      ...(requester ? { dst: requester } : {}),
      ...withKeys(k.encrR, k.integR),
      direction: requesterIsOriginalInitiator ? 'r2i' : 'i2r',
    };
    this.env.children.add(i2r);
    this.env.children.add(r2i);
    for (const s of [respSpi, reqSpi]) {
      const h = s.toString(16).padStart(8, '0');
      if (!sa.children.includes(h)) sa.children.push(h);
    }
  }

  /**
   * The PFS secret of a CREATE_CHILD_SA (nothing in IKE verifies it): by KE public value, by
   * private value, then scoped to this IKE SA or unscoped, skipping secrets that belong to an
   * IKE SA already (its g^ir) or to an earlier CHILD SA.
   */
  private childPfs(sa: IkeSa, kei: Ke, ker: Ke, group: number): { gir: Uint8Array; entry: DhEntry; among: number } | undefined {
    for (const d of this.dhCandidates([`\u0000child`], kei, ker, group)) {
      if (d.explicit) return { gir: d.gir, entry: d.entry, among: 1 };
    }
    const info = dhGroupInfo(group);
    const sizeOk = (s: Uint8Array) => !info || s.length === info.secretLen;
    const eligible: DhEntry[] = [];
    for (const e of this.env.keys.dh) {
      if (!e.sharedSecret || e.publicValue || this.usedDh.has(e) || (e.group !== undefined && e.group !== group) || !sizeOk(e.sharedSecret)) continue;
      const scope = e.spiI && e.spiR ? `${e.spiI.toLowerCase()}/${e.spiR.toLowerCase()}` : undefined;
      if (scope !== undefined && scope !== sa.id) continue;
      if (scope !== undefined && sa.keys?.dh === e) continue;
      eligible.push(e);
    }
    // Scoped to this IKE SA before unscoped; with several left the first is taken and the origin says so.
    eligible.sort((a, b) => Number(!(a.spiI && a.spiR)) - Number(!(b.spiI && b.spiR)));
    const e = eligible[0];
    return e ? { gir: e.sharedSecret!, entry: e, among: eligible.length } : undefined;
  }
}

function newSa(spiI: Uint8Array, spiR: Uint8Array): IkeSa {
  return {
    id: `${hex(spiI)}/${hex(spiR)}`,
    spiI: spiI.slice(),
    spiR: spiR.slice(),
    childReqs: new Map(),
    ids: new Set(),
    checks: [],
    children: [],
    frames: new Map(),
    fragSets: new Map(),
  };
}

/** Keys from a key table entry (Wireshark ikev2_decryption_table, logs): algorithms from the entry, else as negotiated. */
function fromEntry(sa: IkeSa, e: Ikev2SaKeyEntry): SaKeys | undefined {
  const encr = e.encr ?? sa.proposal?.encr;
  if (!encr || !e.skEi || !e.skEr) return undefined;
  const integ = encr.aead ? undefined : (e.integ ?? (e.noCheckIcvLen !== undefined ? undefined : sa.proposal?.integ));
  const prf = e.prf ?? sa.proposal?.prf;
  return {
    encr,
    ...(integ && integ.ikev2Id !== 0 ? { integ } : {}),
    ...(e.noCheckIcvLen !== undefined ? { noCheckIcvLen: e.noCheckIcvLen } : {}),
    ...(prf ? { prf } : {}),
    ...(e.skD ? { skD: e.skD } : {}),
    ...(e.skAi ? { skAi: e.skAi } : {}),
    ...(e.skAr ? { skAr: e.skAr } : {}),
    skEi: e.skEi,
    skEr: e.skEr,
    ...(e.skPi ? { skPi: e.skPi } : {}),
    ...(e.skPr ? { skPr: e.skPr } : {}),
    origin: e.origin,
    explicit: true,
  };
}

const publicCache = new WeakMap<DhEntry, Map<number, Uint8Array | undefined>>();

/** The public value of a private-value entry in a group (computed once: MODP exponentiation is not free). */
function publicOf(e: DhEntry, group: number): Uint8Array | undefined {
  let m = publicCache.get(e);
  if (!m) {
    m = new Map();
    publicCache.set(e, m);
  }
  if (!m.has(group)) m.set(group, dhPublicValue(group, e.privateValue!));
  return m.get(group);
}

const cipherCache = new WeakMap<SaKeys, Ciphers>();

/** One keyed Encr/Integ per direction and SA (RFC 7296 §2.14: SK_ei/SK_ai protect the original initiator's messages). */
function ciphersOf(k: SaKeys): Ciphers {
  let c = cipherCache.get(k);
  if (c) return c;
  const integ = !k.encr.aead && k.integ && k.integ.icvLen > 0 ? k.integ : undefined;
  c = {
    encrI: makeEncr(k.encr, k.skEi),
    encrR: makeEncr(k.encr, k.skEr),
    ...(integ && k.skAi ? { integI: makeInteg(integ, k.skAi) } : {}),
    ...(integ && k.skAr ? { integR: makeInteg(integ, k.skAr) } : {}),
  };
  cipherCache.set(k, c);
  return c;
}
