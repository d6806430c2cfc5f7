/**
 * Registration list for the link and network layers (Ethernet/VLAN, SLL,
 * NULL, raw IP, IPv4, IPv6, TCP, ICMP). Explicit data, no import side effects:
 * src/dissect/registry.ts merges these lists with the others.
 */
import type { FieldDef } from '../core/fields.js';
import type { NoteDef } from '../core/notes.js';
import type { Dissector } from './layer.js';

/** LINKTYPE_* → dissector. */
export const LINK_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [];
/** Ethertype → dissector (IPv4, IPv6, VLAN tags). */
export const ETHERTYPE_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [];
/** IP protocol number → dissector (TCP, ICMP, ICMPv6, IP-in-IP). UDP, ESP and AH are registered elsewhere. */
export const IPPROTO_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [];
export const LINKNET_FIELD_TABLES: ReadonlyArray<Readonly<Record<string, FieldDef>>> = [];
export const LINKNET_NOTE_TABLES: ReadonlyArray<Readonly<Record<string, NoteDef>>> = [];
