// The error for a failure to read an input file itself: the caller's fault (no such file, a
// folder, no permission) fails the job at once; anything else is the machine's and is retried.
import { BioQueueError, inputError } from '../errors.js';
import { errorCode } from './path-roots.js';

export function fileReadError(field: string, path: string, err: unknown): BioQueueError {
  const shown = JSON.stringify(path);
  const code = errorCode(err);
  if (code === 'ENOENT') return inputError(field, `no such file: ${shown}`);
  if (code === 'EISDIR') return inputError(field, `${shown} is a directory, not a file`);
  if (code === 'EACCES') return inputError(field, `${shown} cannot be read: permission denied`);
  return new BioQueueError('infrastructure', `${field}: cannot read ${shown}: ${String(err)}`, { field }, { cause: err });
}
