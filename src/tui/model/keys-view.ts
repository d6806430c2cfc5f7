/**
 * The keys view (`K`): where keys came from, and the SA store the analysis
 * pass's engine built (IKE SAs, ESP/AH SAs: algorithms, keys from, what was
 * decrypted, ICV failures). Secrets appear only with `--show-secrets`.
 */
import { toHex } from '../../core/bytes.js';
import { originText } from '../../decrypt/types.js';
import type { AnalysisScan } from './analysis.js';
import type { Decryption } from './decryption.js';

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export const KEYS_VIEW_HINT = 'o: load a key file   p: enter a PSK   (formats: docs/keys.md)';

export function keysViewLines(dec: Decryption | undefined, scan: AnalysisScan | undefined): string[] {
  const out: string[] = [KEYS_VIEW_HINT, ''];
  const show = dec?.showSecrets ?? false;
  const sources = dec?.sources() ?? [];
  out.push('Key sources:');
  if (!sources.length) out.push('  none (start espy with --keys FILE / --psk SECRET, or press o or p here)');
  for (const s of sources) out.push(`  ${s}`);
  const issues = dec?.material?.issues ?? [];
  if (issues.length) {
    out.push(`  ${issues.length} key-file line${issues.length === 1 ? '' : 's'} skipped:`);
    for (const i of issues.slice(0, 5)) out.push(`    ${i.file}:${i.line}: ${i.message}`);
    if (issues.length > 5) out.push(`    … and ${issues.length - 5} more`);
  }
  if (dec?.message) out.push(`  last: ${dec.message}`);
  const status = dec?.statusText();
  out.push(`State: ${status ?? 'no decryption'}`);
  out.push('');
  const r = scan?.reports();
  if (!r) {
    if (sources.length) out.push('SA store: analysing the capture…');
    return out;
  }
  if (!scan!.done) out.push(`(analysing the capture: ${Math.floor(scan!.progress * 100)}%; counters are still growing)`, '');
  out.push(`IKE SAs: ${r.ike.length}`);
  for (const s of r.ike) {
    out.push(`  IKEv${s.version} ${s.spiI}/${s.spiR}${s.initiator ? `  ${s.initiator} -> ${s.responder ?? '?'}` : ''}`);
    const algs = [s.encr, s.integ, s.prf, s.dhGroup !== undefined ? `DH ${s.dhGroup}` : undefined].filter(Boolean).join(', ');
    if (algs) out.push(`    algorithms: ${algs}`);
    out.push(`    keys from: ${s.keys ? originText(s.keys) : 'none (no matching key)'}`);
    if (s.rekeyOf) out.push(`    rekey of: ${s.rekeyOf}`);
    out.push(`    messages ${s.messages}, encrypted ${s.encrypted}, decrypted ${s.decrypted}, failed ${s.failed}`);
    for (const c of s.checks) out.push(`    ${c.what} (frame ${c.frame}): ${c.ok === true ? 'verified' : c.ok === false ? 'DOES NOT VERIFY' : 'not checked'}${c.detail ? ` (${c.detail})` : ''}`);
    if (s.children.length) out.push(`    child SAs: ${s.children.join(', ')}`);
    const names = Object.keys(s.secrets);
    if (names.length) {
      if (show) for (const [k, v] of Object.entries(s.secrets)) out.push(`    ${k} = ${toHex(v)}`);
      else out.push(`    secrets: ${names.join(', ')} (hidden; start with --show-secrets to see them)`);
    }
  }
  out.push('', `ESP/AH SAs: ${r.child.length}`);
  for (const { sa, counters: c } of r.child) {
    out.push(`  ${sa.protocol.toUpperCase()} SPI ${hex8(sa.spi)}  ${sa.src ?? '*'} -> ${sa.dst ?? '*'}  ${[sa.encr?.name, sa.integ?.name].filter(Boolean).join(' + ')}${sa.esn ? ' ESN' : ''}`);
    out.push(`    keys from: ${originText(sa.origin)}${sa.ikeSa ? ` (IKE SA ${sa.ikeSa})` : ''}`);
    out.push(`    packets ${c.packets}, decrypted ${c.decrypted}, ICV failures ${c.icvBad}, bad padding ${c.padBad}, duplicates ${c.duplicates}, gaps ${c.gaps}`);
    if (show) out.push(`    encryption key = ${sa.encrKey ? toHex(sa.encrKey) : '-'}`, `    integrity key = ${sa.integKey ? toHex(sa.integKey) : '-'}`);
  }
  if (!r.ike.length && !r.child.length) out.push('', 'No SAs: the keys given match nothing in this capture.');
  return out;
}
