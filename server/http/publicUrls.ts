import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import proxyaddr from 'proxy-addr';

/**
 * Where the browser reaches Nimbus: its origin and the path it is served under. Behind a reverse proxy
 * the origin comes from `X-Forwarded-Proto` and `X-Forwarded-Host`, but only when the connection comes
 * from a proxy the administrator trusts (`--trust-proxy`); from anyone else those headers are ignored.
 */
export interface PublicUrls {
  /** `''` at the root, `/ide` under a base path. */
  readonly basePath: string;
  /** `https://ide.example.com` (no base path). */
  origin(req: IncomingMessage): string;
  /** The URL as the client sent it, base path included (a SigV4 signature covers it). */
  originalUrl(req: IncomingMessage): string;
}

const originals = new WeakMap<IncomingMessage, string>();

const first = (v: string | string[] | undefined): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
};

/** `/ide/` → `/ide`; `''` and `/` → `''`. Refuses what is not a plain path. */
export function normalizeBasePath(raw: string): string {
  const trimmed = raw.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed)) throw new Error(`must be a path such as /ide (letters, digits, . _ ~ -), got "${raw}"`);
  return trimmed;
}

export function createPublicUrls(
  basePath: string,
  trustProxy: string[],
): PublicUrls & {
  /** Takes the base path off a request's URL (undefined: the request is not under it). */
  strip(req: IncomingMessage): string | undefined;
  /** The `trust proxy` setting for express (false: none). */
  readonly expressTrust: false | string[];
} {
  const trust = trustProxy.length ? proxyaddr.compile(trustProxy) : undefined;
  const trusted = (req: IncomingMessage): boolean => trust !== undefined && trust(req.socket.remoteAddress ?? '', 0);
  const secure = (req: IncomingMessage): boolean => {
    if (trusted(req)) {
      const proto = first(req.headers['x-forwarded-proto']);
      if (proto) return proto === 'https';
    }
    return (req.socket as TLSSocket).encrypted === true;
  };
  return {
    basePath,
    expressTrust: trustProxy.length ? trustProxy : false,
    origin(req) {
      const host = (trusted(req) ? first(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? 'localhost';
      return `${secure(req) ? 'https' : 'http'}://${host}`;
    },
    // Without a base path nothing is taken off: the URL is the one sent.
    originalUrl(req) {
      return originals.get(req) ?? req.url ?? '/';
    },
    strip(req) {
      const url = req.url ?? '/';
      if (!basePath) return url;
      originals.set(req, url);
      if (url === basePath || url.startsWith(`${basePath}?`)) return `/${url.slice(basePath.length)}`;
      if (url.startsWith(`${basePath}/`)) return url.slice(basePath.length);
      return undefined;
    },
  };
}
