// Puts one input into the job's work dir and checks that it is FASTA of the right kind, since
// several tools exit 0 on garbage. The staged copy is what gets checked and what the tool reads,
// so a file changed after the check cannot reach the tool.
import fs from 'node:fs/promises';
import type { Config } from '../src/config.js';
import { BioQueueError, inputError } from '../src/errors.js';
import { checkFastaFile, type FastaSummary, type InputKind } from '../src/inputs/fasta-check.js';
import { downloadUrl } from '../src/inputs/fetch-url.js';
import { resolveLocalFile, type InputRef } from '../src/inputs/input-ref.js';
import type { ResultStore } from '../src/storage/result-store.js';

export type StageConfig = Pick<Config, 'inputRoots' | 'urlMaxBytes' | 'allowPrivateUrls'>;

export interface StageDeps {
  config: StageConfig;
  /** Where uploads, staged path inputs and s3:// inputs are fetched from. */
  store: Pick<ResultStore, 'download'>;
  signal?: AbortSignal | undefined;
}

/** Longest a download may go without receiving anything; the job's own time limit caps the total. */
const DOWNLOAD_IDLE_TIMEOUT_MS = 60_000;

// Stages ref at destPath and returns its record count, ids and residue count.
export async function stageInput(field: string, ref: InputRef, destPath: string, kind: InputKind, deps: StageDeps): Promise<FastaSummary> {
  const { config, signal } = deps;
  if (ref.kind === 'path') {
    // Real path again: since submit, a folder on the way may have been swapped for a symlink
    // leading out of the roots. FICLONE makes the copy free on copy-on-write filesystems.
    const real = await resolveLocalFile(field, ref.path, config.inputRoots);
    await fs.copyFile(real, destPath, fs.constants.COPYFILE_FICLONE).catch((err: unknown) => {
      throw new BioQueueError('infrastructure', `${field}: cannot copy ${JSON.stringify(ref.path)} into the work dir: ${String(err)}`, { field }, { cause: err });
    });
  } else if (ref.kind === 'url') {
    await downloadUrl(field, ref.url, destPath, {
      maxBytes: config.urlMaxBytes,
      allowPrivate: config.allowPrivateUrls,
      timeoutMs: DOWNLOAD_IDLE_TIMEOUT_MS,
      signal,
    });
  } else if (ref.kind === 'stored' || ref.kind === 's3') {
    const source = ref.kind === 'stored' ? { key: ref.key } : { bucket: ref.bucket, key: ref.key };
    const shown = ref.kind === 'stored' ? ref.name : `s3://${ref.bucket}/${ref.key}`;
    await deps.store.download(source, destPath, signal).catch((err: unknown) => {
      // Gone between submit and now (retention, someone deleting it): the input's fault, no retry helps.
      if (err instanceof BioQueueError && err.code === 'not_found') throw inputError(field, `${shown} is no longer in storage`);
      throw err;
    });
  } else {
    await fs.writeFile(destPath, ref.text, { signal });
  }
  return checkFastaFile(field, destPath, kind);
}
