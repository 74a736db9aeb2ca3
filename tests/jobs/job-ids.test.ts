// New job ids come from a pool of random bytes filled a batch at a time (job-ids.ts): across many
// refills every id is new, names its queue, and has the form queueOfJobId reads back.
import { describe, expect, it } from 'vitest';
import { newJobId, queueOfJobId } from '../../src/jobs/job-ids.js';

describe('newJobId', () => {
  it('gives distinct ids of its queue across many refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => newJobId(i % 2 === 0 ? 'blast' : 'pipeline'));
    expect(new Set(ids).size).toBe(ids.length);
    for (const [i, id] of ids.entries()) {
      expect(id).toMatch(/^(blast|pipeline)-[0-9abcdefghjkmnpqrstvwxyz]{16}$/);
      expect(queueOfJobId(id)).toBe(i % 2 === 0 ? 'blast' : 'pipeline');
    }
  });
});
