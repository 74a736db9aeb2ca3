// Watches a running step against the job's resource limits and stops it at the first one passed:
// the memory of its processes, the size of its outputs, the disk use of the work dir. The step
// then fails naming the limit (job-limits.ts); runPipeline calls prepare() before it starts the
// processes and watch() once they run.
//
// Memory, by what the host offers:
// - cgroup v2 with a delegated memory controller (memory-cgroup.ts): the kernel enforces
//   memory.max for the whole group and says in memory.events when it killed for it.
// - Otherwise (cgroup v1 or hybrid hosts, unprivileged containers) the processes' resident
//   memory is read from /proc every MEMORY_SAMPLE_MS (process-memory.ts) and the groups are
//   killed past the limit. That is the verdict this module can always name. An rlimit alone
//   cannot do it: RLIMIT_AS counts address space, so BLAST (which mmaps its database) and any
//   tool that reserves more than it touches would fail far below the limit; RLIMIT_DATA counts
//   private writable reservations per process, not the job's resident total, and a tool that
//   hits it fails in its own words (tried here: blastn "BLAST engine error: Unknown error code
//   -1", mafft's disttbfast a segfault, fastp std::bad_alloc), which no message can blame on
//   the limit. So `prlimit --data` is only a backstop at four times the limit, for an
//   allocation faster than the sampling interval (fastp takes 1.1 GiB at once). Not closer:
//   reservations run well ahead of use (mafft with two threads holding 70 MiB failed its
//   allocations under a 120 MiB RLIMIT_DATA, blastn holding 85 MiB under 80 MiB).
//   Nor where it could never act: a ceiling at or above all the machine's memory (RAM and swap,
//   machine-memory.ts) is not reached by memory a process uses, the machine runs out first. The
//   default limit (90 % of RAM, a ceiling of 3.6 times RAM) is such a case, where the wrapper
//   cost every process of every job an exec of prlimit (~0.8 ms of CPU) for nothing.
import type { Logger } from '../src/logger.js';
import { machineMemoryBytes } from '../src/system/machine-memory.js';
import { rememberedPathLookup } from '../src/system/remembered-path.js';
import type { Argv } from '../tools/define-tool.js';
import type { Limit, LimitBreach } from './job-limits.js';
import { createJobCgroup, type JobCgroup } from './memory-cgroup.js';
import { groupMemorySampler } from './process-memory.js';
import { diskUsage, outputsSize } from './work-dir-usage.js';

/** What runPipeline asks of the limits around one run. */
export interface RunGuard {
  /** The memory limit when it is backed by a per-process rlimit, whose failures are the tool's own words (tool-failure.ts reads them). */
  readonly memoryBackstop: Limit | undefined;
  /** The argv each process is started with (a memory backstop in front of the tool). */
  prepare(pipeline: readonly Argv[]): Promise<Argv[]>;
  /** Starts watching the started process groups (in pipeline order); stopAll kills them. */
  watch(pgids: readonly number[], stopAll: () => void): Promise<GuardWatch>;
}

export interface GuardWatch {
  /** Ends the watch once the processes have ended (a last look at the disk) and says which limit was passed, if one was. */
  stop(): Promise<LimitBreach | undefined>;
}

export interface ResourceGuardOptions {
  memory?: Limit | undefined;
  /** Where job cgroups are made when the kernel enforces memory (memory-cgroup.ts); unset: watched here. */
  cgroupParent?: string | undefined;
  workDir?: { dir: string; limit: Limit } | undefined;
  outputs?: { dir: string; names: readonly string[]; limit: Limit } | undefined;
  /** The PATH the tools are found on; default: this process's, which they are started with (launch-pipeline.ts). */
  searchPath?: string | undefined;
  /** RAM plus swap, which a backstop must be under to act; default: this machine's (machine-memory.ts). */
  machineMemoryBytes?: number | undefined;
  log: Logger;
}

const MEMORY_SAMPLE_MS = 250;
const DISK_SAMPLE_MS = 1000;
const BACKSTOP_FACTOR = 4;
// Every run asks where prlimit and the tool are: remembered for the process (remembered-path.ts).
const findOnPath = rememberedPathLookup();

export function resourceGuard(options: ResourceGuardOptions): RunGuard {
  const { log } = options;
  const backstop = options.memory && !options.cgroupParent ? backstopCeiling(options.memory, options.machineMemoryBytes ?? machineMemoryBytes()) : undefined;
  return {
    memoryBackstop: backstop === undefined ? undefined : options.memory,
    async prepare(pipeline) {
      if (backstop === undefined) return pipeline.map((argv) => [...argv]);
      const searchPath = options.searchPath ?? process.env.PATH ?? '';
      const prlimit = await findOnPath('prlimit', searchPath);
      return Promise.all(
        pipeline.map(async (argv) => {
          // A binary that is not there is left to fail as missing, not as prlimit's complaint.
          if (!prlimit || !(await findOnPath(argv[0]!, searchPath))) return [...argv];
          return [prlimit, `--data=${backstop}`, '--', ...argv];
        }),
      );
    },
    async watch(pgids, stopAll) {
      let breach: LimitBreach | undefined;
      const found = (b: LimitBreach) => {
        if (breach) return;
        breach = b;
        log.warn({ limit: b.kind, allowed: b.limit.bytes, observed: b.observed }, 'a resource limit was passed: stopping the tool');
        stopAll();
      };
      const cgroup = options.memory && options.cgroupParent ? await joinCgroup(options.cgroupParent, options.memory.bytes, pgids, log) : undefined;
      const memorySampler = groupMemorySampler(pgids);
      const memoryCheck = async () => {
        const memory = options.memory;
        if (!memory) return;
        if (cgroup) {
          if ((await cgroup.oomKills()) > 0) found({ kind: 'memory', limit: memory, observed: await cgroup.peak(), stopped: true });
          return;
        }
        const sample = memorySampler.sample();
        if (sample.total > memory.bytes) found({ kind: 'memory', limit: memory, observed: sample.total, culprit: largest(pgids, sample.byGroup), stopped: true });
      };
      const diskCheck = async (stopped: boolean) => {
        if (options.outputs) {
          const size = outputsSize(options.outputs.dir, options.outputs.names);
          if (size > options.outputs.limit.bytes) return found({ kind: 'output', limit: options.outputs.limit, observed: size, stopped });
        }
        if (options.workDir) {
          const used = await diskUsage(options.workDir.dir);
          if (used > options.workDir.limit.bytes) found({ kind: 'work_dir', limit: options.workDir.limit, observed: used, stopped });
        }
      };
      const nap = wakeableNap(MEMORY_SAMPLE_MS);
      const loop = (async () => {
        let lastDisk = Date.now();
        while (!breach) {
          if (!(await nap.sleep())) return;
          await memoryCheck();
          if (!breach && Date.now() - lastDisk >= DISK_SAMPLE_MS) {
            await diskCheck(true);
            lastDisk = Date.now();
          }
        }
      })().catch((err: unknown) => log.warn({ err }, 'resource limits: a check failed; the run goes on unwatched'));
      let stopped: Promise<LimitBreach | undefined> | undefined;
      return {
        stop() {
          stopped ??= (async () => {
            nap.end();
            await loop;
            try {
              // A tool that ended between two samples is measured once more: its outputs stay
              // and are what the limit is for; the kernel may have killed for memory meanwhile.
              if (!breach && cgroup) await memoryCheck();
              if (!breach) await diskCheck(false);
            } finally {
              await cgroup?.remove();
            }
            return breach;
          })();
          return stopped;
        },
      };
    },
  };
}

// The watch loop's pause between samples, which end() cuts short for good. A plain timer: an
// abortable sleep, aborted at every run's end, made a DOMException and an AbortError with their
// stacks, the largest part of the end of a tiny job's watch in a CPU profile (issue 11).
function wakeableNap(ms: number): { sleep(): Promise<boolean>; end(): void } {
  let ended = false;
  let wake: (() => void) | undefined;
  return {
    /** True after a full pause; false once ended (at once, or cut short). */
    sleep() {
      if (ended) return Promise.resolve(false);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), ms);
        wake = () => {
          clearTimeout(timer);
          resolve(false);
        };
      });
    },
    end() {
      ended = true;
      wake?.();
    },
  };
}

// Processes are moved in once started; what they fork from then on is born inside. (Node has no
// way to start a child inside a cgroup, and a tool's first fork comes after its own start-up.)
async function joinCgroup(parent: string, limitBytes: number, pgids: readonly number[], log: Logger): Promise<JobCgroup | undefined> {
  try {
    const cgroup = await createJobCgroup(parent, limitBytes, log);
    for (const pid of pgids) await cgroup.add(pid).catch((err: unknown) => log.debug({ err, pid }, 'cgroup: a process ended before it could be moved in'));
    return cgroup;
  } catch (err) {
    log.warn({ err }, 'could not make a cgroup for the job: its memory is not limited');
    return undefined;
  }
}

// The rlimit a process starts under, or undefined where none is worth an exec (see the top of this file).
function backstopCeiling(memory: Limit, machineBytes: number): number | undefined {
  const ceiling = memory.bytes * BACKSTOP_FACTOR;
  return ceiling < machineBytes ? ceiling : undefined;
}

function largest(pgids: readonly number[], byGroup: ReadonlyMap<number, number>): number | undefined {
  let best: number | undefined;
  for (const [i, pgid] of pgids.entries()) if (best === undefined || (byGroup.get(pgid) ?? 0) > (byGroup.get(pgids[best]!) ?? 0)) best = i;
  return best;
}
