// GET /jobs/{id}/events: the job's status as server-sent events, one `status` event per change
// of state or progress, until the job ends (`end`) or the client goes away. A comment line every
// 15 s keeps proxies from cutting an idle stream during a long run.
import type { Request, Response } from 'express';
import { mapError } from '../error-mapping.js';
import type { JobService } from '../jobs/job-service.js';
import type { JobStatus } from '../jobs/job-model.js';
import type { Logger } from '../logger.js';
import { callerOf } from './require-caller.js';

export const KEEP_ALIVE_MS = 15_000;

/** The open event streams, so shutdown can end them. */
export type OpenStreams = Set<AbortController>;

export function jobEventsRoute(jobs: () => JobService, open: OpenStreams, log: Logger) {
  return async (req: Request<{ id: string }>, res: Response): Promise<void> => {
    const caller = callerOf(res);
    const stop = new AbortController();
    open.add(stop);
    // 'close' comes when the response ends or the connection drops, whichever is first.
    res.on('close', () => stop.abort());
    let keepAlive: NodeJS.Timeout | undefined;
    let lastStatus: JobStatus | undefined;
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    // Headers go out with the first status, so an unknown job still gets a plain 404.
    const onChange = (status: JobStatus) => {
      if (!res.headersSent) {
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/event-stream'); // SSE is UTF-8 by definition: no charset
        res.setHeader('Cache-Control', 'no-cache, no-transform');
        res.setHeader('X-Accel-Buffering', 'no'); // nginx would otherwise hold events back
        res.flushHeaders();
        keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
      }
      // JobService.watch() passes on changes only.
      lastStatus = status;
      send('status', status);
    };
    try {
      await jobs().watch(req.params.id, caller, onChange, stop.signal);
      if (!stop.signal.aborted && lastStatus) send('end', { job_id: lastStatus.job_id, status: lastStatus.status });
      res.end();
    } catch (err) {
      if (!res.headersSent) throw err; // the error handler answers 404 and the like as JSON
      // Mid-stream: say what went wrong as an event, then end the stream.
      const failure = mapError(err);
      log[failure.log]({ err, jobId: req.params.id }, `job event stream failed: ${failure.message}`);
      send('error', { code: failure.code, message: failure.message });
      res.end();
    } finally {
      clearInterval(keepAlive);
      open.delete(stop);
    }
  };
}
