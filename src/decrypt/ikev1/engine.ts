/**
 * IKEv1 decryption (RFC 2409, RFC 2408): ISAKMP SAs tracked by cookies, phase-1 keys from
 * key files or derived from a PSK and a DH secret, CBC IV chains per message ID (RFC 2409
 * Appendix B), HASH_I/HASH_R and Quick Mode / Informational HASH checks (§5, §5.5, §5.7),
 * and Quick Mode KEYMAT (§5.5) for every negotiated ESP/AH SA.
 *
 * IV memo. CBC chains make a message's IV depend on the messages before it, which would
 * make results depend on viewing order and break on retransmissions (Wireshark keeps one
 * running IV per exchange and so garbles a retransmitted message). Here each distinct
 * ciphertext of an ISAKMP SA is decrypted once, in the learn pass, with the IV its chain
 * position gives; the result (IV, plaintext, checks) is memoised under (M-ID, digest of the
 * ciphertext). A retransmission or the second pass finds the memo; the chain advances only
 * on a new distinct message.
 *
 * Key matching. Candidates, in order: logged SKEYID* entries for the cookies, every PSK
 * (peer- or ID-scoped ones that fit, then unscoped) × every DH secret that fits (cookies,
 * public value equal to a KE, a private value whose public value is a KE, unscoped), and
 * Ka-only entries (Wireshark's ikev1_decryption_table). The first candidate that proves
 * itself (HASH_R of a clear aggressive-mode message, or the first encrypted message
 * decrypts and its HASH verifies) is kept; when none does, the first one is, so a wrong
 * PSK shows up as `isakmp.hash.bad` / `isakmp.enc.garbled` rather than as silence.
 */
import type { DissectContext, Layer } from '../../dissect/layer.js';
import { decryptNotes, type AuthCheck, type DecryptOutcome, type IkeDecrypted } from '../../dissect/decrypt-hooks.js';
import { isakmpNotes, walkPayloadChain, type IsakmpPayload, type IsakmpRecord } from '../../dissect/isakmp/isakmp.js';
import type { SaPayload } from '../../dissect/isakmp/payloads/sa.js';
import { note, type Note } from '../../core/notes.js';
import { equalBytes, formatIPv4, formatIPv6, toHex } from '../../core/bytes.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { EngineEnv, IkeVersionEngine } from '../engine.js';
import { originText, type DhEntry, type IkeSaReport, type KeyOrigin, type PskEntry } from '../types.js';
import { HASHES, encrKeymatLen, type EncrRow, type HashRow, type PrfRow } from '../algorithms.js';
import { deriveSkeyids, kaFor, phase1Iv, phase2Iv, quickModeKeymat, skeyidPsk } from '../kdf/ikev1.js';
import { makeEncr } from '../cipher/index.js';
import type { Encr } from '../cipher/api.js';
import { dhGroupInfo, dhPublicValue, dhSharedSecret } from '../dh.js';
import { hash1, hash2, hash3, hashI, hashR } from './hash.js';
import { PAYLOAD_HASH, PAYLOAD_ID, PAYLOAD_KE, PAYLOAD_NONCE, phase1Choice, quickModeSas, saOf, type Phase1Choice } from './proposals.js';

const EXCH_MAIN = 2;
const EXCH_AGGRESSIVE = 4;
const EXCH_INFO = 5;
const EXCH_TRANSACTION = 6;
const EXCH_QUICK = 32;

/** RFC 2409 App. A Authentication Method values whose SKEYID is prf(PSK, Ni_b | Nr_b): PSK and XAUTH-PSK (init/resp). */
const PSK_AUTH_METHODS = new Set([1, 65001, 65002]);
/** Upper bound on PSK × DH combinations tried for one ISAKMP SA. */
const MAX_CANDIDATES = 256;

/** Phase-1 keys of one ISAKMP SA, ready to use. */
interface Keys {
  readonly encr: EncrRow;
  readonly enc: Encr;
  readonly ka: Uint8Array;
  /** Hash for the IVs (RFC 2409 App. B): the negotiated hash. */
  readonly hash?: HashRow;
  readonly prf?: PrfRow;
  readonly skeyid?: Uint8Array;
  readonly skeyidD?: Uint8Array;
  readonly skeyidA?: Uint8Array;
  readonly skeyidE?: Uint8Array;
  /** Phase-1 IV = hash(g^xi | g^xr) (or logged). */
  readonly iv0?: Uint8Array;
  readonly origin: KeyOrigin;
  readonly dh?: DhEntry;
}

/** What a decrypted message yielded, memoised per (M-ID, ciphertext). */
interface Decoded {
  readonly status: 'ok' | 'garbled';
  readonly iv?: Uint8Array;
  readonly pt?: Uint8Array;
  readonly payloads: readonly IsakmpPayload[];
  /** End of the payload chain in the plaintext (padding follows). */
  readonly end: number;
  readonly notes: readonly Note[];
  readonly checks: readonly AuthCheck[];
  readonly keySource: string;
}

/** One phase-2 exchange (Quick Mode, Informational, Transaction), per M-ID. */
interface Phase2 {
  /** Last ciphertext block of each message that decrypted, with its position in the exchange (its successor's IV). */
  readonly tails: Tail[];
  niB?: Uint8Array;
  nrB?: Uint8Array;
  offer?: SaPayload;
  chosen?: SaPayload;
  keI?: Uint8Array;
  keR?: Uint8Array;
  /** Addresses of message 1 and message 2 (src, dst). */
  addr1?: { src?: string; dst?: string };
  addr2?: { src?: string; dst?: string };
  keyed: boolean;
}

/** A message's last ciphertext block and its position in its exchange (0 = first message). */
interface Tail {
  readonly block: Uint8Array;
  readonly pos: number;
}

/** An IV to try and the position in the exchange of the message it would decrypt. */
interface IvCand {
  readonly iv: Uint8Array;
  readonly pos: number;
}

/** Stray blocks kept per SA (see strayTails). */
const MAX_STRAYS = 8;

interface Counted {
  readonly encrypted: boolean;
  readonly status: 'clear' | 'ok' | 'garbled' | 'nokeys';
}

class IsakmpSa {
  readonly ihex: string;
  rhex = '0000000000000000';
  rcookie = new Uint8Array(8);
  iAddr?: string;
  rAddr?: string;
  exchange?: number;
  saiB?: Uint8Array;
  offer?: SaPayload;
  choice?: Phase1Choice;
  gxi?: Uint8Array;
  gxr?: Uint8Array;
  niB?: Uint8Array;
  nrB?: Uint8Array;
  idiiB?: Uint8Array;
  idirB?: Uint8Array;
  keys?: Keys;
  /** How many key candidates were tried and whether the chosen one proved itself. */
  selection?: { tried: number; proven: boolean };
  phase1DhChecked = false;
  /** Candidates the clear HASH_R could not tell apart (same PSK, different DH secrets). */
  unresolved?: Keys[];
  /** Last ciphertext block of each distinct phase-1 message, in order. */
  readonly p1Tails: Tail[] = [];
  /** Last blocks of the newest distinct messages that did not decrypt (tried last, in case one was genuine). */
  readonly strayTails: Uint8Array[] = [];
  readonly p2 = new Map<number, Phase2>();
  readonly memo = new Map<string, Decoded>();
  /** Checks of clear messages (aggressive HASH_R), per message digest. */
  readonly clearMemo = new Map<string, { checks: AuthCheck[]; notes: Note[] }>();
  readonly checks = new Map<string, AuthCheck & { readonly frame: number }>();
  readonly children: string[] = [];
  readonly counted = new Map<number, Counted>();
  readonly claimedDh = new Set<DhEntry>();

  constructor(readonly icookie: Uint8Array) {
    this.ihex = toHex(icookie);
  }

  get prf(): PrfRow | undefined {
    return this.keys?.prf ?? this.choice?.prf;
  }
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);
const digest = (b: Uint8Array) => toHex(sha256(b).subarray(0, 16));
const lastBlock = (ct: Uint8Array, bs: number) => ct.slice(ct.length - bs);

function ipText(ctx: DissectContext, which: 'src' | 'dst'): string | undefined {
  const ip = ctx.ip;
  if (!ip) return undefined;
  return ip.family === 4 ? formatIPv4(ip[which]) : formatIPv6(ip[which]);
}

/** IKEv1 payload types a sane plaintext may hold (RFC 2408 §3.1, RFC 3947, RFC 6407, Cisco fragmentation). */
function knownType(t: number): boolean {
  return (t >= 1 && t <= 22) || (t >= 130 && t <= 132);
}

/**
 * Does `pt` read as an IKEv1 payload chain (RFC 2408 §3.2)? Every payload length must fit,
 * every type must be a known one, and what follows the last payload (the padding, RFC 2409
 * App. B pads to the block size) must be shorter than 256 bytes.
 */
function parsePlaintext(pt: Uint8Array, rec: IsakmpRecord): { payloads: IsakmpPayload[]; notes: Note[]; end: number } | undefined {
  const first = rec.nextPayload ?? 0;
  if (!knownType(first)) return undefined;
  const walk = walkPayloadChain(pt, 0, pt.length, first, { major: 1, exchangeType: rec.exchangeType ?? 0, flags: rec.flags ?? 0, messageId: rec.messageId ?? 0 });
  if (walk.payloads.length === 0) return undefined;
  if (walk.notes.some((n) => n.def === isakmpNotes.payloadLength || n.def === isakmpNotes.chainCut || n.def === isakmpNotes.tooMany)) return undefined;
  if (walk.payloads.some((p) => p.malformed || !knownType(p.type))) return undefined;
  const last = walk.payloads[walk.payloads.length - 1]!;
  const end = last.offset + last.length;
  if (pt.length - end > 255) return undefined;
  return { payloads: walk.payloads, notes: walk.notes.filter((n) => n.def !== isakmpNotes.trailing), end };
}

function check(what: string, expected: Uint8Array | undefined, got: Uint8Array, why?: string): AuthCheck {
  if (!expected) return { what, ok: undefined, detail: why ?? 'not enough key material to check' };
  return equalBytes(expected, got) ? { what, ok: true } : { what, ok: false, detail: why ?? `${what} does not verify (wrong PSK or keys, or tampering)` };
}

function checkNote(c: AuthCheck, offset?: number, length?: number): Note | undefined {
  if (c.ok === true) return note(decryptNotes.hashGood, `${c.what} verified`, offset, length);
  if (c.ok === false) return note(decryptNotes.hashBad, c.detail ?? `${c.what} does not verify`, offset, length);
  return undefined;
}

export class Ikev1Engine implements IkeVersionEngine {
  private readonly sas = new Map<string, IsakmpSa>();

  constructor(readonly env: EngineEnv) {}

  message(ctx: DissectContext, layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined {
    try {
      return this.handle(ctx, layer);
    } catch {
      // Malformed input never throws out of a hook; what decoded stays as the dissector left it.
      return undefined;
    }
  }

  private handle(ctx: DissectContext, layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined {
    const rec = layer.record;
    if (!rec.ispi || !rec.rspi || rec.ispi.length !== 8 || rec.rspi.length !== 8) return undefined;
    const mode = this.env.mode();
    const learning = mode !== 'decrypt';
    const counting = mode !== 'learn';
    const ihex = toHex(rec.ispi);
    let sa = this.sas.get(ihex);
    if (!sa) {
      if (!learning) return undefined;
      sa = new IsakmpSa(rec.ispi);
      this.sas.set(ihex, sa);
    }
    if (learning) this.observe(sa, ctx, rec);
    const frame = ctx.frame.number;

    if (rec.encrypted) {
      const ct = rec.encrypted.data;
      const key = `${rec.messageId ?? 0}:${digest(ct)}`;
      let d = sa.memo.get(key);
      if (!d) d = this.decryptNew(sa, ctx, rec, ct, learning, frame);
      if (d && learning) sa.memo.set(key, d);
      if (counting) sa.counted.set(frame, { encrypted: true, status: d ? d.status : 'nokeys' });
      if (!d) return undefined;
      return this.outcome(layer, d);
    }

    if (counting) sa.counted.set(frame, { encrypted: false, status: 'clear' });
    if (learning) this.learnClear(sa, ctx, rec);
    // Aggressive mode HASH_R travels in the clear (RFC 2409 §5, message 2).
    const hashP = rec.payloads.find((p) => p.type === PAYLOAD_HASH);
    if (!hashP || (rec.messageId ?? 0) !== 0 || rec.exchangeType !== EXCH_AGGRESSIVE) return undefined;
    const mkey = digest(layer.data.subarray(layer.offset, layer.offset + layer.length));
    let m = sa.clearMemo.get(mkey);
    if (!m) {
      // Message 2 carries the responder's SA and HASH_R; a message 3 sent in the clear carries HASH_I alone.
      const msg2 = rec.payloads.some((p) => saOf(p) !== undefined);
      const c = msg2 ? this.aggressiveHashR(sa, hashP.body, learning) : this.clearHashI(sa, hashP.body);
      if (!c) return undefined;
      const n = checkNote(c, hashP.offset, hashP.length);
      m = { checks: [c], notes: n ? [n] : [] };
      if (learning) {
        sa.clearMemo.set(mkey, m);
        sa.checks.set(`${c.what}:clear:${mkey}`, { ...c, frame });
      }
    }
    if (m.notes.length === 0) return undefined;
    const notes = m.notes;
    return { layer: () => ({ ...layer, notes: [...layer.notes, ...notes] }) };
  }

  // -------------------------------------------------------------------------------------------
  // Learning from clear messages

  private observe(sa: IsakmpSa, ctx: DissectContext, rec: IsakmpRecord): void {
    const r = rec.rspi!;
    if (isZero(r)) {
      if (sa.iAddr === undefined) {
        const s = ipText(ctx, 'src');
        const d = ipText(ctx, 'dst');
        if (s) sa.iAddr = s;
        if (d) sa.rAddr = d;
      }
    } else if (isZero(sa.rcookie)) {
      sa.rcookie = r.slice();
      sa.rhex = toHex(r);
    }
    if (sa.exchange === undefined && (rec.exchangeType === EXCH_MAIN || rec.exchangeType === EXCH_AGGRESSIVE)) sa.exchange = rec.exchangeType;
  }

  /** 'i' for the ISAKMP initiator, 'r' for the responder, from the rcookie (message 1) or the addresses. */
  private dirOf(sa: IsakmpSa, ctx: DissectContext, rec: IsakmpRecord): 'i' | 'r' | undefined {
    if (rec.rspi && isZero(rec.rspi)) return 'i';
    const s = ipText(ctx, 'src');
    const d = ipText(ctx, 'dst');
    if (s !== undefined && sa.iAddr !== undefined && sa.rAddr !== undefined && sa.iAddr !== sa.rAddr) {
      if (s === sa.iAddr) return 'i';
      if (s === sa.rAddr) return 'r';
      if (d === sa.iAddr) return 'r';
      if (d === sa.rAddr) return 'i';
    }
    return undefined;
  }

  private learnClear(sa: IsakmpSa, ctx: DissectContext, rec: IsakmpRecord): void {
    if ((rec.messageId ?? 0) !== 0) return;
    if (rec.exchangeType !== EXCH_MAIN && rec.exchangeType !== EXCH_AGGRESSIVE) return;
    let dir = this.dirOf(sa, ctx, rec);
    // Without addresses: the message carrying the responder's cookie and an SA payload is message 2.
    if (!dir && rec.payloads.some((p) => saOf(p))) dir = 'r';
    if (!dir) return;
    this.learnPhase1(sa, dir, rec.payloads);
  }

  private learnPhase1(sa: IsakmpSa, dir: 'i' | 'r', payloads: readonly IsakmpPayload[]): void {
    for (const p of payloads) {
      const s = saOf(p);
      if (s) {
        if (dir === 'i' && !sa.offer) {
          sa.offer = s;
          sa.saiB = p.body.slice();
        } else if (dir === 'r' && !sa.choice) {
          const c = phase1Choice(s);
          if (c) sa.choice = c;
        }
      } else if (p.type === PAYLOAD_KE) {
        if (dir === 'i') sa.gxi ??= p.body.slice();
        else sa.gxr ??= p.body.slice();
      } else if (p.type === PAYLOAD_NONCE) {
        if (dir === 'i') sa.niB ??= p.body.slice();
        else sa.nrB ??= p.body.slice();
      } else if (p.type === PAYLOAD_ID) {
        if (dir === 'i') sa.idiiB ??= p.body.slice();
        else sa.idirB ??= p.body.slice();
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Keys

  private choiceOf(sa: IsakmpSa): Phase1Choice | undefined {
    return sa.choice ?? (sa.offer ? phase1Choice(sa.offer) : undefined);
  }

  private makeKeys(o: Omit<Keys, 'enc'>): Keys | undefined {
    try {
      return { ...o, enc: makeEncr(o.encr, o.ka) };
    } catch {
      return undefined; // Ka of the wrong length for the cipher
    }
  }

  /** Every key candidate for the SA, in preference order (see the file comment). */
  private candidates(sa: IsakmpSa): Keys[] {
    const out: Keys[] = [];
    const kaOnly: Keys[] = [];
    const choice = this.choiceOf(sa);
    const iv0For = (hash: HashRow | undefined, encr: EncrRow) =>
      hash && sa.gxi && sa.gxr ? phase1Iv(hash, sa.gxi, sa.gxr, encr.blockSize) : undefined;
    for (const e of this.env.keys.ikev1) {
      if (e.icookie.toLowerCase() !== sa.ihex) continue;
      if (e.rcookie && !isZero(sa.rcookie) && e.rcookie.toLowerCase() !== sa.rhex) continue;
      const encr = e.encr ?? choice?.encr;
      const prf = e.prf ?? choice?.prf;
      if (!encr) continue;
      const hash = prf?.hash ? HASHES[prf.hash] : choice?.hash;
      const ka = e.ka ?? (e.skeyidE && prf ? kaFor(prf, e.skeyidE, encr) : undefined);
      if (!ka) continue;
      // The IV computed from the KE payloads is the phase-1 IV by definition; a logged one is the fallback.
      const iv0 = iv0For(hash, encr) ?? e.iv;
      const k = this.makeKeys({
        encr,
        ka,
        ...(hash ? { hash } : {}),
        ...(prf ? { prf } : {}),
        ...(e.skeyid ? { skeyid: e.skeyid } : {}),
        ...(e.skeyidD ? { skeyidD: e.skeyidD } : {}),
        ...(e.skeyidA ? { skeyidA: e.skeyidA } : {}),
        ...(e.skeyidE ? { skeyidE: e.skeyidE } : {}),
        ...(iv0 ? { iv0 } : {}),
        origin: e.origin,
      });
      if (!k) continue;
      (e.skeyidA || e.skeyid ? out : kaOnly).push(k);
    }
    // PSK + DH (RFC 2409 §5): SKEYID = prf(PSK, Ni_b | Nr_b); SKEYID_d/a/e; Ka (App. B); IV = hash(g^xi | g^xr).
    const encr = choice?.encr;
    const prf = choice?.prf;
    const hash = choice?.hash;
    const pskAuth = choice?.authMethod === undefined || PSK_AUTH_METHODS.has(choice.authMethod);
    if (encr && prf && hash && pskAuth && sa.niB && sa.nrB && sa.gxi && sa.gxr) {
      const psks = this.pskCandidates(sa);
      const dhs = psks.length > 0 ? this.dhCandidates(sa, choice.group, sa.gxi, sa.gxr, false) : [];
      let n = 0;
      for (const psk of psks) {
        for (const dh of dhs) {
          if (n++ >= MAX_CANDIDATES) break;
          const skeyid = skeyidPsk(prf, psk.psk, sa.niB, sa.nrB);
          const s = deriveSkeyids(prf, skeyid, dh.secret, sa.icookie, sa.rcookie);
          const ka = kaFor(prf, s.SKEYID_e, encr);
          const k = this.makeKeys({
            encr,
            ka,
            hash,
            prf,
            skeyid,
            skeyidD: s.SKEYID_d,
            skeyidA: s.SKEYID_a,
            skeyidE: s.SKEYID_e,
            iv0: phase1Iv(hash, sa.gxi, sa.gxr, encr.blockSize),
            origin: {
              kind: 'derived',
              ...(psk.origin.file ? { file: psk.origin.file } : {}),
              ...(psk.origin.line ? { line: psk.origin.line } : {}),
              detail: dh.fromPrivate ? 'PSK + DH private value' : 'PSK + DH secret',
            },
            dh: dh.entry,
          });
          if (k) out.push(k);
        }
      }
    }
    return [...out, ...kaOnly];
  }

  /** PSKs for the SA: peer-scoped ones naming either address, ID-scoped ones naming an ID, then unscoped ones. */
  private pskCandidates(sa: IsakmpSa): PskEntry[] {
    const ids = [sa.idiiB, sa.idirB].filter((x): x is Uint8Array => !!x).map(idText);
    const idsKnown = ids.length === 2;
    const byPeer: PskEntry[] = [];
    const byId: PskEntry[] = [];
    const open: PskEntry[] = [];
    for (const p of this.env.keys.psks) {
      if (p.peer !== undefined) {
        if (p.peer === sa.iAddr || p.peer === sa.rAddr) byPeer.push(p);
      } else if (p.id !== undefined) {
        // Main mode IDs travel encrypted: an ID-scoped PSK stays a candidate until the IDs are known.
        if (!idsKnown || ids.includes(p.id)) byId.push(p);
      } else open.push(p);
    }
    return [...byPeer, ...byId, ...open];
  }

  /**
   * DH shared secrets for an exchange with public values `ga`/`gb`: entries for the cookies,
   * entries whose public value is one of the KEs (with a shared secret or a private value),
   * private values whose public value is a KE, then unscoped secrets of the right length.
   * `unclaimedOnly` (Quick Mode PFS) skips entries another exchange of this SA already used,
   * the phase-1 g^xy among them.
   */
  private dhCandidates(sa: IsakmpSa, group: number | undefined, ga: Uint8Array, gb: Uint8Array, unclaimedOnly: boolean): { secret: Uint8Array; entry: DhEntry; fromPrivate: boolean }[] {
    const info = group !== undefined ? dhGroupInfo(group) : undefined;
    const out: { secret: Uint8Array; entry: DhEntry; fromPrivate: boolean }[] = [];
    const open: { secret: Uint8Array; entry: DhEntry; fromPrivate: boolean }[] = [];
    const fromPrivate = (e: DhEntry, priv: Uint8Array, peer: Uint8Array) => {
      const g = e.group ?? group;
      if (g === undefined) return;
      const s = dhSharedSecret(g, priv, peer);
      if (s) out.push({ secret: s, entry: e, fromPrivate: true });
    };
    for (const e of this.env.keys.dh) {
      if (unclaimedOnly && sa.claimedDh.has(e)) continue;
      if (e.group !== undefined && group !== undefined && e.group !== group) continue;
      if (e.publicValue) {
        const isA = equalBytes(e.publicValue, ga);
        const isB = !isA && equalBytes(e.publicValue, gb);
        if (!isA && !isB) continue;
        if (e.sharedSecret) out.push({ secret: e.sharedSecret, entry: e, fromPrivate: false });
        else if (e.privateValue) fromPrivate(e, e.privateValue, isA ? gb : ga);
        continue;
      }
      if (e.spiI !== undefined || e.spiR !== undefined) {
        if (e.spiI !== undefined && e.spiI.toLowerCase() !== sa.ihex) continue;
        if (e.spiR !== undefined && e.spiR.toLowerCase() !== sa.rhex) continue;
        if (e.sharedSecret) out.push({ secret: e.sharedSecret, entry: e, fromPrivate: false });
        else if (e.privateValue) {
          const g = e.group ?? group;
          const pub = g !== undefined ? dhPublicValue(g, e.privateValue) : undefined;
          if (pub && equalBytes(pub, ga)) fromPrivate(e, e.privateValue, gb);
          else if (pub && equalBytes(pub, gb)) fromPrivate(e, e.privateValue, ga);
        }
        continue;
      }
      if (e.privateValue) {
        const g = e.group ?? group;
        const pub = g !== undefined ? dhPublicValue(g, e.privateValue) : undefined;
        if (pub && equalBytes(pub, ga)) fromPrivate(e, e.privateValue, gb);
        else if (pub && equalBytes(pub, gb)) fromPrivate(e, e.privateValue, ga);
        continue;
      }
      if (e.sharedSecret && (!info || e.sharedSecret.length === info.secretLen)) open.push({ secret: e.sharedSecret, entry: e, fromPrivate: false });
    }
    return [...out, ...open];
  }

  /**
   * Choose the SA's keys once (learn pass): the first candidate that proves itself with `probe`,
   * else one that cannot be disproved (Ka only), else the first (its failure is the finding).
   */
  private selectKeys(sa: IsakmpSa, probe: (k: Keys) => number, keepTies = false): Keys | undefined {
    const cands = sa.unresolved ?? this.candidates(sa);
    if (cands.length === 0) return undefined;
    let best: Keys | undefined;
    let bestScore = -1;
    const proven: Keys[] = [];
    for (const k of cands) {
      const s = probe(k);
      if (s > bestScore) {
        best = k;
        bestScore = s;
      }
      if (s >= 2) {
        proven.push(k);
        if (!keepTies) break;
      }
    }
    if (sa.claimedDh.size > 0 && sa.keys?.dh) sa.claimedDh.delete(sa.keys.dh);
    sa.keys = best!;
    sa.selection = { tried: sa.selection?.tried ?? cands.length, proven: bestScore >= 2 };
    // Aggressive mode's clear HASH_R proves the PSK but not g^xy (SKEYID = prf(PSK, Ni_b | Nr_b) has no g^xy):
    // candidates that differ only in the DH secret stay open until the first encrypted message decides.
    if (keepTies && proven.length > 1 && new Set(proven.map((k) => k.dh)).size > 1) sa.unresolved = proven;
    else delete sa.unresolved;
    if (best!.dh) sa.claimedDh.add(best!.dh);
    return best;
  }

  /** HASH_R of a clear aggressive-mode message 2 (RFC 2409 §5), choosing the keys on the way. */
  private aggressiveHashR(sa: IsakmpSa, got: Uint8Array, learning: boolean): AuthCheck | undefined {
    const compute = (k: Keys) =>
      k.skeyid && k.prf && sa.gxi && sa.gxr && sa.saiB && sa.idirB ? hashR(k.prf, k.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.saiB, sa.idirB) : undefined;
    let keys = sa.keys;
    if (!keys && learning) {
      keys = this.selectKeys(
        sa,
        (k) => {
          const h = compute(k);
          return h ? (equalBytes(h, got) ? 2 : 0) : 1;
        },
        true,
      );
    }
    if (keys?.skeyid && keys.prf) {
      const c = check('HASH_R', compute(keys), got, sa.gxi && sa.gxr && sa.saiB && sa.idirB ? undefined : 'KE, SA or ID payload of the exchange not seen');
      if (c.ok === false && sa.selection && sa.selection.tried > 1) return { ...c, detail: `HASH_R verifies with none of the ${sa.selection.tried} key candidates (wrong PSK or DH secret?)` };
      return c;
    }
    // No SKEYID among the keys (Ka only, or no DH secret at all). SKEYID = prf(PSK, Ni_b | Nr_b) needs
    // no g^xy (§5), so the PSKs can still be checked against HASH_R: a wrong one is a finding.
    const p = this.pskOnlyHashR(sa, got);
    if (p) return p;
    if (keys) return check('HASH_R', undefined, got, `no SKEYID (keys from ${originText(keys.origin)} give Ka only)`);
    return undefined;
  }

  private pskOnlyHashR(sa: IsakmpSa, got: Uint8Array): AuthCheck | undefined {
    const choice = this.choiceOf(sa);
    const prf = choice?.prf;
    if (!prf || (choice.authMethod !== undefined && !PSK_AUTH_METHODS.has(choice.authMethod))) return undefined;
    if (!sa.niB || !sa.nrB || !sa.gxi || !sa.gxr || !sa.saiB || !sa.idirB) return undefined;
    const psks = this.pskCandidates(sa);
    if (psks.length === 0) return undefined;
    for (const p of psks) {
      const skeyid = skeyidPsk(prf, p.psk, sa.niB, sa.nrB);
      if (equalBytes(hashR(prf, skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.saiB, sa.idirB), got)) {
        return { what: 'HASH_R', ok: true, detail: `verified with the PSK from ${originText(p.origin)} (SKEYID needs no DH secret; without one nothing decrypts)` };
      }
    }
    return { what: 'HASH_R', ok: false, detail: `HASH_R verifies with none of the ${psks.length} PSK${psks.length === 1 ? '' : 's'} (wrong PSK?)` };
  }

  /** HASH_I of an aggressive-mode message 3 sent unencrypted (RFC 2409 §5 allows either). */
  private clearHashI(sa: IsakmpSa, got: Uint8Array): AuthCheck | undefined {
    const k = sa.keys;
    if (!k) return undefined;
    if (!k.skeyid || !k.prf) return check('HASH_I', undefined, got, `no SKEYID (keys from ${originText(k.origin)} give Ka only)`);
    if (!sa.gxi || !sa.gxr || !sa.saiB || !sa.idiiB) return check('HASH_I', undefined, got, 'KE, SA or ID payload of the exchange not seen');
    return check('HASH_I', hashI(k.prf, k.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.saiB, sa.idiiB), got);
  }

  // -------------------------------------------------------------------------------------------
  // Decryption

  /**
   * IV candidates for a message, best first, each with the position in its exchange that the
   * message has if it decrypts with it (RFC 2409 App. B): phase 1 starts at hash(g^xi | g^xr) and
   * chains; a phase-2 exchange starts at hash(last phase-1 block | M-ID) and chains within the M-ID.
   * Positions come from the IV that works, not from arrival order, so a stray message cannot shift them.
   */
  private ivCandidates(sa: IsakmpSa, keys: Keys, rec: IsakmpRecord, st: Phase2 | undefined): IvCand[] {
    const bs = keys.encr.blockSize;
    const mid = rec.messageId ?? 0;
    const out: IvCand[] = [];
    const add = (iv: Uint8Array | undefined, pos: number) => {
      if (iv && iv.length === bs && !out.some((o) => equalBytes(o.iv, iv))) out.push({ iv, pos });
    };
    const newest = (tails: readonly Tail[]) => [...tails].sort((a, b) => b.pos - a.pos);
    const p1 = newest(sa.p1Tails);
    if (isPhase1(rec)) {
      const next = p1[0] ? p1[0].pos + 1 : 0;
      if (p1[0]) add(p1[0].block, next);
      add(keys.iv0, 0);
      for (const t of p1.slice(1)) add(t.block, t.pos + 1);
      for (const b of sa.strayTails) add(b, next);
      return out;
    }
    const bases = p1.map((t) => t.block);
    if (keys.iv0) bases.push(keys.iv0);
    const starts = keys.hash ? bases.map((b) => phase2Iv(keys.hash!, b, mid, bs)) : [];
    const own = newest(st?.tails ?? []);
    const next = own[0] ? own[0].pos + 1 : 0;
    if (rec.exchangeType === EXCH_INFO) {
      // Informational exchanges are one message each: a fresh IV from their M-ID.
      starts.forEach((iv) => add(iv, 0));
      for (const t of own) add(t.block, t.pos + 1);
    } else {
      if (own[0]) add(own[0].block, next);
      starts.forEach((iv) => add(iv, 0));
      for (const t of own.slice(1)) add(t.block, t.pos + 1);
    }
    for (const b of sa.strayTails) add(b, next);
    return out;
  }

  private tryDecrypt(keys: Keys, ivs: readonly IvCand[], ct: Uint8Array, rec: IsakmpRecord): { iv: Uint8Array; pos: number; pt: Uint8Array; parsed: ReturnType<typeof parsePlaintext> } {
    for (const c of ivs) {
      let pt: Uint8Array;
      try {
        pt = keys.enc.decrypt(c.iv, ct);
      } catch {
        continue;
      }
      const parsed = parsePlaintext(pt, rec);
      if (parsed) return { iv: c.iv, pos: c.pos, pt, parsed };
    }
    return { iv: ivs[0]!.iv, pos: ivs[0]!.pos, pt: new Uint8Array(0), parsed: undefined };
  }

  /**
   * A ciphertext not seen before in this SA and M-ID. With `commit` (learn/both) the chain advances,
   * what the plaintext carries is learned, and Quick Mode SAs are keyed; without, the frozen state
   * is only read.
   */
  private decryptNew(sa: IsakmpSa, ctx: DissectContext, rec: IsakmpRecord, ct: Uint8Array, commit: boolean, frame: number): Decoded | undefined {
    const mid = rec.messageId ?? 0;
    const phase1 = isPhase1(rec);
    let st = phase1 ? undefined : sa.p2.get(mid);
    if (!phase1 && !st && commit) {
      st = { tails: [], keyed: false };
      sa.p2.set(mid, st);
    }
    let keys = sa.keys;
    if ((!keys || sa.unresolved) && commit) {
      keys = this.selectKeys(sa, (k) => {
        if (ct.length === 0 || ct.length % k.encr.blockSize !== 0) return 0;
        const ivs = this.ivCandidates(sa, k, rec, st);
        if (ivs.length === 0) return 0;
        const r = this.tryDecrypt(k, ivs, ct, rec);
        if (!r.parsed) return 0;
        const checks = this.checksFor(sa, k, ctx, rec, r.pos, r.pt, r.parsed.payloads, r.parsed.end, st);
        if (checks.some((c) => c.ok === false)) return 0.5;
        return checks.some((c) => c.ok === true) ? 2 : 1;
      });
    }
    if (!keys) return undefined;
    const keySource = originText(keys.origin);
    const bs = keys.encr.blockSize;
    const garbled = (why: string, iv?: Uint8Array): Decoded => ({
      status: 'garbled',
      ...(iv ? { iv } : {}),
      payloads: [],
      end: 0,
      notes: [note(decryptNotes.ikeGarbled, why)],
      checks: [],
      keySource,
    });
    if (ct.length === 0 || ct.length % bs !== 0) return garbled(`ciphertext of ${ct.length} bytes is not a multiple of the ${bs}-byte ${keys.encr.name} block`);
    const ivs = this.ivCandidates(sa, keys, rec, st);
    if (ivs.length === 0) return garbled('IV unknown: the phase-1 key exchange (KE payloads) or the phase-1 messages are not in the capture');
    const r = this.tryDecrypt(keys, ivs, ct, rec);
    if (commit) {
      // A new distinct message that decrypts moves its chain on. One that does not (damaged in transit,
      // crafted) is not part of the peers' exchange; its last block is kept only as a last-resort IV.
      const block = lastBlock(ct, bs);
      if (!r.parsed) {
        sa.strayTails.push(block);
        if (sa.strayTails.length > MAX_STRAYS) sa.strayTails.shift();
      } else (phase1 ? sa.p1Tails : st?.tails)?.push({ block, pos: r.pos });
    }
    const pos = r.pos;
    if (!r.parsed) {
      const hint = sa.selection && !sa.selection.proven && keys.origin.kind === 'derived' ? ' (the PSK or DH secret is probably wrong)' : '';
      return garbled(`plaintext is not an ISAKMP payload chain with keys from ${keySource}${hint}`, r.iv);
    }
    const { payloads, end } = r.parsed;
    const notes: Note[] = [...r.parsed.notes];
    const padLen = r.pt.length - end;
    if (padLen > bs) notes.push(note(decryptNotes.ikePadBad, `${padLen} bytes of padding after the payloads (more than a ${bs}-byte block)`, end, padLen));
    else if (!padOk(r.pt.subarray(end))) notes.push(note(decryptNotes.ikePadBad, 'padding is not zero bytes (RFC 2409 App. B; a last byte giving the pad length is tolerated)', end, padLen));

    if (commit) this.learnDecrypted(sa, ctx, rec, payloads, pos, st);
    const checks = this.checksFor(sa, keys, ctx, rec, pos, r.pt, payloads, end, st);
    const hashP = payloads.find((p) => p.type === PAYLOAD_HASH);
    for (const c of checks) {
      const n = checkNote(c, hashP?.offset, hashP?.length);
      if (n) notes.push(n);
      if (commit) sa.checks.set(`${c.what}:${mid}:${frame}`, { ...c, frame });
    }
    if (commit && st && rec.exchangeType === EXCH_QUICK && pos === 1) this.keyQuickMode(sa, keys, st, frame);
    return { status: 'ok', iv: r.iv, pt: r.pt, payloads, end, notes, checks, keySource };
  }

  private learnDecrypted(sa: IsakmpSa, ctx: DissectContext, rec: IsakmpRecord, payloads: readonly IsakmpPayload[], pos: number, st: Phase2 | undefined): void {
    if (isPhase1(rec)) {
      const dir = this.dirOf(sa, ctx, rec) ?? phase1Dir(rec, pos);
      this.learnPhase1(sa, dir, payloads);
      return;
    }
    if (!st || rec.exchangeType !== EXCH_QUICK || pos > 1) return;
    const addr = { ...(ipText(ctx, 'src') ? { src: ipText(ctx, 'src')! } : {}), ...(ipText(ctx, 'dst') ? { dst: ipText(ctx, 'dst')! } : {}) };
    for (const p of payloads) {
      const s = saOf(p);
      if (s) {
        if (pos === 0) st.offer ??= s;
        else st.chosen ??= s;
      } else if (p.type === PAYLOAD_NONCE) {
        if (pos === 0) st.niB ??= p.body.slice();
        else st.nrB ??= p.body.slice();
      } else if (p.type === PAYLOAD_KE) {
        if (pos === 0) st.keI ??= p.body.slice();
        else st.keR ??= p.body.slice();
      }
    }
    if (pos === 0) st.addr1 ??= addr;
    else st.addr2 ??= addr;
  }

  /** HASH checks of a decrypted message at chain position `pos` (RFC 2409 §5, §5.5, §5.7). */
  private checksFor(sa: IsakmpSa, keys: Keys, ctx: DissectContext, rec: IsakmpRecord, pos: number, pt: Uint8Array, payloads: readonly IsakmpPayload[], end: number, st: Phase2 | undefined): AuthCheck[] {
    const hashIdx = payloads.findIndex((p) => p.type === PAYLOAD_HASH);
    if (hashIdx < 0) return [];
    const hp = payloads[hashIdx]!;
    const got = hp.body;
    const mid = rec.messageId ?? 0;
    const prf = keys.prf;
    if (isPhase1(rec)) {
      const dir = this.dirOf(sa, ctx, rec) ?? phase1Dir(rec, pos);
      const what = dir === 'i' ? 'HASH_I' : 'HASH_R';
      if (!keys.skeyid || !prf) return [check(what, undefined, got, `no SKEYID (keys from ${originText(keys.origin)} give Ka only)`)];
      const idB = payloads.find((p) => p.type === PAYLOAD_ID)?.body ?? (dir === 'i' ? sa.idiiB : sa.idirB);
      if (!sa.gxi || !sa.gxr || !sa.saiB || !idB) return [check(what, undefined, got, 'KE, SA or ID payload of the exchange not seen')];
      const want = dir === 'i' ? hashI(prf, keys.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.saiB, idB) : hashR(prf, keys.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.saiB, idB);
      return [check(what, want, got)];
    }
    const rest = pt.subarray(hp.offset + hp.length, end);
    if (rec.exchangeType === EXCH_QUICK) {
      const what = `HASH(${pos + 1})`;
      if (!keys.skeyidA || !prf) return [check(what, undefined, got, `no SKEYID_a (keys from ${originText(keys.origin)} give Ka only)`)];
      if (pos === 0) return [check(what, hash1(prf, keys.skeyidA, mid, rest), got)];
      if (pos === 1) return [check(what, st?.niB ? hash2(prf, keys.skeyidA, mid, st.niB, rest) : undefined, got, st?.niB ? undefined : 'Quick Mode message 1 (Ni_b) not decrypted')];
      if (pos === 2) return [check(what, st?.niB && st.nrB ? hash3(prf, keys.skeyidA, mid, st.niB, st.nrB) : undefined, got, st?.niB && st.nrB ? undefined : 'Quick Mode nonces not decrypted')];
      return [];
    }
    if (rec.exchangeType === EXCH_INFO || rec.exchangeType === EXCH_TRANSACTION) {
      // Informational HASH(1) = prf(SKEYID_a, M-ID | N/D) (§5.7); mode-config uses the same form.
      if (!keys.skeyidA || !prf) return [check('HASH(1)', undefined, got, `no SKEYID_a (keys from ${originText(keys.origin)} give Ka only)`)];
      return [check('HASH(1)', hash1(prf, keys.skeyidA, mid, rest), got)];
    }
    return [];
  }

  /**
   * Quick Mode KEYMAT (RFC 2409 §5.5) for each negotiated SA, both directions: the SPI in the
   * QM initiator's proposal is the one it receives on (dst = sender of message 1), the SPI in
   * the responder's is the one the responder receives on. Encryption key first, then integrity.
   */
  private keyQuickMode(sa: IsakmpSa, keys: Keys, st: Phase2, frame: number): void {
    if (st.keyed || !st.chosen || !st.niB || !st.nrB || !keys.skeyidD || !keys.prf) return;
    st.keyed = true;
    let gqm: Uint8Array | undefined;
    if (st.keI && st.keR) {
      this.claimPhase1Dh(sa, keys);
      // PFS (§5.5): g(qm)^xy from a DH entry for these KE payloads (or the next unused one).
      const group = quickModeSas(st.offer, st.chosen).find((q) => q.group !== undefined)?.group ?? this.choiceOf(sa)?.group;
      const c = this.dhCandidates(sa, group, st.keI, st.keR, true).find((x) => x.entry !== sa.keys?.dh);
      if (!c) return; // PFS secret unknown: these SAs cannot be keyed
      sa.claimedDh.add(c.entry);
      gqm = c.secret;
    }
    for (const q of quickModeSas(st.offer, st.chosen)) {
      if (q.problem) continue;
      const encrLen = q.encr ? encrKeymatLen(q.encr) : 0;
      const integLen = q.integ?.keyLen ?? 0;
      const sides: { spi?: Uint8Array; src?: string; dst?: string }[] = [
        { ...(q.ispi ? { spi: q.ispi } : {}), ...(st.addr1?.src ? { dst: st.addr1.src } : {}), ...(st.addr1?.dst ? { src: st.addr1.dst } : {}) },
        { ...(q.rspi ? { spi: q.rspi } : {}), ...(st.addr2?.src ? { dst: st.addr2.src } : {}), ...(st.addr2?.dst ? { src: st.addr2.dst } : {}) },
      ];
      for (const s of sides) {
        if (!s.spi || s.spi.length !== 4) continue;
        const km = quickModeKeymat(keys.prf, keys.skeyidD, q.protocolId, s.spi, st.niB, st.nrB, encrLen + integLen, gqm);
        const spi = new DataView(s.spi.buffer, s.spi.byteOffset, 4).getUint32(0);
        this.env.children.add({
          protocol: q.protocol,
          spi,
          ...(s.src ? { src: s.src } : {}),
          ...(s.dst ? { dst: s.dst } : {}),
          ...(q.encr ? { encr: q.encr, encrKey: km.slice(0, encrLen) } : {}),
          ...(q.integ ? { integ: q.integ, integKey: km.slice(encrLen) } : {}),
          ...(q.esn ? { esn: true } : {}),
          origin: { kind: 'derived', detail: 'Quick Mode KEYMAT' },
          ikeSa: `${sa.ihex}/${sa.rhex}`,
          ...(s.dst && sa.iAddr ? { direction: s.dst === sa.iAddr ? ('r2i' as const) : ('i2r' as const) } : {}),
          createdInFrame: frame,
        });
        const hex = toHex(s.spi);
        if (!sa.children.includes(hex)) sa.children.push(hex);
      }
    }
  }

  /**
   * With logged SKEYID and SKEYID_d, find which DH entries hold the phase-1 g^xy
   * (SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), RFC 2409 §5) so Quick Mode PFS never takes them.
   */
  private claimPhase1Dh(sa: IsakmpSa, keys: Keys): void {
    if (sa.phase1DhChecked) return;
    sa.phase1DhChecked = true;
    if (keys.dh) sa.claimedDh.add(keys.dh);
    if (!keys.skeyid || !keys.skeyidD || !keys.prf) return;
    for (const e of this.env.keys.dh) {
      if (!e.sharedSecret || sa.claimedDh.has(e)) continue;
      if (e.spiI !== undefined && e.spiI.toLowerCase() !== sa.ihex) continue;
      const d = deriveSkeyids(keys.prf, keys.skeyid, e.sharedSecret, sa.icookie, sa.rcookie).SKEYID_d;
      if (equalBytes(d, keys.skeyidD)) sa.claimedDh.add(e);
    }
  }

  private outcome(layer: Layer<IsakmpRecord>, d: Decoded): DecryptOutcome<IsakmpRecord> {
    const rec = layer.record;
    const make = (idx: number): IkeDecrypted => ({
      status: d.status,
      source: d.pt && d.status === 'ok' ? idx : -1,
      ...(d.iv ? { iv: d.iv } : {}),
      payloads: d.payloads,
      ...(d.status === 'ok' && d.pt && d.pt.length > d.end ? { padding: { source: idx, offset: d.end, length: d.pt.length - d.end } } : {}),
      keySource: d.keySource,
      ...(d.checks.length > 0 ? { checks: d.checks } : {}),
      notes: d.notes,
    });
    if (d.status !== 'ok' || !d.pt) {
      return { layer: (idx) => ({ ...layer, record: Object.freeze({ ...rec, decrypted: make(idx) }) }) };
    }
    return {
      source: { name: 'Decrypted IKE', bytes: d.pt },
      layer: (idx) => ({ ...layer, record: Object.freeze({ ...rec, decrypted: make(idx) }) }),
    };
  }

  reports(): IkeSaReport[] {
    const out: IkeSaReport[] = [];
    for (const sa of this.sas.values()) {
      const k = sa.keys;
      const choice = this.choiceOf(sa);
      let encrypted = 0;
      let decrypted = 0;
      let failed = 0;
      for (const c of sa.counted.values()) {
        if (!c.encrypted) continue;
        encrypted++;
        if (c.status === 'ok') decrypted++;
        else if (c.status === 'garbled') failed++;
      }
      const secrets: Record<string, Uint8Array> = {};
      if (k?.skeyid) secrets['SKEYID'] = k.skeyid;
      if (k?.skeyidD) secrets['SKEYID_d'] = k.skeyidD;
      if (k?.skeyidA) secrets['SKEYID_a'] = k.skeyidA;
      if (k?.skeyidE) secrets['SKEYID_e'] = k.skeyidE;
      if (k) secrets['Ka'] = k.ka;
      if (k?.iv0) secrets['IV'] = k.iv0;
      const encr = k?.encr ?? choice?.encr;
      const prf = k?.prf ?? choice?.prf;
      out.push({
        version: 1,
        spiI: sa.ihex,
        spiR: sa.rhex,
        ...(sa.iAddr ? { initiator: sa.iAddr } : {}),
        ...(sa.rAddr ? { responder: sa.rAddr } : {}),
        ...(encr ? { encr: encr.name } : {}),
        ...(prf ? { prf: prf.name } : {}),
        ...(choice?.group !== undefined ? { dhGroup: choice.group } : {}),
        ...(k ? { keys: k.origin } : {}),
        messages: sa.counted.size,
        encrypted,
        decrypted,
        failed,
        checks: [...sa.checks.values()].sort((a, b) => a.frame - b.frame),
        children: [...sa.children],
        secrets,
      });
    }
    return out;
  }
}

/** IKEv1 padding (RFC 2408 §3.1, RFC 2409 App. B): zeros; some stacks put the pad length in the last byte. */
function padOk(pad: Uint8Array): boolean {
  const n = pad.length;
  for (let i = 0; i < n - 1; i++) if (pad[i] !== 0) return false;
  return n === 0 || pad[n - 1] === 0 || pad[n - 1] === n || pad[n - 1] === n - 1;
}

/** Phase-1 messages: Main Mode and Aggressive Mode, M-ID 0. */
function isPhase1(rec: IsakmpRecord): boolean {
  return (rec.messageId ?? 0) === 0 && (rec.exchangeType === EXCH_MAIN || rec.exchangeType === EXCH_AGGRESSIVE);
}

/** Without addresses: Main Mode's encrypted messages 5 (initiator) and 6 (responder); Aggressive Mode's is message 3 (initiator). */
function phase1Dir(rec: IsakmpRecord, pos: number): 'i' | 'r' {
  if (rec.exchangeType === EXCH_AGGRESSIVE) return 'i';
  return pos % 2 === 0 ? 'i' : 'r';
}

/** ID payload body as text for matching PSK ids (RFC 2407 §4.6.2: type, protocol, port, data). */
function idText(body: Uint8Array): string {
  const type = body[0];
  const data = body.subarray(4);
  if (type === 1 && data.length === 4) return formatIPv4(data);
  if (type === 5 && data.length === 16) return formatIPv6(data);
  return new TextDecoder('utf-8', { fatal: false }).decode(data);
}
