// Where mafft is, from what it prints to stderr (lines end in carriage returns, not newlines):
// the all-to-all pairwise alignment ("   23 / 45"), the progressive alignment ("STEP 17 /44"),
// then the iterative refinement ("STEP 003-012-1", iteration 3, up to "niter = 16"). Each phase
// gets a share of the way; the message says the phase in mafft's terms.
import type { ProgressTracker } from './define-tool.js';
import { lineByLine } from './line-by-line.js';

const SCALE = 1000;
// Shares of the run: pairwise alignment, progressive alignment, refinement.
const PAIRWISE = [0, 400];
const PROGRESSIVE = [400, 800];
const REFINEMENT = [800, 990];

export function mafftProgress(): ProgressTracker {
  let done = 0;
  let message: string | undefined;
  let iterations: number | undefined;
  const place = ([from, to]: number[], fraction: number) => Math.max(done, Math.round(from! + (to! - from!) * Math.min(1, fraction)));
  const feed = lineByLine((raw) => {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^niter = (\d+)$/.exec(line))) iterations = Number(m[1]);
    else if ((m = /^STEP +(\d+) *\/ *(\d+)/.exec(line))) {
      done = place(PROGRESSIVE, Number(m[1]) / Number(m[2]));
      message = `progressive alignment, step ${m[1]} of ${m[2]}`;
    } else if ((m = /^STEP (\d+)-\d+-\d+/.exec(line))) {
      const iteration = Number(m[1]);
      done = place(REFINEMENT, iterations ? iteration / iterations : 0);
      message = `iterative refinement, iteration ${iteration}${iterations ? ` of at most ${iterations}` : ''}`;
    } else if ((m = /^(\d+) \/ (\d+)$/.exec(line))) {
      done = place(PAIRWISE, Number(m[1]) / Number(m[2]));
      message = `aligning all pairs, ${m[1]} of ${m[2]}`;
    }
  }, /\r|\n/);
  return {
    feed,
    done: () => done,
    total: () => SCALE,
    message: () => message,
  };
}
