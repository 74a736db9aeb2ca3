// The submission load of the HTTP benches: `clients` closed loops, each sending its next request
// when the last is answered, until `seconds` have passed.

/** Runs the loops; `once(c)` is client c's request, which throws when its answer is wrong. */
export async function closedLoops(clients: number, seconds: number, once: (client: number) => Promise<void>): Promise<{ requests: number; wallS: number }> {
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < until) {
        await once(c);
        requests += 1;
      }
    }),
  );
  return { requests, wallS: (performance.now() - t0) / 1000 };
}
