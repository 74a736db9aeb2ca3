// GET /metrics for Prometheus: open to the scrape token (BIO_QUEUE_METRICS_TOKEN), which reads
// nothing else, and to admin keys. Mounted ahead of the Host check: Prometheus scrapes each
// replica by its own address, and a page rebound to this server cannot send a bearer token.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { JobService } from '../jobs/job-service.js';
import type { ApiKeyRing } from './api-keys.js';
import { HttpError } from './http-errors.js';
import { renderMetrics } from './prometheus-metrics.js';
import { callerOf, requireCaller, type OAuthGate } from './require-caller.js';

export interface MetricsRouteOptions {
  jobs: () => JobService;
  keys: ApiKeyRing;
  oauth: OAuthGate | undefined;
  scrapeToken: string | undefined;
}

export function metricsRoute({ jobs, keys, oauth, scrapeToken }: MetricsRouteOptions): Router {
  const router = Router();
  router.get('/metrics', scrapeTokenOrAdmin(keys, oauth, scrapeToken), async (_req, res) => {
    const { contentType, body } = await renderMetrics(await jobs().metrics());
    res.type(contentType).send(body);
  });
  return router;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest();

function scrapeTokenOrAdmin(keys: ApiKeyRing, oauth: OAuthGate | undefined, scrapeToken: string | undefined): RequestHandler {
  // Compared as hashes, in constant time: the answer's timing says nothing about the token.
  const expected = scrapeToken === undefined ? undefined : sha256(scrapeToken);
  const anyCaller = requireCaller(keys, oauth);
  return (req, res, next) => {
    const presented = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '')?.[1];
    if (expected && presented !== undefined && timingSafeEqual(sha256(presented), expected)) return next();
    const checked: unknown = anyCaller(req, res, (err?: unknown) => {
      if (err) return next(err);
      if (!callerOf(res).admin) return next(new HttpError('forbidden', 'GET /metrics: only admin keys and the scrape token (BIO_QUEUE_METRICS_TOKEN) may read it'));
      next();
    });
    // requireCaller is async: a refused access token rejects rather than calling next.
    Promise.resolve(checked).catch(next);
  };
}
