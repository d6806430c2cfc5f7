/**
 * Key schedules whose inputs travel encrypted: IKEv1 Quick Mode KEYMAT (RFC 2409 §5.5), IKEv2
 * CREATE_CHILD_SA KEYMAT (RFC 7296 §2.17) and the rekeyed IKE SA's SKEYSEED (§2.18). The test
 * decrypts the exchange itself, with node:crypto and the keys from keys.json (a throwaway
 * decryptor, not the engine), reads the nonces and SPIs, and checks the derived keys against
 * the daemons' keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encrByStrongswan, hashOf, integByStrongswan, prfByStrongswan, type EncrRow } from '../src/decrypt/algorithms.js';
import { childSaSizes, deriveChildSaKeys, deriveIkeSaKeys, ikeSaSizes, rekeySkeyseed } from '../src/decrypt/kdf/ikev2.js';
import { phase1Iv, phase2Iv, quickModeKeymat } from '../src/decrypt/kdf/ikev1.js';
import { espy, GENERATED, generatedCases, childDhSecrets } from './helpers.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface SaKeys { spi: string; src: string; dst: string; encr_key?: string; integ_key?: string }
interface ChildSa { ike_uniqueid: number; protocol: 'ESP' | 'AH'; encr_alg: string | null; encr_keysize: number | null; integ_alg: string | null; dh_group: string | null; exchange: string; sas: SaKeys[] }
interface IkeSa { uniqueid: number; initiator_spi: string; responder_spi: string; encr_alg: string; encr_keysize: number | null; integ_alg: string | null; prf_alg: string; keys: Record<string, string> }
interface KeysJson { ike_sas?: IkeSa[]; child_sas?: ChildSa[] }

interface Msg { frame: number; src: string; ispi: string; rspi: string; exch: number; flags: number; msgid: number; next: number[]; nonce: string; ke: string; enc: string }

function messages(caseName: string): Msg[] {
  const r = espy(['-r', join(GENERATED, caseName, 'capture.pcap'), '-Y', 'isakmp', '-T', 'fields', '-e', 'frame.number', '-e', 'ip.src',
    '-e', 'isakmp.ispi', '-e', 'isakmp.rspi', '-e', 'isakmp.exchangetype', '-e', 'isakmp.flags', '-e', 'isakmp.messageid', '-e', 'isakmp.nextpayload',
    '-e', 'isakmp.nonce', '-e', 'isakmp.key_exchange.data', '-e', 'isakmp.enc.data']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => {
    const f = l.split('\t');
    return { frame: Number(f[0]), src: f[1]!, ispi: f[2]!, rspi: f[3]!, exch: Number(f[4]), flags: Number(f[5]), msgid: Number(f[6]), next: (f[7] ?? '').split(',').map(Number), nonce: f[8] ?? '', ke: f[9] ?? '', enc: f[10] ?? '' };
  });
}

interface Payload { type: number; body: Uint8Array }

/** Walk a generic payload chain (RFC 2408 §3.2, RFC 7296 §3.2) starting with type `first`. */
function payloads(buf: Uint8Array, first: number): Payload[] {
  const out: Payload[] = [];
  let type = first;
  let o = 0;
  while (type !== 0) {
    assert.ok(o + 4 <= buf.length, 'payload header past the end');
    const len = (buf[o + 2]! << 8) | buf[o + 3]!;
    assert.ok(len >= 4 && o + len <= buf.length, `payload length ${len}`);
    out.push({ type, body: buf.slice(o + 4, o + len) });
    type = buf[o]!;
    o += len;
  }
  return out;
}

/** First proposal's SPI of an SA payload body (IKEv1: after DOI and situation; IKEv2: directly). */
function proposalSpi(body: Uint8Array, ikev1: boolean): { protocol: number; spi: Uint8Array } {
  const p = ikev1 ? 8 : 0;
  const spiSize = body[p + 6]!;
  return { protocol: body[p + 5]!, spi: body.slice(p + 8, p + 8 + spiSize) };
}

function nodeCipher(e: EncrRow): string {
  if (e.cipher === '3des') return 'des-ede3-cbc';
  return `aes-${e.keyBits}-${e.mode}`;
}

/** Decrypt an IKEv2 SK payload body (IV | ciphertext | ICV): CBC, or GCM without checking the tag. */
function decryptSk(e: EncrRow, key: Uint8Array, icvLen: number, data: Uint8Array): Uint8Array {
  const iv = data.slice(0, e.ivLen);
  const ct = data.slice(e.ivLen, data.length - (e.aead ? e.icvLen : icvLen));
  let pt: Buffer;
  if (e.mode === 'gcm') {
    const d = createDecipheriv(nodeCipher(e) as 'aes-128-gcm', key.slice(0, e.keyLen), Buffer.concat([key.slice(e.keyLen), iv]));
    pt = d.update(ct); // the tag is not checked here: GCM's keystream does not depend on it
  } else {
    const d = createDecipheriv(nodeCipher(e), key, iv).setAutoPadding(false);
    pt = Buffer.concat([d.update(ct), d.final()]);
  }
  const padLen = pt[pt.length - 1]!;
  return pt.subarray(0, pt.length - 1 - padLen);
}

function cbcDecrypt(e: EncrRow, key: Uint8Array, iv: Uint8Array, ct: Uint8Array): Uint8Array {
  const d = createDecipheriv(nodeCipher(e), key, iv).setAutoPadding(false);
  return Buffer.concat([d.update(ct), d.final()]);
}


const readKeys = (c: string): KeysJson => JSON.parse(readFileSync(join(GENERATED, c, 'keys', 'keys.json'), 'utf8')) as KeysJson;

for (const c of generatedCases()) {
  const keys = readKeys(c.case);
  const sas = keys.ike_sas ?? [];
  if (sas.length === 0) continue; // Libreswan↔Libreswan: no IKE keys (see decrypt-kdf.test.ts)
  const first = sas.reduce((a, b) => (a.uniqueid <= b.uniqueid ? a : b));
  const row = prfByStrongswan(first.prf_alg)!;
  const encr = encrByStrongswan(first.encr_alg, first.encr_keysize)!;
  const integ = first.integ_alg ? integByStrongswan(first.integ_alg) : undefined;

  if (c.ike_version === 1) {
    const qm = (keys.child_sas ?? []).filter((ch) => ch.exchange === 'QUICK_MODE');
    const pfs = childDhSecrets(c.case);
    for (const [n, ch] of qm.entries()) {
      const pfsIndex = qm.slice(0, n).filter((x) => x.dh_group).length;
      const gqm = ch.dh_group ? pfs[pfsIndex] : undefined;
      const name = `${c.case}: Quick Mode #${n + 1}${ch.dh_group ? ' (PFS)' : ''} KEYMAT from SKEYID_d and the decrypted nonces/SPIs`;
      if (ch.dh_group && !gqm) {
        test(name, { skip: 'Quick Mode with PFS: the g(qm)^xy secret is neither in keys.json nor in the charon log' }, () => {});
        continue;
      }
      test(name, () => {
        const msgs = messages(c.case).filter((m) => m.ispi === first.initiator_spi);
        const ka = hex(first.keys.ka!);
        const h = hashOf(row);
        // Phase 1: decrypt every encrypted phase-1 message, chaining the IV from hash(g^xi | g^xr).
        const p1 = msgs.filter((m) => m.exch === 2 || m.exch === 4);
        const kes = [...new Set(p1.filter((m) => m.ke).map((m) => m.ke))];
        let iv = phase1Iv(h, hex(kes[0]!), hex(kes[1]!), encr.blockSize);
        assert.equal(toHex(iv), first.keys.initial_iv);
        for (const m of p1.filter((x) => x.enc)) {
          const ct = hex(m.enc);
          const pt = cbcDecrypt(encr, ka, iv, ct);
          assert.ok(payloads(pt, m.next[0]!).length > 0); // the phase-1 payloads parse, so Ka and the IV are right
          iv = ct.slice(ct.length - encr.blockSize);
        }
        const lastP1Block = iv;
        // Quick Mode messages, in order; this CHILD SA is the n-th Quick Mode exchange.
        const ids = [...new Set(msgs.filter((m) => m.exch === 32).map((m) => m.msgid))];
        const mid = ids[n]!;
        let qiv = phase2Iv(h, lastP1Block, mid, encr.blockSize);
        const found: { nonce: Uint8Array[]; spis: { protocol: number; spi: Uint8Array }[] } = { nonce: [], spis: [] };
        for (const m of msgs.filter((x) => x.exch === 32 && x.msgid === mid).slice(0, 2)) {
          const ct = hex(m.enc);
          const pt = cbcDecrypt(encr, ka, qiv, ct);
          qiv = ct.slice(ct.length - encr.blockSize);
          for (const p of payloads(pt, m.next[0]!)) {
            if (p.type === 10) found.nonce.push(p.body);
            if (p.type === 1) found.spis.push(proposalSpi(p.body, true));
          }
        }
        assert.equal(found.nonce.length, 2);
        assert.equal(found.spis.length, 2);
        const wantProto = ch.protocol === 'ESP' ? 3 : 2;
        const cEncr = ch.encr_alg ? encrByStrongswan(ch.encr_alg, ch.encr_keysize) : undefined;
        const cInteg = ch.integ_alg ? integByStrongswan(ch.integ_alg) : undefined;
        const sizes = childSaSizes(cEncr, cInteg);
        assert.deepEqual(found.spis.map((s) => toHex(s.spi)).sort(), ch.sas.map((s) => s.spi).sort());
        for (const s of ch.sas) {
          assert.equal(found.spis.find((x) => toHex(x.spi) === s.spi)!.protocol, wantProto);
          // RFC 2409 §5.5: each SA's KEYMAT uses its own SPI; encryption key first, then authentication key.
          const km = quickModeKeymat(row, hex(first.keys.skeyid_d!), wantProto, hex(s.spi), found.nonce[0]!, found.nonce[1]!, sizes.encrKeyLen + sizes.integKeyLen, gqm);
          assert.equal(toHex(km.slice(0, sizes.encrKeyLen)), s.encr_key ?? '', `encr ${s.spi}`);
          assert.equal(toHex(km.slice(sizes.encrKeyLen)), s.integ_key ?? '', `integ ${s.spi}`);
        }
      });
    }
    continue;
  }

  // IKEv2: CREATE_CHILD_SA exchanges of the first IKE SA.
  const ccs = (keys.child_sas ?? []).filter((ch) => ch.exchange === 'CREATE_CHILD_SA');
  const rekeyed = sas.filter((s) => s !== first);
  if (ccs.length === 0 && rekeyed.length === 0) continue;

  /** Decrypted CREATE_CHILD_SA exchanges: request/response payloads and the request's source. */
  const exchanges = (): { reqSrc: string; req: Payload[]; resp: Payload[] }[] => {
    const msgs = messages(c.case).filter((m) => m.exch === 36 && m.ispi === first.initiator_spi && m.rspi === first.responder_spi);
    const icv = encr.aead ? 0 : integ!.icvLen;
    const dec = (m: Msg): Payload[] => {
      const fromOriginalInitiator = (m.flags & 0x08) !== 0;
      const key = hex(fromOriginalInitiator ? first.keys.sk_ei! : first.keys.sk_er!);
      return payloads(decryptSk(encr, key, icv, hex(m.enc)), m.next[1]!);
    };
    const out: { reqSrc: string; req: Payload[]; resp: Payload[] }[] = [];
    for (const m of msgs.filter((x) => (x.flags & 0x20) === 0)) {
      const resp = msgs.find((x) => (x.flags & 0x20) !== 0 && x.msgid === m.msgid && x.frame > m.frame);
      assert.ok(resp, `no response to CREATE_CHILD_SA frame ${m.frame}`);
      out.push({ reqSrc: m.src, req: dec(m), resp: dec(resp) });
    }
    return out;
  };
  const body = (ps: Payload[], type: number): Uint8Array | undefined => ps.find((p) => p.type === type)?.body;

  const pfs2 = childDhSecrets(c.case);
  for (const [n, ch] of ccs.entries()) {
    const pfsIndex = ccs.slice(0, n).filter((x) => x.dh_group).length;
    const gir = ch.dh_group ? pfs2[pfsIndex] : undefined;
    const name = `${c.case}: CREATE_CHILD_SA CHILD SA #${n + 1} KEYMAT = prf+(SK_d, ${ch.dh_group ? 'g^ir (new) | ' : ''}Ni | Nr) from the decrypted exchange`;
    if (ch.dh_group && !gir) {
      test(name, { skip: 'CHILD SA rekey with PFS: the new g^ir is neither in keys.json nor in the charon log' }, () => {});
      continue;
    }
    test(name, () => {
      // The exchange whose SA payload carries this CHILD SA's SPIs (SPI size 4).
      const ex = exchanges().find((x) => {
        const a = body(x.req, 33);
        const b = body(x.resp, 33);
        return a && b && ch.sas.some((s) => s.spi === toHex(proposalSpi(a, false).spi)) && ch.sas.some((s) => s.spi === toHex(proposalSpi(b, false).spi));
      });
      assert.ok(ex, 'no CREATE_CHILD_SA exchange carries these SPIs');
      const ni = body(ex.req, 40)!;
      const nr = body(ex.resp, 40)!;
      const cEncr = ch.encr_alg ? encrByStrongswan(ch.encr_alg, ch.encr_keysize) : undefined;
      const cInteg = ch.integ_alg ? integByStrongswan(ch.integ_alg) : undefined;
      const km = deriveChildSaKeys(row, hex(first.keys.sk_d!), ni, nr, childSaSizes(cEncr, cInteg), gir);
      for (const s of ch.sas) {
        // "Initiator" here is the CREATE_CHILD_SA initiator: its outbound SA leaves from its address.
        const i2r: boolean = s.src === ex.reqSrc;
        assert.equal(toHex(i2r ? km.encrI : km.encrR), s.encr_key ?? '', `encr ${s.spi}`);
        assert.equal(toHex(i2r ? km.integI : km.integR), s.integ_key ?? '', `integ ${s.spi}`);
      }
    });
  }

  for (const s of rekeyed) {
    test(`${c.case}: rekeyed IKE SA ${s.initiator_spi}: SKEYSEED = prf(SK_d(old), g^ir(new) | Ni | Nr) and its SK_*`, () => {
      const ex = exchanges().find((x) => {
        const a = body(x.req, 33);
        return a !== undefined && proposalSpi(a, false).spi.length === 8;
      });
      assert.ok(ex, 'no IKE SA rekey exchange');
      const spii = proposalSpi(body(ex.req, 33)!, false).spi;
      const spir = proposalSpi(body(ex.resp, 33)!, false).spi;
      assert.equal(toHex(spii), s.initiator_spi);
      assert.equal(toHex(spir), s.responder_spi);
      const ni = body(ex.req, 40)!;
      const nr = body(ex.resp, 40)!;
      const newRow = prfByStrongswan(s.prf_alg)!;
      const seed = rekeySkeyseed(newRow, hex(first.keys.sk_d!), hex(s.keys.dh_secret!), ni, nr);
      assert.equal(toHex(seed), s.keys.skeyseed);
      const newEncr = encrByStrongswan(s.encr_alg, s.encr_keysize)!;
      const newInteg = s.integ_alg ? integByStrongswan(s.integ_alg) : undefined;
      const k = deriveIkeSaKeys(newRow, seed, ni, nr, spii, spir, ikeSaSizes(newEncr, newInteg));
      assert.deepEqual(
        [k.SK_d, k.SK_ai, k.SK_ar, k.SK_ei, k.SK_er, k.SK_pi, k.SK_pr].map(toHex),
        [s.keys.sk_d, s.keys.sk_ai ?? '', s.keys.sk_ar ?? '', s.keys.sk_ei, s.keys.sk_er, s.keys.sk_pi, s.keys.sk_pr],
      );
    });
  }
}
