/**
 * strongSwan charon logs at `ike`/`chd` level 4 (charon.filelog / syslog; `charon-cmd --debug 4`).
 * charon dumps every derived secret as a hexdump:
 *
 *   14[IKE] <gcap|1> SKEYSEED => 32 bytes @ 0x7f907400d060
 *   14[IKE] <gcap|1>    0: DA 38 31 60 F5 33 4E 98 66 60 92 33 71 C3 E7 FB  .81`.3N.f`.3q...
 *
 * What is read, per IKE SA (the `<name|uniqueid>` context):
 * - IKE SPIs: the first 16 bytes of a `natd_chunk` dump (SPIi ‖ SPIr ‖ address ‖ port, RFC 7296
 *   §2.23 / RFC 3947 §3) or of the IKE_SA_INIT message in an `octets = message + …` dump;
 * - `selected proposal: IKE:…` and `selected proposal: ESP:…|AH:…` (algorithms, PFS group, ESN);
 * - IKEv2: `shared Diffie Hellman secret`, `SKEYSEED`, `Sk_d/ai/ar/ei/er/pi/pr secret`;
 * - IKEv1: `shared Diffie Hellman secret`, `SKEYID`, `SKEYID_d/a/e`, `encryption key Ka`, `initial IV`;
 * - CHILD SAs: `encryption|integrity initiator|responder key`, then `adding inbound|outbound ESP|AH SA`
 *   with `SPI 0x…, src A dst B`. The logging peer's role in the exchange (initiator when the last
 *   message it parsed in that IKE SA was a response) says which keys protect which direction;
 * - `DH secret` of a CHILD_SA with PFS (kept as a DhEntry for the IKE SA);
 * - the pre-shared key, when charon dumps it as `secret` before `prf(secret, keypad)` (IKEv2 AUTH).
 *
 * A rekeyed IKE SA (CREATE_CHILD_SA) is derived in the old SA's context, and its new SPIs are not
 * in the log: its SK_* cannot be tied to an SA and are reported as an issue; its DH secret is kept
 * (without SPIs) so the engine can derive the keys from SK_d of the old SA.
 */
import { readFileSync } from 'node:fs';
import { encrKeymatLen, integByStrongswan, type EncrRow, type IntegRow, type PrfRow } from '../algorithms.js';
import type { ChildSaKeyEntry, KeyMaterial, KeyOrigin } from '../types.js';
import { dhGroupByName, encrByName, integByName, MaterialBuilder, normalizeAddress, prfByName, toHexString } from './common.js';

const LINE = /(?:^|\s)(\d{2,3})\[([A-Z]{3})\] (?:<([^>]+)> )?(.*)$/;
const DUMP_LABEL = /^(.*?) => (\d+) bytes @ (?:0x[0-9a-fA-F]+|\(nil\))$/;
const DUMP_ROW = /^\s*\d+: ((?:[0-9A-F]{2} ){1,16})/;

/** True when the text looks like a charon log (`NN[IKE]`-style thread/group prefixes). */
export function looksLikeStrongswanLog(text: string): boolean {
  let hits = 0;
  for (const l of text.split(/\r?\n/, 300)) if (/(?:^|\s)\d{2,3}\[(IKE|CFG|ENC|NET|CHD|KNL|LIB|DMN|ESP|JOB|MGR|ASN|APP|TLS|IMC|IMV|PTS|TNC)\] /.test(l)) hits++;
  return hits >= 3;
}

export interface Proposal {
  encr?: EncrRow;
  integ?: IntegRow;
  prf?: PrfRow;
  dhGroup?: number;
  esn?: boolean;
  protocol: 'IKE' | 'ESP' | 'AH';
  /** Tokens that did not map to an algorithm espy knows. */
  unknown: string[];
}

/** Parse a strongSwan proposal string such as `IKE:AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048`. */
export function parseStrongswanProposal(s: string): Proposal | undefined {
  const m = /^(IKE|ESP|AH):(.*)$/.exec(s.trim());
  if (!m) return undefined;
  const p: Proposal = { protocol: m[1] as Proposal['protocol'], unknown: [] };
  for (const tok of m[2]!.split('/')) {
    if (tok === 'EXT_SEQ') p.esn = true;
    else if (tok === 'NO_EXT_SEQ') p.esn = false;
    else if (dhGroupByName(tok) !== undefined && !/^\d+$/.test(tok)) p.dhGroup = dhGroupByName(tok);
    else if (tok.startsWith('PRF_') && prfByName(tok)) p.prf = prfByName(tok);
    else if (integByName(tok) && tok !== 'NULL') p.integ = integByName(tok);
    else if (encrByName(tok)) p.encr = encrByName(tok);
    else p.unknown.push(tok);
  }
  return p;
}

interface Dump {
  bytes: Uint8Array;
  line: number;
}

interface IkeRec {
  line: number;
  proposal?: Proposal;
  fields: Map<string, Dump>;
}

interface ChildSide {
  dir: 'in' | 'out';
  protocol: 'esp' | 'ah';
  line: number;
}

interface Ctx {
  name: string;
  spiI?: string;
  spiR?: string;
  recs: IkeRec[];
  ikeProposal?: Proposal;
  childProposal?: Proposal;
  lastParsed?: 'request' | 'response';
  childKeys: Map<string, Dump>;
  pendingSa?: ChildSide;
  childName?: string;
}

const IKE_LABELS: Record<string, string> = {
  'shared Diffie Hellman secret': 'dh',
  SKEYSEED: 'skeyseed',
  'Sk_d secret': 'skD',
  'Sk_ai secret': 'skAi',
  'Sk_ar secret': 'skAr',
  'Sk_ei secret': 'skEi',
  'Sk_er secret': 'skEr',
  'Sk_pi secret': 'skPi',
  'Sk_pr secret': 'skPr',
  SKEYID: 'skeyid',
  SKEYID_d: 'skeyidD',
  SKEYID_a: 'skeyidA',
  SKEYID_e: 'skeyidE',
  'encryption key Ka': 'ka',
  'initial IV': 'iv',
};
/** Labels that start a new key set when the current one already has them. */
const STARTERS = new Set(['dh', 'skeyseed', 'skeyid']);

const CHILD_LABELS: Record<string, string> = {
  'encryption initiator key': 'ei',
  'encryption responder key': 'er',
  'integrity initiator key': 'ai',
  'integrity responder key': 'ar',
};

/** Parse a charon log; entries carry file and line of the dump or SA line they came from. */
export function parseStrongswanLog(text: string, file = 'charon.log'): KeyMaterial {
  const b = new MaterialBuilder(file, 'strongswan-log');
  const lines = text.split(/\r?\n/);
  const parsed = lines.map((l) => LINE.exec(l));
  const ctxs = new Map<string, Ctx>();
  const order: Ctx[] = [];
  const pendingSecret = new Map<string, Dump>();
  const psksSeen = new Set<string>();
  const ctxOf = (name: string): Ctx => {
    let c = ctxs.get(name);
    if (!c) {
      c = { name: `#${name}`, recs: [], childKeys: new Map() };
      ctxs.set(name, c);
      order.push(c);
    }
    return c;
  };
  const origin = (line: number, detail: string): KeyOrigin => ({ kind: 'strongswan-log', file, line, detail });

  /** Read the hexdump rows that follow line index `i` (same thread) for `n` bytes. */
  const readDump = (i: number, n: number): Uint8Array | undefined => {
    const thread = parsed[i]![1];
    const out: number[] = [];
    // Rows may interleave with other threads' lines, but not without bound (keeps big logs linear).
    const limit = Math.min(lines.length, i + 1 + 4 * Math.ceil(n / 16) + 256);
    for (let j = i + 1; j < limit && out.length < n; j++) {
      const p = parsed[j];
      if (!p || p[1] !== thread) continue;
      const row = DUMP_ROW.exec(p[4]!);
      if (!row) return undefined;
      const bytes = row[1]!.trim().split(' ');
      for (const x of bytes.slice(0, Math.min(16, n - out.length))) out.push(parseInt(x, 16));
    }
    return out.length === n ? Uint8Array.from(out) : undefined;
  };

  for (let i = 0; i < lines.length; i++) {
    const p = parsed[i];
    if (!p) continue;
    const line = i + 1;
    const thread = p[1]!;
    // `<name|uniqueid>`, or `<uniqueid>` before the responder knows the config: key by unique id.
    const ctxName = p[3] === undefined ? undefined : p[3].slice(p[3].lastIndexOf('|') + 1);
    const msg = p[4]!;
    if (msg.startsWith('Starting IKE charon daemon')) {
      // A restart: unique ids start again at 1, so earlier IKE SAs must not absorb later keys.
      ctxs.clear();
      pendingSecret.clear();
      continue;
    }
    const label = DUMP_LABEL.exec(msg);
    if (label) {
      const name = label[1]!.trim();
      const n = Number(label[2]);
      const watched =
        name === 'natd_chunk' ||
        name.startsWith('octets = message') ||
        name in IKE_LABELS ||
        name in CHILD_LABELS ||
        name === 'DH secret' ||
        name === 'secret' ||
        name === 'prf(secret, keypad)';
      if (!watched) continue;
      const bytes = n === 0 ? new Uint8Array(0) : readDump(i, n);
      if (!bytes) {
        if (name in IKE_LABELS || name in CHILD_LABELS || name === 'DH secret') b.issue(line, `${name}: hexdump incomplete or missing`);
        continue;
      }
      const dump = { bytes, line };
      if (name === 'secret') {
        pendingSecret.set(thread, dump);
        continue;
      }
      if (name === 'prf(secret, keypad)') {
        const s = pendingSecret.get(thread);
        pendingSecret.delete(thread);
        if (s && s.bytes.length > 0) {
          const k = toHexString(s.bytes);
          if (!psksSeen.has(k)) {
            psksSeen.add(k);
            b.km.psks.push({ psk: s.bytes, origin: origin(s.line, 'pre-shared key used for AUTH') });
          }
        }
        continue;
      }
      if (!ctxName) continue;
      const c = ctxOf(ctxName);
      if (name === 'natd_chunk' || name.startsWith('octets = message')) {
        if (bytes.length >= 16) {
          const spiI = toHexString(bytes.subarray(0, 8));
          const spiR = toHexString(bytes.subarray(8, 16));
          if (spiI !== '0000000000000000' && spiR !== '0000000000000000' && !c.spiI) {
            c.spiI = spiI;
            c.spiR = spiR;
          }
        }
        continue;
      }
      const ikeField = IKE_LABELS[name];
      if (ikeField) {
        let rec = c.recs[c.recs.length - 1];
        const hasKeys = rec !== undefined && (rec.fields.has('skeyseed') || rec.fields.has('skeyid'));
        if (!rec || (STARTERS.has(ikeField) && (hasKeys || rec.fields.has(ikeField)))) {
          rec = { line, fields: new Map(), ...(c.ikeProposal ? { proposal: c.ikeProposal } : {}) };
          c.recs.push(rec);
        }
        rec.fields.set(ikeField, dump);
        continue;
      }
      const childField = CHILD_LABELS[name];
      if (childField) {
        c.childKeys.set(childField, dump);
        continue;
      }
      if (name === 'DH secret') {
        b.km.dh.push({
          sharedSecret: bytes,
          ...(c.childProposal?.dhGroup !== undefined ? { group: c.childProposal.dhGroup } : {}),
          ...(c.spiI ? { spiI: c.spiI, spiR: c.spiR } : {}),
          origin: origin(line, `CHILD_SA PFS DH secret, IKE SA ${c.name}`),
        });
      }
      continue;
    }
    if (!ctxName) continue;
    const named = /^(.+)\|\d+$/.exec(p[3]!);
    if (named) ctxOf(ctxName).name = `${named[1]}[${ctxName}]`;
    let m: RegExpExecArray | null;
    if ((m = /^selected proposal: (\S+)$/.exec(msg))) {
      const c = ctxOf(ctxName);
      const prop = parseStrongswanProposal(m[1]!);
      if (!prop) continue;
      if (prop.protocol === 'IKE') c.ikeProposal = prop;
      else {
        c.childProposal = prop;
        c.childKeys.clear();
      }
      continue;
    }
    if ((m = /^parsed [A-Z_]+ (request|response) \d+ /.exec(msg))) {
      ctxOf(ctxName).lastParsed = m[1] as 'request' | 'response';
      continue;
    }
    if ((m = /^(?:establishing|CHILD_SA) (\S+?)\{\d+\}/.exec(msg))) {
      ctxOf(ctxName).childName = m[1];
      // fall through: not a key line
    }
    if ((m = /^adding (inbound|outbound) (ESP|AH) SA$/.exec(msg))) {
      ctxOf(ctxName).pendingSa = { dir: m[1] === 'inbound' ? 'in' : 'out', protocol: m[2] === 'ESP' ? 'esp' : 'ah', line };
      continue;
    }
    if ((m = /^\s*SPI 0x([0-9a-fA-F]{1,8}), src (\S+) dst (\S+)$/.exec(msg))) {
      const c = ctxOf(ctxName);
      const side = c.pendingSa;
      c.pendingSa = undefined;
      if (!side) continue;
      const entry = childEntry(c, side, parseInt(m[1]!, 16), m[2]!, m[3]!, line);
      if (typeof entry === 'string') b.issue(line, entry);
      else b.km.child.push(entry);
    }
  }

  function childEntry(c: Ctx, side: ChildSide, spi: number, srcText: string, dstText: string, line: number): ChildSaKeyEntry | string {
    const src = normalizeAddress(srcText);
    const dst = normalizeAddress(dstText);
    if (!src || !dst) return 'CHILD_SA: src/dst are not IP addresses';
    const prop = c.childProposal;
    if (!prop) return 'CHILD_SA installed without a "selected proposal" line before it';
    if (!c.lastParsed) return 'CHILD_SA: cannot tell whether the logging peer initiated the exchange';
    const weInitiated = c.lastParsed === 'response';
    // Outbound traffic uses our keys; the exchange initiator's are the "initiator" keys.
    const useInitiatorKeys = (side.dir === 'out') === weInitiated;
    const ek = c.childKeys.get(useInitiatorKeys ? 'ei' : 'er');
    const ak = c.childKeys.get(useInitiatorKeys ? 'ai' : 'ar');
    const o = origin(line, `${side.dir === 'in' ? 'inbound' : 'outbound'} ${side.protocol.toUpperCase()} SA${c.childName ? ` of CHILD_SA ${c.childName}` : ''}, IKE SA ${c.name}`);
    const base = { protocol: side.protocol, spi, src, dst, ...(prop.esn !== undefined ? { esn: prop.esn } : {}), origin: o };
    let integ = prop.integ;
    if (side.protocol === 'esp') {
      if (!prop.encr) return `CHILD_SA: encryption algorithm of the proposal is not supported (${prop.unknown.length ? 'unknown transform' : 'none'})`;
      if (!ek) return 'CHILD_SA: no encryption key logged for it';
      if (ek.bytes.length !== encrKeymatLen(prop.encr)) return `CHILD_SA: encryption key is ${ek.bytes.length} bytes, ${prop.encr.name} needs ${encrKeymatLen(prop.encr)}`;
      if (!integ) integ = prop.encr.aead ? integByStrongswan('NONE') : undefined;
      if (!integ) return 'CHILD_SA: integrity algorithm of the proposal is not supported';
    } else if (!integ) return 'CHILD_SA: AH without a supported integrity algorithm';
    if (integ!.keyLen > 0) {
      if (!ak) return 'CHILD_SA: no integrity key logged for it';
      if (ak.bytes.length !== integ!.keyLen) return `CHILD_SA: integrity key is ${ak.bytes.length} bytes, ${integ!.name} needs ${integ!.keyLen}`;
    }
    return {
      ...base,
      ...(side.protocol === 'esp' ? { encr: prop.encr!, encrKey: ek!.bytes } : {}),
      integ: integ!,
      ...(integ!.keyLen > 0 ? { integKey: ak!.bytes } : {}),
    };
  }

  // IKE SAs, in the order they appeared.
  for (const c of order) {
    c.recs.forEach((rec, idx) => {
      const f = (k: string) => rec.fields.get(k)?.bytes;
      const spiI = idx === 0 ? c.spiI : undefined;
      const spiR = idx === 0 ? c.spiR : undefined;
      const v2 = rec.fields.has('skeyseed') || rec.fields.has('skD') || rec.fields.has('skEi');
      const v1 = rec.fields.has('skeyid') || rec.fields.has('ka') || rec.fields.has('skeyidE');
      const dh = rec.fields.get('dh');
      const what = `IKE SA ${c.name}${idx > 0 ? ` (key set ${idx + 1}, rekeyed)` : ''}`;
      if (dh) {
        b.km.dh.push({
          sharedSecret: dh.bytes,
          ...(rec.proposal?.dhGroup !== undefined ? { group: rec.proposal.dhGroup } : {}),
          ...(spiI ? { spiI, spiR } : {}),
          origin: origin(dh.line, `DH secret of ${what}`),
        });
      }
      if (!v1 && !v2) return;
      if (!spiI || !spiR) {
        b.issue(
          rec.line,
          idx > 0
            ? `${what}: its SPIs are not in the log (IKE SA rekey), so its keys were not loaded; its DH secret was kept`
            : `${what}: no natd_chunk or IKE_SA_INIT dump gives its SPIs (an IKE SA created by a rekey?), so its keys were not loaded; its DH secret was kept`,
        );
        return;
      }
      const o = origin(rec.line, what);
      if (v2) {
        b.km.ikev2.push({
          spiI,
          spiR,
          ...(rec.proposal?.encr ? { encr: rec.proposal.encr } : {}),
          ...(rec.proposal?.integ ? { integ: rec.proposal.integ } : rec.proposal?.encr?.aead ? { integ: integByStrongswan('NONE')! } : {}),
          ...(rec.proposal?.prf ? { prf: rec.proposal.prf } : {}),
          ...(f('skD') ? { skD: f('skD') } : {}),
          ...(f('skAi') ? { skAi: f('skAi') } : {}),
          ...(f('skAr') ? { skAr: f('skAr') } : {}),
          ...(f('skEi') ? { skEi: f('skEi') } : {}),
          ...(f('skEr') ? { skEr: f('skEr') } : {}),
          ...(f('skPi') ? { skPi: f('skPi') } : {}),
          ...(f('skPr') ? { skPr: f('skPr') } : {}),
          origin: o,
        });
      } else {
        b.km.ikev1.push({
          icookie: spiI,
          rcookie: spiR,
          ...(f('ka') ? { ka: f('ka') } : {}),
          ...(f('skeyid') ? { skeyid: f('skeyid') } : {}),
          ...(f('skeyidD') ? { skeyidD: f('skeyidD') } : {}),
          ...(f('skeyidA') ? { skeyidA: f('skeyidA') } : {}),
          ...(f('skeyidE') ? { skeyidE: f('skeyidE') } : {}),
          ...(f('iv') ? { iv: f('iv') } : {}),
          ...(rec.proposal?.encr ? { encr: rec.proposal.encr } : {}),
          ...(rec.proposal?.prf ? { prf: rec.proposal.prf } : {}),
          origin: o,
        });
      }
    });
  }
  return b.done();
}

export function loadStrongswanLog(path: string): KeyMaterial {
  return parseStrongswanLog(readFileSync(path, 'utf8'), path);
}
