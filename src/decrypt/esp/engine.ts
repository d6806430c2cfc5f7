/** STUB (replaced by the ESP/AH engine): knows nothing, decrypts nothing. */
import type { DissectContext, Layer } from '../../dissect/layer.js';
import type { DecryptOutcome } from '../../dissect/decrypt-hooks.js';
import type { EspRecord } from '../../dissect/esp.js';
import type { AhRecord } from '../../dissect/ah.js';
import type { ChildEngine, EngineEnv } from '../engine.js';
import type { ChildSaReport } from '../types.js';

export class EspAhEngine implements ChildEngine {
  constructor(readonly env: EngineEnv) {}
  esp(_ctx: DissectContext, _layer: Layer<EspRecord>): DecryptOutcome<EspRecord> | undefined {
    return undefined;
  }
  ah(_ctx: DissectContext, _layer: Layer<AhRecord>, _below: readonly Layer[]): DecryptOutcome<AhRecord> | undefined {
    return undefined;
  }
  reports(): ChildSaReport[] {
    return [];
  }
}
