/** Bytes no dissector claimed, shown as `data` like Wireshark does. */
import { defineFields } from '../core/fields.js';
import { node } from '../core/tree.js';
import type { Dissector, LayerSpec } from './layer.js';

export const dataFields = defineFields({
  proto: { id: 'data', label: 'Data', type: 'protocol' },
  data: { id: 'data.data', label: 'Data', type: 'bytes' },
  len: { id: 'data.len', label: 'Length', type: 'uint' },
});

export interface DataRecord {
  readonly bytes: Uint8Array;
}

export const dataSpec: LayerSpec<DataRecord> = {
  id: 'data',
  field: dataFields.proto,
  title: (r) => `Data (${r.bytes.length} byte${r.bytes.length === 1 ? '' : 's'})`,
  tree: (r, l) => [node(dataFields.data, r.bytes, l.offset, l.length), node(dataFields.len, r.bytes.length, l.offset, l.length)],
};

export const dissectData: Dissector<DataRecord> = (_ctx, src, buf, offset, end) => ({
  layer: { spec: dataSpec, record: { bytes: buf.subarray(offset, end) }, source: src, data: buf, offset, length: end - offset, notes: [] },
});
