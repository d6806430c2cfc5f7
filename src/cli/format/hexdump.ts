/** `-x`: the classic 16-byte hex + ASCII rows, one block per data source. */
import type { Packet } from '../../dissect/packet.js';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hexRows(bytes: Uint8Array): string[] {
  const rows: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    let hex = '';
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      if (o + i < bytes.length) {
        const b = bytes[o + i]!;
        hex += HEX[b] + ' ';
        ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      } else hex += '   ';
      if (i === 7) hex += ' ';
    }
    rows.push(`${o.toString(16).padStart(4, '0')}  ${hex} ${ascii}`);
  }
  return rows;
}

export function hexdump(p: Packet): string {
  if (p.sources.length === 1) return hexRows(p.sources[0]!.bytes).join('\n') + '\n';
  return p.sources.map((s) => `${s.name} (${s.bytes.length} bytes):\n${hexRows(s.bytes).join('\n')}\n`).join('\n');
}
