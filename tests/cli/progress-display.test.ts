// The waiting submit's progress: at a terminal one line redrawn in place with a bar, the percent,
// the tool's message and the ETA, cut to the terminal's width; elsewhere a plain line per change.
import { describe, expect, it } from 'vitest';
import type { JobStatus } from '../../src/jobs/job-model.js';
import { progressDisplay } from '../../src/cli/client/progress-display.js';

const status = (over: Partial<JobStatus>): JobStatus => ({
  job_id: 'blast-1',
  tool: 'blastn',
  status: 'running',
  progress: { percent: 0, message: 'starting' },
  eta_seconds: null,
  queue_position: null,
  submitted_at: '2026-12-01T00:00:00.000Z',
  started_at: null,
  finished_at: null,
  attempts: 1,
  error: null,
  ...over,
});

function sink(isTTY: boolean, columns = 100) {
  const written: string[] = [];
  return { out: { isTTY, columns, write: (t: string) => written.push(t) }, written };
}

describe('progressDisplay', () => {
  it('redraws one line with a bar and the ETA at a terminal, and ends it with a newline', () => {
    const { out, written } = sink(true);
    const display = progressDisplay(out, 'blastn');
    display.show(status({ status: 'queued', queue_position: 2, progress: { percent: 0, message: 'waiting' } }));
    display.show(status({ progress: { percent: 50, message: '10 of 20 query sequences done' }, eta_seconds: 75 }));
    display.show(status({ progress: { percent: 50, message: '10 of 20 query sequences done' }, eta_seconds: 75 })); // no change: not drawn again
    display.end();
    expect(written).toEqual([
      '\r\x1b[2Kblastn [........................]   0%  queued, position 2',
      '\r\x1b[2Kblastn [############............]  50%  10 of 20 query sequences done · ETA 1m 15s',
      '\n',
    ]);
  });

  it('cuts the line to the terminal\'s width', () => {
    const { out, written } = sink(true, 45);
    progressDisplay(out, 'blastn').show(status({ progress: { percent: 10, message: 'a long message that does not fit' } }));
    expect(written[0]).toBe('\r\x1b[2Kblastn [##......................]  10%  a l…');
  });

  it('writes a plain line per change elsewhere', () => {
    const { out, written } = sink(false);
    const display = progressDisplay(out, 'blast-1');
    display.show(status({ status: 'queued', queue_position: 1 }));
    display.show(status({ progress: { percent: 99, message: '20 of 20 query sequences done' }, eta_seconds: 0 }));
    display.show(status({ status: 'completed', progress: { percent: 100, message: 'completed' } }));
    display.end();
    expect(written).toEqual(['blast-1: queued, position 1\n', 'blast-1: running 99% 20 of 20 query sequences done · ETA 0s\n', 'blast-1: completed 100% completed\n']);
  });
});
