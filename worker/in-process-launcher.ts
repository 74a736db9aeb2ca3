// The processes of a step started by this process itself (launch-pipeline.ts). Not what a worker
// uses when it can help it: Node's spawn forks the whole process that calls it, and the fork of
// a server holding ~150 MB took 8–11 ms of its main thread a tool, against about 1 ms from a
// small process (bench/RESULTS.md, issue 11); the tool spawner (tool-spawner.ts) is that small
// process. This one serves the tests of the step runner and a worker whose spawner cannot start.
import { createRequire } from 'node:module';
import { launchPipeline, signalGroups, signalLeader, type ProcessEnd } from './launch-pipeline.js';
import type { LaunchedProcess, LaunchedRun, ToolLauncher } from './tool-launcher.js';

const require = createRequire(import.meta.url);

export const inProcessLauncher: ToolLauncher = {
  async launch(spec) {
    const settle: ((end: ProcessEnd) => void)[] = [];
    const ends = spec.pipeline.map((_, i) => new Promise<ProcessEnd>((resolve) => (settle[i] = resolve)));
    const launched = launchPipeline(require, spec, (i, end) => settle[i]!(end));
    const processes: LaunchedProcess[] = launched.children.map((child, i) => ({
      pid: child.pid,
      ended: ends[i]!,
      kill: (signal) => signalLeader(child, signal),
    }));
    const run: LaunchedRun = { processes, signalGroups: (signal) => signalGroups(launched.openGroups(), signal) };
    return run;
  },
};
