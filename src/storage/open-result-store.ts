// Picks the store the configuration asks for. The AWS SDK is imported only when S3 is, so a
// laptop on local storage never loads it.
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { loadLinkSecret } from './link-secret.js';
import { createLinkSigner } from './link-signer.js';
import { LocalResultStore } from './local-result-store.js';
import type { ResultStore } from './result-store.js';

export interface OpenResultStoreOptions {
  /** Where clients reach `serve`: local storage then signs HTTP links (and takes uploads) instead of giving file:// URLs. */
  publicUrl?: string | undefined;
}

export async function openResultStore(config: Config, log: Logger, options: OpenResultStoreOptions = {}): Promise<ResultStore> {
  if (config.storage.backend === 's3') {
    const { S3ResultStore } = await import('./s3-result-store.js');
    const store = new S3ResultStore({
      settings: config.storage.s3,
      linkTtlSeconds: config.http.linkTtlSeconds,
      uploadMaxBytes: config.http.uploadMaxBytes,
    });
    await store.ensureBucket();
    log.debug({ endpoint: config.storage.s3.endpoint ?? 'AWS', bucket: config.storage.s3.bucket }, 'S3 storage ready');
    return store;
  }
  const signer = options.publicUrl
    ? createLinkSigner({ secret: await loadLinkSecret(config), baseUrl: options.publicUrl, ttlSeconds: config.http.linkTtlSeconds })
    : undefined;
  return new LocalResultStore({ dataDir: config.dataDir, resultsDir: config.resultsDir, signer, uploadMaxBytes: config.http.uploadMaxBytes });
}
