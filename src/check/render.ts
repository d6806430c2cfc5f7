/**
 * `espy check` reports: readable text, JSON (`espy.check/1`, specified by
 * schema/check.schema.json) and JUnit XML (one testcase per rule; failures
 * and skips as CI systems expect them).
 *
 * The JSON is stable: fixed key order, every key always present (null when
 * there is no value), rules in policy order.
 */
import type { CaptureFacts } from './facts.js';
import type { Policy } from './policy.js';
import type { Evidence, RuleResult } from './evaluate.js';

export const CHECK_SCHEMA = 'espy.check/1';

export interface CheckReport {
  readonly policy: Policy;
  readonly facts: CaptureFacts;
  readonly rules: readonly RuleResult[];
}

export function overall(r: CheckReport): 'pass' | 'fail' {
  return r.rules.some((x) => x.status === 'fail') ? 'fail' : 'pass';
}

function counts(r: CheckReport) {
  const n = (s: string) => r.rules.filter((x) => x.status === s).length;
  return { rules: r.rules.length, passed: n('pass'), failed: n('fail'), skipped: n('skip') };
}

const evJson = (e: Evidence) => ({ text: e.text, frames: [...(e.frames ?? [])], ike_sa: e.ike_sa ?? null, spi: e.spi ?? null, value: e.value ?? null });

export function checkJson(r: CheckReport): string {
  const f = r.facts;
  const doc = {
    schema: CHECK_SCHEMA,
    result: overall(r),
    policy: { file: r.policy.file, name: r.policy.name ?? null, unverifiable: r.policy.unverifiable },
    capture: { file: f.file, packets: f.packets, decryption: f.decryption, error: f.error ?? null, ike_sas: f.model.ikeSas.length, flows: f.model.flows.length },
    summary: counts(r),
    rules: r.rules.map((x) => ({ id: x.id, title: x.title, status: x.status, message: x.message, policy_line: x.policy_line, evidence: x.evidence.map(evJson) })),
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

function evLine(e: Evidence): string {
  const fr = e.frames?.length ? `  [frame${e.frames.length > 1 ? 's' : ''} ${[...new Set(e.frames)].join(', ')}]` : '';
  return `${e.text}${fr}`;
}

export function checkText(r: CheckReport): string {
  const f = r.facts;
  const c = counts(r);
  const L: string[] = [];
  L.push(`espy check: policy ${r.policy.file}${r.policy.name ? ` (${r.policy.name})` : ''}`);
  L.push(`capture ${f.file}: ${f.packets} packet(s), ${f.model.ikeSas.length} IKE SA(s), ${f.model.flows.length} ESP/AH flow(s), ${f.decryption ? 'keys given (encrypted parts decrypted where the keys fit)' : 'no keys (encrypted parts not checked)'}`);
  if (f.error) L.push(`capture fault: ${f.error}`);
  L.push('');
  for (const x of r.rules) {
    L.push(`${x.status.toUpperCase().padEnd(4)}  ${x.id}: ${x.title}`);
    L.push(`      ${x.message}${x.policy_line !== null ? `  (policy line ${x.policy_line})` : ''}`);
    for (const e of x.evidence) L.push(`        - ${evLine(e)}`);
  }
  L.push('');
  L.push(`Result: ${overall(r).toUpperCase()} (${c.rules} rule(s): ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped)`);
  return L.join('\n') + '\n';
}

/** XML 1.0 text: escape markup, drop characters XML cannot carry. */
function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function checkJunit(r: CheckReport): string {
  const c = counts(r);
  const suite = r.policy.name ?? r.policy.file;
  const cls = `espy.check.${suite.replace(/[^A-Za-z0-9_.-]+/g, '_')}`;
  const L: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  L.push(`<testsuites name="espy check" tests="${c.rules}" failures="${c.failed}" errors="0" skipped="${c.skipped}" time="0">`);
  L.push(`  <testsuite name="${xml(suite)}" tests="${c.rules}" failures="${c.failed}" errors="0" skipped="${c.skipped}" time="0">`);
  L.push('    <properties>');
  L.push(`      <property name="policy" value="${xml(r.policy.file)}"/>`);
  L.push(`      <property name="capture" value="${xml(r.facts.file)}"/>`);
  L.push(`      <property name="packets" value="${r.facts.packets}"/>`);
  L.push(`      <property name="decryption" value="${r.facts.decryption}"/>`);
  L.push('    </properties>');
  for (const x of r.rules) {
    const body = x.evidence.map(evLine).join('\n');
    L.push(`    <testcase classname="${xml(cls)}" name="${xml(`${x.id}: ${x.title}`)}" time="0">`);
    if (x.status === 'fail') L.push(`      <failure type="PolicyViolation" message="${xml(x.message)}">${xml(body)}</failure>`);
    else if (x.status === 'skip') L.push(`      <skipped message="${xml(x.message)}"/>`);
    if (body) L.push(`      <system-out>${xml(`${x.message}\n${body}`)}</system-out>`);
    L.push('    </testcase>');
  }
  L.push('  </testsuite>');
  L.push('</testsuites>');
  return L.join('\n') + '\n';
}
