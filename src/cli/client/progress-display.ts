// A waiting job's progress on stderr: on a terminal one line redrawn in place — a bar, the
// percent, the tool's own message and the ETA; otherwise (a pipe, a log file, CI) a plain line
// each time the state or the progress changes, so logs stay readable.
import type { JobStatus } from '../../jobs/job-model.js';
import { formatSeconds, type Output } from './text-table.js';

const BAR_WIDTH = 24;

export interface ProgressDisplay {
  show(status: JobStatus): void;
  /** Ends the redrawn line, so what follows starts on a line of its own. */
  end(): void;
}

export function progressDisplay(out: Output, label: string): ProgressDisplay {
  let last = '';
  let drawn = false;
  return {
    show(status) {
      const line = out.isTTY ? barLine(label, status) : plainLine(label, status);
      if (line === last) return;
      last = line;
      if (out.isTTY) {
        const width = (out.columns ?? 80) - 1;
        out.write(`\r\x1b[2K${line.length > width ? `${line.slice(0, width - 1)}…` : line}`);
        drawn = true;
      } else {
        out.write(`${line}\n`);
      }
    },
    end() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

function barLine(label: string, s: JobStatus): string {
  const percent = Math.max(0, Math.min(100, s.progress.percent));
  const filled = Math.round((percent / 100) * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
  return `${label} ${bar} ${String(Math.round(percent)).padStart(3)}%  ${describe(s)}`;
}

function plainLine(label: string, s: JobStatus): string {
  if (s.status === 'queued') return `${label}: ${describe(s)}`;
  return `${label}: ${s.status} ${Math.round(s.progress.percent)}% ${describe(s)}`.trimEnd();
}

function describe(s: JobStatus): string {
  if (s.status === 'queued') return `queued${s.queue_position !== null ? `, position ${s.queue_position}` : ''}`;
  const eta = s.status === 'running' && s.eta_seconds !== null ? ` · ETA ${formatSeconds(s.eta_seconds)}` : '';
  return `${s.progress.message}${eta}`;
}
