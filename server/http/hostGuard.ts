import os from 'node:os';

/**
 * DNS-rebinding guard: a browser tricked into resolving evil.example to 127.0.0.1 still sends
 * `Host: evil.example`, so only our own names and addresses are accepted.
 */
export function createHostGuard(bindHost: string, extra: readonly string[]): (hostHeader: string | undefined) => boolean {
  const allowed = new Set(['localhost', '127.0.0.1', '[::1]', ...extra.map((h) => h.toLowerCase())]);
  allowed.add(bindHost.includes(':') ? `[${bindHost}]` : bindHost.toLowerCase());
  if (bindHost === '0.0.0.0' || bindHost === '::') {
    allowed.add(os.hostname().toLowerCase());
    for (const addrs of Object.values(os.networkInterfaces())) {
      for (const a of addrs ?? []) allowed.add(a.family === 'IPv6' ? `[${a.address}]` : a.address);
    }
  }
  return (hostHeader) => {
    // A name or an address and a port, nothing else: `localhost:8080@evil.example` would otherwise pass
    // as localhost and end up in share links.
    if (!hostHeader || !HOST_HEADER.test(hostHeader)) return false;
    return allowed.has(hostName(hostHeader));
  };
}

const HOST_HEADER = /^(?:[a-z0-9](?:[a-z0-9-]{0,62})?(?:\.[a-z0-9](?:[a-z0-9-]{0,62})?)*\.?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The host part of a Host header or an Origin's host, lower-cased, without the port. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(0, end + 1);
  }
  const colon = h.indexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

/** True when a browser's Origin is this server (same host and port as the request's Host header). */
export function isOwnOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host.toLowerCase() === hostHeader.toLowerCase();
  } catch {
    return false;
  }
}
