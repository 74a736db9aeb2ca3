// Moves a database a job built in its work dir (makeblastdb's volumes, diamond's .dmnd) into the
// databases folder, so a half-built database never appears there and a failed build leaves
// nothing behind; a name that is taken is refused before the tool runs and again at the move.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BioQueueError, inputError } from '../src/errors.js';
import { findDatabase } from '../src/databases/find-database.js';
import type { PublishSpec } from '../tools/define-tool.js';

async function filesOf(dir: string, name: string): Promise<string[]> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]); // no folder yet: no files
  return entries.filter((f) => f.startsWith(`${name}.`));
}

export async function assertDatabaseFree(dbDir: string, db: PublishSpec): Promise<void> {
  if (await findDatabase(dbDir, db.name, db.kind)) {
    throw inputError(db.param, `database "${db.name}" already exists; choose another name`);
  }
}

export async function publishDatabase(workDir: string, dbDir: string, db: PublishSpec): Promise<string[]> {
  const sourceDir = path.join(workDir, path.dirname(db.prefix));
  const name = path.basename(db.prefix);
  const files = await filesOf(sourceDir, name);
  if (files.length === 0) throw new BioQueueError('tool_failed', `the tool wrote no database files for "${db.name}"`);
  await fs.mkdir(dbDir, { recursive: true });
  await assertDatabaseFree(dbDir, db);
  for (const file of files) {
    const target = path.join(dbDir, `${db.name}${file.slice(name.length)}`);
    await fs.rename(path.join(sourceDir, file), target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV') throw err;
      await fs.copyFile(path.join(sourceDir, file), target);
    });
  }
  return files;
}
