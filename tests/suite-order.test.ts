// The files the sequencer starts first must exist: a renamed one would silently lose its head
// start and could again end the run alone.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SLOWEST_FILES } from './support/slowest-first-sequencer.js';
import { REPO } from './support/harness.js';

describe('the slowest-first sequencer', () => {
  it('names only test files that exist, each once', () => {
    expect(SLOWEST_FILES.filter((file) => !existsSync(path.join(REPO, file)))).toEqual([]);
    expect(new Set(SLOWEST_FILES).size).toBe(SLOWEST_FILES.length);
  });
});
