// `result --download DIR`: each file of a completed job fetched from its link (a signed /files
// link of `serve`, an S3 presigned URL, or a file:// path of local storage) into DIR under its
// own name, checked against the size and sha256 the result gives before it takes that name, so
// a file in DIR is always whole and the one the job made.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { BioQueueError, inputError } from '../../errors.js';
import type { ResultFile } from '../../jobs/job-model.js';

export async function downloadFiles(files: readonly ResultFile[], dir: string, onFile: (file: ResultFile, target: string) => void): Promise<string[]> {
  await fs.promises.mkdir(dir, { recursive: true }).catch((err: unknown) => {
    throw inputError('--download', `cannot make the folder ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  });
  const written: string[] = [];
  for (const file of files) {
    // Names come from the server: never let one climb out of DIR.
    const name = path.basename(file.name);
    if (name !== file.name || name === '..' || name === '.') throw new Error(`refusing the file name "${file.name}" the server gave: it is not a plain file name`);
    const target = path.join(dir, name);
    onFile(file, target);
    await fetchInto(file, target);
    written.push(target);
  }
  return written;
}

async function fetchInto(file: ResultFile, target: string): Promise<void> {
  const partial = `${target}.part`;
  const hash = createHash('sha256');
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(await openSource(file), count, fs.createWriteStream(partial));
    const sha256 = hash.digest('hex');
    if (bytes !== file.size_bytes || sha256 !== file.sha256) {
      throw new BioQueueError('infrastructure', `${file.name}: downloaded ${bytes} bytes with sha256 ${sha256}, but the job made ${file.size_bytes} bytes with sha256 ${file.sha256}; try again`);
    }
    await fs.promises.rename(partial, target);
  } catch (err) {
    await fs.promises.rm(partial, { force: true });
    throw err;
  }
}

async function openSource(file: ResultFile): Promise<Readable> {
  const url = new URL(file.url);
  if (url.protocol === 'file:') return fs.createReadStream(fileURLToPath(url));
  let response: Response;
  try {
    response = await fetch(url);
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    throw new BioQueueError('infrastructure', `${file.name}: cannot reach ${url.origin}: ${cause}`, {}, { cause: err });
  }
  if (!response.ok || !response.body) {
    const code = response.status === 403 ? 'forbidden' : response.status === 404 ? 'not_found' : 'infrastructure';
    throw new BioQueueError(code, `${file.name}: its link answered HTTP ${response.status}${response.status === 403 ? ' (expired? run result again for fresh links)' : ''}`);
  }
  return Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
}
