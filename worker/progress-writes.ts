// A job's progress reports reach Redis at most once per QUIET_MS, the first not before QUIET_MS
// into the job, and only the latest report of each interval is written. Each write is a BullMQ
// script plus an event that every server's event reader parses and that wakes the job's waiters
// to read its status again: a tiny job (under a tenth of a second) made three of them, none of
// which a client could see before the job's end superseded it (bench/RESULTS.md, issue 11). A
// long job still shows its stage within QUIET_MS and each step-progress sample (one a second) as
// it comes. A report is a whole picture (percent, stage, message), so dropping one that a newer
// one replaces loses nothing.
import type { Logger } from '../src/logger.js';
import type { ProgressReport } from '../src/jobs/job-model.js';

export const PROGRESS_QUIET_MS = 250;

export interface ProgressWrites {
  /** Takes the job's latest report; it is written when its turn comes. Resolves at once. */
  report(report: ProgressReport): Promise<void>;
  /** Drops a report not written yet (the job's end says more) and waits for a write under way. */
  close(): Promise<void>;
}

export interface ProgressWritesOptions {
  quietMs?: number;
  now?: () => number;
  /** Runs `fn` after `ms`; returns how to cancel it. Tests drive it by hand. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

function timer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
}

export function progressWrites(write: (report: ProgressReport) => Promise<unknown>, log: Logger, options: ProgressWritesOptions = {}): ProgressWrites {
  const quietMs = options.quietMs ?? PROGRESS_QUIET_MS;
  const now = options.now ?? Date.now;
  const schedule = options.schedule ?? timer;
  let latest: ProgressReport | undefined;
  let cancel: (() => void) | undefined;
  // One write at a time, in order: a later report never lands before an earlier one.
  let writing: Promise<void> = Promise.resolve();
  let nextAt = now() + quietMs;
  let closed = false;

  const flush = () => {
    cancel = undefined;
    if (closed || !latest) return;
    const report = latest;
    latest = undefined;
    nextAt = now() + quietMs;
    // A lost report is superseded by the next one or by the job's end; the job goes on.
    writing = writing.then(() => write(report)).then(
      () => undefined,
      (err: unknown) => log.debug({ err }, 'could not write the job\'s progress; the next report tries again'),
    );
  };

  return {
    report(report) {
      if (closed) return Promise.resolve();
      latest = report;
      cancel ??= schedule(flush, Math.max(0, nextAt - now()));
      return Promise.resolve();
    },
    async close() {
      closed = true;
      cancel?.();
      cancel = undefined;
      latest = undefined;
      await writing;
    },
  };
}
