/**
 * Decryption in the TUI: the load pass is the engine's learn pass (rows shown
 * while loading are not decrypted), then every row is decrypted whatever the
 * viewing order; the keys view loads key files and PSKs and re-decrypts
 * without reopening; findings and SA views; live mode through the same seam
 * the live capture uses (a PushReader), without root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { render } from 'ink-testing-library';
import { espy, GENERATED } from './helpers.js';
import { CaptureIndex } from '../src/tui/model/capture-index.js';
import { TuiController } from '../src/tui/model/controller.js';
import { Decryption } from '../src/tui/model/decryption.js';
import { PushReader } from '../src/tui/model/live-source.js';
import { DecryptEngine } from '../src/decrypt/engine.js';
import { keyMaterialFromArgs } from '../src/cli/decrypt-options.js';
import type { KeyMaterial } from '../src/decrypt/types.js';
import { summaryLine } from '../src/cli/format/text.js';
import { PLAIN } from '../src/cli/format/color.js';
import { EXPANDED } from '../src/tui/model/tree-model.js';
import { appVM } from '../src/tui/view-models.js';
import { openCapture, type Frame } from '../src/capture/index.js';
import App from '../src/tui/App.js';

const CASE = join(GENERATED, 'sw-ikev2-psk-aes128gcm');
const PCAP = join(CASE, 'capture.pcap');
// Typed into the UI relative to the working directory, as a user would: the keys view truncates long
// lines to the terminal width, so an absolute path would make the assertions depend on where the
// checkout lives.
const IKE_KEYS = relative(process.cwd(), join(CASE, 'keys/ikev2_decryption_table'));
const ESP_KEYS = relative(process.cwd(), join(CASE, 'keys/esp_sa'));

const tick = () => new Promise<void>((res) => setImmediate(res));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

function keys(...files: string[]): KeyMaterial {
  return keyMaterialFromArgs({ keys: files }, () => {})!;
}

async function until(cond: () => boolean, what: string, ms = 20000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function open(km: KeyMaterial | undefined, opts: { chunkSize?: number; showSecrets?: boolean } = {}) {
  const ix = await CaptureIndex.open(PCAP, { ...(km ? { decrypt: new DecryptEngine(km) } : {}), ...(opts.chunkSize ? { chunkSize: opts.chunkSize } : {}) });
  const dec = new Decryption(ix, km, opts.showSecrets ?? false);
  const c = new TuiController(ix, { decryption: dec, rows: 40, columns: 120 });
  return { ix, dec, c };
}

async function app(c: TuiController, rows = 40, columns = 120) {
  const r = render(<App controller={c} rows={rows} columns={columns} />);
  await tick();
  const press = async (seq: string) => {
    const n = r.frames.length;
    r.stdin.write(seq);
    for (let i = 0; i < 20 && r.frames.length === n; i++) await tick();
    await tick();
  };
  const frame = () => r.lastFrame() ?? '';
  /** Waits for a frame that matches (background passes render when they progress). */
  const waitFrame = async (re: RegExp, ms = 20000) => {
    await until(() => re.test(frame()), `a frame matching ${re}\n${frame()}`, ms);
    return frame();
  };
  return { r, press, frame, waitFrame };
}

test('decrypt: rows shown while the learn pass runs are not decrypted; after it every row is, and the LRU was cleared', async () => {
  // Tiny reads: loading takes many batches, so rows can be shown before it ends.
  const { ix, dec, c } = await open(keys(IKE_KEYS, ESP_KEYS), { chunkSize: 256 });
  await until(() => ix.count >= 8 || ix.done, 'frames indexed');
  if (!ix.done) {
    assert.equal(dec.state, 'learning');
    assert.equal(ix.engine!.mode, 'learn');
    assert.match(appVM(c).status.text, /keys: learning…/);
    const row = c.row(6);
    assert.equal(row.decrypted, false, 'on-demand dissection during the learn pass must not use the engine');
    assert.equal(row.protocol, 'ESP');
  }
  const gen = ix.generation;
  await ix.loaded;
  assert.equal(ix.engine!.mode, 'decrypt');
  assert.ok(ix.generation > gen || ix.done, 'the packet cache was invalidated');
  assert.equal(dec.state, 'ready');
  const r7 = c.row(6);
  assert.equal(r7.decrypted, true);
  assert.equal(r7.protocol, 'ICMP');
  assert.equal(c.row(4).decrypted, true, 'IKE_AUTH is decrypted');
  assert.equal(c.row(2).decrypted, false, 'IKE_SA_INIT is clear');
  assert.match(appVM(c).status.text, /decrypting: 1 IKE SA, 2 ESP SAs with keys \(ikev2_decryption_table, esp_sa\)/);
  c.dispose();
  ix.close();
});

test('decrypt: rows equal `espy -r --keys` in any viewing order', async () => {
  const want = espy(['-r', PCAP, '--keys', IKE_KEYS, '--keys', ESP_KEYS, '--color', 'never']).stdout.split('\n').filter(Boolean);
  const ix = await CaptureIndex.open(PCAP, { decrypt: new DecryptEngine(keys(IKE_KEYS, ESP_KEYS)), packetCache: 2 });
  await ix.loaded;
  assert.equal(ix.count, want.length);
  for (const order of [[...Array(ix.count).keys()].reverse(), [10, 4, 17, 6, 0, 19, 5]]) {
    for (const i of order) assert.equal(summaryLine(ix.packet(i), 'r', PLAIN).trimEnd(), want[i], `frame ${i + 1}`);
  }
  ix.close();
});

test('decrypt: the hex pane shows the Decrypted IKE / ESP source of the selected node, its bytes highlighted', async () => {
  const { ix, c } = await open(keys(IKE_KEYS, ESP_KEYS));
  await ix.loaded;
  c.goTo(5);
  c.expand = EXPANDED;
  const rows = c.treeRows();
  const id = rows.find((r) => /Identification Data:\s*initiator\.gcap\.test/.test(r.text));
  assert.ok(id, 'the decrypted IDi payload is in the tree');
  c.treeKey = id.key;
  const p = c.selectedPacket()!;
  assert.equal(p.sources[c.hexSourceIndex()]!.name, 'Decrypted IKE', 'a node without its own source inherits the decrypted one');
  const hl = c.hexLines().filter((l) => l.highlight);
  assert.ok(hl.length > 0, 'bytes highlighted');
  const vm = appVM(c).hex;
  assert.ok(vm.tabs.some((t) => t.active && /^Decrypted IKE/.test(t.label)), JSON.stringify(vm.tabs));
  // The inner ICMP of an ESP packet lives in the Decrypted ESP source.
  c.goTo(7);
  const icmp = c.treeRows().find((r) => /^Internet Control Message Protocol/.test(r.text));
  assert.ok(icmp);
  c.treeKey = icmp.key;
  assert.equal(c.selectedPacket()!.sources[c.hexSourceIndex()]!.name, 'Decrypted ESP');
  assert.ok(c.hexLines().some((l) => l.highlight));
  c.dispose();
  ix.close();
});

test('app: decrypted rows are marked D, the tree shows the decrypted payloads, status names the keys', async () => {
  const { ix, c } = await open(keys(IKE_KEYS, ESP_KEYS));
  await ix.loaded;
  const { r, press, frame, waitFrame } = await app(c);
  await waitFrame(/decrypting: 1 IKE SA, 2 ESP SAs/);
  assert.match(frame(), /D {4}7 .*10\.99\.10\.1\s+10\.99\.20\.1\s+ICMP/);
  assert.match(frame(), / {4}3 .*IKE_SA_INIT/, 'clear rows have no marker');
  await press(':');
  for (const ch of '5\r') await press(ch);
  await press('e');
  await press('\t');
  for (let i = 0; i < 200 && !/Identification Data/.test(frame()); i++) await press('j');
  assert.match(frame(), /Identification Data:\s*initiator\.gcap\.test/);
  assert.match(frame(), /\[Decrypted IKE \(\d+ bytes\)\]/);
  r.unmount();
  c.dispose();
  ix.close();
});

test('app: ICV failures are flagged on the row (wrong ESP key)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'espy-tui-'));
  const bad = join(dir, 'esp_sa');
  // Same SAs, one byte of each key flipped: every ESP packet fails its tag.
  writeFileSync(bad, readFileSync(ESP_KEYS, 'utf8').replace(/"0x([0-9a-f])([0-9a-f]+)","NULL"/g, (_m, d: string, rest: string) => `"0x${d === '0' ? '1' : '0'}${rest}","NULL"`));
  const { ix, c } = await open(keys(bad));
  await ix.loaded;
  const row = c.row(6);
  assert.equal(row.icvBad, true);
  assert.equal(row.decrypted, false);
  const vm = appVM(c).list.rows.find((x) => x.key === '6')!;
  assert.equal(vm.icvBad, true);
  assert.match(vm.text, /^!/);
  c.dispose();
  ix.close();
});

test('app: keys view lists the sources and the SA store; o loads a key file and re-decrypts without reopening', async () => {
  const { ix, c, dec } = await open(undefined);
  await ix.loaded;
  const { r, press, frame, waitFrame } = await app(c);
  assert.equal(c.row(6).decrypted, false);
  await press('K');
  assert.match(frame(), /Keys/);
  assert.match(frame(), /Key sources:\s*\n\s*none/);
  await press('o');
  assert.match(frame(), /Load key file:/);
  for (const ch of IKE_KEYS) await press(ch);
  await press('\r');
  await until(() => dec.state === 'ready', 'the re-learn pass');
  await press('o');
  r.stdin.write(ESP_KEYS + '\r');
  await until(() => dec.state === 'ready' && dec.material!.files.length === 2, 'the second re-learn pass');
  await press('j');
  const f = await waitFrame(/ESP\/AH SAs: 2/);
  assert.match(f, /ikev2_decryption_table: wireshark-ikev2, 1 entry/);
  assert.match(f, /esp_sa: wireshark-esp, 2 entries/);
  assert.match(f, /IKEv2 a74cfd50ef88c24c\/c81b89a6a96fef3e/);
  assert.match(f, /packets 6, decrypted 6, ICV failures 0/);
  assert.match(f, /secrets: SK_ai, SK_ar, SK_ei, SK_er \(hidden/);
  assert.doesNotMatch(f, /092a81c247b3b6a1/, 'no secret without --show-secrets');
  await press('\x1b');
  await tick();
  await tick();
  await waitFrame(/D {4}7 .*ICMP/);
  assert.equal(c.row(6).decrypted, true);
  r.unmount();
  c.dispose();
  ix.close();
});

test('app: p takes a PSK typed blind, adds it as a key source', async () => {
  const { ix, c, dec } = await open(undefined);
  await ix.loaded;
  const { r, press, frame, waitFrame } = await app(c);
  await press('K');
  await press('p');
  r.stdin.write('s3cret');
  await waitFrame(/PSK \(SECRET.*: ••••••/);
  assert.doesNotMatch(frame(), /s3cret/);
  await press('\r');
  await until(() => dec.state === 'ready', 'the re-learn pass');
  await waitFrame(/1 PSK given by hand/);
  assert.equal(dec.material!.psks.length, 1);
  r.unmount();
  c.dispose();
  ix.close();
});

test('app: --show-secrets shows the keys in the keys view', async () => {
  const { ix, c } = await open(keys(IKE_KEYS, ESP_KEYS), { showSecrets: true });
  await ix.loaded;
  const { r, press, frame, waitFrame } = await app(c, 80, 160);
  await press('K');
  await waitFrame(/ESP\/AH SAs: 2/);
  assert.match(frame(), /SK_ai = 092a81c247b3b6a1/);
  r.unmount();
  c.dispose();
  ix.close();
});

test('app: findings view shows the audit; SA view has the decryption columns and Enter filters to an SA', async () => {
  const { ix, c } = await open(keys(IKE_KEYS, ESP_KEYS));
  await ix.loaded;
  const { r, press, frame, waitFrame } = await app(c, 40, 200);
  await press('f');
  await waitFrame(/espy audit: capture\.pcap: 20 frames/);
  assert.match(frame(), /psk\.passive\.ikev2/);
  await press('q');
  await press('s');
  await until(() => c.overlayLines().some((l) => /^Decryption: ESP\/AH SAs/.test(l)), 'the SA view');
  await press('G');
  const sa = await waitFrame(/Decryption: ESP\/AH SAs/);
  assert.match(sa, /Keys from/);
  assert.match(sa, /ICV failures/);
  assert.match(sa, /ESP\s+0x382f0100\s+10\.99\.1\.2\s+10\.99\.1\.1\s+ENCR_AES_GCM_16_128 \+ NONE\s+\S*esp_sa:3\s+6\s+6\s+0/);
  // Move to the first ESP SA row of src/analyze's table and press Enter.
  const lines = c.overlayLines();
  const at = lines.findIndex((l) => /^ESP\s+0x8285f3b4/.test(l));
  assert.ok(at > 0);
  await press('g');
  for (let i = 0; i < at; i++) c.key('j', {});
  await press('\r');
  if (c.engine.available) {
    await until(() => c.scan?.done === true, 'the filter');
    await press('j');
    assert.match(frame(), /Filter: esp\.spi == 0x8285f3b4/);
    assert.match(frame(), /Shown 6 of 20/);
  }
  r.unmount();
  c.dispose();
  ix.close();
});

test('live: frames pushed through the live seam grow the list, decrypt in both mode, ladder and SA views update', async () => {
  const frames: Frame[] = [];
  for await (const b of await openCapture(PCAP)) frames.push(...b);
  const reader = new PushReader('live: test0');
  const engine = new DecryptEngine(keys(IKE_KEYS, ESP_KEYS));
  const ix = CaptureIndex.fromStream(reader, { decrypt: engine });
  assert.equal(engine.mode, 'both');
  const dec = new Decryption(ix, engine.keys);
  const c = new TuiController(ix, { decryption: dec, rows: 40, columns: 140 });
  const { r, press, frame, waitFrame } = await app(c, 40, 140);
  await waitFrame(/Waiting for packets…/);
  assert.match(frame(), /live: test0 │ Packets 0 │ capturing…/);
  for (const f of frames.slice(0, 6)) reader.push(f);
  await waitFrame(/Packets 6 │/);
  assert.match(frame(), /IKE_AUTH MID=01 Responder Response/);
  assert.equal(c.selectedIndex, 5, 'the last packet stays selected while the list grows');
  await press('l');
  await waitFrame(/IKE_AUTH/);
  for (const f of frames.slice(6)) reader.push(f);
  await until(() => ix.count === 20, 'all frames');
  await sleep(1100); // live views rebuild at most once a second
  await press('j');
  await waitFrame(/INFORMATIONAL/);
  await press('q');
  await press('s');
  await sleep(1100);
  await press('j');
  await waitFrame(/0x8285f3b4/);
  await press('q');
  assert.equal(c.row(6).decrypted, true, 'live rows are decrypted as they come');
  assert.equal(c.row(6).protocol, 'ICMP');
  // Viewing rows does not count them again: the engine's counters are those of the one pass.
  const esp = engine.childSas().find((s) => s.sa.spi === 0x8285f3b4)!;
  assert.equal(esp.counters.decrypted, 6);
  reader.end();
  await ix.loaded;
  assert.equal(ix.done, true);
  r.unmount();
  c.dispose();
  ix.close();
});

test('keys typed ahead in one read are taken one at a time (":7\\r" goes to packet 7)', async () => {
  const { ix, c } = await open(undefined);
  await ix.loaded;
  c.key(':7\r', {});
  assert.equal(c.selectedIndex, 6);
  assert.equal(c.prompt, undefined);
  c.key('jj', {});
  assert.equal(c.selectedIndex, 8);
  c.dispose();
  ix.close();
});

test('a display filter sees decrypted packets, and runs again when decryption switches on', async () => {
  const ix = await CaptureIndex.open(PCAP, { decrypt: new DecryptEngine(keys(IKE_KEYS, ESP_KEYS)), chunkSize: 256 });
  const dec = new Decryption(ix, keys(IKE_KEYS, ESP_KEYS));
  const c = new TuiController(ix, { decryption: dec, filter: 'icmp' });
  if (!c.engine.available) return;
  await ix.loaded;
  await until(() => c.scan?.done === true, 'the filter scan');
  assert.equal(c.scan!.count, 12, 'the 12 inner ICMP packets match once decrypted');
  c.dispose();
  ix.close();
});

test('live: keys loaded mid-capture re-learn the frames so far, then the new engine takes the next frames', async () => {
  const frames: Frame[] = [];
  for await (const b of await openCapture(PCAP)) frames.push(...b);
  const reader = new PushReader('live: test1');
  const ix = CaptureIndex.fromStream(reader);
  const dec = new Decryption(ix, undefined);
  const c = new TuiController(ix, { decryption: dec });
  for (const f of frames.slice(0, 8)) reader.push(f);
  await until(() => ix.count === 8, 'the first frames');
  assert.equal(c.row(4).decrypted, false);
  c.key('K', {});
  c.key('o', {});
  c.key(`${IKE_KEYS}\r`, {});
  await until(() => dec.state === 'ready', 'the live re-learn');
  c.key('o', {});
  c.key(`${ESP_KEYS}\r`, {});
  await until(() => dec.state === 'ready' && dec.material!.files.length === 2, 'the second live re-learn');
  assert.equal(ix.engine!.mode, 'both');
  assert.equal(c.row(4).decrypted, true, 'IKE_AUTH, seen before the keys came');
  assert.equal(c.row(6).decrypted, true);
  for (const f of frames.slice(8)) reader.push(f);
  await until(() => ix.count === 20, 'the rest');
  assert.equal(c.row(16).protocol, 'ICMP', 'frames after the swap go to the new engine');
  reader.end();
  c.dispose();
  ix.close();
});

test('findings: a PSK given is checked against the Aggressive Mode HASH_R (shown only with --show-secrets)', async () => {
  const dir = join(GENERATED, 'sw-ikev1-aggr-psk-weak');
  const psk = readFileSync(join(dir, 'keys/psk.txt'), 'utf8').trim();
  const km = keyMaterialFromArgs({ psk: [psk] }, () => {})!;
  const ix = await CaptureIndex.open(join(dir, 'capture.pcap'), { decrypt: new DecryptEngine(km) });
  await ix.loaded;
  const c = new TuiController(ix, { decryption: new Decryption(ix, km) });
  c.key('f', {});
  await until(() => c.overlayLines().some((l) => /CRACKED/.test(l)), 'the findings');
  const text = c.overlayLines().join('\n');
  assert.match(text, /CRACKED \(--show-secrets prints the PSK\)/);
  assert.ok(!text.includes(psk), 'the PSK itself is not shown');
  c.dispose();
  ix.close();
});
