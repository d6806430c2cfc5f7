/**
 * `espy check`: policies evaluated over the real fixture captures, through the
 * CLI, with the exit codes (0 pass, 1 usage/policy error, 2 a rule failed,
 * 3 bad capture). Every rule kind is exercised passing and failing; the
 * expected outcomes come from the fixtures' own facts (CASES.json, written by
 * the capture generator from the daemons' configuration, and espy's
 * `-z ike,sessions` / `-z esp,sas` JSON), not from copied check output.
 * Also: policy validation errors (file, line, key path, value), the JSON
 * report against schema/check.schema.json (ajv), and JUnit XML parsed by a
 * strict well-formedness checker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { espy, GENERATED, MALFORMED, ROOT } from './helpers.js';
import { parsePolicy } from '../src/check/policy.js';
import { gatherFacts, type CaptureFacts, type CheckEngine } from '../src/check/facts.js';
import { evaluate } from '../src/check/evaluate.js';
import { checkJson } from '../src/check/render.js';
import { espSasJson, sessionsJson } from '../src/analyze/report.js';

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;

type Obj = Record<string, any>;

const EXAMPLE = join(ROOT, 'examples/policy.yaml');
const TMP = mkdtempSync(join(tmpdir(), 'espy-check-'));
const cap = (c: string, f = 'capture.pcap') => join(GENERATED, c, f);
const HAVE_KEYS = existsSync(join(ROOT, 'dist/src/decrypt/keys/index.js'));

interface Case {
  case: string;
  ike_version: number;
  aggressive: boolean;
  ike_sas: { encr: string; encr_keysize: number | null; dh: string; integ: string | null; prf: string }[];
  addresses: { initiator: string; responder: string };
  id_initiator?: string;
  id_responder?: string;
  captures: string[];
}
const CASES = (JSON.parse(readFileSync(join(GENERATED, 'CASES.json'), 'utf8')) as { cases: Case[] }).cases;
const caseOf = (name: string) => CASES.find((c) => c.case === name)!;

let n = 0;
function policy(text: string, ext = 'yaml'): string {
  const f = join(TMP, `p${n++}.${ext}`);
  writeFileSync(f, text);
  return f;
}

function check(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = espy(['check', ...args]);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The JSON report of a check run through the CLI (whatever its exit code). */
function report(file: string, pol: string, extra: string[] = []): { status: number | null; doc: Obj } {
  const r = check(['-r', file, '--policy', pol, '-T', 'json', ...extra]);
  assert.ok(r.stdout.startsWith('{'), `JSON report expected, got: ${r.stdout.slice(0, 200)} ${r.stderr}`);
  return { status: r.status, doc: JSON.parse(r.stdout) as Obj };
}

/*
 * Most rules are evaluated in-process (the same parsePolicy → gatherFacts →
 * evaluate → checkJson path the CLI takes, facts read once per capture) so
 * that hundreds of policy/capture pairs run in seconds; the CLI tests below
 * cover the exit codes and output formats end to end.
 */
const factsCache = new Map<string, Promise<CaptureFacts>>();
function facts(file: string): Promise<CaptureFacts> {
  let f = factsCache.get(file);
  if (!f) factsCache.set(file, (f = gatherFacts(file)));
  return f;
}

async function engine(keys: string[]): Promise<CheckEngine> {
  const d = (await import('../src/cli/decrypt-options.js')) as { engineFromArgs(a: Record<string, unknown>): CheckEngine | undefined };
  return d.engineFromArgs({ keys })!;
}

async function evalDoc(file: string, yaml: string, keys?: string[]): Promise<Obj> {
  const pol = parsePolicy(yaml, 'policy.yaml');
  const f = keys ? await gatherFacts(file, await engine(keys)) : await facts(file);
  return JSON.parse(checkJson({ policy: pol, facts: f, rules: evaluate(pol, f) })) as Obj;
}

function rule(doc: Obj, id: string): Obj {
  const r = (doc.rules as Obj[]).find((x) => x.id === id);
  assert.ok(r, `rule ${id} in ${JSON.stringify((doc.rules as Obj[]).map((x) => x.id))}`);
  return r;
}

/** Evaluate a policy; assert one rule's status (and that the overall result follows from the rules). */
async function expectRule(file: string, yaml: string, id: string, status: 'pass' | 'fail' | 'skip', keys?: string[]): Promise<Obj> {
  const doc = await evalDoc(file, yaml, keys);
  const r = rule(doc, id);
  assert.equal(r.status, status, `${id} on ${file}: ${r.message}\n${JSON.stringify(r.evidence, null, 1)}`);
  assert.equal(doc.result, (doc.rules as Obj[]).some((x) => x.status === 'fail') ? 'fail' : 'pass');
  return r;
}

async function sessions(file: string): Promise<Obj> {
  return JSON.parse(sessionsJson((await facts(file)).model)) as Obj;
}

async function espSas(file: string): Promise<Obj[]> {
  return (JSON.parse(espSasJson((await facts(file)).model)) as Obj).flows as Obj[];
}

// ---------------------------------------------------------------- the worked example (docs/policy.md)

test('examples/policy.yaml passes on the good fixture (exit 0) and fails on 3DES and Aggressive Mode captures (exit 2)', async () => {
  const good = check(['-r', cap('uml-sw-ikev2-esp-tunnel'), '--policy', EXAMPLE]);
  assert.equal(good.status, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /^Result: PASS/m);
  assert.doesNotMatch(good.stdout, /^FAIL/m);

  const tdes = check(['-r', cap('sw-ikev2-psk-3des-modp1024'), '--policy', EXAMPLE]);
  assert.equal(tdes.status, 2);
  assert.match(tdes.stdout, /^FAIL {2}proposals\.ike\.encryption: .*\n.*\n {8}- IKE SA #0 .*3DES is forbidden/m);
  assert.match(tdes.stdout, /^Result: FAIL/m);

  const aggr = check(['-r', cap('uml-lsw-sw-ikev1-aggr-psk-weak'), '--policy', EXAMPLE]);
  assert.equal(aggr.status, 2);
  assert.match(aggr.stdout, /^FAIL {2}proposals\.aggressive_mode: /m);
});

test('the example policy against every fixture: encryption, Aggressive Mode and IKEv1 verdicts follow CASES.json', async () => {
  for (const c of CASES) {
    const f = cap(c.case, c.captures[0]);
    const doc = await evalDoc(f, readFileSync(EXAMPLE, 'utf8'));
    const tdes = c.ike_sas.some((s) => /3DES/.test(s.encr));
    // An IKE SA made by an encrypted rekey shows no proposal without keys: SKIP under the example's `unverifiable: skip`.
    const hidden = ((await sessions(f)).ike_sas as Obj[]).some((s) => s.chosen === null);
    assert.equal(rule(doc, 'proposals.ike.encryption').status, tdes ? 'fail' : hidden ? 'skip' : 'pass', `${c.case} encryption (${c.ike_sas.map((s) => s.encr)})`);
    assert.equal(rule(doc, 'proposals.aggressive_mode').status, c.aggressive ? 'fail' : 'pass', `${c.case} aggressive`);
    assert.equal(rule(doc, 'proposals.ikev1').status, c.ike_version === 1 ? 'fail' : 'pass', `${c.case} ikev1`);
    if (tdes || c.aggressive) assert.equal(doc.result, 'fail', `${c.case} must fail`);
  }
});

// ---------------------------------------------------------------- expected IKE SAs

test('ike_sas: version, peers, identities, mode and time, each both ways', async () => {
  const tun = cap('uml-sw-ikev2-esp-tunnel');
  const c = caseOf('uml-sw-ikev2-esp-tunnel');
  const { initiator: i, responder: r } = c.addresses;
  await expectRule(tun, `version: 1\nike_sas:\n  - {version: 2, initiator: ${i}, responder: ${r}}\n`, 'ike_sas[0]', 'pass');
  await expectRule(tun, `version: 1\nike_sas:\n  - {version: 1}\n`, 'ike_sas[0]', 'fail');
  await expectRule(tun, `version: 1\nike_sas:\n  - {initiator: ${r}, responder: ${i}}\n`, 'ike_sas[0]', 'fail');
  await expectRule(tun, `version: 1\nike_sas:\n  - {peers: [${r}, ${i}]}\n`, 'ike_sas[0]', 'pass');
  await expectRule(tun, `version: 1\nike_sas:\n  - {peers: [${r}, 192.0.2.9]}\n`, 'ike_sas[0]', 'fail');

  // Time to come up, measured from the SA's own messages in the -z ike,sessions JSON.
  const sa = (await sessions(tun)).ike_sas[0] as Obj;
  const auth = (sa.exchanges as Obj[]).find((e) => e.name === 'IKE_AUTH')!;
  const took = Number(auth.response.time) - Number(sa.first.time);
  await expectRule(tun, `version: 1\nike_sas:\n  - {within: ${(took + 0.01).toFixed(3)}}\n`, 'ike_sas[0]', 'pass');
  const slow = await expectRule(tun, `version: 1\nike_sas:\n  - {within: ${(took / 2).toFixed(4)}}\n`, 'ike_sas[0]', 'fail');
  assert.match(slow.evidence[0].text, /came up .* s after its first message/);
  assert.deepEqual(slow.evidence[0].frames, [sa.first.frame, auth.response.frame]);

  // Identities: visible in Aggressive Mode (the values CASES.json records from the daemons' config).
  const am = caseOf('uml-lsw-sw-ikev1-aggr-psk-weak');
  const amf = cap(am.case);
  await expectRule(amf, `version: 1\nike_sas:\n  - {version: 1, mode: aggressive, identities: {initiator: ${am.id_initiator}, responder: "FQDN: ${am.id_responder}"}}\n`, 'ike_sas[0]', 'pass');
  await expectRule(amf, `version: 1\nike_sas:\n  - {identities: {initiator: someone.else.test}}\n`, 'ike_sas[0]', 'fail');
  await expectRule(amf, `version: 1\nike_sas:\n  - {mode: main}\n`, 'ike_sas[0]', 'fail');
  await expectRule(cap('uml-sw-ikev1-main-esp-tunnel'), `version: 1\nike_sas:\n  - {mode: main}\n`, 'ike_sas[0]', 'pass');

  // IKEv2 identities are encrypted: unverifiable → FAIL by default, SKIP (exit 0) with unverifiable: skip.
  const hidden = await expectRule(tun, `version: 1\nike_sas:\n  - {identities: {initiator: x.test}}\n`, 'ike_sas[0]', 'fail');
  assert.match(hidden.message, /unverifiable: fail/);
  assert.match(hidden.evidence[0].text, /identity not visible/);
  await expectRule(tun, `version: 1\nunverifiable: skip\nike_sas:\n  - {identities: {initiator: x.test}}\n`, 'ike_sas[0]', 'skip');

  // A capture without IKE.
  const none = await expectRule(join(MALFORMED, 'raw-ipv4-esp.pcap'), `version: 1\nike_sas:\n  - {}\n`, 'ike_sas[0]', 'fail');
  assert.equal(none.evidence[0].text, 'no IKE SA in the capture');
});

// ---------------------------------------------------------------- proposals

test('proposals.ike: encryption (with key length), integrity, prf, DH group by name and number, both ways', async () => {
  for (const c of CASES) {
    const f = cap(c.case, c.captures[0]);
    const s = c.ike_sas[0];
    if (!s) continue; // no key log for this case: CASES.json has no IKE SA facts
    // An IKE SA made by an encrypted rekey shows no proposal without keys (SKIP under `unverifiable: skip`).
    const ok = ((await sessions(f)).ike_sas as Obj[]).some((x) => x.chosen === null) ? 'skip' : 'pass';
    // The policy names exactly what CASES.json says was negotiated: must pass; forbidding it: must fail.
    const enc = s.encr_keysize ? `${s.encr}-${s.encr_keysize}` : s.encr;
    await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    encryption: [${enc}]\n`, 'proposals.ike.encryption', ok);
    await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    encryption: {forbid: [${enc}]}\n`, 'proposals.ike.encryption', 'fail');
    await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    dh_group: {allow: [${s.dh}]}\n`, 'proposals.ike.dh_group', ok);
    await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    dh_group: {forbid: [${s.dh}]}\n`, 'proposals.ike.dh_group', 'fail');
    await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    prf: [${s.prf}]\n`, 'proposals.ike.prf', ok);
    await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    prf: {forbid: [${s.prf}]}\n`, 'proposals.ike.prf', 'fail');
    if (s.integ) {
      await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    integrity: [${s.integ}]\n`, 'proposals.ike.integrity', ok);
      await expectRule(f, `version: 1\nunverifiable: skip\nproposals:\n  ike:\n    integrity: {forbid: [${s.integ}]}\n`, 'proposals.ike.integrity', 'fail');
    }
  }
  // Key length: the tunnel negotiated AES_CBC-256 (per -z ike,sessions).
  const tun = cap('uml-sw-ikev2-esp-tunnel');
  assert.match((await sessions(tun)).ike_sas[0].chosen, /^AES_CBC-256\//);
  await expectRule(tun, 'version: 1\nproposals:\n  ike:\n    encryption: [aes256]\n', 'proposals.ike.encryption', 'pass');
  const r = await expectRule(tun, 'version: 1\nproposals:\n  ike:\n    encryption: [AES_CBC-128]\n', 'proposals.ike.encryption', 'fail');
  assert.match(r.evidence[0].text, /AES_CBC-256 is not allowed \(allowed: AES_CBC-128\)/);
  assert.deepEqual(r.evidence[0].frames, [(await sessions(tun)).ike_sas[0].exchanges[0].response.frame]);
  // DH group by number: MODP_3072 is group 15.
  await expectRule(tun, 'version: 1\nproposals:\n  ike:\n    dh_group: [15]\n', 'proposals.ike.dh_group', 'pass');
  await expectRule(tun, 'version: 1\nproposals:\n  ike:\n    dh_group: {forbid: [15]}\n', 'proposals.ike.dh_group', 'fail');
  // check: offered looks at every offered transform too.
  await expectRule(tun, 'version: 1\nproposals:\n  check: offered\n  ike:\n    encryption: [AES_CBC]\n', 'proposals.ike.encryption', 'pass');
  await expectRule(tun, 'version: 1\nproposals:\n  check: offered\n  ike:\n    encryption: [AES_GCM_16]\n', 'proposals.ike.encryption', 'fail');
});

test('proposals: aggressive_mode and ikev1 forbid/allow', async () => {
  const am = cap('uml-lsw-sw-ikev1-aggr-psk-weak');
  const mm = cap('uml-sw-ikev1-main-esp-tunnel');
  const v2 = cap('uml-sw-ikev2-esp-tunnel');
  const pol = (k: string, v: string) => `version: 1\nproposals:\n  ${k}: ${v}\n`;
  const f = await expectRule(am, pol('aggressive_mode', 'forbid'), 'proposals.aggressive_mode', 'fail');
  assert.equal(f.evidence[0].ike_sa, 0);
  await expectRule(mm, pol('aggressive_mode', 'forbid'), 'proposals.aggressive_mode', 'pass');
  await expectRule(am, pol('aggressive_mode', 'allow'), 'proposals.aggressive_mode', 'pass');
  await expectRule(mm, pol('ikev1', 'forbid'), 'proposals.ikev1', 'fail');
  await expectRule(v2, pol('ikev1', 'forbid'), 'proposals.ikev1', 'pass');
  await expectRule(mm, pol('ikev1', 'allow'), 'proposals.ikev1', 'pass');
});

test('proposals.pfs and child proposals: encrypted negotiations are unverifiable without keys', async () => {
  // IKEv1 Quick Mode is encrypted: without keys PFS cannot be seen.
  const qm = await expectRule(cap('uml-sw-ikev1-main-esp-tunnel'), 'version: 1\nproposals:\n  pfs: required\n', 'proposals.pfs', 'fail');
  assert.match(qm.evidence[0].text, /encrypted Quick Mode/);
  await expectRule(cap('uml-sw-ikev1-main-esp-tunnel'), 'version: 1\nunverifiable: skip\nproposals:\n  pfs: required\n', 'proposals.pfs', 'skip');
  // IKEv2 without CREATE_CHILD_SA: only the IKE_AUTH child SA, nothing that could lack PFS.
  await expectRule(cap('uml-sw-ikev2-esp-tunnel'), 'version: 1\nproposals:\n  pfs: required\n', 'proposals.pfs', 'pass');
  await expectRule(cap('uml-sw-ikev2-esp-tunnel'), 'version: 1\nproposals:\n  child:\n    encryption: [AES_GCM_16]\n', 'proposals.child.encryption', 'fail');
});

test('with keys: child proposals, PFS on CREATE_CHILD_SA, rekeyed IKE SA proposals, ICV failures', { skip: HAVE_KEYS ? false : 'decryption (src/decrypt/keys) not built' }, async () => {
  const tun = cap('uml-sw-ikev2-esp-tunnel');
  const K = join(GENERATED, 'uml-sw-ikev2-esp-tunnel/keys');
  const keys = [join(K, 'esp_sa'), join(K, 'ikev2_decryption_table')];
  // CASES.json: the child SA cipher.
  const child = (JSON.parse(readFileSync(join(GENERATED, 'CASES.json'), 'utf8')) as { cases: Obj[] }).cases.find((c) => c.case === 'uml-sw-ikev2-esp-tunnel')!.child_sas[0].encr as string;
  await expectRule(tun, `version: 1\nproposals:\n  child:\n    encryption: [${child}]\n`, 'proposals.child.encryption', 'pass', keys);
  await expectRule(tun, `version: 1\nproposals:\n  child:\n    encryption: {forbid: [${child}]}\n`, 'proposals.child.encryption', 'fail', keys);
  // A wrong ESP key: every packet of that SA fails its ICV.
  const esp = readFileSync(join(K, 'esp_sa'), 'utf8');
  // Flip the first hex digit of the first SA's key.
  const m = /("(0x[0-9a-f]{8})","[^"]*","0x)([0-9a-f])/.exec(esp)!;
  const bad = join(TMP, 'bad_esp_sa');
  writeFileSync(bad, esp.replace(m[0], `${m[1]}${m[3] === '0' ? '1' : '0'}`));
  m[1] = m[2]!;
  const flows = await espSas(tun);
  const spiPackets = flows.find((f) => `0x${f.spi}` === m[1])!.packets as number;
  const icv = await expectRule(tun, 'version: 1\nhealth:\n  auth_failures: 0\n', 'health.auth_failures', 'fail', [bad]);
  assert.match(icv.message, new RegExp(`^${spiPackets} packet`));
  await expectRule(tun, `version: 1\nhealth:\n  auth_failures: ${spiPackets}\n`, 'health.auth_failures', 'pass', [bad]);
  await expectRule(tun, 'version: 1\nhealth:\n  auth_failures: 0\n', 'health.auth_failures', 'pass', keys);
  // CREATE_CHILD_SA decrypted: the rekeys carry KE (the case's child proposal has a DH group).
  const rk = cap('sw-ikev2-rekey');
  const RK = join(GENERATED, 'sw-ikev2-rekey/keys');
  const rkeys = [join(RK, 'ikev2_decryption_table'), join(RK, 'esp_sa')];
  const pfs = await expectRule(rk, 'version: 1\nproposals:\n  pfs: required\n', 'proposals.pfs', 'pass', rkeys);
  assert.ok(pfs.evidence.some((e: Obj) => /CREATE_CHILD_SA .*KE present/.test(e.text)));
  // The rekeyed IKE SA's proposal comes from the decrypted CREATE_CHILD_SA.
  const enc = await expectRule(rk, 'version: 1\nproposals:\n  ike:\n    encryption: [AES_CBC-128]\n', 'proposals.ike.encryption', 'pass', rkeys);
  assert.equal(enc.evidence.length, (await sessions(rk)).ike_sas.length);
  await expectRule(rk, 'version: 1\nproposals:\n  ike:\n    encryption: [AES_CBC-128]\n', 'proposals.ike.encryption', 'fail');
});

test('with keys: IKEv1 Quick Mode PFS follows each case\'s child proposal (a DH group in it means PFS)', { skip: HAVE_KEYS ? false : 'decryption (src/decrypt/keys) not built' }, async () => {
  const cases = (JSON.parse(readFileSync(join(GENERATED, 'CASES.json'), 'utf8')) as { cases: Obj[] }).cases.filter((c) => c.ike_version === 1 && c.keys.ikev1_decryption_table);
  const both = new Set<string>();
  for (const c of cases) {
    const withPfs = /modp|ecp|curve|x25519/i.test(c.child_proposal as string);
    const keys = [join(GENERATED, c.case, c.keys.ikev1_decryption_table as string), join(GENERATED, c.case, c.keys.esp_sa as string)];
    const r = await expectRule(cap(c.case, (c.captures as string[])[0]), 'version: 1\nproposals:\n  pfs: required\n', 'proposals.pfs', withPfs ? 'pass' : 'fail', keys);
    assert.ok(r.evidence.every((e: Obj) => /Quick Mode/.test(e.text)), JSON.stringify(r.evidence));
    both.add(withPfs ? 'pass' : 'fail');
  }
  assert.deepEqual([...both].sort(), ['fail', 'pass'], 'the fixtures hold IKEv1 cases with and without PFS');
});

// ---------------------------------------------------------------- health

test('health: auth_failures is unverifiable without keys', async () => {
  const r = await expectRule(cap('uml-sw-ikev2-esp-tunnel'), 'version: 1\nhealth:\n  auth_failures: 0\n', 'health.auth_failures', 'fail');
  assert.match(r.message, /not checked without keys/);
  await expectRule(cap('uml-sw-ikev2-esp-tunnel'), 'version: 1\nunverifiable: skip\nhealth:\n  auth_failures: 0\n', 'health.auth_failures', 'skip');
});

test('health: malformed packets and forbidden notes, both ways', async () => {
  const bad = join(MALFORMED, 'ikev2-payload-length-overrun.pcap');
  const good = cap('uml-sw-ikev2-esp-tunnel');
  // The malformed notes of the capture, from espy's own per-packet JSON.
  const pk = JSON.parse(espy(['-r', bad, '-T', 'json']).stdout) as Obj[];
  const ids = new Set<string>();
  const walk = (n: Obj) => {
    for (const x of (n.notes as Obj[] | undefined) ?? []) if (x.group === 'malformed') ids.add(x.id);
    for (const v of Object.values(n)) if (v && typeof v === 'object') walk(v as Obj);
  };
  walk(pk);
  assert.ok(ids.size > 0, 'the fixture carries malformed notes');
  const r = await expectRule(bad, 'version: 1\nhealth:\n  malformed: 0\n', 'health.malformed', 'fail');
  assert.ok(ids.has(r.evidence[0].value), `${r.evidence[0].value} in ${[...ids]}`);
  await expectRule(bad, `version: 1\nhealth:\n  malformed: ${pk.length}\n`, 'health.malformed', 'pass');
  await expectRule(good, 'version: 1\nhealth:\n  malformed: 0\n', 'health.malformed', 'pass');
  const id = [...ids][0]!;
  await expectRule(bad, `version: 1\nhealth:\n  forbid_notes: [${id}]\n`, 'health.forbid_notes', 'fail');
  await expectRule(bad, 'version: 1\nhealth:\n  forbid_notes: ["group:malformed"]\n', 'health.forbid_notes', 'fail');
  await expectRule(good, `version: 1\nhealth:\n  forbid_notes: [${id}, "group:malformed"]\n`, 'health.forbid_notes', 'pass');
});

test('health: retransmission storm threshold, both ways', async () => {
  const f = cap('uml-lsw-lsw-ikev1-aggr-psk-weak');
  const rtx = Math.max(...((await sessions(f)).ike_sas as Obj[]).map((s) => s.retransmissions as number));
  assert.ok(rtx > 0, 'this fixture has IKE retransmissions');
  const r = await expectRule(f, `version: 1\nhealth:\n  retransmissions: ${rtx - 1}\n`, 'health.retransmissions', 'fail');
  assert.equal(r.evidence.find((e: Obj) => e.value === String(rtx))?.frames.length, Math.min(rtx, 10));
  await expectRule(f, `version: 1\nhealth:\n  retransmissions: ${rtx}\n`, 'health.retransmissions', 'pass');
});

test('health: nat_t forbid / require, following the capture (float to 4500, ESP-in-UDP)', async () => {
  for (const c of CASES) {
    const f = cap(c.case, c.captures[0]);
    const s = await sessions(f);
    const used = (s.ike_sas as Obj[]).some((x) => x.natt_float_frame !== null) || (s.flows as Obj[]).some((x) => x.encapsulation === 'ESP-in-UDP');
    await expectRule(f, 'version: 1\nhealth:\n  nat_t: forbid\n', 'health.nat_t', used ? 'fail' : 'pass');
    await expectRule(f, 'version: 1\nhealth:\n  nat_t: require\n', 'health.nat_t', used ? 'pass' : 'fail');
  }
  assert.ok(CASES.some((c) => c.case === 'sw-ikev2-natt') && CASES.some((c) => c.case === 'uml-sw-ikev2-esp-tunnel'));
});

// ---------------------------------------------------------------- traffic

test('traffic: at least N packets each way on every child SA, ESP/AH filter', async () => {
  const tun = cap('uml-sw-ikev2-esp-tunnel');
  const flows = await espSas(tun);
  const least = Math.min(...flows.map((f) => f.packets as number));
  await expectRule(tun, `version: 1\ntraffic:\n  min_packets: ${least}\n`, 'traffic', 'pass');
  const r = await expectRule(tun, `version: 1\ntraffic:\n  min_packets: ${least + 1}\n`, 'traffic', 'fail');
  assert.match(r.evidence[0].text, new RegExp(`fewer than ${least + 1} one way`));
  const ah = cap('uml-sw-ikev2-ah-tunnel');
  await expectRule(ah, 'version: 1\ntraffic:\n  protocol: AH\n', 'traffic', 'pass');
  await expectRule(ah, 'version: 1\ntraffic:\n  protocol: ESP\n', 'traffic', 'fail');
  await expectRule(tun, 'version: 1\ntraffic:\n  protocol: ESP\n  min_packets: 1\n', 'traffic', 'pass');
});

// ---------------------------------------------------------------- policy validation

test('policy errors: unknown key, wrong type, unknown algorithm / note, bad YAML; exit 1 naming file, line, key path and value', async () => {
  const f = cap('uml-sw-ikev2-esp-tunnel');
  const run = (text: string, ext = 'yaml') => {
    const p = policy(text, ext);
    const r = check(['-r', f, '--policy', p]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
    return { p, err: r.stderr };
  };
  let { p, err } = run('version: 1\nproposals:\n  ike:\n    encryptoin: [AES_CBC]\n');
  assert.ok(err.includes(`${p}:4: proposals.ike.encryptoin: unknown key "encryptoin" (known here: encryption, integrity, prf, dh_group)`), err);
  ({ p, err } = run('version: 1\nhealth:\n  retransmissions: many\n'));
  assert.ok(err.includes(`${p}:3: health.retransmissions: expected a whole number ≥ 0, got "many"`), err);
  ({ p, err } = run('version: 1\nproposals:\n  ike:\n    encryption:\n      allow: [AES_CBC, rot13]\n'));
  assert.ok(err.includes(`${p}:5: proposals.ike.encryption.allow[1]: unknown encryption "rot13"; known: `), err);
  assert.match(err, /known: .*3DES.*AES_GCM_16.*CHACHA20_POLY1305/);
  ({ p, err } = run('version: 1\nproposals:\n  ike:\n    dh_group: [14, 99]\n'));
  assert.ok(err.includes(`${p}:4: proposals.ike.dh_group[1]: unknown DH group 99; known: 0 (NONE), 1 (MODP_768)`), err);
  ({ p, err } = run('version: 1\nhealth:\n  forbid_notes: [no.such.note]\n'));
  assert.ok(err.includes(`${p}:3: health.forbid_notes[0]: unknown note id "no.such.note"`), err);
  ({ p, err } = run('version: 1\nike_sas:\n  - initiator: 10.0.0.300\n    versoin: 2\n'));
  assert.ok(err.includes(`${p}:3: ike_sas[0].initiator: expected an IPv4 or IPv6 address, got "10.0.0.300"`), err);
  assert.ok(err.includes(`${p}:4: ike_sas[0].versoin: unknown key "versoin"`), err);
  ({ p, err } = run('name: x\n'));
  assert.ok(err.includes(`${p}:1: (top level): missing key "version"`), err);
  ({ p, err } = run('version: 1\ntraffic: [1\n'));
  assert.match(err, new RegExp(`${p.replace(/[.]/g, '\\.')}:\\d+:\\d+: not valid YAML/JSON`));
  // JSON policies are accepted, with line numbers too.
  ({ p, err } = run('{\n "version": 1,\n "proposals": {\n  "pfs": true\n }\n}\n', 'json'));
  assert.ok(err.includes(`${p}:4: proposals.pfs: expected one of required, optional, got true`), err);
  const ok = check(['-r', f, '--policy', policy('{"version": 1, "proposals": {"ikev1": "forbid"}}', 'json')]);
  assert.equal(ok.status, 0, ok.stderr);
});

test('usage errors exit 1; an unreadable capture exits 3; a capture cut short reports, then exits 3', async () => {
  assert.equal(check(['--policy', EXAMPLE]).status, 1);
  assert.equal(check(['-r', cap('uml-sw-ikev2-esp-tunnel')]).status, 1);
  assert.equal(check(['-r', cap('uml-sw-ikev2-esp-tunnel'), '--policy', join(TMP, 'missing.yaml')]).status, 1);
  assert.equal(check(['-r', cap('uml-sw-ikev2-esp-tunnel'), '--policy', EXAMPLE, '--frobnicate']).status, 1);
  const bad = check(['-r', join(MALFORMED, 'bad-magic.pcap'), '--policy', EXAMPLE]);
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /bad-magic\.pcap/);
  // Cut short: a passing policy still exits 3, and the report covers the frames before the fault.
  const pol = policy('version: 1\nhealth:\n  malformed: 0\n');
  const { status, doc } = report(join(MALFORMED, 'truncated-file.pcap'), pol);
  assert.equal(status, 3);
  assert.equal(doc.result, 'pass');
  const man = (JSON.parse(readFileSync(join(MALFORMED, 'MANIFEST.json'), 'utf8')) as { files: Obj[] }).files.find((x) => x.file === 'truncated-file.pcap')!;
  assert.equal(doc.capture.packets, man.frames);
  assert.match(doc.capture.error, /cut short/);
});

// ---------------------------------------------------------------- JSON schema, JUnit XML, -o

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'schema/check.schema.json'), 'utf8')) as Obj);

test('-T json follows schema/check.schema.json on every fixture (and mutated reports do not)', async () => {
  const all = readFileSync(EXAMPLE, 'utf8').replace('unverifiable: skip', 'unverifiable: fail');
  let seen = 0;
  for (const c of CASES) {
    for (const capFile of c.captures) {
      const doc = await evalDoc(cap(c.case, capFile), all);
      assert.ok(validate(doc), `${c.case}: ${ajv.errorsText(validate.errors)}`);
      assert.equal(doc.schema, 'espy.check/1');
      assert.equal(doc.summary.rules, doc.rules.length);
      assert.equal(doc.summary.failed, (doc.rules as Obj[]).filter((r) => r.status === 'fail').length);
      seen++;
    }
  }
  assert.ok(seen >= CASES.length);
  const { doc } = report(cap('sw-ikev2-psk-3des-modp1024'), EXAMPLE);
  for (const mutate of [(d: Obj) => delete d.rules[0].evidence, (d: Obj) => (d.rules[0].status = 'maybe'), (d: Obj) => (d.extra = 1), (d: Obj) => (d.rules[1].evidence[0].frames = ['4'])]) {
    const d = structuredClone(doc);
    mutate(d);
    assert.equal(validate(d), false, 'mutated report must fail the schema');
  }
  // Stable: the same run gives byte-identical JSON.
  assert.equal(check(['-r', cap('sw-ikev2-psk-3des-modp1024'), '--policy', EXAMPLE, '-T', 'json']).stdout, JSON.stringify(doc, null, 1) + '\n');
});

/** A strict XML 1.0 well-formedness check (elements, attributes, entities, one root); returns the root element. */
interface El { name: string; attrs: Record<string, string>; children: El[]; text: string }
function parseXml(s: string): El {
  let i = 0;
  const fail = (m: string): never => assert.fail(`XML: ${m} at offset ${i}: ${JSON.stringify(s.slice(i, i + 40))}`);
  const ent = (t: string) => {
    if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(t)) fail('bad entity');
    if (t.includes('<')) fail('raw < in text');
    return t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  };
  const ws = () => {
    while (/\s/.test(s[i] ?? '')) i++;
  };
  if (s.startsWith('<?xml')) i = s.indexOf('?>') + 2;
  ws();
  const el = (): El => {
    if (s[i] !== '<') fail('expected <');
    i++;
    const name = /^[A-Za-z_][\w.-]*/.exec(s.slice(i))?.[0] ?? fail('element name');
    i += name.length;
    const attrs: Record<string, string> = {};
    for (;;) {
      ws();
      if (s.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (s[i] === '>') {
        i++;
        break;
      }
      const an = /^[A-Za-z_][\w.-]*/.exec(s.slice(i))?.[0] ?? fail('attribute name');
      i += an.length;
      if (s[i] !== '=' || s[i + 1] !== '"') fail('attribute value must be ="…"');
      const end = s.indexOf('"', i + 2);
      if (an in attrs) fail('duplicate attribute');
      attrs[an] = ent(s.slice(i + 2, end));
      i = end + 1;
    }
    const children: El[] = [];
    let text = '';
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt < 0) fail('unclosed element');
      text += ent(s.slice(i, lt));
      i = lt;
      if (s.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!s.startsWith(close, i)) fail(`expected ${close}`);
        i += close.length;
        return { name, attrs, children, text };
      }
      children.push(el());
    }
  };
  const root = el();
  ws();
  if (i !== s.length) fail('content after the root element');
  return root;
}

test('-T junit: well-formed XML, one testcase per rule, failures and skips with messages', async () => {
  const pol = policy('version: 1\nname: "ci <gate> & \\"quotes\\""\nunverifiable: skip\nproposals:\n  ike:\n    encryption: {forbid: [3DES]}\n  pfs: required\n  ikev1: forbid\nhealth:\n  auth_failures: 0\n  malformed: 0\n');
  const r = check(['-r', cap('sw-ikev1-aggr-psk-weak'), '--policy', pol, '-T', 'junit']);
  assert.equal(r.status, 2);
  const { doc } = report(cap('sw-ikev1-aggr-psk-weak'), pol);
  const root = parseXml(r.stdout);
  assert.equal(root.name, 'testsuites');
  const suite = root.children.find((c) => c.name === 'testsuite')!;
  assert.equal(suite.attrs.name, 'ci <gate> & "quotes"');
  const cases = suite.children.filter((c) => c.name === 'testcase');
  assert.equal(cases.length, doc.rules.length);
  assert.equal(Number(suite.attrs.tests), doc.rules.length);
  assert.equal(Number(suite.attrs.failures), doc.summary.failed);
  assert.equal(Number(suite.attrs.skipped), doc.summary.skipped);
  for (const [k, rr] of (doc.rules as Obj[]).entries()) {
    const tc = cases[k]!;
    assert.ok(tc.attrs.name!.startsWith(`${rr.id}: `));
    const failure = tc.children.find((c) => c.name === 'failure');
    const skipped = tc.children.find((c) => c.name === 'skipped');
    assert.equal(!!failure, rr.status === 'fail', rr.id);
    assert.equal(!!skipped, rr.status === 'skip', rr.id);
    if (failure) {
      assert.equal(failure.attrs.message, rr.message);
      assert.ok(failure.text.includes(rr.evidence[0].text));
    }
  }
  assert.ok(doc.summary.failed > 0 && doc.summary.skipped > 0 && doc.summary.passed > 0);
});

test('-o writes the chosen format to a file and the text report to stdout', async () => {
  const out = join(TMP, 'report.xml');
  const r = check(['-r', cap('uml-sw-ikev2-esp-tunnel'), '--policy', EXAMPLE, '-T', 'junit', '-o', out]);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^Result: PASS/m);
  assert.equal(parseXml(readFileSync(out, 'utf8')).name, 'testsuites');
});
