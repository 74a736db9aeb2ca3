// The single pass over one input file: raw bytes in (hashed, and their last 28 kept for the BAM
// end-of-file check), content out (the same bytes, or their gunzipped form) held only until the
// format is known, then fed to its checker, hashed, and copied to decompressTo for gzip text.
// Memory is the sniffing window plus one chunk, whatever the file's size.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs/promises';
import { BioQueueError, inputError } from '../errors.js';
import { BGZF_EOF, hasBgzfEof } from './bam-check.js';
import { chooseChecker, type ChosenChecker } from './choose-checker.js';
import { canSniff, sniffFormat } from './format-sniff.js';
import type { InputCheck, InputExpectation } from './input-types.js';

export interface ContentPass {
  /** Every byte of the file, in order. */
  raw(chunk: Buffer): void;
  /** Every byte of the content, in order: the file's, or the gunzipped ones. */
  content(chunk: Buffer): Promise<void>;
  /** After the last byte: the checker's verdict, hashes and counts. */
  end(): Promise<InputCheck>;
  /** After a failure: removes a partial decompressed copy. */
  discard(): Promise<void>;
  /** The format chosen so far, if any (names BAM in a gzip error). */
  readonly format: string | undefined;
}

export function createContentPass(field: string, expect: InputExpectation, gzip: boolean, decompressTo?: string): ContentPass {
  // A gzip file is hashed raw only until it turns out to be text; a BAM and a plain file stay raw.
  let rawHash: Hash | undefined = createHash('sha256');
  let rawBytes = 0;
  let tail: Buffer = Buffer.alloc(0);
  let contentHash: Hash | undefined;
  let contentBytes = 0;
  let pending: Buffer[] = [];
  let chosen: ChosenChecker | undefined;
  let bam = false;
  let copy: fs.FileHandle | undefined;
  const what = gzip ? 'decompressed file' : 'file';

  const writeError = (err: unknown) =>
    new BioQueueError('infrastructure', `${field}: cannot write the decompressed copy to ${JSON.stringify(decompressTo)}: ${String(err)}`, { field }, { cause: err });

  const forward = async (chunk: Buffer) => {
    chosen!.checker.feed(chunk);
    contentHash?.update(chunk);
    if (copy) await writeAll(copy, chunk).catch((err: unknown) => Promise.reject(writeError(err)));
  };

  const decide = async (complete: boolean) => {
    const prefix = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    const sniffed = sniffFormat(prefix, complete);
    chosen = chooseChecker(field, sniffed, expect, what, contentBytes);
    bam = sniffed.kind === 'format' && sniffed.format === 'bam';
    if (gzip && !bam) {
      rawHash = undefined;
      contentHash = createHash('sha256');
      if (decompressTo) copy = await fs.open(decompressTo, 'w').catch((err: unknown) => Promise.reject(writeError(err)));
    }
    await forward(prefix);
  };

  return {
    get format() {
      return chosen?.format;
    },
    raw(chunk) {
      rawHash?.update(chunk);
      rawBytes += chunk.length;
      if (gzip) tail = Buffer.from(chunk.length >= BGZF_EOF.length ? chunk.subarray(-BGZF_EOF.length) : Buffer.concat([tail, chunk]).subarray(-BGZF_EOF.length));
    },
    async content(chunk) {
      contentBytes += chunk.length;
      if (chosen) return forward(chunk);
      pending.push(chunk);
      if (canSniff(pending.length === 1 ? chunk : Buffer.concat(pending))) await decide(false);
    },
    async end() {
      if (!chosen) await decide(true);
      const counts = chosen!.checker.finish();
      if (bam && !hasBgzfEof(tail)) {
        throw inputError(field, 'BAM has no end-of-file marker (the empty BGZF block samtools writes last): the file was cut short');
      }
      if (copy) await copy.close().catch((err: unknown) => Promise.reject(writeError(err)));
      const text = gzip && !bam;
      return {
        format: chosen!.format,
        gzip: text,
        records: counts.records,
        residues: counts.residues,
        ...(counts.ids ? { ids: counts.ids } : {}),
        sha256: (text ? contentHash! : rawHash!).digest('hex'),
        bytes: text ? contentBytes : rawBytes,
        ...(copy ? { decompressedTo: decompressTo } : {}),
      };
    },
    async discard() {
      if (!copy) return;
      await copy.close().catch(() => undefined); // end() may have closed it already; the partial file goes either way
      await fs.rm(decompressTo!, { force: true });
    },
  };
}

// write() may write less than asked (a full disk shows up as an error on the next call).
async function writeAll(handle: fs.FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) offset += (await handle.write(chunk, offset)).bytesWritten;
}
