// DNS-rebinding protection for the MCP endpoints: a web page the user visits could otherwise
// point a hostname of its own at 127.0.0.1 and drive the server from the browser. A request is
// served only when its Host is one we answer to and its Origin (browsers send one) is allowed.
import { HttpError } from './http-errors.js';
import { headerOf, type NodeHandler } from './node-handlers.js';

export interface HostOriginPolicy {
  hosts: readonly string[];
  origins: readonly string[];
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const LOOPBACK_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'];

/**
 * The configured lists, or the defaults: loopback names and the public URL's host, and the
 * public URL's origin plus loopback origins on any port.
 * Host entries without a port match any port; origin entries may end in ":*" for any port.
 */
export function hostOriginPolicy(publicUrl: string, allowedHosts: readonly string[] | undefined, allowedOrigins: readonly string[] | undefined): HostOriginPolicy {
  const pub = new URL(publicUrl);
  return {
    hosts: allowedHosts ?? [...LOOPBACK_HOSTS, pub.hostname],
    origins: allowedOrigins ?? [pub.origin, ...LOOPBACK_ORIGINS],
  };
}

// "example.org:8000" → ["example.org", "8000"]; "[::1]:8000" → ["[::1]", "8000"].
function splitHost(host: string): [string, string | undefined] {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  return m ? [m[1]!.toLowerCase(), m[2]] : [host.toLowerCase(), undefined];
}

export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const [name, port] = splitHost(host);
  return allowed.some((entry) => {
    const [allowedName, allowedPort] = splitHost(entry);
    return allowedName === name && (allowedPort === undefined || allowedPort === port);
  });
}

export function originAllowed(origin: string, allowed: readonly string[]): boolean {
  const given = origin.toLowerCase();
  return allowed.some((entry) => {
    const e = entry.toLowerCase().replace(/\/+$/, '');
    return e.endsWith(':*') ? given === e.slice(0, -2) || (given.startsWith(e.slice(0, -1)) && /^\d+$/.test(given.slice(e.length - 1))) : given === e;
  });
}

export function checkHostAndOrigin(policy: HostOriginPolicy): NodeHandler {
  return (req, _res, next) => {
    const host = headerOf(req, 'host') ?? '';
    if (!hostAllowed(host, policy.hosts)) {
      return next(new HttpError('forbidden', `Host: "${host}" is not a name this server answers to (BIO_QUEUE_ALLOWED_HOSTS)`));
    }
    const origin = headerOf(req, 'origin');
    if (origin !== undefined && !originAllowed(origin, policy.origins)) {
      return next(new HttpError('forbidden', `Origin: "${origin}" may not use this server (BIO_QUEUE_ALLOWED_ORIGINS)`));
    }
    next();
  };
}
