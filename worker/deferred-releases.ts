// "These started" and "these ended" messages to a helper that only needs to know what is running
// (the tool watchdog's process, the lock-keeping thread), one message a job instead of two: an
// end is held back until the next start (the worker's next job, which on a busy worker follows
// at once) or until delayMs has passed, and goes in the same message. Each message wakes the
// helper, which costs CPU on a machine whose cores the tools are using (issue 11). A start is
// never held back: the helper must know of a run before anything can go wrong with it. A helper
// that hears of an end late only keeps watching something finished a moment longer, which the
// users of this say is harmless for them.
export interface DeferredReleases<T> {
  /** Sends these starts now, with every end held back so far. */
  hold(items: readonly T[]): void;
  /** Holds these ends back until the next hold, the delay or a flush. */
  release(items: readonly T[]): void;
  /** Sends the ends held back, if any, now (before the helper is told to stop). */
  flush(): void;
}

export interface DeferredReleasesOptions {
  delayMs: number;
  /** Runs `fn` after `ms`; returns how to cancel it. Tests drive it by hand. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

function unrefTimer(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  // Never what keeps a process up.
  t.unref();
  return () => clearTimeout(t);
}

export function deferredReleases<T>(send: (held: readonly T[], released: readonly T[]) => void, options: DeferredReleasesOptions): DeferredReleases<T> {
  const schedule = options.schedule ?? unrefTimer;
  let released: T[] = [];
  let cancel: (() => void) | undefined;
  const take = () => {
    cancel?.();
    cancel = undefined;
    const out = released;
    released = [];
    return out;
  };
  const flush = () => {
    const out = take();
    if (out.length > 0) send([], out);
  };
  return {
    hold(items) {
      const out = take();
      if (items.length > 0 || out.length > 0) send(items, out);
    },
    release(items) {
      if (items.length === 0) return;
      released.push(...items);
      cancel ??= schedule(flush, options.delayMs);
    },
    flush,
  };
}
