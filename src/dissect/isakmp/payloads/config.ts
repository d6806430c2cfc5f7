/**
 * Configuration payloads. IKEv1 Attributes payload (type 14,
 * draft-dukes-ike-mode-cfg §3.2): Type, reserved, Identifier, then mode-config
 * and XAUTH (draft-beaulieu-ike-xauth §6.1) attributes. IKEv2 CP (type 47,
 * RFC 7296 §3.15): CFG Type, 3 reserved bytes, attributes (§3.15.1).
 *
 * Both use the TV/TLV attribute layout; values are decoded per type
 * (addresses with prefix or mask, strings, numbers). A request carries the
 * attributes with empty values.
 */
import { describeCode, type CodeTable } from '../../../core/codes.js';
import { defineFields, type FieldDef } from '../../../core/fields.js';
import { defineNotes, note } from '../../../core/notes.js';
import { Truncated } from '../../../core/reader.js';
import { node, type TreeNode } from '../../../core/tree.js';
import type { DecodedPayload, PayloadDecoder } from '../payload.js';
import { isakmpFields } from '../header-fields.js';
import { formatNode, readAttribute, type RawAttribute } from './shared-fields.js';
import { CFG_TYPE_SHORT, IKEV1_CFG_ATTRS, IKEV1_CFG_TYPES, IKEV2_CFG_ATTRS, IKEV2_CFG_TYPES, XAUTH_STATUS, XAUTH_TYPES } from './sa-tables.js';

export const cfgFields = defineFields({
  type: { id: 'isakmp.cfg.type', label: 'Type', type: 'uint', values: IKEV1_CFG_TYPES, rfc: 'draft-dukes-ike-mode-cfg §3.2, RFC 7296 §3.15' },
  identifier: { id: 'isakmp.cfg.identifier', label: 'Identifier', type: 'uint', rfc: 'draft-dukes-ike-mode-cfg §3.2' },
  attr: { id: 'isakmp.cfg.attr', label: 'Config Attribute', type: 'none', rfc: 'RFC 7296 §3.15.1' },
  attrType: { id: 'isakmp.cfg.attr.type', label: 'Type', type: 'uint', values: IKEV1_CFG_ATTRS, rfc: 'draft-dukes-ike-mode-cfg §3.3, RFC 7296 §3.15.1' },
  attrFormat: { id: 'isakmp.cfg.attr.format', label: 'Format', type: 'bool', mask: 0x8000, bits: 16, rfc: 'draft-dukes-ike-mode-cfg §3.3' },
  attrLength: { id: 'isakmp.cfg.attr.length', label: 'Length', type: 'uint', rfc: 'RFC 7296 §3.15.1' },
  attrValue: { id: 'isakmp.cfg.attr.value', label: 'Value', type: 'bytes', rfc: 'RFC 7296 §3.15.1' },
  ip4Address: { id: 'isakmp.cfg.attr.internal_ip4_address', label: 'INTERNAL IP4 ADDRESS', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  ip4Netmask: { id: 'isakmp.cfg.attr.internal_ip4_netmask', label: 'INTERNAL IP4 NETMASK', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  ip4Dns: { id: 'isakmp.cfg.attr.internal_ip4_dns', label: 'INTERNAL IP4 DNS', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  ip4Nbns: { id: 'isakmp.cfg.attr.internal_ip4_nbns', label: 'INTERNAL IP4 NBNS', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  addressExpiry: { id: 'isakmp.cfg.attr.internal_address_expiry', label: 'INTERNAL ADDRESS EXPIRY (Secs)', type: 'uint', rfc: 'draft-dukes-ike-mode-cfg §3.3' },
  ip4Dhcp: { id: 'isakmp.cfg.attr.internal_ip4_dhcp', label: 'INTERNAL IP4 DHCP', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  appVersion: { id: 'isakmp.cfg.attr.application_version', label: 'APPLICATION VERSION', type: 'string', rfc: 'RFC 7296 §3.15.1' },
  ip6Address: { id: 'isakmp.cfg.attr.internal_ip6_address', label: 'INTERNAL IP6 ADDRESS', type: 'ipv6', rfc: 'RFC 7296 §3.15.1' },
  ip6AddressPrefix: { id: 'isakmp.cfg.attr.internal_ip6_address.prefix', label: 'INTERNAL IP6 ADDRESS (PREFIX)', type: 'uint', rfc: 'RFC 7296 §3.15.1' },
  ip6Netmask: { id: 'isakmp.cfg.attr.internal_ip6_netmask', label: 'INTERNAL IP6 NETMASK', type: 'ipv6', rfc: 'draft-dukes-ike-mode-cfg §3.3' },
  ip6Dns: { id: 'isakmp.cfg.attr.internal_ip6_dns', label: 'INTERNAL IP6 DNS', type: 'ipv6', rfc: 'RFC 7296 §3.15.1' },
  ip6Nbns: { id: 'isakmp.cfg.attr.internal_ip6_nbns', label: 'INTERNAL IP6 NBNS', type: 'ipv6', rfc: 'draft-dukes-ike-mode-cfg §3.3' },
  ip6Dhcp: { id: 'isakmp.cfg.attr.internal_ip6_dhcp', label: 'INTERNAL IP6 DHCP', type: 'ipv6', rfc: 'RFC 7296 §3.15.1' },
  ip4SubnetIp: { id: 'isakmp.cfg.attr.internal_ip4_subnet_ip', label: 'INTERNAL IP4 SUBNET (IP)', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  ip4SubnetNetmask: { id: 'isakmp.cfg.attr.internal_ip4_subnet_netmask', label: 'INTERNAL IP4 SUBNET (NETMASK)', type: 'ipv4', rfc: 'RFC 7296 §3.15.1' },
  supportedAttributes: { id: 'isakmp.cfg.attr.supported_attributes', label: 'SUPPORTED ATTRIBUTES', type: 'uint', rfc: 'RFC 7296 §3.15.1' },
  ip6SubnetIp: { id: 'isakmp.cfg.attr.internal_ip6_subnet_ip', label: 'INTERNAL_IP6_SUBNET (IP)', type: 'ipv6', rfc: 'RFC 7296 §3.15.1' },
  ip6SubnetPrefix: { id: 'isakmp.cfg.attr.internal_ip6_subnet_prefix', label: 'INTERNAL_IP6_SUBNET (PREFIX)', type: 'uint', rfc: 'RFC 7296 §3.15.1' },
  ip6LinkInterface: { id: 'isakmp.cfg.attr.internal_ip6_link_interface', label: 'INTERNAL_IP6_LINK (Link-Local Interface ID)', type: 'uint64', rfc: 'RFC 5739 §4.1' },
  ip6LinkId: { id: 'isakmp.cfg.attr.internal_ip6_link_id', label: 'INTERNAL_IP6_LINK (IKEv2 Link ID)', type: 'bytes', rfc: 'RFC 5739 §4.1' },
  ip6PrefixIp: { id: 'isakmp.cfg.attr.internal_ip6_prefix_ip', label: 'INTERNAL_IP6_PREFIX (IP)', type: 'ipv6', rfc: 'RFC 5739 §4.2' },
  ip6PrefixLength: { id: 'isakmp.cfg.attr.internal_ip6_prefix_length', label: 'INTERNAL_IP6_PREFIX (Length)', type: 'uint', rfc: 'RFC 5739 §4.2' },
  pcscfIp4: { id: 'isakmp.cfg.attr.p_cscf_ip4_address', label: 'P_CSCF_IP4_ADDRESS (IP)', type: 'ipv4', rfc: 'RFC 7651 §3' },
  pcscfIp6: { id: 'isakmp.cfg.attr.p_cscf_ip6_address', label: 'P_CSCF_IP6_ADDRESS (IP)', type: 'ipv6', rfc: 'RFC 7651 §3' },
  xauthType: { id: 'isakmp.cfg.attr.xauth.type', label: 'XAUTH TYPE', type: 'uint', values: XAUTH_TYPES, rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthUserName: { id: 'isakmp.cfg.attr.xauth.user_name', label: 'XAUTH USER NAME', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthUserPassword: { id: 'isakmp.cfg.attr.xauth.user_password', label: 'XAUTH USER PASSWORD', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthPasscode: { id: 'isakmp.cfg.attr.xauth.passcode', label: 'XAUTH PASSCODE', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthMessage: { id: 'isakmp.cfg.attr.xauth.message', label: 'XAUTH MESSAGE', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthChallenge: { id: 'isakmp.cfg.attr.xauth.challenge', label: 'XAUTH CHALLENGE', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthDomain: { id: 'isakmp.cfg.attr.xauth.domain', label: 'XAUTH DOMAIN', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthStatus: { id: 'isakmp.cfg.attr.xauth.status', label: 'XAUTH STATUS', type: 'uint', values: XAUTH_STATUS, rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthNextPin: { id: 'isakmp.cfg.attr.xauth.next_pin', label: 'XAUTH NEXT PIN', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  xauthAnswer: { id: 'isakmp.cfg.attr.xauth.answer', label: 'XAUTH ANSWER', type: 'string', rfc: 'draft-beaulieu-ike-xauth §6.1' },
  unityBanner: { id: 'isakmp.cfg.attr.unity.banner', label: 'UNITY BANNER', type: 'string', blurb: 'Cisco Unity (private use)' },
  unityDefDomain: { id: 'isakmp.cfg.attr.unity.def_domain', label: 'UNITY DEF DOMAIN', type: 'string', blurb: 'Cisco Unity (private use)' },
});

export const cfgNotes = defineNotes({
  attrBad: { id: 'isakmp.cfg.attr.bad', group: 'malformed', severity: 'error', summary: 'Configuration attribute runs past the payload, or its value has a length its type does not allow' },
});

export interface CfgAttribute extends RawAttribute {}

export interface CfgPayload extends DecodedPayload {
  readonly kind: 'cfg';
  major: 1 | 2;
  bodyOffset: number;
  cfgType?: number;
  /** IKEv1: the reserved byte; IKEv2: 3 reserved bytes. */
  reserved?: Uint8Array;
  /** IKEv1 only. */
  identifier?: number;
  attributes: CfgAttribute[];
}

/** How a value is decoded: a sequence of parts, each a fixed size (the last may take the rest). */
type Part = { readonly field: FieldDef; readonly size: number | 'rest' };
const ip4 = (field: FieldDef): Part[] => [{ field, size: 4 }];
const ip6 = (field: FieldDef): Part[] => [{ field, size: 16 }];
const str = (field: FieldDef): Part[] => [{ field, size: 'rest' }];
const u16 = (field: FieldDef): Part[] => [{ field, size: 2 }];

/** Types decoded the same way in both versions (RFC 7296 §3.15.1 keeps the mode-cfg numbering). */
const COMMON: ReadonlyArray<readonly [number, Part[]]> = [
  [1, ip4(cfgFields.ip4Address)],
  [2, ip4(cfgFields.ip4Netmask)],
  [3, ip4(cfgFields.ip4Dns)],
  [4, ip4(cfgFields.ip4Nbns)],
  [5, [{ field: cfgFields.addressExpiry, size: 4 }]],
  [6, ip4(cfgFields.ip4Dhcp)],
  [7, str(cfgFields.appVersion)],
  [10, ip6(cfgFields.ip6Dns)],
  [11, ip6(cfgFields.ip6Nbns)],
  [12, ip6(cfgFields.ip6Dhcp)],
  [13, [{ field: cfgFields.ip4SubnetIp, size: 4 }, { field: cfgFields.ip4SubnetNetmask, size: 4 }]],
  [15, [{ field: cfgFields.ip6SubnetIp, size: 16 }, { field: cfgFields.ip6SubnetPrefix, size: 1 }]],
];

const V1_VALUES: ReadonlyMap<number, Part[]> = new Map<number, Part[]>([
  ...COMMON,
  [8, ip6(cfgFields.ip6Address)],
  [9, ip6(cfgFields.ip6Netmask)],
  [16520, u16(cfgFields.xauthType)],
  [16521, str(cfgFields.xauthUserName)],
  [16522, str(cfgFields.xauthUserPassword)],
  [16523, str(cfgFields.xauthPasscode)],
  [16524, str(cfgFields.xauthMessage)],
  [16525, str(cfgFields.xauthChallenge)],
  [16526, str(cfgFields.xauthDomain)],
  [16527, u16(cfgFields.xauthStatus)],
  [16528, str(cfgFields.xauthNextPin)],
  [16529, str(cfgFields.xauthAnswer)],
  [28672, str(cfgFields.unityBanner)],
  [28674, str(cfgFields.unityDefDomain)],
]);

const V2_VALUES: ReadonlyMap<number, Part[]> = new Map<number, Part[]>([
  ...COMMON,
  // RFC 7296 §3.15.1: INTERNAL_IP6_ADDRESS is 16 bytes of address + 1 byte of prefix length.
  [8, [{ field: cfgFields.ip6Address, size: 16 }, { field: cfgFields.ip6AddressPrefix, size: 1 }]],
  [17, [{ field: cfgFields.ip6LinkInterface, size: 8 }, { field: cfgFields.ip6LinkId, size: 'rest' }]],
  [18, [{ field: cfgFields.ip6PrefixIp, size: 16 }, { field: cfgFields.ip6PrefixLength, size: 1 }]],
  [20, ip4(cfgFields.pcscfIp4)],
  [21, ip6(cfgFields.pcscfIp6)],
]);

const utf8 = new TextDecoder('utf-8');

function partValue(field: FieldDef, b: Uint8Array): number | bigint | string | Uint8Array {
  switch (field.type) {
    case 'uint':
      return b.reduce((n, x) => n * 256 + x, 0);
    case 'uint64':
      return b.reduce((n, x) => (n << 8n) | BigInt(x), 0n);
    case 'string':
      return utf8.decode(b);
    default:
      return b;
  }
}

/** Value nodes of one attribute; SUPPORTED_ATTRIBUTES (14) is a list of attribute types. */
function valueNodes(a: CfgAttribute, major: 1 | 2): TreeNode[] {
  const o = a.offset + a.headerLength;
  if (a.length === 0) return [];
  if (a.type === 14) {
    const out: TreeNode[] = [];
    const table = major === 2 ? IKEV2_CFG_ATTRS : IKEV1_CFG_ATTRS;
    for (let i = 0; i + 2 <= a.length; i += 2) out.push(node(cfgFields.supportedAttributes, (a.value[i]! << 8) | a.value[i + 1]!, o + i, 2, { values: table }));
    return out;
  }
  const parts = (major === 2 ? V2_VALUES : V1_VALUES).get(a.type);
  if (!parts || !fits(parts, a.length)) return [];
  const out: TreeNode[] = [];
  let at = 0;
  for (const p of parts) {
    const n = p.size === 'rest' ? a.length - at : p.size;
    out.push(node(p.field, partValue(p.field, a.value.subarray(at, at + n)), o + at, n));
    at += n;
  }
  return out;
}

function fits(parts: readonly Part[], length: number): boolean {
  const fixed = parts.reduce((n, p) => n + (p.size === 'rest' ? 0 : p.size), 0);
  return parts.some((p) => p.size === 'rest') ? length >= fixed : length === fixed;
}

export const cfgDecoder: PayloadDecoder<CfgPayload> = {
  draft: (ctx) => ({ kind: 'cfg', major: ctx.major, bodyOffset: 0, attributes: [] }),
  decode(r, d, _ctx, notes) {
    d.bodyOffset = r.pos;
    d.cfgType = r.u8('isakmp.cfg.type');
    if (d.major === 1) {
      d.reserved = r.bytes(1, 'isakmp.reserved');
      d.identifier = r.u16('isakmp.cfg.identifier');
    } else d.reserved = r.bytes(3, 'isakmp.reserved');
    const table = d.major === 2 ? IKEV2_CFG_ATTRS : IKEV1_CFG_ATTRS;
    const values = d.major === 2 ? V2_VALUES : V1_VALUES;
    while (r.remaining > 0) {
      let a: CfgAttribute;
      try {
        a = readAttribute(r, 'config attribute');
      } catch (e) {
        if (!(e instanceof Truncated)) throw e;
        notes.push(note(cfgNotes.attrBad, `attribute[${d.attributes.length}]: ${e.message}`, e.at, e.have));
        d.truncated = true;
        return;
      }
      d.attributes.push(a);
      const parts = values.get(a.type);
      // An empty value is a request for the attribute (RFC 7296 §3.15.1); otherwise the size must fit the type.
      if (a.length > 0 && parts && !fits(parts, a.length)) {
        notes.push(note(cfgNotes.attrBad, `${describeCode(table, a.type)} (${a.type}) with a ${a.length}-byte value`, a.offset, a.headerLength + a.length));
      }
    }
  },
  tree(d) {
    const out: TreeNode[] = [];
    const o = d.bodyOffset;
    const types: CodeTable = d.major === 2 ? IKEV2_CFG_TYPES : IKEV1_CFG_TYPES;
    const attrs: CodeTable = d.major === 2 ? IKEV2_CFG_ATTRS : IKEV1_CFG_ATTRS;
    if (d.cfgType !== undefined) out.push(node(cfgFields.type, d.cfgType, o, 1, { values: types }));
    if (d.reserved) out.push(node(isakmpFields.reserved, d.reserved, o + 1, d.reserved.length));
    if (d.identifier !== undefined) out.push(node(cfgFields.identifier, d.identifier, o + 2, 2));
    for (const a of d.attributes) {
      const kids: TreeNode[] = [node(cfgFields.attrType, a.type, a.offset, 2, { values: attrs }), formatNode(cfgFields.attrFormat, a)];
      if (!a.tv) kids.push(node(cfgFields.attrLength, a.length, a.offset + 2, 2));
      if (a.length > 0) kids.push(node(cfgFields.attrValue, a.value, a.offset + a.headerLength, a.length));
      kids.push(...valueNodes(a, d.major));
      // packet-isakmp.c dissect_config_attribute's summary line.
      const text = `Attribute Type: (t=${a.type},l=${a.length}) ${describeCode(attrs, a.type)}`;
      out.push(node(cfgFields.attr, null, a.offset, a.headerLength + a.length, { text, children: kids }));
    }
    return out;
  },
  brief(d) {
    const t = d.cfgType === undefined ? '' : `(${describeCode(CFG_TYPE_SHORT, d.cfgType)})`;
    return `${d.major === 2 ? 'CP' : 'Attr'}${t}`;
  },
};
