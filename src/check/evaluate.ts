/**
 * Policy rules evaluated over the capture facts. Each rule gives PASS, FAIL
 * or SKIP with evidence (frames, IKE SA, SPIs, values seen and expected).
 *
 * A fact the capture does not show (an IKEv2 identity or a Quick Mode
 * without keys, an ICV never checked because no key was given) is
 * "unverifiable": the rule FAILs under `unverifiable: fail` (the default:
 * fail closed) and is SKIPped under `unverifiable: skip`. A rule where some
 * fact is violated FAILs either way.
 */
import type { IkeSa, SessionModel } from '../analyze/model.js';
import type { NoteGroup } from '../core/notes.js';
import { algoMatches, algoText, proposalAlgos, type AlgoCategory, type AlgoValue } from './algorithms.js';
import type { CaptureFacts } from './facts.js';
import type { ProposalObs } from '../analyze/observe.js';
import type { AlgoRule, ExpectedSa, Origin, Policy } from './policy.js';

export type Status = 'pass' | 'fail' | 'skip';

export interface Evidence {
  readonly text: string;
  readonly frames?: readonly number[];
  readonly ike_sa?: number;
  readonly spi?: string;
  readonly value?: string;
}

export interface RuleResult {
  /** Stable id: the policy key path (`proposals.ike.encryption`, `ike_sas[0]`, `health.nat_t`). */
  readonly id: string;
  readonly title: string;
  readonly status: Status;
  readonly message: string;
  readonly policy_line: number | null;
  readonly evidence: readonly Evidence[];
}

/** The ids of the notes counted as ICV / AUTH / HASH failures (set by decryption, src/dissect/decrypt-hooks.ts). */
export const AUTH_FAILURE_NOTES: readonly string[] = ['esp.icv.bad', 'ah.icv.bad', 'isakmp.enc.icv.bad', 'isakmp.hash.bad', 'isakmp.auth.bad'];

const UP = new Set(['established', 'deleted', 'rekeyed']);
const KEYS_HINT = 'give --keys or --psk to decrypt';

class Acc {
  readonly evidence: Evidence[] = [];
  failures = 0;
  unknowns = 0;
  checked = 0;
  fail(e: Evidence): void {
    this.failures++;
    this.evidence.push(e);
  }
  unknown(e: Evidence): void {
    this.unknowns++;
    this.evidence.push(e);
  }
  ok(e?: Evidence): void {
    this.checked++;
    if (e) this.evidence.push(e);
  }
}

function result(p: Policy, origin: Origin, title: string, a: Acc, msgs: { pass: string; fail: string; unknown: string }): RuleResult {
  let status: Status;
  let message: string;
  if (a.failures) {
    status = 'fail';
    message = msgs.fail;
  } else if (a.unknowns) {
    status = p.unverifiable === 'fail' ? 'fail' : 'skip';
    message = `${msgs.unknown} (unverifiable: ${p.unverifiable})`;
  } else {
    status = 'pass';
    message = msgs.pass;
  }
  return { id: origin.path, title, status, message, policy_line: origin.line ?? null, evidence: a.evidence };
}

const saName = (s: IkeSa) => `IKE SA #${s.id} (IKEv${s.version}${s.version === 1 ? ` ${s.mode}` : ''} ${s.initiator.addr} → ${s.responder.addr}, SPIs ${s.ispi}/${s.rspi})`;
const saFrames = (s: IkeSa): number[] => [s.first.frame, s.last.frame];

/** When the SA came up: the IKE_AUTH response (IKEv2), the last Main/Aggressive Mode message (IKEv1), or the rekeying CREATE_CHILD_SA. */
function establishedAt(s: IkeSa): { frame: number; t: number } | undefined {
  if (s.rekeyOf !== undefined) return { frame: s.first.frame, t: s.first.t };
  let at: { frame: number; t: number } | undefined;
  for (const e of s.exchanges) {
    if (s.version === 2 && e.exchangeType === 35 && e.response) at = { frame: e.response.time.frame, t: e.response.time.t };
    if (s.version === 1 && (e.exchangeType === 2 || e.exchangeType === 4) && !at) {
      const last = e.messages[e.messages.length - 1];
      if (last) at = { frame: last.time.frame, t: last.time.t };
    }
  }
  return at;
}

function idMatches(seen: string, want: string): boolean {
  const s = seen.trim();
  const w = want.trim();
  if (s === w) return true;
  const i = s.indexOf(': ');
  return i >= 0 && s.slice(i + 2) === w;
}

function expectSa(p: Policy, m: SessionModel, e: ExpectedSa): RuleResult {
  const a = new Acc();
  const wanted: string[] = [];
  if (e.version) wanted.push(`IKEv${e.version}`);
  if (e.mode) wanted.push(`${e.mode} mode`);
  if (e.initiator) wanted.push(`initiator ${e.initiator}`);
  if (e.responder) wanted.push(`responder ${e.responder}`);
  if (e.peers) wanted.push(`peers ${e.peers[0]} ↔ ${e.peers[1]}`);
  if (e.identities?.initiator) wanted.push(`IDi ${e.identities.initiator}`);
  if (e.identities?.responder) wanted.push(`IDr ${e.identities.responder}`);
  if (e.within !== undefined) wanted.push(`up within ${e.within} s`);
  const want = wanted.join(', ') || 'any IKE SA';
  const title = `IKE SA ${e.name ? `"${e.name}" ` : ''}came up (${want})`;

  let matched: { sa: IkeSa; ev: Evidence } | undefined;
  let unverified: { sa: IkeSa; ev: Evidence } | undefined;
  const misses: Evidence[] = [];
  for (const s of m.ikeSas) {
    const bad: string[] = [];
    const unknown: string[] = [];
    if (e.version && s.version !== e.version) bad.push(`version ${s.version}, expected ${e.version}`);
    if (e.mode) {
      const mode = s.mode === 'Main Mode' ? 'main' : s.mode === 'Aggressive Mode' ? 'aggressive' : s.mode;
      if (mode !== e.mode) bad.push(`mode ${s.mode}, expected ${e.mode}`);
    }
    if (e.initiator && s.initiator.addr !== e.initiator) bad.push(`initiator ${s.initiator.addr}, expected ${e.initiator}`);
    if (e.responder && s.responder.addr !== e.responder) bad.push(`responder ${s.responder.addr}, expected ${e.responder}`);
    if (e.peers) {
      const got = [s.initiator.addr, s.responder.addr].sort().join(' ');
      if (got !== [...e.peers].sort().join(' ')) bad.push(`peers ${s.initiator.addr} ↔ ${s.responder.addr}, expected ${e.peers[0]} ↔ ${e.peers[1]}`);
    }
    if (!UP.has(s.state)) bad.push(`state ${s.state} (${s.stateDetail})`);
    for (const side of ['initiator', 'responder'] as const) {
      const w = e.identities?.[side];
      if (!w) continue;
      const seen = s.identities[side];
      if (seen === undefined) unknown.push(`${side} identity not visible (encrypted; ${KEYS_HINT})`);
      else if (!idMatches(seen, w)) bad.push(`${side} identity ${JSON.stringify(seen)}, expected ${JSON.stringify(w)}`);
    }
    const up = establishedAt(s);
    let took = '';
    if (up) took = `, up at frame ${up.frame} after ${(up.t - s.first.t).toFixed(3)} s`;
    if (e.within !== undefined && UP.has(s.state)) {
      if (!up) unknown.push('the message that completed the SA is not identifiable');
      else if (up.t - s.first.t > e.within) bad.push(`came up ${(up.t - s.first.t).toFixed(3)} s after its first message (frame ${s.first.frame} → ${up.frame}), limit ${e.within} s`);
    }
    const frames = up ? [s.first.frame, up.frame] : saFrames(s);
    const ids = [s.identities.initiator, s.identities.responder].some((x) => x !== undefined) ? `, IDs ${s.identities.initiator ?? '?'} / ${s.identities.responder ?? '?'}` : '';
    if (!bad.length && !unknown.length) {
      matched ??= { sa: s, ev: { text: `${saName(s)} ${s.state}${took}${ids}`, ike_sa: s.id, frames } };
    } else if (!bad.length) {
      unverified ??= { sa: s, ev: { text: `${saName(s)}: ${unknown.join('; ')}`, ike_sa: s.id, frames } };
    } else misses.push({ text: `${saName(s)}: ${[...bad, ...unknown].join('; ')}`, ike_sa: s.id, frames });
  }
  if (matched) a.ok(matched.ev);
  else if (unverified) a.unknown(unverified.ev);
  else {
    if (!m.ikeSas.length) a.fail({ text: 'no IKE SA in the capture' });
    else for (const ev of misses.slice(0, 10)) a.fail(ev);
  }
  const e0 = e.origin;
  return result(p, e0, title, a, {
    pass: `IKE SA #${matched?.sa.id} matches`,
    fail: m.ikeSas.length ? `no IKE SA matches (${m.ikeSas.length} seen)` : 'no IKE SA in the capture',
    unknown: `IKE SA #${unverified?.sa.id} matches what is visible`,
  });
}

function checkValues(rule: AlgoRule, values: readonly AlgoValue[]): string[] {
  const why: string[] = [];
  for (const v of values) {
    const f = rule.forbid?.find((s) => algoMatches(s, v));
    if (f) why.push(`${algoText(v)} is forbidden (${f.text})`);
    else if (rule.allow && !rule.allow.some((s) => algoMatches(s, v))) why.push(`${algoText(v)} is not allowed (allowed: ${rule.allow.map((s) => s.text).join(', ')})`);
  }
  return why;
}

const CAT_TITLE: Record<AlgoCategory, string> = { encryption: 'encryption', integrity: 'integrity', prf: 'PRF', dh_group: 'DH group' };

function uniqText(vs: readonly AlgoValue[]): string {
  return [...new Set(vs.map(algoText))].join(', ') || 'none';
}

/**
 * The proposals of an IKE SA: from its own IKE_SA_INIT / Main or Aggressive
 * Mode, or, for an IKEv2 SA made by rekeying (RFC 7296 §1.3.2), from the
 * CREATE_CHILD_SA of the old SA once decrypted (matched by the new SPIs).
 */
function saProposals(s: IkeSa, f: CaptureFacts): { chosen?: { p: ProposalObs; frame?: number }; offered: { p: ProposalObs; frame?: number }[] } {
  const init = s.exchanges[0];
  const offered = s.proposalsOffered.map((p) => ({ p, ...(init?.request ? { frame: init.request.time.frame } : {}) }));
  let chosen = s.proposalChosen ? { p: s.proposalChosen, ...(init?.response ? { frame: init.response.time.frame } : {}) } : undefined;
  if (!chosen && s.version === 2 && s.rekeyOf !== undefined) {
    for (const x of f.childExchanges) {
      for (const p of x.ikeProposals) {
        if (x.response && p.spi === s.rspi) chosen ??= { p, frame: x.frame };
        if (!x.response && p.spi === s.ispi && !s.proposalsOffered.length) offered.push({ p, frame: x.frame });
      }
    }
  }
  return { ...(chosen ? { chosen } : {}), offered };
}

function ikeProposals(p: Policy, f: CaptureFacts, cat: AlgoCategory, rule: AlgoRule, check: 'chosen' | 'offered'): RuleResult {
  const a = new Acc();
  const m = f.model;
  for (const s of m.ikeSas) {
    const values: AlgoValue[] = [];
    const frames: number[] = [];
    const sp = saProposals(s, f);
    if (check === 'offered')
      for (const o of sp.offered) {
        values.push(...proposalAlgos(o.p, s.version)[cat]);
        if (o.frame !== undefined && !frames.includes(o.frame)) frames.push(o.frame);
      }
    if (sp.chosen) {
      values.push(...proposalAlgos(sp.chosen.p, s.version)[cat]);
      if (sp.chosen.frame !== undefined) frames.push(sp.chosen.frame);
    }
    const seen = check === 'offered' ? sp.offered.length > 0 || !!sp.chosen : !!sp.chosen;
    if (!seen) {
      if (UP.has(s.state)) a.unknown({ text: `${saName(s)}: no proposal visible (negotiated in an encrypted exchange; ${KEYS_HINT})`, ike_sa: s.id, frames: [s.first.frame] });
      continue;
    }
    const why = checkValues(rule, values);
    const ev = { ike_sa: s.id, frames, value: uniqText(values) };
    if (why.length) a.fail({ ...ev, text: `${saName(s)} ${check}: ${why.join('; ')}` });
    else a.ok({ ...ev, text: `${saName(s)} ${check}: ${uniqText(values)}` });
  }
  const t = `IKE ${CAT_TITLE[cat]} (${check})`;
  return result(p, rule.origin, t, a, {
    pass: a.checked ? `${a.checked} IKE SA(s) within policy` : 'no IKE SA in the capture',
    fail: `${a.failures} IKE SA(s) violate the policy`,
    unknown: 'some IKE SA proposals are not visible',
  });
}

function childProposals(p: Policy, f: CaptureFacts, cat: AlgoCategory, rule: AlgoRule, check: 'chosen' | 'offered'): RuleResult {
  const a = new Acc();
  const m = f.model;
  for (const x of f.childExchanges) {
    if (check === 'chosen' && !x.response) continue;
    if (!x.proposals.length) continue;
    const sa = m.ikeSas.find((s) => s.ispi === x.ispi);
    const version = sa?.version ?? x.version;
    const values = x.proposals.flatMap((pr) => proposalAlgos(pr, version)[cat]);
    const label = `${x.exchange} MID=${x.messageId} (frame ${x.frame})${sa ? ` of IKE SA #${sa.id}` : ''}`;
    const why = checkValues(rule, values);
    const ev = { frames: [x.frame], value: uniqText(values), ...(sa ? { ike_sa: sa.id } : {}), ...(x.proposals[0]?.spi ? { spi: x.proposals[0].spi } : {}) };
    if (why.length) a.fail({ ...ev, text: `${label} ${check}: ${why.join('; ')}` });
    else a.ok({ ...ev, text: `${label} ${check}: ${uniqText(values)}` });
  }
  if (!a.checked && !a.failures) {
    const hidden = f.childExchanges.filter((x) => x.payloadTypes === undefined);
    if (hidden.length || m.flows.length)
      a.unknown({
        text: `child SA proposals not visible: ${hidden.length} encrypted child SA exchange(s)${hidden.length ? ` (frames ${hidden.slice(0, 10).map((x) => x.frame).join(', ')})` : ''}; ${KEYS_HINT}`,
        frames: hidden.slice(0, 10).map((x) => x.frame),
      });
  }
  return result(p, rule.origin, `Child SA (ESP/AH) ${CAT_TITLE[cat]} (${check})`, a, {
    pass: a.checked ? `${a.checked} child SA proposal(s) within policy` : 'no child SA negotiation in the capture',
    fail: `${a.failures} child SA proposal(s) violate the policy`,
    unknown: 'child SA proposals are encrypted',
  });
}

function flag(p: Policy, origin: Origin, title: string, value: 'allow' | 'forbid', m: SessionModel, bad: (s: IkeSa) => boolean, what: string): RuleResult {
  const a = new Acc();
  const hits = m.ikeSas.filter(bad);
  for (const s of hits) {
    const ev = { text: `${saName(s)} uses ${what}`, ike_sa: s.id, frames: saFrames(s) };
    if (value === 'forbid') a.fail(ev);
    else a.ok(ev);
  }
  if (!hits.length) a.ok({ text: `none of ${m.ikeSas.length} IKE SA(s) uses ${what}` });
  return result(p, origin, title, a, {
    pass: value === 'allow' ? `allowed (${hits.length} IKE SA(s) use ${what})` : `no IKE SA uses ${what}`,
    fail: `${hits.length} IKE SA(s) use ${what}`,
    unknown: '',
  });
}

const KE = { 1: 4, 2: 34 } as const;
const SA_PAYLOAD = { 1: 1, 2: 33 } as const;

function pfs(p: Policy, f: CaptureFacts, origin: Origin): RuleResult {
  const a = new Acc();
  const m = f.model;
  const relevant = f.childExchanges.filter((x) => (x.version === 1 ? x.exchangeType === 32 : x.exchangeType === 36));
  const hidden: number[] = [];
  let withKe = 0;
  for (const x of relevant) {
    const sa = m.ikeSas.find((s) => s.ispi === x.ispi);
    const label = `${x.exchange} MID=${x.messageId} ${x.response ? 'response' : 'request'} (frame ${x.frame})${sa ? ` of IKE SA #${sa.id}` : ''}`;
    const ev = { frames: [x.frame], ...(sa ? { ike_sa: sa.id } : {}) };
    if (!x.payloadTypes) {
      hidden.push(x.frame);
      continue;
    }
    if (!x.payloadTypes.includes(SA_PAYLOAD[x.version])) continue; // no SA offered/accepted in this message (e.g. an error notify)
    if (x.payloadTypes.includes(KE[x.version])) {
      withKe++;
      a.ok({ ...ev, text: `${label}: KE present (PFS)` });
    }
    else a.fail({ ...ev, text: `${label}: SA without KE: no PFS` });
  }
  if (hidden.length) a.unknown({ text: `${hidden.length} encrypted Quick Mode / CREATE_CHILD_SA message(s) (frames ${hidden.slice(0, 10).join(', ')}${hidden.length > 10 ? ', …' : ''}); ${KEYS_HINT}`, frames: hidden.slice(0, 10) });
  if (!relevant.length) {
    const v2 = m.ikeSas.filter((s) => s.version === 2 && UP.has(s.state)).length;
    a.ok({ text: `no Quick Mode or CREATE_CHILD_SA exchange${v2 ? ': the IKEv2 child SAs come from IKE_AUTH, which has no KE of its own (RFC 7296 §1.2)' : ''}` });
  }
  return result(p, origin, 'PFS on every child SA negotiation', a, {
    pass: withKe ? `${withKe} child SA negotiation message(s) with KE` : 'no child SA negotiation that could lack PFS',
    fail: `${a.failures} child SA negotiation(s) without PFS`,
    unknown: 'child SA negotiations are encrypted',
  });
}

function maxCount(p: Policy, origin: Origin, title: string, count: number, max: number, ev: Evidence[], what: string): RuleResult {
  const a = new Acc();
  if (count > max) for (const e of ev) a.fail(e);
  else a.ok(ev.length ? undefined : { text: `0 ${what}` });
  if (count <= max) for (const e of ev) a.evidence.push(e);
  return result(p, origin, title, a, { pass: `${count} ${what} (max ${max})`, fail: `${count} ${what}, more than ${max}`, unknown: '' });
}

function authFailures(p: Policy, f: CaptureFacts, origin: Origin, max: number): RuleResult {
  let n = 0;
  const ev: Evidence[] = [];
  for (const id of AUTH_FAILURE_NOTES) {
    const c = f.notes.get(id);
    if (!c || !c.packets) continue;
    n += c.packets;
    ev.push({ text: `${id}: ${c.packets} packet(s); first: ${c.first.map((x) => `frame ${x.frame} (${x.message})`).join(', ')}`, frames: c.first.map((x) => x.frame), value: id });
  }
  const title = 'No ICV / AUTH / HASH failures';
  if (!f.decryption && n <= max) {
    const a = new Acc();
    a.unknown({ text: `ICVs, AUTH and HASH payloads are checked only with keys (${AUTH_FAILURE_NOTES.join(', ')}); ${KEYS_HINT}` });
    return result(p, origin, title, a, { pass: '', fail: '', unknown: 'not checked without keys' });
  }
  return maxCount(p, origin, title, n, max, ev, 'packet(s) with an ICV/AUTH/HASH failure');
}

function noteMatches(def: { id: string; group: NoteGroup }, mt: { id?: string; group?: NoteGroup }): boolean {
  return mt.id !== undefined ? def.id === mt.id : def.group === mt.group;
}

function forbidNotes(p: Policy, f: CaptureFacts, h: NonNullable<NonNullable<Policy['health']>['forbidNotes']>): RuleResult {
  const a = new Acc();
  for (const mt of h.notes) {
    let any = false;
    for (const c of [...f.notes.values()].sort((x, y) => (x.def.id < y.def.id ? -1 : 1))) {
      if (!c.packets || !noteMatches(c.def, mt)) continue;
      any = true;
      a.fail({ text: `${mt.text}: ${c.def.id} in ${c.packets} packet(s); first: ${c.first.slice(0, 5).map((x) => `frame ${x.frame} (${x.message})`).join(', ')}`, frames: c.first.map((x) => x.frame), value: c.def.id });
    }
    if (!any) a.ok({ text: `${mt.text}: none` });
  }
  return result(p, h.origin, `Forbidden expert notes absent (${h.notes.map((x) => x.text).join(', ')})`, a, {
    pass: 'none of the forbidden notes was raised',
    fail: `${a.failures} forbidden note kind(s) raised`,
    unknown: '',
  });
}

function natT(p: Policy, m: SessionModel, origin: Origin, value: 'allow' | 'forbid' | 'require'): RuleResult {
  const a = new Acc();
  const used: Evidence[] = [];
  for (const s of m.ikeSas) {
    if (s.nattFloatFrame !== undefined || s.keepalives > 0)
      used.push({ text: `${saName(s)}: IKE moved to UDP 4500 at frame ${s.nattFloatFrame ?? '?'}, ${s.keepalives} keepalive(s); NAT-D: ${s.nat.verdict}`, ike_sa: s.id, ...(s.nattFloatFrame !== undefined ? { frames: [s.nattFloatFrame] } : {}) });
  }
  for (const fl of m.flows)
    if (fl.encapsulation === 'ESP-in-UDP') used.push({ text: `ESP-in-UDP SPI 0x${fl.spi} ${fl.src}:${fl.sport ?? '?'} → ${fl.dst}:${fl.dport ?? '?'} (${fl.packets} packets)`, spi: fl.spi, frames: [fl.first.frame], ...(fl.ikeSa !== undefined ? { ike_sa: fl.ikeSa } : {}) });
  if (value === 'forbid') for (const e of used) a.fail(e);
  else if (value === 'require' && !used.length) a.fail({ text: 'no NAT-T: IKE never moved to UDP 4500 and no ESP-in-UDP' });
  else for (const e of used) a.ok(e);
  if (!used.length && value !== 'require') a.ok({ text: `no NAT-T (${m.ikeSas.map((s) => `IKE SA #${s.id} NAT-D: ${s.nat.verdict}`).join('; ') || 'no IKE SA'})` });
  const title = value === 'forbid' ? 'No NAT-T (UDP encapsulation)' : value === 'require' ? 'NAT-T (UDP encapsulation) used' : 'NAT-T allowed';
  return result(p, origin, title, a, {
    pass: used.length ? `NAT-T used (${used.length} item(s))` : 'no NAT-T',
    fail: value === 'forbid' ? `NAT-T used (${used.length} item(s)) but not expected` : 'NAT-T expected but not used',
    unknown: '',
  });
}

function retransmissions(p: Policy, m: SessionModel, origin: Origin, max: number): RuleResult {
  const a = new Acc();
  for (const s of m.ikeSas) {
    const frames = s.exchanges.flatMap((e) => e.messages.filter((x) => x.retransmission).map((x) => x.time.frame));
    const ev = { text: `${saName(s)}: ${s.retransmissions} retransmission(s)${frames.length ? ` (frames ${frames.slice(0, 10).join(', ')}${frames.length > 10 ? ', …' : ''})` : ''}`, ike_sa: s.id, frames: frames.slice(0, 10), value: String(s.retransmissions) };
    if (s.retransmissions > max) a.fail(ev);
    else a.ok(ev);
  }
  if (!m.ikeSas.length) a.ok({ text: 'no IKE SA in the capture' });
  return result(p, origin, `IKE retransmissions at most ${max} per IKE SA`, a, {
    pass: `every IKE SA within ${max} retransmission(s)`,
    fail: `${a.failures} IKE SA(s) with more than ${max} retransmissions`,
    unknown: '',
  });
}

function traffic(p: Policy, m: SessionModel, t: NonNullable<Policy['traffic']>): RuleResult {
  const a = new Acc();
  const n = t.minPackets;
  const want = (proto: string) => t.protocol === 'any' || (/ESP/i.test(proto) ? 'ESP' : /AH/i.test(proto) ? 'AH' : proto) === t.protocol;
  const dirs = (flows: readonly SessionModel['flows'][number][], label: string, ev: Omit<Evidence, 'text'>, ends?: [string, string]) => {
    const by = new Map<string, number>();
    for (const f of flows) by.set(`${f.src} → ${f.dst}`, (by.get(`${f.src} → ${f.dst}`) ?? 0) + f.packets);
    if (ends) for (const k of [`${ends[0]} → ${ends[1]}`, `${ends[1]} → ${ends[0]}`]) if (!by.has(k)) by.set(k, 0);
    while (by.size < 2) by.set(`(reverse direction ${by.size})`, 0);
    const parts = [...by].map(([k, v]) => `${k}: ${v}`);
    const spis = flows.map((f) => `0x${f.spi}`).join(' ');
    const text = `${label} ${spis ? `SPI ${spis} ` : ''}— ${parts.join(', ')} packet(s)`;
    const frames = flows.map((f) => f.first.frame);
    if ([...by.values()].some((v) => v < n)) a.fail({ ...ev, frames, text: `${text}; fewer than ${n} one way` });
    else a.ok({ ...ev, frames, text });
  };
  for (const s of m.ikeSas) {
    if (!UP.has(s.state)) continue;
    const kids = s.childSas.map((c, i) => ({ c, i })).filter(({ c }) => want(c.protocol));
    if (!kids.length) {
      if (s.rekeyOf === undefined) a.fail({ text: `${saName(s)} came up but no ${t.protocol === 'any' ? 'ESP/AH' : t.protocol} SA carried traffic`, ike_sa: s.id, frames: saFrames(s) });
      continue;
    }
    // One negotiated pair: child SAs read from the SA payloads of one exchange (one per SPI, each direction), or one inferred from traffic.
    const groups = new Map<string, { protocol: string; idx: number[] }>();
    for (const { c, i } of kids) {
      const k = c.source === 'payload' && c.exchange ? `${c.protocol} ${c.exchange}` : `#${i}`;
      const g = groups.get(k) ?? { protocol: c.protocol, idx: [] };
      g.idx.push(i);
      groups.set(k, g);
    }
    for (const g of groups.values()) {
      const flows = m.flows.filter((f) => f.ikeSa === s.id && f.childSa !== undefined && g.idx.includes(f.childSa));
      const spi = s.childSas[g.idx[0]!]!.spis[0];
      dirs(flows, `${saName(s)} child SA #${g.idx.join('/#')} ${g.protocol}`, { ike_sa: s.id, ...(spi ? { spi } : {}) }, [s.initiator.addr, s.responder.addr]);
    }
  }
  if (!m.ikeSas.length) {
    const flows = m.flows.filter((f) => want(f.protocol));
    if (!flows.length) a.fail({ text: `no IKE SA and no ${t.protocol === 'any' ? 'ESP/AH' : t.protocol} traffic in the capture` });
    const pairs = new Map<string, typeof flows>();
    for (const f of flows) {
      const k = [f.src, f.dst].sort().join(' ↔ ');
      pairs.set(k, [...(pairs.get(k) ?? []), f]);
    }
    for (const [k, fs] of pairs) dirs(fs, `${fs[0]!.protocol} between ${k} (no IKE SA seen)`, {});
  }
  if (!a.checked && !a.failures) a.fail({ text: 'no IKE SA came up' });
  return result(p, t.origin, `${t.protocol === 'any' ? 'ESP/AH' : t.protocol} traffic: at least ${n} packet(s) each way on every negotiated SA`, a, {
    pass: `${a.checked} SA pair(s) carried at least ${n} packet(s) each way`,
    fail: `${a.failures} SA pair(s) without enough traffic`,
    unknown: '',
  });
}

/** Every rule of the policy, in the order of the policy file's sections. */
export function evaluate(p: Policy, f: CaptureFacts): RuleResult[] {
  const m = f.model;
  const out: RuleResult[] = [];
  for (const e of p.ikeSas) out.push(expectSa(p, m, e));
  const P = p.proposals;
  if (P) {
    for (const cat of ['encryption', 'integrity', 'prf', 'dh_group'] as const) {
      const r = P.ike[cat];
      if (r) out.push(ikeProposals(p, f, cat, r, P.check));
    }
    for (const cat of ['encryption', 'integrity', 'dh_group'] as const) {
      const r = P.child[cat];
      if (r) out.push(childProposals(p, f, cat, r, P.check));
    }
    if (P.aggressiveMode) out.push(flag(p, P.aggressiveMode.origin, `Aggressive Mode ${P.aggressiveMode.value === 'forbid' ? 'not used' : 'allowed'}`, P.aggressiveMode.value, m, (s) => s.mode === 'Aggressive Mode', 'IKEv1 Aggressive Mode'));
    if (P.ikev1) out.push(flag(p, P.ikev1.origin, `IKEv1 ${P.ikev1.value === 'forbid' ? 'not used' : 'allowed'}`, P.ikev1.value, m, (s) => s.version === 1, 'IKEv1'));
    if (P.pfs?.value === 'required') out.push(pfs(p, f, P.pfs.origin));
  }
  const H = p.health;
  if (H) {
    if (H.authFailures) out.push(authFailures(p, f, H.authFailures.origin, H.authFailures.max));
    if (H.malformed) {
      const mf = f.malformed;
      const ev = mf.first.map((x) => ({ text: `frame ${x.frame}: ${x.id}: ${x.message}`, frames: [x.frame], value: x.id }));
      out.push(maxCount(p, H.malformed.origin, `Malformed packets at most ${H.malformed.max}`, mf.packets, H.malformed.max, ev, 'malformed packet(s)'));
    }
    if (H.retransmissions) out.push(retransmissions(p, m, H.retransmissions.origin, H.retransmissions.max));
    if (H.natT) out.push(natT(p, m, H.natT.origin, H.natT.value));
    if (H.forbidNotes) out.push(forbidNotes(p, f, H.forbidNotes));
  }
  if (p.traffic) out.push(traffic(p, m, p.traffic));
  return out;
}
