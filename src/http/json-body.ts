// Reading a JSON request body. express.json does the reading; every way a body can fail to read
// is the client's doing (a charset or Content-Encoding we do not speak, "gzip" that is not gzip,
// invalid JSON, too many bytes, a connection cut mid-body), so each becomes our error naming the
// header or the body, never a 500. Only a fault of the reader itself (a 5xx) passes through.
import express, { type RequestHandler } from 'express';
import { BioQueueError } from '../errors.js';
import { HttpError, JSON_RPC_PARSE_ERROR } from './http-errors.js';

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

/** express.json with its failures turned into errors a client can act on. */
export function readJsonBody(maxBodyBytes: number): RequestHandler {
  const json = express.json({ limit: maxBodyBytes });
  return (req, res, next) => {
    json(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      next(bodyError(err as BodyReadError, req.get('content-encoding'), maxBodyBytes));
    });
  };
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
