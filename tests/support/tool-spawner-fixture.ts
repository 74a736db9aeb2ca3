// A tool spawner (worker/tool-spawner.ts) and a scratch folder, for the tests of the step runner
// and its launchers: made before a file's tests, closed and removed after them.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startToolSpawner, type ToolSpawner } from '../../worker/tool-spawner.js';

export interface SpawnerAndFolder {
  /** Set once the file's tests start. */
  readonly cwd: string;
  readonly spawner: ToolSpawner;
}

export function useSpawnerAndFolder(prefix: string): SpawnerAndFolder {
  const fixture = {} as { cwd?: string; spawner?: ToolSpawner };
  beforeAll(async () => {
    fixture.cwd = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    fixture.spawner = startToolSpawner(createLogger('silent'));
  });
  afterAll(async () => {
    await fixture.spawner?.close();
    if (fixture.cwd) await fs.rm(fixture.cwd, { recursive: true, force: true });
  });
  return fixture as SpawnerAndFolder;
}
