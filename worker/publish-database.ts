// Moves a database a job built in its work dir into the database folder, so a half-built
// database never appears there and a failed build leaves nothing behind.
import fs from 'node:fs/promises';
import path from 'node:path';
import { BioQueueError, inputError } from '../src/errors.js';
import type { PublishedDatabase } from '../tools/define-tool.js';

async function filesOf(dir: string, name: string): Promise<string[]> {
  const entries = await fs.readdir(dir).catch(() => [] as string[]);
  return entries.filter((f) => f.startsWith(`${name}.`));
}

export async function assertDatabaseFree(dbDir: string, name: string): Promise<void> {
  if ((await filesOf(dbDir, name)).length > 0) {
    throw inputError('name', `database "${name}" already exists; choose another name`);
  }
}

export async function publishDatabase(workDir: string, dbDir: string, db: PublishedDatabase): Promise<string[]> {
  const sourceDir = path.join(workDir, path.dirname(db.filesPrefix));
  const files = await filesOf(sourceDir, db.name);
  if (files.length === 0) throw new BioQueueError('tool_failed', `the tool wrote no database files for "${db.name}"`);
  await fs.mkdir(dbDir, { recursive: true });
  await assertDatabaseFree(dbDir, db.name);
  for (const file of files) {
    const target = path.join(dbDir, file);
    await fs.rename(path.join(sourceDir, file), target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EXDEV') throw err;
      await fs.copyFile(path.join(sourceDir, file), target);
    });
  }
  return files;
}
