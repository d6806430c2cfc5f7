/**
 * `espy audit` without the command line: one pass over a capture feeding the
 * session model, the aggressive-mode extractor and the audit observer; then
 * (optionally) cracking, and the findings per IKE SA.
 */
import { CaptureError, openCapture } from '../capture/index.js';
import { PacketDissector } from '../dissect/packet.js';
import type { DecryptHooks } from '../dissect/decrypt-hooks.js';
import type { DissectPrefs } from '../dissect/layer.js';
import { SessionBuilder } from '../analyze/sessions.js';
import type { SessionModel } from '../analyze/model.js';
import { AggressiveExtractor, crackTarget, verifyPsk, type AggressiveMaterial } from './extract.js';
import { AuditObserver, type ExchangeFacts } from './observe.js';
import { auditFindings, type CrackOutcome, type SaAudit } from './findings.js';
import type { Crack, CrackOptions, CrackResult } from './crack/api.js';

export interface CollectOptions {
  prefs?: DissectPrefs;
  /** Decryption hooks (a DecryptEngine after its learn pass): opens Quick Mode, IKE_AUTH, XAUTH. */
  decrypt?: DecryptHooks;
  signal?: AbortSignal;
}

export interface AuditData {
  readonly file: string;
  readonly frames: number;
  readonly model: SessionModel;
  readonly exchanges: readonly ExchangeFacts[];
  readonly material: readonly AggressiveMaterial[];
  /** The capture is damaged after `frames` frames: the audit covers what came before (message names the file and offset). */
  readonly error?: string;
}

/** Read the capture once. Throws CaptureError (with the file and offset) on a bad file. */
export async function collectAudit(file: string, o: CollectOptions = {}): Promise<AuditData> {
  const reader = await openCapture(file);
  const dissector = new PacketDissector({ ...(o.prefs ? { prefs: o.prefs } : {}), ...(o.decrypt ? { decrypt: o.decrypt } : {}) });
  const sessions = new SessionBuilder();
  const extractor = new AggressiveExtractor();
  const observer = new AuditObserver();
  let frames = 0;
  let error: string | undefined;
  try {
    for (;;) {
      let batch;
      try {
        batch = await reader.next();
      } catch (e) {
        if (!(e instanceof CaptureError)) throw e;
        error = `${e.message} (after frame ${frames})`;
        break;
      }
      if (!batch) break;
      for (const f of batch) {
        frames++;
        const p = dissector.dissect(f);
        sessions.add(p);
        extractor.add(p);
        observer.add(p);
      }
      if (o.signal?.aborted) break;
    }
  } finally {
    reader.close();
  }
  return { file, frames, model: sessions.result(), exchanges: observer.result(), material: extractor.result(), ...(error ? { error } : {}) };
}

/** PSKs given by the user (`--psk`): checked directly against every HASH_R with node:crypto. */
export function checkGivenPsks(material: readonly AggressiveMaterial[], psks: readonly Uint8Array[]): Map<string, CrackOutcome> {
  const out = new Map<string, CrackOutcome>();
  for (const m of material) {
    if (!m.hash) continue;
    for (const psk of psks) {
      if (verifyPsk(m, psk).hashR) {
        out.set(m.id, { id: m.id, psk, method: '--psk', tried: psks.indexOf(psk) + 1, elapsedMs: 0, stopped: 'found' });
        break;
      }
    }
  }
  return out;
}

/** Run the cracking core on every crackable material not already solved; each hit is confirmed with node:crypto. */
export async function crackMaterial(crack: Crack, material: readonly AggressiveMaterial[], solved: ReadonlyMap<string, CrackOutcome>, opts: CrackOptions): Promise<{ outcomes: Map<string, CrackOutcome>; results: CrackResult[] }> {
  const targets = material.filter((m) => !solved.has(m.id)).flatMap((m) => {
    const t = crackTarget(m);
    return t ? [t] : [];
  });
  const outcomes = new Map(solved);
  if (!targets.length) return { outcomes, results: [] };
  const results = await crack(targets, opts);
  const method = opts.mask !== undefined ? `mask ${opts.mask}` : opts.wordlist !== undefined ? (opts.rules ? 'wordlist + rules' : 'wordlist') : 'candidates';
  for (const r of results) {
    const m = material.find((x) => x.id === r.id);
    let psk = r.psk;
    // Never report a PSK node:crypto does not confirm.
    if (psk && m && !verifyPsk(m, psk).hashR) psk = undefined;
    outcomes.set(r.id, { id: r.id, ...(psk ? { psk, method } : {}), tried: r.tried, elapsedMs: r.elapsedMs, stopped: psk ? 'found' : r.stopped === 'found' ? 'exhausted' : r.stopped });
  }
  return { outcomes, results };
}

export function findingsOf(d: AuditData, cracked: ReadonlyMap<string, CrackOutcome>, showSecrets: boolean, decrypting: boolean): SaAudit[] {
  return auditFindings({ model: d.model, exchanges: d.exchanges, material: d.material, cracked, showSecrets, decrypting });
}

export { type AggressiveMaterial } from './extract.js';
export { type SaAudit, type Finding, type CrackOutcome, RULES, SEVERITIES } from './findings.js';
