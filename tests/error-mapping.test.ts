// The one table MCP, HTTP and the command read their verdicts from: every code has a status a
// client can act on and an exit code, chosen by the code alone.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { EXIT_CODES, jobExitCode, mapError, VERDICTS, type FailureCode, type JobStateName } from '../src/error-mapping.js';
import { BioQueueError, decodeStoredError, ERROR_CODES, inputError } from '../src/errors.js';

const EVERY_CODE: readonly FailureCode[] = [...ERROR_CODES, 'config_invalid', 'internal_error'];

describe('the verdict table', () => {
  it('gives every code an error status, a non-zero exit code and a log level, and has no other rows', () => {
    for (const code of EVERY_CODE) {
      const verdict = VERDICTS[code];
      expect(verdict, code).toBeDefined();
      expect(verdict.status, code).toBeGreaterThanOrEqual(400);
      expect(verdict.status, code).toBeLessThanOrEqual(599);
      expect([1, 2, 3, 4], code).toContain(verdict.exitCode);
      expect(['error', 'warn', 'debug'], code).toContain(verdict.log);
    }
    expect(Object.keys(VERDICTS).sort()).toEqual([...EVERY_CODE].sort());
  });

  it('answers with the statuses clients act on', () => {
    const statuses = Object.fromEntries(EVERY_CODE.map((code) => [code, VERDICTS[code].status]));
    expect(statuses).toMatchObject({
      input_invalid: 400,
      unauthorized: 401,
      forbidden: 403,
      not_found: 404,
      payload_too_large: 413,
      rate_limited: 429,
      internal_error: 500,
      infrastructure: 503,
    });
  });

  it('exits 2 where what was given must change, 1 where the run failed, 3 when cancelled, 4 when something could not be reached', () => {
    const exits = Object.fromEntries(EVERY_CODE.map((code) => [code, VERDICTS[code].exitCode]));
    expect(exits).toMatchObject({ input_invalid: 2, config_invalid: 2, not_found: 2, unauthorized: 2, tool_missing: 1, internal_error: 1, cancelled: 3, infrastructure: 4 });
  });

  it("gives a job's state its exit code: 0 completed, 1 failed, 3 cancelled, the caller's choice while unfinished", () => {
    expect(['completed', 'failed', 'cancelled', 'queued', 'running'].map((s) => jobExitCode(s as JobStateName))).toEqual([0, 1, 3, 0, 0]);
    expect(jobExitCode('running', EXIT_CODES.notFinished)).toBe(5);
  });

  it('logs our faults as errors, outages as warnings and everything else at debug', () => {
    const loud = EVERY_CODE.filter((code) => VERDICTS[code].log !== 'debug').map((code) => [code, VERDICTS[code].log]);
    expect(loud).toEqual([
      ['infrastructure', 'warn'],
      ['internal_error', 'error'],
    ]);
  });
});

describe('mapError', () => {
  it('keeps our code, message and field, and decides the status by the code alone', () => {
    // A field named "upload" once turned a 400 into a 413; now only the code can.
    expect(mapError(inputError('upload', 'not a FASTA file'))).toEqual({
      code: 'input_invalid',
      message: 'upload: not a FASTA file',
      field: 'upload',
      headers: {},
      status: 400,
      exitCode: 2,
      log: 'debug',
    });
    const tooLarge = mapError(new BioQueueError('payload_too_large', 'upload: larger than the 10-byte limit (BIO_QUEUE_UPLOAD_MAX_BYTES)'));
    expect(tooLarge).toMatchObject({ status: 413, field: undefined, headers: { Connection: 'close' } });
  });

  it('says when to try again after a rate limit, and which scheme a 401 wants', () => {
    const limited = mapError(new BioQueueError('rate_limited', '"alice" has made more than 2 submissions this minute', { retry_after_seconds: 17 }));
    expect(limited).toMatchObject({ status: 429, headers: { 'Retry-After': '17' } });
    const unauthorized = mapError(new BioQueueError('unauthorized', 'Authorization: not a valid API key'));
    expect(unauthorized.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="bio-mcp-queue"' });
  });

  it('reads a configuration that does not load as config_invalid, with every problem', () => {
    const failure = mapError(new ConfigError(['BIO_QUEUE_PORT: expected a port (got "x")', 'BIO_QUEUE_PREFIX: must not be empty']));
    expect(failure).toMatchObject({ code: 'config_invalid', exitCode: 2 });
    expect(failure.message).toBe('invalid configuration:\n  BIO_QUEUE_PORT: expected a port (got "x")\n  BIO_QUEUE_PREFIX: must not be empty');
  });

  it('reads a Redis that cannot be reached as infrastructure, in words for people', async () => {
    // A real ioredis client that never connected refuses commands as it does during an outage.
    const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    const err = await redis.ping().catch((e: unknown) => e);
    redis.disconnect();
    expect(mapError(err)).toMatchObject({
      code: 'infrastructure',
      message: 'Redis is not reachable, so the job queue cannot be read or written right now; try again shortly (bio-mcp-queue doctor checks the connection)',
      status: 503,
      exitCode: 4,
      log: 'warn',
    });
  });

  it('reads anything else as an internal fault, message as thrown', () => {
    expect(mapError(new TypeError("Cannot read properties of undefined (reading 'files')"))).toEqual({
      code: 'internal_error',
      message: "Cannot read properties of undefined (reading 'files')",
      field: undefined,
      headers: {},
      status: 500,
      exitCode: 1,
      log: 'error',
    });
    expect(mapError('a string, thrown')).toMatchObject({ code: 'internal_error', message: 'a string, thrown' });
  });
});

describe('decodeStoredError', () => {
  it('says in our words why BullMQ failed a job whose workers kept stopping', async () => {
    // The reason BullMQ's own moveStalledJobsToWait script writes, read from the installed BullMQ.
    const scripts = path.join(path.dirname(createRequire(import.meta.url).resolve('bullmq')), 'scripts');
    const script = (await fs.readdir(scripts)).find((f) => /^moveStalledJobsToWait-\d+\.js$/.test(f))!;
    const reason = /local failedReason = "([^"]+)"/.exec(await fs.readFile(path.join(scripts, script), 'utf8'))![1]!;
    const stored = decodeStoredError(reason);
    expect(stored?.code).toBe('infrastructure');
    expect(stored?.message).toContain('BIO_QUEUE_MAX_ATTEMPTS');
    expect(decodeStoredError('some other reason')).toEqual({ code: 'infrastructure', message: 'some other reason' });
  });
});
