// Keeps local-path inputs inside the folders the operator allowed. The check is made on real
// paths (every symlink resolved), so a link inside a root cannot lead a job to a file outside it.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BioQueueError, inputError } from '../errors.js';

const NO_ROOTS =
  'local paths are not accepted: set BIO_QUEUE_INPUT_ROOTS to the folders that may be read, or pass FASTA text or an http(s):// URL';

/** realpath() failures that say something about the caller's path rather than about our machine. */
const PATH_ERRORS = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'EACCES', 'ENAMETOOLONG']);

// Whole-segment containment, so /data2 is not inside /data; a root counts as inside itself.
export function isInsideRoots(realPath: string, realRoots: readonly string[]): boolean {
  if (!path.isAbsolute(realPath)) return false;
  return realRoots.some((root) => {
    if (!path.isAbsolute(root)) return false;
    const rel = path.relative(root, realPath);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
  });
}

// The real path of p, refused unless it lies inside one of the (real paths of the) roots. A path
// that does not exist is reported as missing only when its nearest existing folder is inside a
// root, so the message never tells a caller whether a file exists elsewhere.
// noRoots: why a path is refused when there are no roots at all.
export async function resolveInsideRoots(field: string, p: string, roots: readonly string[], noRoots = NO_ROOTS): Promise<string> {
  if (roots.length === 0) throw inputError(field, noRoots);
  if (!path.isAbsolute(p)) throw inputError(field, `${JSON.stringify(p)} is not an absolute path`);
  if (p.includes('\0')) throw inputError(field, 'a path cannot contain a NUL character');
  const resolved = await resolveRoots(roots);
  const realRoots = resolved.flatMap((r) => (r.real === undefined ? [] : [r.real]));
  let real: string;
  try {
    real = await fs.realpath(p);
  } catch (err) {
    const code = errorCode(err);
    if (!code || !PATH_ERRORS.has(code)) {
      throw new BioQueueError('infrastructure', `${field}: cannot resolve ${JSON.stringify(p)}: ${String(err)}`, { field }, { cause: err });
    }
    if (!isInsideRoots(await nearestRealAncestor(p), realRoots)) throw outsideRoots(field, p, resolved);
    throw inputError(field, unresolvableReason(code, p));
  }
  if (!isInsideRoots(real, realRoots)) throw outsideRoots(field, p, resolved);
  return real;
}

interface ResolvedRoot {
  given: string;
  /** Undefined when the root does not exist: it then holds nothing. */
  real: string | undefined;
}

// Each configured root with its real path.
async function resolveRoots(roots: readonly string[]): Promise<ResolvedRoot[]> {
  return Promise.all(roots.map(async (given) => ({ given, real: await fs.realpath(given).catch(() => undefined) })));
}

// Walks up with dirname() (not path.resolve, so ".." is still resolved by the kernel, after symlinks).
async function nearestRealAncestor(p: string): Promise<string> {
  let dir = path.dirname(p);
  for (;;) {
    try {
      return await fs.realpath(dir);
    } catch {
      const parent = path.dirname(dir);
      if (parent === dir) return dir;
      dir = parent;
    }
  }
}

// When the path looks inside a root, says why it is not: symlinks lead out, or the root is missing.
function outsideRoots(field: string, p: string, roots: readonly ResolvedRoot[]): BioQueueError {
  const lexical = path.resolve(p);
  const existing = roots.flatMap((r) => (r.real === undefined ? [] : [r.given, r.real]));
  const missing = roots.find((r) => r.real === undefined && isInsideRoots(lexical, [r.given]));
  let why = '';
  if (isInsideRoots(lexical, existing)) why = ' once symbolic links are resolved';
  else if (missing) why = `: the input root ${missing.given} does not exist`;
  return inputError(field, `${JSON.stringify(p)} is outside the input roots (${roots.map((r) => r.given).join(', ')})${why}`);
}

// One line per realpath() failure the caller can fix.
function unresolvableReason(code: string, p: string): string {
  const shown = JSON.stringify(p);
  if (code === 'ELOOP') return `${shown} has a loop of symbolic links`;
  if (code === 'EACCES') return `${shown} cannot be read: permission denied`;
  if (code === 'ENAMETOOLONG') return `${shown} is too long a path`;
  return `no such file: ${shown}`;
}

// The errno code of a Node fs error, if any.
export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
