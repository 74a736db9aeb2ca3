// Whether a named database of a kind is in the databases folder, from its marker files alone
// (a BLAST volume's index or alias, a .dmnd, an .hmm), without reading it.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseKind } from '../../tools/define-tool.js';

export async function findDatabase(dbDir: string, name: string, kind: DatabaseKind): Promise<boolean> {
  if (name === '' || name === '.' || name === '..' || /[\\/\0]/.test(name)) return false;
  for (const marker of kind.markers) {
    const found = await fs.stat(path.join(dbDir, `${name}${marker}`)).then((s) => s.isFile(), () => false);
    if (found) return true;
  }
  return false;
}
