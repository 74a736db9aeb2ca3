// What a job's steps get on top of the worker's environment: databases', tool's, TMPDIR; a
// tool's glibc tunables added to the worker's own rather than replacing them.
import { describe, expect, it } from 'vitest';
import { stepEnvironment } from '../../worker/step-environment.js';

describe('stepEnvironment', () => {
  it('gives the databases\' and the tool\'s variables and TMPDIR', () => {
    expect(stepEnvironment({ databases: { BLASTDB: '/db' }, tool: undefined, tmpDir: '/w/tmp' }, {})).toEqual({ BLASTDB: '/db', TMPDIR: '/w/tmp' });
  });

  it('adds a tool\'s GLIBC_TUNABLES to those the worker was started with', () => {
    const tool = { GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
    expect(stepEnvironment({ databases: {}, tool, tmpDir: '/t' }, {}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(stepEnvironment({ databases: {}, tool, tmpDir: '/t' }, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    // A tool without tunables leaves the worker's as they are (inherited, not set here).
    expect(stepEnvironment({ databases: {}, tool: undefined, tmpDir: '/t' }, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).not.toHaveProperty('GLIBC_TUNABLES');
  });
});
