/**
 * Decryption from the command line, end to end on the real captures:
 * `espy -r … --keys …` decrypts every ESP packet and every encrypted IKE
 * message, the results agree with tshark decrypting the same file with the
 * same keys, and the exports (--export-decrypted, --export-keys) are files
 * tshark and espy read back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStrongswanLog } from '../src/decrypt/keys/strongswan.js';
import { toHex } from '../src/core/bytes.js';
import { espy, generatedCases, GENERATED, HAVE_TSHARK, tshark } from './helpers.js';

interface JsonLayer {
  protocol: string;
  notes: { id: string }[];
}
interface JsonPacket {
  frame: number;
  layers: JsonLayer[];
  sources: { name: string; length: number }[];
}

function packets(stdout: string): JsonPacket[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as JsonPacket);
}

const keyFiles = (c: string) => ['esp_sa', 'ikev1_decryption_table', 'ikev2_decryption_table'].map((f) => join(GENERATED, c, 'keys', f)).filter(hasRows);
/** A key table with at least one entry (Wireshark 4.0 has no ChaCha20 label, so that case's esp_sa is empty). */
const hasRows = (f: string) => existsSync(f) && readFileSync(f, 'utf8').split('\n').some((l) => l.trim() && !l.startsWith('#'));
const espCases = generatedCases().filter((c) => c.esp_spis.length > 0 && hasRows(join(GENERATED, c.case, 'keys', 'esp_sa')));
/** ESP cases whose esp_sa table is empty: their keys come from the charon log. */
const logOnlyCases = generatedCases().filter((c) => c.esp_spis.length > 0 && !hasRows(join(GENERATED, c.case, 'keys', 'esp_sa')) && existsSync(join(GENERATED, c.case, 'logs', 'initiator-charon.log')));

/** tshark's count of inner protocol `proto` with the case's esp_sa table. */
function tsharkInner(cap: string, espSa: string, filter: string): number {
  const uat = readFileSync(espSa, 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .flatMap((l) => ['-o', `uat:esp_sa:${l}`]);
  const out = tshark(['-r', cap, '-o', 'esp.enable_encryption_decode:TRUE', ...uat, '-Y', filter, '-T', 'fields', '-e', 'frame.number']);
  return out.split('\n').filter((l) => l.trim()).length;
}

for (const c of espCases) {
  test(`${c.case}: every ESP packet decrypts with the esp_sa table, ICV good, inner packet dissected`, () => {
    const cap = join(GENERATED, c.case, c.captures[0]!);
    const r = espy(['-r', cap, '--keys', join(GENERATED, c.case, 'keys', 'esp_sa'), '-T', 'jsonl']);
    assert.equal(r.status, 0, r.stderr);
    const ps = packets(r.stdout);
    const esp = ps.filter((p) => p.layers.some((l) => l.protocol === 'esp'));
    assert.ok(esp.length > 0, 'the case has ESP packets');
    for (const p of esp) {
      const i = p.layers.findIndex((l) => l.protocol === 'esp');
      const bad = p.layers[i]!.notes.filter((n) => /^esp\.(icv|pad|short)/.test(n.id));
      assert.deepEqual(bad, [], `frame ${p.frame}: ${JSON.stringify(bad)}`);
      assert.ok(p.sources.some((s) => s.name === 'Decrypted ESP'), `frame ${p.frame} has a Decrypted ESP source`);
      const inner = p.layers.slice(i + 1).map((l) => l.protocol);
      assert.ok(inner.includes('ip') || inner.includes('ipv6') || inner.includes('icmp') || inner.includes('udp') || inner.includes('tcp'), `frame ${p.frame}: inner layers ${inner.join(':')}`);
    }
    if (HAVE_TSHARK) {
      // The same keys in tshark: the same number of inner ICMP packets.
      const ours = ps.filter((p) => p.layers.some((l) => l.protocol === 'esp') && p.layers.some((l) => l.protocol === 'icmp' || l.protocol === 'icmpv6')).length;
      const theirs = tsharkInner(cap, join(GENERATED, c.case, 'keys', 'esp_sa'), 'esp && (icmp || icmpv6)');
      assert.equal(ours, theirs, 'decrypted ICMP packets: espy vs tshark');
    }
  });
}

for (const c of logOnlyCases) {
  test(`${c.case}: every ESP packet decrypts with the keys from the strongSwan charon log`, () => {
    const cap = join(GENERATED, c.case, c.captures[0]!);
    const r = espy(['-r', cap, '--keys', join(GENERATED, c.case, 'logs', 'initiator-charon.log'), '-T', 'jsonl']);
    assert.equal(r.status, 0, r.stderr);
    const esp = packets(r.stdout).filter((p) => p.layers.some((l) => l.protocol === 'esp'));
    assert.ok(esp.length > 0);
    for (const p of esp) {
      assert.ok(p.sources.some((s) => s.name === 'Decrypted ESP'), `frame ${p.frame} decrypted`);
      assert.ok(p.layers.some((l) => l.protocol === 'icmp'), `frame ${p.frame}: inner ICMP`);
    }
  });
}

test('a flipped key byte is an ICV finding per packet, never a bogus inner packet', () => {
  const c = espCases[0]!;
  const cap = join(GENERATED, c.case, c.captures[0]!);
  const dir = mkdtempSync(join(tmpdir(), 'espy-badkey-'));
  const bad = join(dir, 'esp_sa');
  const text = readFileSync(join(GENERATED, c.case, 'keys', 'esp_sa'), 'utf8');
  // Change the last hex digit of every authentication key (or, for AEAD, of the encryption key).
  const broken = text
    .split('\n')
    .map((l) => (l.startsWith('"') ? l.replace(/0x([0-9a-f]+)"(,"[^"]*","?)?$/i, (m) => m.replace(/([0-9a-f])"/i, (_d, h: string) => `${h === '0' ? '1' : '0'}"`)) : l))
    .join('\n');
  assert.notEqual(broken, text);
  writeFileSync(bad, broken);
  const r = espy(['-r', cap, '--keys', bad, '-T', 'jsonl']);
  assert.equal(r.status, 0, r.stderr);
  const esp = packets(r.stdout).filter((p) => p.layers.some((l) => l.protocol === 'esp'));
  for (const p of esp) {
    const i = p.layers.findIndex((l) => l.protocol === 'esp');
    assert.ok(p.layers[i]!.notes.some((n) => n.id === 'esp.icv.bad' || n.id === 'esp.pad.bad'), `frame ${p.frame} flags the bad key`);
    assert.ok(!p.sources.some((s) => s.name === 'Decrypted ESP'), `frame ${p.frame}: no plaintext from a wrong key`);
  }
});

for (const c of generatedCases().filter((x) => keyFiles(x.case).length > 1 && x.esp_spis.every(() => hasRows(join(GENERATED, x.case, 'keys', 'esp_sa'))))) {
  test(`${c.case}: espy keys reports every SA with keys, all IKE messages decrypted, no failures`, () => {
    const cap = join(GENERATED, c.case, c.captures[0]!);
    const args = ['keys', '-r', cap, '-T', 'json'];
    for (const f of keyFiles(c.case)) args.push('--keys', f);
    const r = espy(args);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { schema: string; ikeSas: { encrypted: number; decrypted: number; failed: number; secrets?: unknown }[]; childSas: { decrypted: number; icv_failures: number; packets: number; encr_key?: unknown }[] };
    assert.equal(rep.schema, 'espy.keys/1');
    for (const s of rep.ikeSas) {
      assert.equal(s.failed, 0);
      assert.equal(s.decrypted, s.encrypted, 'every encrypted IKE message of an SA with keys decrypts');
      assert.equal(s.secrets, undefined, 'no secrets without --show-secrets');
    }
    const used = rep.childSas.filter((s) => s.packets > 0);
    assert.ok(used.length > 0 || c.esp_spis.length === 0);
    for (const s of used) {
      assert.equal(s.icv_failures, 0);
      assert.equal(s.decrypted, s.packets);
      assert.equal(s.encr_key, undefined);
    }
  });
}

test('--export-decrypted writes the inner packets as a pcap that tshark reads', { skip: !HAVE_TSHARK && 'tshark not installed' }, () => {
  const c = espCases[0]!;
  const cap = join(GENERATED, c.case, c.captures[0]!);
  const dir = mkdtempSync(join(tmpdir(), 'espy-export-'));
  const out = join(dir, 'inner.pcap');
  const r = espy(['-r', cap, '--keys', join(GENERATED, c.case, 'keys', 'esp_sa'), '-q', '--export-decrypted', out]);
  assert.equal(r.status, 0, r.stderr);
  const ours = packets(espy(['-r', cap, '--keys', join(GENERATED, c.case, 'keys', 'esp_sa'), '-T', 'jsonl']).stdout).filter((p) => p.sources.some((s) => s.name === 'Decrypted ESP')).length;
  assert.ok(ours > 0);
  const lines = tshark(['-r', out, '-T', 'fields', '-e', 'frame.protocols']).split('\n').filter((l) => l.trim());
  assert.equal(lines.length, ours);
  for (const l of lines) assert.match(l, /^raw:ip/);
});

test('--export-keys writes Wireshark tables that tshark and espy both decrypt with', { skip: !HAVE_TSHARK && 'tshark not installed' }, () => {
  const c = espCases.find((x) => x.ike_version === 2) ?? espCases[0]!;
  const cap = join(GENERATED, c.case, c.captures[0]!);
  const dir = mkdtempSync(join(tmpdir(), 'espy-keys-'));
  const args = ['-r', cap, '-q', '--export-keys', dir];
  for (const f of keyFiles(c.case)) args.push('--keys', f);
  const r = espy(args);
  assert.equal(r.status, 0, r.stderr);
  const exported = join(dir, 'esp_sa');
  assert.ok(existsSync(exported));
  const want = tsharkInner(cap, join(GENERATED, c.case, 'keys', 'esp_sa'), 'esp && icmp');
  assert.ok(want > 0);
  assert.equal(tsharkInner(cap, exported, 'esp && icmp'), want, 'tshark with the exported esp_sa');
  const again = packets(espy(['-r', cap, '--keys', exported, '-T', 'jsonl']).stdout).filter((p) => p.layers.some((l) => l.protocol === 'esp') && p.layers.some((l) => l.protocol === 'icmp')).length;
  assert.equal(again, want, 'espy with the exported esp_sa');
});

test('a key file with a malformed line: the line is reported with file and line, the rest loads', () => {
  const c = espCases[0]!;
  const cap = join(GENERATED, c.case, c.captures[0]!);
  const dir = mkdtempSync(join(tmpdir(), 'espy-badline-'));
  const f = join(dir, 'esp_sa');
  writeFileSync(f, readFileSync(join(GENERATED, c.case, 'keys', 'esp_sa'), 'utf8') + '"IPv4","1.2.3.4","5.6.7.8","0xZZZZ","AES-CBC [RFC3602]","0x00","NULL",""\n');
  const r = espy(['-r', cap, '--keys', f, '-T', 'jsonl']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
  assert.ok(packets(r.stdout).some((p) => p.sources.some((s) => s.name === 'Decrypted ESP')), 'the good lines still decrypt');
});

test('no keys: --export-decrypted is a usage error (exit 1)', () => {
  const c = espCases[0]!;
  const r = espy(['-r', join(GENERATED, c.case, c.captures[0]!), '--export-decrypted', join(tmpdir(), 'x.pcap')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /need keys/);
});

interface KeysJson {
  ike_sas?: { ike_version: number; initiator_spi: string; responder_spi: string; dh_group?: string; keys: { dh_secret?: string } }[];
  psks_seen_in_log?: string[];
}

/** Cases whose charon log gave the DH secret of the first IKE SA: the PSK + DH path alone must open them. */
const dhCases = generatedCases().filter((c) => {
  const f = join(GENERATED, c.case, 'keys', 'keys.json');
  if (!existsSync(f) || !c.psk) return false;
  const k = JSON.parse(readFileSync(f, 'utf8')) as KeysJson;
  return (k.ike_sas?.length ?? 0) > 0 && !!k.ike_sas![0]!.keys.dh_secret;
});

function dhKeyring(c: { case: string }): string {
  const k = JSON.parse(readFileSync(join(GENERATED, c.case, 'keys', 'keys.json'), 'utf8')) as KeysJson;
  const dir = mkdtempSync(join(tmpdir(), 'espy-ring-'));
  const f = join(dir, 'ring.json');
  // Only DH secrets: no SK_*, no Ka, no ESP keys. Everything else must be derived. The IKE SAs' secrets come
  // from keys.json; the PFS secrets of Quick Mode / CREATE_CHILD_SA exchanges (no SPIs) from the charon log.
  const dh: Record<string, string>[] = (k.ike_sas ?? []).filter((s) => s.keys.dh_secret).map((s) => ({ shared_secret: s.keys.dh_secret!, spi_i: s.initiator_spi, spi_r: s.responder_spi }));
  const log = join(GENERATED, c.case, 'logs', 'initiator-charon.log');
  if (existsSync(log)) {
    for (const e of loadStrongswanLog(log).dh) {
      const hex = e.sharedSecret ? toHex(e.sharedSecret) : undefined;
      if (hex && !dh.some((d) => d.shared_secret === hex)) dh.push({ shared_secret: hex });
    }
  }
  writeFileSync(f, JSON.stringify({ espy_keyring: 1, dh }, null, 1));
  return f;
}

for (const c of dhCases) {
  test(`${c.case}: PSK + DH secret alone decrypt the IKE messages and derive the ESP/AH keys`, () => {
    const cap = join(GENERATED, c.case, c.captures[0]!);
    const r = espy(['keys', '-r', cap, '--keys', dhKeyring(c), '--psk', c.psk, '-T', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { ikeSas: { spi_i: string; encrypted: number; decrypted: number; failed: number; keys_from: string | null; checks: { what: string; ok: boolean | null }[] }[]; childSas: { keys_from: string; packets: number; decrypted: number; icv_failures: number }[] };
    const first = rep.ikeSas[0]!;
    assert.ok(first.keys_from, 'the first IKE SA has keys');
    assert.ok(first.encrypted > 0);
    assert.equal(first.decrypted, first.encrypted, 'every encrypted message of the first IKE SA decrypts');
    assert.equal(first.failed, 0);
    const checked = first.checks.filter((x) => x.ok !== null);
    assert.ok(checked.length > 0, 'HASH/AUTH checked with the PSK');
    assert.ok(checked.every((x) => x.ok === true), JSON.stringify(first.checks));
    const used = rep.childSas.filter((s) => s.packets > 0);
    assert.ok(used.length > 0, 'ESP/AH SAs derived and used');
    for (const s of used) {
      assert.match(s.keys_from, /derived/);
      assert.equal(s.icv_failures, 0);
      assert.equal(s.decrypted, s.packets);
    }
  });
}

test('a wrong PSK is a finding (HASH/AUTH does not verify), not a crash', () => {
  const c = dhCases[0]!;
  const cap = join(GENERATED, c.case, c.captures[0]!);
  const r = espy(['keys', '-r', cap, '--keys', dhKeyring(c), '--psk', 'not-the-psk', '-T', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const rep = JSON.parse(r.stdout) as { ikeSas: { checks: { ok: boolean | null }[]; decrypted: number }[] };
  const checks = rep.ikeSas.flatMap((s) => s.checks);
  assert.ok(checks.some((x) => x.ok === false) || rep.ikeSas.every((s) => s.decrypted === 0), 'the wrong PSK shows');
  assert.ok(!checks.some((x) => x.ok === true), 'nothing verifies with the wrong PSK');
});
