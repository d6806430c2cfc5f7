/** The Time column in tshark's `-t` formats. */
import type { Packet } from '../../dissect/packet.js';
import type { FrameRecord } from '../../dissect/frame.js';

export type TimeFormat = 'r' | 'a' | 'ad' | 'd' | 'e' | 'u' | 'ud';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export function formatTime(p: Packet, fmt: TimeFormat): string {
  const rec = p.layers[0]!.record as FrameRecord;
  const f = p.frame;
  const micros = pad(Math.floor(f.tsNsec / 1000), 6);
  switch (fmt) {
    case 'r':
      return rec.timeRelative.toFixed(6);
    case 'd':
      return rec.timeDelta.toFixed(6);
    case 'e':
      return `${f.tsSec}.${pad(f.tsNsec, 9)}`;
    default: {
      const utc = fmt === 'u' || fmt === 'ud';
      const d = new Date(f.tsSec * 1000);
      const h = utc ? d.getUTCHours() : d.getHours();
      const m = utc ? d.getUTCMinutes() : d.getMinutes();
      const s = utc ? d.getUTCSeconds() : d.getSeconds();
      const clock = `${pad(h)}:${pad(m)}:${pad(s)}.${micros}`;
      if (fmt === 'a' || fmt === 'u') return clock;
      const y = utc ? d.getUTCFullYear() : d.getFullYear();
      const mo = (utc ? d.getUTCMonth() : d.getMonth()) + 1;
      const day = utc ? d.getUTCDate() : d.getDate();
      return `${y}-${pad(mo)}-${pad(day)} ${clock}`;
    }
  }
}
