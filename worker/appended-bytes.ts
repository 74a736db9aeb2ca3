// What a file another process is writing has gained since the last read, for the tail of a
// tool's stderr or progress file (tail-file.ts) and for a summary read beside the tool
// (growing-output-reader.ts). Reads are sized to what is new (read-chunk-size.ts), so a tiny file
// takes a tiny buffer; the buffer is kept for the next read.
//
// A little that is new (at most IN_PLACE_READ_BYTES, a tiny tool's whole output) is read in
// place, as the stat of the open file always is: bounded work that took a hand-off to the thread
// pool and back for each call, five a read (in-place-files.ts, issue 11). More goes through the pool.
import fs, { fstatSync, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { readChunkBytes } from '../src/system/read-chunk-size.js';

export const IN_PLACE_READ_BYTES = 64 * 1024;

const readThroughPool = promisify(fs.read);

export interface AppendedBytes {
  /** The bytes past the last read of the open file fd, up to its end now; each chunk is valid until the next is asked for. */
  read(fd: number): AsyncGenerator<Buffer>;
  /** Whether a file of this size holds bytes past the last read. */
  grewTo(size: number): boolean;
}

export function appendedBytes(): AppendedBytes {
  let offset = 0;
  let buffer: Buffer | undefined;
  return {
    grewTo: (size) => size > offset,
    async *read(fd) {
      for (;;) {
        const { size } = fstatSync(fd);
        if (size <= offset) return;
        const want = readChunkBytes(size - offset);
        if (!buffer || buffer.length < want) buffer = Buffer.allocUnsafe(want);
        const bytesRead =
          size - offset <= IN_PLACE_READ_BYTES
            ? readSync(fd, buffer, 0, Math.min(buffer.length, IN_PLACE_READ_BYTES), offset)
            : (await readThroughPool(fd, buffer, 0, buffer.length, offset)).bytesRead;
        if (bytesRead === 0) return;
        offset += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    },
  };
}
