// Cuts a tool's stderr, as it arrives in chunks of any size, into whole lines for the job's live
// stderr log (src/jobs/job-stderr-log.ts), and writes them one batch at a time, in order. A
// failed write costs clients a few log lines, never the run. Colour codes and carriage-return
// redraws (progress bars) are cleaned off; blank lines are dropped.
import type { Logger } from '../src/logger.js';

export interface StderrLineFeed {
  /** Text as it arrives. */
  feed(chunk: string): void;
  /** Writes the unfinished last line too, and waits for every write. */
  flush(): Promise<void>;
}

// A chunk of a chatty tool can hold thousands of lines: the log keeps only the last ones anyway.
const MAX_LINES_PER_WRITE = 50;

export function stderrLineFeed(write: (lines: string[]) => Promise<void>, log: Logger): StderrLineFeed {
  let partial = '';
  let writing: Promise<void> = Promise.resolve();
  const send = (raw: string[]) => {
    const lines = raw.map(clean).filter((line) => line !== '').slice(-MAX_LINES_PER_WRITE);
    if (lines.length === 0) return;
    writing = writing.then(() => write(lines)).catch((err: unknown) => log.debug({ err }, 'could not pass stderr lines to the job\'s live log'));
  };
  return {
    feed(chunk) {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      send(parts);
    },
    async flush() {
      if (partial !== '') send([partial]);
      partial = '';
      await writing;
    },
  };
}

function clean(line: string): string {
  const shown = line.split('\r').filter((part) => part.trim() !== '').pop() ?? '';
  return shown.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
}
