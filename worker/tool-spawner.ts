// The worker's tool spawner: a small Node process of its own that starts the worker's tools,
// hears how they end and signals them, on the worker's word over a pipe (one JSON line a
// message each way). Two reasons for it:
//
// - Speed. Node's spawn forks the process that calls it, on its main thread, and the cost grows
//   with what that process holds: 8–11 ms a tool from a server of ~150–230 MB resident, about
//   1 ms from this small process (bench/RESULTS.md, issue 11). A tiny job is ~60 ms of blastn.
// - Its tools outlive nothing. A worker killed outright (SIGKILL, the OOM killer) cannot stop
//   its tools, each in a process group of its own (so a cancel reaches a shell script's
//   children). The spawner holds the pipe from the worker: when it closes, however the worker
//   died, the spawner SIGKILLs the groups of every run still going, logs one line and exits.
//   (`setpriv --pdeathsig` would reach only the direct child, not the group.)
//
// Should the spawner itself die, the worker kills the groups it knows of, ends their runs as
// lost (run-pipeline.ts fails the step; the job is retried as an infrastructure failure) and
// starts another spawner for the next run. If no spawner can be started at all, the worker
// starts its tools itself (in-process-launcher.ts) and says so once.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import type { Logger } from '../src/logger.js';
import { inProcessLauncher } from './in-process-launcher.js';
import { launchPipeline, signalGroups, signalLeader, type LaunchedChildren, type LaunchSpec, type ProcessEnd } from './launch-pipeline.js';
import type { LaunchedEnd, LaunchedProcess, LaunchedRun, ToolLauncher } from './tool-launcher.js';

export interface ToolSpawner extends ToolLauncher {
  /** The pid of the spawner process now running, if one is (tests, and the log). */
  readonly pid: number | undefined;
  /** Ends the spawner once the worker has stopped its tools itself. */
  close(): Promise<void>;
}

// A spawner whose pipe has closed exits at once; this is for one that does not.
const CLOSE_GRACE_MS = 2000;

/** The message the spawner logs when it kills the groups of a dead worker's tools. */
export const WORKER_GONE_KILLED = 'worker gone: the tool spawner killed its tool process groups';

type Request = { op: 'launch'; id: number; spec: LaunchSpec } | { op: 'signal'; id: number; signal: NodeJS.Signals; index?: number };
type Reply = { ready: true } | { id: number; pids: (number | null)[] } | { id: number; error: string } | { id: number; index: number; end: ProcessEnd };

// The spawner's whole program, run with `node -e`. It must stand alone (no imports, nothing from
// this module's scope): it is shipped as its source text, with the functions it is given.
function spawnerProgram(
  require: NodeJS.Require,
  launch: typeof launchPipeline,
  toLeader: typeof signalLeader,
  toGroups: typeof signalGroups,
  workerPid: number,
  killedMessage: string,
): void {
  const runs = new Map<number, LaunchedChildren>();
  const send = (reply: Reply) => process.stdout.write(`${JSON.stringify(reply)}\n`);
  let done = false;
  const killAll = () => {
    if (done) return;
    done = true;
    const killed = [...runs.values()].flatMap((run) => toGroups(run.openGroups(), 'SIGKILL'));
    if (killed.length > 0) {
      const line = { level: 40, time: Date.now(), pid: process.pid, name: 'bio-mcp-queue', spawner: true, workerPid, pgids: killed, msg: killedMessage };
      process.stderr.write(`${JSON.stringify(line)}\n`, () => process.exit(0));
    } else {
      process.exit(0);
    }
  };
  const handle = (request: Request) => {
    if (request.op === 'signal') {
      const run = runs.get(request.id);
      if (!run) return; // it has ended
      if (request.index === undefined) toGroups(run.openGroups(), request.signal);
      else toLeader(run.children[request.index], request.signal);
      return;
    }
    let open = request.spec.pipeline.length;
    let launched: LaunchedChildren;
    try {
      // Every end comes later, from an event, so the run is known by then.
      launched = launch(require, request.spec, (index, end) => {
        open -= 1;
        if (open === 0) runs.delete(request.id);
        send({ id: request.id, index, end });
      });
    } catch (err) {
      send({ id: request.id, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    runs.set(request.id, launched);
    send({ id: request.id, pids: launched.pids });
  };
  let pending = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk: string) => {
    const lines = (pending + chunk).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let request: Request;
      try {
        request = JSON.parse(line) as Request;
      } catch {
        continue;
      }
      handle(request);
    }
  });
  process.stdin.on('end', killAll);
  process.stdin.on('close', killAll);
  process.stdin.on('error', killAll);
  process.stdout.on('error', killAll);
  send({ ready: true });
}

const SOURCE = `(${spawnerProgram.toString()})(require, ${launchPipeline.toString()}, ${signalLeader.toString()}, ${signalGroups.toString()}`;

interface RunRecord {
  launched: (run: LaunchedRun) => void;
  refused: (err: Error) => void;
  pids?: (number | null)[];
  ends: ((end: LaunchedEnd) => void)[];
  /** The processes whose ends were heard: their pids may be another process's by now. */
  ended: Set<number>;
}

/** One spawner process and the runs it holds. */
class SpawnerProcess {
  readonly child: ChildProcess;
  /** It said it was ready: it started. */
  answered = false;
  gone = false;
  private readonly runs = new Map<number, RunRecord>();
  private nextId = 1;
  private pending = '';

  constructor(
    private readonly log: Logger,
    private readonly onGone: (spawner: SpawnerProcess, why: string) => void,
  ) {
    // Its own session: a Ctrl-C or a signal to the worker's group leaves it (and the tools) to
    // the worker. stdout is its answers; its one log line goes to stderr.
    this.child = spawn(process.execPath, ['-e', `${SOURCE}, ${process.pid}, ${JSON.stringify(WORKER_GONE_KILLED)})`], { detached: true, stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.on('error', (err) => this.lost(`could not be started (${err.message})`));
    this.child.once('close', (code, signal) => this.lost(`exited (code ${code}, signal ${signal})`));
    this.child.stdin!.on('error', (err) => this.log.debug({ err }, 'writing to the tool spawner failed'));
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.read(chunk));
    // Only a run in flight keeps the worker alive (see busy()); the pipe closes with this process however it ends.
    this.child.unref();
    (this.child.stdin as unknown as Socket).unref();
    (this.child.stdout as unknown as Socket).unref();
  }

  launch(spec: LaunchSpec): Promise<LaunchedRun> {
    return new Promise((launched, refused) => {
      const id = this.nextId++;
      this.runs.set(id, { launched, refused, ends: [], ended: new Set() });
      this.busy();
      this.send({ op: 'launch', id, spec });
    });
  }

  close(): Promise<void> {
    if (this.gone) return Promise.resolve();
    // Held open until it has gone, so a caller awaiting this is not left behind by an event loop
    // with nothing else to do; one that does not go at the end of its pipe is killed.
    this.child.ref();
    const stuck = setTimeout(() => this.child.kill('SIGKILL'), CLOSE_GRACE_MS);
    const closed = new Promise<void>((resolve) =>
      this.child.once('close', () => {
        clearTimeout(stuck);
        resolve();
      }),
    );
    this.child.stdin!.end();
    return closed;
  }

  private send(request: Request): void {
    if (!this.gone && this.child.stdin!.writable) this.child.stdin!.write(`${JSON.stringify(request)}\n`);
  }

  private busy(): void {
    const stdout = this.child.stdout as unknown as Socket;
    if (this.runs.size > 0) stdout.ref();
    else stdout.unref();
  }

  private read(chunk: string): void {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      let reply: Reply;
      try {
        reply = JSON.parse(line) as Reply;
      } catch {
        // Only the program above writes there; a line of anything else is said, not thrown.
        this.log.warn({ line: line.slice(0, 200) }, 'the tool spawner wrote a line that is not one of its answers');
        continue;
      }
      this.answer(reply);
    }
  }

  private answer(reply: Reply): void {
    if ('ready' in reply) {
      this.answered = true;
      return;
    }
    const run = this.runs.get(reply.id);
    if (!run) return;
    if ('error' in reply) {
      this.runs.delete(reply.id);
      this.busy();
      run.refused(new Error(reply.error));
    } else if ('pids' in reply) {
      run.pids = reply.pids;
      run.launched(this.launchedRun(reply.id, run));
    } else {
      run.ends[reply.index]?.(reply.end);
      run.ended.add(reply.index);
      // Ends come only after the pids, so `ends` has one slot a process by now.
      if (run.ended.size === run.ends.length) {
        this.runs.delete(reply.id);
        this.busy();
      }
    }
  }

  private launchedRun(id: number, run: RunRecord): LaunchedRun {
    const processes: LaunchedProcess[] = run.pids!.map((pid, index) => ({
      pid: pid ?? undefined,
      ended: new Promise<LaunchedEnd>((resolve) => (run.ends[index] = resolve)),
      kill: (signal) => this.send({ op: 'signal', id, signal, index }),
    }));
    return {
      processes,
      signalGroups: (signal) => {
        if (this.runs.has(id)) this.send({ op: 'signal', id, signal });
      },
    };
  }

  // Its runs' tools are orphans now: their groups are killed from here, and their ends are lost.
  private lost(why: string): void {
    if (this.gone) return;
    this.gone = true;
    const message = `the tool spawner (pid ${this.child.pid}) ${why} while the tool ran; its process group was killed`;
    for (const run of this.runs.values()) {
      if (!run.pids) {
        run.refused(new Error(`the tool spawner (pid ${this.child.pid}) ${why} before it started the tool`));
        continue;
      }
      const running = run.pids.map((pid, index) => (run.ended.has(index) ? null : pid));
      signalGroups(running, 'SIGKILL');
      run.ends.forEach((end, index) => {
        if (!run.ended.has(index)) end({ exitCode: null, signal: null, lost: message });
      });
    }
    this.runs.clear();
    this.busy();
    this.onGone(this, why);
  }
}

export function startToolSpawner(log: Logger): ToolSpawner {
  let closing = false;
  let inProcess = false;
  const onGone = (spawner: SpawnerProcess, why: string) => {
    if (closing) return;
    if (!spawner.answered) {
      // It never started (or died at once): one that cannot start now will not start later.
      inProcess = true;
      log.error({ why }, 'the tool spawner could not start: this worker starts its tools itself, and tools of a worker killed outright would run on');
    } else {
      log.warn({ why, pid: spawner.child.pid }, 'the tool spawner exited: its running tools were killed; the next tool starts another');
    }
  };
  let current: SpawnerProcess | undefined = new SpawnerProcess(log, onGone);
  return {
    get pid() {
      return current && !current.gone ? current.child.pid : undefined;
    },
    launch(spec) {
      if (inProcess) return inProcessLauncher.launch(spec);
      if (!current || current.gone) current = new SpawnerProcess(log, onGone);
      return current.launch(spec);
    },
    async close() {
      closing = true;
      await current?.close();
      current = undefined;
    },
  };
}
