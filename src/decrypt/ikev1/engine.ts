/** STUB (replaced by the ikev1 engine): knows nothing, decrypts nothing. */
import type { DissectContext, Layer } from '../../dissect/layer.js';
import type { DecryptOutcome } from '../../dissect/decrypt-hooks.js';
import type { IsakmpRecord } from '../../dissect/isakmp/isakmp.js';
import type { EngineEnv, IkeVersionEngine } from '../engine.js';
import type { IkeSaReport } from '../types.js';

export class Ikev1Engine implements IkeVersionEngine {
  constructor(readonly env: EngineEnv) {}
  message(_ctx: DissectContext, _layer: Layer<IsakmpRecord>): DecryptOutcome<IsakmpRecord> | undefined {
    return undefined;
  }
  reports(): IkeSaReport[] {
    return [];
  }
}
