// Progress of a running job, read from the tool's own output where the definition says how
// (its stderr, or a file it writes as it goes) and otherwise by step. Each step has a share of
// the run (its weight); a step with a tracker moves within its share as units get done. Reports
// go out at most once per interval and only when something changed; the last is never 100,
// which only a finished job shows. A file written gzip-compressed (bcftools -Oz) is read through
// gunzip as it grows, so its tracker sees text like any other.
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import type { Logger } from '../src/logger.js';
import type { ProgressTracker, Step } from '../tools/define-tool.js';
import { tailFile } from './tail-file.js';

export interface StepPosition {
  index: number;
  count: number;
  /** Sum of the weights of the steps before this one, and of all steps. */
  weightBefore: number;
  weightTotal: number;
}

export interface StepReport {
  percent: number;
  message: string;
  done?: number;
  total?: number;
}

export interface StepProgress {
  /** Text the step's processes write to stderr, as it arrives. */
  feedStderr(chunk: string): void;
  /** Reads what is left, reports once more if it moved, and stops. */
  stop(): Promise<void>;
}

export interface StepProgressOptions {
  step: Step;
  position: StepPosition;
  workDir: string;
  /** Units in all when the spec counts records or residues of inputs. */
  inputTotal: number | undefined;
  tracker: ProgressTracker | undefined;
  report(report: StepReport): Promise<void>;
  log: Logger;
  intervalMs?: number;
}

// Where a step starts: its share of the whole, and what it is doing.
export function stepStartReport(step: Step, position: StepPosition, binary: string): StepReport {
  return { percent: percentOf(position, step, 0), message: describeStep(step, position, binary) };
}

export function startStepProgress(options: StepProgressOptions): StepProgress {
  const { step, position, tracker, log } = options;
  const spec = step.progress;
  if (!spec || !tracker) return { feedStderr: () => undefined, stop: async () => undefined };
  const fromFile = typeof spec.from === 'object' ? path.join(options.workDir, spec.from.file) : undefined;
  const text = textFeed(typeof spec.from === 'object' && spec.from.gzip === true, (chunk) => tracker.feed(chunk), log);
  // Read on this clock, just before each sample, so a sample never reports a file not yet read.
  const tail = fromFile ? tailFile(fromFile, (bytes) => text.write(bytes), log, undefined) : undefined;
  let last = '';
  let busy: Promise<void> = Promise.resolve();

  const sample = async () => {
    await tail?.read();
    const total = tracker.total?.() ?? options.inputTotal;
    if (total === undefined || total <= 0) return;
    const done = Math.min(total, tracker.done());
    const said = tracker.message?.() ?? `${done} of ${total} ${spec.unit} done`;
    const report: StepReport = {
      percent: percentOf(position, step, done / total),
      message: `${position.count > 1 ? `${step.label}: ` : ''}${said}${position.count > 1 ? ` (step ${position.index + 1} of ${position.count})` : ''}`,
      done,
      total,
    };
    const fingerprint = `${report.percent}|${report.message}`;
    if (fingerprint === last) return;
    last = fingerprint;
    await options.report(report);
  };

  const tick = () => {
    busy = busy.then(sample).catch((err: unknown) => log.debug({ err }, 'progress sample failed; the next one tries again'));
  };
  const timer = setInterval(tick, options.intervalMs ?? 1000);
  timer.unref();
  return {
    feedStderr(chunk) {
      if (!fromFile) tracker.feed(chunk);
    },
    async stop() {
      clearInterval(timer);
      await tail?.stop();
      tick();
      await busy;
      text.close();
    },
  };
}

interface TextFeed {
  /** Bytes of the file in order; resolves once their text has reached the tracker. */
  write(bytes: Buffer): Promise<void>;
  close(): void;
}

// The text of a file's bytes as they come: UTF-8, through gunzip first for a gzip file. A gzip
// member cut short at the file's growing end waits in gunzip for the rest.
function textFeed(gzip: boolean, onText: (text: string) => void, log: Logger): TextFeed {
  const decoder = new StringDecoder('utf8');
  if (!gzip) return { write: async (bytes) => onText(decoder.write(bytes)), close: () => undefined };
  const gunzip = createGunzip();
  let broken = false;
  // The write waiting on gunzip: its callback comes once gunzip has taken the bytes in and pushed
  // out their text, but not at all when gunzip fails on them.
  let waiting: (() => void) | undefined;
  gunzip.on('data', (chunk: Buffer) => onText(decoder.write(chunk)));
  gunzip.on('error', (err) => {
    broken = true;
    waiting?.();
    log.debug({ err }, 'the progress file is not the gzip it was declared to be; no more progress from it');
  });
  return {
    write: (bytes) =>
      broken
        ? Promise.resolve()
        : new Promise((resolve) => {
            waiting = resolve;
            gunzip.write(bytes, () => resolve());
          }),
    close: () => gunzip.destroy(),
  };
}

// The whole run's percent at `fraction` of this step, never 100 while running.
function percentOf(position: StepPosition, step: Step, fraction: number): number {
  const weight = step.weight ?? 1;
  const share = (position.weightBefore + weight * Math.min(1, Math.max(0, fraction))) / position.weightTotal;
  return Math.min(99, Math.floor(100 * share));
}

function describeStep(step: Step, position: StepPosition, binary: string): string {
  if (position.count === 1) return `running ${binary}`;
  return `${step.label} (step ${position.index + 1} of ${position.count})`;
}
