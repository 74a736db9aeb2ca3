// S3 clients built from our settings, and the one place S3 failures become our errors: a
// missing object is not_found, anything else (store down, refused, timed out) is an
// infrastructure error naming the endpoint and bucket, so a job retries and a person can see
// which store to look at.
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { S3Settings } from '../config.js';
import { BioQueueError } from '../errors.js';

/** A connection that never answers fails after this long instead of hanging a job. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A transfer that stalls this long fails (and retries), however large the file. */
const IDLE_TIMEOUT_MS = 120_000;

export interface S3Clients {
  /** For every request the server and workers make. */
  client: S3Client;
  /** For presigning: links carry the host in their signature, so sign with the one clients reach. */
  signer: S3Client;
}

export function createS3Clients(settings: S3Settings): S3Clients {
  quietNodeVersionWarning();
  const client = new S3Client(clientConfig(settings, settings.endpoint));
  const signer = settings.publicEndpoint ? new S3Client(clientConfig(settings, settings.publicEndpoint)) : client;
  return { client, signer };
}

function clientConfig(settings: S3Settings, endpoint: string | undefined): S3ClientConfig {
  return {
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(endpoint ? { endpoint } : {}),
    // Unset: the SDK's default chain (environment, profile, instance role), as on AWS.
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    // Checksums only where S3 demands them: the SDK's default adds CRC32 parameters to
    // presigned PUT links (a client's PUT then fails the check) and headers that several
    // S3-compatible stores refuse.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: IDLE_TIMEOUT_MS },
  };
}

// The SDK warns once per process that its releases after January 2027 will need Node 22. We
// pin its version and support Node 20, so the notice says nothing our users can act on; the
// SDK's own switch turns off that one warning and no other. An explicit setting is respected.
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Where a store lives, as error messages name it. */
export function describeStore(settings: Pick<S3Settings, 'endpoint' | 'region'>, bucket: string): string {
  return `${settings.endpoint ?? `AWS S3 (${settings.region})`}, bucket "${bucket}"`;
}

/** True for any 404: no such object or bucket (HEAD answers carry no error code, only the status). */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
}

// A missing object is the caller's not_found; a missing bucket is the store's trouble.
function isMissingObject(err: unknown): boolean {
  return isNotFound(err) && errorName(err) !== 'NoSuchBucket';
}

export function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

/** Our error for a failed S3 call: `action` says what we were doing ("storing results/x/hits.tsv"). */
export function storeError(err: unknown, action: string, where: string): BioQueueError {
  if (err instanceof BioQueueError) return err;
  if (isMissingObject(err)) return new BioQueueError('not_found', `${action}: no such object (${where})`, {}, { cause: err });
  return new BioQueueError('infrastructure', `S3 storage at ${where}: ${action} failed: ${detail(err)}`, {}, { cause: err });
}

// Network errors from Node may have an empty message (an AggregateError of every address
// tried); their code then says what happened.
function detail(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; errors?: unknown[]; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  const text = e.message || e.code || (e.errors?.[0] instanceof Error ? (e.errors[0] as Error).message : '') || e.name;
  return status && !text.includes(String(status)) ? `${text} (HTTP ${status})` : text;
}
