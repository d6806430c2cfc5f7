// The same header decode as walk.ts, but fed by npm `pcap-parser` 0.2.1 reading a default
// fs.createReadStream (64 KiB chunks), to answer the design card's question whether that parser
// would be the bottleneck. Run as its own process by run.ts:
//   node --no-deprecation dist/bench/pcap-parser-walk.js FILE   → one JSON line on stdout
// (--no-deprecation: the parser uses the deprecated `new Buffer`, which warns on stderr.)
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { decodeFrame, walkResult } from './decode.js';

// pcap-parser is CommonJS without type declarations: this is the one untyped boundary.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pcapParser: any = createRequire(import.meta.url)('pcap-parser');

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node dist/bench/pcap-parser-walk.js FILE.pcap\n');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const parser: any = pcapParser.parse(fs.createReadStream(file));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
parser.on('packet', (packet: any) => {
  const data = packet.data as Buffer;
  decodeFrame(data, 0, data.length);
});
parser.on('error', (err: Error) => {
  process.stderr.write(`pcap-parser: ${err.message}\n`);
  process.exitCode = 1;
});
parser.on('end', () => {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(JSON.stringify(walkResult('pcap-parser', seconds)) + '\n');
});
