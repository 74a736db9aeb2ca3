// The media type a local file is served with. S3 keeps the type given at put(); a plain file
// on disk has only its name, and every output name in tools/ ends in one of these.
import path from 'node:path';

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.log': 'text/plain',
  '.txt': 'text/plain',
  '.fa': 'text/x-fasta',
  '.fasta': 'text/x-fasta',
};

export function mediaTypeOf(fileName: string): string {
  return BY_EXTENSION[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}
