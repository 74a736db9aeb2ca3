// Where a job's time goes inside the worker, stage by stage: each mark gives the time since the
// previous mark to the stage it names. Logged at debug with the job's end (process-job.ts), so
// bench/tiny-jobs.ts --profile can build its table of milliseconds per stage from real jobs.
export interface StageClock {
  /** The time since the previous mark (or the clock's start) belongs to `stage`. */
  mark(stage: string): void;
  /** Milliseconds per stage, in the order first marked, to 0.1 ms. */
  stages(): Record<string, number>;
}

export function stageClock(now: () => number = () => performance.now()): StageClock {
  const spent = new Map<string, number>();
  let last = now();
  return {
    mark(stage) {
      const t = now();
      spent.set(stage, (spent.get(stage) ?? 0) + (t - last));
      last = t;
    },
    stages() {
      return Object.fromEntries([...spent].map(([stage, ms]) => [stage, Math.round(ms * 10) / 10]));
    },
  };
}
