// CORS for /mcp, so an MCP client running in a web page (an inspector, a browser agent) can reach
// the server from an origin the operator trusts. It runs after the Host/Origin check
// (host-origin-check.ts), which has already refused any Origin outside BIO_QUEUE_ALLOWED_ORIGINS
// (or its default) with a 403 and no CORS headers: whatever reaches here is allowed. The
// preflight is answered before the API key is asked for, as browsers send it without one; the
// session and protocol headers are exposed because a browser client hides them otherwise and
// cannot continue the session it opened, and WWW-Authenticate, which tells a client signing in
// with OAuth where the metadata is. No credentials: the API key travels in Authorization.
// Mcp-Method and Mcp-Name are allowed in: a 2026-07-28 client adds them to every request.
import vary from 'vary';
import { headerOf, type NodeHandler } from './node-handlers.js';

const METHODS = 'GET, POST, DELETE, OPTIONS';
const REQUEST_HEADERS = 'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, Mcp-Method, Mcp-Name';
const EXPOSED_HEADERS = 'Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate';
/** How long a browser may reuse a preflight answer, in seconds. */
const PREFLIGHT_MAX_AGE = 600;

export function mcpCors(): NodeHandler {
  return (req, res, next) => {
    const origin = headerOf(req, 'origin');
    // The answer depends on the Origin (CORS headers or none): caches keep one per Origin. (What express's res.vary calls.)
    vary(res, 'Origin');
    if (origin === undefined) return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', METHODS);
    res.setHeader('Access-Control-Allow-Headers', REQUEST_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(PREFLIGHT_MAX_AGE));
    res.statusCode = 204;
    res.end();
  };
}
