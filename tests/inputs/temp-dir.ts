// Real temporary folders for the input tests, removed after each file's tests.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's fixtures folder. */
export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures');

// A fresh folder under the system temp dir, as its real path (macOS /tmp is itself a symlink).
export async function makeTempDir(prefix: string): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), `bioq-${prefix}-`)));
}

// Writes a file, creating its folder.
export async function writeFile(file: string, content: string | Uint8Array): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

// True when nothing exists at p (not even a dangling symlink).
export async function isAbsent(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => false,
    () => true,
  );
}
