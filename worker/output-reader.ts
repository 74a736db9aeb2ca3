// Gives summarize() read access to the outputs in the work dir, streaming lines so a summary
// of a large output never holds it in memory. Compressed text (a .vcf.gz from bcftools, gzip
// FASTQ from fastp) is read through gunzip, which also takes bgzip's many members.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { isGzip } from '../src/inputs/gzip-input.js';
import { readChunkBytes } from '../src/system/read-chunk-size.js';
import type { OutputReader } from '../tools/define-tool.js';
import { linesOfBatches, textLineBatches } from './text-lines.js';

async function isGzipFile(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return isGzip(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

async function openText(file: string): Promise<Readable> {
  // Reads sized to the file (read-chunk-size.ts): a summary reads outputs of any size front to back once.
  const raw = createReadStream(file, { highWaterMark: readChunkBytes((await fs.stat(file)).size) });
  if (!(await isGzipFile(file))) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

export function workDirOutputReader(workDir: string): OutputReader {
  return {
    async *lineBatches(name: string) {
      const input = await openText(path.join(workDir, name));
      try {
        yield* textLineBatches(input as AsyncIterable<Buffer>);
      } finally {
        input.destroy();
      }
    },
    lines(name: string) {
      return linesOfBatches(this.lineBatches(name));
    },
    async text(name: string, maxBytes: number) {
      const input = await openText(path.join(workDir, name));
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of input) {
          chunks.push(chunk as Buffer);
          size += (chunk as Buffer).length;
          if (size >= maxBytes) break;
        }
      } finally {
        input.destroy();
      }
      return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
    },
    async exists(name: string) {
      return fs.stat(path.join(workDir, name)).then((s) => s.isFile(), () => false);
    },
  };
}
