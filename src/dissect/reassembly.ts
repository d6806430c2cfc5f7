/** IPv4 / IPv6 fragment reassembly (placeholder until implemented). */
import type { FragmentInfo, Reassembler, ReassemblyOutcome } from './layer.js';

export class IpReassembler implements Reassembler {
  add(_frameNumber: number, _frag: FragmentInfo, _ipproto: number, _payload: Uint8Array): ReassemblyOutcome {
    return { complete: false, count: 1 };
  }
}
