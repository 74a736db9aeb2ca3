// One entry point that checks any input before a tool runs, since many tools exit 0 on garbage
// (see fixtures/TOOL_NOTES.md). It finds the format from the first bytes (after gunzip), checks
// it, and in the same single streaming pass counts records and residues for progress, hashes the
// content for the reference-index cache, and can keep the decompressed copy for tools that
// cannot read gzip. Memory stays flat however large the file, apart from ids when asked for.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { BioQueueError, inputError } from '../errors.js';
import { readChunkBytes } from '../system/read-chunk-size.js';
import { chooseChecker } from './choose-checker.js';
import { createContentPass } from './content-pass.js';
import { fileReadError } from './file-read-error.js';
import { textName } from './format-names.js';
import { sniffFormat } from './format-sniff.js';
import { gzipError, isGzip } from './gzip-input.js';
import type { CheckOptions, InputCheck, InputExpectation } from './input-types.js';
import { errorCode } from './path-roots.js';

export type { CheckOptions, InputCheck, InputExpectation, InputFormat, Residues } from './input-types.js';

/** Read size when the file's size is unknown: large enough that per-chunk costs vanish, small enough to be "just buffers". */
const READ_CHUNK = 1 << 20;
/** Gunzip output size: ahead of the sniffing window, so one chunk usually settles the format. */
const INFLATE_CHUNK = 1 << 16;

// Checks a file as a stream. Refusals are input errors naming the field; the file's own read
// errors are input errors when they are the caller's (missing, a folder, unreadable) and
// infrastructure errors otherwise; an abort is "cancelled".
export async function checkInputFile(field: string, file: string, expect: InputExpectation, options: CheckOptions = {}): Promise<InputCheck> {
  const { signal, decompressTo } = options;
  // Each read of a stream takes a buffer of its full size: a megabyte, twice, for a query of a
  // hundred bytes made the garbage collector the largest cost of a tiny job (bench/RESULTS.md,
  // issue 11). So the read is sized to the file (read-chunk-size.ts); a file that cannot be
  // stat'ed fails below on its open, with the errors it always had.
  const size = await fs.promises.stat(file).then(
    (s) => (s.isFile() ? s.size : undefined),
    () => undefined,
  );
  const stream = fs.createReadStream(file, { highWaterMark: size === undefined ? READ_CHUNK : readChunkBytes(size), ...(signal ? { signal } : {}) });
  const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pass: ReturnType<typeof createContentPass> | undefined;
  try {
    const first = await chunks.next();
    if (first.done) throw inputError(field, 'file is empty');
    const gzip = isGzip(first.value);
    const active = (pass = createContentPass(field, expect, gzip, decompressTo));
    if (gzip) {
      const raw = async function* () {
        for (let next: IteratorResult<Buffer> = first; !next.done; next = await chunks.next()) {
          active.raw(next.value);
          yield next.value;
        }
      };
      const content = async (inflated: AsyncIterable<Buffer>) => {
        for await (const chunk of inflated) await active.content(chunk);
      };
      await pipeline(raw, zlib.createGunzip({ chunkSize: INFLATE_CHUNK }), content, ...(signal ? [{ signal }] : []));
    } else {
      for (let next: IteratorResult<Buffer> = first; !next.done; next = await chunks.next()) {
        active.raw(next.value);
        await active.content(next.value);
      }
    }
    return await active.end();
  } catch (err) {
    stream.destroy();
    await pass?.discard();
    throw checkError(field, file, err, signal, pass?.format === 'bam');
  }
}

// Checks inline text from a tool call (small, already in memory): the same checks and messages
// as a file, never gzip. BAM cannot come as text.
export function checkInputText(field: string, text: string, expect: InputExpectation): InputCheck {
  const bytes = Buffer.from(text, 'utf8');
  const chosen = chooseChecker(field, sniffFormat(bytes, true), expect, textName(expect.formats), bytes.length);
  if (chosen.format === 'bam') throw inputError(field, 'BAM is binary and cannot be given as text; pass a file instead');
  chosen.checker.feed(bytes);
  const counts = chosen.checker.finish();
  return {
    format: chosen.format,
    gzip: false,
    records: counts.records,
    residues: counts.residues,
    ...(counts.ids ? { ids: counts.ids } : {}),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  };
}

// Sorts a failure into the refusal, retry or cancellation it is.
function checkError(field: string, file: string, err: unknown, signal: AbortSignal | undefined, bam: boolean): unknown {
  if (err instanceof BioQueueError) return err;
  if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) {
    return new BioQueueError('cancelled', `${field}: the input check was cancelled`, { field }, { cause: err });
  }
  const gzip = gzipError(field, err, bam);
  if (gzip) return gzip;
  if (errorCode(err)) return fileReadError(field, file, err);
  return err; // a fault of ours, not of the file: let it surface as it is
}
