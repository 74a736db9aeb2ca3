// Starts go to the helper at once; an end waits for the next start (one message a job instead of
// two) or for the delay, and is never lost: a flush before the helper stops sends it. The timer
// is driven by hand, so nothing here depends on the machine's speed.
import { describe, expect, it } from 'vitest';
import { deferredReleases } from '../../worker/deferred-releases.js';

function handTimer() {
  let pending: { fn: () => void; ms: number } | undefined;
  return {
    schedule(fn: () => void, ms: number) {
      pending = { fn, ms };
      return () => (pending = undefined);
    },
    fire() {
      const p = pending;
      pending = undefined;
      p?.fn();
    },
    get pendingMs() {
      return pending?.ms;
    },
  };
}

function recorder() {
  const sent: { held: number[]; released: number[] }[] = [];
  const send = (held: readonly number[], released: readonly number[]) => void sent.push({ held: [...held], released: [...released] });
  return { sent, send };
}

describe('deferred releases', () => {
  it('sends a start at once, and the end of one run with the start of the next in one message', () => {
    const timer = handTimer();
    const { sent, send } = recorder();
    const groups = deferredReleases(send, { delayMs: 1000, schedule: timer.schedule });
    groups.hold([101]);
    expect(sent).toEqual([{ held: [101], released: [] }]);
    groups.release([101]);
    expect(sent).toHaveLength(1);
    expect(timer.pendingMs).toBe(1000);
    groups.hold([202, 203]);
    expect(sent).toEqual([
      { held: [101], released: [] },
      { held: [202, 203], released: [101] },
    ]);
    // The end went with the start: its timer is gone.
    expect(timer.pendingMs).toBeUndefined();
  });

  it('sends ends by themselves once the delay has passed with no new start', () => {
    const timer = handTimer();
    const { sent, send } = recorder();
    const groups = deferredReleases(send, { delayMs: 1000, schedule: timer.schedule });
    groups.hold([1]);
    groups.hold([2]);
    groups.release([1]);
    groups.release([2]);
    timer.fire();
    expect(sent.at(-1)).toEqual({ held: [], released: [1, 2] });
    timer.fire();
    expect(sent).toHaveLength(3);
  });

  it('flush sends the ends held back, and nothing when there are none', () => {
    const timer = handTimer();
    const { sent, send } = recorder();
    const groups = deferredReleases(send, { delayMs: 1000, schedule: timer.schedule });
    groups.flush();
    expect(sent).toEqual([]);
    groups.hold([7]);
    groups.release([7]);
    groups.flush();
    expect(sent).toEqual([
      { held: [7], released: [] },
      { held: [], released: [7] },
    ]);
    expect(timer.pendingMs).toBeUndefined();
  });

  it('sends nothing for an empty start or end', () => {
    const timer = handTimer();
    const { sent, send } = recorder();
    const groups = deferredReleases(send, { delayMs: 1000, schedule: timer.schedule });
    groups.hold([]);
    groups.release([]);
    expect(sent).toEqual([]);
    expect(timer.pendingMs).toBeUndefined();
  });
});
