// Progress reports reach the store at most once per quiet interval, the first not before one
// interval into the job, the latest of each interval winning; a job that ends first writes none.
// The clock and the timer are driven by hand, so nothing here depends on the machine's speed.
import { describe, expect, it } from 'vitest';
import type { ProgressReport } from '../../src/jobs/job-model.js';
import { createLogger } from '../../src/logger.js';
import { progressWrites } from '../../worker/progress-writes.js';

const log = createLogger('silent');

// A hand clock and one pending timer at a time (progressWrites keeps at most one).
function handClock() {
  let t = 1_000;
  let pending: { fn: () => void; at: number } | undefined;
  return {
    now: () => t,
    schedule(fn: () => void, ms: number) {
      pending = { fn, at: t + ms };
      return () => (pending = undefined);
    },
    /** Moves the clock; runs the timer if it has come due. */
    advance(ms: number) {
      t += ms;
      if (pending && pending.at <= t) {
        const { fn } = pending;
        pending = undefined;
        fn();
      }
    },
    get pendingAt() {
      return pending?.at;
    },
  };
}

const at = (percent: number, message = `at ${percent}`): ProgressReport => ({ percent, stage: 'running', message });
const settle = () => new Promise((r) => setImmediate(r));

describe('progress writes', () => {
  it('writes nothing for a job that ends within the first quiet interval', async () => {
    const clock = handClock();
    const written: ProgressReport[] = [];
    const writes = progressWrites(async (r) => void written.push(r), log, { quietMs: 250, now: clock.now, schedule: clock.schedule });
    await writes.report({ percent: 0, stage: 'staging', message: 'staging inputs' });
    clock.advance(40);
    await writes.report(at(0, 'running blastn'));
    await writes.report({ percent: 99, stage: 'collecting', message: 'checking and storing the outputs' });
    clock.advance(30);
    await writes.close();
    clock.advance(1_000);
    await settle();
    expect(written).toEqual([]);
  });

  it('writes the latest report once the first interval has passed, then at most one per interval', async () => {
    const clock = handClock();
    const written: ProgressReport[] = [];
    const writes = progressWrites(async (r) => void written.push(r), log, { quietMs: 250, now: clock.now, schedule: clock.schedule });
    await writes.report({ percent: 0, stage: 'staging', message: 'staging inputs' });
    expect(clock.pendingAt).toBe(1_250);
    clock.advance(100);
    await writes.report(at(0, 'running blastn'));
    clock.advance(150);
    await settle();
    expect(written).toEqual([at(0, 'running blastn')]);

    // Two within the next interval: only the later one, at the interval's end.
    clock.advance(10);
    await writes.report(at(10));
    expect(clock.pendingAt).toBe(1_500);
    await writes.report(at(20));
    clock.advance(240);
    await settle();
    expect(written).toEqual([at(0, 'running blastn'), at(20)]);

    // After a quiet spell longer than the interval, a report goes at once.
    clock.advance(5_000);
    await writes.report(at(30));
    clock.advance(0);
    await settle();
    expect(written.at(-1)).toEqual(at(30));
    await writes.close();
  });

  it('keeps the order of writes when the store is slow, and close waits for the write under way', async () => {
    const clock = handClock();
    const written: ProgressReport[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let first = true;
    const writes = progressWrites(
      async (r) => {
        if (first) {
          first = false;
          await gate;
        }
        written.push(r);
      },
      log,
      { quietMs: 250, now: clock.now, schedule: clock.schedule },
    );
    await writes.report(at(1));
    clock.advance(250);
    await writes.report(at(2));
    clock.advance(250);
    await settle();
    expect(written).toEqual([]);
    let closed = false;
    const closing = writes.close().then(() => (closed = true));
    await settle();
    expect(closed).toBe(false);
    release();
    await closing;
    expect(written).toEqual([at(1), at(2)]);
  });

  it('goes on after a failed write: the next report is written', async () => {
    const clock = handClock();
    const written: ProgressReport[] = [];
    let fail = true;
    const writes = progressWrites(
      async (r) => {
        if (fail) {
          fail = false;
          throw new Error('Connection is closed.');
        }
        written.push(r);
      },
      log,
      { quietMs: 250, now: clock.now, schedule: clock.schedule },
    );
    await writes.report(at(1));
    clock.advance(250);
    await settle();
    await writes.report(at(2));
    clock.advance(250);
    await writes.close();
    expect(written).toEqual([at(2)]);
  });
});
