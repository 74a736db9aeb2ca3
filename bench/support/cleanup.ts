// Everything a benchmark starts is registered here as it starts and undone in reverse order
// however the run ends: normal end, a thrown error, or Ctrl-C. Processes still alive when Node
// exits anyway are killed synchronously as a last resort, so no redis-server outlives us.

type Undo = () => Promise<unknown>;

export class Cleanup {
  private readonly steps: { name: string; undo: Undo }[] = [];
  private readonly pids = new Set<number>();
  private running: Promise<void> | undefined;

  constructor() {
    process.once('exit', () => {
      for (const pid of this.pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        process.stderr.write(`\n${signal}: cleaning up\n`);
        void this.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
      });
    }
  }

  /** Registers an undo step; `pid` (when given) is also killed if Node exits before run(). */
  add(name: string, undo: Undo, pid?: number | null): void {
    this.steps.push({ name, undo });
    if (pid) this.pids.add(pid);
  }

  /** Forgets a process that has been stopped already. */
  released(pid: number | null | undefined): void {
    if (pid) this.pids.delete(pid);
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      while (this.steps.length > 0) {
        const { name, undo } = this.steps.pop()!;
        try {
          await undo();
        } catch (err) {
          process.stderr.write(`cleanup: ${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
    })();
    return this.running;
  }
}

/**
 * Runs a bench with a Cleanup of its own: a failure is printed as "bench failed: …" (its stack
 * with `stack`) and sets exit code 1, and whatever happened everything registered is undone.
 */
export async function runWithCleanup(run: (cleanup: Cleanup) => Promise<void>, options: { stack?: boolean } = {}): Promise<void> {
  const cleanup = new Cleanup();
  try {
    await run(cleanup);
  } catch (err) {
    const text = err instanceof Error ? (options.stack ? (err.stack ?? err.message) : err.message) : String(err);
    process.stderr.write(`bench failed: ${text}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
  }
}
