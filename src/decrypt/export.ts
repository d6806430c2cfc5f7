/**
 * `--export-keys DIR`: what espy knows or derived, written as Wireshark's
 * key tables (ikev1_decryption_table, ikev2_decryption_table, esp_sa) so the
 * same capture opens decrypted in Wireshark too. Lines follow the format
 * Wireshark writes (and src/decrypt/keys/wireshark.ts reads back).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../core/bytes.js';
import { ENCRS, INTEGS } from './algorithms.js';
import type { ChildSaReport, IkeSaReport } from './types.js';

const HEADER = '# Written by espy --export-keys. Wireshark: Preferences > Protocols > ISAKMP / ESP.\n';

/** Wireshark's esp_sa encryption labels need the key length to pick a row; the row's label is enough for the parser. */
export function exportKeyTables(dir: string, ike: readonly IkeSaReport[], children: readonly ChildSaReport[]): { files: string[]; lines: number } {
  mkdirSync(dir, { recursive: true });
  const v1: string[] = [];
  const v2: string[] = [];
  const esp: string[] = [];
  for (const s of ike) {
    const k = s.secrets;
    if (s.version === 1 && k.Ka) v1.push(`${s.spiI},${toHex(k.Ka)}`);
    if (s.version === 2 && k.SK_ei && k.SK_er) {
      const encrRow = s.encrRow ?? ENCRS.find((r) => (r.name === s.encr || r.strongswan === s.encr) && (r.keyLen + r.saltLen === k.SK_ei!.length));
      const integRow = s.integRow ?? INTEGS.find((r) => r.name === s.integ || r.strongswan === s.integ);
      const encr = encrRow?.wiresharkIkev2 ?? s.encr ?? '';
      const integ = integRow?.wiresharkIkev2 ?? s.integ ?? '';
      v2.push([s.spiI, s.spiR, toHex(k.SK_ei), toHex(k.SK_er), `"${encr}"`, toHex(k.SK_ai ?? new Uint8Array(0)), toHex(k.SK_ar ?? new Uint8Array(0)), `"${integ}"`].join(','));
    }
  }
  for (const { sa } of children) {
    if (sa.protocol !== 'esp' || !sa.encr) continue;
    const family = sa.dst?.includes(':') || sa.src?.includes(':') ? 'IPv6' : 'IPv4';
    const encrLabel = sa.encr.wiresharkEsp ?? sa.encr.name;
    const authLabel = sa.encr.aead ? 'NULL' : (sa.integ?.wiresharkEsp ?? 'NULL');
    const authKey = sa.encr.aead || !sa.integKey?.length ? '' : `0x${toHex(sa.integKey)}`;
    esp.push(
      [`"${family}"`, `"${sa.src ?? '*'}"`, `"${sa.dst ?? '*'}"`, `"0x${(sa.spi >>> 0).toString(16).padStart(8, '0')}"`, `"${encrLabel}"`, `"${sa.encrKey?.length ? `0x${toHex(sa.encrKey)}` : ''}"`, `"${authLabel}"`, `"${authKey}"`].join(','),
    );
  }
  const files: string[] = [];
  const put = (name: string, lines: string[]) => {
    const p = join(dir, name);
    writeFileSync(p, HEADER + lines.map((l) => l + '\n').join(''));
    files.push(p);
  };
  put('ikev1_decryption_table', v1);
  put('ikev2_decryption_table', v2);
  put('esp_sa', esp);
  return { files, lines: v1.length + v2.length + esp.length };
}
