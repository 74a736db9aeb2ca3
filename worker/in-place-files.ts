// A job's small bookkeeping on disk, done in place instead of through libuv's thread pool. An
// async fs call hands its work to a pool thread and its answer back to the event loop: two thread
// wake-ups for a few microseconds of kernel work. On the 2-core VMs the benches run on, a stat
// cost 65 µs of CPU that way and 9 µs in place, and a tiny job made some sixty such calls, 5.8 ms
// of the pool threads' CPU a job (bench/RESULTS.md, issue 11).
//
// Only calls whose cost is bounded by their nature are made here: a folder made, a file of at
// most SMALL_FILE_BYTES written, a named file looked at, opened, linked, renamed or unlinked,
// under the data dir on the worker's own disk. What a tool or a user decides the size of stays
// asynchronous, but for a budget checked first: a read of at most 64 KiB that a stat said is all
// there is (appended-bytes.ts, the local result store's put), a tree of a few dozen entries walked
// or removed (small-tree.ts). Larger outputs read or hashed, larger trees and inline inputs go
// through the pool.
import fs from 'node:fs';
import fsp from 'node:fs/promises';

/** Inline text up to this size is written in place (the default inline limit is 1 MiB). */
export const SMALL_FILE_BYTES = 64 * 1024;

/** Writes text to a new file: in place when it is small, through the thread pool otherwise. */
export async function writeSmallFile(file: string, text: string, signal?: AbortSignal): Promise<void> {
  if (Buffer.byteLength(text) > SMALL_FILE_BYTES) return fsp.writeFile(file, text, signal ? { signal } : {});
  signal?.throwIfAborted();
  fs.writeFileSync(file, text);
}

/** The file's stat, or undefined where there is none (on Node 22 also where a folder of its path is a file). */
export function statIfThere(file: string): fs.Stats | undefined {
  return fs.statSync(file, { throwIfNoEntry: false });
}

/**
 * A file opened for reading, without waiting: a fifo a tool left under the name opens at once
 * (and reads as empty) instead of holding the event loop until a writer comes. Reads of a regular
 * file are what they always are.
 */
export function openForReading(file: string): number {
  return fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
}

/** As openForReading, or undefined where there is no such file. */
export function openIfThere(file: string): number | undefined {
  try {
    return openForReading(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Unlinks a file; one that is not there is no error. */
export function unlinkIfThere(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
