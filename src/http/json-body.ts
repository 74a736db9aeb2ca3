// Reading a JSON request body. express.json does the reading, but for the common body, which is
// read here to the same result (tests/http/json-body.test.ts holds the two side by side). Every
// way a body can fail to read is the client's doing (a charset or Content-Encoding we do not
// speak, "gzip" that is not gzip, invalid JSON, too many bytes, a connection cut mid-body), so
// each becomes our error naming the header or the body, never a 500. Only a fault of the reader
// itself (a 5xx) passes through.
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import express, { type Request, type Response } from 'express';
import { BioQueueError } from '../errors.js';
import { HttpError, JSON_RPC_PARSE_ERROR } from './http-errors.js';
import { headerOf, type NextFunction, type NodeHandler, type NodeRequest } from './node-handlers.js';

// What body-parser and raw-body attach to their errors (http-errors); zlib's own errors get a status only.
interface BodyReadError {
  status?: number;
  type?: string;
  message: string;
  charset?: string;
  encoding?: string;
  expected?: number;
  received?: number;
}

/**
 * express.json with its failures turned into errors a client can act on. The common body (JSON
 * with a Content-Length, not compressed, an object or array that parses) is read here without
 * express.json's machinery, a share of every request's CPU (issue 11); anything else, and any
 * body that does not parse, goes through express.json as before, for its own answer.
 */
export function readJsonBody(maxBodyBytes: number): NodeHandler {
  const json = express.json({ limit: maxBodyBytes });
  // body-parser reads only Node's side of the request (headers, the stream) and sets req.body.
  const viaExpress = (req: NodeRequest, res: ServerResponse, done: NextFunction) => {
    json(req as Request, res as Response, (err?: unknown) => {
      if (err === undefined || err === null) return done();
      done(bodyError(err as BodyReadError, headerOf(req, 'content-encoding'), maxBodyBytes));
    });
  };
  return (req, res, next) => {
    if (!plainJsonBody(req, maxBodyBytes)) return viaExpress(req, res, next);
    const chunks: Buffer[] = [];
    let ended = false;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => {
      ended = true;
      const bytes = Buffer.concat(chunks);
      const parsed = objectOrArray(bytes);
      if (parsed !== undefined) {
        req.body = parsed;
        return next();
      }
      const replay = replayOf(req, bytes);
      viaExpress(replay, res, (err?: unknown) => {
        if (err === undefined) req.body = replay.body;
        next(err);
      });
    });
    // Cut off mid-body: as express.json would say it (nobody is left to read the answer).
    req.once('error', () => undefined);
    req.once('close', () => {
      if (!ended) next(bodyError({ status: 400, type: 'request.aborted', message: 'request aborted' }, undefined, maxBodyBytes));
    });
  };
}

const PLAIN_JSON_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

// JSON in utf-8, its length given and within the limit, not compressed, not read yet.
function plainJsonBody(req: NodeRequest, maxBodyBytes: number): boolean {
  const { headers } = req;
  const length = headers['content-length'];
  if (length === undefined || !/^\d+$/.test(length) || Number(length) === 0 || Number(length) > maxBodyBytes) return false;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
  return PLAIN_JSON_TYPE.test(headers['content-type'] ?? '') && req.body === undefined && req.readable;
}

// The body as express.json would give it, when it is an object or an array that parses; else undefined.
function objectOrArray(bytes: Buffer): unknown {
  // The utf-8 decoder express.json uses drops a byte order mark.
  const text = bytes.toString('utf8', bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0);
  if (text[0] !== '{' && text[0] !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

// The body read, offered again as a request of its own, so express.json reads it as it came.
function replayOf(req: NodeRequest, bytes: Buffer): NodeRequest {
  return Object.assign(Readable.from([bytes]), { headers: req.headers, method: req.method, url: req.url }) as unknown as NodeRequest;
}

/** The error for a body that could not be read; a fault of the reader itself is returned as it is. */
export function bodyError(err: BodyReadError, contentEncoding: string | undefined, maxBodyBytes: number): unknown {
  if (typeof err !== 'object' || typeof err.status !== 'number' || err.status >= 500) return err;
  switch (err.type) {
    case 'entity.too.large':
      return new BioQueueError('payload_too_large', `body: larger than the ${maxBodyBytes}-byte limit (BIO_QUEUE_MAX_BODY_BYTES); send files through POST /uploads instead`);
    case 'entity.parse.failed':
      return new HttpError('input_invalid', `body: not valid JSON (${err.message})`, 'body', JSON_RPC_PARSE_ERROR);
    case 'charset.unsupported':
      return new HttpError('input_invalid', `Content-Type: charset "${err.charset ?? ''}" is not supported; send JSON as utf-8`, 'Content-Type');
    case 'encoding.unsupported':
      return new HttpError('input_invalid', `Content-Encoding: "${err.encoding ?? contentEncoding ?? ''}" is not supported; send the body uncompressed, or as gzip, deflate or br`, 'Content-Encoding');
    case 'request.aborted':
      return new HttpError('input_invalid', 'body: the client closed the connection before sending all of it', 'body');
    case 'request.size.invalid':
      return new HttpError('input_invalid', `Content-Length: says ${err.expected} bytes but the body had ${err.received}`, 'Content-Length');
    default:
      // zlib's refusal of what the Content-Encoding header promised ("incorrect header check").
      if (err.type === undefined && contentEncoding !== undefined && contentEncoding.toLowerCase() !== 'identity') {
        return new HttpError('input_invalid', `Content-Encoding: the body is not valid ${contentEncoding.toLowerCase()} data (${err.message})`, 'Content-Encoding');
      }
      return new HttpError('input_invalid', `body: could not be read (${err.message})`, 'body');
  }
}
