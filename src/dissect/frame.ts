/** The `frame` pseudo-protocol: capture metadata, as Wireshark's frame dissector shows it. */
import { codeTable } from '../core/codes.js';
import { defineFields } from '../core/fields.js';
import { node } from '../core/tree.js';
import type { Layer, LayerSpec } from './layer.js';

/** LINKTYPE_* values espy knows by name (tcpdump.org/linktypes.html). */
export const LINK_TYPES = codeTable('LinkType', {
  0: 'BSD loopback (NULL)',
  1: 'Ethernet',
  12: 'Raw IP (DLT_RAW, OpenBSD)',
  14: 'Raw IP (DLT_RAW, BSD/OS)',
  101: 'Raw IP',
  108: 'OpenBSD loopback',
  113: 'Linux cooked capture v1 (SLL)',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  276: 'Linux cooked capture v2 (SLL2)',
});

export const frameFields = defineFields({
  proto: { id: 'frame', label: 'Frame', type: 'protocol' },
  number: { id: 'frame.number', label: 'Frame Number', type: 'uint' },
  timeEpoch: { id: 'frame.time_epoch', label: 'Epoch Time', type: 'time' },
  timeRelative: { id: 'frame.time_relative', label: 'Time since reference or first frame', type: 'reltime' },
  timeDelta: { id: 'frame.time_delta', label: 'Time delta from previous captured frame', type: 'reltime' },
  len: { id: 'frame.len', label: 'Frame Length', type: 'uint' },
  capLen: { id: 'frame.cap_len', label: 'Capture Length', type: 'uint' },
  interfaceId: { id: 'frame.interface_id', label: 'Interface id', type: 'uint' },
  linkType: { id: 'frame.encap_type', label: 'Link type', type: 'uint', values: LINK_TYPES },
  comment: { id: 'frame.comment', label: 'Comment', type: 'string' },
  protocols: { id: 'frame.protocols', label: 'Protocols in frame', type: 'string' },
});

export interface FrameRecord {
  readonly number: number;
  /** Seconds since the epoch, with fraction (ns precision kept in tsSec/tsNsec of the Frame). */
  readonly timeEpoch: number;
  readonly timeRelative: number;
  readonly timeDelta: number;
  readonly len: number;
  readonly capLen: number;
  readonly interfaceId: number;
  readonly linkType: number;
  readonly comment: string | undefined;
  /** All layers of the packet (this one first), for `frame.protocols`; joined only when a tree is built. */
  readonly layers: readonly Layer[];
}

export const frameSpec: LayerSpec<FrameRecord> = {
  id: 'frame',
  field: frameFields.proto,
  title: (r) => `Frame ${r.number}: ${r.len} bytes on wire, ${r.capLen} bytes captured, interface ${r.interfaceId}`,
  tree(r, l) {
    const o = l.offset;
    const n = [
      node(frameFields.number, r.number, o, 0),
      node(frameFields.timeEpoch, r.timeEpoch, o, 0),
      node(frameFields.timeRelative, r.timeRelative, o, 0),
      node(frameFields.timeDelta, r.timeDelta, o, 0),
      node(frameFields.len, r.len, o, 0),
      node(frameFields.capLen, r.capLen, o, 0),
      node(frameFields.interfaceId, r.interfaceId, o, 0),
      node(frameFields.linkType, r.linkType, o, 0),
    ];
    if (r.comment !== undefined) n.push(node(frameFields.comment, r.comment, o, 0));
    n.push(node(frameFields.protocols, r.layers.map((x) => x.spec.id).join(':'), o, 0));
    return n;
  },
};
