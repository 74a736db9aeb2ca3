// A process of its own that puts one file into S3 through S3ResultStore and reports the most
// memory it ever held, so a test can show that storing a file does not read it into memory.
// Runs the built module, since tests have no TS loader.
// Usage: node --max-old-space-size=64 put-large-file.mjs <endpoint> <bucket> <file>; prints JSON.
import { S3ResultStore } from '../../dist/src/storage/s3-result-store.js';

const [endpoint, bucket, file] = process.argv.slice(2);
const store = new S3ResultStore({
  settings: {
    endpoint,
    publicEndpoint: undefined,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    bucket,
    region: 'us-east-1',
    forcePathStyle: true,
    allowedBuckets: [bucket],
  },
  linkTtlSeconds: 600,
  uploadMaxBytes: 1,
});
await store.ensureBucket();
const stored = await store.put('blast-00000000000big01', 'hits.tsv', file, 'text/tab-separated-values');
// maxRSS is in KiB: the peak resident memory of this whole process, buffers included.
process.stdout.write(`${JSON.stringify({ stored, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
