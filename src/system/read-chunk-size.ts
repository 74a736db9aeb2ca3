// How much to read at a time from a file of a given size. Large reads make large files cheap to
// go through (a summary, a hash), but each read of a stream or a tail takes a buffer of that size,
// and a megabyte taken for a file of a hundred bytes, several times a job, made the garbage
// collector most of a tiny job's cost (bench/RESULTS.md, issue 11). So: the file's size, within
// 64 KiB and 1 MiB.
const MIN_CHUNK = 64 * 1024;
const MAX_CHUNK = 1024 * 1024;

export function readChunkBytes(fileBytes: number): number {
  return Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, fileBytes));
}
