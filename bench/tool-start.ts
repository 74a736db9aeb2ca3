// What starting one tool costs the worker (issue 11): the same `blastn -version` launched N times
// by the worker's tool spawner (worker/tool-spawner.ts) and by this process itself
// (worker/in-process-launcher.ts, how every tool was started before), in turn, from a process
// that holds as much resident memory as a server with its embedded worker does (--hold-mib,
// default 150). Node's spawn forks the process that calls it, on its main thread, so the size of
// that process is what is measured against.
//
//   npm run build && node dist/bench/tool-start.js [--runs 200] [--hold-mib 150]
//
// Per launch: how long the main thread was busy in the call (the event loop could do nothing
// else), how long until the pids were known (the step goes on from there), until the tool had
// ended, and the CPU of this process and of its spawner. Every run's stdout is checked to be
// blastn's version line, so a launcher that starts nothing cannot look fast.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../src/logger.js';
import { inProcessLauncher } from '../worker/in-process-launcher.js';
import type { ToolLauncher } from '../worker/tool-launcher.js';
import { startToolSpawner } from '../worker/tool-spawner.js';
import { check, progress } from './support/bench-checks.js';
import { wholeNumberFlag } from './support/bench-flags.js';
import { childProcessesCpuMs, ownCpuMs } from './support/proc-cpu.js';
import { figures, formatTable, type Row } from './support/stats.js';

interface Sample {
  callMs: number;
  pidsMs: number;
  endMs: number;
}

async function launchOnce(launcher: ToolLauncher, cwd: string, n: number): Promise<Sample> {
  const out = path.join(cwd, `out-${n}`);
  const t0 = performance.now();
  const launching = launcher.launch({ pipeline: [['blastn', '-version']], cwd, env: {}, stderrPaths: [path.join(cwd, `err-${n}`)], stdoutPath: out });
  const t1 = performance.now();
  const run = await launching;
  const t2 = performance.now();
  const end = await run.processes[0]!.ended;
  const t3 = performance.now();
  check(end.exitCode === 0, `blastn -version ended ${JSON.stringify(end)}`);
  const text = await fs.readFile(out, 'utf8');
  check(text.startsWith('blastn: '), `blastn -version wrote ${JSON.stringify(text.slice(0, 40))}`);
  await fs.rm(out);
  await fs.rm(path.join(cwd, `err-${n}`));
  return { callMs: t1 - t0, pidsMs: t2 - t0, endMs: t3 - t0 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string' }, 'hold-mib': { type: 'string' } } });
  const runs = wholeNumberFlag('runs', values.runs, 200, 10_000);
  const holdMib = wholeNumberFlag('hold-mib', values['hold-mib'], 150, 4096);
  // Resident, not only reserved: every page written once.
  const held = Array.from({ length: holdMib }, () => Buffer.alloc(1 << 20, 1));
  const cwd = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-tool-start-'));
  const spawner = startToolSpawner(createLogger('silent'));
  try {
    const launchers: [string, ToolLauncher][] = [
      ['tool spawner', spawner],
      ['this process', inProcessLauncher],
    ];
    const samples = new Map<string, Sample[]>(launchers.map(([name]) => [name, []]));
    const cpu = new Map<string, number>(launchers.map(([name]) => [name, 0]));
    // Warm-up: both paths compiled, the spawner started, blastn's files in the page cache.
    for (const [, launcher] of launchers) for (let i = 0; i < 10; i++) await launchOnce(launcher, cwd, -1 - i);
    progress(`${runs} launches of blastn -version by each, in turn, from a process holding ${holdMib} MiB`);
    for (let i = 0; i < runs; i++) {
      for (const [name, launcher] of launchers) {
        const before = ownCpuMs() + childProcessesCpuMs(process.pid);
        samples.get(name)!.push(await launchOnce(launcher, cwd, i));
        cpu.set(name, cpu.get(name)! + ownCpuMs() + childProcessesCpuMs(process.pid) - before);
      }
    }
    const rows: Row[] = [];
    for (const [name] of launchers) {
      const s = samples.get(name)!;
      rows.push({ label: `${name}: main thread busy in the call`, figures: figures(s.map((x) => x.callMs)) });
      rows.push({ label: `${name}: until the pids are known`, figures: figures(s.map((x) => x.pidsMs)) });
      rows.push({ label: `${name}: until blastn has ended`, figures: figures(s.map((x) => x.endMs)) });
    }
    console.log(`bio-mcp-queue tool start — ${new Date().toISOString()}`);
    console.log(`command: node dist/bench/tool-start.js ${process.argv.slice(2).join(' ')}`.trimEnd());
    console.log(`machine: ${os.cpus().length} CPUs, Node ${process.version}; this process ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB resident; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`checked: every launch's stdout was blastn's version line, exit 0`);
    for (const [name] of launchers) console.log(`CPU a launch (this process + its spawner, not blastn): ${name} ${(cpu.get(name)! / runs).toFixed(2)} ms`);
    console.log('');
    console.log(formatTable(rows));
    held.length = 0;
  } finally {
    await spawner.close();
    await fs.rm(cwd, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
