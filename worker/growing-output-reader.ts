// Read access to outputs a tool is still writing: lines are handed on as they are written, and
// the reading ends once the tool has ended and the last byte is read. For summaries that run
// beside the tool (summary-while-running.ts); only for outputs written front to back as plain
// text, which the tool definition vouches for (summaryWhileRunning).
import { closeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StringDecoder } from 'node:string_decoder';
import type { OutputReader } from '../tools/define-tool.js';
import { appendedBytes } from './appended-bytes.js';
import { openForReading, openIfThere } from './in-place-files.js';
import { workDirOutputReader } from './output-reader.js';
import { cutLines, linesOfBatches } from './text-lines.js';

// How long to wait for more of a file that has nothing new: often enough that little is left
// when the tool ends, seldom enough to cost nothing while it runs.
const POLL_MS = 200;

export interface ToolEnd {
  /** True once the tool's processes have all ended: what is in the file then is all there is. */
  ended(): boolean;
  /** Resolves when they do (or the wait is given up). */
  whenEnded: Promise<void>;
  signal: AbortSignal;
}

export function growingOutputReader(workDir: string, end: ToolEnd): OutputReader {
  const finished = workDirOutputReader(workDir);
  const reader: OutputReader = {
    async *lineBatches(name: string) {
      const file = path.join(workDir, name);
      const decoder = new StringDecoder('utf8');
      const appended = appendedBytes();
      let fd: number | undefined;
      let carried = '';
      try {
        for (;;) {
          end.signal.throwIfAborted();
          // Asked before reading: a read after the end has seen everything written.
          const last = end.ended();
          // Opened in place, like a stat (in-place-files.ts); not there yet is an error only at the end.
          fd ??= last ? openForReading(file) : openIfThere(file);
          let read = 0;
          for await (const bytes of fd === undefined ? [] : appended.read(fd)) {
            read += bytes.length;
            const batch: string[] = [];
            carried = cutLines(carried, decoder.write(bytes), batch);
            yield batch;
          }
          if (last) break;
          if (read === 0) await Promise.race([sleep(POLL_MS, undefined, { signal: end.signal }), end.whenEnded]);
        }
        const rest = carried + decoder.end();
        if (rest !== '') yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    },
    lines(name: string) {
      return linesOfBatches(reader.lineBatches(name));
    },
    // Whole-file reads wait for the end: they are small and read once.
    async text(name: string, maxBytes: number) {
      await end.whenEnded;
      end.signal.throwIfAborted();
      return finished.text(name, maxBytes);
    },
    async exists(name: string) {
      await end.whenEnded;
      end.signal.throwIfAborted();
      return finished.exists(name);
    },
  };
  return reader;
}
