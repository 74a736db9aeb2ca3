// Runs a job's commands in order, each a process or a pipeline, within what is left of the
// job's time limits, with progress from each step's tracker, and stops at the first step that
// fails with the error a client sees.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../src/logger.js';
import type { RunStep } from '../src/jobs/job-model.js';
import type { InstallPackages, Step, ToolDefinition } from '../tools/define-tool.js';
import type { RunGuard } from './resource-guard.js';
import { runPipeline, type RunPipelineOptions } from './run-pipeline.js';
import { stderrLineFeed } from './stderr-lines.js';
import { startStepProgress, stepStartReport, type StepReport } from './step-progress.js';
import { toolFailure } from './tool-failure.js';
import { TOOL_PGID_FILE } from './worker-work-root.js';

export interface RunStepsOptions {
  tool: Pick<ToolDefinition, 'errors' | 'failsOnStderr' | 'binaries'>;
  steps: readonly Step[];
  params: Record<string, unknown>;
  workDir: string;
  env: Record<string, string>;
  /** Units in all for a step's progress spec (records or residues of its inputs). */
  inputTotal(step: Step): number | undefined;
  /** Record ids of an input declared with keepIds, for trackers that need them. */
  ids(param: string): readonly string[];
  /** The job's limits, and when its clock started (limits cover the whole job, not each step). */
  limits: { softTimeoutMs: number; hardTimeoutMs: number; startedAt: number };
  signal?: AbortSignal | undefined;
  /** The job's resource limits, watched while each step runs. */
  guard?: RunGuard | undefined;
  launcher?: RunPipelineOptions['launcher'];
  stages?: RunPipelineOptions['stages'];
  report(report: StepReport): Promise<void>;
  /** Whole lines of the tools' stderr as they come, for the job's live log; written before the step counts as done. */
  stderrLines?: ((lines: string[]) => Promise<void>) | undefined;
  log: Logger;
}

export async function runSteps(options: RunStepsOptions): Promise<RunStep[]> {
  const { steps, tool, log } = options;
  const done: RunStep[] = [];
  const weightTotal = steps.reduce((n, s) => n + (s.weight ?? 1), 0);
  let weightBefore = 0;
  for (const [index, step] of steps.entries()) {
    const position = { index, count: steps.length, weightBefore, weightTotal };
    await options.report(stepStartReport(step, position, step.pipeline[0]![0]!));
    const tracker = step.progress?.tracker(options.ids);
    const progress = startStepProgress({ step, position, workDir: options.workDir, inputTotal: options.inputTotal(step), tracker, report: options.report, log });
    const lines = options.stderrLines ? stderrLineFeed(options.stderrLines, log) : undefined;
    const elapsed = Date.now() - options.limits.startedAt;
    log.info({ step: step.label, pipeline: step.pipeline }, 'running the tool');
    let run;
    try {
      run = await runPipeline({
        pipeline: step.pipeline,
        cwd: options.workDir,
        env: options.env,
        ...(step.stdout ? { stdoutFile: step.stdout } : {}),
        ...(step.stderr ? { stderrFile: step.stderr } : {}),
        // At least a moment, so a job out of time still fails through the tool's timeout path.
        softTimeoutMs: Math.max(1, options.limits.softTimeoutMs - elapsed),
        hardTimeoutMs: Math.max(1, options.limits.hardTimeoutMs - elapsed),
        signal: options.signal,
        launcher: options.launcher,
        stages: options.stages,
        // Recorded so the next worker can kill the tools if this process dies without cleaning
        // up; a failed write only costs that clean-up, never the run.
        onSpawn: (pgids) => {
          try {
            writeFileSync(path.join(options.workDir, TOOL_PGID_FILE), pgids.join('\n'));
          } catch (err) {
            log.debug({ err }, 'could not record the tool process groups');
          }
        },
        onStderr: (chunk) => {
          progress.feedStderr(chunk);
          lines?.feed(chunk);
        },
        ...(options.guard ? { guard: options.guard } : {}),
        log,
      });
    } finally {
      await progress.stop();
      await lines?.flush();
    }
    const failure = toolFailure(run, {
      label: step.label,
      rules: tool.errors ?? [],
      params: options.params,
      failsOnStderr: tool.failsOnStderr,
      installOf: (binary) => installOf(tool.binaries, binary),
      limits: options.limits,
      memoryBackstop: options.guard?.memoryBackstop,
    });
    if (failure) throw failure;
    done.push({ label: step.label, pipeline: step.pipeline.map((argv) => [...argv]), stdout: step.stdout ?? null });
    weightBefore += step.weight ?? 1;
  }
  return done;
}

function installOf(binaries: ToolDefinition['binaries'], binary: string): InstallPackages | undefined {
  return binaries.find((b) => b.name === binary)?.install;
}
