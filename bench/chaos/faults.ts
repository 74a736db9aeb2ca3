// The faults, injected one at a time as the clients' jobs finish (the clients never run more than
// a little ahead of them, so each fault strikes a busy system): worker SIGKILLs spread over the
// run (every other one aimed at a worker running the slow blastn, so its tool would outlive it
// for seconds; the rest at any worker running a tool), `serve` SIGKILLs, and a Redis SHUTDOWN
// and restart from its AOF. After each worker kill, whatever still runs in the dead worker's
// folder once the grace period is over is an orphan; then a replacement worker starts.
import type { ChaosCluster, Member } from './cluster.js';
import { processesUnder, type LiveProcess } from './proc-scan.js';
import type { Random } from './random.js';
import type { ChaosSettings } from './settings.js';

export type FaultKind = 'worker' | 'serve' | 'redis';

export interface PlannedFault {
  /** Share of the submissions finished before it strikes. */
  at: number;
  kind: FaultKind;
}

export interface WorkerKill {
  pid: number;
  /** What the worker was doing when killed. */
  hit: 'slow tool' | 'tool' | 'no tool';
  tools: LiveProcess[];
  /** Its tools still alive after the grace period. */
  orphans: LiveProcess[];
}

export interface FaultLog {
  workerKills: WorkerKill[];
  serveKills: { slot: number; pid: number }[];
  redisRestarts: { downMs: number }[];
  /** Faults the run ended before (deadline): they did not happen. */
  skipped: FaultKind[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLOW_TOOL = /-word_size 4\b/;
const VICTIM_WAIT_MS = 3000;

export function planFaults(settings: ChaosSettings, random: Random): PlannedFault[] {
  const faults: PlannedFault[] = [];
  const k = settings.workerKills;
  // Between 4 % and 80 % of the work, so the last ones still land while jobs run.
  for (let i = 0; i < k; i++) faults.push({ kind: 'worker', at: 0.04 + (0.76 * (i + random.next())) / k });
  const serveAt = [0.3, 0.65];
  for (let i = 0; i < settings.serveKills; i++) faults.push({ kind: 'serve', at: serveAt[i % serveAt.length]! + 0.02 * Math.floor(i / serveAt.length) });
  for (let i = 0; i < settings.redisRestarts; i++) faults.push({ kind: 'redis', at: 0.5 + 0.05 * i });
  return faults.sort((a, b) => a.at - b.at);
}

export interface FaultDeps {
  cluster: ChaosCluster;
  workRoot: string;
  random: Random;
  graceMs: number;
  /** Share of the submissions finished, 0–1. */
  progress(): number;
  deadline: number;
  say(line: string): void;
}

async function toolsOf(deps: FaultDeps, worker: Member): Promise<LiveProcess[]> {
  const tools = await processesUnder(deps.cluster.workerFolderPrefix(deps.workRoot, worker.pid));
  return tools.filter((p) => !deps.cluster.ownPids.has(p.pid));
}

// A worker to kill: one running the slow tool when wanted (waiting a little for one), else one
// running any tool, else any.
async function chooseVictim(deps: FaultDeps, wantSlow: boolean): Promise<{ worker: Member; hit: WorkerKill['hit']; tools: LiveProcess[] }> {
  const until = Date.now() + VICTIM_WAIT_MS;
  for (;;) {
    const busy: { worker: Member; tools: LiveProcess[] }[] = [];
    for (const worker of deps.cluster.workers) {
      const tools = await toolsOf(deps, worker);
      if (tools.length > 0) busy.push({ worker, tools });
    }
    const slow = busy.filter((b) => b.tools.some((t) => SLOW_TOOL.test(t.cmd)));
    if (slow.length > 0 && wantSlow) return { ...deps.random.pick(slow), hit: 'slow tool' };
    if (Date.now() > until || !wantSlow) {
      if (busy.length > 0) {
        const b = deps.random.pick(busy);
        return { ...b, hit: b.tools.some((t) => SLOW_TOOL.test(t.cmd)) ? 'slow tool' : 'tool' };
      }
      if (Date.now() > until) return { worker: deps.random.pick(deps.cluster.workers), hit: 'no tool', tools: [] };
    }
    await sleep(100);
  }
}

async function killWorker(deps: FaultDeps, n: number): Promise<WorkerKill> {
  const { worker, hit, tools } = await chooseVictim(deps, n % 2 === 0);
  await deps.cluster.kill(worker);
  // A worker's tool spawner kills the tools of a dead worker at once; anything still there after the grace is
  // left to run on its own.
  await sleep(deps.graceMs);
  const orphans = await toolsOf(deps, worker);
  deps.say(`worker ${worker.slot} (pid ${worker.pid}) SIGKILLed with ${hit === 'no tool' ? 'no tool running' : `${tools.length} tool process(es) running`}; ${orphans.length} still alive ${deps.graceMs} ms later`);
  await deps.cluster.startWorker(worker.slot);
  return { pid: worker.pid, hit, tools, orphans };
}

export interface FaultRun {
  log: Promise<FaultLog>;
  /** The share of finished submissions the next fault waits for; Infinity once all have struck. */
  nextAt(): number;
}

export function injectFaults(plan: readonly PlannedFault[], deps: FaultDeps): FaultRun {
  let next = 0;
  const log = injectInOrder(plan, deps, (i) => (next = i));
  void log.finally(() => (next = plan.length)).catch(() => undefined);
  return { log, nextAt: () => plan[next]?.at ?? Infinity };
}

async function injectInOrder(plan: readonly PlannedFault[], deps: FaultDeps, starting: (i: number) => void): Promise<FaultLog> {
  const log: FaultLog = { workerKills: [], serveKills: [], redisRestarts: [], skipped: [] };
  for (const [i, fault] of plan.entries()) {
    starting(i);
    while (deps.progress() < fault.at && Date.now() < deps.deadline) await sleep(100);
    if (Date.now() >= deps.deadline) {
      log.skipped.push(...plan.slice(i).map((f) => f.kind));
      break;
    }
    switch (fault.kind) {
      case 'worker':
        log.workerKills.push(await killWorker(deps, log.workerKills.length));
        break;
      case 'serve': {
        const slot = log.serveKills.length % deps.cluster.serves.length;
        const victim = deps.cluster.serves[slot]!;
        await deps.cluster.kill(victim);
        await deps.cluster.startServe(slot, victim.port);
        deps.say(`serve ${slot} (pid ${victim.pid}) SIGKILLed and restarted on port ${victim.port}`);
        log.serveKills.push({ slot, pid: victim.pid });
        break;
      }
      case 'redis': {
        const downMs = await deps.cluster.restartRedis();
        deps.say(`redis-server shut down and restarted from its AOF (${downMs.toFixed(0)} ms away)`);
        log.redisRestarts.push({ downMs });
        break;
      }
    }
  }
  return log;
}
