// /files/<key>: downloads and uploads of local storage behind `serve`. The signed link is the
// permission (no API key: a link can be handed to curl or a browser); JobService checks it for
// the method, the key and the expiry before a byte moves. Both directions stream.
import { Router, type Request } from 'express';
import { pipeline } from 'node:stream/promises';
import type { JobService } from '../jobs/job-service.js';
import type { Logger } from '../logger.js';
import { HttpError } from './http-errors.js';

export function fileRoutes(jobs: () => JobService, log: Logger): Router {
  const router = Router();

  // Only local storage signs links to this server; with S3 /files is no route at all.
  const serving = (req: Request): JobService => {
    const service = jobs();
    if (!service.servesFiles) throw new HttpError('not_found', `no route ${req.method} ${req.path}`);
    return service;
  };

  router.get('/files/*key', async (req, res) => {
    const key = keyOf(req);
    const file = await serving(req).openFileDownload(key, single(req.query.expires), single(req.query.sig));
    // setHeader, not express's set(): that would append a charset the stored bytes may not have.
    res.statusCode = 200;
    res.setHeader('Content-Type', file.mediaType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', `attachment; filename="${key.split('/').pop()!.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    await pipeline(file.stream, res).catch((err: unknown) => {
      // A client that stops reading is not our error; anything else cuts the response short.
      log.debug({ err, key }, 'download of a /files link ended early');
      if (!res.destroyed) res.destroy(err as Error);
    });
  });

  router.put('/files/*key', async (req, res) => {
    const declared = req.get('content-length');
    const stored = await serving(req).receiveFileUpload(keyOf(req), single(req.query.expires), single(req.query.sig), req, declared === undefined ? undefined : Number(declared));
    res.status(200).json(stored);
  });

  return router;
}

// Express decodes each segment of "*key"; the signer signed the decoded key.
function keyOf(req: Request): string {
  const segments = (req.params as { key?: string[] | string }).key;
  return Array.isArray(segments) ? segments.join('/') : (segments ?? '');
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
