// Reads a growing output file every interval and feeds the new text to the tool's progress
// tracker, reporting percent when it changes. Reads only what was appended since last time.
import fs from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { ProgressTracker } from '../tools/define-tool.js';

export interface ProgressSampler {
  /** Reads what is left and stops. */
  stop(): Promise<void>;
}

export function sampleProgress(
  file: string,
  tracker: ProgressTracker,
  total: number,
  report: (done: number, total: number) => Promise<void>,
  intervalMs = 1000,
): ProgressSampler {
  const decoder = new StringDecoder('utf8');
  let offset = 0;
  let lastDone = -1;
  let busy: Promise<void> = Promise.resolve();

  const readMore = async () => {
    const handle = await fs.open(file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const buffer = Buffer.alloc(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        tracker.feed(decoder.write(buffer.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
    const done = tracker.done();
    if (done !== lastDone) {
      lastDone = done;
      await report(done, total);
    }
  };

  const tick = () => {
    busy = busy.then(readMore).catch(() => undefined);
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await busy;
    },
  };
}
