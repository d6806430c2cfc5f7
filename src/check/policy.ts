/**
 * `espy check` policies: YAML (or JSON, which is YAML too) read with the
 * `yaml` package so every error can name the file, the line and column, the
 * key path and the value. The format is documented in docs/policy.md.
 *
 * Validation is strict: an unknown key, a wrong type, an unknown algorithm
 * name or note id is an error (exit 1), never silently ignored, so a typo
 * cannot turn a rule off.
 */
import { isIP } from 'node:net';
import { LineCounter, parseDocument, isMap, isSeq, isPair, isScalar, type Node as YamlNode } from 'yaml';
import { allNoteDefs } from '../dissect/registry.js';
import type { NoteGroup } from '../core/notes.js';
import { resolveAlgo, type AlgoCategory, type AlgoSpec } from './algorithms.js';

export type Path = readonly (string | number)[];

/** Where a rule came from in the policy file. */
export interface Origin {
  /** Key path, e.g. `proposals.ike.encryption` or `ike_sas[0]`. */
  readonly path: string;
  readonly line?: number;
}

export interface AlgoRule {
  readonly allow?: readonly AlgoSpec[];
  readonly forbid?: readonly AlgoSpec[];
  readonly origin: Origin;
}

export type CategoryRules = Partial<Record<AlgoCategory, AlgoRule>>;

export interface ExpectedSa {
  readonly name?: string;
  readonly version?: 1 | 2;
  readonly mode?: 'main' | 'aggressive';
  readonly initiator?: string;
  readonly responder?: string;
  /** Either order. */
  readonly peers?: readonly [string, string];
  readonly identities?: { readonly initiator?: string; readonly responder?: string };
  /** Seconds from the SA's first message to the message that completed it. */
  readonly within?: number;
  readonly origin: Origin;
}

export interface NoteMatcher {
  /** A note id (`esp.sequence.gap`) or `group:NAME`. */
  readonly text: string;
  readonly id?: string;
  readonly group?: NoteGroup;
}

export interface Policy {
  readonly file: string;
  readonly name?: string;
  readonly unverifiable: 'fail' | 'skip';
  readonly ikeSas: readonly ExpectedSa[];
  readonly proposals?: {
    readonly check: 'chosen' | 'offered';
    readonly ike: CategoryRules;
    readonly child: CategoryRules;
    readonly aggressiveMode?: { readonly value: 'allow' | 'forbid'; readonly origin: Origin };
    readonly ikev1?: { readonly value: 'allow' | 'forbid'; readonly origin: Origin };
    readonly pfs?: { readonly value: 'required' | 'optional'; readonly origin: Origin };
  };
  readonly health?: {
    readonly authFailures?: { readonly max: number; readonly origin: Origin };
    readonly malformed?: { readonly max: number; readonly origin: Origin };
    readonly retransmissions?: { readonly max: number; readonly origin: Origin };
    readonly natT?: { readonly value: 'allow' | 'forbid' | 'require'; readonly origin: Origin };
    readonly forbidNotes?: { readonly notes: readonly NoteMatcher[]; readonly origin: Origin };
  };
  readonly traffic?: { readonly minPackets: number; readonly protocol: 'any' | 'ESP' | 'AH'; readonly origin: Origin };
}

/** A policy that cannot be used: every problem found, each naming file, line, key path and value. */
export class PolicyError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }
}

export const pathText = (p: Path): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '') || '(top level)';

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : String(v));

class Ctx {
  readonly problems: string[] = [];
  constructor(
    readonly file: string,
    private readonly root: YamlNode | null,
    private readonly lc: LineCounter,
  ) {}

  /** Line (1-based) of the key at `path` (or of the value for list items). */
  line(path: Path): number | undefined {
    let n: unknown = this.root;
    let at: number | undefined = (n as { range?: number[] } | null)?.range?.[0];
    for (const k of path) {
      if (isMap(n)) {
        const pair = n.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === k);
        if (!pair) break;
        at = (pair.key as { range?: number[] }).range?.[0] ?? at;
        n = pair.value;
      } else if (isSeq(n) && typeof k === 'number') {
        const it = n.items[k] as { range?: number[] } | undefined;
        if (!it) break;
        at = it.range?.[0] ?? at;
        n = it;
      } else break;
    }
    return at === undefined ? undefined : this.lc.linePos(at).line;
  }

  where(path: Path): string {
    const l = this.line(path);
    return `${this.file}${l !== undefined ? `:${l}` : ''}`;
  }

  err(path: Path, msg: string): void {
    this.problems.push(`${this.where(path)}: ${pathText(path)}: ${msg}`);
  }

  origin(path: Path): Origin {
    const line = this.line(path);
    return { path: pathText(path), ...(line !== undefined ? { line } : {}) };
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check a mapping's keys; returns it (or undefined after reporting the wrong type). */
function mapping(c: Ctx, v: unknown, path: Path, keys: readonly string[]): Obj | undefined {
  if (!isObj(v)) {
    c.err(path, `expected a mapping with keys ${keys.join(', ')}, got ${show(v)}`);
    return undefined;
  }
  for (const k of Object.keys(v)) if (!keys.includes(k)) c.err([...path, k], `unknown key ${JSON.stringify(k)} (known here: ${keys.join(', ')})`);
  return v;
}

function oneOf<T extends string>(c: Ctx, v: unknown, path: Path, values: readonly T[]): T | undefined {
  if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
  c.err(path, `expected one of ${values.join(', ')}, got ${show(v)}`);
  return undefined;
}

function count(c: Ctx, v: unknown, path: Path): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  c.err(path, `expected a whole number ≥ 0, got ${show(v)}`);
  return undefined;
}

function str(c: Ctx, v: unknown, path: Path): string | undefined {
  if (typeof v === 'string' && v.trim()) return v;
  c.err(path, `expected a non-empty string, got ${show(v)}`);
  return undefined;
}

function address(c: Ctx, v: unknown, path: Path): string | undefined {
  if (typeof v === 'string' && isIP(v.trim())) return v.trim();
  c.err(path, `expected an IPv4 or IPv6 address, got ${show(v)}`);
  return undefined;
}

/** `5`, `2.5`, `"500ms"`, `"5s"`, `"2m"` → seconds. */
function duration(c: Ctx, v: unknown, path: Path): number | undefined {
  if (typeof v === 'number' && v > 0 && Number.isFinite(v)) return v;
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(v);
    if (m) {
      const n = Number(m[1]) * (m[2] === 'ms' ? 1e-3 : m[2] === 'm' ? 60 : 1);
      if (n > 0) return n;
    }
  }
  c.err(path, `expected a duration > 0 (seconds, or "500ms", "5s", "2m"), got ${show(v)}`);
  return undefined;
}

const CATEGORIES: readonly AlgoCategory[] = ['encryption', 'integrity', 'prf', 'dh_group'];

function algoList(c: Ctx, cat: AlgoCategory, v: unknown, path: Path): AlgoSpec[] | undefined {
  const items = Array.isArray(v) ? v : typeof v === 'string' || typeof v === 'number' ? [v] : undefined;
  if (!items) {
    c.err(path, `expected a list of ${cat.replace('_', ' ')} names, got ${show(v)}`);
    return undefined;
  }
  const out: AlgoSpec[] = [];
  items.forEach((it, i) => {
    const p = Array.isArray(v) ? [...path, i] : path;
    if (typeof it !== 'string' && typeof it !== 'number') return c.err(p, `expected a name${cat === 'dh_group' ? ' or number' : ''}, got ${show(it)}`);
    const r = resolveAlgo(cat, it);
    if (typeof r === 'string') c.err(p, r);
    else out.push(r);
  });
  return out;
}

function categoryRules(c: Ctx, v: unknown, path: Path, cats: readonly AlgoCategory[]): CategoryRules {
  const m = mapping(c, v, path, cats);
  const out: CategoryRules = {};
  if (!m) return out;
  for (const cat of cats) {
    if (!(cat in m)) continue;
    const p = [...path, cat];
    const raw = m[cat];
    let allow: AlgoSpec[] | undefined;
    let forbid: AlgoSpec[] | undefined;
    if (Array.isArray(raw)) allow = algoList(c, cat, raw, p);
    else {
      const r = mapping(c, raw, p, ['allow', 'forbid']);
      if (!r) continue;
      if ('allow' in r) allow = algoList(c, cat, r.allow, [...p, 'allow']);
      if ('forbid' in r) forbid = algoList(c, cat, r.forbid, [...p, 'forbid']);
      if (!('allow' in r) && !('forbid' in r)) c.err(p, 'expected allow: […] and/or forbid: […]');
    }
    out[cat] = { ...(allow ? { allow } : {}), ...(forbid ? { forbid } : {}), origin: c.origin(p) };
  }
  return out;
}

const GROUPS: readonly NoteGroup[] = ['malformed', 'checksum', 'protocol', 'reassembly', 'decryption', 'security', 'sequence'];

function noteList(c: Ctx, v: unknown, path: Path): NoteMatcher[] {
  if (!Array.isArray(v)) {
    c.err(path, `expected a list of note ids or group:NAME, got ${show(v)}`);
    return [];
  }
  const ids = new Set(allNoteDefs().map((d) => d.id));
  const out: NoteMatcher[] = [];
  v.forEach((it, i) => {
    const p = [...path, i];
    if (typeof it !== 'string') return c.err(p, `expected a note id or group:NAME, got ${show(it)}`);
    const g = /^group:(.*)$/.exec(it);
    if (g) {
      if ((GROUPS as readonly string[]).includes(g[1]!)) out.push({ text: it, group: g[1] as NoteGroup });
      else c.err(p, `unknown note group ${JSON.stringify(g[1])}; known: ${GROUPS.join(', ')}`);
    } else if (ids.has(it)) out.push({ text: it, id: it });
    else c.err(p, `unknown note id ${JSON.stringify(it)} (\`espy -G notes\` lists them), or group:NAME with NAME one of ${GROUPS.join(', ')}`);
  });
  return out;
}

function expectedSa(c: Ctx, v: unknown, path: Path): ExpectedSa | undefined {
  const m = mapping(c, v, path, ['name', 'version', 'mode', 'initiator', 'responder', 'peers', 'identities', 'within']);
  if (!m) return undefined;
  const o: { -readonly [K in keyof ExpectedSa]: ExpectedSa[K] } = { origin: c.origin(path) };
  if ('name' in m) {
    const n = str(c, m.name, [...path, 'name']);
    if (n) o.name = n;
  }
  if ('version' in m) {
    if (m.version === 1 || m.version === 2) o.version = m.version;
    else c.err([...path, 'version'], `expected 1 or 2, got ${show(m.version)}`);
  }
  if ('mode' in m) {
    const mode = oneOf(c, m.mode, [...path, 'mode'], ['main', 'aggressive'] as const);
    if (mode) o.mode = mode;
    if (o.version === 2) c.err([...path, 'mode'], 'mode (main/aggressive) applies to IKEv1 only, but version is 2');
  }
  for (const k of ['initiator', 'responder'] as const) {
    if (k in m) {
      const a = address(c, m[k], [...path, k]);
      if (a) o[k] = a;
    }
  }
  if ('peers' in m) {
    const p = [...path, 'peers'];
    if (!Array.isArray(m.peers) || m.peers.length !== 2) c.err(p, `expected a list of two addresses, got ${show(m.peers)}`);
    else {
      const a = address(c, m.peers[0], [...p, 0]);
      const b = address(c, m.peers[1], [...p, 1]);
      if (a && b) o.peers = [a, b];
    }
  }
  if ('identities' in m) {
    const p = [...path, 'identities'];
    const ids = mapping(c, m.identities, p, ['initiator', 'responder']);
    if (ids) {
      const r: { initiator?: string; responder?: string } = {};
      for (const k of ['initiator', 'responder'] as const) {
        if (!(k in ids)) continue;
        const s = str(c, ids[k], [...p, k]);
        if (s) r[k] = s;
      }
      o.identities = r;
    }
  }
  if ('within' in m) {
    const d = duration(c, m.within, [...path, 'within']);
    if (d !== undefined) o.within = d;
  }
  return o;
}

/** Problems in file order (stable: problems on one line keep their order). */
function byLine(problems: readonly string[]): string[] {
  const line = (s: string) => Number(/^[^\n]*?:(\d+): /.exec(s)?.[1] ?? 0);
  return problems.map((s, i) => ({ s, i, l: line(s) })).sort((a, b) => a.l - b.l || a.i - b.i).map((x) => x.s);
}

/** Parse and validate a policy. Throws PolicyError (with every problem) when it is not usable. */
export function parsePolicy(text: string, file: string): Policy {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    throw new PolicyError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
        return `${file}:${pos.line}:${pos.col}: not valid YAML/JSON: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const c = new Ctx(file, doc.contents as YamlNode | null, lc);
  const top = mapping(c, doc.toJS({ maxAliasCount: 100 }) as unknown, [], ['version', 'name', 'unverifiable', 'ike_sas', 'proposals', 'health', 'traffic']);
  if (!top) throw new PolicyError(c.problems);
  if (!('version' in top)) c.err([], 'missing key "version" (write version: 1)');
  else if (top.version !== 1) c.err(['version'], `unsupported policy version ${show(top.version)} (this espy reads version 1)`);

  let name: string | undefined;
  if ('name' in top) name = str(c, top.name, ['name']);
  let unverifiable: 'fail' | 'skip' = 'fail';
  if ('unverifiable' in top) unverifiable = oneOf(c, top.unverifiable, ['unverifiable'], ['fail', 'skip'] as const) ?? 'fail';

  const ikeSas: ExpectedSa[] = [];
  if ('ike_sas' in top) {
    if (!Array.isArray(top.ike_sas)) c.err(['ike_sas'], `expected a list of expected IKE SAs, got ${show(top.ike_sas)}`);
    else top.ike_sas.forEach((e, i) => {
      const s = expectedSa(c, e, ['ike_sas', i]);
      if (s) ikeSas.push(s);
    });
  }

  let proposals: Policy['proposals'];
  if ('proposals' in top) {
    const P = ['proposals'];
    const m = mapping(c, top.proposals, P, ['check', 'ike', 'child', 'aggressive_mode', 'ikev1', 'pfs']);
    if (m) {
      const check = 'check' in m ? (oneOf(c, m.check, [...P, 'check'], ['chosen', 'offered'] as const) ?? 'chosen') : 'chosen';
      const ike = 'ike' in m ? categoryRules(c, m.ike, [...P, 'ike'], CATEGORIES) : {};
      const child = 'child' in m ? categoryRules(c, m.child, [...P, 'child'], ['encryption', 'integrity', 'dh_group']) : {};
      const flag = <T extends string>(k: string, values: readonly T[]) => {
        if (!(k in m)) return undefined;
        const v = oneOf(c, m[k], [...P, k], values);
        return v ? { value: v, origin: c.origin([...P, k]) } : undefined;
      };
      const aggressiveMode = flag('aggressive_mode', ['allow', 'forbid'] as const);
      const ikev1 = flag('ikev1', ['allow', 'forbid'] as const);
      const pfs = flag('pfs', ['required', 'optional'] as const);
      proposals = { check, ike, child, ...(aggressiveMode ? { aggressiveMode } : {}), ...(ikev1 ? { ikev1 } : {}), ...(pfs ? { pfs } : {}) };
    }
  }

  let health: Policy['health'];
  if ('health' in top) {
    const H = ['health'];
    const m = mapping(c, top.health, H, ['auth_failures', 'malformed', 'retransmissions', 'nat_t', 'forbid_notes']);
    if (m) {
      const max = (k: string) => {
        if (!(k in m)) return undefined;
        const n = count(c, m[k], [...H, k]);
        return n === undefined ? undefined : { max: n, origin: c.origin([...H, k]) };
      };
      const authFailures = max('auth_failures');
      const malformed = max('malformed');
      const retransmissions = max('retransmissions');
      let natT: { value: 'allow' | 'forbid' | 'require'; origin: Origin } | undefined;
      if ('nat_t' in m) {
        const v = oneOf(c, m.nat_t, [...H, 'nat_t'], ['allow', 'forbid', 'require'] as const);
        if (v) natT = { value: v, origin: c.origin([...H, 'nat_t']) };
      }
      let forbidNotes: { notes: NoteMatcher[]; origin: Origin } | undefined;
      if ('forbid_notes' in m) forbidNotes = { notes: noteList(c, m.forbid_notes, [...H, 'forbid_notes']), origin: c.origin([...H, 'forbid_notes']) };
      health = {
        ...(authFailures ? { authFailures } : {}),
        ...(malformed ? { malformed } : {}),
        ...(retransmissions ? { retransmissions } : {}),
        ...(natT ? { natT } : {}),
        ...(forbidNotes ? { forbidNotes } : {}),
      };
    }
  }

  let traffic: Policy['traffic'];
  if ('traffic' in top) {
    const T = ['traffic'];
    const m = mapping(c, top.traffic, T, ['min_packets', 'protocol']);
    if (m) {
      let minPackets = 1;
      if ('min_packets' in m) {
        const n = count(c, m.min_packets, [...T, 'min_packets']);
        if (n !== undefined) minPackets = n;
      }
      const protocol = 'protocol' in m ? (oneOf(c, m.protocol, [...T, 'protocol'], ['any', 'ESP', 'AH'] as const) ?? 'any') : 'any';
      traffic = { minPackets, protocol, origin: c.origin(T) };
    }
  }

  if (c.problems.length) throw new PolicyError(byLine(c.problems));
  return { file, ...(name ? { name } : {}), unverifiable, ikeSas, ...(proposals ? { proposals } : {}), ...(health ? { health } : {}), ...(traffic ? { traffic } : {}) };
}
