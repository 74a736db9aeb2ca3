// The pipeline's own job, run once every step has completed (BullMQ runs a parent after its
// children): it runs no tool, it gathers the steps' published results into one. The last step's
// files keep their names; an earlier step's are kept as intermediates named step<n>.<name>, so
// every file of the pipeline has one name under the pipeline's id. Nothing is copied: the files
// stay where their steps stored them.
import type { Job } from 'bullmq';
import { BioQueueError } from '../src/errors.js';
import type { Logger } from '../src/logger.js';
import type { JobData, JobReturn, PipelineStepResult, StoredFile } from '../src/jobs/job-model.js';
import type { ResultLedger } from './publish-once.js';

/** The name a step's file has among its pipeline's files. */
export function pipelineFileName(step: number, last: boolean, name: string): string {
  return last ? name : `step${step}.${name}`;
}

export function createPipelineProcessor(deps: { ledger: Pick<ResultLedger, 'published'>; log: Logger }) {
  return async (job: Job<JobData, JobReturn>): Promise<JobReturn> => {
    const steps = job.data.pipeline?.steps;
    if (!steps || steps.length === 0) throw new BioQueueError('input_invalid', `job ${job.id} on the pipeline queue is not a pipeline`);
    const files: StoredFile[] = [];
    const results: PipelineStepResult[] = [];
    let runtime = 0;
    let startedAt: string | undefined;
    let last: JobReturn | undefined;
    for (const [i, step] of steps.entries()) {
      const result = await deps.ledger.published(step.job_id);
      // A step completes only by publishing; its absence means Redis lost it: worth another attempt.
      if (!result) throw new BioQueueError('infrastructure', `step ${i} (${step.tool}, job ${step.job_id}) has no published result`);
      const isLast = i === steps.length - 1;
      const names: string[] = [];
      for (const file of result.files) {
        const name = pipelineFileName(i, isLast, file.name);
        files.push({ ...file, name });
        names.push(name);
      }
      results.push({
        step: i,
        tool: step.tool,
        job_id: step.job_id,
        summary: result.summary,
        command: result.command,
        steps: result.steps ?? [{ label: 'running', pipeline: [result.command], stdout: null }],
        tool_version: result.tool_version,
        runtime_seconds: result.runtime_seconds,
        files: names,
      });
      runtime += result.runtime_seconds;
      startedAt ??= result.started_at;
      last = result;
    }
    deps.log.info({ jobId: job.id, steps: steps.length }, 'pipeline completed');
    return {
      summary: { steps: results.map((r) => ({ step: r.step, tool: r.tool, ...r.summary })) },
      files,
      command: last!.command,
      steps: results.flatMap((r) => r.steps.map((s) => ({ ...s, label: `step ${r.step} (${r.tool}): ${s.label}` }))),
      indexes: [],
      tool_version: null,
      exit_code: 0,
      runtime_seconds: Math.round(runtime * 1000) / 1000,
      started_at: startedAt!,
      finished_at: new Date().toISOString(),
      pipeline_steps: results,
    };
  };
}
