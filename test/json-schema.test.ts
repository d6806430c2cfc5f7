/**
 * The JSON output follows the published schemas in schema/ (JSON Schema
 * 2020-12): every packet object of every fixture capture (`-T jsonl`, `-T json`,
 * `-e` selections, `-x` hex), and every `-z` report document
 * (ike,sessions, esp,sas, ike,flow, conv,ip, conv,ipv6). Mutated objects must
 * fail, so the schemas stay strict enough to catch a changed shape.
 * `-z conv,ip` is compared with tshark's numbers when tshark is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { allCaptureFiles, espy, GENERATED, HAVE_TSHARK, ROOT, tshark } from './helpers.js';

// ajv is CommonJS: under NodeNext its default export arrives as the module object.
const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module.default;

type Obj = Record<string, any>;

const SCHEMA_DIR = join(ROOT, 'schema');
const FILES: Record<string, string> = {
  'espy.packet/1': 'espy-packet.schema.json',
  'espy.sessions/1': 'espy-sessions.schema.json',
  'espy.esp-sas/1': 'espy-esp-sas.schema.json',
  'espy.ike-flow/1': 'espy-ike-flow.schema.json',
  'espy.conv/1': 'espy-conv.schema.json',
};

const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validators = new Map<string, ValidateFunction>();
for (const [id, file] of Object.entries(FILES)) {
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Obj;
  assert.equal(schema.properties.schema.const, id, `${file} pins its id`);
  ajv.addSchema(schema);
}
for (const [id, file] of Object.entries(FILES)) {
  const schema = JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as Obj;
  validators.set(id, ajv.getSchema(schema.$id as string)!);
}

function errorsOf(doc: unknown, id?: string): string | undefined {
  const sid = id ?? (doc as Obj).schema;
  const v = validators.get(sid);
  if (!v) return `unknown schema id ${JSON.stringify(sid)}`;
  return v(doc) ? undefined : ajv.errorsText(v.errors, { separator: '\n  ' });
}

function assertValid(doc: unknown, what: string, id?: string): void {
  const e = errorsOf(doc, id);
  assert.equal(e, undefined, `${what}: ${e}`);
}

function assertInvalid(doc: unknown, what: string, id: string): void {
  assert.notEqual(errorsOf(structuredClone(doc), id), undefined, `${what} should fail the schema`);
}

/** `-z` documents printed one after another (each pretty-printed, `{` and `}` at column 0). */
function splitDocs(s: string): Obj[] {
  return s
    .split(/\n(?=\{)/)
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => JSON.parse(x) as Obj);
}

const FIXTURES = allCaptureFiles().filter((f) => existsSync(f));
const SAMPLE = FIXTURES.find((f) => f.includes('sw-ikev2-natt')) ?? FIXTURES.find((f) => f.startsWith(GENERATED));

test('the schema files are valid JSON Schema 2020-12 with the documented ids', () => {
  assert.deepEqual([...validators.keys()].sort(), Object.keys(FILES).sort());
  for (const v of validators.values()) assert.equal(typeof v, 'function');
});

/** One run per fixture (the CLI takes most of a second to start): packet lines, then the `-z` documents. */
const Z = ['ike,sessions', 'esp,sas', 'ike,flow', 'conv,ip', 'conv,ipv6'];
const runs = new Map<string, { status: number | null; stderr: string; packets: Obj[]; docs: Obj[] }>();
function run(f: string) {
  let r = runs.get(f);
  if (!r) {
    const x = espy(['-r', f, '-T', 'jsonl', ...Z.flatMap((z) => ['-z', z])]);
    const lines = x.stdout.split('\n');
    const cut = lines.indexOf('{');
    const packetLines = (cut < 0 ? lines : lines.slice(0, cut)).filter(Boolean);
    r = {
      status: x.status,
      stderr: x.stderr,
      packets: packetLines.map((l) => JSON.parse(l) as Obj),
      docs: cut < 0 ? [] : splitDocs(lines.slice(cut).join('\n')),
    };
    runs.set(f, r);
  }
  return r;
}

test('-T jsonl: every packet of every fixture capture follows espy.packet/1', (t) => {
  if (!FIXTURES.length) return t.skip('no fixtures');
  let packets = 0;
  for (const f of FIXTURES) {
    const r = run(f);
    assert.ok(r.status === 0 || r.status === 3, `${f}: exit ${r.status} ${r.stderr}`);
    if (f.startsWith(GENERATED)) assert.ok(r.packets.length > 0, `${f}: no packets`);
    for (const o of r.packets) {
      assert.equal(o.schema, 'espy.packet/1');
      assertValid(o, `${f} frame ${o.frame}`);
      packets++;
    }
  }
  assert.ok(packets > 100, `only ${packets} packets checked`);
});

test('-T json array, -e selection and -x hex follow espy.packet/1', (t) => {
  if (!SAMPLE) return t.skip('no generated fixtures');
  const arr = JSON.parse(espy(['-r', SAMPLE, '-T', 'json']).stdout) as Obj[];
  assert.ok(arr.length > 0);
  arr.forEach((o) => assertValid(o, `-T json frame ${o.frame}`));

  const sel = espy(['-r', SAMPLE, '-T', 'jsonl', '-e', 'frame.number', '-e', 'ip.src', '-e', 'isakmp.ispi', '-e', 'esp.spi', '-e', '_ws.col.info']);
  assert.equal(sel.status, 0, sel.stderr);
  for (const line of sel.stdout.split('\n').filter(Boolean)) {
    const o = JSON.parse(line) as Obj;
    assert.equal(o.layers, undefined);
    assert.deepEqual(Object.keys(o.fields), ['frame.number', 'ip.src', 'isakmp.ispi', 'esp.spi', '_ws.col.info']);
    assertValid(o, `-e frame ${o.frame}`);
  }

  const hex = JSON.parse(espy(['-r', SAMPLE, '-T', 'json', '-x']).stdout) as Obj[];
  for (const o of hex) {
    assertValid(o, `-x frame ${o.frame}`);
    for (const s of o.sources as Obj[]) assert.equal((s.hex as string).length, (s.length as number) * 2);
  }
  // Reassembled data sources (a second source) also validate.
  const frag = FIXTURES.find((f) => f.endsWith('ipv4-ikev2-fragmented.pcap'));
  if (frag) {
    const objs = espy(['-r', frag, '-T', 'jsonl', '-x']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj);
    assert.ok(objs.some((o) => o.sources.length > 1), 'a reassembled source');
    objs.forEach((o) => assertValid(o, `${frag} frame ${o.frame}`));
  }
});

test('-z ike,sessions, esp,sas, ike,flow, conv,ip, conv,ipv6 JSON follow their schemas on every fixture', (t) => {
  if (!FIXTURES.length) return t.skip('no fixtures');
  const want = ['espy.sessions/1', 'espy.esp-sas/1', 'espy.ike-flow/1', 'espy.conv/1', 'espy.conv/1'];
  let sas = 0;
  for (const f of FIXTURES) {
    const r = run(f);
    if (r.status !== 0 && r.status !== 3) assert.fail(`${f}: exit ${r.status} ${r.stderr}`);
    if (r.status === 3 && !r.packets.length && !r.docs.length) continue; // not a capture at all (bad magic)
    const docs = r.docs;
    assert.deepEqual(
      docs.map((d) => d.schema),
      want,
      `${f}: one document per -z, in order`,
    );
    for (const d of docs) assertValid(d, `${f} ${d.schema}`);
    assert.deepEqual(docs.slice(3).map((d) => d.conv), ['ip', 'ipv6']);
    sas += docs[0]!.ike_sas.length;
  }
  assert.ok(sas > 20, `only ${sas} IKE SAs checked`);
  // -q -T json prints the same documents alone.
  if (SAMPLE) {
    const r = espy(['-r', SAMPLE, '-q', '-T', 'json', '-z', 'ike,sessions']);
    assert.equal(r.status, 0, r.stderr);
    assertValid(JSON.parse(r.stdout), '-q -T json -z ike,sessions');
  }
});

test('mutated packet objects fail espy.packet/1', (t) => {
  if (!SAMPLE) return t.skip('no generated fixtures');
  const objs = espy(['-r', SAMPLE, '-T', 'jsonl', '-x']).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj);
  const p = objs.find((o) => o.layers.some((l: Obj) => l.protocol === 'isakmp'))!;
  assert.ok(p);
  assertValid(p, 'the unmutated packet');
  const id = 'espy.packet/1';
  const mut = (f: (o: Obj) => void): Obj => {
    const o = structuredClone(p);
    f(o);
    return o;
  };
  assertInvalid(mut((o) => delete o.schema), 'no schema id', id);
  assertInvalid(mut((o) => (o.schema = 'espy.packet/2')), 'another schema id', id);
  assertInvalid(mut((o) => (o.extra = 1)), 'an unknown top-level key', id);
  assertInvalid(mut((o) => delete o.summary.info), 'summary without info', id);
  assertInvalid(mut((o) => (o.time = 1700000000.5)), 'time as a number', id);
  assertInvalid(mut((o) => (o.time = '1700000000.5')), 'time without 9 decimals', id);
  assertInvalid(mut((o) => (o.frame = 0)), 'frame 0', id);
  assertInvalid(mut((o) => (o.fields = { 'ip.src': ['1.2.3.4'] })), 'both layers and fields', id);
  assertInvalid(mut((o) => delete o.layers), 'neither layers nor fields', id);
  assertInvalid(mut((o) => delete o.layers[0].notes), 'a layer without notes', id);
  assertInvalid(mut((o) => (o.layers[0].source = -1)), 'a negative source index', id);
  assertInvalid(mut((o) => (o.layers[0].fields[0].value = [1, 2])), 'an array value', id);
  assertInvalid(mut((o) => delete o.layers[0].fields[0].offset), 'a node without offset', id);
  assertInvalid(mut((o) => (o.layers.at(-1).fields[0].children = [{ id: 'x', show: 'x', value: 1, offset: 0 }])), 'a child node without length', id);
  assertInvalid(mut((o) => (o.layers[0].fields[0].secret = 'k')), 'an unknown node key', id);
  assertInvalid(mut((o) => (o.layers[0].notes = [{ id: 'x', group: 'malformed', severity: 'fatal', message: 'm' }])), 'an unknown severity', id);
  assertInvalid(mut((o) => (o.layers[0].notes = [{ id: 'x', group: 'bogus', severity: 'error', message: 'm' }])), 'an unknown note group', id);
  assertInvalid(mut((o) => (o.layers[0].notes = [{ id: 'x', group: 'malformed', severity: 'error', message: 'm', offset: 3 }])), 'a note offset without length', id);
  assertInvalid(mut((o) => (o.sources[0].hex = 'ABCD')), 'upper-case hex', id);
  assertInvalid(mut((o) => (o.sources[0].hex = 'abc')), 'odd-length hex', id);
  assertInvalid(mut((o) => (o.sources = [])), 'no sources', id);
  const sel = JSON.parse(espy(['-r', SAMPLE, '-T', 'jsonl', '-c', '1', '-e', 'frame.number']).stdout) as Obj;
  assertValid(sel, '-e packet');
  assertInvalid({ ...sel, fields: { 'frame.number': '1' } }, 'a field value not in an array', id);
  assertInvalid({ ...sel, fields: { 'frame.number': [1] } }, 'a field occurrence not a string', id);
});

test('mutated -z documents fail their schemas', (t) => {
  const file = FIXTURES.find((f) => f.includes('sw-ikev2-natt'));
  if (!file) return t.skip('generated fixtures missing');
  const docs = splitDocs(espy(['-r', file, '-q', '-T', 'json', '-z', 'ike,sessions', '-z', 'esp,sas', '-z', 'ike,flow', '-z', 'conv,ip']).stdout);
  const [sess, esp, flow, conv] = docs as [Obj, Obj, Obj, Obj];
  const mut = (d: Obj, f: (o: Obj) => void): Obj => {
    const o = structuredClone(d);
    f(o);
    return o;
  };
  const S = 'espy.sessions/1';
  assertInvalid(mut(sess, (o) => delete o.schema), 'sessions without schema id', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].state = 'happy')), 'an unknown SA state', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].version = 3)), 'IKE version 3', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].ispi = 'XYZ')), 'a bad SPI', S);
  assertInvalid(mut(sess, (o) => delete o.ike_sas[0].nat.verdict), 'no NAT verdict', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].nat.verdict = 'maybe')), 'an unknown NAT verdict', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].exchanges[0].requester = 'both')), 'an unknown requester', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].exchanges[0].request.frame = '3')), 'a frame as a string', S);
  assertInvalid(mut(sess, (o) => (o.ike_sas[0].psk = 'secret')), 'an unknown SA key', S);
  assertInvalid(mut(sess, (o) => (o.flows[0].spi = '1234')), 'a short flow SPI', S);
  assertInvalid(mut(sess, (o) => (o.flows[0].link = 'guess')), 'an unknown flow link', S);
  assertInvalid(mut(esp, (o) => (o.flows[0].encapsulation = 'GRE')), 'an unknown encapsulation', 'espy.esp-sas/1');
  assertInvalid(mut(esp, (o) => (o.ike_sas = [])), 'esp,sas with ike_sas', 'espy.esp-sas/1');
  assertInvalid(mut(flow, (o) => (o.ladder.lines[0].kind = 'arrow')), 'an unknown ladder line kind', 'espy.ike-flow/1');
  assertInvalid(mut(flow, (o) => delete o.ladder.dropped), 'a ladder without dropped', 'espy.ike-flow/1');
  assertInvalid(mut(conv, (o) => (o.conversations[0].frames = 0)), 'a conversation of no frames', 'espy.conv/1');
  assertInvalid(mut(conv, (o) => (o.conversations[0].duration = 5.88)), 'a duration as a number', 'espy.conv/1');
  // A document checked against another's schema fails.
  assertInvalid(esp, 'esp,sas against sessions', S);
});

/** `A <-> B  framesBA bytesBA  framesAB bytesAB  frames bytes  start  duration` rows of tshark's table. */
function convRows(s: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of s.split('\n')) {
    const x = /^(\S+)\s+<->\s+(\S+)\s+(\d+) (\d+ ?\w*B|\d+ bytes)\s+(\d+) (\d+ ?\w*B|\d+ bytes)\s+(\d+) (\d+ ?\w*B|\d+ bytes)\s/.exec(line);
    if (x) m.set(`${x[1]} ${x[2]}`, x.slice(3, 9));
  }
  return m;
}

test('-z conv,ip equals tshark -z conv,ip (pairs, frames and bytes each direction)', (t) => {
  if (!HAVE_TSHARK) return t.skip('tshark not installed');
  const picks = ['sw-ikev2-natt', 'uml-sw-ikev2-ah-tunnel', 'ipv4-ikev2-fragmented'].map((n) => FIXTURES.find((f) => f.includes(n))).filter((f): f is string => !!f);
  if (picks.length < 3) return t.skip('fixtures missing');
  for (const f of picks) {
    const mine = espy(['-r', f, '-q', '-z', 'conv,ip']);
    assert.equal(mine.status, 0, mine.stderr);
    const theirs = tshark(['-r', f, '-q', '-z', 'conv,ip']);
    const a = convRows(mine.stdout);
    const b = convRows(theirs);
    assert.ok(b.size > 0, `${f}: tshark lists conversations`);
    assert.deepEqual([...a.entries()], [...b.entries()], f);
    // The JSON numbers are the same (tshark prints bytes exactly below 10 kB).
    const doc = JSON.parse(espy(['-r', f, '-q', '-T', 'json', '-z', 'conv,ip']).stdout) as Obj;
    assertValid(doc, `${f} conv,ip`);
    for (const c of doc.conversations as Obj[]) {
      const row = b.get(`${c.address_a} ${c.address_b}`);
      assert.ok(row, `${f}: tshark has ${c.address_a} <-> ${c.address_b}`);
      assert.deepEqual([c.frames_b_to_a, c.frames_a_to_b, c.frames].map(String), [row[0], row[2], row[4]]);
      for (const [n, txt] of [[c.bytes_b_to_a, row[1]], [c.bytes_a_to_b, row[3]], [c.bytes, row[5]]] as [number, string][]) {
        if (txt.endsWith(' bytes')) assert.equal(`${n} bytes`, txt);
      }
    }
  }
});
