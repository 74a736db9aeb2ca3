// The SDK's TaskStore (MCP Tasks, 2025-11-25) read straight from the job queue: a task is a job
// and its id is the job id, so there is nothing of our own to keep. Everything a task says comes
// from JobService, i.e. from Redis, which is why tasks outlive a restart of the server and any
// replica answers for any of them. Tasks are scoped by the caller (the job's owner), not by the
// MCP session the SDK passes: a session ends with its connection, a job does not, and a client
// that reconnects (or reaches another replica) must still find its tasks.
import type { CreateTaskOptions, TaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import type { Result, Task } from '@modelcontextprotocol/sdk/types.js';
import { BioQueueError } from '../errors.js';
import type { Caller } from '../jobs/caller.js';
import type { JobStatus } from '../jobs/job-model.js';
import type { JobsApi } from '../jobs/job-service.js';
import { statusText } from './format-text.js';
import { jobResultAnswer } from './tools/get-job-result.js';

/** How often a client is told to poll tasks/get; progress moves in seconds, jobs run for minutes. */
export const TASK_POLL_INTERVAL_MS = 1000;
/** Tasks per tasks/list page. */
const TASK_PAGE_SIZE = 20;

/** What createTask is handed, as catalog-tools.ts passes it: the job the call has just queued. */
export interface JobTaskContext {
  jobId: string;
}

export class JobTaskStore implements TaskStore {
  constructor(
    private readonly jobs: JobsApi,
    private readonly caller: Caller,
    /** Jobs are kept this long after they end (BIO_STORAGE_RETENTION_DAYS): the tasks' ttl. */
    private readonly retentionMs: number,
  ) {}

  // The job is queued before the task exists (its id is the task's), so this only reads it back.
  // The ttl a client asks for is overridden by retention, as the protocol allows: the job is kept
  // that long whatever a client wants.
  async createTask(taskParams: CreateTaskOptions): Promise<Task> {
    const jobId = (taskParams.context as Partial<JobTaskContext> | undefined)?.jobId;
    if (typeof jobId !== 'string') throw new Error('createTask needs the queued job\'s id as context.jobId');
    return this.taskOf(await this.jobs.status(jobId, this.caller));
  }

  async getTask(taskId: string): Promise<Task | null> {
    try {
      return this.taskOf(await this.jobs.status(taskId, this.caller));
    } catch (err) {
      if (err instanceof BioQueueError && err.code === 'not_found') return null;
      throw err;
    }
  }

  // The worker publishes a job's result; a task's is never stored from here.
  async storeTaskResult(taskId: string): Promise<void> {
    throw new Error(`task ${taskId}: a job's result is written by the worker that runs it`);
  }

  async getTaskResult(taskId: string): Promise<Result> {
    return jobResultAnswer(await this.jobs.result(taskId, this.caller));
  }

  // tasks/cancel asks for "cancelled"; every other status is the worker's to set.
  async updateTaskStatus(taskId: string, status: Task['status']): Promise<void> {
    if (status !== 'cancelled') throw new Error(`task ${taskId}: only "cancelled" can be asked for; a job's status is set by its worker`);
    await this.jobs.cancel(taskId, this.caller);
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const page = await this.jobs.list({ limit: TASK_PAGE_SIZE, ...(cursor !== undefined ? { cursor } : {}) }, this.caller);
    return { tasks: page.jobs.map((s) => this.taskOf(s)), ...(page.next_cursor ? { nextCursor: page.next_cursor } : {}) };
  }

  taskOf(status: JobStatus): Task {
    return {
      taskId: status.job_id,
      status: taskStatusOf(status),
      statusMessage: statusText(status),
      ttl: this.retentionMs,
      createdAt: status.submitted_at,
      lastUpdatedAt: status.finished_at ?? status.started_at ?? status.submitted_at,
      pollInterval: TASK_POLL_INTERVAL_MS,
    };
  }
}

/** Queued and running are both "working" to a task: the queue position and percent are in statusMessage. */
function taskStatusOf(status: JobStatus): Task['status'] {
  switch (status.status) {
    case 'queued':
    case 'running':
      return 'working';
    default:
      return status.status;
  }
}
