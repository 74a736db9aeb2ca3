// Tells a session's client of every change of the tasks it created there, as
// notifications/tasks/status, so it need not poll tasks/get. Bounded: a session follows at most
// MAX_FOLLOWED_TASKS at a time (beyond that the client polls, as it may anyway); each is followed
// until its job ends, and all are dropped when the session closes.
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { Task } from '@modelcontextprotocol/sdk/types.js';
import type { Caller } from '../jobs/caller.js';
import type { JobStatus } from '../jobs/job-model.js';
import type { JobsApi } from '../jobs/job-service.js';
import type { Logger } from '../logger.js';
import type { JobTaskStore } from './job-task-store.js';

export const MAX_FOLLOWED_TASKS = 32;

export class TaskStatusFeed {
  private readonly followed = new Map<string, AbortController>();
  private closed = false;

  constructor(
    private readonly server: Server,
    private readonly jobs: JobsApi,
    private readonly caller: Caller,
    private readonly store: JobTaskStore,
    private readonly log: Logger,
  ) {}

  /** Starts sending the task's changes from `initial`, what its creation answered. */
  follow(initial: Task): void {
    const taskId = initial.taskId;
    if (this.closed || this.followed.has(taskId) || this.followed.size >= MAX_FOLLOWED_TASKS) return;
    const stop = new AbortController();
    this.followed.set(taskId, stop);
    // The watch reports the job as it is first: the same as `initial` unless it moved meanwhile.
    let last = `${initial.status}|${initial.statusMessage}`;
    const send = async (status: JobStatus) => {
      const task = this.store.taskOf(status);
      const fingerprint = `${task.status}|${task.statusMessage}`;
      if (fingerprint === last || stop.signal.aborted) return;
      last = fingerprint;
      await this.server.notification({ method: 'notifications/tasks/status', params: task });
    };
    this.jobs
      .watch(taskId, this.caller, send, stop.signal)
      .catch((err: unknown) => this.log.debug({ err, taskId }, 'stopped sending task status: the job or the session is gone'))
      .finally(() => {
        if (this.followed.get(taskId) === stop) this.followed.delete(taskId);
      });
  }

  /** How many tasks it follows now. */
  get following(): number {
    return this.followed.size;
  }

  close(): void {
    this.closed = true;
    for (const stop of this.followed.values()) stop.abort();
    this.followed.clear();
  }
}
