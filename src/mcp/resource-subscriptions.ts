// resources/subscribe for a job's resources: its status (bio-mcp-queue://jobs/{job_id}) or any of
// its files. One watcher per job, on JobService.watch (BullMQ's events, with wait()'s timer as
// the fallback), sends notifications/resources/updated for every subscribed URI of the job when
// it completes, fails or is cancelled. A job that has already ended notifies at once, so a
// subscription made just after the end is not left waiting. Unsubscribing the last URI of a job
// stops its watcher; closing the session stops them all.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { inputError } from '../errors.js';
import type { JobsApi } from '../jobs/job-service.js';
import type { Logger } from '../logger.js';
import { resourceRequestError } from './job-resources.js';
import { sessionOf, type SessionHandlerContext, type SessionLocal } from './mcp-session.js';

/** Jobs one session may watch at once: each watcher reads its job's status while it waits. */
export const MAX_WATCHED_JOBS = 100;

const JOB_URI = /^bio-mcp-queue:\/\/jobs\/([^/?#]+)(?:\/files\/[^/?#]+)?(?:\?[^#]*)?$/;

interface Watch {
  uris: Set<string>;
  stop: AbortController;
}

/** The job a subscribable URI belongs to; anything else is Invalid params naming the field. */
export function jobIdOfUri(uri: string): string {
  const match = JOB_URI.exec(uri);
  if (!match) throw inputError('uri', `"${uri}" is not a job resource: subscribe to bio-mcp-queue://jobs/{job_id} or one of its files`);
  return decodeURIComponent(match[1]!);
}

// The jobs a session watches, made at its first subscription, all stopped when it closes.
const sessionWatches: SessionLocal<Map<string, Watch>> = {
  make(session) {
    const watches = new Map<string, Watch>();
    session.onClose(() => {
      for (const entry of watches.values()) entry.stop.abort();
      watches.clear();
    });
    return watches;
  },
};

/** Handles subscribe and unsubscribe for every session (shared-registry.ts); each session's watches are its own. */
export function registerResourceSubscriptions(server: McpServer, jobs: JobsApi, log: Logger): void {
  const watch = (session: SessionHandlerContext, watches: Map<string, Watch>, jobId: string): Watch => {
    const entry: Watch = { uris: new Set(), stop: new AbortController() };
    watches.set(jobId, entry);
    const { signal } = entry.stop;
    jobs
      .watch(jobId, session.caller, () => undefined, signal)
      .then(async () => {
        if (signal.aborted) return;
        watches.delete(jobId);
        for (const uri of entry.uris) await session.server.sendResourceUpdated({ uri });
      })
      .catch((err: unknown) => {
        if (watches.get(jobId) === entry) watches.delete(jobId);
        // The subscriber will hear nothing more of this job: worth a line above debug.
        log.warn({ err, jobId, uris: [...entry.uris] }, 'a resource subscription stopped: its job could not be watched');
      });
    return entry;
  };

  server.server.setRequestHandler(SubscribeRequestSchema, async (request, extra) => {
    try {
      const session = sessionOf(extra);
      const jobId = jobIdOfUri(request.params.uri);
      await jobs.status(jobId, session.caller); // a job the caller cannot see is not found, as on read
      // The session closed meanwhile (the SDK aborts its requests): nothing to watch for, nobody to tell.
      if (extra.signal.aborted) return {};
      const watches = session.local(sessionWatches);
      if (!watches.has(jobId) && watches.size >= MAX_WATCHED_JOBS) {
        throw inputError('uri', `this session already watches ${MAX_WATCHED_JOBS} jobs; unsubscribe from one that has not ended first`);
      }
      (watches.get(jobId) ?? watch(session, watches, jobId)).uris.add(request.params.uri);
      return {};
    } catch (err) {
      throw resourceRequestError(err);
    }
  });

  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request, extra) => {
    try {
      const session = sessionOf(extra);
      const jobId = jobIdOfUri(request.params.uri);
      const watches = session.local(sessionWatches);
      const entry = watches.get(jobId);
      entry?.uris.delete(request.params.uri);
      if (entry && entry.uris.size === 0) {
        watches.delete(jobId);
        entry.stop.abort();
      }
      return {};
    } catch (err) {
      throw resourceRequestError(err);
    }
  });
}
