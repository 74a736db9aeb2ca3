// Gzip as the checks see it: recognised by its magic bytes, inflated by Node's zlib (which reads
// multi-member streams, so BGZF too), and its failures told apart from the file's other faults.
// Node refuses bytes after the last member that are not another member ("incorrect header
// check"), except zero padding, which it ignores as gzip itself does.
import { BioQueueError, inputError } from '../errors.js';
import { errorCode } from './path-roots.js';

// True when the bytes start a gzip member (plain gzip, BGZF, a BAM).
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

// The refusal for a zlib failure, or undefined when err is not one. `bam`: the content was a BAM.
export function gzipError(field: string, err: unknown, bam: boolean): BioQueueError | undefined {
  if (!errorCode(err)?.startsWith('Z_')) return undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (message === 'incorrect header check') return inputError(field, 'the gzip data is followed by bytes that are not another gzip member');
  return inputError(field, `${bam ? "the BAM's BGZF data" : 'the gzip data'} is truncated or corrupt (${message})`);
}
