// Generates the WebAssembly text (WAT) of espy's IKEv1 PSK cracking core: HMAC-MD5, HMAC-SHA1 and
// HMAC-SHA256 of 8 candidates per batch with SIMD (v128, i32x4): 2 chains of 4 lanes, one
// candidate per lane. MD5 and SHA-1 interleave the two chains step by step (independent work for
// the latency-bound rounds); SHA-256 runs them one after the other (fewer live registers). Run by
// scripts/build-wasm.mjs at build time (`npm run build`), which compiles the text with the `wabt`
// package into dist/src/audit/crack/wasm/ikepsk.wasm. Every round is unrolled here.
//
// Exports (one per hash): md5(tbl, nS, nM, cand, nb, exp), sha1(...), sha256(...) -> i32.
//   For each of the nb batches at cand (512 bytes each) it computes, per candidate P (the HMAC key):
//     SKEYID = HMAC(P, S)          S = Ni_b | Nr_b
//     HASH   = HMAC(SKEYID, M)     M = g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b
//   and returns the index of the first batch in which any lane's first digest word equals `exp`
//   (the caller verifies the 8 candidates of that batch with node:crypto), or -1.
//
// Memory layout (prepared by src/audit/crack/engine.ts, tables by blocks.ts):
//   tbl: the fixed blocks of the two inner hashes, i.e. the message blocks after the 64-byte key
//        block, padding and length included (nS blocks for S, then nM blocks for M). They do not
//        depend on the candidate, so each is stored as its per-step addend: MD5 W[g(i)] + K[i]
//        (64 words per block), SHA-1 W[t] + K[t] after the message schedule (80 words), SHA-256
//        likewise (64 words). Each word is stored splatted to 4 lanes (16 bytes), so a step adds
//        it with one v128.load (measured ~10 % faster for SHA-1 than v128.load32_splat).
//   cand: batches of 8 zero-padded 64-byte keys, transposed: word t of candidate c at
//        (c >> 2) * 256 + t * 16 + (c & 3) * 4, in the hash's byte order (MD5 little-endian,
//        SHA big-endian), so v128.load gives word t of 4 candidates. Keys longer than 64 bytes
//        are hashed first by the caller (RFC 2104).
// The chaining state differs per candidate, so every block is still compressed per candidate:
// 13 compressions for DH group 2 material (1 + 1 + 2 for SKEYID, 1 + 6 + 2 for HASH_R).

const hex = (x) => '0x' + (x >>> 0).toString(16).padStart(8, '0');
// Splatted constants: either v128.const, or (ESPY_WASM_CONST_MEM=1) loads from a data segment
// at address 0 (the `heapBase` export tells the caller where free memory starts).
const CONST_MEM = process.env.ESPY_WASM_CONST_MEM === '1';
const constIndex = new Map();
const C = (x) => {
  if (!CONST_MEM) return `(v128.const i32x4 ${hex(x)} ${hex(x)} ${hex(x)} ${hex(x)})`;
  const k = x >>> 0;
  let i = constIndex.get(k);
  if (i === undefined) constIndex.set(k, (i = constIndex.size));
  return `(v128.load offset=${i * 16} (i32.const 0))`;
};
const dataSegment = () => {
  let str = '';
  for (const k of constIndex.keys()) {
    const b = [k & 255, (k >>> 8) & 255, (k >>> 16) & 255, k >>> 24].map((x) => '\\' + x.toString(16).padStart(2, '0')).join('');
    str += b.repeat(4);
  }
  return `(data (i32.const 0) "${str}")`;
};
const L = (n) => `(local.get $${n})`;
const add = (...xs) => xs.reduce((a, b) => `(i32x4.add ${a} ${b})`);
const xor = (a, b) => `(v128.xor ${a} ${b})`;
const rotl = (x, n) => `(v128.or (i32x4.shl ${x} (i32.const ${n})) (i32x4.shr_u ${x} (i32.const ${32 - n})))`;
const set = (n, e) => `(local.set $${n} ${e})`;

const CHAINS = ['A', 'B'];
const CHAIN_OFF = { A: 0, B: 256 };
const IPAD = 0x36363636;
const OPAD = 0x5c5c5c5c;

// ---------------------------------------------------------------------------------------------
// MD5

const MD5_IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) >>> 0);
const md5g = (i) => (i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16);

/**
 * One MD5 compression on state locals a,b,c,d (per chain). `wk(i, ch)` gives W[g(i)] + K[i].
 * init 'iv': the state starts from the IV; 'chain': from the current locals.
 */
function md5Compress(out, wk, init, CHAINS) {
  for (const ch of CHAINS) {
    for (const [j, r] of ['a', 'b', 'c', 'd'].entries()) {
      if (init === 'iv') out.push(set(r + ch, C(MD5_IV[j])));
      else out.push(set('s' + r + ch, L(r + ch)));
    }
  }
  let n = ['a', 'b', 'c', 'd'];
  for (let i = 0; i < 64; i++) {
    for (const ch of CHAINS) {
      const [a, b, c, d] = n.map((r) => L(r + ch));
      const f =
        i < 16 ? `(v128.bitselect ${c} ${d} ${b})` : i < 32 ? `(v128.bitselect ${b} ${c} ${d})` : i < 48 ? xor(xor(b, c), d) : xor(c, `(v128.or ${b} (v128.not ${d}))`);
      // (a + W + K) does not depend on the previous step: add it first, f(b, c, d) last.
      out.push(set('t' + ch, add(f, add(a, wk(i, ch)))));
      out.push(set(n[0] + ch, add(b, rotl(L('t' + ch), MD5_S[(i >> 4) * 4 + (i & 3)]))));
    }
    n = [n[3], n[0], n[1], n[2]];
  }
  for (const ch of CHAINS) {
    for (const [j, r] of ['a', 'b', 'c', 'd'].entries()) {
      out.push(set(r + ch, add(L(r + ch), init === 'iv' ? C(MD5_IV[j]) : L('s' + r + ch))));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SHA-1

const SHA1_IV = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
const SHA1_K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];

/**
 * One SHA-1 compression on a..e. `wk` is either {fixed: true} (W[t] + K[t] from the table at $p)
 * or {words(j, ch)}: expressions for the 16 message words, expanded here in the w ring.
 */
function sha1Compress(out, src, init, CHAINS) {
  const R = ['a', 'b', 'c', 'd', 'e'];
  for (const ch of CHAINS) {
    for (const [j, r] of R.entries()) {
      if (init === 'iv') out.push(set(r + ch, C(SHA1_IV[j])));
      else out.push(set('s' + r + ch, L(r + ch)));
    }
    if (!src.fixed) for (let j = 0; j < 16; j++) out.push(set(`w${j}${ch}`, src.words(j, ch)));
  }
  let n = [...R];
  for (let t = 0; t < 80; t++) {
    const k = SHA1_K[Math.floor(t / 20)];
    for (const ch of CHAINS) {
      let wk;
      if (src.fixed) {
        wk = `(v128.load offset=${t * 16} (local.get $p))`;
      } else {
        const w = (j) => L(`w${j & 15}${ch}`);
        if (t >= 16) {
          out.push(set('u' + ch, xor(xor(w(t - 3), w(t - 8)), xor(w(t - 14), w(t)))));
          out.push(set(`w${t & 15}${ch}`, rotl(L('u' + ch), 1)));
        }
        wk = add(w(t), C(k));
      }
      const [a, b, c, d, e] = n.map((r) => L(r + ch));
      const f = t < 20 ? `(v128.bitselect ${c} ${d} ${b})` : t >= 40 && t < 60 ? `(v128.bitselect ${d} ${b} ${xor(b, c)})` : xor(xor(b, c), d);
      // Off the critical path (a -> rotl(a, 5) -> new a) first: e + W + K, then f.
      out.push(set(n[4] + ch, add(rotl(a, 5), add(f, add(e, wk)))));
      out.push(set(n[1] + ch, rotl(b, 30)));
    }
    n = [n[4], n[0], n[1], n[2], n[3]];
  }
  for (const ch of CHAINS) {
    for (const [j, r] of R.entries()) {
      out.push(set(r + ch, add(L(r + ch), init === 'iv' ? C(SHA1_IV[j]) : L('s' + r + ch))));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// SHA-256

const SHA256_IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
// prettier-ignore
const SHA256_K = [
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];
const rotr = (x, n) => rotl(x, 32 - n);
const shr = (x, n) => `(i32x4.shr_u ${x} (i32.const ${n}))`;

/** One SHA-256 compression on a..h; `src` as for SHA-1 (fixed: W[t] + K[t] from the table at $p). */
function sha256Compress(out, src, init, CHAINS) {
  const R = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  for (const ch of CHAINS) {
    for (const [j, r] of R.entries()) {
      if (init === 'iv') out.push(set(r + ch, C(SHA256_IV[j])));
      else out.push(set('s' + r + ch, L(r + ch)));
    }
    if (!src.fixed) for (let j = 0; j < 16; j++) out.push(set(`w${j}${ch}`, src.words(j, ch)));
  }
  let n = [...R];
  for (let t = 0; t < 64; t++) {
    for (const ch of CHAINS) {
      let wk;
      if (src.fixed) {
        wk = `(v128.load offset=${t * 16} (local.get $p))`;
      } else {
        const w = (j) => L(`w${j & 15}${ch}`);
        if (t >= 16) {
          const u = L('u' + ch);
          const v = L('v' + ch);
          out.push(set('u' + ch, w(t - 2)));
          out.push(set('v' + ch, w(t - 15)));
          const s1 = xor(xor(rotr(u, 17), rotr(u, 19)), shr(u, 10));
          const s0 = xor(xor(rotr(v, 7), rotr(v, 18)), shr(v, 3));
          out.push(set(`w${t & 15}${ch}`, add(s1, w(t - 7), s0, w(t))));
        }
        wk = add(w(t), C(SHA256_K[t]));
      }
      const [a, b, c, d, e, f, g, h] = n.map((r) => L(r + ch));
      const S1 = xor(xor(rotr(e, 6), rotr(e, 11)), rotr(e, 25));
      const S0 = xor(xor(rotr(a, 2), rotr(a, 13)), rotr(a, 22));
      out.push(set('t' + ch, add(add(S1, `(v128.bitselect ${f} ${g} ${e})`), add(h, wk))));
      out.push(set(n[3] + ch, add(d, L('t' + ch))));
      out.push(set(n[7] + ch, add(L('t' + ch), S0, `(v128.bitselect ${c} ${a} ${xor(a, b)})`)));
    }
    n = [n[7], n[0], n[1], n[2], n[3], n[4], n[5], n[6]];
  }
  for (const ch of CHAINS) {
    for (const [j, r] of R.entries()) {
      out.push(set(r + ch, add(L(r + ch), init === 'iv' ? C(SHA256_IV[j]) : L('s' + r + ch))));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The HMAC-HMAC pipeline, shared by both hashes

function kernel(name, h) {
  const { words, blockBytes, compress, fixedSrc, keySrc, digestKeySrc, outerSrc, interleave } = h;
  const body = [];
  const regs = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].slice(0, words);
  // interleave: both chains step by step (more independent work per step: helps latency-bound
  // MD5); otherwise chain A's whole pipeline, then chain B's (fewer live registers: SHA-1).
  const pipeline = (chains) => {
    const fixedLoop = (count) => {
      const label = `$fixed${body.length}`;
      body.push(`(local.set $i ${count})`);
      body.push(`(loop ${label}`);
      compress(body, fixedSrc, 'chain', chains);
      body.push(`(local.set $p (i32.add (local.get $p) (i32.const ${blockBytes})))`);
      body.push(`(br_if ${label} (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))`);
    };
    const save = (to) => {
      for (const ch of chains) regs.forEach((r, j) => body.push(set(`${to}${j}${ch}`, L(r + ch))));
    };
    body.push('(local.set $p (local.get $tbl))');
    // SKEYID = HMAC(P, S)
    compress(body, keySrc(IPAD), 'iv', chains);
    fixedLoop('(local.get $nS)');
    save('x');
    compress(body, keySrc(OPAD), 'iv', chains);
    compress(body, outerSrc, 'chain', chains);
    save('k');
    // HASH = HMAC(SKEYID, M)
    compress(body, digestKeySrc(IPAD), 'iv', chains);
    fixedLoop('(local.get $nM)');
    save('x');
    compress(body, digestKeySrc(OPAD), 'iv', chains);
    compress(body, outerSrc, 'chain', chains);
  };
  if (interleave) pipeline(CHAINS);
  else for (const ch of CHAINS) pipeline([ch]);

  const locals = new Set();
  for (const line of body) for (const m of line.matchAll(/\$([a-z]\w*[AB])\b/g)) locals.add(m[1]);
  return [
    `(func (export "${name}") (param $tbl i32) (param $nS i32) (param $nM i32) (param $cand i32) (param $nb i32) (param $exp i32) (result i32)`,
    '(local $bi i32) (local $p i32) (local $i i32) (local $e v128)',
    ...[...locals].sort().map((l) => `(local $${l} v128)`),
    '(local.set $e (i32x4.splat (local.get $exp)))',
    '(block $done (loop $batch',
    '(br_if $done (i32.ge_u (local.get $bi) (local.get $nb)))',
    ...body,
    '(if (v128.any_true (v128.or (i32x4.eq (local.get $aA) (local.get $e)) (i32x4.eq (local.get $aB) (local.get $e)))) (then (return (local.get $bi))))',
    '(local.set $cand (i32.add (local.get $cand) (i32.const 512)))',
    '(local.set $bi (i32.add (local.get $bi) (i32.const 1)))',
    '(br $batch)))',
    '(i32.const -1))',
  ].join('\n');
}

const candWord = (j, ch) => `(v128.load offset=${CHAIN_OFF[ch] + j * 16} (local.get $cand))`;

const MD5 = {
  words: 4,
  blockBytes: 1024,
  compress: md5Compress,
  interleave: process.env.ESPY_WASM_MD5_SEQ !== '1',
  fixedSrc: (i) => `(v128.load offset=${i * 16} (local.get $p))`,
  keySrc: (pad) => (i, ch) => add(xor(candWord(md5g(i), ch), C(pad)), C(MD5_K[i])),
  // The key is a 16-byte digest in k0..k3: words 4..15 are the pad bytes alone.
  digestKeySrc: (pad) => (i, ch) => (md5g(i) < 4 ? add(xor(L(`k${md5g(i)}${ch}`), C(pad)), C(MD5_K[i])) : C(pad + MD5_K[i])),
  // The outer hash's last block: the 16-byte inner digest, 0x80, zeros, bit length of 64 + 16 bytes.
  outerSrc: (i, ch) => {
    const g = md5g(i);
    if (g < 4) return add(L(`x${g}${ch}`), C(MD5_K[i]));
    const w = g === 4 ? 0x80 : g === 14 ? (64 + 16) * 8 : 0;
    return C(w + MD5_K[i]);
  },
};

const SHA1 = {
  words: 5,
  blockBytes: 1280,
  compress: sha1Compress,
  interleave: process.env.ESPY_WASM_SHA1_SEQ !== '1',
  fixedSrc: { fixed: true },
  keySrc: (pad) => ({ words: (j, ch) => xor(candWord(j, ch), C(pad)) }),
  digestKeySrc: (pad) => ({ words: (j, ch) => (j < 5 ? xor(L(`k${j}${ch}`), C(pad)) : C(pad)) }),
  outerSrc: { words: (j, ch) => (j < 5 ? L(`x${j}${ch}`) : C(j === 5 ? 0x80000000 : j === 15 ? (64 + 20) * 8 : 0)) },
};

const SHA256 = {
  words: 8,
  blockBytes: 1024,
  compress: sha256Compress,
  interleave: process.env.ESPY_WASM_SHA256_SEQ === '0',
  fixedSrc: { fixed: true },
  keySrc: (pad) => ({ words: (j, ch) => xor(candWord(j, ch), C(pad)) }),
  digestKeySrc: (pad) => ({ words: (j, ch) => (j < 8 ? xor(L(`k${j}${ch}`), C(pad)) : C(pad)) }),
  outerSrc: { words: (j, ch) => (j < 8 ? L(`x${j}${ch}`) : C(j === 8 ? 0x80000000 : j === 15 ? (64 + 32) * 8 : 0)) },
};

/** Bumped whenever the memory layout or the exports change; engine.ts refuses another value. */
export const ABI = 2;

/** The whole module as WAT text. */
export function generateWat() {
  const funcs = [kernel('md5', MD5), kernel('sha1', SHA1), kernel('sha256', SHA256)];
  const heapBase = Math.ceil((constIndex.size * 16) / 1024) * 1024;
  return ['(module', '(memory (export "memory") 4)', `(global (export "heapBase") i32 (i32.const ${heapBase}))`, `(global (export "abi") i32 (i32.const ${ABI}))`, CONST_MEM ? dataSegment() : '', ...funcs, ')'].join('\n');
}
