/**
 * The field and note registries: ids unique, every field referenced by the
 * code that builds trees, ids follow Wireshark's "protocol.field" shape, and
 * value tables print unknown codes without losing the number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FIELD_TABLES, NOTE_TABLES, fieldRegistry } from '../src/dissect/registry.js';
import { codeTable, describeCode, codeName } from '../src/core/codes.js';
import { columnFields } from '../src/cli/format/columns.js';
import { protoOf } from '../src/cli/format/fields.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

test('field ids are unique across every table', () => {
  const seen = new Map<string, number>();
  for (const t of [...FIELD_TABLES, columnFields]) for (const f of Object.values(t)) seen.set(f.id, (seen.get(f.id) ?? 0) + 1);
  const dups = [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(dups, []);
  assert.deepEqual(fieldRegistry().duplicates, []);
  assert.ok(seen.size > 100, `expected a substantial registry, got ${seen.size} fields`);
});

test('every field has a label and a well-formed id', () => {
  for (const f of fieldRegistry().all()) {
    assert.match(f.id, /^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$/, f.id);
    assert.ok(f.label.length > 0, `${f.id} has no label`);
    if (f.mask !== undefined) assert.ok(f.bits, `${f.id} has a mask but no width`);
  }
});

test('every protocol table names its fields under one protocol prefix', () => {
  // -T fields only builds trees of layers whose protocol matches the field's prefix (src/cli/format/fields.ts).
  for (const t of FIELD_TABLES) {
    const prefixes = new Set(Object.values(t).map((f) => protoOf(f.id)));
    assert.equal(prefixes.size, 1, `one table mixes protocols: ${[...prefixes].join(', ')}`);
  }
});

test('every registered field is used by some code outside its definition', () => {
  // Each table is declared as `export const NAME = defineFields({ key: {...}, ... })`;
  // a field is used when `NAME.key` appears anywhere in src/.
  const files = sourceFiles(join(ROOT, 'src'));
  const text = files.map((f) => readFileSync(f, 'utf8')).join('\n');
  const decl = /export const (\w+) = defineFields\(\{([\s\S]*?)\n\}\);/g;
  const unused: string[] = [];
  let tables = 0;
  for (const m of text.matchAll(decl)) {
    tables++;
    const name = m[1]!;
    const keys = [...m[2]!.matchAll(/^\s{2}(\w+): \{/gm)].map((k) => k[1]!);
    for (const k of keys) {
      const uses = text.split(`${name}.${k}`).length - 1;
      if (uses < 1) unused.push(`${name}.${k}`);
    }
  }
  assert.ok(tables >= 8, `found only ${tables} field tables`);
  assert.deepEqual(unused, []);
});

test('note ids are unique and every note definition is raised somewhere', () => {
  const ids = new Set<string>();
  for (const t of NOTE_TABLES) for (const n of Object.values(t)) {
    assert.ok(!ids.has(n.id), `duplicate note id ${n.id}`);
    ids.add(n.id);
  }
  const text = sourceFiles(join(ROOT, 'src')).map((f) => readFileSync(f, 'utf8')).join('\n');
  const decl = /export const (\w+) = defineNotes\(\{([\s\S]*?)\n\}\);/g;
  const unused: string[] = [];
  for (const m of text.matchAll(decl)) {
    for (const k of [...m[2]!.matchAll(/^\s{2}(\w+): \{/gm)].map((x) => x[1]!)) {
      if (!text.includes(`${m[1]}.${k}`)) unused.push(`${m[1]}.${k}`);
    }
  }
  assert.deepEqual(unused, []);
});

test('value tables print unknown codes with both number forms', () => {
  const t = codeTable('IKEv2PayloadType', { 33: 'Security Association' }, [
    { min: 55, max: 127, name: 'Unassigned' },
    { min: 128, max: 255, name: 'Private Use' },
  ]);
  assert.equal(describeCode(t, 33), 'Security Association');
  assert.equal(describeCode(t, 200), 'Private Use(200 / 0xc8)');
  assert.equal(describeCode(t, 60), 'Unassigned(60 / 0x3c)');
  assert.equal(describeCode(t, 1000), 'IKEv2PayloadType(1000 / 0x3e8)');
  assert.equal(codeName(t, 1000), undefined);
});
