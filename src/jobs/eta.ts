// Seconds left, from how long the tool has run and how far it got: a straight-line estimate
// that moves as progress reports arrive. None before the first unit of work is finished.
export function estimateEtaSeconds(percent: number, runningSinceMs: number | undefined, nowMs: number): number | null {
  if (runningSinceMs === undefined || percent <= 0 || percent >= 100) return null;
  const elapsed = (nowMs - runningSinceMs) / 1000;
  if (elapsed <= 0) return null;
  return Math.max(0, Math.round((elapsed * (100 - percent)) / percent));
}
