// `serve` as an OAuth protected resource (RFC 9728), which MCP clients read to learn where to
// sign in: the metadata documents, the paths they are served at, and the parameters of the
// Bearer challenge every 401 carries, which point at them. Each MCP endpoint is a resource of its
// own, <public URL>/mcp and <public URL>/sse, because clients (the MCP SDK among them) refuse
// metadata whose resource is not the URL they connect to or a parent of it; the resource is what
// a client asks the provider for as `resource` (RFC 8707), and the audience its token carries.
import { Router } from 'express';
import type { OAuthConfig } from '../config.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
/** The MCP endpoints, each a resource; the first is the main one (REST's 401s name it too). */
const ENDPOINTS = ['/mcp', '/sse'] as const;
type Endpoint = (typeof ENDPOINTS)[number];

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name: string;
}

export interface ProtectedResources {
  /** Every resource URL of this server: the audiences a token may carry (beside configured ones). */
  resources: string[];
  /** The challenge's parameters beside realm and error for a request path: where its resource's metadata is. */
  challengeFor(path: string): Record<string, string>;
  /** GET of each metadata document, open to anyone. */
  routes: Router;
}

export function protectedResources(publicUrl: string, oauth: OAuthConfig): ProtectedResources {
  const scope = oauth.scopes.join(' ');
  // Under the public URL, so a proxy that forwards only that prefix still reaches them.
  const metadataUrl = (endpoint: Endpoint) => `${publicUrl}${WELL_KNOWN}${endpoint}`;
  const document = (endpoint: Endpoint): ProtectedResourceMetadata => ({
    resource: `${publicUrl}${endpoint}`,
    authorization_servers: [oauth.issuer],
    bearer_methods_supported: ['header'],
    ...(oauth.scopes.length === 0 ? {} : { scopes_supported: [...oauth.scopes] }),
    resource_name: 'bio-mcp-queue',
  });

  // Each document at the path with its endpoint appended (RFC 9728 section 3.1, what MCP clients
  // try first), and, with a path in the public URL, the RFC's form of it as it reaches this
  // server; the bare well-known path answers the main resource's.
  const prefix = new URL(publicUrl).pathname.replace(/\/+$/, '');
  const routes = Router();
  for (const endpoint of ENDPOINTS) {
    const paths = [...new Set([`${WELL_KNOWN}${endpoint}`, `${WELL_KNOWN}${prefix}${endpoint}`, ...(endpoint === ENDPOINTS[0] ? [WELL_KNOWN] : [])])];
    const body = document(endpoint);
    // Public facts a browser-based client (MCP Inspector) reads from another origin; nothing here is the caller's.
    routes.get(paths, (_req, res) => void res.set('Access-Control-Allow-Origin', '*').json(body));
  }

  return {
    resources: ENDPOINTS.map((endpoint) => `${publicUrl}${endpoint}`),
    challengeFor(path) {
      // Legacy SSE posts its messages to /messages: the same client, the same resource.
      const trimmed = path.replace(/\/+$/, '');
      const endpoint: Endpoint = trimmed === '/sse' || trimmed === '/messages' ? '/sse' : '/mcp';
      return { resource_metadata: metadataUrl(endpoint), ...(scope === '' ? {} : { scope }) };
    },
    routes,
  };
}
