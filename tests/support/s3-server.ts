// A real S3-compatible server for a test file, on a free loopback port with its objects in a
// temp folder of its own. Two kinds, both speaking the S3 REST API over HTTP, so the AWS SDK,
// presigned links and fetch() talk to them exactly as they would to MinIO or AWS:
// - s3rver (npm): starts in milliseconds, in this process. It checks the expiry of a presigned
//   V4 link but not its signature: a wrong secret or a tampered link is accepted.
// - radosgw (Ceph's gateway, Debian): a separate server that checks every SigV4 signature, as
//   production S3 does; takes seconds to start (see radosgw-server.ts). Tests of what a
//   signature protects run on it.
import fs from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { S3Settings } from '../../src/config.js';
import { startRadosGateway } from './radosgw-server.js';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverClass = new (options: { port: number; address: string; silent: boolean; directory: string }) => S3rverInstance;

// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** The credentials s3rver accepts. */
export const S3RVER_KEY = 'S3RVER';

export type S3ServerKind = 's3rver' | 'radosgw';
export const S3_SERVER_KINDS: readonly S3ServerKind[] = ['s3rver', 'radosgw'];

export interface S3Server {
  kind: S3ServerKind;
  endpoint: string;
  port: number;
  /** Settings for our S3 store pointed at this server, with bucket as given. */
  settings(bucket: string): S3Settings;
  /** The environment a child process needs to use this server. */
  env(bucket: string): Record<string, string>;
  /** Stops serving (connections dropped at once); the folder stays until remove(). */
  stop(): Promise<void>;
  /** Stops if running and deletes the stored objects. */
  remove(): Promise<void>;
}

export async function startS3Server(kind: S3ServerKind = 's3rver'): Promise<S3Server> {
  return kind === 'radosgw' ? startRadosGateway() : startS3rver();
}

async function startS3rver(): Promise<S3Server> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'bioq-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  let running = true;
  const stop = async () => {
    if (!running) return;
    running = false;
    const closed = server.close();
    // Keep-alive sockets of the SDK would otherwise hold close() open.
    server.httpServer?.closeAllConnections();
    await closed;
  };
  return {
    kind: 's3rver',
    endpoint,
    port,
    settings: (bucket) => ({
      endpoint,
      publicEndpoint: undefined,
      accessKeyId: S3RVER_KEY,
      secretAccessKey: S3RVER_KEY,
      bucket,
      region: 'us-east-1',
      forcePathStyle: true,
      allowedBuckets: [bucket],
    }),
    env: (bucket) => ({
      BIO_STORAGE_BACKEND: 's3',
      BIO_STORAGE_MINIO_ENDPOINT: endpoint,
      BIO_STORAGE_MINIO_ACCESS_KEY: S3RVER_KEY,
      BIO_STORAGE_MINIO_SECRET_KEY: S3RVER_KEY,
      BIO_STORAGE_BUCKET_NAME: bucket,
    }),
    stop,
    async remove() {
      await stop();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
