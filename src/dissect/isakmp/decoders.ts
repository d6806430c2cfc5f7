/** Every payload decoder, by version and payload type: an explicit list, no import side effects. */
import type { FieldDef } from '../../core/fields.js';
import type { NoteDef } from '../../core/notes.js';
import type { DecoderGroup, PayloadDecoder } from './payload.js';
import { SA_GROUP } from './payloads/group-sa.js';
import { OTHER_GROUP } from './payloads/group-other.js';

const GROUPS: readonly DecoderGroup[] = [SA_GROUP, OTHER_GROUP];

export const IKEV1_DECODERS: ReadonlyMap<number, PayloadDecoder<any>> = new Map(GROUPS.flatMap((g) => g.v1));
export const IKEV2_DECODERS: ReadonlyMap<number, PayloadDecoder<any>> = new Map(GROUPS.flatMap((g) => g.v2));
export const PAYLOAD_FIELD_TABLES: ReadonlyArray<Readonly<Record<string, FieldDef>>> = GROUPS.flatMap((g) => g.fields);
export const PAYLOAD_NOTE_TABLES: ReadonlyArray<Readonly<Record<string, NoteDef>>> = GROUPS.flatMap((g) => g.notes);

export function decoderFor(major: number, type: number): PayloadDecoder<any> | undefined {
  return major === 1 ? IKEV1_DECODERS.get(type) : major === 2 ? IKEV2_DECODERS.get(type) : undefined;
}
