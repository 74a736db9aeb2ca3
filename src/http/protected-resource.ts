// `serve` as an OAuth protected resource (RFC 9728), which MCP clients read to learn where to
// sign in: the metadata document, the paths it is served at, and the parameters of the Bearer
// challenge every 401 carries, which point at it. The resource is the MCP endpoint's URL (the
// public URL + /mcp), the value clients ask the provider for as `resource` (RFC 8707) and the
// audience tokens must carry.
import { Router } from 'express';
import type { OAuthConfig } from '../config.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

export interface ProtectedResource {
  /** This server's resource identifier: <public URL>/mcp. */
  resource: string;
  /** Where the metadata document is read, as named in every 401's challenge. */
  metadataUrl: string;
  /** The Bearer challenge's parameters besides realm and error. */
  challenge: Record<string, string>;
  document: ProtectedResourceMetadata;
}

export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  bearer_methods_supported: string[];
  scopes_supported?: string[];
  resource_name: string;
}

export function protectedResource(publicUrl: string, oauth: OAuthConfig): ProtectedResource {
  const resource = `${publicUrl}/mcp`;
  // Under the public URL, so a proxy that forwards only that prefix still reaches it.
  const metadataUrl = `${publicUrl}${WELL_KNOWN}/mcp`;
  const scope = oauth.scopes.join(' ');
  return {
    resource,
    metadataUrl,
    challenge: { resource_metadata: metadataUrl, ...(scope === '' ? {} : { scope }) },
    document: {
      resource,
      authorization_servers: [oauth.issuer],
      bearer_methods_supported: ['header'],
      ...(oauth.scopes.length === 0 ? {} : { scopes_supported: [...oauth.scopes] }),
      resource_name: 'bio-mcp-queue',
    },
  };
}

/**
 * GET of the metadata at every path a client may try: the bare well-known path, the one with the
 * MCP endpoint's path appended (RFC 9728 section 3.1, tried first by MCP clients), and with a
 * path in the public URL, the RFC's form for it as it reaches this server.
 */
export function protectedResourceRoutes(publicUrl: string, metadata: ProtectedResource): Router {
  const prefix = new URL(publicUrl).pathname.replace(/\/+$/, '');
  const paths = [...new Set([WELL_KNOWN, `${WELL_KNOWN}/mcp`, `${WELL_KNOWN}${prefix}/mcp`])];
  const router = Router();
  router.get(paths, (_req, res) => {
    // Public facts a browser-based client (MCP Inspector) reads from another origin; nothing here is the caller's.
    res.set('Access-Control-Allow-Origin', '*').json(metadata.document);
  });
  return router;
}
