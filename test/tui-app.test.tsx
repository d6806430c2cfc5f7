/** The Ink screens, through ink-testing-library: frames after key presses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { GENERATED, MALFORMED } from './helpers.js';
import { CaptureIndex } from '../src/tui/model/capture-index.js';
import { TuiController } from '../src/tui/model/controller.js';
import App from '../src/tui/App.js';

const AGGR = join(GENERATED, 'sw-ikev1-aggr-psk-weak/capture.pcap');
const FRAG = join(MALFORMED, 'ipv4-ikev2-fragmented.pcap');

const tick = () => new Promise<void>((res) => setImmediate(res));

async function setup(path = AGGR, rows = 40, columns = 120) {
  const ix = await CaptureIndex.open(path);
  await ix.loaded;
  const c = new TuiController(ix, { rows, columns });
  const r = render(<App controller={c} rows={rows} columns={columns} />);
  await tick();
  /** Writes a key and waits for the frame it causes (frames update after a tick; a bare Esc needs two). */
  const press = async (seq: string) => {
    const n = r.frames.length;
    r.stdin.write(seq);
    for (let i = 0; i < 20 && r.frames.length === n; i++) await tick();
    await tick();
  };
  const frame = () => r.lastFrame() ?? '';
  const done = () => {
    r.unmount();
    c.dispose();
    ix.close();
  };
  return { c, r, press, frame, done };
}

test('app: three panes, windowed list, status line, root height rows − 1', async () => {
  const { frame, done } = await setup();
  const f = frame();
  const lines = f.split('\n');
  assert.equal(lines.length, 39, 'root is one row shorter than the terminal');
  assert.match(lines[0]!, /No\.\s+Time\s+Source\s+Destination\s+Protocol\s+Length\s+Info/);
  assert.match(f, /10\.99\.1\.1\s+10\.99\.1\.2\s+ISAKMP\s+413 Aggressive/);
  assert.match(f, /Packet 1 details/);
  assert.match(f, /\[Frame \(42 bytes\)\]/);
  assert.match(f, /0000 {2}ff ff ff ff ff ff/);
  assert.match(f, /capture\.pcap │ Packets 16/);
  assert.match(f, /time: relative │ focus: list/);
  done();
});

test('app: j moves, Enter expands, Tab moves focus, t changes time', async () => {
  const { press, frame, done, c } = await setup();
  await press('j');
  assert.match(frame(), /Packet 2 details/);
  await press('j');
  await press('\r');
  assert.match(frame(), /▾ Frame 3:/);
  assert.match(frame(), /Arrival Time|Frame Length|Capture/i);
  await press('\t');
  assert.match(frame(), /focus: details/);
  await press('j');
  assert.ok(c.selectedTreeRow()!.depth >= 1);
  await press('\t');
  assert.match(frame(), /focus: bytes/);
  await press('\t');
  await press('t');
  assert.match(frame(), /time: absolute/);
  await press('G');
  assert.match(frame(), /Packet 16 details/);
  done();
});

test('app: go to packet with : and with Ctrl-G', async () => {
  const { press, frame, done } = await setup();
  await press(':');
  assert.match(frame(), /Go to packet:/);
  await press('7');
  await press('\r');
  assert.match(frame(), /Packet 7 details/);
  await press('\x07');
  await press('1');
  await press('2');
  await press('\r');
  assert.match(frame(), /Packet 12 details/);
  done();
});

test('app: filter bar validates live, applies on Enter, Esc leaves it', async () => {
  const { press, frame, done, c } = await setup();
  await press('/');
  assert.match(frame(), /Filter:/);
  for (const ch of 'esp.spi ==') await press(ch);
  if (c.engine.available) {
    assert.match(frame(), /Filter: esp\.spi ==.*column/);
    await press('\x15'); // Ctrl-U
    for (const ch of 'esp') await press(ch);
    assert.doesNotMatch(frame(), /column/);
    await press('\r');
    for (let i = 0; i < 50 && !c.scan?.done; i++) await tick();
    await press('j');
    assert.match(frame(), /Shown 6 of 16/);
    assert.doesNotMatch(frame(), /ISAKMP {3,}413/);
  } else {
    assert.match(frame(), /not available/);
  }
  await press('/');
  await press('x');
  await press('\x1b');
  await tick();
  await tick();
  assert.doesNotMatch(frame(), /Filter: .*x.*column/);
  assert.equal(c.prompt, undefined, 'a bare Esc closes the prompt');
  done();
});

test('app: help lists every key; views open and close', async () => {
  const { press, frame, done } = await setup();
  await press('?');
  const h = frame();
  for (const k of ['j / ↓', 'PgDn / PgUp', 'g / Home', ': or Ctrl-G', 'Tab / Shift-Tab', 'Enter / Space', 'e / c', '/', 'K', 'q / Ctrl-C']) assert.ok(h.includes(k), k);
  await press('q');
  assert.match(frame(), /No\.\s+Time/);
  await press('K');
  assert.match(frame(), /Key sources:\s*\n\s*none/);
  await press('\x1b');
  await tick();
  await tick();
  await press('f');
  for (let i = 0; i < 200 && /Analysing/.test(frame()); i++) await new Promise((res) => setTimeout(res, 20)); // keys pause the pass: wait, don't press
  assert.match(frame(), /espy audit: capture\.pcap: 16 frames/);
  assert.match(frame(), /psk\.exposed\.aggressive/);
  await press('q');
  await press('l');
  for (let i = 0; i < 100 && /Analysing/.test(frame()); i++) await new Promise((res) => setTimeout(res, 20)); // keys pause the pass: wait, don't press
  assert.match(frame(), /IKE ladder/);
  assert.match(frame(), /Aggressive/);
  done();
});

test('app: reassembled source tab, resize re-flows', async () => {
  const { press, frame, done, r, c } = await setup(FRAG, 30, 100);
  await press('G');
  assert.match(frame(), /\[Reassembled IPv4 \(\d+ bytes\)\]/);
  c.resize(20, 80);
  r.rerender(<App controller={c} rows={20} columns={80} />);
  await tick();
  await tick();
  assert.equal(frame().split('\n').length, 19);
  done();
});
