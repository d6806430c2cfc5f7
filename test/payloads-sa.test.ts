/**
 * SA, KE, Delete and configuration payload decoders: known-answer bytes built
 * from the RFC layouts (both versions), every cut of a valid SA body, the
 * value tables' unknown-code text, and real captures against tshark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
// The message dissector first: it pulls in the decoder groups in dependency order.
import '../src/dissect/isakmp/isakmp.js';
import { decoderFor } from '../src/dissect/isakmp/decoders.js';
import type { PayloadContext, PayloadDecoder } from '../src/dissect/isakmp/payload.js';
import { Reader, Truncated } from '../src/core/reader.js';
import type { Note } from '../src/core/notes.js';
import { describeCode, type CodeTable } from '../src/core/codes.js';
import { findAll, nodeLine, type TreeNode } from '../src/core/tree.js';
import * as tables from '../src/dissect/isakmp/payloads/sa-tables.js';
import { attributeValue, transformKeyLength, type SaPayload } from '../src/dissect/isakmp/payloads/sa.js';
import type { KePayload } from '../src/dissect/isakmp/payloads/ke.js';
import type { DeletePayload } from '../src/dissect/isakmp/payloads/delete.js';
import type { CfgPayload } from '../src/dissect/isakmp/payloads/config.js';
import { GENERATED, HAVE_TSHARK, espy, generatedCases, rows, tshark } from './helpers.js';
import { bytes, u16, u32, type Part } from './bytes.js';

// ---------------------------------------------------------------- helpers

/** Generic substructure/payload header + body. */
const sub = (next: number, body: Uint8Array) => bytes(next, 0, u16(body.length + 4), body);
const tv = (type: number, value: number) => bytes(u16(0x8000 | type), u16(value));
const tlv = (type: number, value: Part) => {
  const v = bytes(value);
  return bytes(u16(type), u16(v.length), v);
};

function ctx(major: 1 | 2, type: number, flags = 0): PayloadContext {
  return { major, exchangeType: major === 1 ? 2 : 34, flags, messageId: 0, type, index: 0 };
}

interface Run<D> {
  d: D;
  notes: Note[];
  tree: TreeNode[];
  truncated: boolean;
}

/** Like isakmp.ts decodeBody: Truncated is recorded, anything else fails the test. */
function run<D>(c: PayloadContext, body: Uint8Array, end = body.length): Run<D> {
  const dec = decoderFor(c.major, c.type) as PayloadDecoder<any> | undefined;
  assert.ok(dec, `decoder for v${c.major} type ${c.type}`);
  const d = dec.draft(c);
  const notes: Note[] = [];
  let truncated = false;
  try {
    dec.decode(new Reader(body, 0, end), d, c, notes);
  } catch (e) {
    if (!(e instanceof Truncated)) throw e;
    truncated = true;
  }
  return { d, notes, tree: dec.tree(d, c), truncated };
}

const values = (tree: TreeNode[], id: string) => findAll(tree, id).map((n) => n.value);
const lines = (tree: TreeNode[], id: string) => findAll(tree, id).map(nodeLine);
const noteIds = (notes: Note[]) => notes.map((n) => n.def.id);

// ---------------------------------------------------------------- IKEv1 SA

/** RFC 2409 App. A phase-1 offer: two proposals, TV and TLV attributes, an 8-byte life duration. */
function v1Sa(): Uint8Array {
  const t1 = bytes(
    1, // transform number
    1, // KEY_IKE
    0, 0,
    tv(1, 7), // Encryption AES-CBC
    tv(14, 256), // Key-Length
    tv(2, 4), // Hash SHA2-256
    tv(3, 1), // PSK
    tv(4, 14), // 2048-bit MODP
    tv(11, 2), // Kilobytes
    tlv(12, [0, 0, 0, 1, 0, 0, 0, 0]), // Life-Duration 2^32 (8 bytes, RFC 2409 App. A "V")
  );
  const t2 = bytes(2, 1, 0, 0, tv(1, 5), tv(2, 2), tv(3, 65001), tv(4, 2), tv(11, 1), tlv(12, u32(28800)));
  const p1 = sub(2, bytes(1, 1, 0, 2, sub(3, t1), sub(0, t2)));
  // Second proposal: ESP (a quick-mode style offer) with an SPI and IPsec DOI attributes.
  const t3 = bytes(1, 12, 0, 0, tv(6, 128), tv(4, 3), tv(5, 5), tv(1, 1), tlv(2, u32(3600)));
  const p2 = sub(0, bytes(2, 3, 4, 1, [0xc0, 0xff, 0xee, 0x01], sub(0, t3)));
  return bytes(u32(1), u32(1), p1, p2);
}

test('IKEv1 SA: two proposals, KEY_IKE and ESP transforms, TV and TLV attributes', () => {
  const body = v1Sa();
  const { d, notes, tree, truncated } = run<SaPayload>(ctx(1, 1), body);
  assert.equal(truncated, false);
  assert.deepEqual(noteIds(notes), []);
  assert.equal(d.doi, 1);
  assert.equal(d.proposals.length, 2);
  const [p1, p2] = d.proposals;
  assert.equal(p1!.protocol, 1);
  assert.equal(p1!.transforms.length, 2);
  assert.equal(attributeValue(p1!.transforms[0]!, 12), 2n ** 32n);
  assert.equal(transformKeyLength(p1!.transforms[0]!, 1, 1), 256);
  assert.equal(transformKeyLength(p2!.transforms[0]!, 1, 3), 128);
  assert.deepEqual(values(tree, 'isakmp.prop.number'), [1, 2]);
  assert.deepEqual(values(tree, 'isakmp.prop.protoid'), [1, 3]);
  assert.deepEqual(values(tree, 'isakmp.trans.id'), [1, 1, 12]);
  assert.deepEqual(lines(tree, 'isakmp.trans.id'), ['Transform ID: KEY_IKE (1)', 'Transform ID: KEY_IKE (1)', 'Transform ID: AES (12)']);
  assert.deepEqual(values(tree, 'isakmp.spi'), [Uint8Array.of(0xc0, 0xff, 0xee, 0x01)]);
  assert.deepEqual(values(tree, 'isakmp.ike.attr.encryption_algorithm'), [7, 5]);
  assert.deepEqual(lines(tree, 'isakmp.ike.attr.authentication_method'), ['Authentication Method: Pre-shared key (1)', 'Authentication Method: XAUTHInitPreShared (65001)']);
  assert.deepEqual(values(tree, 'isakmp.ike.attr.life_duration64'), [2n ** 32n]);
  assert.deepEqual(values(tree, 'isakmp.ike.attr.life_duration'), [28800]);
  assert.deepEqual(values(tree, 'isakmp.ipsec.attr.encap_mode'), [3]);
  assert.deepEqual(lines(tree, 'isakmp.ipsec.attr.encap_mode'), ['Encapsulation Mode: UDP-Encapsulated-Tunnel (3)']);
  assert.deepEqual(lines(tree, 'isakmp.ipsec.attr.auth_algorithm'), ['Authentication Algorithm: HMAC-SHA2-256 (5)']);
  const attrs = findAll(tree, 'isakmp.ike.attr').map(nodeLine);
  assert.equal(attrs[0], 'IKE Attribute (t=1,l=2): Encryption-Algorithm: AES-CBC');
  assert.equal(attrs[6], 'IKE Attribute (t=12,l=8): Life-Duration: 4294967296');
  assert.equal(findAll(tree, 'isakmp.ike.attr.format').map(nodeLine)[6], '0... .... .... .... = Format: Type/Length/Value (TLV)');
  assert.deepEqual(findAll(tree, 'isakmp.prop').map(nodeLine), ['Payload: Proposal (2) # 1', 'Payload: Proposal (2) # 2']);
  // Substructures span exactly their declared lengths.
  const props = findAll(tree, 'isakmp.prop');
  assert.equal(props[0]!.offset + props[0]!.length, props[1]!.offset);
  assert.equal(props[1]!.offset + props[1]!.length, body.length);
});

test('IKEv1 SA: every cut of the body never throws, keeps earlier proposals and notes the damage', () => {
  const body = v1Sa();
  const full = run<SaPayload>(ctx(1, 1), body);
  const p1End = full.d.proposals[0]!.offset + full.d.proposals[0]!.length;
  for (let cut = 0; cut < body.length; cut++) {
    const r = run<SaPayload>(ctx(1, 1), body, cut);
    const malformed = r.truncated || r.notes.some((n) => n.def.group === 'malformed');
    assert.ok(malformed, `cut ${cut}: malformed note or truncation`);
    if (cut >= p1End) {
      assert.ok(r.d.proposals.length >= 1, `cut ${cut}`);
      assert.equal(r.d.proposals[0]!.transforms.length, 2, `cut ${cut}: first proposal intact`);
      assert.ok(!r.d.proposals[0]!.malformed, `cut ${cut}`);
    }
    // The tree can always be built from the partial record.
    assert.ok(Array.isArray(r.tree));
  }
  // An inner length past its proposal stops that level only.
  const bad = v1Sa().slice();
  // DOI + Situation (8), proposal header and fixed part (8): transform #1's length field is at 18.
  bad[18] = 0xff;
  const r = run<SaPayload>(ctx(1, 1), bad);
  assert.ok(noteIds(r.notes).includes('isakmp.sa.length_bad'));
  assert.equal(r.d.proposals.length, 2, 'the second proposal is still read (proposal length was good)');
  assert.ok(r.d.proposals[0]!.transforms[0]!.malformed);
});

// ---------------------------------------------------------------- IKEv2 SA

function v2Transform(next: number, type: number, id: number, ...attrs: Uint8Array[]) {
  return sub(next, bytes(type, 0, u16(id), ...attrs));
}

function v2Sa(secondNumber = 2, announced = 3): Uint8Array {
  const p1 = sub(
    2,
    bytes(1, 1, 0, 4, v2Transform(3, 1, 12, tv(14, 256)), v2Transform(3, 2, 5), v2Transform(3, 3, 12), v2Transform(0, 4, 19)),
  );
  const p2 = sub(0, bytes(secondNumber, 1, 0, announced, v2Transform(3, 1, 20, tv(14, 128)), v2Transform(3, 2, 7), v2Transform(0, 4, 31)));
  return bytes(p1, p2);
}

test('IKEv2 SA: proposals, transform types and ids, key length attribute', () => {
  const { d, notes, tree } = run<SaPayload>(ctx(2, 33), v2Sa());
  assert.deepEqual(noteIds(notes), []);
  assert.equal(d.proposals.length, 2);
  assert.deepEqual(values(tree, 'isakmp.tf.type'), [1, 2, 3, 4, 1, 2, 4]);
  assert.deepEqual(values(tree, 'isakmp.tf.id.encr'), [12, 20]);
  assert.deepEqual(values(tree, 'isakmp.tf.id.prf'), [5, 7]);
  assert.deepEqual(values(tree, 'isakmp.tf.id.integ'), [12]);
  assert.deepEqual(values(tree, 'isakmp.tf.id.dh'), [19, 31]);
  assert.deepEqual(values(tree, 'isakmp.ike2.attr.key_length'), [256, 128]);
  assert.deepEqual(lines(tree, 'isakmp.tf.id.dh'), ['Transform ID (D-H): 256-bit random ECP group (19)', 'Transform ID (D-H): Curve25519 (31)']);
  assert.deepEqual(lines(tree, 'isakmp.prop.protoid'), ['Protocol ID: IKE (1)', 'Protocol ID: IKE (1)']);
  assert.deepEqual(lines(tree, 'isakmp.ike2.attr'), ['Transform Attribute (t=14,l=2): Key Length: 256', 'Transform Attribute (t=14,l=2): Key Length: 128']);
  assert.equal(transformKeyLength(d.proposals[1]!.transforms[0]!, 2), 128);
  assert.deepEqual(findAll(tree, 'isakmp.trans').map(nodeLine).slice(0, 1), ['Payload: Transform (3)']);
  // Next payload of substructures is named from the IKEv1 table, as tshark does.
  assert.ok(lines(tree, 'isakmp.nextpayload').includes('Next payload: Transform (3)'));
});

test('IKEv2 SA: proposal numbering and transform count are checked', () => {
  const r = run<SaPayload>(ctx(2, 33), v2Sa(3, 2));
  assert.deepEqual(noteIds(r.notes).sort(), ['isakmp.sa.proposal_number', 'isakmp.sa.transform_count']);
  // An ADDKE transform (RFC 9370) names a key exchange method; an unknown type has no table.
  const addke = run<SaPayload>(ctx(2, 33), sub(0, bytes(1, 1, 0, 2, v2Transform(3, 6, 36), v2Transform(0, 200, 9))));
  assert.deepEqual(lines(addke.tree, 'isakmp.tf.id'), ['Transform ID: ml-kem-768 (36)', 'Transform ID: 9']);
  assert.deepEqual(lines(addke.tree, 'isakmp.tf.type')[1], 'Transform Type: Unassigned(200 / 0xc8) (200)');
  // Key Length must be TV (RFC 7296 §3.3.5).
  const tlvKey = run<SaPayload>(ctx(2, 33), sub(0, bytes(1, 1, 0, 1, v2Transform(0, 1, 12, tlv(14, u16(128))))));
  assert.deepEqual(noteIds(tlvKey.notes), ['isakmp.sa.attr_format']);
});

// ---------------------------------------------------------------- KE

test('KE: IKEv2 group and data, size check per method; IKEv1 data only', () => {
  const ok = run<KePayload>(ctx(2, 34), bytes(u16(19), 0, 0, new Uint8Array(64)));
  assert.deepEqual(noteIds(ok.notes), []);
  assert.deepEqual(lines(ok.tree, 'isakmp.key_exchange.dh_group'), ['DH Group #: 256-bit random ECP group (19)']);
  assert.equal((values(ok.tree, 'isakmp.key_exchange.data')[0] as Uint8Array).length, 64);
  const short = run<KePayload>(ctx(2, 34), bytes(u16(14), 0, 0, new Uint8Array(255)));
  assert.deepEqual(noteIds(short.notes), ['isakmp.key_exchange.length']);
  // ML-KEM-768: the request carries the 1184-byte key, the response the 1088-byte ciphertext.
  assert.deepEqual(noteIds(run<KePayload>(ctx(2, 34, 0x08), bytes(u16(36), 0, 0, new Uint8Array(1184))).notes), []);
  assert.deepEqual(noteIds(run<KePayload>(ctx(2, 34, 0x20), bytes(u16(36), 0, 0, new Uint8Array(1088))).notes), []);
  assert.deepEqual(noteIds(run<KePayload>(ctx(2, 34, 0x20), bytes(u16(36), 0, 0, new Uint8Array(1184))).notes), ['isakmp.key_exchange.length']);
  const v1 = run<KePayload>(ctx(1, 4), new Uint8Array(128).fill(7));
  assert.equal(v1.d.group, undefined);
  assert.deepEqual(values(v1.tree, 'isakmp.key_exchange.dh_group'), []);
  assert.equal(findAll(v1.tree, 'isakmp.key_exchange.data')[0]!.offset, 0);
  const cut = run<KePayload>(ctx(2, 34), bytes(0));
  assert.equal(cut.truncated, true);
});

// ---------------------------------------------------------------- Delete

test('Delete: IKEv1 with several SPIs, IKEv2 IKE SA delete', () => {
  const v1 = run<DeletePayload>(ctx(1, 12), bytes(u32(1), 3, 4, u16(3), u32(0x11111111), u32(0x22222222), u32(0x33333333)));
  assert.deepEqual(noteIds(v1.notes), []);
  assert.deepEqual(values(v1.tree, 'isakmp.delete.spi').length, 3);
  assert.deepEqual(lines(v1.tree, 'isakmp.delete.protoid'), ['Protocol ID: IPSEC_ESP (3)']);
  assert.deepEqual(values(v1.tree, 'isakmp.spinum'), [3]);
  assert.deepEqual(findAll(v1.tree, 'isakmp.delete.spi').map((n) => n.offset), [8, 12, 16]);
  const v2 = run<DeletePayload>(ctx(2, 42), bytes(1, 0, u16(0)));
  assert.deepEqual(noteIds(v2.notes), []);
  assert.deepEqual(lines(v2.tree, 'isakmp.delete.protoid'), ['Protocol ID: IKE (1)']);
  const esp = run<DeletePayload>(ctx(2, 42), bytes(3, 4, u16(2), u32(0xabcdef01)));
  assert.equal(esp.truncated, true);
  assert.equal(esp.d.spis.length, 1, 'the SPI that was there is kept');
  const extra = run<DeletePayload>(ctx(2, 42), bytes(3, 4, u16(1), u32(1), 0, 0));
  assert.deepEqual(noteIds(extra.notes), ['isakmp.delete.spis_bad']);
});

// ---------------------------------------------------------------- configuration

test('IKEv1 mode-config / XAUTH attributes', () => {
  const body = bytes(2, 0, u16(0x1234), tlv(1, [10, 1, 2, 3]), tv(16520, 0), tlv(16521, [...Buffer.from('alice')]), tv(16527, 1), tlv(13, [10, 0, 0, 0, 255, 0, 0, 0]));
  const { d, notes, tree } = run<CfgPayload>(ctx(1, 14), body);
  assert.deepEqual(noteIds(notes), []);
  assert.equal(d.identifier, 0x1234);
  assert.deepEqual(lines(tree, 'isakmp.cfg.type'), ['Type: ISAKMP_CFG_REPLY (2)']);
  assert.deepEqual(values(tree, 'isakmp.cfg.attr.internal_ip4_address'), [Uint8Array.of(10, 1, 2, 3)]);
  assert.deepEqual(values(tree, 'isakmp.cfg.attr.xauth.user_name'), ['alice']);
  assert.deepEqual(lines(tree, 'isakmp.cfg.attr.xauth.type'), ['XAUTH TYPE: Generic (0)']);
  assert.deepEqual(lines(tree, 'isakmp.cfg.attr.xauth.status'), ['XAUTH STATUS: Success (1)']);
  assert.deepEqual(values(tree, 'isakmp.cfg.attr.internal_ip4_subnet_netmask'), [Uint8Array.of(255, 0, 0, 0)]);
  assert.deepEqual(findAll(tree, 'isakmp.cfg.attr').map(nodeLine)[1], 'Attribute Type: (t=16520,l=2) XAUTH_TYPE');
  assert.equal(decoderFor(1, 14)!.brief!(d, ctx(1, 14)), 'Attr(CFG_REPLY)');
  // A value whose size its type does not allow, and one running past the payload.
  assert.deepEqual(noteIds(run<CfgPayload>(ctx(1, 14), bytes(2, 0, u16(1), tlv(1, [10, 1]))).notes), ['isakmp.cfg.attr.bad']);
  const cut = run<CfgPayload>(ctx(1, 14), bytes(2, 0, u16(1), tlv(1, [10, 1, 2, 3]), u16(7), u16(20), 1));
  assert.deepEqual(noteIds(cut.notes), ['isakmp.cfg.attr.bad']);
  assert.equal(cut.d.attributes.length, 1);
});

test('IKEv2 CP: request with empty attributes, reply with IPv6 address and prefix', () => {
  const req = run<CfgPayload>(ctx(2, 47), bytes(1, 0, 0, 0, tlv(1, []), tlv(8, []), tlv(25, []), tlv(3, [])));
  assert.deepEqual(noteIds(req.notes), []);
  assert.equal(decoderFor(2, 47)!.brief!(req.d, ctx(2, 47)), 'CP(CFG_REQUEST)');
  assert.deepEqual(values(req.tree, 'isakmp.cfg.attr.type'), [1, 8, 25, 3]);
  assert.deepEqual(findAll(req.tree, 'isakmp.cfg.attr').map(nodeLine)[2], 'Attribute Type: (t=25,l=0) INTERNAL_DNS_DOMAIN');
  const addr = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
  const rep = run<CfgPayload>(ctx(2, 47), bytes(2, 0, 0, 0, tlv(8, [...addr, 64]), tlv(1, [192, 0, 2, 7])));
  assert.deepEqual(noteIds(rep.notes), []);
  assert.deepEqual(values(rep.tree, 'isakmp.cfg.attr.internal_ip6_address'), [Uint8Array.from(addr)]);
  assert.deepEqual(values(rep.tree, 'isakmp.cfg.attr.internal_ip6_address.prefix'), [64]);
  assert.deepEqual(lines(rep.tree, 'isakmp.cfg.type'), ['Type: CFG_REPLY (2)']);
});

// ---------------------------------------------------------------- tables

test('every SA table prints an unknown value as Name(N / 0xN)', () => {
  const all = Object.entries(tables).filter((e): e is [string, CodeTable] => {
    const v = e[1] as Partial<CodeTable>;
    return typeof v === 'object' && v !== null && v.values instanceof Map && Array.isArray(v.ranges);
  });
  assert.ok(all.length >= 30, `found ${all.length} tables`);
  for (const [name, t] of all) {
    // Past every range: the table's own name; inside a range: the range's name; both keep the number.
    assert.equal(describeCode(t, 2 ** 32), `${t.name}(4294967296 / 0x100000000)`, name);
    for (const r of t.ranges) assert.match(describeCode(t, r.max), new RegExp(`\\(${r.max} / 0x${r.max.toString(16)}\\)$`), `${name} range ${r.name}`);
  }
  assert.equal(describeCode(tables.IKEV2_ENCR, 28), 'ENCR_CHACHA20_POLY1305');
  assert.equal(describeCode(tables.KE_METHODS, 37), 'ml-kem-1024');
  assert.equal(describeCode(tables.KE_METHODS, 40), 'Unassigned(40 / 0x28)');
  assert.equal(describeCode(tables.IKEV1_TRANSFORM_ESP, 20), 'AES-GCM_16');
  assert.equal(describeCode(tables.IPSEC_ENCAP_MODES, 61443), 'UDP-Encapsulated-Tunnel (draft)');
  assert.equal(tables.KE_DATA_SIZES.get(21)!.request, 132);
});

// ---------------------------------------------------------------- real captures

const CROSS = [
  'isakmp.prop.number',
  'isakmp.prop.protoid',
  'isakmp.spi',
  'isakmp.prop.transforms',
  'isakmp.trans.number',
  'isakmp.trans.id',
  'isakmp.tf.type',
  'isakmp.tf.id.encr',
  'isakmp.tf.id.prf',
  'isakmp.tf.id.integ',
  'isakmp.tf.id.dh',
  'isakmp.tf.id.esn',
  'isakmp.ike2.attr.key_length',
  'isakmp.ike.attr.encryption_algorithm',
  'isakmp.ike.attr.hash_algorithm',
  'isakmp.ike.attr.authentication_method',
  'isakmp.ike.attr.group_description',
  'isakmp.ike.attr.life_type',
  'isakmp.ike.attr.life_duration',
  'isakmp.ike.attr.key_length',
  'isakmp.ipsec.attr.type',
  'isakmp.ipsec.attr.value',
  'isakmp.ipsec.attr.encap_mode',
  'isakmp.ipsec.attr.auth_algorithm',
  'isakmp.ipsec.attr.life_duration',
  'isakmp.ipsec.attr.key_length',
  'isakmp.ipsec.attr.group_description',
  'isakmp.key_exchange.dh_group',
  'isakmp.key_exchange.data',
  'isakmp.delete.doi',
  'isakmp.delete.protoid',
  'isakmp.delete.spi',
  'isakmp.spinum',
  'isakmp.sa.doi',
  'isakmp.sa.situation',
];

test('real captures: SA, KE and Delete fields match tshark', (t) => {
  if (!HAVE_TSHARK) return t.skip('tshark not installed');
  const args = CROSS.flatMap((x) => ['-e', x]);
  let compared = 0;
  for (const c of generatedCases()) {
    for (const cap of c.captures) {
      const f = join(GENERATED, c.case, cap);
      const ours = rows(espy(['-r', f, '-T', 'fields', ...args]).stdout);
      const theirs = rows(tshark(['-r', f, '-T', 'fields', ...args]));
      assert.equal(ours.length, theirs.length, `${c.case}/${cap}: frames`);
      for (let i = 0; i < ours.length; i++) {
        for (let k = 0; k < CROSS.length; k++) {
          const a = ours[i]![k] ?? '';
          const b = theirs[i]![k] ?? '';
          assert.equal(a, b, `${c.case}/${cap} frame ${i + 1} ${CROSS[k]}`);
          if (b) compared++;
        }
      }
    }
  }
  assert.ok(compared > 300, `compared ${compared} values`);
});

test('real captures: the offered algorithms are the configured ones', () => {
  const f = join(GENERATED, 'sw-ikev2-psk-aes256-ecp384', 'capture.pcap');
  const r = rows(espy(['-r', f, '-T', 'fields', '-e', 'isakmp.tf.id.encr', '-e', 'isakmp.ike2.attr.key_length', '-e', 'isakmp.tf.id.prf', '-e', 'isakmp.tf.id.integ', '-e', 'isakmp.tf.id.dh', '-e', 'isakmp.key_exchange.dh_group']).stdout);
  // The first IKE_SA_INIT request offering aes256-sha384-ecp384 (RFC 7296 ids: ENCR_AES_CBC 12/256, PRF_HMAC_SHA2_384 6, AUTH_HMAC_SHA2_384_192 13, ECP-384 20).
  const first = (rs: string[][]) => rs.find((x) => x.some((v) => v !== ''));
  assert.deepEqual(first(r), ['12', '256', '6', '13', '20', '20']);
  const v1 = join(GENERATED, 'sw-ikev1-main-psk', 'capture.pcap');
  const r1 = rows(espy(['-r', v1, '-T', 'fields', '-e', 'isakmp.ike.attr.encryption_algorithm', '-e', 'isakmp.ike.attr.key_length', '-e', 'isakmp.ike.attr.hash_algorithm', '-e', 'isakmp.ike.attr.group_description', '-e', 'isakmp.ike.attr.authentication_method']).stdout);
  // Main Mode aes128-sha256-modp2048 with PSK.
  assert.deepEqual(first(r1), ['7', '128', '4', '14', '1']);
});
