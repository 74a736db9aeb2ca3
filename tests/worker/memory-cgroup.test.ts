// Finding the worker's cgroup v2 and whether it can limit a job's memory, on this host as it is:
// the kernel's own files, read as the worker reads them. (The test machine is cgroup v1/hybrid,
// its v2 tree without the memory controller, so the answer here is "watch memory instead".)
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { delegatedMemoryCgroup, ownCgroupV2Dir } from '../../worker/memory-cgroup.js';

describe('cgroup v2 detection', () => {
  it('finds the process\'s own v2 cgroup folder under the cgroup2 mount', async () => {
    const own = await ownCgroupV2Dir();
    expect(own).toBeDefined();
    const procs = (await fs.readFile(path.join(own!, 'cgroup.procs'), 'utf8')).split('\n');
    expect(procs).toContain(String(process.pid));
  });

  it('offers job cgroups only where the memory controller is there to hand down', async () => {
    const own = (await ownCgroupV2Dir())!;
    const controllers = (await fs.readFile(path.join(own, 'cgroup.controllers'), 'utf8')).split(/\s+/);
    const parent = await delegatedMemoryCgroup(createLogger('silent'));
    if (controllers.includes('memory')) expect(parent).toBe(own);
    else expect(parent).toBeUndefined();
  });
});
