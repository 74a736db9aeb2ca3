// The long-running commands stop the same way: the first SIGTERM or SIGINT starts an orderly stop
// and exits 0 when it is done (1 if it fails); a second signal exits at once.
import type { Logger } from '../logger.js';

export function stopOnSignals(log: Logger, what: { stopping: string; secondSignal: string }, stop: () => Promise<void>): void {
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      log.warn({ signal }, `second signal: exiting now${what.secondSignal}`);
      process.exit(1);
    }
    log.info({ signal }, what.stopping);
    void stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, `${what.stopping}: did not finish cleanly`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
