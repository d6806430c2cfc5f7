/**
 * End to end in a real terminal: `espy FILE` in a detached 120×40 tmux
 * session opens the UI (stdout is a TTY), keys work, and `q` leaves the
 * alternate screen so the shell and its earlier output come back.
 * Skipped when tmux is not installed (CI installs it: apt-get install tmux).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, GENERATED, ROOT } from './helpers.js';
import { capAvailable } from '../src/live/cap.js';

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux', '/bin/tmux'].find((p) => existsSync(p));
const FILE = join(GENERATED, 'sw-ikev1-aggr-psk-weak/capture.pcap');

function tmux(...args: string[]): string {
  const r = spawnSync(TMUX!, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Polls the screen until it matches (the machine may be loaded: no fixed sleeps for assertions). */
async function waitFor(session: string, re: RegExp, timeoutMs = 15000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let screen = '';
  while (Date.now() < end) {
    screen = tmux('capture-pane', '-p', '-t', session);
    if (re.test(screen)) return screen;
    await sleep(100);
  }
  assert.fail(`screen never matched ${re}:\n${screen}`);
}

test('tmux: espy FILE opens the UI, keys work, q restores the shell', { skip: !TMUX && 'tmux is not installed' }, async () => {
  const session = `espy-tui-${process.pid}`;
  // A plain shell with a known prompt; CI unset so the TTY rule picks the UI.
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', ROOT, `env -u CI NO_COLOR=1 PS1='PROMPT$ ' bash --norc --noprofile`);
  try {
    await waitFor(session, /PROMPT\$/);
    tmux('send-keys', '-t', session, 'echo BEFORE-MARKER', 'Enter');
    tmux('send-keys', '-t', session, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${JSON.stringify(FILE)}`, 'Enter');
    let s = await waitFor(session, /Packets 16 │/);
    assert.match(s, /No\.\s+Time\s+Source\s+Destination\s+Protocol\s+Length\s+Info/);
    assert.doesNotMatch(s, /BEFORE-MARKER/, 'the UI is on the alternate screen');
    assert.equal(s.replace(/\n+$/, '').split('\n').length, 39, 'the UI uses rows − 1');

    tmux('send-keys', '-t', session, 'j');
    await waitFor(session, /Packet 2 details/);
    tmux('send-keys', '-t', session, 'Enter');
    s = await waitFor(session, /▾ Frame 2:/);
    assert.match(s, /Frame Number: 2/);

    tmux('send-keys', '-t', session, '/');
    await waitFor(session, /Filter:/);
    tmux('send-keys', '-t', session, '-l', 'esp');
    tmux('send-keys', '-t', session, 'Enter');
    s = await waitFor(session, /Shown 6 of 16/);
    assert.match(s, /Filter: esp/);
    assert.doesNotMatch(s, / ISAKMP /);

    tmux('send-keys', '-t', session, 'q');
    // The shell's own screen again: the earlier output, the command, and a fresh prompt last.
    s = await waitFor(session, /BEFORE-MARKER[\s\S]*main\.js[\s\S]*\nPROMPT\$\s*$/);
    assert.doesNotMatch(s, /Packets 16/, 'the alternate screen was left');
  } finally {
    spawnSync(TMUX!, ['kill-session', '-t', session]);
  }
});

test('tmux: espy FILE --keys shows decrypted rows, the inner ICMP in the tree and its Decrypted ESP bytes', { skip: !TMUX && 'tmux is not installed' }, async () => {
  const session = `espy-tui-keys-${process.pid}`;
  const dir = join(GENERATED, 'sw-ikev2-psk-aes128gcm');
  const keys = ['ikev2_decryption_table', 'esp_sa'].map((k) => `--keys ${JSON.stringify(join(dir, 'keys', k))}`).join(' ');
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', ROOT, `env -u CI NO_COLOR=1 PS1='PROMPT$ ' bash --norc --noprofile`);
  try {
    await waitFor(session, /PROMPT\$/);
    tmux('send-keys', '-t', session, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} ${JSON.stringify(join(dir, 'capture.pcap'))} ${keys}`, 'Enter');
    let s = await waitFor(session, /decrypting: 1 IKE SA, 2 ESP SAs with keys/);
    // Decrypted rows carry the D marker and show the inner packet.
    assert.match(s, /D {4}7 .*10\.99\.10\.1\s+10\.99\.20\.1\s+ICMP\s+162 Echo \(ping\) request/);
    tmux('send-keys', '-t', session, ':');
    tmux('send-keys', '-t', session, '-l', '7');
    tmux('send-keys', '-t', session, 'Enter');
    s = await waitFor(session, /Packet 7 details/);
    assert.match(s, /Internet Control Message Protocol/);
    // The tree's last line (the inner ICMP) lives in the decrypted buffer: its tab becomes the active one.
    tmux('send-keys', '-t', session, 'Tab');
    tmux('send-keys', '-t', session, 'G');
    s = await waitFor(session, /\[Decrypted ESP \(\d+ bytes\)\]/);
    tmux('send-keys', '-t', session, 'q');
    await waitFor(session, /\nPROMPT\$\s*$/);
  } finally {
    spawnSync(TMUX!, ['kill-session', '-t', session]);
  }
});

const LIVE_SKIP = !TMUX ? 'tmux is not installed' : !capAvailable() ? 'the optional module `cap` is not built' : process.getuid?.() !== 0 ? 'live capture needs root' : false;

/** An IKEv2 IKE_SA_INIT header alone (28 bytes): enough for the dissector to name it. */
function ikeHeader(spi: number): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32BE(spi, 4);
  b[17] = 0x20;
  b[18] = 34;
  b[19] = 0x08;
  b.writeUInt32BE(28, 24);
  return b;
}

test('tmux: espy tui -i lo grows the list as packets arrive, the ladder shows them, q stops and restores the shell', { skip: LIVE_SKIP }, async () => {
  const session = `espy-tui-live-${process.pid}`;
  // A port of our own (decoded as IKE with -d), so captures other tests run on lo meanwhile see nothing of ours.
  const port = 40000 + (process.pid % 20000);
  tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', ROOT, `env -u CI NO_COLOR=1 PS1='PROMPT$ ' bash --norc --noprofile`);
  const sock = dgram.createSocket('udp4');
  try {
    await waitFor(session, /PROMPT\$/);
    tmux('send-keys', '-t', session, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} tui -i lo -f 'udp port ${port}' -d udp.port==${port},isakmp`, 'Enter');
    let s = await waitFor(session, /live: lo │ Packets 0 │ capturing…/);
    assert.match(s, /Waiting for packets…/);
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((res, rej) => sock.send(ikeHeader(0x1000 + i), port, '127.0.0.1', (e) => (e ? rej(e) : res())));
      await sleep(50);
    }
    s = await waitFor(session, /Packets 3 │/);
    assert.match(s, /127\.0\.0\.1\s+127\.0\.0\.1\s+ISAKMP\s+\d+ IKE_SA_INIT/);
    tmux('send-keys', '-t', session, 'l');
    s = await waitFor(session, /IKE ladder[\s\S]*IKE_SA_INIT/);
    tmux('send-keys', '-t', session, 'Escape');
    await sleep(300);
    tmux('send-keys', '-t', session, 'q');
    s = await waitFor(session, /\nPROMPT\$\s*$/);
    assert.doesNotMatch(s, /capturing…/, 'the alternate screen was left');
  } finally {
    sock.close();
    spawnSync(TMUX!, ['kill-session', '-t', session]);
  }
});
