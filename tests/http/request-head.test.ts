// The primary of `serve --processes N` routes a connection by the session its first request
// names; these are the heads it meets.
import { describe, expect, it } from 'vitest';
import { HEAD_LIMIT_BYTES, headReadEnough, sessionOfHead } from '../../src/http/request-head.js';

const head = (lines: string[]) => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');

describe('sessionOfHead', () => {
  it('reads Mcp-Session-Id in any case, with the body after the head ignored', () => {
    const bytes = Buffer.concat([head(['POST /mcp HTTP/1.1', 'Host: x', 'mcp-SESSION-id:  abc-123 ', 'Content-Length: 2']), Buffer.from('{}')]);
    expect(sessionOfHead(bytes)).toBe('abc-123');
  });

  it('reads sessionId of a legacy POST /messages, under a path prefix too', () => {
    expect(sessionOfHead(head(['POST /messages?sessionId=s-1 HTTP/1.1', 'Host: x']))).toBe('s-1');
    expect(sessionOfHead(head(['POST /lab/messages?x=1&sessionId=s%202 HTTP/1.1', 'Host: x']))).toBe('s 2');
  });

  it('names no session for initialize, REST, another path with sessionId, or bytes that are not HTTP', () => {
    expect(sessionOfHead(head(['POST /mcp HTTP/1.1', 'Host: x', 'Content-Type: application/json']))).toBeUndefined();
    expect(sessionOfHead(head(['GET /jobs?sessionId=s-1 HTTP/1.1', 'Host: x']))).toBeUndefined();
    expect(sessionOfHead(head(['POST /mcp HTTP/1.1', 'Mcp-Session-Id:']))).toBeUndefined();
    expect(sessionOfHead(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff]))).toBeUndefined();
    expect(sessionOfHead(Buffer.alloc(0))).toBeUndefined();
  });

  it('reads a head that is not yet whole (the primary stopped waiting)', () => {
    expect(sessionOfHead(Buffer.from('POST /mcp HTTP/1.1\r\nMcp-Session-Id: part\r\nContent-Ty'))).toBe('part');
  });
});

describe('headReadEnough', () => {
  it('waits for the blank line that ends the head, or for the limit', () => {
    expect(headReadEnough(Buffer.from('POST /mcp HTTP/1.1\r\nHost: x\r\n'))).toBe(false);
    expect(headReadEnough(Buffer.from('POST /mcp HTTP/1.1\r\nHost: x\r\n\r\n'))).toBe(true);
    expect(headReadEnough(Buffer.alloc(HEAD_LIMIT_BYTES - 1, 'a'))).toBe(false);
    expect(headReadEnough(Buffer.alloc(HEAD_LIMIT_BYTES, 'a'))).toBe(true);
  });
});
