/**
 * A classic pcap writer (nanosecond magic, one link type), for
 * `--export-decrypted`: decrypted inner packets as LINKTYPE_RAW (101) records
 * that tshark and Wireshark open directly.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export const LINKTYPE_RAW = 101;

export class PcapWriter {
  private readonly fd: number;
  private buf: Uint8Array[] = [];
  private size = 0;
  count = 0;

  constructor(path: string, linkType = LINKTYPE_RAW, snaplen = 262144) {
    this.fd = openSync(path, 'w');
    const h = new Uint8Array(24);
    const v = new DataView(h.buffer);
    v.setUint32(0, 0xa1b23c4d, true); // nanosecond-resolution magic, little endian
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linkType, true);
    this.push(h);
  }

  write(tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length): void {
    const h = new Uint8Array(16);
    const v = new DataView(h.buffer);
    v.setUint32(0, tsSec >>> 0, true);
    v.setUint32(4, tsNsec >>> 0, true);
    v.setUint32(8, data.length, true);
    v.setUint32(12, origLen, true);
    this.push(h);
    this.push(data);
    this.count++;
    if (this.size > 1 << 20) this.flush();
  }

  private push(b: Uint8Array): void {
    this.buf.push(b);
    this.size += b.length;
  }

  flush(): void {
    for (const b of this.buf) writeSync(this.fd, b);
    this.buf = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
