/**
 * IKEv1 Aggressive Mode PSK crack material, taken from a capture.
 *
 * RFC 2409 §5: with a pre-shared key,
 *   SKEYID = prf(PSK, Ni_b | Nr_b)
 *   HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 *   HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * where `<P>_b` is the body of payload P without its 4-byte generic header,
 * SAi_b is the *initiator's* SA payload (message 1: DOI, situation, every
 * proposal and transform offered), IDir_b keeps the ID type, protocol and
 * port, and prf is the HMAC of the negotiated hash (the Hash Algorithm
 * attribute of the chosen transform; a PRF attribute is not supported).
 *
 * Aggressive Mode message 2 (`HDR, SA, KE, Nr, IDir, HASH_R`) is sent in
 * the clear, so one message pair gives an offline dictionary attack on the
 * PSK. Message 3 (`HDR, HASH_I`) is in the clear with some implementations
 * (the E flag not set) and then gives HASH_I as well.
 *
 * The extractor is fed every packet in file order and keeps only the few
 * payload bodies it needs (copied, the packet is not kept).
 */
import { createHmac } from 'node:crypto';
import type { Packet } from '../dissect/packet.js';
import type { IsakmpPayload, IsakmpRecord } from '../dissect/isakmp/isakmp.js';
import type { SaPayload, SaTransform } from '../dissect/isakmp/payloads/sa.js';
import { ikev1FragmentOf } from '../dissect/isakmp/fragments.js';
import { endpointsOf, endpointText } from '../analyze/observe.js';
import { concatBytes, equalBytes, toHex } from '../core/bytes.js';
import type { CrackHash, CrackTarget } from './crack/api.js';

/** IKEv1 exchange type Aggressive (RFC 2408 §4.8). */
const V1_AGGRESSIVE = 4;
/** IKEv1 payload types (RFC 2408 §3.1). */
const P_SA = 1;
const P_KE = 4;
const P_ID = 5;
const P_HASH = 8;
const P_SIG = 9;
const P_NONCE = 10;
/** IKEv1 Phase 1 attribute types (RFC 2409 Appendix A). */
const A_ENCR = 1;
const A_HASH = 2;
const A_AUTH = 3;
const A_GROUP = 4;
const A_PRF = 13;

/** Authentication methods authenticated by a pre-shared key: RFC 2409 (1) and XAUTH (draft-beaulieu-ike-xauth §7.2: 65001 XAUTHInitPreShared, 65002 XAUTHRespPreShared). */
export const PSK_AUTH_METHODS: ReadonlyMap<number, string> = new Map([
  [1, 'Pre-shared key'],
  [65001, 'XAUTHInitPreShared'],
  [65002, 'XAUTHRespPreShared'],
]);

/** IKEv1 Hash Algorithm attribute values (RFC 2409 App. A, RFC 4868 §4.1 for SHA2). Tiger (3) is not supported. */
export const IKEV1_HASHES: ReadonlyMap<number, { readonly hash: CrackHash | undefined; readonly name: string; readonly size: number }> = new Map([
  [1, { hash: 'md5', name: 'MD5', size: 16 }],
  [2, { hash: 'sha1', name: 'SHA1', size: 20 }],
  [3, { hash: undefined, name: 'Tiger', size: 24 }],
  [4, { hash: 'sha256', name: 'SHA2-256', size: 32 }],
  [5, { hash: 'sha384', name: 'SHA2-384', size: 48 }],
  [6, { hash: 'sha512', name: 'SHA2-512', size: 64 }],
] as const);

/** The nine fields of psk-crack's line, in its order. */
export const PSK_FIELDS = ['g_xr', 'g_xi', 'cky_r', 'cky_i', 'sai_b', 'idir_b', 'ni_b', 'nr_b', 'hash_r'] as const;
export type PskField = (typeof PSK_FIELDS)[number];

export interface AggressiveMaterial {
  /** `ICKY/RCKY` (lower-case hex); `#2`, `#3`… appended when one cookie pair has several distinct message 2s. */
  readonly id: string;
  readonly ispi: string;
  readonly rspi: string;
  readonly initiator: string;
  readonly responder: string;
  /** Message 1, message 2 and (when its HASH_I was in the clear or decrypted) message 3 frames. */
  readonly frames: { readonly msg1: number; readonly msg2: number; readonly msg3?: number };
  /** Retransmissions of message 1 / 2 seen (byte-identical copies, ignored). */
  readonly retransmissions: number;
  /** UDP 4500 (NAT-T) carried some of the exchange. */
  readonly natt: boolean;
  /** Authentication Method attribute of the chosen transform. */
  readonly authMethod: number;
  readonly authName: string;
  /** Hash Algorithm attribute (RFC 2409 App. A) of the chosen transform. */
  readonly hashAlg?: number;
  readonly hashName?: string;
  /** The prf for cracking: undefined when the hash is unsupported or absent (see problems). */
  readonly hash?: CrackHash;
  readonly dhGroup?: number;
  readonly encr?: number;
  readonly fields: Readonly<Record<PskField, Uint8Array>>;
  readonly hashI?: { readonly frame: number; readonly idii_b: Uint8Array; readonly hash_i: Uint8Array; readonly decrypted: boolean };
  /** Why the material cannot be cracked or exported as is (empty when it can). */
  readonly problems: readonly string[];
}

/** A message of an aggressive exchange kept for pairing. */
interface Msg1 {
  readonly frame: number;
  readonly digest: string;
  readonly sai: Uint8Array;
  readonly ke: Uint8Array;
  readonly ni: Uint8Array;
  readonly idii: Uint8Array;
  readonly transforms: readonly SaTransform[];
  readonly src: string;
  readonly natt: boolean;
}

interface Pending {
  readonly msg1s: Msg1[];
  /** rspi → materials built for that pair (several when message 2 differs). */
  readonly done: Map<string, { m: MutableMaterial; digest: string }[]>;
}

type MutableMaterial = { -readonly [K in keyof AggressiveMaterial]: AggressiveMaterial[K] };

const ZERO8 = '0000000000000000';

/** The bytes of a payload body, copied (the packet's buffers are not kept). */
const bodyOf = (p: IsakmpPayload | undefined): Uint8Array | undefined => (p && !p.malformed ? p.body.slice() : undefined);

function attr(t: SaTransform | undefined, type: number): number | undefined {
  const a = t?.attributes.find((x) => x.type === type);
  if (!a || a.num === undefined) return undefined;
  return Number(a.num);
}

function digestOf(rec: IsakmpRecord, p: Packet, layerIndex: number): string {
  const l = p.layers[layerIndex]!;
  const bytes = p.sources[l.source]?.bytes.subarray(l.offset, l.offset + l.length);
  return bytes ? toHex(createHmac('sha1', 'espy').update(bytes).digest()) : `${rec.messageId}:${rec.payloads.length}`;
}

function transformsOf(sa: IsakmpPayload | undefined): SaTransform[] {
  const d = sa?.decoded as SaPayload | undefined;
  if (!d || d.kind !== 'sa') return [];
  return d.proposals.flatMap((pr) => pr.transforms);
}

/** Collects aggressive-mode PSK material; feed every packet in file order, then call result(). */
export class AggressiveExtractor {
  private readonly byIspi = new Map<string, Pending>();
  private readonly out: MutableMaterial[] = [];
  /** Message 1 retransmissions per initiator cookie. */
  private readonly retransmitted1 = new Map<string, number>();

  add(p: Packet): void {
    const layers = p.layers;
    let idx = -1;
    for (let i = 1; i < layers.length; i++) if (layers[i]!.spec.id === 'isakmp') idx = i;
    if (idx < 0) return;
    const rec = layers[idx]!.record as IsakmpRecord;
    if (rec.major !== 1 || rec.exchangeType !== V1_AGGRESSIVE || !rec.ispi || !rec.rspi || ikev1FragmentOf(rec)) return;
    const ep = endpointsOf(p, idx);
    const ispi = toHex(rec.ispi);
    const rspi = toHex(rec.rspi);
    const frame = p.frame.number;
    const natt = ep?.sport === 4500 || ep?.dport === 4500;
    const src = ep ? endpointText(ep.src, ep.sport) : '?';
    // Message 3 may have been decrypted by the engine (E flag set): its inner payloads then count.
    const decrypted = rec.decrypted?.status === 'ok' ? rec.decrypted.payloads : undefined;
    const payloads = rec.encrypted ? (decrypted ?? []) : rec.payloads;
    const find = (t: number) => payloads.find((x) => x.type === t);
    const sa = find(P_SA);
    const digest = digestOf(rec, p, idx);
    let pend = this.byIspi.get(ispi);

    if (rspi === ZERO8) {
      // Message 1: HDR, SA, KE, Ni, IDii.
      if (!sa) return;
      const [sai, ke, ni, idii] = [bodyOf(sa), bodyOf(find(P_KE)), bodyOf(find(P_NONCE)), bodyOf(find(P_ID))];
      if (!sai || !ke || !ni || !idii) return;
      if (!pend) {
        pend = { msg1s: [], done: new Map() };
        this.byIspi.set(ispi, pend);
      }
      if (pend.msg1s.some((m) => m.digest === digest)) {
        // A byte-identical copy (retransmission): the first copy stays the evidence.
        for (const list of pend.done.values()) for (const d of list) d.m.retransmissions++;
        this.retransmitted1.set(ispi, (this.retransmitted1.get(ispi) ?? 0) + 1);
        return;
      }
      pend.msg1s.push({ frame, digest, sai, ke, ni, idii, transforms: transformsOf(sa), src, natt });
      return;
    }
    if (!pend || !pend.msg1s.length) return; // message 1 not in the capture: nothing to pair with
    const list = pend.done.get(rspi) ?? [];
    if (sa) {
      // Message 2: HDR, SA, KE, Nr, IDir, HASH_R (or SIG_R with signatures).
      const dup = list.find((d) => d.digest === digest);
      if (dup) {
        dup.m.retransmissions++;
        return;
      }
      const m1 = pend.msg1s[pend.msg1s.length - 1]!;
      const m = this.build(ispi, rspi, m1, sa, find, frame, src, natt, list.length);
      if (!m) return;
      m.retransmissions += this.retransmitted1.get(ispi) ?? 0;
      list.push({ m, digest });
      pend.done.set(rspi, list);
      this.out.push(m);
      return;
    }
    // Message 3: HDR, HASH_I (in the clear, or decrypted).
    const hash = find(P_HASH);
    const idii = pend.msg1s[pend.msg1s.length - 1]!.idii;
    if (!hash || !list.length) return;
    for (const { m } of list) {
      if (m.hashI) continue;
      const body = bodyOf(hash);
      if (body) m.hashI = { frame, idii_b: idii, hash_i: body, decrypted: rec.encrypted !== undefined };
      m.frames = { ...m.frames, msg3: frame };
      m.natt ||= natt;
    }
  }

  private build(
    ispi: string,
    rspi: string,
    m1: Msg1,
    sa: IsakmpPayload,
    find: (t: number) => IsakmpPayload | undefined,
    frame: number,
    src: string,
    natt: boolean,
    n: number,
  ): MutableMaterial | undefined {
    const chosen = transformsOf(sa)[0] ?? (m1.transforms.length === 1 ? m1.transforms[0] : undefined);
    const authMethod = attr(chosen, A_AUTH);
    if (authMethod === undefined || !PSK_AUTH_METHODS.has(authMethod)) return undefined; // not PSK: nothing to crack
    const problems: string[] = [];
    const hashBody = bodyOf(find(P_HASH));
    const [ke, nr, idir] = [bodyOf(find(P_KE)), bodyOf(find(P_NONCE)), bodyOf(find(P_ID))];
    if (!hashBody || !ke || !nr || !idir) {
      const missing = [!ke && 'KE', !nr && 'Nonce', !idir && 'ID', !hashBody && (find(P_SIG) ? 'HASH (a SIG was sent)' : 'HASH')].filter(Boolean).join(', ');
      problems.push(`frame ${frame}: message 2 lacks ${missing}`);
    }
    const hashAlg = attr(chosen, A_HASH);
    const info = hashAlg === undefined ? undefined : IKEV1_HASHES.get(hashAlg);
    let hash: CrackHash | undefined;
    if (hashAlg === undefined) problems.push(`frame ${frame}: the chosen transform has no Hash Algorithm attribute (RFC 2409 App. A type 2)`);
    else if (!info) problems.push(`frame ${frame}: Hash Algorithm ${hashAlg} is not a known IKEv1 hash`);
    else if (!info.hash) problems.push(`frame ${frame}: Hash Algorithm ${info.name} is not supported`);
    else if (attr(chosen, A_PRF) !== undefined) problems.push(`frame ${frame}: a PRF attribute (type 13) is negotiated; only the HMAC of the hash is supported`);
    else if (hashBody && hashBody.length !== info.size) problems.push(`frame ${frame}: HASH_R is ${hashBody.length} bytes, ${info.name} gives ${info.size}`);
    else hash = info.hash;
    const empty = new Uint8Array(0);
    const fields: Record<PskField, Uint8Array> = {
      g_xr: ke ?? empty,
      g_xi: m1.ke,
      cky_r: hexBytes(rspi),
      cky_i: hexBytes(ispi),
      sai_b: m1.sai,
      idir_b: idir ?? empty,
      ni_b: m1.ni,
      nr_b: nr ?? empty,
      hash_r: hashBody ?? empty,
    };
    const group = attr(chosen, A_GROUP);
    const encr = attr(chosen, A_ENCR);
    return {
      id: `${ispi}/${rspi}${n ? `#${n + 1}` : ''}`,
      ispi,
      rspi,
      initiator: m1.src,
      responder: src,
      frames: { msg1: m1.frame, msg2: frame },
      retransmissions: 0,
      natt: natt || m1.natt,
      authMethod,
      authName: PSK_AUTH_METHODS.get(authMethod)!,
      ...(hashAlg !== undefined ? { hashAlg, hashName: info?.name ?? String(hashAlg) } : {}),
      ...(hash && !problems.length ? { hash } : {}),
      ...(group !== undefined ? { dhGroup: group } : {}),
      ...(encr !== undefined ? { encr } : {}),
      fields,
      problems,
    };
  }

  result(): AggressiveMaterial[] {
    return this.out.slice();
  }
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// ---------------------------------------------------------------- material → messages

/** SKEYID message (Ni_b | Nr_b). */
export function skeyidData(m: AggressiveMaterial): Uint8Array {
  return concatBytes(m.fields.ni_b, m.fields.nr_b);
}

/** HASH_R message: g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b. */
export function hashRData(m: AggressiveMaterial): Uint8Array {
  const f = m.fields;
  return concatBytes(f.g_xr, f.g_xi, f.cky_r, f.cky_i, f.sai_b, f.idir_b);
}

/** HASH_I message: g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b. */
export function hashIData(m: AggressiveMaterial): Uint8Array | undefined {
  if (!m.hashI) return undefined;
  const f = m.fields;
  return concatBytes(f.g_xi, f.g_xr, f.cky_i, f.cky_r, f.sai_b, m.hashI.idii_b);
}

/** The crack target for HASH_R (undefined when the material has problems). */
export function crackTarget(m: AggressiveMaterial): CrackTarget | undefined {
  if (!m.hash || m.problems.length) return undefined;
  return { id: m.id, hash: m.hash, skeyidData: skeyidData(m), hashData: hashRData(m), expected: m.fields.hash_r };
}

/** Check a PSK against HASH_R (and HASH_I when present) with node:crypto: the reference for every other core. */
export function verifyPsk(m: AggressiveMaterial, psk: Uint8Array | string): { hashR: boolean; hashI?: boolean } {
  if (!m.hash) return { hashR: false };
  const key = typeof psk === 'string' ? Buffer.from(psk, 'utf8') : psk;
  const skeyid = createHmac(m.hash, key).update(skeyidData(m)).digest();
  const hr = createHmac(m.hash, skeyid).update(hashRData(m)).digest();
  const out: { hashR: boolean; hashI?: boolean } = { hashR: equalBytes(hr, m.fields.hash_r) };
  const hiData = hashIData(m);
  if (hiData && m.hashI) out.hashI = equalBytes(createHmac(m.hash, skeyid).update(hiData).digest(), m.hashI.hash_i);
  return out;
}

// ---------------------------------------------------------------- export formats

/**
 * psk-crack's line (ike-scan `--pskcrack`): `g_xr:g_xi:cky_r:cky_i:sai_b:idir_b:ni_b:nr_b:hash_r`,
 * lower-case hex. hashcat modes 5300 (MD5) / 5400 (SHA1) read the same line.
 */
export function pskCrackLine(m: AggressiveMaterial): string {
  return PSK_FIELDS.map((k) => toHex(m.fields[k])).join(':');
}

/** John the Ripper (jumbo) `IKE` format, as `ikescan2john.py` writes it: `$ike$*0*` and the nine fields joined by `*`. */
export function johnLine(m: AggressiveMaterial): string {
  return `$ike$*0*${PSK_FIELDS.map((k) => toHex(m.fields[k])).join('*')}`;
}

/** Limits of the reference tools that this material runs into (see docs/audit.md). */
export function toolLimits(m: AggressiveMaterial): { pskCrack: string[]; hashcat: string[]; john: string[] } {
  const f = m.fields;
  const pskCrack: string[] = [];
  const hashcat: string[] = [];
  const john: string[] = [];
  const md5sha1 = m.hash === 'md5' || m.hash === 'sha1';
  if (!md5sha1) {
    const why = `${m.hashName ?? 'this hash'}: only MD5 and SHA1 are supported`;
    pskCrack.push(why);
    hashcat.push(why);
    john.push(why);
  }
  const line = pskCrackLine(m);
  if (line.length > 4095) pskCrack.push(`line of ${line.length} characters: psk-crack reads at most 4095 (fgets MAXLEN 4096)`);
  for (const k of PSK_FIELDS) if (f[k].length * 2 > 4095) pskCrack.push(`${k} longer than psk-crack's 4095-character field buffer`);
  const msg = f.g_xr.length + f.g_xi.length + f.cky_r.length + f.cky_i.length + f.sai_b.length + f.idir_b.length;
  if (msg > 512) hashcat.push(`HASH_R message of ${msg} bytes: hashcat 5300/5400 reject more than 512 (Salt-length exception)`);
  const nonces = f.ni_b.length + f.nr_b.length;
  if (nonces >= 64) hashcat.push(`Ni+Nr = ${nonces} bytes: hashcat misses it silently with both kernels (≥ 64)`);
  else if (nonces >= 56) hashcat.push(`Ni+Nr = ${nonces} bytes: hashcat's optimised kernel (-O) misses it silently (≥ 56)`);
  if (f.ni_b.length > 64 || f.nr_b.length > 64) hashcat.push('a nonce longer than 64 bytes: hashcat rejects it');
  return { pskCrack, hashcat, john };
}
