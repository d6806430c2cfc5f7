/**
 * Secrets are shown only when the user asked (`--show-secrets`): everywhere
 * else a key prints as its length, so reports, logs and CI artefacts can be
 * shared without leaking it.
 */
import { toHex } from '../core/bytes.js';

export function secretText(bytes: Uint8Array | undefined, show: boolean): string {
  if (!bytes) return '-';
  return show ? toHex(bytes) : `<${bytes.length} bytes hidden; --show-secrets>`;
}
