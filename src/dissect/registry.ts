/**
 * Every protocol espy dissects, as explicit lists: dispatch tables, field
 * tables and note tables. Nothing registers itself on import.
 */
import { FieldRegistry, type FieldDef } from '../core/fields.js';
import { COMMON_NOTES, type NoteDef } from '../core/notes.js';
import type { Dissector } from './layer.js';
import { frameFields } from './frame.js';
import { dataFields } from './data.js';
import { udpFields, udpNotes, dissectUdp } from './udp.js';
import { arpFields, dissectArp } from './arp.js';
import { ETHERTYPE_DISSECTORS, IPPROTO_DISSECTORS, LINK_DISSECTORS, LINKNET_FIELD_TABLES, LINKNET_NOTE_TABLES } from './link-net.js';
import { IPSEC_FIELD_TABLES, IPSEC_IPPROTO_DISSECTORS, IPSEC_NOTE_TABLES } from './ipsec.js';
import { iketcpFields, iketcpNotes } from './iketcp.js';
import { tcpStreamFields, tcpStreamNotes } from './tcp-stream.js';

export const LINK_TABLE: ReadonlyMap<number, Dissector<any>> = new Map(LINK_DISSECTORS);
export const ETHERTYPE_TABLE: ReadonlyMap<number, Dissector<any>> = new Map<number, Dissector<any>>([...ETHERTYPE_DISSECTORS, [0x0806, dissectArp]]);
export const IPPROTO_TABLE: ReadonlyMap<number, Dissector<any>> = new Map<number, Dissector<any>>([
  ...IPPROTO_DISSECTORS,
  [17, dissectUdp],
  ...IPSEC_IPPROTO_DISSECTORS,
]);

export const FIELD_TABLES: ReadonlyArray<Readonly<Record<string, FieldDef>>> = [
  frameFields,
  dataFields,
  arpFields,
  ...LINKNET_FIELD_TABLES,
  udpFields,
  ...IPSEC_FIELD_TABLES,
  tcpStreamFields,
  iketcpFields,
];

export const NOTE_TABLES: ReadonlyArray<Readonly<Record<string, NoteDef>>> = [COMMON_NOTES, udpNotes, ...LINKNET_NOTE_TABLES, ...IPSEC_NOTE_TABLES, tcpStreamNotes, iketcpNotes];

let registry: FieldRegistry | undefined;
/** The field registry (built once, on first use). */
export function fieldRegistry(): FieldRegistry {
  return (registry ??= new FieldRegistry(FIELD_TABLES));
}

export function allNoteDefs(): NoteDef[] {
  return NOTE_TABLES.flatMap((t) => Object.values(t));
}
