// queue_stats: how busy each queue is, and how many workers serve it.
import { z } from 'zod';
import { QueueStatsListSchema } from '../../jobs/job-model.js';
import { asToolResult, toolSuccess } from '../tool-result.js';
import { READ_ONLY, type JobTool } from './job-tool.js';

const name = 'queue_stats';
const title = 'Queue statistics';
const summary = 'Per queue: jobs queued, running, completed, failed and delayed, and the workers serving it.';
const description = 'For each queue: how many jobs are queued, running, completed, failed and delayed (waiting to retry), and how many workers serve it.';
const inputSchema = z.object({});

export const queueStats: JobTool = {
  name,
  title,
  summary,
  register(server, { jobs, log }) {
    server.registerTool(name, { title, description, inputSchema, outputSchema: QueueStatsListSchema, annotations: READ_ONLY }, () =>
      asToolResult(log, async () => {
        const queues = await jobs.stats();
        const text = queues
          .map((q) => `${q.queue}: ${q.counts.queued} queued, ${q.counts.running} running, ${q.counts.completed} completed, ${q.counts.failed} failed, ${q.workers} worker(s)`)
          .join('\n');
        return toolSuccess({ queues }, text);
      }),
    );
  },
};
