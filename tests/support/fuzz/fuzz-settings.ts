// One seed for every property of a run, from FUZZ_SEED when set (to replay a failure: fast-check
// prints the seed and path of a counterexample), else a fresh one, printed so a passing run can
// be replayed too. numRuns is set per property; each test file asserts the inputs it sent.
import fc from 'fast-check';

const fromEnv = process.env.FUZZ_SEED;
if (fromEnv !== undefined && !/^-?\d+$/.test(fromEnv)) throw new Error(`FUZZ_SEED: expected a whole number, got ${JSON.stringify(fromEnv)}`);

export const FUZZ_SEED = fromEnv === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(fromEnv);

export function fuzzRuns(numRuns: number): fc.Parameters<unknown> {
  return { numRuns, seed: FUZZ_SEED };
}

/** Counts the bad inputs a file sends, so it can prove it sent as many as it says. */
export class SentCounter {
  private counts = new Map<string, number>();

  add(door: string): void {
    this.counts.set(door, (this.counts.get(door) ?? 0) + 1);
  }

  of(door: string): number {
    return this.counts.get(door) ?? 0;
  }
}
