/**
 * Vendor ID payloads (IKEv1 13, RFC 2408 §3.16; IKEv2 43, RFC 7296 §3.12).
 *
 * The VID is opaque; espy names it from VENDOR_IDS (vendor-ids.ts) by the
 * longest matching prefix, and decodes the version fields some vendors put
 * after their prefix (Cisco Unity major/minor, Check Point product/version,
 * Microsoft's NT5 ISAKMPOAKLEY version, plain-text version strings).
 */
import { codeTable } from '../../../core/codes.js';
import { hexToBytes } from '../../../core/bytes.js';
import { defineFields } from '../../../core/fields.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { printable, restAt, utf8, type Span } from './misc.js';
import { VENDOR_IDS, type VendorIdEntry } from './vendor-ids.js';

/** Check Point product codes (Wireshark's cp_product). */
export const CP_PRODUCTS = codeTable('CPProduct', { 1: 'Firewall-1', 2: 'SecuRemote/SecureClient' });
/** Check Point versions (Wireshark's cp_version). */
export const CP_VERSIONS = codeTable('CPVersion', {
  2: '4.1',
  3: '4.1 SP-1',
  4002: '4.1 (SP-2 or above)',
  5000: 'NG',
  5001: 'NG Feature Pack 1',
  5002: 'NG Feature Pack 2',
  5003: 'NG Feature Pack 3',
  5004: 'NG with Application Intelligence',
  5005: 'NG with Application Intelligence R55',
  5006: 'NG with Application Intelligence R56',
});
/** The 4-byte version after the MS NT5 ISAKMPOAKLEY hash (Wireshark's ms_nt5_isakmpoakley_type, ike-scan). */
export const MS_NT5_VERSIONS = codeTable('MSNT5Version', {
  2: 'Windows 2000',
  3: 'Windows XP SP1',
  4: 'Windows 2003 and Windows XP SP2',
  5: 'Windows Vista',
  6: 'Windows Server 2008',
  7: 'Windows 7',
  8: 'Windows Server 2008 R2',
  9: 'Windows 8',
  10: 'Windows Server 2012',
});

export const vendorFields = defineFields({
  bytes: { id: 'isakmp.vid_bytes', label: 'Vendor ID', type: 'bytes', rfc: 'RFC 2408 §3.16, RFC 7296 §3.12' },
  string: { id: 'isakmp.vid_string', label: 'Vendor ID', type: 'string', blurb: 'Name of a known vendor ID, or the VID itself when it is printable text' },
  unityMajor: { id: 'isakmp.vid.cisco_unity.major', label: 'CISCO-UNITY Major version', type: 'uint' },
  unityMinor: { id: 'isakmp.vid.cisco_unity.minor', label: 'CISCO-UNITY Minor version', type: 'uint' },
  cpProduct: { id: 'isakmp.vid.cp.product', label: 'Checkpoint Product', type: 'uint', values: CP_PRODUCTS },
  cpVersion: { id: 'isakmp.vid.cp.version', label: 'Checkpoint Version', type: 'uint', values: CP_VERSIONS },
  cpTimestamp: { id: 'isakmp.vid.cp.timestamp', label: 'Checkpoint Timestamp', type: 'uint' },
  cpReserved: { id: 'isakmp.vid.cp.reserved', label: 'Checkpoint Reserved', type: 'uint', base: 'hex', hexDigits: 8 },
  cpFeatures: { id: 'isakmp.vid.cp.features', label: 'Checkpoint Features', type: 'uint', base: 'hex', hexDigits: 8 },
  msNt5: { id: 'isakmp.vid.ms_nt5_isakmpoakley', label: 'MS NT5 ISAKMPOAKLEY', type: 'uint', values: MS_NT5_VERSIONS },
  arubaProfile: { id: 'isakmp.vid.aruba_via_auth_profile', label: 'Auth Profile', type: 'string' },
  version: { id: 'isakmp.vid.version', label: 'Version', type: 'string', blurb: 'Version text after a plain-text vendor name' },
});

interface CompiledEntry {
  readonly entry: VendorIdEntry;
  readonly prefix: Uint8Array;
}

/** Entries grouped by first byte, longest prefix first, so a lookup scans a handful. */
const BY_FIRST_BYTE: ReadonlyMap<number, readonly CompiledEntry[]> = (() => {
  const m = new Map<number, CompiledEntry[]>();
  for (const entry of VENDOR_IDS) {
    const prefix = hexToBytes(entry.prefix);
    const list = m.get(prefix[0]!) ?? [];
    list.push({ entry, prefix });
    m.set(prefix[0]!, list);
  }
  for (const list of m.values()) list.sort((a, b) => b.prefix.length - a.prefix.length);
  return m;
})();

/** The known vendor ID this VID starts with (longest prefix wins; the first listed among equals). */
export function matchVendorId(vid: Uint8Array): VendorIdEntry | undefined {
  if (vid.length === 0) return undefined;
  for (const c of BY_FIRST_BYTE.get(vid[0]!) ?? []) {
    if (c.prefix.length > vid.length) continue;
    if (c.entry.length !== undefined && c.entry.length !== vid.length) continue;
    let ok = true;
    for (let i = 1; i < c.prefix.length; i++) {
      if (vid[i] !== c.prefix[i]) {
        ok = false;
        break;
      }
    }
    if (ok) return c.entry;
  }
  return undefined;
}

export interface VendorPayload extends DecodedPayload {
  kind: 'vid';
  vid?: Span<Uint8Array>;
  match?: VendorIdEntry;
}

export const vendorDecoder: PayloadDecoder<VendorPayload> = {
  draft: () => ({ kind: 'vid' }),
  decode(r, d) {
    d.vid = restAt(r);
    d.match = matchVendorId(d.vid.v);
  },
  tree(d) {
    const s = d.vid;
    if (!s) return [];
    const out: TreeNode[] = [node(vendorFields.bytes, s.v, s.o, s.n)];
    const name = d.match?.name ?? printable(s.v, 4);
    if (name !== undefined) out.push(node(vendorFields.string, name, s.o, s.n));
    if (d.match?.sub) out.push(...subNodes(d.match, s));
    return out;
  },
  brief: (d) => {
    const m = d.match;
    if (m) return `V(${m.short ?? m.name})`;
    const text = d.vid ? printable(d.vid.v, 4) : undefined;
    return text !== undefined ? `V(${text.length > 24 ? `${text.slice(0, 24)}…` : text})` : 'V';
  },
};

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/** Version fields after the vendor's prefix; nothing when the VID is too short for them. */
function subNodes(m: VendorIdEntry, s: Span<Uint8Array>): TreeNode[] {
  const b = s.v;
  const o = s.o;
  switch (m.sub) {
    case 'cisco-unity':
      // 14-byte CISCO-UNITY hash, then major and minor version bytes.
      return b.length >= 16 ? [node(vendorFields.unityMajor, b[14]!, o + 14, 1), node(vendorFields.unityMinor, b[15]!, o + 15, 1)] : [];
    case 'checkpoint': {
      // 20-byte Check Point hash, then product, version, timestamp, reserved, features (4 bytes each).
      const f = [vendorFields.cpProduct, vendorFields.cpVersion, vendorFields.cpTimestamp, vendorFields.cpReserved, vendorFields.cpFeatures];
      const out: TreeNode[] = [];
      for (let i = 0; i < f.length && 20 + 4 * i + 4 <= b.length; i++) out.push(node(f[i]!, u32(b, 20 + 4 * i), o + 20 + 4 * i, 4));
      return out;
    }
    case 'ms-nt5':
      return b.length >= 20 ? [node(vendorFields.msNt5, u32(b, 16), o + 16, 4)] : [];
    case 'aruba-via': {
      const n = m.prefix.length / 2;
      return b.length > n ? [node(vendorFields.arubaProfile, utf8(b.subarray(n)), o + n, b.length - n)] : [];
    }
    case 'text': {
      const n = m.prefix.length / 2;
      const rest = utf8(b.subarray(n)).trim();
      return rest.length > 0 ? [node(vendorFields.version, rest, o + n, b.length - n)] : [];
    }
    default:
      return [];
  }
}
