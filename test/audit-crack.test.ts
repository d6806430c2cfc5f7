/**
 * The IKEv1 PSK cracker (src/audit/crack): cores cross-checked against node:crypto, the
 * candidate sources (wordlist, .gz, rules, mask), worker control (first hit, time limit, abort,
 * progress), the traps of the reference tools (long nonces, big DH groups, spaces, PSK > 64
 * bytes, last keyspace character, SHA-2) and the real aggressive-mode fixtures (PSK `letmein`).
 *
 * Targets are built as known answers: HASH_R computed with node:crypto's createHmac from a known
 * PSK over random material of the sizes real exchanges have.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { CrackHash, CrackTarget, Progress } from '../src/audit/crack/api.js';
import { crack, wasmAvailable } from '../src/audit/crack/index.js';
import { Engine, type CoreKind } from '../src/audit/crack/engine.js';
import { enumerateMask, parseMask } from '../src/audit/crack/mask.js';
import { RuleExpander, RULES_PER_WORD } from '../src/audit/crack/rules.js';
import { openCapture } from '../src/capture/index.js';
import { PacketDissector } from '../src/dissect/packet.js';
import type { IsakmpRecord } from '../src/dissect/isakmp/isakmp.js';
import { GENERATED } from './helpers.js';

const DIGEST: Record<CrackHash, number> = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 };

function hmac(hash: string, key: Uint8Array, msg: Uint8Array): Buffer {
  return createHmac(hash, key).update(msg).digest();
}

/** A known-answer target: random Ni/Nr and HASH_R material of the given sizes, HASH_R from `psk`. */
function target(hash: CrackHash, psk: string | Uint8Array, o: { nonce?: number; gx?: number; id?: string } = {}): CrackTarget {
  const nonce = o.nonce ?? 20;
  const gx = o.gx ?? 128;
  const skeyidData = randomBytes(2 * nonce);
  // g^xr | g^xi | CKY-R | CKY-I | SAi_b (52 bytes, one proposal) | IDir_b (ID_IPV4_ADDR)
  const hashData = Buffer.concat([randomBytes(gx), randomBytes(gx), randomBytes(16), randomBytes(52), Buffer.from('011101f4c0000202', 'hex')]);
  const key = typeof psk === 'string' ? Buffer.from(psk, 'utf8') : psk;
  const expected = hmac(hash, hmac(hash, key, skeyidData), hashData);
  return { id: o.id ?? `${hash}-${nonce}-${gx}`, hash, skeyidData, hashData, expected };
}

const tmp = mkdtempSync(join(tmpdir(), 'espy-crack-'));
let fileNo = 0;
function wordlist(words: readonly string[], opts: { gz?: boolean; crlf?: boolean } = {}): string {
  const text = words.join(opts.crlf ? '\r\n' : '\n') + (opts.crlf ? '\r\n' : '\n');
  const file = join(tmp, `words-${fileNo++}.txt${opts.gz ? '.gz' : ''}`);
  writeFileSync(file, opts.gz ? gzipSync(text) : text);
  return file;
}

/** `n` filler words that are not the PSK. */
function filler(n: number, seed = 1): string[] {
  const out: string[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out.push(`w${x.toString(36)}${i}`);
  }
  return out;
}

const CORES: CoreKind[] = ['wasm', 'js', 'node'];

// ---------------------------------------------------------------------------------------------

describe('cores against node:crypto', () => {
  it('the WASM SIMD module was built and loads', () => {
    assert.equal(wasmAvailable(), true);
  });

  for (const hash of ['md5', 'sha1', 'sha256', 'sha384', 'sha512'] as const) {
    for (const core of CORES) {
      it(`${hash} / ${core}: every key length 0..130 (spaces, > 64 bytes hashed first), message sizes 0..1100`, () => {
        const keys: Buffer[] = [];
        for (let len = 0; len <= 130; len++) {
          const k = randomBytes(len);
          if (len % 3 === 0 && len > 2) k[1] = 0x20; // spaces inside
          keys.push(k);
        }
        keys.push(Buffer.from('hello world'), Buffer.alloc(0), Buffer.alloc(64, 0x41), Buffer.alloc(65, 0x41));
        for (const [sl, ml] of [
          [40, 332],
          [64, 588],
          [0, 0],
          [55, 55],
          [56, 119],
          [119, 120],
          [300, 1100],
        ] as const) {
          const S = randomBytes(sl);
          const M = randomBytes(ml);
          // Several targets per engine: each key is the answer of one of them.
          const answers = [3, 64, 65, 100, keys.length - 1, 0];
          const targets = answers.map((a) => ({ hash, skeyidData: S, hashData: M, expected: hmac(hash, hmac(hash, keys[a]!, S), M) }));
          const hits = new Map<number, string[]>();
          const e = new Engine(targets, core, () => true, (t, p) => hits.set(t, [...(hits.get(t) ?? []), Buffer.from(p).toString('hex')]));
          assert.equal(e.core, core);
          for (const k of keys) e.push(k, 0, k.length);
          e.flush();
          answers.forEach((a, t) => {
            assert.ok(hits.get(t)?.includes(keys[a]!.toString('hex')), `${hash}/${core} S=${sl} M=${ml}: key #${a} (${keys[a]!.length} bytes) not found`);
          });
          assert.equal(e.tried, keys.length);
        }
      });
    }
  }

  it('a candidate that is not the key never reports a hit (random misses, 3000 candidates)', () => {
    for (const hash of ['md5', 'sha1'] as const) {
      const t = target(hash, 'not-in-the-list');
      let hits = 0;
      const e = new Engine([t], 'wasm', () => true, () => hits++);
      for (let i = 0; i < 3000; i++) {
        const k = randomBytes(i % 70);
        e.push(k, 0, k.length);
      }
      e.flush();
      assert.equal(hits, 0);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('candidate sources', () => {
  it('mask syntax: classes, custom charsets, literals, ??', () => {
    assert.equal(parseMask('?l').total, 26);
    assert.equal(parseMask('?u?d').total, 260);
    assert.equal(parseMask('?s').total, 33);
    assert.equal(parseMask('?a').total, 95);
    assert.equal(parseMask('ab?d').total, 10);
    assert.equal(parseMask('??').total, 1);
    assert.equal(parseMask('?1?2', ['xyz', '?d?l']).total, 3 * 36);
    assert.throws(() => parseMask('?1'), /custom charset 1/);
    assert.throws(() => parseMask('?x'), /unknown charset/);
    const all: string[] = [];
    enumerateMask(parseMask('a?1', ['xy']), 0, 2, (b, s, e) => all.push(Buffer.from(b.subarray(s, e)).toString()));
    assert.deepEqual(all, ['ax', 'ay']);
  });

  it('mask enumeration covers the whole keyspace, in order, from any start', () => {
    const m = parseMask('?1?1?1', ['abc']);
    const seen: string[] = [];
    for (const [s, e] of [
      [0, 5],
      [5, 13],
      [13, 27],
    ] as const) {
      enumerateMask(m, s, e, (b, x, y) => seen.push(Buffer.from(b.subarray(x, y)).toString()));
    }
    assert.equal(seen.length, 27);
    assert.equal(new Set(seen).size, 27);
    assert.equal(seen[0], 'aaa');
    assert.equal(seen[26], 'ccc');
    assert.ok(seen.includes('bca') && seen.includes('aba') && seen.includes('ba' + 'a'));
  });

  it('rules: the documented set', () => {
    const out: string[] = [];
    const r = new RuleExpander();
    const w = Buffer.from('Pass');
    r.expand(w, 0, w.length, (b, s, e) => out.push(Buffer.from(b.subarray(s, e)).toString('latin1')));
    for (const want of ['Pass', 'pass', 'PASS', 'pASS', 'ssaP', 'PassPass', 'P455', 'P@$$', 'Pass1', 'pass07', 'Pass2024', 'pass1990', 'pass2030']) {
      assert.ok(out.includes(want), `missing ${want}`);
    }
    assert.ok(out.length <= RULES_PER_WORD);
    assert.equal(new Set(out).size, out.length);
  });
});

// ---------------------------------------------------------------------------------------------

describe('crack()', () => {
  it('MD5 and SHA-1 from a wordlist, several targets in one pass', async () => {
    const words = filler(20000);
    words.splice(12345, 0, 'correct horse');
    words.splice(777, 0, 'battery');
    const targets = [target('md5', 'correct horse', { id: 'a' }), target('sha1', 'battery', { id: 'b' }), target('sha1', 'absent', { id: 'c' })];
    const res = await crack(targets, { wordlist: wordlist(words), threads: 2 });
    assert.equal(res.length, 3);
    assert.equal(res[0]!.id, 'a');
    assert.equal(Buffer.from(res[0]!.psk!).toString(), 'correct horse');
    assert.equal(res[0]!.stopped, 'found');
    assert.equal(Buffer.from(res[1]!.psk!).toString(), 'battery');
    assert.equal(res[2]!.stopped, 'exhausted');
    assert.equal(res[2]!.psk, undefined);
    assert.equal(res[2]!.tried, words.length);
  });

  it('PSK with spaces (psk-crack cuts words at the first space)', async () => {
    for (const hash of ['md5', 'sha1'] as const) {
      const t = target(hash, 'my secret key 2');
      const res = await crack([t], { wordlist: wordlist([...filler(300), 'my', 'my secret', 'my secret key 2', ...filler(300, 7)]) });
      assert.equal(Buffer.from(res[0]!.psk!).toString(), 'my secret key 2');
    }
  });

  it('CRLF wordlist, gzip, and explicit candidates tried first', async () => {
    const t = target('sha1', 'letmein');
    const gz = wordlist([...filler(5000), 'letmein', ...filler(50, 3)], { gz: true, crlf: true });
    const res = await crack([t], { wordlist: gz });
    assert.equal(Buffer.from(res[0]!.psk!).toString(), 'letmein');
    const first = await crack([t], { candidates: ['x', 'letmein'], wordlist: gz, threads: 1 });
    assert.equal(Buffer.from(first[0]!.psk!).toString(), 'letmein');
    assert.ok(first[0]!.tried <= 512, `tried ${first[0]!.tried}`);
  });

  it('nonces of 32 + 32 bytes (hashcat misses Ni+Nr >= 56) and 256 + 256', async () => {
    for (const hash of ['md5', 'sha1'] as const) {
      for (const nonce of [8, 27, 28, 32, 256]) {
        const res = await crack([target(hash, 'nonce-test', { nonce })], { wordlist: wordlist([...filler(1000), 'nonce-test']), threads: 1 });
        assert.equal(res[0]!.stopped, 'found', `${hash} nonce ${nonce}`);
      }
    }
  });

  it('DH group 14 (256-byte g^x, hashcat rejects) and group 18 (512-byte g^x, psk-crack cannot load)', async () => {
    for (const hash of ['md5', 'sha1', 'sha256'] as const) {
      for (const gx of [256, 512, 32, 66]) {
        const res = await crack([target(hash, 'groupy', { gx, nonce: 32 })], { wordlist: wordlist([...filler(700), 'groupy']), threads: 1 });
        assert.equal(res[0]!.stopped, 'found', `${hash} g^x ${gx}`);
      }
    }
  });

  it('PSK longer than 64 bytes (HMAC key hashed first) and exactly 64 bytes', async () => {
    const long = 'This pre-shared key is deliberately longer than one 64-byte block of the hash!';
    const exact = 'x'.repeat(64);
    assert.ok(Buffer.byteLength(long) > 64);
    for (const hash of ['md5', 'sha1', 'sha512'] as const) {
      for (const core of CORES) {
        const res = await crack([target(hash, long, { id: 'l' }), target(hash, exact, { id: 'e' })], { wordlist: wordlist([...filler(600), exact, long]), core, threads: 1 });
        assert.equal(Buffer.from(res[0]!.psk!).toString(), long, `${hash}/${core}`);
        assert.equal(Buffer.from(res[1]!.psk!).toString(), exact, `${hash}/${core}`);
      }
    }
  });

  it('mask: the last key of the keyspace and keys ending in the first charset character (psk-crack skips those)', async () => {
    const m = '?l?l?l';
    for (const psk of ['zzz', 'aba', 'baa', 'aaa']) {
      const res = await crack([target('md5', psk)], { mask: m });
      assert.equal(res[0]!.stopped, 'found', psk);
      assert.equal(Buffer.from(res[0]!.psk!).toString(), psk);
    }
    const none = await crack([target('sha1', 'ZZZ')], { mask: m });
    assert.equal(none[0]!.stopped, 'exhausted');
    assert.equal(none[0]!.tried, 26 ** 3);
    const digits = await crack([target('sha1', '90')], { mask: '?d?d', threads: 1 });
    assert.equal(Buffer.from(digits[0]!.psk!).toString(), '90');
    const custom = await crack([target('sha1', 'k-z9')], { mask: 'k?1?2?d', customCharsets: ['-_', '?l'] });
    assert.equal(Buffer.from(custom[0]!.psk!).toString(), 'k-z9');
  });

  it('SHA2-256/384/512 targets', async () => {
    for (const hash of ['sha256', 'sha384', 'sha512'] as const) {
      const t = target(hash, 'sha2 works', { nonce: 32, gx: 256 });
      assert.equal(t.expected.length, DIGEST[hash]);
      const res = await crack([t], { wordlist: wordlist([...filler(500), 'sha2 works']) });
      assert.equal(Buffer.from(res[0]!.psk!).toString(), 'sha2 works', hash);
    }
  });

  it('rules find capitalised, year-suffixed and leetspeak forms', async () => {
    const targets = [target('sha1', 'Summer2024', { id: 'y' }), target('md5', 'p455w0rd', { id: 'l' }), target('sha1', 'dragon07', { id: 'd' })];
    const res = await crack(targets, { wordlist: wordlist(['summer', 'password', 'dragon', ...filler(30)]), rules: true });
    assert.deepEqual(
      res.map((r) => Buffer.from(r.psk ?? []).toString()),
      ['Summer2024', 'p455w0rd', 'dragon07'],
    );
  });

  it('the first hit stops every worker', async () => {
    const t = target('sha1', 'aaab');
    // ?a^4 = 81 M candidates; 'aaab' is near the start.
    const res = await crack([t], { mask: '?l?a?a?a', threads: 2 });
    assert.equal(res[0]!.stopped, 'found');
    assert.ok(res[0]!.elapsedMs < 10_000, `${res[0]!.elapsedMs} ms`);
  });

  it('maxTimeMs stops with "time", an AbortSignal with "interrupted", with the count tried; progress every ~250 ms', async () => {
    const t = target('md5', 'not there');
    const progress: Progress[] = [];
    const res = await crack([t], { mask: '?a?a?a?a?a', maxTimeMs: 1500, onProgress: (p) => progress.push(p) });
    assert.equal(res[0]!.stopped, 'time');
    assert.ok(res[0]!.elapsedMs >= 1400 && res[0]!.elapsedMs < 10_000, `${res[0]!.elapsedMs} ms`);
    assert.ok(progress.length >= 3, `${progress.length} progress calls`);
    const last = progress[progress.length - 1]!;
    assert.equal(last.total, 95 ** 5);
    assert.ok(res[0]!.tried >= last.tried);

    // Ctrl-C: abort once some candidates were tested (a loaded machine may start workers late).
    const ac = new AbortController();
    let seen: Progress | undefined;
    const r2 = await crack([t], {
      mask: '?a?a?a?a?a',
      signal: ac.signal,
      onProgress: (p) => {
        if (p.tried > 0 && !seen) {
          seen = p;
          assert.ok(p.rate > 0 && p.etaMs !== undefined && p.etaMs > 0);
          ac.abort();
        }
      },
    });
    assert.equal(r2[0]!.stopped, 'interrupted');
    assert.ok(r2[0]!.tried > 0 && r2[0]!.tried >= seen!.tried);
    assert.ok(r2[0]!.tried < 95 ** 5);

    const pre = new AbortController();
    pre.abort();
    const r3 = await crack([t], { mask: '?a?a?a?a?a', signal: pre.signal });
    assert.equal(r3[0]!.stopped, 'interrupted');
  });
});

// ---------------------------------------------------------------------------------------------
// Published known answers: ike-scan's check-psk-crack-2 line (Check Point, PSK abc123) and
// hashcat's 5300 / 5400 example hashes (PSK hashcat), in psk-crack's 9-field format.

const KNOWN: { name: string; psk: string; line: string }[] = [
  {
    name: 'ike-scan check-psk-crack-2 (MD5)',
    psk: 'abc123',
    line: '5c7916ddf8db4d233b3b36005bb3ccc115a73807e11a897be943fd4a2d0f942624cb00588d8b3a0a26502b73e639df217ef6c4cb90f96b0a3c3ef2f62ed025b4a705df9de65e33e380c1ba5fa23bf1f9911bbf388d0844256fa0131fc5cf8acb396936ba3295b4637b039d93f58db90a3a1cf1ef5051103bacf6e1a3334f9f89:fde8c68c5f324c7dbcbadde1d757af6962c63496c009f77cad647f2997fd4295e50821453a6dc2f6279fd7fef68768584d9cee0da6e68a534a097ce206bf77ecc798310206f3f82d92d02c885794e0a430ceb2d6b43c2aff45a6e14c6558382df0692ff65c2724eef750764ee456f31424a5ebd9e115d826bbb9722111aa4e01:b2a3c7aa4be95e85:756e3fa11c1b102c:00000001000000010000002c01010001000000240101000080010001800200018003000180040002800b0001000c000400007080:01000000ac100202:251d7ace920b17cb34f9d561bca46d037b337d19:e045819a64edbf022620bff3efdb935216584cc4:b9c594fa3fca6bb30a85c4208a8df348',
  },
  {
    name: 'hashcat 5300 example (MD5)',
    psk: 'hashcat',
    line: '50503326cac6e4bd892b8257805b5a59a285f464ad3f63dc01bd0335f8341ef52e00be0b8cb205422a3788f021e4e6e8ccbe34784bc85abe42f62545bac64888426a2f1264fa28cf384ff00b14cfa5eff562dda4fad2a31fd7a6715218cff959916deed856feea5bee2e773241c5fbebf202958f0ce0c432955e0f1f6d1259da:688a7bfa8d5819630a970ed6d27018021a15fbb3e2fdcc36ce9b563d8ff95f510c4b3236c014d1cde9c2f1a999b121bc3ab1bc8049c8ac1e8c167a84f53c867492723eb01ab4b38074b38f4297d6fea8f44e01ea828fce33c433430938b1551f60673ce8088e7d2f41e3b49315344046fefee1e3860064331417562761db3ba4:c66606d691eaade4:8bdc88a2cdb4a1cf:c3b13137fae9f66684d98709939e5c3454ee31a98c80a1c76427d805b5dea866eff045515e8fb42dd259b9448caba9d937f4b3b75ec1b092a92232b4c8c1e70a60a52076e907f887b731d0f66e19e09b535238169c74c04a4b393f9b815c54eef4558cd8a22c9018bb4f24ee6db0e32979f9a353361cdba948f9027551ee40b1c96ba81c28aa3e1a0fac105dc469efa83f6d3ee281b945c6fa8b4677bac26dda:53f757c5b08afad6:aa02d9289e1702e5d7ed1e4ebf35ab31c2688e00:aab8580015cf545ac0b7291d15a4f2c79e06defd:944a0df3939f3bd281c9d05fbc0e3d30',
  },
  {
    name: 'hashcat 5400 example (SHA1)',
    psk: 'hashcat',
    line: '266b43c54636c062b6696b71f24b30999c98bd4c3ba57e2de56a7ae50bb17ebcbca1abcd33e9ad466d4df6e6f2a407600f0c5a983f79d493b0a3694080a81143d4bac7a8b7b008ae5364a04688b3cfae44824885ca96ade1e395936567ecad519b502c3a786c72847f79c67b777feb8ba4f747303eb985709e92b3a5634f6513:60f861c6209c9c996ac0dcb49d6f6809faaaf0e8eb8041fe603a918170a801e94ab8ab10c5906d850f4282c0668029fa69dbc8576f7d86633dc2b21f0d79aa06342b02a4d2732841cd3266b84a7eb49ac489b307ba55562a17741142bac7712025f0a8cad59b11f19d9b756ce998176fd6b063df556957b257b3645549a138c2:f4dd079ed2b60e77:f1f8da1f38f76923:fd862602549f6949b33870f186d96cb8926a19d78442c02af823460740be719eba41a79388aeefb072e1ec7cb46b2f0b72e21fb30bd3a6568d2b041af7f9dc0c9cce27ed577e5aabb9ab6c405f1c4b189adbee8c9fb6abf4788b63a3ae05a02c192187b9d7246efe5e46db9b01bf8f4be05f7599ae52bf137743e41d90dceb85bd6ae07397dcc168bbc904adfebb08e6bc67e653edeee97a7e4ab9dab5e63fec:56e3f0d49ea70514:e754055008febe970053d795d26bfe609f42eda8:0c3283efd6396e7a2ecb008e1933fccb694a4ac0:8f79167724f4bdb2d76ee5d5e502b665e3445ea6',
  },
];

describe('published known answers', () => {
  for (const k of KNOWN) {
    it(`${k.name}: PSK ${k.psk}, every core`, async () => {
      const f = k.line.split(':').map((x) => Buffer.from(x, 'hex'));
      const expected = f[8]!;
      const t: CrackTarget = {
        id: k.name,
        hash: expected.length === 16 ? 'md5' : 'sha1',
        skeyidData: Buffer.concat([f[6]!, f[7]!]),
        hashData: Buffer.concat(f.slice(0, 6)),
        expected,
      };
      for (const core of CORES) {
        const res = await crack([t], { wordlist: wordlist([...filler(3000), k.psk]), core, threads: 1 });
        assert.equal(Buffer.from(res[0]!.psk ?? []).toString(), k.psk, core);
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The real aggressive-mode fixtures (strongSwan and Libreswan, PSK `letmein`)

/** Crack material of the first aggressive-mode exchange in a capture, from espy's own dissector. */
async function aggressiveTarget(pcap: string): Promise<CrackTarget> {
  const dissector = new PacketDissector();
  const reader = await openCapture(pcap);
  let msg1: IsakmpRecord | undefined;
  let msg2: IsakmpRecord | undefined;
  for await (const frames of reader) {
    for (const f of frames) {
      const p = dissector.dissect(f);
      const l = p.layers.find((x) => x.spec.id === 'isakmp');
      if (!l) continue;
      const rec = l.record as IsakmpRecord;
      if (rec.major !== 1 || rec.exchangeType !== 4 || rec.encrypted) continue;
      const zero = rec.rspi?.every((b) => b === 0);
      if (zero && !msg1) msg1 = rec;
      else if (!zero && msg1 && !msg2 && rec.payloads.some((x) => x.type === 8)) msg2 = rec;
    }
  }
  assert.ok(msg1 && msg2, `aggressive-mode messages 1 and 2 in ${pcap}`);
  const body = (r: IsakmpRecord, type: number): Buffer => Buffer.from(r.payloads.find((x) => x.type === type)!.body);
  const hashR = body(msg2, 8);
  const hash = ({ 16: 'md5', 20: 'sha1', 32: 'sha256', 48: 'sha384', 64: 'sha512' } as const)[hashR.length as 16 | 20 | 32 | 48 | 64];
  return {
    id: pcap,
    hash,
    skeyidData: Buffer.concat([body(msg1, 10), body(msg2, 10)]),
    hashData: Buffer.concat([body(msg2, 4), body(msg1, 4), Buffer.from(msg2.rspi!), Buffer.from(msg2.ispi!), body(msg1, 1), body(msg2, 5)]),
    expected: hashR,
  };
}

describe('aggressive-mode fixtures', () => {
  for (const name of ['sw-ikev1-aggr-psk-weak', 'uml-lsw-lsw-ikev1-aggr-psk-weak', 'uml-lsw-sw-ikev1-aggr-psk-weak']) {
    it(`${name}: PSK letmein`, async () => {
      const t = await aggressiveTarget(join(GENERATED, name, 'capture.pcap'));
      const res = await crack([t], { wordlist: wordlist([...filler(40000), 'letmein', ...filler(100, 9)]) });
      assert.equal(res[0]!.stopped, 'found', `${name} (${t.hash})`);
      assert.equal(Buffer.from(res[0]!.psk!).toString(), 'letmein');
      // And every core agrees on the same material.
      for (const core of CORES) {
        const r = await crack([t], { candidates: ['letme', 'letmein'], core, threads: 1 });
        assert.equal(r[0]!.stopped, 'found', `${name} core ${core}`);
      }
    });
  }
});
