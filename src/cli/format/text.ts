/** Text output: tshark-style summary lines and `-V` trees. */
import { SEVERITY_RANK, type Note } from '../../core/notes.js';
import { nodeLine, type TreeNode } from '../../core/tree.js';
import { layerTree, type Packet } from '../../dissect/packet.js';
import type { Palette } from './color.js';
import { formatTime, type TimeFormat } from './time.js';

const SEVERITY_LABEL: Readonly<Record<Note['def']['severity'], string>> = { chat: 'Chat', note: 'Note', warn: 'Warning', error: 'Error' };
const GROUP_LABEL: Readonly<Record<Note['def']['group'], string>> = {
  malformed: 'Malformed',
  checksum: 'Checksum',
  protocol: 'Protocol',
  reassembly: 'Reassemble',
  decryption: 'Decryption',
  security: 'Security',
  sequence: 'Sequence',
};

export function noteLine(n: Note): string {
  return `[Expert Info (${SEVERITY_LABEL[n.def.severity]}/${GROUP_LABEL[n.def.group]}): ${n.message}]`;
}

/** Worst severity of a packet's notes, or undefined. */
export function worstNote(p: Packet): Note | undefined {
  let worst: Note | undefined;
  for (const l of p.layers) for (const n of l.notes) if (!worst || SEVERITY_RANK[n.def.severity] > SEVERITY_RANK[worst.def.severity]) worst = n;
  return worst;
}

export function summaryLine(p: Packet, time: TimeFormat, c: Palette): string {
  const s = p.summary;
  const no = String(p.frame.number).padStart(5);
  const t = formatTime(p, time).padStart(time === 'r' || time === 'd' ? 11 : 0);
  const src = s.src.padStart(15);
  const dst = s.dst.padEnd(15);
  const proto = s.protocol.padEnd(8);
  const len = String(p.frame.origLen).padStart(5);
  const arrow = s.src || s.dst ? '→' : ' ';
  const line = `${no} ${t} ${src} ${arrow} ${dst} ${c.proto(s.protocol, proto)} ${len} ${s.info}`;
  const w = worstNote(p);
  return (w && w.def.severity === 'error' ? c.bad(line) : line) + '\n';
}

function renderNodes(nodes: readonly TreeNode[], depth: number, out: string[], c: Palette): void {
  const ind = '    '.repeat(depth);
  for (const n of nodes) {
    out.push(ind + nodeLine(n));
    if (n.children) renderNodes(n.children, depth + 1, out, c);
    if (n.notes) for (const note of n.notes) out.push(ind + '    ' + (note.def.severity === 'error' || note.def.severity === 'warn' ? c.bad(noteLine(note)) : noteLine(note)));
  }
}

/** `-V`: every layer's tree, optionally only some protocols (`-O`). */
export function treeText(p: Packet, c: Palette, only?: ReadonlySet<string>): string {
  const out: string[] = [];
  for (const l of p.layers) {
    if (only && l.spec.id !== 'frame' && !only.has(l.spec.id)) {
      out.push(l.spec.title?.(l.record, l) ?? l.spec.field.label);
      continue;
    }
    const t = layerTree(l);
    out.push(c.bold(nodeLine(t)));
    if (t.children) renderNodes(t.children, 1, out, c);
    if (t.notes) for (const note of t.notes) out.push('    ' + c.bad(noteLine(note)));
  }
  return out.join('\n') + '\n';
}
