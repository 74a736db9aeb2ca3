// Follows a file another process is writing: every interval, what was appended since last time
// is handed on, decoded as UTF-8 across chunk boundaries; stop() reads what is left. How the
// worker reads a tool's stderr, which goes to a file rather than a socket (see run-pipeline.ts).
import fs from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../src/logger.js';

export interface FileTail {
  /** Reads the rest and stops. */
  stop(): Promise<void>;
}

export function tailFile(file: string, onText: (text: string) => void, log: Logger, intervalMs = 250): FileTail {
  const decoder = new StringDecoder('utf8');
  let offset = 0;
  let busy: Promise<void> = Promise.resolve();
  const buffer = Buffer.alloc(1 << 16);

  const readMore = async () => {
    const handle = await fs.open(file, 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        onText(decoder.write(buffer.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
  };
  const tick = () => {
    busy = busy.then(readMore).catch((err: unknown) => log.debug({ err, file }, 'could not read the tool output it follows; the next tick tries again'));
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  let stopped: Promise<void> | undefined;
  return {
    stop() {
      stopped ??= (async () => {
        clearInterval(timer);
        tick();
        await busy;
        const rest = decoder.end();
        if (rest) onText(rest);
      })();
      return stopped;
    },
  };
}
