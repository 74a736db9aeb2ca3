// Where a binary is on PATH, remembered between runs. findOnPath walks PATH with a stat and an
// access per folder until the name turns up: for prlimit and blastn in /usr/bin that was ten file
// system calls on every run of every job (bench/RESULTS.md, issue 11). A name found once is checked
// again with one call (still there and executable); gone, it is looked up afresh.
//
// Why this stays right: a miss is never remembered, so a tool installed while the worker runs is
// found by its next job; a removed one fails the check and is looked up again. What it does not
// see is a second binary of the same name put earlier on PATH later: for a tool this changes
// nothing (the caller only asks whether the name is there; the name itself is what gets run,
// resolved on PATH at exec), and prlimit keeps running the copy it found first, which still works.
import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { findOnPath } from './probe-binary.js';

export type PathLookup = (binary: string, searchPath: string) => Promise<string | undefined>;

export function rememberedPathLookup(find: PathLookup = findOnPath): PathLookup {
  const found = new Map<string, string>();
  return async (binary, searchPath) => {
    const key = `${searchPath}\0${binary}`;
    const known = found.get(key);
    if (known !== undefined) {
      const still = await fs.access(known, constants.X_OK).then(
        () => true,
        () => false,
      );
      if (still) return known;
      found.delete(key);
    }
    const where = await find(binary, searchPath);
    if (where !== undefined) found.set(key, where);
    return where;
  };
}
