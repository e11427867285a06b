import type { HttpRouteSpec } from '../types.js';

/** An HTTP request as the gateway saw it, independent of node:http (the event builders are pure). */
export interface GatewayRequest {
  method: string;
  /** The path after the API's prefix (`/api-gw/<workspace>/<stage>`), as sent (percent-encoded), from `/`. */
  path: string;
  /** The query string as sent, without `?`. */
  rawQuery: string;
  /** Header names as sent (case kept) and values, in order, duplicates included (node's rawHeaders, paired). */
  headers: [string, string][];
  body: Buffer;
  sourceIp: string;
  /** `http` or `https`. */
  scheme: string;
  host: string;
  requestId: string;
  time: Date;
}

/** What the gateway knows once a route matched. */
export interface RouteContext {
  route: HttpRouteSpec;
  accountId: string;
  /** A 10-character API id, stable for the API (as `abc123defg` in an execute-api host name). */
  apiId: string;
  pathParameters: Record<string, string> | undefined;
}

/** Decodes percent-escapes, leaving a malformed one as it was sent. */
export function decodeLoosely(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `type/subtype` of a Content-Type value, lower case. */
export const mediaTypeOf = (contentType: string | undefined): string => (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** Whether `type` matches one of `patterns` (`image/png`, `image/*`, every type). */
export function mediaTypeMatches(type: string, patterns: readonly string[]): boolean {
  if (!type) return patterns.includes('*/*');
  const [major] = type.split('/');
  return patterns.some((p) => {
    const q = p.toLowerCase();
    return q === '*/*' || q === type || q === `${major}/*`;
  });
}

/**
 * Bodies an HTTP API or a function URL passes as text; any other is base64 (so form posts arrive
 * base64-encoded, as on AWS).
 */
export function isTextMediaType(type: string): boolean {
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml|yaml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/ecmascript'
  );
}
