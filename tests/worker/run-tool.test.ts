// The tool runner against real processes that misbehave on demand: ignoring SIGTERM, leaving
// grandchildren, failing with a message. No real tool does these when asked.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { runTool } from '../../worker/run-tool.js';
import { isProcessAlive } from '../../src/system/process-alive.js';

const BIN = path.join(import.meta.dirname, '..', 'fixtures', 'bin');
const log = createLogger('silent');
let cwd: string;

beforeAll(async () => {
  cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-run-tool-'));
});
afterAll(async () => fs.rm(cwd, { recursive: true, force: true }));


const base = { env: {}, softTimeoutMs: 60_000, hardTimeoutMs: 120_000, log };

describe('runTool', () => {
  it('reports the exit code and the tail of stderr', async () => {
    const run = await runTool({ ...base, cwd, argv: [process.execPath, path.join(BIN, 'exit-with.mjs'), '3', 'first line', 'Error: bad things'] });
    expect(run).toEqual({ exitCode: 3, signal: null, stderrTail: 'first line\nError: bad things', end: 'exited' });
  });

  it('passes arguments as they are, never through a shell', async () => {
    const run = await runTool({ ...base, cwd, argv: [process.execPath, path.join(BIN, 'exit-with.mjs'), '0', '$(touch pwned); `id` > x | y'] });
    expect(run.stderrTail).toBe('$(touch pwned); `id` > x | y');
    await expect(fs.readdir(cwd)).resolves.toEqual([]);
  });

  it('writes stdout to the named file in the work dir', async () => {
    const run = await runTool({ ...base, cwd, argv: [process.execPath, '-e', 'console.log("to the file")'], stdoutFile: 'out.txt' });
    expect(run.exitCode).toBe(0);
    expect(await fs.readFile(path.join(cwd, 'out.txt'), 'utf8')).toBe('to the file\n');
    await fs.rm(path.join(cwd, 'out.txt'));
  });

  it('says when the binary does not exist', async () => {
    const run = await runTool({ ...base, cwd, argv: ['no-such-tool-bioq', '-version'] });
    expect(run.spawnError).toMatch(/ENOENT/);
    expect(run.exitCode).toBeNull();
  });

  it('escalates to SIGKILL at the hard limit when the tool ignores SIGTERM', async () => {
    const run = await runTool({ ...base, cwd, argv: [process.execPath, path.join(BIN, 'ignore-sigterm.mjs')], softTimeoutMs: 300, hardTimeoutMs: 1500, killGraceMs: 60_000 });
    expect(run.end).toBe('soft-timeout');
    expect(run.signal).toBe('SIGKILL');
    expect(run.stderrTail).toBe('started\nignoring SIGTERM');
  });

  it('kills the whole process group on abort, grandchildren included', async () => {
    const controller = new AbortController();
    const pidFile = path.join(cwd, 'pid.txt');
    const running = runTool({ ...base, cwd, argv: [process.execPath, path.join(BIN, 'spawn-grandchild.mjs')], stdoutFile: 'pid.txt', signal: controller.signal });
    let grandchild = 0;
    while (!grandchild) {
      grandchild = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await isProcessAlive(grandchild)).toBe(true);
    controller.abort();
    const run = await running;
    expect(run.end).toBe('aborted');
    // The grandchild ignores SIGTERM; the runner's final SIGKILL to the group ends it.
    for (let i = 0; i < 50 && (await isProcessAlive(grandchild)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await isProcessAlive(grandchild)).toBe(false);
    await fs.rm(pidFile);
  });
});
