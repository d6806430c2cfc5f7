/**
 * Registration list for the link and network layers (Ethernet/VLAN, SLL,
 * NULL, raw IP, IPv4, IPv6, TCP, ICMP). Explicit data, no import side effects:
 * src/dissect/registry.ts merges these lists with the others.
 */
import type { FieldDef } from '../core/fields.js';
import type { NoteDef } from '../core/notes.js';
import type { Dissector } from './layer.js';
import { dissectEthernet, dissectVlan, ethFields, ethNotes, vlanFields, vlanNotes } from './link/ethernet.js';
import { dissectSll, dissectSll2, sllFields } from './link/sll.js';
import { dissectLoop, dissectNull, nullFields, nullNotes } from './link/null.js';
import { dissectRawIp, dissectRawIpv4, dissectRawIpv6 } from './link/raw.js';
import { dissectIpv4, ipv4Fields, ipv4Notes } from './ipv4.js';
import { dissectIpv6, ipv6Fields, ipv6Notes } from './ipv6.js';
import { dissectTcp, tcpFields, tcpNotes } from './tcp.js';
import { dissectIcmp, dissectIcmpv6, icmpFields, icmpNotes, icmpv6Fields } from './icmp.js';
import { ipFragmentFields, ipv6FragmentFields, reassemblyNotes } from './reassembly.js';

/** LINKTYPE_* → dissector. */
export const LINK_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [
  [0, dissectNull],
  [1, dissectEthernet],
  [12, dissectRawIp],
  [14, dissectRawIp],
  [101, dissectRawIp],
  [108, dissectLoop],
  [113, dissectSll],
  [228, dissectRawIpv4],
  [229, dissectRawIpv6],
  [276, dissectSll2],
];
/** Ethertype → dissector (IPv4, IPv6, VLAN tags). */
export const ETHERTYPE_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [
  [0x0800, dissectIpv4],
  [0x86dd, dissectIpv6],
  [0x8100, dissectVlan],
  [0x88a8, dissectVlan],
  [0x9100, dissectVlan],
];
/** IP protocol number → dissector (TCP, ICMP, ICMPv6, IP-in-IP). UDP, ESP and AH are registered elsewhere. */
export const IPPROTO_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [
  [1, dissectIcmp],
  [4, dissectIpv4],
  [6, dissectTcp],
  [41, dissectIpv6],
  [58, dissectIcmpv6],
];
export const LINKNET_FIELD_TABLES: ReadonlyArray<Readonly<Record<string, FieldDef>>> = [
  ethFields,
  vlanFields,
  sllFields,
  nullFields,
  ipv4Fields,
  ipv6Fields,
  ipFragmentFields,
  ipv6FragmentFields,
  tcpFields,
  icmpFields,
  icmpv6Fields,
];
export const LINKNET_NOTE_TABLES: ReadonlyArray<Readonly<Record<string, NoteDef>>> = [
  ethNotes,
  vlanNotes,
  nullNotes,
  ipv4Notes,
  ipv6Notes,
  tcpNotes,
  icmpNotes,
  reassemblyNotes,
];
