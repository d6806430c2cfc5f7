/**
 * Registration list for the IPsec protocols: ISAKMP (IKEv1/IKEv2), NAT-T
 * (RFC 3948), ESP and AH. Explicit data, no import side effects.
 */
import { PAYLOAD_FIELD_TABLES, PAYLOAD_NOTE_TABLES } from './isakmp/decoders.js';
import type { FieldDef } from '../core/fields.js';
import type { NoteDef } from '../core/notes.js';
import type { Dissector } from './layer.js';
import { dissectIsakmpMessage, isakmpFields, isakmpNotes } from './isakmp/isakmp.js';
import { dissectNattPayload, nattFields, nattNotes } from './natt.js';
import { dissectEspPacket, espFields, espNotes } from './esp.js';
import { ahFields, ahNotes, dissectAh } from './ah.js';
import { decryptNotes } from './decrypt-hooks.js';
import { isakmpFragmentFields, isakmpFragmentNotes } from './isakmp/fragments.js';

/** IP protocol number → dissector (50 ESP, 51 AH). */
export const IPSEC_IPPROTO_DISSECTORS: ReadonlyArray<readonly [number, Dissector<any>]> = [
  [50, dissectEspPacket],
  [51, dissectAh],
];
/** ISAKMP message (both versions) at the start of its bytes. */
export const dissectIsakmp: Dissector<any> = dissectIsakmpMessage;
/** UDP-encapsulation port (4500): keepalive / non-ESP marker + ISAKMP / ESP-in-UDP. */
export const dissectNatt: Dissector<any> = dissectNattPayload;
/** ESP starting at the SPI (used for ESP-in-UDP). */
export const dissectEsp: Dissector<any> = dissectEspPacket;
export const IPSEC_FIELD_TABLES: ReadonlyArray<Readonly<Record<string, FieldDef>>> = [isakmpFields, ...PAYLOAD_FIELD_TABLES, isakmpFragmentFields, nattFields, espFields, ahFields];
export const IPSEC_NOTE_TABLES: ReadonlyArray<Readonly<Record<string, NoteDef>>> = [isakmpNotes, ...PAYLOAD_NOTE_TABLES, isakmpFragmentNotes, nattNotes, espNotes, ahNotes, decryptNotes];
