// The step runner against real processes that misbehave on demand: ignoring SIGTERM, leaving
// grandchildren, failing with a message, dying mid-pipeline. No real tool does these when asked.
// Every case runs with each launcher: the worker's tool spawner and this process.
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { runPipeline } from '../../worker/run-pipeline.js';
import { toolFailure } from '../../worker/tool-failure.js';
import { inProcessLauncher } from '../../worker/in-process-launcher.js';
import type { ToolLauncher } from '../../worker/tool-launcher.js';
import { useSpawnerAndFolder } from '../support/tool-spawner-fixture.js';
import { isProcessAlive } from '../../src/system/process-alive.js';

const BIN = path.join(import.meta.dirname, '..', 'fixtures', 'bin');
const log = createLogger('silent');
const node = process.execPath;
const fx = useSpawnerAndFolder('bioq-run-pipeline-');

const common = { env: {}, softTimeoutMs: 60_000, hardTimeoutMs: 120_000, log };
const failureContext = { label: 'testing', rules: [], params: {}, installOf: () => undefined, limits: { softTimeoutMs: 60_000, hardTimeoutMs: 120_000 } };

describe.each([
  ['the tool spawner', () => fx.spawner as ToolLauncher],
  ['this process', () => inProcessLauncher],
])('runPipeline, the processes started by %s', (_, launcher) => {
  // Spread in each case, when the spawner has started.
  const base = {
    ...common,
    get launcher() {
      return launcher();
    },
  };

  it('reports the exit code and the tail of stderr', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'exit-with.mjs'), '3', 'first line', 'Error: bad things']] });
    expect(run.end).toBe('exited');
    expect(run.processes).toEqual([
      { argv: [node, path.join(BIN, 'exit-with.mjs'), '3', 'first line', 'Error: bad things'], exitCode: 3, signal: null, stderrTail: 'first line\nError: bad things' },
    ]);
    expect(toolFailure(run, failureContext)?.message).toBe(`${node} exited with code 3: first line\nError: bad things`);
  });

  it('passes arguments as they are, never through a shell', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'exit-with.mjs'), '0', '$(touch pwned); `id` > x | y']] });
    expect(run.processes[0]!.stderrTail).toBe('$(touch pwned); `id` > x | y');
    await expect(fs.readdir(fx.cwd)).resolves.toEqual([]);
  });

  it('writes stdout to the named file in the work dir', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, '-e', 'console.log("to the file")']], stdoutFile: 'out.txt' });
    expect(run.processes[0]!.exitCode).toBe(0);
    expect(await fs.readFile(path.join(fx.cwd, 'out.txt'), 'utf8')).toBe('to the file\n');
    await fs.rm(path.join(fx.cwd, 'out.txt'));
  });

  it('also writes every process\'s stderr to the log file a step names', async () => {
    const run = await runPipeline({
      ...base,
      cwd: fx.cwd,
      pipeline: [
        [node, '-e', 'console.error("from the first"); console.log("data")'],
        [node, '-e', 'process.stdin.resume(); process.stdin.on("end", () => console.error("from the second"))'],
      ],
      stderrFile: 'steps.log',
    });
    expect(run.processes.map((p) => p.exitCode)).toEqual([0, 0]);
    expect((await fs.readFile(path.join(fx.cwd, 'steps.log'), 'utf8')).split('\n').sort()).toEqual(['', 'from the first', 'from the second']);
    await fs.rm(path.join(fx.cwd, 'steps.log'));
  });

  it('feeds each process the stdout of the one before', async () => {
    const run = await runPipeline({
      ...base,
      cwd: fx.cwd,
      pipeline: [
        [node, '-e', 'for (let i = 1; i <= 50000; i++) console.log(i)'],
        [node, '-e', 'let n = 0; process.stdin.on("data", (c) => { n += c.toString().split("\\n").length - 1 }); process.stdin.on("end", () => console.log(n))'],
      ],
      stdoutFile: 'count.txt',
    });
    expect(run.processes.map((p) => p.exitCode)).toEqual([0, 0]);
    expect(await fs.readFile(path.join(fx.cwd, 'count.txt'), 'utf8')).toBe('50000\n');
    await fs.rm(path.join(fx.cwd, 'count.txt'));
  });

  // cat writes its whole file the moment it runs, before the runner's next await: a producer that
  // fast once lost its first bytes whenever execa (buffer: false) resumed its unread stdout first.
  it('loses none of the bytes a producer writes at once, before the pipe is joined', async () => {
    const lines = Array.from({ length: 40_000 }, (_, i) => `read_${i}\tACGTACGTACGTACGTACGTACGTACGTACGTACGT`);
    const source = path.join(fx.cwd, 'source.txt');
    await fs.writeFile(source, `${lines.join('\n')}\n`);
    const expected = await fs.readFile(source);
    for (let run = 0; run < 10; run++) {
      const result = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [['cat', source], ['cat']], stdoutFile: 'copy.txt' });
      expect(result.processes.map((p) => p.exitCode)).toEqual([0, 0]);
      const copy = await fs.readFile(path.join(fx.cwd, 'copy.txt'));
      expect(copy.length, `run ${run}`).toBe(expected.length);
      expect(copy.equals(expected), `run ${run}`).toBe(true);
    }
    await fs.rm(source);
    await fs.rm(path.join(fx.cwd, 'copy.txt'));
  });

  it('blames the consumer that failed, not the producer it left writing into a closed pipe', async () => {
    const run = await runPipeline({
      ...base,
      cwd: fx.cwd,
      pipeline: [
        // coreutils' yes writes forever and, like bwa, fails once nobody reads (EPIPE: Node's
        // children inherit SIGPIPE ignored, and their pipes are socket pairs).
        ['yes', 'ACGT'],
        [node, path.join(BIN, 'exit-with.mjs'), '1', '[bam_sort_core] truncated file. Aborting.'],
      ],
    });
    expect(run.processes.map((p) => p.exitCode)).toEqual([1, 1]);
    expect(run.processes[0]!.stderrTail).toMatch(/Broken pipe|Connection reset/);
    expect(toolFailure(run, failureContext)?.message).toBe(`${node} exited with code 1: [bam_sort_core] truncated file. Aborting.`);
    expect(toolFailure(run, failureContext)?.details.command).toEqual([node, path.join(BIN, 'exit-with.mjs'), '1', '[bam_sort_core] truncated file. Aborting.']);
  });

  it('says when the binary does not exist, with how to install it', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [['no-such-tool-bioq', '-version']] });
    expect(run.processes[0]!.spawnError).toMatch(/ENOENT/);
    expect(run.processes[0]!.exitCode).toBeNull();
    const failure = toolFailure(run, { ...failureContext, installOf: () => ({ apt: 'bioq-tools', brew: 'bioq', conda: 'bioconda bioq' }) });
    expect(failure?.code).toBe('tool_missing');
    expect(failure?.message).toBe(
      'no-such-tool-bioq is not installed on this worker: To install no-such-tool-bioq, run one of:\n  Debian/Ubuntu: sudo apt-get install -y bioq-tools\n  macOS:         brew install bioq\n  conda:         conda install -c bioconda bioq',
    );
  });

  it('treats a complaint on stderr as failure when the tool exits 0 anyway, without colour codes', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'exit-with.mjs'), '0', '\u001b[31m[ERRO]\u001b[0m reads.fq: fastx: invalid FASTA/Q format']] });
    const failure = toolFailure(run, { ...failureContext, failsOnStderr: /\[ERRO\]/ });
    expect(failure?.message).toBe(`${node} reported an error although it exited 0: [ERRO] reads.fq: fastx: invalid FASTA/Q format`);
    expect(toolFailure(run, failureContext)).toBeUndefined();
  });

  it('blames the named input when the message is one the definition knows', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'exit-with.mjs'), '1', '[E::bwa_idx_load] fail to locate the index files']] });
    const rules = [{ when: /fail to locate the index/, field: 'reference', message: () => 'reference: no bwa index' }];
    const failure = toolFailure(run, { ...failureContext, rules });
    expect(failure?.code).toBe('input_invalid');
    expect(failure?.details.field).toBe('reference');
    expect(failure?.message).toBe(`reference: no bwa index (${node}: [E::bwa_idx_load] fail to locate the index files)`);
  });

  it('quotes the line a rule recognised without its colour codes, also when the tool exited 0', async () => {
    const warning = '[W::mm_bseq_read_frag2]\u001b[1;31m query files have different number of records; extra records skipped.\u001b[0m';
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'exit-with.mjs'), '0', '[M::main] Version: 2.24-r1122', warning]] });
    const rules = [{ when: /query files have different number of records/, field: 'reads_2', message: () => 'reads_2: not as many reads as reads' }];
    const failure = toolFailure(run, { ...failureContext, rules, failsOnStderr: /query files have different number of records/ });
    expect(failure?.details.field).toBe('reads_2');
    expect(failure?.message).toBe(`reads_2: not as many reads as reads (${node}: [W::mm_bseq_read_frag2] query files have different number of records; extra records skipped.)`);
  });

  it('escalates to SIGKILL at the hard limit when the tool ignores SIGTERM', async () => {
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'ignore-sigterm.mjs')]], softTimeoutMs: 2000, hardTimeoutMs: 3500 }); // the soft limit leaves node time to start and install its handler, even on a busy machine
    expect(run.end).toBe('hard-timeout');
    expect(run.processes[0]!.signal).toBe('SIGKILL');
    expect(run.processes[0]!.stderrTail).toBe('started\nignoring SIGTERM');
    expect(toolFailure(run, failureContext)?.message).toBe(`${node} ran longer than the 120 s time limit and was stopped`);
  });

  it("kills what a process left running in its group as it ends, while the rest of the pipeline still runs", async () => {
    // The first leaves a grandchild that ignores SIGTERM in its group, names it on stdout and
    // exits; the second reads the name and ends only once that grandchild is gone (a zombie
    // counts as gone). Were the group killed only when the whole run ended, the second would
    // wait for its soft time limit.
    const leaver = 'const c = require("node:child_process").spawn(process.execPath, ["-e", "process.on(\'SIGTERM\', () => {}); setInterval(() => {}, 1000)"], { stdio: "ignore" }); c.unref(); console.log(c.pid)';
    const waiter = [
      'let text = ""; process.stdin.on("data", (d) => (text += d));',
      'process.stdin.on("end", () => { const pid = Number(text.trim());',
      '  const gone = () => { try { return require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1][0] === "Z"; } catch { return true; } };',
      '  const t = setInterval(() => { if (gone()) { clearInterval(t); console.log("gone"); } }, 20); });',
    ].join('\n');
    const run = await runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, '-e', leaver], [node, '-e', waiter]], stdoutFile: 'gone.txt', softTimeoutMs: 30_000, hardTimeoutMs: 35_000 });
    expect(run.end).toBe('exited');
    expect(run.processes.map((p) => p.exitCode)).toEqual([0, 0]);
    expect(await fs.readFile(path.join(fx.cwd, 'gone.txt'), 'utf8')).toBe('gone\n');
    await fs.rm(path.join(fx.cwd, 'gone.txt'));
  });

  it('kills the whole process group on abort, grandchildren included', async () => {
    const controller = new AbortController();
    const pidFile = path.join(fx.cwd, 'pid.txt');
    const running = runPipeline({ ...base, cwd: fx.cwd, pipeline: [[node, path.join(BIN, 'spawn-grandchild.mjs')]], stdoutFile: 'pid.txt', signal: controller.signal });
    let grandchild = 0;
    while (!grandchild) {
      grandchild = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await isProcessAlive(grandchild)).toBe(true);
    controller.abort();
    const run = await running;
    expect(run.end).toBe('aborted');
    expect(toolFailure(run, failureContext)?.code).toBe('cancelled');
    // The grandchild ignores SIGTERM; the runner's final SIGKILL to the group ends it.
    for (let i = 0; i < 50 && (await isProcessAlive(grandchild)); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await isProcessAlive(grandchild)).toBe(false);
    await fs.rm(pidFile);
  });
});
