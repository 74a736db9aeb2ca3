// The folders a path input may come from when the MCP client shared roots of its own (stdio):
// the part of each client root that lies inside the operator's input roots, which stay the upper
// bound. A client root inside an input root counts as it is; an input root inside a client root
// counts whole; a client root beside every input root gives nothing. Compared as real paths, as
// path-roots.ts checks inputs, so a symlinked root is not mistaken for a foreign one.
import fs from 'node:fs/promises';
import { isInsideRoots } from './path-roots.js';

/** Why a path is refused when the client's roots and the input roots have nothing in common. */
export const NO_SHARED_ROOTS =
  'local paths are not accepted: none of the folders this MCP client shared (its roots) lies inside the input roots the server allows (BIO_QUEUE_INPUT_ROOTS); pass FASTA text or an http(s):// URL';

export async function intersectRoots(inputRoots: readonly string[], clientRoots: readonly string[]): Promise<string[]> {
  const [upper, client] = await Promise.all([realRoots(inputRoots), realRoots(clientRoots)]);
  const shared = new Set<string>();
  for (const root of client) if (isInsideRoots(root, upper)) shared.add(root);
  for (const root of upper) if (isInsideRoots(root, client)) shared.add(root);
  return [...shared];
}

// Roots that do not exist hold nothing and are left out.
async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((root) => fs.realpath(root).catch(() => undefined)));
  return real.filter((root): root is string => root !== undefined);
}
