import { describe, expect, it } from 'vitest';
import { SessionHomes } from '../../src/http/session-homes.js';

describe('SessionHomes', () => {
  it('keeps the first home of a session until that process lets it go or is gone', () => {
    const homes = new SessionHomes();
    homes.claim('a', 0);
    homes.claim('a', 1); // taken over by process 1: still at home in 0
    homes.claim('b', 1);
    expect([homes.of('a'), homes.of('b')]).toEqual([0, 1]);
    homes.release('a', 1); // process 1 let its copy go: not the home
    expect(homes.of('a')).toBe(0);
    homes.release('a', 0);
    expect(homes.of('a')).toBeUndefined();
    homes.claim('c', 1);
    homes.forgetProcess(1);
    expect([homes.of('b'), homes.of('c'), homes.size]).toEqual([undefined, undefined, 0]);
  });
});
