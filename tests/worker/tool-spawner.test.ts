// The tool spawner (tool-spawner.ts) when it is lost: a spawner killed while its tool runs ends
// that run as lost (the step fails as an infrastructure failure, which the job's retry covers),
// the tool's whole group is killed rather than left running unwatched, and the next run gets a
// new spawner. One that cannot start at all leaves the worker to start its tools itself. What it
// does when the worker dies is tested through real workers (tests/worker/drain-and-retry.test.ts,
// tests/pipelines/worker-killed-in-a-step.test.ts).
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { isProcessAlive } from '../../src/system/process-alive.js';
import { runPipeline } from '../../worker/run-pipeline.js';
import { pino } from 'pino';
import { startToolSpawner, type ToolSpawner } from '../../worker/tool-spawner.js';
import { useSpawnerAndFolder } from '../support/tool-spawner-fixture.js';

const BIN = path.join(import.meta.dirname, '..', 'fixtures', 'bin');
const log = createLogger('silent');
const node = process.execPath;
const fx = useSpawnerAndFolder('bioq-tool-spawner-');

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && (await isProcessAlive(pid)); i++) await new Promise((r) => setTimeout(r, 20));
  return !(await isProcessAlive(pid));
}

describe('a tool spawner that dies', () => {
  it('ends its running tool as lost, kills its group, and the next run starts a new spawner', async () => {
    const pidFile = path.join(fx.cwd, 'pid.txt');
    const running = runPipeline({ pipeline: [[node, path.join(BIN, 'spawn-grandchild.mjs')]], cwd: fx.cwd, env: {}, stdoutFile: 'pid.txt', softTimeoutMs: 60_000, hardTimeoutMs: 120_000, launcher: fx.spawner, log });
    let grandchild = 0;
    while (!grandchild) {
      grandchild = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
      await new Promise((r) => setTimeout(r, 20));
    }
    const first = fx.spawner.pid!;
    expect(await isProcessAlive(first)).toBe(true);
    process.kill(first, 'SIGKILL');
    await expect(running).rejects.toThrow(new RegExp(`^${node}: the tool spawner \\(pid ${first}\\) exited \\(code null, signal SIGKILL\\) while the tool ran; its process group was killed$`));
    // The grandchild ignores SIGTERM and has no parent left to wait for it: only the kill of its group ends it.
    expect(await gone(grandchild)).toBe(true);

    const next = await runPipeline({ pipeline: [[node, '-e', 'console.log("again")']], cwd: fx.cwd, env: {}, stdoutFile: 'again.txt', softTimeoutMs: 60_000, hardTimeoutMs: 120_000, launcher: fx.spawner, log });
    expect(next.processes[0]!.exitCode).toBe(0);
    expect(await fs.readFile(path.join(fx.cwd, 'again.txt'), 'utf8')).toBe('again\n');
    expect(fx.spawner.pid).toBeGreaterThan(0);
    expect(fx.spawner.pid).not.toBe(first);
  });

  it('that cannot start leaves the worker to start its tools itself, and says so once', async () => {
    const lines: string[] = [];
    const captured = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    // A flag the spawner's node refuses at once, as a broken NODE_OPTIONS would make every Node refuse it.
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = '--no-such-flag-bioq';
    let broken: ToolSpawner;
    try {
      broken = startToolSpawner(captured);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    for (let i = 0; i < 250 && broken.pid !== undefined; i++) await new Promise((r) => setTimeout(r, 20));
    expect(broken.pid).toBeUndefined();
    for (const word of ['first', 'second']) {
      const run = await runPipeline({ pipeline: [[node, '-e', `console.log("${word}", process.ppid)`]], cwd: fx.cwd, env: {}, stdoutFile: `${word}.txt`, softTimeoutMs: 60_000, hardTimeoutMs: 120_000, launcher: broken, log });
      expect(run.processes[0]!.exitCode).toBe(0);
      // Started by this process: its parent is this process, not a spawner.
      expect(await fs.readFile(path.join(fx.cwd, `${word}.txt`), 'utf8')).toBe(`${word} ${process.pid}\n`);
    }
    const said = lines.map((line) => JSON.parse(line) as { msg: string; level: number }).filter((l) => l.msg.startsWith('the tool spawner could not start'));
    expect(said).toHaveLength(1);
    expect(said[0]!.level).toBe(50);
    await broken.close();
  });

  it('is stopped by close, and closing twice is harmless', async () => {
    const own = startToolSpawner(log);
    const pid = own.pid!;
    await own.close();
    expect(await gone(pid)).toBe(true);
    await own.close();
  });
});
