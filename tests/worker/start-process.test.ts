// One process and its limits (start-process.ts), against real processes: what ended it is what
// its outcome says. run-pipeline.test.ts covers the same through whole steps (SIGKILL at the hard
// limit, the group killed on abort, a missing binary).
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { startProcess, type StartProcessOptions } from '../../worker/start-process.js';

const node = process.execPath;
const base: StartProcessOptions = { cwd: os.tmpdir(), env: {}, stdio: ['ignore', 'ignore', 'ignore'], softTimeoutMs: 60_000, forceKillAfterMs: 60_000 };

describe('startProcess', () => {
  it('reports the exit code of a process that ends by itself, in its own process group', async () => {
    const { child, outcome } = startProcess(node, ['-e', 'process.exitCode = 3'], { ...base, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(child.pid).toBeGreaterThan(0);
    expect(await outcome).toEqual({ exitCode: 3, signal: undefined, timedOut: false, forcefullyTerminated: false, canceled: false });
  });

  it('gives the process its environment on top of this one\'s', async () => {
    const { child, outcome } = startProcess(node, ['-e', 'console.log(process.env.BIOQ_TEST_VALUE, typeof process.env.PATH)'], { ...base, env: { BIOQ_TEST_VALUE: 'given' }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    expect((await outcome).exitCode).toBe(0);
    expect(out).toBe('given string\n');
  });

  it('sends SIGTERM at the soft limit and says it timed out', async () => {
    const { outcome } = startProcess(node, ['-e', 'setTimeout(() => {}, 60_000)'], { ...base, softTimeoutMs: 300 });
    expect(await outcome).toEqual({ exitCode: undefined, signal: 'SIGTERM', timedOut: true, forcefullyTerminated: false, canceled: false });
  });

  it('stops a process at once when the cancel came before it started', async () => {
    const controller = new AbortController();
    controller.abort();
    const { outcome } = startProcess(node, ['-e', 'setTimeout(() => {}, 60_000)'], { ...base, signal: controller.signal });
    expect(await outcome).toMatchObject({ signal: 'SIGTERM', canceled: true, timedOut: false });
  });

  it('says why a binary could not be started', async () => {
    const { child, outcome } = startProcess('no-such-tool-bioq', [], base);
    expect(child.pid).toBeUndefined();
    expect(await outcome).toEqual({ exitCode: undefined, signal: undefined, spawnError: 'spawn no-such-tool-bioq ENOENT', timedOut: false, forcefullyTerminated: false, canceled: false });
  });
});
