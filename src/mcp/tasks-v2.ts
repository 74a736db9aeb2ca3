// tasks/get, tasks/update and tasks/cancel of the Tasks extension (MCP 2026-07-28, SEP-2663),
// read from and acted on the job queue as the 2025-11-25 tasks are (job-task-store.ts): a task is
// a job of the caller's, its id the job id. Only the shapes differ, and two rules:
// - a job that failed is a *completed* task whose result is what get_job_result gives, marked
//   `isError: true`, as a plain tools/call answers a failing tool; the extension keeps "failed"
//   for protocol faults, which a queued job never is;
// - a job never asks the client for input, so a task is never `input_required`, and tasks/update
//   has nothing to deliver: it is acknowledged once the task is found, as the extension asks of
//   responses to input a task did not (or no longer) request.
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { BioQueueError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import type { JobStatus } from '../jobs/job-model.js';
import type { JobsApi } from '../jobs/job-service.js';
import { isTerminal } from '../jobs/job-model.js';
import type { JobTaskStore } from './job-task-store.js';
import { jobResultAnswer } from './tools/get-job-result.js';
import { completedResult, taskV2Of, TaskIdParams, UpdateTaskParams, type DetailedTaskV2 } from './tasks-v2-wire.js';

export class TasksV2 {
  constructor(
    private readonly jobs: JobsApi,
    private readonly caller: Caller,
    private readonly store: JobTaskStore,
  ) {}

  async get(params: unknown): Promise<DetailedTaskV2> {
    const { taskId } = parse(TaskIdParams, params, 'tasks/get');
    const status = await this.statusOf(taskId);
    const task = taskV2Of(this.store.taskOf(status));
    switch (status.status) {
      case 'queued':
      case 'running':
        return { ...task, status: 'working' };
      case 'cancelled':
        return { ...task, status: 'cancelled' };
      case 'completed':
      case 'failed': {
        const answer = jobResultAnswer(await this.jobs.result(taskId, this.caller));
        // The task's status no longer says the job failed: the result must.
        return { ...task, status: 'completed', result: completedResult(status.status === 'failed' ? { ...answer, isError: true } : answer) };
      }
    }
  }

  async update(params: unknown): Promise<Record<string, never>> {
    const { taskId } = parse(UpdateTaskParams, params, 'tasks/update');
    await this.statusOf(taskId);
    return {};
  }

  // As the 2025-11-25 tasks/cancel: a task that has ended cannot be cancelled any more.
  async cancel(params: unknown): Promise<Record<string, never>> {
    const { taskId } = parse(TaskIdParams, params, 'tasks/cancel');
    const before = await this.statusOf(taskId);
    if (isTerminal(before.status)) throw new McpError(ErrorCode.InvalidParams, `task ${taskId} has already ended (${before.status}); it cannot be cancelled`);
    await this.jobs.cancel(taskId, this.caller);
    return {};
  }

  // Another owner's job is as unknown as a missing one (JobService answers not_found for both).
  private async statusOf(taskId: string): Promise<JobStatus> {
    try {
      return await this.jobs.status(taskId, this.caller);
    } catch (err) {
      if (err instanceof BioQueueError && err.code === 'not_found') throw new McpError(ErrorCode.InvalidParams, `no task ${taskId} for this caller (it may have expired)`);
      throw err;
    }
  }
}

function parse<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false; error: { message: string } } }, params: unknown, method: string): T {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `${method}: ${parsed.error.message}`);
  return parsed.data;
}
