// The head of a connection's first request, as the primary of `serve --processes N` reads it
// before it hands the connection to a serving process: enough to find the MCP session the
// request belongs to, so the process that holds the session gets it (serve-processes.ts).

/** A head larger than this is not waited for: the connection goes on to any process, which answers it. */
export const HEAD_LIMIT_BYTES = 16 * 1024;

const HEAD_END = Buffer.from('\r\n\r\n');

/** Whether the bytes read so far hold a whole request head (or as much as is waited for). */
export function headReadEnough(bytes: Buffer): boolean {
  return bytes.length >= HEAD_LIMIT_BYTES || bytes.includes(HEAD_END);
}

/**
 * The MCP session a request head names: `sessionId` of a legacy `POST …/messages?sessionId=`,
 * else the `Mcp-Session-Id` header. Undefined for anything else (initialize, REST, /health) and
 * for bytes that are not an HTTP head: the process that gets them answers as it would any client.
 */
export function sessionOfHead(bytes: Buffer): string | undefined {
  const end = bytes.indexOf(HEAD_END);
  const head = bytes.toString('latin1', 0, end === -1 ? bytes.length : end);
  const lines = head.split('\r\n');
  const target = lines[0]?.split(' ')[1];
  if (target !== undefined) {
    const query = target.indexOf('?');
    const path = query === -1 ? target : target.slice(0, query);
    if (query !== -1 && path.endsWith('/messages')) {
      const id = new URLSearchParams(target.slice(query + 1)).get('sessionId');
      if (id) return id;
    }
  }
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon !== -1 && line.slice(0, colon).trim().toLowerCase() === 'mcp-session-id') {
      const id = line.slice(colon + 1).trim();
      return id === '' ? undefined : id;
    }
  }
  return undefined;
}
