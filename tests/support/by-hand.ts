// The oracle of the "equal to the tool by hand" tests: a command line as a person would type it
// (pipes and all, through bash), run in a scratch folder where the inputs sit under the names
// the job gave them. The result of the job is then compared with what this leaves behind.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

export interface ByHand {
  dir: string;
  file(name: string): Promise<Buffer>;
  remove(): Promise<void>;
}

/**
 * Copies each input to dir/<name> (names may contain "inputs/…"), then runs the script with
 * `bash -euo pipefail` in dir. env is added to the test's environment.
 */
export async function runByHand(inputs: Record<string, string>, script: string, env: Record<string, string> = {}): Promise<ByHand> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-by-hand-'));
  for (const [name, source] of Object.entries(inputs)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await fs.copyFile(source, path.join(dir, name));
  }
  await execa('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, stdin: 'ignore' });
  return {
    dir,
    file: (name) => fs.readFile(path.join(dir, name)),
    remove: () => fs.rm(dir, { recursive: true, force: true }),
  };
}
