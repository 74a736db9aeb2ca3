// The address `serve` names for where it listens, in its ready line and links when no public URL is set.

// A wildcard address is not one a client can use: links then name the loopback address.
export function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
