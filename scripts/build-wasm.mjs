// Build step of `npm run build` (before tsc): generates the PSK cracking core's WAT
// (src/audit/crack/wasm/gen-wat.mjs) and compiles it with the `wabt` devDependency into
// dist/src/audit/crack/wasm/ikepsk.wasm (the .wat is written beside it for reading).
// src/audit/crack/wasm-core.ts loads that file; without it espy falls back to the JS core.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateWat } from '../src/audit/crack/wasm/gen-wat.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'dist/src/audit/crack/wasm');
const wat = generateWat();
const { default: wabtInit } = await import('wabt');
const wabt = await wabtInit();
const mod = wabt.parseWat('ikepsk.wat', wat, { simd: true });
mod.validate();
const { buffer } = mod.toBinary({ log: false });
mod.destroy();
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'ikepsk.wat'), wat);
fs.writeFileSync(path.join(outDir, 'ikepsk.wasm'), buffer);
console.log(`build-wasm: ${path.relative(root, path.join(outDir, 'ikepsk.wasm'))} (${buffer.length} bytes)`);
