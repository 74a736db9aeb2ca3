// /files/<key>: downloads and uploads of local storage behind `serve`. The signed link is the
// permission (no API key: a link can be handed to curl or a browser), checked with the store's
// own signer for the method, the key and the expiry before a byte moves. Both directions stream.
import { Router, type Request } from 'express';
import { pipeline } from 'node:stream/promises';
import { BioQueueError } from '../errors.js';
import type { LinkMethod } from '../storage/link-signer.js';
import { LocalResultStore } from '../storage/local-result-store.js';
import type { ResultStore } from '../storage/result-store.js';
import { HttpError } from './http-errors.js';

/** store: undefined until the runtime is up; /files exists only for local storage with a signer. */
export function fileRoutes(store: () => ResultStore, uploadMaxBytes: number): Router {
  const router = Router();

  // The store and key of a request whose link checks out, or an error saying why not.
  const authorize = (req: Request, method: LinkMethod): { local: LocalResultStore; key: string } => {
    const local = store();
    if (!(local instanceof LocalResultStore) || !local.signer) throw new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`);
    const key = keyOf(req);
    const verdict = local.signer.verify(method, key, single(req.query.expires), single(req.query.sig));
    if (verdict === 'expired') throw new HttpError(403, 'forbidden', 'link: expired; ask for a fresh one (get_job_result and GET /jobs/{id}/result sign new links on every call)');
    if (verdict === 'invalid') throw new HttpError(403, 'forbidden', `link: the signature does not match this ${method} of this file (altered or incomplete link)`);
    return { local, key };
  };

  router.get('/files/*key', async (req, res) => {
    const { local, key } = authorize(req, 'GET');
    const file = await local.openDownload(key);
    // setHeader, not express's set(): that would append a charset the stored bytes may not have.
    res.statusCode = 200;
    res.setHeader('Content-Type', file.mediaType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', `attachment; filename="${key.split('/').pop()!.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    await pipeline(file.stream, res).catch((err: unknown) => {
      // A client that stops reading is not our error; anything else cuts the response short.
      if (!res.destroyed) res.destroy(err as Error);
    });
  });

  router.put('/files/*key', async (req, res) => {
    const { local, key } = authorize(req, 'PUT');
    const declared = Number(req.get('content-length') ?? NaN);
    if (declared > uploadMaxBytes) throw tooLarge(uploadMaxBytes);
    try {
      const { size } = await local.receiveUpload(key, req, uploadMaxBytes);
      res.status(200).json({ size_bytes: size });
    } catch (err) {
      // receiveUpload names the limit it hit; over HTTP that is a 413, not a bad field.
      if (err instanceof BioQueueError && err.details.field === 'upload') throw tooLarge(uploadMaxBytes);
      throw err;
    }
  });

  return router;
}

function tooLarge(max: number): HttpError {
  // The rest of an oversized body is not read; closing lets the client see the answer at once.
  return new HttpError(413, 'payload_too_large', `upload: larger than the ${max}-byte limit (BIO_QUEUE_UPLOAD_MAX_BYTES)`, { headers: { Connection: 'close' } });
}

// Express decodes each segment of "*key"; the signer signed the decoded key.
function keyOf(req: Request): string {
  const segments = (req.params as { key?: string[] | string }).key;
  return Array.isArray(segments) ? segments.join('/') : (segments ?? '');
}

function single(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
