/** Public API of the capture layer: open a pcap / pcapng (plain, gzip, stdin) and read Frames. */
export { CaptureError } from './types.js';
export type { CaptureFormat, CaptureInterface, Frame } from './types.js';
export { openCapture } from './open.js';
export type { CaptureReader, OpenOptions } from './open.js';
export { DEFAULT_CHUNK_SIZE } from './source.js';
