// The built `bio-mcp-queue` run as a person runs it at a terminal (here through pipes, so its
// progress is plain lines): only PATH, HOME and the given variables, stdin closed.
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO } from './harness.js';

export const MAIN = path.join(REPO, 'dist', 'src', 'cli', 'main.js');

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** cwd: where relative paths on the command line are read from (default: the repository). */
export function startCli(args: readonly string[], env: Record<string, string>, cwd = REPO): ResultPromise<{ reject: false; stdin: 'ignore'; extendEnv: false; cwd: string }> {
  return execa(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...env }, extendEnv: false, reject: false, stdin: 'ignore', cwd });
}

export async function runCli(args: readonly string[], env: Record<string, string>, cwd = REPO): Promise<CliRun> {
  const { exitCode, stdout, stderr } = await startCli(args, env, cwd);
  return { exitCode: exitCode ?? -1, stdout: String(stdout), stderr: String(stderr) };
}
