/**
 * Readable proposal summaries, e.g. `AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048`,
 * built from the names the decoders' value tables give (read from the tree),
 * shortened the way strongSwan and the IANA registry write them.
 */
import type { ProposalObs, TransformObs } from './observe.js';

/** IKEv2 transform types (RFC 7296 §3.3.2) in the order the summary lists them: ENCR, INTEG, PRF, DH, ESN. */
const V2_ORDER = [1, 3, 2, 4, 5];

/** Shorten a value-table name: drop `ENCR_`/`AUTH_` prefixes, write DH groups as `MODP_2048` / `ECP_384` / `CURVE_25519`. */
export function shortName(name: string): string {
  let n = name.trim().replace(/\s*\(\d+\)$/, '');
  n = n.replace(/^(ENCR|AUTH)_/, '');
  const aead = /^AES-(GCM|CCM) with an? (\d+) octet ICV$/i.exec(n);
  if (aead) return `AES_${aead[1]!.toUpperCase()}_${aead[2]}`;
  const modp = /(\d+)[- ]bit MODP/i.exec(n);
  if (modp && !/subgroup/i.test(n)) return `MODP_${modp[1]}`;
  const ecp = /(\d+)[- ]bit (random )?ECP/i.exec(n);
  if (ecp) return `ECP_${ecp[1]}`;
  const bp = /brainpool.*?(\d+)/i.exec(n);
  if (bp) return `ECP_${bp[1]}_BP`;
  const curve = /^Curve\s*(25519|448)$/i.exec(n);
  if (curve) return `CURVE_${curve[1]}`;
  return n.replace(/\s+/g, '_');
}

function tfName(t: TransformObs): string {
  const base = t.name !== undefined ? shortName(t.name) : t.id !== undefined ? `#${t.id}` : '?';
  return t.keyLength !== undefined ? `${base}-${t.keyLength}` : base;
}

/** IKEv1 attributes (RFC 2409 App. A) in summary order. */
const V1_ATTRS = ['encryption_algorithm', 'hash_algorithm', 'auth_algorithm', 'group_description', 'authentication_method', 'encap_mode'];

export function proposalSummary(p: ProposalObs, version: 1 | 2): string {
  if (version === 2 || p.transforms.some((t) => t.type !== undefined)) {
    const parts: string[] = [];
    for (const type of V2_ORDER) {
      const ts = p.transforms.filter((t) => t.type === type);
      // ESN "No ESN" is the default: leave it out unless ESN is offered.
      if (type === 5 && ts.every((t) => t.id === 0)) continue;
      if (ts.length) parts.push(ts.map(tfName).join('|'));
    }
    return parts.join('/') || '(no transforms)';
  }
  // IKEv1: one transform per alternative; each is a full set of attributes.
  return p.transforms
    .map((t) => {
      const parts: string[] = [];
      if (t.name !== undefined && !/^KEY_IKE$/i.test(t.name)) parts.push(shortName(t.name));
      for (const a of V1_ATTRS) {
        const v = t.attrs[a];
        if (!v) continue;
        parts.push(a === 'encryption_algorithm' && t.keyLength !== undefined ? `${shortName(v.name)}-${t.keyLength}` : shortName(v.name));
      }
      if (t.name !== undefined && t.keyLength !== undefined && !t.attrs['encryption_algorithm']) parts[0] = `${parts[0]}-${t.keyLength}`;
      return parts.join('/') || '(no attributes)';
    })
    .join(' | ') || '(no transforms)';
}
