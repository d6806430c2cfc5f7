/**
 * Text and JSON renderings of the session model (`-z ike,sessions`, `-z esp,sas`).
 *
 * JSON shape (stable; new keys may be added, none renamed). Byte values are
 * lower-case hex strings; times are `{ "frame": N, "time": "<epoch seconds
 * with 9 decimals>" }` like the per-packet JSON `time`:
 *
 *   {
 *     "ike_sas": [{
 *       "id": 0, "version": 2, "mode": "IKEv2" | "Main Mode" | "Aggressive Mode" | …,
 *       "ispi": "hex16", "rspi": "hex16",
 *       "initiator": { "addr": "10.99.1.1", "ports": [500, 4500] }, "responder": { … },
 *       "natt_float_frame": 5 | null, "keepalives": 0,
 *       "offered": ["AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", …], "chosen": "…" | null,
 *       "proposals_offered": [Proposal], "proposal_chosen": Proposal | null,
 *       "identities": { "initiator": "FQDN: host" | null, "responder": … },
 *       "auth_method": "…" | null, "dh_group": "…" | null,
 *       "state": "established" | "failed" | "incomplete" | "deleted" | "rekeyed", "state_detail": "…",
 *       "first": Time, "last": Time, "messages": 6, "retransmissions": 0, "exchanges_dropped": 0,
 *       "exchanges": [{ "name": "IKE_SA_INIT", "exchange_type": 34, "message_id": 0, "requester": "initiator",
 *                       "request": Message | null, "response": Message | null, "messages": [Message], "retransmissions": 0 }],
 *       "child_sas": [{ "protocol": "ESP", "spis": ["hex8"], "exchange": "IKE_AUTH MID=1" | null, "source": "payload" | "traffic", "replaces": 0 | null }],
 *       "rekey_of": 0 | null, "rekeyed_by": 1 | null, "rekey_inferred": true | null,
 *       "deletes": [{ "frame": 25, "protocol": "…" | null, "spis": ["hex"] }], "notifies": [{ "frame": 3, "name": "…" }],
 *       "nat": { "verdict": "no NAT" | "initiator behind NAT" | "responder behind NAT" | "both" | "faked (NAT-D forced)" | "no NAT-D",
 *                "initiator": "ok" | "behind NAT" | "faked" | "unknown", "responder": …, "reasons": ["…"],
 *                "checks": [{ "frame": 3, "sent_by": "initiator", "kind": "source" | "destination", "about": "initiator",
 *                             "endpoint": "10.99.1.1:500", "match": true, "hash": "SHA1", "fake": "…" | null }] }
 *     }],
 *     "flows": [Flow]
 *   }
 *   Message  = { "frame", "time", "from": "initiator" | "responder", "src": "ip:port", "dst": "ip:port", "response": bool,
 *                "label": "HDR, SA, KE, Ni, …", "encrypted": bool, "retransmission": bool, "retry": bool, "fragment": "1/3" | null }
 *   Proposal = { "number": 1 | null, "protocol": "…" | null, "spi": "hex" | null,
 *                "transforms": [{ "type": 1 | null, "type_name", "id", "name", "key_length", "attrs": { "<attr id suffix>": { "value", "name" } } }] }
 *   Flow     = { "protocol": "ESP" | "AH", "spi": "hex8", "src", "dst", "encapsulation": "ESP" | "ESP-in-UDP" | "ESP-in-TCP" | "AH",
 *                "sport": 4500 | null, "dport": 4500 | null, "packets", "bytes", "first": Time, "last": Time,
 *                "seq_min": 1 | null, "seq_max": 6 | null, "gaps", "duplicates", "late",
 *                "ike_sa": 0 | null, "link": "spi" | "peers" | "none", "child_sa": 0 | null }
 *
 * `-z esp,sas` prints `{ "flows": [Flow] }`.
 *
 * Each document starts with a `"schema"` id: `"espy.sessions/1"` (ike,sessions)
 * or `"espy.esp-sas/1"` (esp,sas), specified by schema/espy-sessions.schema.json
 * and schema/espy-esp-sas.schema.json (JSON Schema 2020-12, checked by
 * test/json-schema.test.ts).
 */
import type { PacketTime, ProposalObs } from './observe.js';
import type { Flow, IkeMessage, IkeSa, SessionModel } from './model.js';

const time = (t: PacketTime) => ({ frame: t.frame, time: t.epoch });
const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function messageJson(m: IkeMessage | undefined) {
  if (!m) return null;
  return {
    ...time(m.time),
    from: m.from,
    src: m.src,
    dst: m.dst,
    response: m.response,
    label: m.label,
    encrypted: m.encrypted,
    retransmission: m.retransmission,
    retry: m.retry,
    fragment: orNull(m.fragment),
  };
}

function proposalJson(p: ProposalObs | undefined) {
  if (!p) return null;
  return {
    number: orNull(p.number),
    protocol: orNull(p.protocol),
    spi: orNull(p.spi),
    transforms: p.transforms.map((t) => ({ type: orNull(t.type), type_name: orNull(t.typeName), id: orNull(t.id), name: orNull(t.name), key_length: orNull(t.keyLength), attrs: t.attrs })),
  };
}

export function flowJson(f: Flow) {
  return {
    protocol: f.protocol,
    spi: f.spi,
    src: f.src,
    dst: f.dst,
    encapsulation: f.encapsulation,
    sport: orNull(f.sport),
    dport: orNull(f.dport),
    packets: f.packets,
    bytes: f.bytes,
    first: time(f.first),
    last: time(f.last),
    seq_min: orNull(f.seqMin),
    seq_max: orNull(f.seqMax),
    gaps: f.gaps,
    duplicates: f.duplicates,
    late: f.late,
    ike_sa: orNull(f.ikeSa),
    link: f.link,
    child_sa: orNull(f.childSa),
  };
}

export function ikeSaJson(s: IkeSa) {
  return {
    id: s.id,
    version: s.version,
    mode: s.mode,
    ispi: s.ispi,
    rspi: s.rspi,
    initiator: s.initiator,
    responder: s.responder,
    natt_float_frame: orNull(s.nattFloatFrame),
    keepalives: s.keepalives,
    offered: s.offered,
    chosen: orNull(s.chosen),
    proposals_offered: s.proposalsOffered.map(proposalJson),
    proposal_chosen: proposalJson(s.proposalChosen),
    identities: { initiator: orNull(s.identities.initiator), responder: orNull(s.identities.responder) },
    auth_method: orNull(s.authMethod),
    dh_group: orNull(s.dhGroup),
    state: s.state,
    state_detail: s.stateDetail,
    first: time(s.first),
    last: time(s.last),
    messages: s.messages,
    retransmissions: s.retransmissions,
    exchanges_dropped: s.exchangesDropped,
    exchanges: s.exchanges.map((e) => ({
      name: e.name,
      exchange_type: e.exchangeType,
      message_id: e.messageId,
      requester: e.requester,
      request: messageJson(e.request),
      response: messageJson(e.response),
      messages: e.messages.map(messageJson),
      retransmissions: e.retransmissions,
    })),
    child_sas: s.childSas.map((c) => ({ protocol: c.protocol, spis: c.spis, exchange: orNull(c.exchange), source: c.source, replaces: orNull(c.replaces) })),
    rekey_of: orNull(s.rekeyOf),
    rekeyed_by: orNull(s.rekeyedBy),
    rekey_inferred: orNull(s.rekeyInferred),
    deletes: s.deletes.map((d) => ({ frame: d.frame, protocol: orNull(d.protocol), spis: d.spis })),
    notifies: s.notifies,
    nat: {
      verdict: s.nat.verdict,
      initiator: s.nat.initiator,
      responder: s.nat.responder,
      reasons: s.nat.reasons,
      checks: s.nat.checks.map((c) => ({ frame: c.frame, sent_by: c.sentBy, kind: c.kind, about: c.about, endpoint: c.endpoint, match: c.match, hash: c.hash, fake: orNull(c.fake) })),
    },
  };
}

export const SESSIONS_SCHEMA = 'espy.sessions/1';
export const ESP_SAS_SCHEMA = 'espy.esp-sas/1';

export function sessionsJson(m: SessionModel): string {
  return JSON.stringify({ schema: SESSIONS_SCHEMA, ike_sas: m.ikeSas.map(ikeSaJson), flows: m.flows.map(flowJson) }, null, 1) + '\n';
}

export function espSasJson(m: SessionModel): string {
  return JSON.stringify({ schema: ESP_SAS_SCHEMA, flows: m.flows.map(flowJson) }, null, 1) + '\n';
}

// ---------------------------------------------------------------- text

const RULE = '='.repeat(78);

function span(a: PacketTime, b: PacketTime): string {
  return `frames ${a.frame}–${b.frame}, ${a.epoch} – ${b.epoch} (${(b.t - a.t).toFixed(6)} s)`;
}

function mid(n: number, version: 1 | 2): string {
  return version === 2 ? String(n) : `0x${n.toString(16).padStart(8, '0')}`;
}

export function flowLine(f: Flow): string {
  const ends = f.sport !== undefined ? `${f.src}:${f.sport} → ${f.dst}:${f.dport}` : `${f.src} → ${f.dst}`;
  const seq = f.seqMin !== undefined ? ` seq ${f.seqMin}–${f.seqMax}` : '';
  const issues = [f.gaps ? `${f.gaps} missing` : '', f.duplicates ? `${f.duplicates} duplicate` : '', f.late ? `${f.late} late` : ''].filter(Boolean).join(', ');
  return `${f.encapsulation} SPI 0x${f.spi} ${ends}  ${f.packets} pkts ${f.bytes} bytes${seq}${issues ? ` (${issues})` : ''}`;
}

function saBlock(s: IkeSa, flows: readonly Flow[]): string[] {
  const L: string[] = [];
  const ver = s.version === 2 ? 'IKEv2' : `IKEv1 ${s.mode}`;
  L.push(`IKE SA #${s.id}  ${ver}  ${s.ispi}/${s.rspi}  ${s.state}`);
  const id = (x?: string) => (x ? `  id ${x}` : '');
  L.push(`  initiator   ${s.initiator.addr} port ${s.initiator.ports.join(',') || '?'}${id(s.identities.initiator)}`);
  L.push(`  responder   ${s.responder.addr} port ${s.responder.ports.join(',') || '?'}${id(s.identities.responder)}`);
  if (s.nattFloatFrame !== undefined || s.keepalives) L.push(`  NAT-T       ${s.nattFloatFrame !== undefined ? `float to 4500 at frame ${s.nattFloatFrame}` : 'no float'}; ${s.keepalives} keepalive(s)`);
  L.push(`  NAT-D       ${s.nat.verdict}${s.nat.checks.length ? ` (initiator: ${s.nat.initiator}, responder: ${s.nat.responder}; ${s.nat.checks.filter((c) => c.match).length}/${s.nat.checks.length} hashes match)` : ''}`);
  for (const r of s.nat.reasons) L.push(`              ${r}`);
  if (s.offered.length) L.push(`  offered     ${s.offered.join('  ||  ')}`);
  L.push(`  chosen      ${s.chosen ?? '(not visible)'}`);
  if (s.dhGroup) L.push(`  DH group    ${s.dhGroup}`);
  if (s.authMethod) L.push(`  auth        ${s.authMethod}`);
  L.push(`  state       ${s.state}: ${s.stateDetail}`);
  if (s.rekeyOf !== undefined) L.push(`  rekey of    IKE SA #${s.rekeyOf}${s.rekeyInferred ? ' (inferred)' : ''}`);
  L.push(`  time        ${span(s.first, s.last)}; ${s.messages} messages, ${s.retransmissions} retransmission(s)`);
  L.push('  exchanges');
  for (const e of s.exchanges) {
    const dir = e.requester === 'initiator' ? 'i→r' : 'r→i';
    const req = e.request ? String(e.request.time.frame) : '-';
    const resp = e.response ? String(e.response.time.frame) : 'no response';
    const rt = e.retransmissions ? `  ${e.retransmissions} retransmission(s)` : '';
    const frags = e.messages.some((m) => m.fragment) ? `  ${e.messages.length} fragments/messages` : '';
    L.push(`    ${e.name.padEnd(32)} MID=${mid(e.messageId, s.version).padEnd(10)} ${dir}  frames ${req} → ${resp}${rt}${frags}`);
  }
  if (s.exchangesDropped) L.push(`    … ${s.exchangesDropped} more exchanges not kept`);
  if (s.childSas.length) {
    L.push('  child SAs');
    s.childSas.forEach((c, i) => {
      const how = c.source === 'payload' ? 'from the SA payload' : 'inferred from traffic';
      const rep = c.replaces !== undefined ? `, replaces child #${c.replaces} (rekey, inferred)` : '';
      L.push(`    #${i} ${c.protocol} ${c.spis.map((x) => `0x${x}`).join(' ')}  ${c.exchange ?? '(before any exchange seen)'}, ${how}${rep}`);
    });
  }
  for (const d of s.deletes) L.push(`  delete      frame ${d.frame} ${d.protocol ?? ''} ${d.spis.join(' ')}`);
  const mine = flows.filter((f) => f.ikeSa === s.id);
  if (mine.length) {
    L.push('  flows');
    for (const f of mine) L.push(`    ${flowLine(f)}${f.link === 'peers' ? '  [linked by peers]' : ''}`);
  }
  return L;
}

export function sessionsText(m: SessionModel): string {
  const L: string[] = [RULE, 'IKE sessions', RULE];
  if (!m.ikeSas.length) L.push('No IKE SAs.');
  for (const s of m.ikeSas) {
    L.push(...saBlock(s, m.flows));
    L.push('');
  }
  const orphans = m.flows.filter((f) => f.ikeSa === undefined);
  if (orphans.length) {
    L.push('Flows without a known IKE SA');
    for (const f of orphans) L.push(`  ${flowLine(f)}`);
  }
  L.push(RULE);
  return L.join('\n') + '\n';
}

export function espSasText(m: SessionModel): string {
  const L: string[] = [RULE, 'ESP/AH SAs (by protocol, SPI, destination)', RULE];
  const head = ['Proto', 'SPI', 'Source', 'Destination', 'Encap', 'Packets', 'Bytes', 'First', 'Last', 'Seq', 'Missing', 'Dup', 'Late', 'IKE SA'];
  const rows = m.flows.map((f) => [
    f.protocol,
    `0x${f.spi}`,
    f.sport !== undefined ? `${f.src}:${f.sport}` : f.src,
    f.dport !== undefined ? `${f.dst}:${f.dport}` : f.dst,
    f.encapsulation,
    String(f.packets),
    String(f.bytes),
    String(f.first.frame),
    String(f.last.frame),
    f.seqMin !== undefined ? `${f.seqMin}-${f.seqMax}` : '-',
    String(f.gaps),
    String(f.duplicates),
    String(f.late),
    f.ikeSa === undefined ? '-' : `#${f.ikeSa}${f.link === 'peers' ? '?' : ''}`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  L.push(fmt(head));
  for (const r of rows) L.push(fmt(r));
  if (!rows.length) L.push('No ESP or AH packets.');
  L.push('(First/Last are frame numbers; "#n?" = IKE SA linked by the peers\' addresses only)');
  L.push(RULE);
  return L.join('\n') + '\n';
}
