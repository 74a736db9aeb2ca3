// Follows a file another process is writing: the bytes appended since the last read are handed
// on, in order, every interval (or when the caller asks, for a caller with a clock of its own);
// stop() reads what is left. How the worker reads a tool's stderr
// (which goes to a file rather than a socket, see run-pipeline.ts) and the output files some
// tools report progress through. A file not written yet is simply nothing to read so far.
import { closeSync } from 'node:fs';
import type { Logger } from '../src/logger.js';
import { openIfThere, statIfThere } from './in-place-files.js';
import { appendedBytes } from './appended-bytes.js';

export interface FileTail {
  /** Reads what was appended since the last read. */
  read(): Promise<void>;
  /** Reads the rest and stops. */
  stop(): Promise<void>;
  /** The last read failed: bytes past those handed on may be missing. */
  readonly lastReadFailed: boolean;
}

/** intervalMs: how often to read by itself; undefined, only when read() is called. */
export function tailFile(file: string, onBytes: (bytes: Buffer) => void | Promise<void>, log: Logger, intervalMs: number | undefined = 250): FileTail {
  let busy: Promise<void> = Promise.resolve();
  const appended = appendedBytes();

  const readMore = async () => {
    // A stat by path first, in place (in-place-files.ts): most reads find nothing new (a tiny
    // tool's stderr never has any), and one call says so where opening, a stat of the handle and
    // closing it took three, each through the thread pool (issue 11). Opened and closed in place
    // too, like a stat; the reads are in place only when little is new (appended-bytes.ts).
    const stats = statIfThere(file);
    if (!stats || !appended.grewTo(stats.size)) return;
    const fd = openIfThere(file);
    if (fd === undefined) return;
    try {
      // A copy: the buffer is read into again before a slow consumer (gunzip) is done with it.
      for await (const bytes of appended.read(fd)) await onBytes(Buffer.from(bytes));
    } finally {
      closeSync(fd);
    }
  };
  let lastReadFailed = false;
  const tick = () => {
    busy = busy.then(readMore).then(
      () => void (lastReadFailed = false),
      (err: unknown) => {
        lastReadFailed = true;
        log.debug({ err, file }, 'could not read the tool output it follows; the next read tries again');
      },
    );
    return busy;
  };
  const timer = intervalMs === undefined ? undefined : setInterval(tick, intervalMs);
  timer?.unref();
  let stopped: Promise<void> | undefined;
  return {
    get lastReadFailed() {
      return lastReadFailed;
    },
    read: tick,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        await tick();
      })();
      return stopped;
    },
  };
}
