// CORS for /mcp, so an MCP client running in a web page (an inspector, a browser agent) can reach
// the server from an origin the operator trusts. It runs after the Host/Origin check
// (host-origin-check.ts), which has already refused any Origin outside BIO_QUEUE_ALLOWED_ORIGINS
// (or its default) with a 403 and no CORS headers: whatever reaches here is allowed. The
// preflight is answered before the API key is asked for, as browsers send it without one; the
// session and protocol headers are exposed because a browser client hides them otherwise and
// cannot continue the session it opened, and WWW-Authenticate, which tells a client signing in
// with OAuth where the metadata is. No credentials: the API key travels in Authorization.
// Mcp-Method and Mcp-Name are allowed in: a 2026-07-28 client adds them to every request.
import type { RequestHandler } from 'express';

const METHODS = 'GET, POST, DELETE, OPTIONS';
const REQUEST_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name';
const EXPOSED_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';
/** How long a browser may reuse a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

export function mcpCors(): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin === undefined) return next();
    res.set('Access-Control-Allow-Origin', origin);
    res.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method !== 'OPTIONS') return next();
    res.set('Access-Control-Allow-Methods', METHODS);
    res.set('Access-Control-Allow-Headers', REQUEST_HEADERS);
    res.set('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
    res.status(204).end();
  };
}
