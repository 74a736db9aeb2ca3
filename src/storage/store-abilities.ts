// What the store openResultStore opens will be able to do, known from the configuration alone.
// The stdio server registers its tools (create_upload_url only where uploads work) before its
// store is open, and without loading the stores; tests/storage/open-result-store.test.ts holds
// this to the stores opened.
import type { Config } from '../config.js';

export interface ResultStoreAbilities {
  canUpload: boolean;
  servesFiles: boolean;
}

/** publicUrl: as given to openResultStore (`serve` gives one; local storage then signs links and takes uploads). */
export function resultStoreAbilities(config: Config, options: { publicUrl?: string | undefined } = {}): ResultStoreAbilities {
  if (config.storage.backend === 's3') return { canUpload: true, servesFiles: false };
  const signed = Boolean(options.publicUrl); // as openResultStore: a signer only with a public URL
  return { canUpload: signed, servesFiles: signed };
}
