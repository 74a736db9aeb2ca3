// The queues as Bull Board sees them, for the admin dashboard (src/http/admin-dashboard.ts).
// Here because src/jobs is the only code that speaks BullMQ: the HTTP layer gets adapters it
// hands to Bull Board without knowing what a BullMQ queue is.
import type { BaseAdapter } from '@bull-board/api/baseAdapter';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import type { JobQueues } from './job-queues.js';

// Retrying a failed job is what the dashboard is for; retrying a completed one would run a
// finished job again under its id, over the results it already stored, so the UI offers no such
// button. (BaseAdapter reads allowCompletedRetries, BullMQAdapter's option type omits it: hence
// a variable, not a literal.)
const ADAPTER_OPTIONS = { allowRetries: true, allowCompletedRetries: false };

/** One adapter per queue (every tool family's and the pipelines'), in the catalog's order. */
export function queueBoardAdapters(queues: JobQueues): BaseAdapter[] {
  return [...queues.values()].map((queue) => new BullMQAdapter(queue, ADAPTER_OPTIONS));
}
