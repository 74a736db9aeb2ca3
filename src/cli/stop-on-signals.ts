// The long-running commands stop the same way: the first SIGTERM or SIGINT (or, for stdio, the
// client closing stdin) starts an orderly stop and exits 0 when it is done (1 if it fails); a
// second signal exits at once. The stop is bounded: whatever Redis or a tool does, the process
// is gone SHUTDOWN_GRACE_MS after the drain time, so a supervisor never meets a process that
// ignores SIGTERM (a stdio server whose Redis had gone once kept running through several).
import type { Logger } from '../logger.js';

/** What an orderly stop may take beyond the drain time: closing Redis connections and storage. */
export const SHUTDOWN_GRACE_MS = 10_000;

export interface StopWords {
  /** Logged when the stop begins, e.g. "draining". */
  stopping: string;
  /** Appended to the warning of a second signal. */
  secondSignal: string;
}

/** Starts the orderly stop (once; later calls do nothing), giving the reason for the log. */
export type BeginStop = (why: string) => void;

export function stopOnSignals(log: Logger, what: StopWords, stop: () => Promise<void>, options: { drainTimeoutMs: number }): BeginStop {
  let stopping = false;
  const begin: BeginStop = (why) => {
    if (stopping) return;
    stopping = true;
    log.info({ why }, what.stopping);
    const deadlineMs = options.drainTimeoutMs + SHUTDOWN_GRACE_MS;
    setTimeout(() => {
      log.error({ deadlineMs }, `${what.stopping}: not done within the drain time and ${SHUTDOWN_GRACE_MS / 1000} s; exiting anyway`);
      process.exit(1);
    }, deadlineMs);
    void stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, `${what.stopping}: did not finish cleanly`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, `second signal: exiting now${what.secondSignal}`);
      process.exit(1);
    }
    begin(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return begin;
}
