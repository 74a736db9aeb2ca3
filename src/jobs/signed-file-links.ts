// The /files links of local storage behind `serve`, checked before a byte moves. The link is
// the permission (no API key, so it can be handed to curl or a browser), signed for one method,
// one key and an expiry; the store that signed it verifies it. The HTTP route parses and streams.
import type { Readable } from 'node:stream';
import { BioQueueError } from '../errors.js';
import type { LinkMethod } from '../storage/link-signer.js';
import type { FileDownload, ResultStore, ServedFiles } from '../storage/result-store.js';
import { uploadTooLarge } from '../storage/upload-ticket.js';

/** A link's parts as its URL carries them: the key from the path, expires and sig from the query. */
export interface SignedLink {
  key: string;
  expires: string | undefined;
  sig: string | undefined;
}

export async function openSignedDownload(store: ResultStore, link: SignedLink): Promise<FileDownload> {
  return admit(store, 'GET', link).openDownload(link.key);
}

/** What the owner's quota does around an upload: refuse it before a byte is read, count it after. */
export interface UploadQuotaHooks {
  beforeReceiving(): Promise<void>;
  afterReceiving(size: number): Promise<void>;
}

/** declaredBytes (the request's Content-Length) refuses a body known to be too large before reading any of it. */
export async function receiveSignedUpload(
  store: ResultStore,
  link: SignedLink,
  body: Readable,
  maxBytes: number,
  declaredBytes: number | undefined,
  quota?: UploadQuotaHooks,
): Promise<{ size_bytes: number }> {
  const files = admit(store, 'PUT', link);
  if (declaredBytes !== undefined && declaredBytes > maxBytes) throw uploadTooLarge(maxBytes);
  await quota?.beforeReceiving();
  const { size } = await files.receiveUpload(link.key, body, maxBytes);
  await quota?.afterReceiving(size);
  return { size_bytes: size };
}

// The store's served files, once the link lets this method reach this key; forbidden otherwise.
function admit(store: ResultStore, method: LinkMethod, link: SignedLink): ServedFiles {
  const files = store.servedFiles;
  // The HTTP route asks JobService.servesFiles first; this guards every other caller.
  if (!files) throw new BioQueueError('not_found', `no stored file "${link.key}" here: this storage does not serve its files through bio-mcp-queue`);
  const verdict = files.verify(method, link.key, link.expires, link.sig);
  if (verdict === 'expired') {
    throw new BioQueueError('forbidden', 'link: expired; ask for a fresh one (get_job_result and GET /jobs/{id}/result sign new links on every call)');
  }
  if (verdict === 'invalid') {
    throw new BioQueueError('forbidden', `link: the signature does not match this ${method} of this file (altered or incomplete link)`);
  }
  return files;
}
