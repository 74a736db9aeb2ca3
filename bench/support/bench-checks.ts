// What every benchmark needs to refuse measuring nothing: a check that stops the run with its
// reason, a file's sha256 to pin outputs, and progress lines on stderr (stdout is the report).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`check failed: ${message}`);
}

/** The sha256 of a file, streamed. */
export async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const progress = (text: string): void => {
  process.stderr.write(`${text}\n`);
};
