// One process and its limits (process-limits.ts), started by each launcher (the worker's tool
// spawner and this process), against real processes: what ended it is what its outcome says.
// run-pipeline.test.ts covers the same through whole steps (SIGKILL at the hard limit, the group
// killed on abort, a missing binary).
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inProcessLauncher } from '../../worker/in-process-launcher.js';
import { superviseProcess, type ProcessLimits } from '../../worker/process-limits.js';
import type { LaunchSpec, ToolLauncher } from '../../worker/tool-launcher.js';
import { useSpawnerAndFolder } from '../support/tool-spawner-fixture.js';

const node = process.execPath;
const limits: ProcessLimits = { softTimeoutMs: 60_000, forceKillAfterMs: 60_000 };
const fx = useSpawnerAndFolder('bioq-process-limits-');

let runs = 0;
function spec(argv: string[], more: Partial<LaunchSpec> = {}): LaunchSpec {
  runs += 1;
  return { pipeline: [argv], cwd: fx.cwd, env: {}, stderrPaths: [path.join(fx.cwd, `stderr-${runs}`)], ...more };
}

describe.each([
  ['the tool spawner', () => fx.spawner as ToolLauncher],
  ['this process', () => inProcessLauncher],
])('a process started by %s', (_, launcher) => {
  it('reports the exit code of a process that ends by itself, in its own process group', async () => {
    const out = path.join(fx.cwd, `group-${runs}`);
    // Its pid, and its process group's id: the third field after the name in /proc/self/stat.
    const program = 'const stat = require("node:fs").readFileSync("/proc/self/stat", "utf8"); console.log(process.pid, stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]); process.exitCode = 3';
    const run = await launcher().launch(spec([node, '-e', program], { stdoutPath: out }));
    const [started] = run.processes;
    expect(started!.pid).toBeGreaterThan(0);
    expect(await superviseProcess(started!, limits)).toEqual({ exitCode: 3, signal: undefined, timedOut: false, forcefullyTerminated: false, canceled: false });
    expect(await fs.readFile(out, 'utf8')).toBe(`${started!.pid} ${started!.pid}\n`);
  });

  it("gives the process its environment on top of this one's", async () => {
    const out = path.join(fx.cwd, `env-${runs}`);
    const run = await launcher().launch(spec([node, '-e', 'console.log(process.env.BIOQ_TEST_VALUE, typeof process.env.PATH)'], { env: { BIOQ_TEST_VALUE: 'given' }, stdoutPath: out }));
    expect((await superviseProcess(run.processes[0]!, limits)).exitCode).toBe(0);
    expect(await fs.readFile(out, 'utf8')).toBe('given string\n');
  });

  it('sends SIGTERM at the soft limit and says it timed out', async () => {
    const run = await launcher().launch(spec([node, '-e', 'setTimeout(() => {}, 60_000)']));
    expect(await superviseProcess(run.processes[0]!, { ...limits, softTimeoutMs: 300 })).toEqual({ exitCode: undefined, signal: 'SIGTERM', timedOut: true, forcefullyTerminated: false, canceled: false });
  });

  it('stops a process at once when the cancel came before it started', async () => {
    const controller = new AbortController();
    controller.abort();
    const run = await launcher().launch(spec([node, '-e', 'setTimeout(() => {}, 60_000)']));
    expect(await superviseProcess(run.processes[0]!, { ...limits, signal: controller.signal })).toMatchObject({ signal: 'SIGTERM', canceled: true, timedOut: false });
  });

  it('says why a binary could not be started', async () => {
    const run = await launcher().launch(spec(['no-such-tool-bioq']));
    expect(run.processes[0]!.pid).toBeUndefined();
    expect(await superviseProcess(run.processes[0]!, limits)).toEqual({ exitCode: undefined, signal: undefined, spawnError: 'spawn no-such-tool-bioq ENOENT', timedOut: false, forcefullyTerminated: false, canceled: false });
  });

  it('refuses an argv Node cannot pass, with nothing started', async () => {
    await expect(launcher().launch(spec([node, 'a\u0000b']))).rejects.toThrow(/null bytes/);
  });

  it('refuses a stderr file it cannot open', async () => {
    await expect(launcher().launch({ ...spec([node, '-e', '0']), stderrPaths: [path.join(fx.cwd, 'no-such-dir', 'stderr')] })).rejects.toThrow(/ENOENT/);
  });
});
