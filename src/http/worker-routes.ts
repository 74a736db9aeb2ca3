// The lab's worker processes: GET /workers lists every live one, wherever it runs;
// POST /workers/{id}/shutdown (admins) drains one. The rules live in JobService.
import { Router } from 'express';
import type { JobService } from '../jobs/job-service.js';
import { callerOf } from './require-caller.js';

export function workerRoutes(jobs: () => JobService): Router {
  const router = Router();

  router.get('/workers', async (_req, res) => {
    res.json({ workers: await jobs().workers() });
  });

  router.post('/workers/:id/shutdown', async (req, res) => {
    res.status(202).json(await jobs().shutdownWorker(req.params.id, callerOf(res)));
  });

  return router;
}
