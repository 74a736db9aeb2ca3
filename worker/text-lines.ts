// Lines of a text stream, cut from each chunk in one synchronous pass and handed on a chunk's
// worth at a time. readline's async iterator costs a turn of the event loop's queues per line:
// for a 200,000-line BLAST output that was most of the time spent reading it (bench/RESULTS.md,
// issue 11); a reader that loops over each batch itself pays that once per chunk. Line ends as
// readline's with crlfDelay: "\n" and "\r\n"; a last line without an end is still a line, an
// empty end is not.
import { StringDecoder } from 'node:string_decoder';

const withoutCr = (line: string) => (line.endsWith('\r') ? line.slice(0, -1) : line);

/** Cuts what was carried plus `text` into whole lines, pushed to `into`; returns the unfinished end. */
export function cutLines(carried: string, text: string, into: string[]): string {
  const lines = (carried + text).split('\n');
  const rest = lines.pop()!;
  for (const line of lines) into.push(withoutCr(line));
  return rest;
}

/** The lines of `chunks`, a batch per chunk (batches may be empty). */
export async function* textLineBatches(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let carried = '';
  for await (const chunk of chunks) {
    const batch: string[] = [];
    carried = cutLines(carried, typeof chunk === 'string' ? chunk : decoder.write(chunk), batch);
    yield batch;
  }
  const last = carried + decoder.end();
  if (last !== '') yield [withoutCr(last)];
}

/** Line by line, for readers whose work per line dwarfs the iteration. */
export async function* linesOfBatches(batches: AsyncIterable<readonly string[]>): AsyncGenerator<string> {
  for await (const batch of batches) yield* batch;
}
