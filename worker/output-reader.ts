// Gives summarize() read access to the outputs in the work dir, streaming lines so a summary
// of a large output never holds it in memory.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import type { OutputReader } from '../tools/define-tool.js';

export function workDirOutputReader(workDir: string): OutputReader {
  return {
    async *lines(name: string) {
      const rl = readline.createInterface({ input: createReadStream(path.join(workDir, name)), crlfDelay: Infinity });
      yield* rl;
    },
    async text(name: string, maxBytes: number) {
      const handle = await fs.open(path.join(workDir, name), 'r');
      try {
        const buffer = Buffer.alloc(maxBytes);
        const { bytesRead } = await handle.read(buffer, 0, maxBytes, 0);
        return buffer.subarray(0, bytesRead).toString('utf8');
      } finally {
        await handle.close();
      }
    },
  };
}
