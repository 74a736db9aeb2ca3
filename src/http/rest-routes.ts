// The REST API of the existing Bio-MCP Queue, on the same JobService as MCP: parse, call, answer.
// No job rule lives here; an unknown job and another user's job both come back not_found.
import { Router } from 'express';
import type { Submission } from '../jobs/job-model.js';
import type { JobService } from '../jobs/job-service.js';
import { writeJson, type NodeHandler } from './node-handlers.js';
import { callerOf } from './require-caller.js';
import { ListQuerySchema, parseRequest, SubmitRequestSchema } from './rest-schemas.js';

/** POST /jobs/submit, the busiest REST route: served ahead of express (front-routes.ts). */
export function submitJob(jobs: () => JobService): NodeHandler {
  return async (req, res) => {
    const body = parseRequest(SubmitRequestSchema, req.body, 'body');
    // A client that hangs up before the answer stops any wait on another submission's idempotency
    // key. Only until then: an abort makes an error with a stack, a cost on every request.
    const gone = new AbortController();
    const hangUp = () => gone.abort();
    res.once('close', hangUp);
    let submission: Submission;
    try {
      submission = await jobs().submit(body.job_type, body.parameters, {
        priority: body.priority,
        caller: callerOf(res),
        idempotencyKey: body.idempotency_key,
        notifyUrl: body.notify_url,
        signal: gone.signal,
      });
    } finally {
      res.off('close', hangUp);
    }
    writeJson(res, 202, submission, { Location: `/jobs/${submission.job_id}/status` });
  };
}

/** The other REST routes, in express. */
export function restRoutes(jobs: () => JobService): Router {
  const router = Router();

  router.get('/jobs', async (req, res) => {
    const query = parseRequest(ListQuerySchema, req.query, 'query');
    res.json(await jobs().list(query, callerOf(res)));
  });

  router.get('/jobs/:id/status', async (req, res) => {
    res.json(await jobs().status(req.params.id, callerOf(res)));
  });

  router.get('/jobs/:id/result', async (req, res) => {
    res.json(await jobs().result(req.params.id, callerOf(res)));
  });

  router.delete('/jobs/:id', async (req, res) => {
    res.json(await jobs().cancel(req.params.id, callerOf(res)));
  });

  router.get('/queues/stats', async (_req, res) => {
    res.json({ queues: await jobs().stats() });
  });

  router.post('/uploads', async (_req, res) => {
    const ticket = await jobs().createUpload(callerOf(res));
    res.status(201).json(ticket);
  });

  return router;
}
