// What a file another process is writing has gained since the last read, for the tail of a
// tool's stderr or progress file (tail-file.ts) and for a summary read beside the tool
// (growing-output-reader.ts). Reads are sized to what is new (read-chunk-size.ts), so a tiny file
// takes a tiny buffer; the buffer is kept for the next read.
import type { FileHandle } from 'node:fs/promises';
import { readChunkBytes } from '../src/system/read-chunk-size.js';

export interface AppendedBytes {
  /** The bytes past the last read, up to the file's end now; each chunk is valid until the next is asked for. */
  read(handle: FileHandle): AsyncGenerator<Buffer>;
  /** Whether a file of this size holds bytes past the last read. */
  grewTo(size: number): boolean;
}

export function appendedBytes(): AppendedBytes {
  let offset = 0;
  let buffer: Buffer | undefined;
  return {
    grewTo: (size) => size > offset,
    async *read(handle) {
      for (;;) {
        const { size } = await handle.stat();
        if (size <= offset) return;
        const want = readChunkBytes(size - offset);
        if (!buffer || buffer.length < want) buffer = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) return;
        offset += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    },
  };
}
