/**
 * `espy keys -r FILE --keys … [--psk …]`: the SA store after reading the
 * capture — every IKE SA and ESP/AH SA espy found or derived, where each key
 * came from, what verified and how many packets decrypted. Secrets are shown
 * only with --show-secrets.
 *
 * Exit codes: 0 ok, 1 usage, 3 bad capture file.
 */
import yargs from 'yargs';
import { openCapture, CaptureError } from '../capture/index.js';
import { PacketDissector } from '../dissect/packet.js';
import { learnFromCapture } from '../decrypt/learn.js';
import { exportKeyTables } from '../decrypt/export.js';
import { originText, type ChildSaReport, type IkeSaReport, type KeyMaterial } from '../decrypt/types.js';
import { toHex } from '../core/bytes.js';
import { DecryptEngine } from '../decrypt/engine.js';
import { DECRYPT_OPTIONS, KeyLoadError, keyMaterialFromArgs } from './decrypt-options.js';

export interface KeysReport {
  schema: 'espy.keys/1';
  file: string;
  frames: number;
  keyFiles: { path: string; format: string; entries: number }[];
  issues: { file: string; line: number; message: string }[];
  ikeSas: Record<string, unknown>[];
  childSas: Record<string, unknown>[];
}

export async function keysMain(argv: string[]): Promise<number> {
  let a: Record<string, unknown>;
  try {
    a = await yargs(argv)
      .scriptName('espy keys')
      .usage('$0 -r FILE --keys KEYFILE… [--psk PSK…] [-T text|json] [--show-secrets] [--export-keys DIR]\n\nPrint the SAs espy finds and derives in a capture, with where each key came from and what verified.')
      .parserConfiguration({ 'greedy-arrays': false })
      .option('r', { alias: 'read-file', type: 'string', demandOption: true, describe: 'capture file' })
      .options(DECRYPT_OPTIONS)
      .option('T', { choices: ['text', 'json'], default: 'text', describe: 'output format' })
      .option('export-keys', { type: 'string', describe: 'also write Wireshark key tables into this directory' })
      .help()
      .alias('h', 'help')
      .strict()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`espy keys: ${(e as Error).message}\n`);
    return 1;
  }
  let km: KeyMaterial | undefined;
  try {
    km = keyMaterialFromArgs(a);
  } catch (e) {
    if (e instanceof KeyLoadError) {
      process.stderr.write(`espy keys: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (!km) {
    process.stderr.write('espy keys: no keys given (--keys, --psk or --psk-file)\n');
    return 1;
  }
  const file = String(a.r);
  const show = a['show-secrets'] === true;
  const engine = new DecryptEngine(km);
  let frames = 0;
  let fault: string | undefined;
  try {
    await learnFromCapture(file, engine);
    const reader = await openCapture(file);
    const d = new PacketDissector({ decrypt: engine });
    try {
      for (;;) {
        const batch = await reader.next();
        if (!batch) break;
        for (const f of batch) {
          frames++;
          d.dissect(f);
        }
      }
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      fault = `${e.message} (after frame ${frames})`;
    } finally {
      reader.close();
    }
  } catch (e) {
    if (e instanceof CaptureError) {
      process.stderr.write(`espy keys: ${e.message}\n`);
      return 3;
    }
    throw e;
  }
  const report = buildKeysReport(file, frames, km, engine.ikeSas(), engine.childSas(), show);
  process.stdout.write(a.T === 'json' ? JSON.stringify(report, null, 2) + '\n' : keysText(report));
  if (typeof a['export-keys'] === 'string') {
    const r = exportKeyTables(a['export-keys'], engine.ikeSas(), engine.childSas());
    process.stderr.write(`espy keys: wrote ${r.lines} key line(s) to ${r.files.join(', ')}\n`);
  }
  if (fault) {
    process.stderr.write(`espy keys: ${fault}\n`);
    return 3;
  }
  return 0;
}

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export function buildKeysReport(file: string, frames: number, km: KeyMaterial, ike: readonly IkeSaReport[], child: readonly ChildSaReport[], show: boolean): KeysReport {
  return {
    schema: 'espy.keys/1',
    file,
    frames,
    keyFiles: km.files.map((f) => ({ path: f.path, format: f.format, entries: f.entries })),
    issues: km.issues.map((i) => ({ file: i.file, line: i.line, message: i.message })),
    ikeSas: ike.map((s) => ({
      version: s.version,
      spi_i: s.spiI,
      spi_r: s.spiR,
      ...(s.initiator ? { initiator: s.initiator } : {}),
      ...(s.responder ? { responder: s.responder } : {}),
      ...(s.encr ? { encr: s.encr } : {}),
      ...(s.integ ? { integ: s.integ } : {}),
      ...(s.prf ? { prf: s.prf } : {}),
      ...(s.dhGroup !== undefined ? { dh_group: s.dhGroup } : {}),
      keys_from: s.keys ? originText(s.keys) : null,
      ...(s.rekeyOf ? { rekey_of: s.rekeyOf } : {}),
      messages: s.messages,
      encrypted: s.encrypted,
      decrypted: s.decrypted,
      failed: s.failed,
      checks: s.checks.map((c) => ({ what: c.what, frame: c.frame, ok: c.ok ?? null, ...(c.detail ? { detail: c.detail } : {}) })),
      children: [...s.children],
      ...(show ? { secrets: Object.fromEntries(Object.entries(s.secrets).map(([k, v]) => [k, toHex(v)])) } : {}),
    })),
    childSas: child.map(({ sa, counters: c }) => ({
      protocol: sa.protocol,
      spi: hex8(sa.spi),
      ...(sa.src ? { src: sa.src } : {}),
      ...(sa.dst ? { dst: sa.dst } : {}),
      ...(sa.encr ? { encr: sa.encr.name } : {}),
      ...(sa.integ ? { integ: sa.integ.name } : {}),
      ...(sa.esn !== undefined ? { esn: sa.esn } : {}),
      keys_from: originText(sa.origin),
      ...(sa.ikeSa ? { ike_sa: sa.ikeSa } : {}),
      ...(sa.direction ? { direction: sa.direction } : {}),
      packets: c.packets,
      bytes: c.bytes,
      decrypted: c.decrypted,
      icv_failures: c.icvBad,
      bad_padding: c.padBad,
      duplicates: c.duplicates,
      gaps: c.gaps,
      ...(show ? { encr_key: sa.encrKey ? toHex(sa.encrKey) : null, integ_key: sa.integKey ? toHex(sa.integKey) : null } : {}),
    })),
  };
}

function keysText(r: KeysReport): string {
  const out: string[] = [];
  out.push(`Keys for ${r.file} (${r.frames} frames)`);
  for (const f of r.keyFiles) out.push(`  loaded ${f.path}: ${f.format}, ${f.entries} entr${f.entries === 1 ? 'y' : 'ies'}`);
  if (r.issues.length) out.push(`  ${r.issues.length} key-file line(s) skipped (see stderr)`);
  out.push('', `IKE SAs: ${r.ikeSas.length}`);
  for (const s of r.ikeSas) {
    out.push(`  IKEv${s.version} ${s.spi_i}/${s.spi_r}${s.initiator ? `  ${s.initiator} -> ${s.responder ?? '?'}` : ''}`);
    const algs = [s.encr, s.integ, s.prf, s.dh_group !== undefined ? `DH ${s.dh_group}` : undefined].filter(Boolean).join(', ');
    if (algs) out.push(`    algorithms: ${algs}`);
    out.push(`    keys from: ${s.keys_from ?? 'none (no matching key)'}`);
    if (s.rekey_of) out.push(`    rekey of: ${s.rekey_of}`);
    out.push(`    messages: ${s.messages}, encrypted ${s.encrypted}, decrypted ${s.decrypted}, failed ${s.failed}`);
    for (const c of s.checks as { what: string; frame: number; ok: boolean | null; detail?: string }[]) out.push(`    ${c.what} (frame ${c.frame}): ${c.ok === true ? 'verified' : c.ok === false ? 'DOES NOT VERIFY' : 'not checked'}${c.detail ? ` (${c.detail})` : ''}`);
    if ((s.children as string[]).length) out.push(`    child SAs: ${(s.children as string[]).join(', ')}`);
    if (s.secrets) for (const [k, v] of Object.entries(s.secrets as Record<string, string>)) out.push(`    ${k} = ${v}`);
  }
  out.push('', `ESP/AH SAs: ${r.childSas.length}`);
  for (const c of r.childSas) {
    out.push(`  ${String(c.protocol).toUpperCase()} SPI ${c.spi}  ${c.src ?? '*'} -> ${c.dst ?? '*'}  ${[c.encr, c.integ].filter(Boolean).join(' + ')}${c.esn ? ' ESN' : ''}`);
    out.push(`    keys from: ${c.keys_from}${c.ike_sa ? ` (IKE SA ${c.ike_sa})` : ''}`);
    out.push(`    packets ${c.packets}, decrypted ${c.decrypted}, ICV failures ${c.icv_failures}, bad padding ${c.bad_padding}, duplicates ${c.duplicates}, gaps ${c.gaps}`);
    if (c.encr_key !== undefined) out.push(`    encryption key = ${c.encr_key ?? '-'}`, `    integrity key = ${c.integ_key ?? '-'}`);
  }
  if (!r.ikeSas.length && !r.childSas.length) out.push('', 'No SAs: the keys given match nothing in this capture.');
  return out.join('\n') + '\n';
}
