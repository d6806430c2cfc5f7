// The ceiling: a bare read-and-walk of a classic pcap with fs.readSync into one 4 MiB buffer
// (the fastest approach measured in perf-anchors.md §3), decoding each packet's headers in place.
// No stream, no per-packet Buffer or object. Run as its own process by run.ts:
//   node dist/bench/walk.js FILE        → one JSON line (WalkResult) on stdout
import * as fs from 'node:fs';
import { decodeFrame, walkResult } from './decode.js';

const CHUNK = 4 << 20;

export function walk(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let have = fs.readSync(fd, buf, 0, CHUNK, null);
    if (have < 24) throw new Error(`${file}: too short for a pcap header`);
    const magic = buf.readUInt32LE(0);
    // a1b2c3d4 = µs, a1b23c4d = ns; read as LE, the byte-swapped forms mean a big-endian file.
    let le: boolean;
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
    else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
    else throw new Error(`${file}: not a classic pcap (magic ${magic.toString(16)})`);
    const linkType = le ? buf.readUInt32LE(20) : buf.readUInt32BE(20);
    if ((linkType & 0x0fffffff) !== 1) throw new Error(`${file}: link type ${linkType}, only Ethernet (1) is walked`);
    let pos = 24;
    for (;;) {
      // A record that straddles the end of the buffer: move the tail to the front and read more
      // behind it. Only the partial record is copied, at most once per 4 MiB.
      if (have - pos < 16 || have - pos < 16 + (le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8))) {
        buf.copyWithin(0, pos, have);
        have -= pos;
        pos = 0;
        const n = fs.readSync(fd, buf, have, CHUNK - have, null);
        if (n === 0) {
          if (have !== 0) process.stderr.write(`${file}: ${have} trailing bytes (truncated record)\n`);
          break;
        }
        have += n;
        if (have - pos >= 16 && 16 + (le ? buf.readUInt32LE(8) : buf.readUInt32BE(8)) > CHUNK) {
          throw new Error(`${file}: record larger than the ${CHUNK}-byte buffer`);
        }
        continue;
      }
      const incl = le ? buf.readUInt32LE(pos + 8) : buf.readUInt32BE(pos + 8);
      decodeFrame(buf, pos + 16, incl);
      pos += 16 + incl;
    }
  } finally {
    fs.closeSync(fd);
  }
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node dist/bench/walk.js FILE.pcap\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
walk(file);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify(walkResult('bare walk', seconds)) + '\n');
