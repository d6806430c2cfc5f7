/**
 * Audit findings per IKE SA: each rule has a stable id, a default severity,
 * the rule text, and a remediation (RULES, documented in docs/audit.md).
 * A finding is one rule applied to one IKE SA, with the frames that show it.
 *
 * What can be judged depends on what was visible: Phase 1 / IKE_SA_INIT
 * proposals are in the clear; Quick Mode, IKE_AUTH and CREATE_CHILD_SA are
 * encrypted, so child SA algorithms, PFS, lifetimes and XAUTH credentials
 * are judged only when the decryption engine opened them (--keys/--psk);
 * otherwise the IKE SA lists them under `notAssessed`.
 */
import type { IkeSa, SessionModel } from '../analyze/model.js';
import type { AggressiveMaterial } from './extract.js';
import { PSK_AUTH_METHODS, toolLimits } from './extract.js';
import type { ExchangeFacts } from './observe.js';
import { factsSummary, type ProposalFacts } from './proposals.js';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
/** Most severe first. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];
export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s);

export interface Rule {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  /** What the rule checks and why it matters. */
  readonly rule: string;
  readonly remediation: string;
  readonly references: readonly string[];
}

const rules = [
  {
    id: 'psk.cracked',
    title: 'Pre-shared key recovered',
    severity: 'critical',
    rule: 'The PSK was recovered offline from the Aggressive Mode HASH_R sent in the clear (or a PSK given with --psk reproduces it). Anyone who sniffed the exchange can impersonate either peer and, with XAUTH, harvest user passwords.',
    remediation: 'Replace the PSK now with a long random secret (at least 20 random characters), disable Aggressive Mode, and prefer certificates or IKEv2.',
    references: ['RFC 2409 §5', 'RFC 8247 §2.4'],
  },
  {
    id: 'psk.exposed.aggressive',
    title: 'PSK hash exposed by Aggressive Mode',
    severity: 'high',
    rule: 'IKEv1 Aggressive Mode with pre-shared key authentication sends HASH_R = prf(prf(PSK, Ni|Nr), g^xr|g^xi|CKY-R|CKY-I|SAi|IDir) in the clear: one sniffed message pair allows an offline dictionary or brute-force attack on the PSK (psk-crack, hashcat 5300/5400, John, espy audit).',
    remediation: 'Disable Aggressive Mode (strongSwan aggressive=no, Libreswan aggressive=no, Cisco crypto isakmp aggressive-mode disable); use Main Mode or IKEv2 with certificates, or at least a long random PSK.',
    references: ['RFC 2409 §5.4', 'CVE-2002-1623'],
  },
  {
    id: 'psk.passive.main',
    title: 'Main Mode PSK: not passively crackable',
    severity: 'info',
    rule: 'Main Mode authenticates with HASH_I/HASH_R inside messages 5 and 6, encrypted with SKEYID_e, which needs the Diffie-Hellman secret: a passive observer cannot attack the PSK. An active man in the middle who completes the DH exchange with one peer still can, so a weak PSK remains a risk.',
    remediation: 'Keep the PSK long and random, or move to certificates.',
    references: ['RFC 2409 §5.4'],
  },
  {
    id: 'psk.passive.ikev2',
    title: 'IKEv2 PSK: not passively crackable',
    severity: 'info',
    rule: 'IKEv2 sends the AUTH payload inside the encrypted IKE_AUTH exchange (SK_e derives from the DH secret), so a passive observer cannot attack a PSK. An active attacker posing as the responder can obtain the initiator\'s AUTH and attack a weak PSK offline (RFC 7296 §2.15).',
    remediation: 'Use a PSK with at least as much entropy as the keys it protects, or certificates / EAP.',
    references: ['RFC 7296 §2.15'],
  },
  {
    id: 'id.cleartext',
    title: 'Identities sent in the clear',
    severity: 'medium',
    rule: 'The IKE identities (IDii/IDir: user names, group names, FQDNs, addresses) are visible to any observer. Aggressive Mode sends them unencrypted; they also select the PSK to attack (group names for XAUTH).',
    remediation: 'Use Main Mode or IKEv2, where identities are encrypted.',
    references: ['RFC 2409 §5.4', 'RFC 7296 §1.2'],
  },
  {
    id: 'dh.weak',
    title: 'Weak Diffie-Hellman group',
    severity: 'high',
    rule: 'A Diffie-Hellman group below current strength was negotiated: MODP 768 (1) and 1024 (2) are within reach of precomputation (Logjam), MODP 1024 with 160-bit subgroup (22) likewise; MODP 1536 (5) and the MODP groups with small subgroups (23, 24) are deprecated. Severity: high for 1, 2 and 22; medium for 5, 23 and 24.',
    remediation: 'Require group 14 (MODP 2048) at least; prefer 19/20/21 (ECP) or 31 (Curve25519).',
    references: ['RFC 8247 §2.4', 'RFC 9395'],
  },
  {
    id: 'dh.weak.offered',
    title: 'Weak Diffie-Hellman group offered',
    severity: 'low',
    rule: 'The initiator still offers a weak Diffie-Hellman group (1, 2, 5, 22, 23 or 24); a peer configured the same way would accept it, and a downgrade is possible when the proposal set is not authenticated.',
    remediation: 'Remove the weak groups from the proposals.',
    references: ['RFC 8247 §2.4'],
  },
  {
    id: 'encr.weak',
    title: 'Weak or no encryption',
    severity: 'high',
    rule: 'DES (56-bit key) or NULL encryption is negotiated (high), or a 64-bit block cipher (3DES, Blowfish, CAST, IDEA: Sweet32 birthday attacks, RFC 8247 / RFC 8221 MUST NOT or SHOULD NOT; medium).',
    remediation: 'Use AES-GCM, AES-CBC with HMAC-SHA2, or ChaCha20-Poly1305.',
    references: ['RFC 8247 §2.1', 'RFC 8221 §5'],
  },
  {
    id: 'integ.weak',
    title: 'Weak integrity algorithm',
    severity: 'medium',
    rule: 'MD5-based integrity (medium) or SHA-1 (low) protects the IKE or IPsec SA (RFC 8247 and RFC 8221 demote both); DES-MAC and KPDK are obsolete (high).',
    remediation: 'Use HMAC-SHA2-256/384/512 or an AEAD cipher.',
    references: ['RFC 8247 §2.2', 'RFC 8221 §6'],
  },
  {
    id: 'prf.weak',
    title: 'Weak PRF',
    severity: 'medium',
    rule: 'The IKE SA derives its keys with HMAC-MD5 (medium) or HMAC-SHA1 (low); in IKEv1 this is the negotiated Hash Algorithm, which also builds HASH_I/HASH_R.',
    remediation: 'Use PRF_HMAC_SHA2_256 or stronger (IKEv1: hash sha256/sha384/sha512).',
    references: ['RFC 8247 §2.3'],
  },
  {
    id: 'pfs.none',
    title: 'No perfect forward secrecy for a child SA',
    severity: 'medium',
    rule: 'A Quick Mode or CREATE_CHILD_SA exchange created IPsec SAs without a KE payload: their keys derive from the IKE SA\'s keying material only, so a compromise of the IKE SA exposes them.',
    remediation: 'Enable PFS for child SAs (strongSwan esp=…-modp2048/ecp256, Libreswan pfs=yes, Cisco set pfs group14).',
    references: ['RFC 2409 §5.5', 'RFC 7296 §1.3.1'],
  },
  {
    id: 'esp.no_integrity',
    title: 'ESP without integrity',
    severity: 'high',
    rule: 'An ESP SA uses a non-AEAD cipher and no integrity algorithm: ciphertext can be modified undetected (bit flipping, padding-oracle and replay of CBC blocks; RFC 4303 §3.4).',
    remediation: 'Add an integrity algorithm (HMAC-SHA2) or use an AEAD cipher (AES-GCM).',
    references: ['RFC 8221 §6', 'RFC 4303 §3.2'],
  },
  {
    id: 'lifetime.excessive',
    title: 'Excessive SA lifetime',
    severity: 'low',
    rule: 'A lifetime longer than 24 hours for an IKE SA or 8 hours for an IPsec SA keeps keys in use (and traffic under one key) longer than needed.',
    remediation: 'Use lifetimes of at most 24 h for IKE SAs and 8 h (commonly 1 h) for IPsec SAs.',
    references: ['RFC 2407 §4.5', 'RFC 2409 App. A'],
  },
  {
    id: 'ike.v1',
    title: 'IKEv1 in use',
    severity: 'info',
    rule: 'IKEv1 is deprecated (RFC 9395): fewer protections (Aggressive Mode, no integrity of the negotiation in some modes), no new algorithms.',
    remediation: 'Migrate to IKEv2.',
    references: ['RFC 9395'],
  },
  {
    id: 'xauth.password.visible',
    title: 'XAUTH password readable',
    severity: 'high',
    rule: 'An XAUTH user password was read from a decrypted Transaction exchange: anyone who holds the Phase 1 keys (or the group PSK plus a man in the middle) reads user passwords.',
    remediation: 'Replace group PSK + XAUTH with certificates or IKEv2 EAP; rotate the exposed user passwords.',
    references: ['draft-beaulieu-ike-xauth'],
  },
] as const satisfies readonly Rule[];

export type RuleId = (typeof rules)[number]['id'];
export const RULES: ReadonlyMap<RuleId, Rule> = new Map(rules.map((r) => [r.id, r]));

export interface Finding {
  readonly id: RuleId;
  readonly severity: Severity;
  readonly title: string;
  /** What was seen, for this IKE SA. */
  readonly detail: string;
  /** Frames that show it (file frame numbers). */
  readonly frames: readonly number[];
  /** Extra facts (stable keys per rule; no secrets unless --show-secrets). */
  readonly evidence: Readonly<Record<string, string | number | boolean>>;
  readonly remediation: string;
}

export interface SaAudit {
  readonly ikeSa: number;
  readonly version: 1 | 2;
  readonly mode: string;
  readonly ispi: string;
  readonly rspi: string;
  readonly initiator: string;
  readonly responder: string;
  readonly state: string;
  /** The IKE SA this one rekeyed (IKEv2 CREATE_CHILD_SA). */
  readonly rekeyOf?: number;
  readonly chosen?: string;
  readonly identities: { readonly initiator?: string; readonly responder?: string };
  readonly findings: readonly Finding[];
  /** What could not be judged (encrypted, not in the capture). */
  readonly notAssessed: readonly string[];
}

/** The outcome of cracking or checking one material. */
export interface CrackOutcome {
  readonly id: string;
  readonly psk?: Uint8Array;
  /** How it was found: `wordlist`, `mask`, `--psk`, … */
  readonly method?: string;
  readonly tried: number;
  readonly elapsedMs: number;
  readonly stopped: 'found' | 'exhausted' | 'time' | 'interrupted' | 'not-run';
}

export interface FindingsInput {
  readonly model: SessionModel;
  readonly exchanges: readonly ExchangeFacts[];
  readonly material: readonly AggressiveMaterial[];
  readonly cracked: ReadonlyMap<string, CrackOutcome>;
  readonly showSecrets: boolean;
  /** Decryption keys were given (changes the advice on encrypted exchanges). */
  readonly decrypting: boolean;
}

const WEAK_DH_HIGH = new Set([1, 2, 22]);
const WEAK_DH_MEDIUM = new Set([5, 23, 24]);
const V1_MAIN = 2;
const V1_AGGR = 4;
const V1_TRANSACTION = 6;
const V1_QUICK = 32;
const V2_SA_INIT = 34;
const V2_AUTH = 35;
const V2_CREATE_CHILD = 36;
/** 24 h for IKE SAs, 8 h for IPsec SAs. */
export const MAX_IKE_LIFETIME_S = 86400;
export const MAX_CHILD_LIFETIME_S = 28800;

/** PSK bytes as text: UTF-8 when printable, else 0x-hex. */
export function pskText(psk: Uint8Array): string {
  const s = Buffer.from(psk).toString('utf8');
  return /^[\x20-\x7e]*$/.test(s) && Buffer.from(s, 'utf8').equals(Buffer.from(psk)) ? s : `0x${Buffer.from(psk).toString('hex')}`;
}

function encrWeakness(f: ProposalFacts): { severity: Severity; why: string } | undefined {
  const e = f.encr;
  if (!e) return undefined;
  const n = e.name.toUpperCase();
  if (/NULL/.test(n)) return { severity: 'high', why: `${e.name}: no confidentiality` };
  if (/3DES|TRIPLE|3IDEA/.test(n)) return { severity: 'medium', why: `${e.name}: 64-bit block cipher (Sweet32)` };
  if (/DES/.test(n)) return { severity: 'high', why: `${e.name}: 56-bit key` };
  if (/BLOWFISH|CAST|IDEA|RC5|RC4/.test(n)) return { severity: 'medium', why: `${e.name}: legacy cipher, 64-bit block or broken stream` };
  return undefined;
}

function hashWeakness(a: { name: string } | undefined): { severity: Severity; why: string } | undefined {
  if (!a) return undefined;
  const n = a.name.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (/NONE/.test(n)) return undefined;
  if (/KPDK|DESMAC/.test(n)) return { severity: 'high', why: `${a.name}: obsolete` };
  if (/MD5/.test(n)) return { severity: 'medium', why: `${a.name}: MD5` };
  if (/SHA2|SHA256|SHA384|SHA512/.test(n)) return undefined;
  if (/SHA/.test(n)) return { severity: 'low', why: `${a.name}: SHA-1` };
  return undefined;
}

function dhWeakness(id: number): Severity | undefined {
  return WEAK_DH_HIGH.has(id) ? 'high' : WEAK_DH_MEDIUM.has(id) ? 'medium' : undefined;
}

const uniq = (xs: readonly number[]) => [...new Set(xs)].sort((a, b) => a - b);

class SaFindings {
  readonly out: Finding[] = [];
  readonly notAssessed: string[] = [];
  add(id: RuleId, severity: Severity | undefined, detail: string, frames: readonly number[], evidence: Record<string, string | number | boolean> = {}): void {
    const r = RULES.get(id)!;
    this.out.push({ id, severity: severity ?? r.severity, title: r.title, detail, frames: uniq(frames), evidence, remediation: r.remediation });
  }
}

/** Judge one transform set (scope: `IKE SA` or `ESP SA (Quick Mode MID=…)`). */
function judgeFacts(f: SaFindings, facts: ProposalFacts, scope: string, frames: readonly number[], isChild: boolean): void {
  const ew = encrWeakness(facts);
  if (ew) f.add('encr.weak', ew.severity, `${scope}: ${ew.why}`, frames, { scope, algorithm: facts.encr!.name });
  const iw = hashWeakness(facts.integ);
  if (iw) f.add('integ.weak', iw.severity, `${scope}: ${iw.why}`, frames, { scope, algorithm: facts.integ!.name });
  const pw = hashWeakness(facts.prf);
  if (pw && !isChild) f.add('prf.weak', pw.severity, `${scope}: ${pw.why}${facts.version === 1 ? ' (IKEv1 Hash Algorithm: the prf and HASH_I/HASH_R)' : ''}`, frames, { scope, algorithm: facts.prf!.name });
  if (facts.dh) {
    const dw = dhWeakness(facts.dh.id);
    if (dw) f.add('dh.weak', dw, `${scope}: group ${facts.dh.id} (${facts.dh.name})${isChild ? ' for PFS' : ''}`, frames, { scope, group: facts.dh.id });
  }
  if (facts.protocol === 'ESP' && !facts.aead && !facts.integ && !(facts.encr && /GMAC/i.test(facts.encr.name))) {
    f.add('esp.no_integrity', undefined, `${scope}: ${facts.encr?.name ?? 'cipher'} without an integrity algorithm`, frames, { scope });
  }
  const max = isChild ? MAX_CHILD_LIFETIME_S : MAX_IKE_LIFETIME_S;
  if (facts.lifeSeconds !== undefined && facts.lifeSeconds > max) {
    f.add('lifetime.excessive', undefined, `${scope}: lifetime ${facts.lifeSeconds} s (${(facts.lifeSeconds / 3600).toFixed(1)} h) > ${max / 3600} h`, frames, { scope, seconds: facts.lifeSeconds });
  }
}

function endpoint(s: IkeSa, side: 'initiator' | 'responder'): string {
  const p = s[side];
  return p.ports.length ? `${p.addr}:${p.ports[0]}` : p.addr;
}

/** Findings for every IKE SA of the model, most severe first within each SA. */
export function auditFindings(inp: FindingsInput): SaAudit[] {
  const out: SaAudit[] = [];
  for (const s of inp.model.ikeSas) {
    const f = new SaFindings();
    const exs = inp.exchanges.filter((e) => e.version === s.version && e.ispi === s.ispi && e.rspi === s.rspi);
    const p1 = exs.find((e) => e.exchangeType === V1_MAIN || e.exchangeType === V1_AGGR || e.exchangeType === V2_SA_INIT);
    const firstFrames = p1 ? p1.frames : [s.first.frame];

    if (s.version === 1) f.add('ike.v1', undefined, `IKEv1 ${s.mode}`, [s.first.frame], { mode: s.mode });

    // Phase 1 / IKE_SA_INIT algorithms (clear).
    const chosen = p1?.chosen?.facts.find((x) => x.protocol === 'IKE') ?? p1?.chosen?.facts[0];
    let chosenRekey: ProposalFacts | undefined;
    if (chosen) judgeFacts(f, chosen, 'IKE SA', [p1!.chosen!.frame], false);
    else if (p1?.offered && p1.offered.facts.length === 1) judgeFacts(f, p1.offered.facts[0]!, 'IKE SA (offered, no answer seen)', [p1.offered.frame], false);
    else if (p1) f.notAssessed.push(`${p1.name}: no chosen proposal seen`);
    else if (s.rekeyOf !== undefined) {
      // An IKEv2 IKE SA rekey: the algorithms were chosen in the old SA's CREATE_CHILD_SA (readable only decrypted).
      const old = inp.model.ikeSas.find((o) => o.id === s.rekeyOf);
      const ccsa = old
        ? inp.exchanges.filter((e) => e.version === 2 && e.ispi === old.ispi && e.rspi === old.rspi && e.exchangeType === V2_CREATE_CHILD && e.chosen?.facts.some((x) => x.protocol === 'IKE') && e.chosen.frame <= s.first.frame)
        : [];
      const last = ccsa[ccsa.length - 1];
      if (last) {
        const ik = last.chosen!.facts.find((x) => x.protocol === 'IKE')!;
        chosenRekey = ik;
        judgeFacts(f, ik, `IKE SA (CREATE_CHILD_SA MID=${last.messageId} of IKE SA #${s.rekeyOf})`, [last.chosen!.frame], false);
      } else f.notAssessed.push(`IKE SA created by a CREATE_CHILD_SA of IKE SA #${s.rekeyOf}${inp.decrypting ? '' : ' (encrypted; give --keys to decrypt)'}: its algorithms are not assessed`);
    }
    else f.notAssessed.push('Phase 1 / IKE_SA_INIT not in the capture: IKE SA algorithms not assessed');
    if (p1?.offered && chosen) {
      const weak = uniq(p1.offered.facts.flatMap((x) => (x.dh && dhWeakness(x.dh.id) ? [x.dh.id] : [])));
      const chosenWeak = chosen.dh && dhWeakness(chosen.dh.id);
      if (weak.length && !chosenWeak) f.add('dh.weak.offered', undefined, `IKE SA: the initiator offers group${weak.length > 1 ? 's' : ''} ${weak.join(', ')} (chosen: ${chosen.dh?.id ?? '?'})`, [p1.offered.frame], { groups: weak.join(',') });
    }

    // PSK exposure and recovery.
    const mats = inp.material.filter((m) => m.ispi === s.ispi && m.rspi === s.rspi);
    for (const m of mats) {
      const frames = [m.frames.msg1, m.frames.msg2, ...(m.frames.msg3 !== undefined ? [m.frames.msg3] : [])];
      const lim = toolLimits(m);
      const limits = [...lim.hashcat.map((x) => `hashcat: ${x}`), ...lim.pskCrack.map((x) => `psk-crack: ${x}`)];
      f.add(
        'psk.exposed.aggressive',
        undefined,
        `HASH_R (${m.hashName ?? 'unknown hash'}) in frame ${m.frames.msg2}, with message 1 in frame ${m.frames.msg1}${m.hashI ? `; HASH_I in frame ${m.hashI.frame}` : ''}; auth ${m.authName}${m.authMethod !== 1 ? ' (group PSK + XAUTH: the group secret lets an attacker pose as the gateway and collect user passwords)' : ''}${m.problems.length ? `; not crackable as is: ${m.problems.join('; ')}` : ''}`,
        frames,
        { material: m.id, hash: m.hashName ?? 'unknown', ...(m.dhGroup !== undefined ? { dhGroup: m.dhGroup } : {}), nonceBytes: m.fields.ni_b.length + m.fields.nr_b.length, ...(limits.length ? { toolLimits: limits.join('; ') } : {}) },
      );
      const c = inp.cracked.get(m.id);
      if (c?.psk) {
        const psk = pskText(c.psk);
        f.add('psk.cracked', undefined, `PSK ${inp.showSecrets ? JSON.stringify(psk) : '(hidden: --show-secrets prints it)'} reproduces HASH_R of frame ${m.frames.msg2}${c.method ? ` (${c.method}, ${c.tried} candidate${c.tried === 1 ? "" : "s"})` : ''}`, frames, {
          material: m.id,
          ...(c.method ? { method: c.method } : {}),
          ...(inp.showSecrets ? { psk, length: c.psk.length } : {}),
        });
      }
    }
    if (!mats.length && s.mode === 'Aggressive Mode' && chosen?.authMethod !== undefined && PSK_AUTH_METHODS.has(chosen.authMethod)) {
      // HASH_R was on the wire, but the material is incomplete (message 1 or 2 not in the capture, or damaged).
      f.add('psk.exposed.aggressive', undefined, `Aggressive Mode with ${PSK_AUTH_METHODS.get(chosen.authMethod)}; the crack material is incomplete in this capture (message 1 or message 2 missing or damaged)`, p1 ? p1.clearFrames : firstFrames, {});
    }
    if (s.mode === 'Aggressive Mode' && (s.identities.initiator || s.identities.responder)) {
      const ids = [s.identities.initiator && `IDii ${s.identities.initiator}`, s.identities.responder && `IDir ${s.identities.responder}`].filter(Boolean).join(', ');
      f.add('id.cleartext', undefined, `Aggressive Mode: ${ids}`, p1 ? p1.clearFrames : firstFrames, { ...(s.identities.initiator ? { initiator: s.identities.initiator } : {}), ...(s.identities.responder ? { responder: s.identities.responder } : {}) });
    }
    const authNum = chosen?.authMethod;
    if (s.version === 1 && s.mode === 'Main Mode' && authNum !== undefined && PSK_AUTH_METHODS.has(authNum)) {
      f.add('psk.passive.main', undefined, `Main Mode with ${PSK_AUTH_METHODS.get(authNum)}: HASH_I/HASH_R travel encrypted (messages 5 and 6)`, firstFrames, {});
    }
    if (s.version === 2 && s.rekeyOf === undefined) {
      // (A rekeyed IKE SA does not authenticate again: its authentication was the original SA's.)
      const methods = exs.flatMap((e) => e.authMethods);
      const psk = methods.filter((x) => x.method === 2);
      if (psk.length) f.add('psk.passive.ikev2', undefined, `IKE_AUTH uses Shared Key Message Integrity Code (decrypted, frame ${psk[0]!.frame}); the AUTH payload is encrypted on the wire`, psk.map((x) => x.frame), { authMethod: 'Shared Key Message Integrity Code' });
      else if (!methods.length) {
        const auth = exs.find((e) => e.exchangeType === V2_AUTH);
        f.add('psk.passive.ikev2', undefined, `IKE_AUTH is encrypted${auth ? ` (frames ${auth.frames.join(', ')})` : ''}: the authentication method is not visible; if it is a PSK it cannot be attacked passively`, auth ? auth.frames : firstFrames, { authMethod: 'unknown (encrypted)' });
      }
    }

    // Child SAs: Quick Mode, IKE_AUTH, CREATE_CHILD_SA.
    for (const e of exs) {
      const childEx = e.exchangeType === V1_QUICK || e.exchangeType === V2_AUTH || e.exchangeType === V2_CREATE_CHILD;
      const mid = s.version === 1 ? `0x${e.messageId.toString(16).padStart(8, '0')}` : String(e.messageId);
      const label = `${e.name} MID=${mid}`;
      if (e.xauth.length) {
        for (const x of e.xauth) {
          if (x.password === undefined || x.password === '') continue;
          f.add('xauth.password.visible', undefined, `XAUTH user ${x.user !== undefined ? JSON.stringify(x.user) : '(no name)'} sends a password in frame ${x.frame}${inp.showSecrets ? `: ${JSON.stringify(x.password)}` : ' (hidden: --show-secrets prints it)'}`, [x.frame], {
            ...(x.user !== undefined ? { user: x.user } : {}),
            ...(inp.showSecrets ? { password: x.password } : {}),
          });
        }
      } else if (e.exchangeType === V1_TRANSACTION && e.encryptedFrames.length && !e.visibleFrames.length) {
        f.notAssessed.push(`${label} (frames ${e.frames.join(', ')}) encrypted: XAUTH / Mode Config contents not assessed${inp.decrypting ? ' (no keys for this SA)' : ' (give --keys to decrypt)'}`);
      }
      if (!childEx) continue;
      const facts = e.chosen?.facts ?? (e.offered && e.offered.facts.length === 1 ? e.offered.facts : undefined);
      const childFacts = facts?.filter((x) => x.protocol === 'ESP' || x.protocol === 'AH') ?? [];
      if (!facts) {
        if (e.encryptedFrames.length) f.notAssessed.push(`${label} (frames ${e.frames.join(', ')}) encrypted: child SA algorithms, PFS and lifetimes not assessed${inp.decrypting ? ' (no keys for this SA)' : ' (give --keys to decrypt)'}`);
        continue;
      }
      const fr = [e.chosen?.frame ?? e.offered!.frame];
      for (const cf of childFacts) judgeFacts(f, cf, `${cf.protocol} SA (${label})`, fr, true);
      // PFS: a KE payload in Quick Mode / CREATE_CHILD_SA (the first child of IKE_AUTH has no KE by design).
      if ((e.exchangeType === V1_QUICK || e.exchangeType === V2_CREATE_CHILD) && childFacts.length && !e.keFrames.length) {
        f.add('pfs.none', undefined, `${label}: no KE payload, the child SA keys derive from the IKE SA only`, e.visibleFrames, { exchange: label });
      }
    }
    f.out.sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || a.id.localeCompare(b.id) || (a.frames[0] ?? 0) - (b.frames[0] ?? 0));
    out.push({
      ikeSa: s.id,
      version: s.version,
      mode: s.mode,
      ispi: s.ispi,
      rspi: s.rspi,
      initiator: endpoint(s, 'initiator'),
      responder: endpoint(s, 'responder'),
      state: s.state,
      ...(s.rekeyOf !== undefined ? { rekeyOf: s.rekeyOf } : {}),
      ...(chosen ?? chosenRekey ? { chosen: factsSummary((chosen ?? chosenRekey)!) } : {}),
      identities: s.identities,
      findings: f.out,
      notAssessed: f.notAssessed,
    });
  }
  return out;
}
