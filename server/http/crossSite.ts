import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isOwnOrigin } from './hostGuard.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request that changes state may come from where it comes from. SameSite=Strict cookies still
 * go along with requests from another port of the same host (same site, other origin), so a page on
 * `127.0.0.1:<other port>` could otherwise post to the API with the owner's cookie. Browsers say where a
 * request comes from in `Sec-Fetch-Site` (which no page can forge), older ones only in `Origin`; a
 * request with neither is not a browser's cross-origin request (curl, the SDKs, tests) and is judged
 * by its token alone.
 */
export function crossSiteAllowed(req: IncomingMessage): boolean {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return true;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  return origin === undefined || isOwnOrigin(origin, req.headers.host);
}

/**
 * The Content-Security-Policy of every response: scripts, styles, workers, fonts and connections from
 * this origin only (Monaco sets inline styles, hence 'unsafe-inline' for styles alone), no framing, no
 * plugins, forms post back here only. A page with an inline script passes that script to allow it by hash.
 */
export function contentSecurityPolicy(inlineScript?: string): string {
  const script = inlineScript ? ` 'sha256-${createHash('sha256').update(inlineScript).digest('base64')}'` : '';
  return [
    "default-src 'self'",
    `script-src 'self'${script}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "object-src 'none'",
  ].join('; ');
}
