/**
 * Order independence of decryption results: after the learn pass, what a packet shows (decrypted
 * or not, and its anti-replay notes) is the same whether the packets are dissected front to back,
 * back to front, or one alone — the TUI jumps around, the CLI filters with -Y.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openCapture } from '../src/capture/index.js';
import type { Frame } from '../src/capture/types.js';
import { PacketDissector, type Packet } from '../src/dissect/packet.js';
import { DecryptEngine } from '../src/decrypt/engine.js';
import { loadKeyFile } from '../src/decrypt/keys/index.js';
import { GENERATED } from './helpers.js';

async function frames(path: string): Promise<Frame[]> {
  const r = await openCapture(path);
  const out: Frame[] = [];
  for (;;) {
    const b = await r.next();
    if (!b) break;
    out.push(...b);
  }
  r.close();
  return out;
}

/** What a packet shows: its layer ids, its notes and its sources. */
function view(p: Packet): string {
  return JSON.stringify({ layers: p.layers.map((l) => [l.spec.id, l.notes.map((n) => `${n.def.id}:${n.message}`)]), sources: p.sources.map((s) => `${s.name}:${s.bytes.length}`) });
}

test('ESP with a lost packet and a replayed one: every frame shows the same in any viewing order', async () => {
  const c = 'sw-ikev2-psk-aes128gcm';
  const all = await frames(join(GENERATED, c, 'capture.pcap'));
  // Drop one ESP packet (a gap on its SA) and send another one twice (a duplicate), renumbering the frames.
  // ESP: IP protocol 50, or ESP-in-UDP on 4500 (a non-zero SPI where the non-ESP marker would be).
  const nonZero = (f: Frame, o: number) => f.data[o]! | f.data[o + 1]! | f.data[o + 2]! | f.data[o + 3]!;
  const esp = all.filter((f) => f.data[23] === 50 || (f.data.length > 50 && f.data[23] === 17 && f.data[34] === 0x11 && f.data[35] === 0x94 && nonZero(f, 42) !== 0));
  assert.ok(esp.length >= 6, 'the case has ESP packets');
  const edited = all.filter((f) => f !== esp[2]);
  edited.splice(edited.indexOf(esp[4]!) + 1, 0, esp[4]!);
  const renumbered = edited.map((f, i) => ({ ...f, number: i + 1 }));

  const engine = new DecryptEngine(loadKeyFile(join(GENERATED, c, 'keys', 'esp_sa')));
  engine.setMode('learn');
  const learner = new PacketDissector({ decrypt: engine });
  for (const f of renumbered) learner.dissect(f);
  engine.setMode('decrypt');

  const fresh = (f: Frame) => new PacketDissector({ decrypt: engine }).dissect(f);
  const backward = renumbered.slice().reverse().map((f) => [f.number, view(fresh(f))] as const);
  const forward = renumbered.map((f) => [f.number, view(fresh(f))] as const);
  assert.deepEqual(new Map(backward), new Map(forward));
  const notes = forward.map(([, v]) => v).join('\n');
  assert.match(notes, /esp\.sequence\.gap/, 'the lost packet shows as a gap');
  assert.match(notes, /esp\.replay\.duplicate/, 'the replayed packet shows as a duplicate');
  assert.ok(forward.filter(([, v]) => v.includes('Decrypted ESP')).length >= esp.length - 1);
});
