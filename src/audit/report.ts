/**
 * The audit report in three forms: text for people, JSON (`espy.audit/1`,
 * schema/audit.schema.json) for scripts, SARIF 2.1.0 for code-scanning
 * dashboards. Secrets (a recovered PSK, an XAUTH password) appear only when
 * the findings were built with showSecrets.
 */
import { basename } from 'node:path';
import type { AuditData } from './index.js';
import { pskCrackLine, toolLimits, verifyPsk, type AggressiveMaterial } from './extract.js';
import { RULES, SEVERITIES, pskText, severityRank, type CrackOutcome, type SaAudit, type Severity } from './findings.js';

export const AUDIT_SCHEMA = 'espy.audit/1';

export interface CrackSummary {
  /** Attack that ran (`wordlist words.txt`, `mask ?l?l?l`), or absent when none was asked for. */
  readonly attack?: string;
  readonly tried: number;
  readonly elapsedMs: number;
  readonly stopped: 'found' | 'exhausted' | 'time' | 'interrupted' | 'not-run';
  /** Why no attack ran, when one was asked for but could not. */
  readonly note?: string;
}

export interface ReportInput {
  readonly data: AuditData;
  readonly sas: readonly SaAudit[];
  readonly outcomes: ReadonlyMap<string, CrackOutcome>;
  readonly crack?: CrackSummary;
  readonly showSecrets: boolean;
  readonly decrypting: boolean;
  readonly exported: readonly { readonly format: 'psk-crack' | 'john'; readonly file: string; readonly lines: number }[];
}

export function severityCounts(sas: readonly SaAudit[]): Record<Severity, number> {
  const c = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const s of sas) for (const f of s.findings) c[f.severity]++;
  return c;
}

/** The most severe finding's severity, or undefined without findings. */
export function worstSeverity(sas: readonly SaAudit[]): Severity | undefined {
  let best: Severity | undefined;
  for (const s of sas) for (const f of s.findings) if (best === undefined || severityRank(f.severity) < severityRank(best)) best = f.severity;
  return best;
}

function ikeSaOf(m: AggressiveMaterial, sas: readonly SaAudit[]): number | undefined {
  return sas.find((s) => s.ispi === m.ispi && s.rspi === m.rspi)?.ikeSa;
}

function materialJson(m: AggressiveMaterial, r: ReportInput) {
  const o = r.outcomes.get(m.id);
  const sa = ikeSaOf(m, r.sas);
  return {
    id: m.id,
    ...(sa !== undefined ? { ikeSa: sa } : {}),
    ispi: m.ispi,
    rspi: m.rspi,
    initiator: m.initiator,
    responder: m.responder,
    frames: m.frames,
    retransmissions: m.retransmissions,
    natt: m.natt,
    authMethod: m.authName,
    hash: m.hashName ?? null,
    crackable: m.hash !== undefined,
    ...(m.dhGroup !== undefined ? { dhGroup: m.dhGroup } : {}),
    sizes: { g_xr: m.fields.g_xr.length, g_xi: m.fields.g_xi.length, sai_b: m.fields.sai_b.length, idir_b: m.fields.idir_b.length, ni_b: m.fields.ni_b.length, nr_b: m.fields.nr_b.length, hash_r: m.fields.hash_r.length },
    hashI: m.hashI ? { frame: m.hashI.frame, decrypted: m.hashI.decrypted } : null,
    problems: m.problems,
    toolLimits: toolLimits(m),
    pskCrack: pskCrackLine(m),
    result: o
      ? {
          stopped: o.stopped,
          found: o.psk !== undefined,
          tried: o.tried,
          elapsedMs: Math.round(o.elapsedMs),
          ...(o.method ? { method: o.method } : {}),
          ...(o.psk && m.hashI ? { hashI: verifyPsk(m, o.psk).hashI === true } : {}),
          ...(o.psk && r.showSecrets ? { psk: pskText(o.psk) } : {}),
        }
      : null,
  };
}

/** `espy.audit/1` document. Keys in a fixed order; arrays in file / IKE SA order. */
export function auditJson(r: ReportInput): string {
  const counts = severityCounts(r.sas);
  const doc = {
    schema: AUDIT_SCHEMA,
    file: r.data.file,
    frames: r.data.frames,
    ...(r.data.error ? { error: r.data.error } : {}),
    decryption: r.decrypting,
    summary: { ikeSas: r.sas.length, findings: r.sas.reduce((n, s) => n + s.findings.length, 0), ...counts, worst: worstSeverity(r.sas) ?? null },
    ikeSas: r.sas.map((s) => ({
      ikeSa: s.ikeSa,
      version: s.version,
      mode: s.mode,
      ispi: s.ispi,
      rspi: s.rspi,
      initiator: s.initiator,
      responder: s.responder,
      state: s.state,
      ...(s.rekeyOf !== undefined ? { rekeyOf: s.rekeyOf } : {}),
      ...(s.chosen ? { chosen: s.chosen } : {}),
      identities: s.identities,
      findings: s.findings.map((f) => ({ id: f.id, severity: f.severity, title: f.title, detail: f.detail, frames: f.frames, evidence: f.evidence, remediation: f.remediation })),
      notAssessed: s.notAssessed,
    })),
    pskMaterial: r.data.material.map((m) => materialJson(m, r)),
    crack: r.crack ? { ...(r.crack.attack ? { attack: r.crack.attack } : {}), tried: r.crack.tried, elapsedMs: Math.round(r.crack.elapsedMs), stopped: r.crack.stopped, ...(r.crack.note ? { note: r.crack.note } : {}) } : null,
    exported: r.exported,
  };
  return JSON.stringify(doc, null, 1) + '\n';
}

const LABEL: Record<Severity, string> = { critical: 'CRITICAL', high: 'HIGH', medium: 'MEDIUM', low: 'LOW', info: 'INFO' };

function rate(tried: number, ms: number): string {
  if (ms <= 0) return '';
  const r = (tried * 1000) / ms;
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : r >= 1e3 ? `${(r / 1e3).toFixed(1)} k/s` : `${r.toFixed(0)}/s`;
}

/** Human report: per IKE SA, findings most severe first. */
export function auditText(r: ReportInput): string {
  const out: string[] = [];
  const counts = severityCounts(r.sas);
  const total = r.sas.reduce((n, s) => n + s.findings.length, 0);
  if (r.data.error) out.push(`espy audit: ${r.data.error}: the report covers the frames before it`);
  out.push(`espy audit: ${r.data.file}: ${r.data.frames} frames, ${r.sas.length} IKE SA${r.sas.length === 1 ? '' : 's'}, ${total} finding${total === 1 ? '' : 's'} (${SEVERITIES.map((s) => `${counts[s]} ${s}`).join(', ')})`);
  if (!r.sas.length) out.push('', 'No IKE traffic in this capture.');
  for (const s of r.sas) {
    out.push('');
    out.push(`IKE SA #${s.ikeSa}  ${s.version === 1 ? `IKEv1 ${s.mode}` : 'IKEv2'}  ${s.initiator} -> ${s.responder}  ${s.ispi}/${s.rspi}  [${s.state}]${s.rekeyOf !== undefined ? `  (rekey of IKE SA #${s.rekeyOf})` : ''}`);
    if (s.chosen) out.push(`  chosen: ${s.chosen}`);
    const ids = [s.identities.initiator && `initiator ${s.identities.initiator}`, s.identities.responder && `responder ${s.identities.responder}`].filter(Boolean);
    if (ids.length) out.push(`  identities: ${ids.join(', ')}`);
    if (!s.findings.length) out.push('  no findings');
    for (const f of s.findings) {
      out.push(`  ${LABEL[f.severity].padEnd(8)} ${f.id.padEnd(24)} ${f.title}`);
      out.push(`           ${f.detail}`);
      out.push(`           frames ${f.frames.join(', ') || '-'}; fix: ${f.remediation}`);
    }
    for (const n of s.notAssessed) out.push(`  not assessed: ${n}`);
  }
  if (r.data.material.length) {
    out.push('', 'Aggressive Mode PSK material:');
    for (const m of r.data.material) {
      const o = r.outcomes.get(m.id);
      const state = o?.psk ? `CRACKED${r.showSecrets ? `: ${JSON.stringify(pskText(o.psk))}` : ' (--show-secrets prints the PSK)'}` : o ? `not found (${o.stopped}, ${o.tried} candidates)` : m.hash ? 'not attacked (give --wordlist or --mask)' : `not crackable: ${m.problems.join('; ')}`;
      out.push(`  ${m.id}  ${m.hashName ?? '?'}  frames ${m.frames.msg1}/${m.frames.msg2}${m.frames.msg3 !== undefined ? `/${m.frames.msg3}` : ''}  Ni+Nr ${m.fields.ni_b.length + m.fields.nr_b.length} B${m.natt ? '  NAT-T' : ''}  ${state}`);
      const lim = toolLimits(m);
      for (const x of lim.hashcat) out.push(`      hashcat: ${x}`);
      for (const x of lim.pskCrack) out.push(`      psk-crack: ${x}`);
    }
  }
  if (r.crack) {
    const c = r.crack;
    out.push('', `Cracking: ${c.attack ?? 'none'}: ${c.tried} candidates in ${(c.elapsedMs / 1000).toFixed(1)} s${c.elapsedMs > 0 ? ` (${rate(c.tried, c.elapsedMs)})` : ''}, ${c.stopped}${c.note ? ` (${c.note})` : ''}`);
  }
  for (const e of r.exported) out.push(`Exported ${e.lines} line${e.lines === 1 ? '' : 's'} (${e.format}) to ${e.file}`);
  return out.join('\n') + '\n';
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub code scanning ranks security results by `security-severity` (0–10). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

/** SARIF 2.1.0 log: one run, one rule per audit rule, one result per finding. */
export function auditSarif(r: ReportInput, version: string): string {
  const rules = [...RULES.values()];
  const index = new Map(rules.map((x, i) => [x.id, i]));
  const uri = encodeURI(r.data.file);
  const results = r.sas.flatMap((s) =>
    s.findings.map((f) => ({
      ruleId: f.id,
      ruleIndex: index.get(f.id)!,
      level: SARIF_LEVEL[f.severity],
      message: { text: `IKE SA #${s.ikeSa} (${s.ispi}/${s.rspi}, ${s.initiator} -> ${s.responder}): ${f.detail}` },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri, index: 0 } },
          logicalLocations: [{ name: `${s.ispi}/${s.rspi}`, fullyQualifiedName: `${basename(uri)}/ike-sa/${s.ikeSa}`, kind: 'object' }],
        },
      ],
      partialFingerprints: { 'espyFinding/v1': `${f.id}:${s.ispi}:${s.rspi}:${f.frames.join(',')}` },
      properties: { severity: f.severity, 'security-severity': SECURITY_SEVERITY[f.severity], ikeSa: s.ikeSa, frames: f.frames, evidence: f.evidence },
    })),
  );
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'espy',
            semanticVersion: version,
            rules: rules.map((x) => ({
              id: x.id,
              name: x.title.replace(/[^A-Za-z0-9]+/g, ' ').trim().replace(/ (\w)/g, (_, c: string) => c.toUpperCase()).replace(/^\w/, (c) => c.toUpperCase()),
              shortDescription: { text: x.title },
              fullDescription: { text: x.rule },
              help: { text: `${x.rule}\n\nRemediation: ${x.remediation}\n\nReferences: ${x.references.join(', ')}`, markdown: `${x.rule}\n\n**Remediation:** ${x.remediation}\n\nReferences: ${x.references.join(', ')}` },
              defaultConfiguration: { level: SARIF_LEVEL[x.severity] },
              properties: { tags: ['security', 'ipsec'], 'security-severity': SECURITY_SEVERITY[x.severity], severity: x.severity },
            })),
          },
        },
        artifacts: [{ location: { uri }, roles: ['analysisTarget'] }],
        results,
        properties: { frames: r.data.frames, decryption: r.decrypting },
      },
    ],
  };
  return JSON.stringify(log, null, 1) + '\n';
}
