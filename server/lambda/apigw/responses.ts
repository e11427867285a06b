import type { HttpApiSpec } from '../types.js';

/** What the gateway answers: status, headers in order (a name may repeat), body. */
export interface GatewayResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

const json = (status: number, value: unknown): GatewayResponse => ({
  status,
  headers: [['Content-Type', 'application/json']],
  body: Buffer.from(JSON.stringify(value)),
});

/** API Gateway's own answers, by API kind: REST APIs and HTTP APIs word them differently. */
export const gatewayErrors = {
  /** The function failed, or answered something that is not a proxy response. */
  internal: (kind: HttpApiSpec['kind']): GatewayResponse =>
    kind === 'rest' ? json(502, { message: 'Internal server error' }) : json(500, { message: 'Internal Server Error' }),
  /** No route: REST APIs answer as for a missing API key, HTTP APIs 404. */
  noRoute: (kind: HttpApiSpec['kind'] | undefined): GatewayResponse =>
    kind === 'rest' ? json(403, { message: 'Missing Authentication Token' }) : json(404, { message: 'Not Found' }),
  timeout: (): GatewayResponse => json(504, { message: 'Endpoint request timed out' }),
  tooLarge: (): GatewayResponse => json(413, { message: 'Request Too Long' }),
  throttled: (): GatewayResponse => json(429, { message: 'Too Many Requests' }),
};

class Malformed extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A header value as API Gateway takes it: strings, and numbers or booleans as their text. */
function headerValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Malformed('a header value must be a string');
}

/**
 * The proxy response shape (REST, payload 1.0, and 2.0 with a statusCode): `statusCode`, `headers`,
 * `multiValueHeaders` (a name in both: only the multi-value ones are kept), `cookies` (2.0), `body`,
 * `isBase64Encoded`.
 */
function proxyResponse(value: Record<string, unknown>, cookiesAllowed: boolean): GatewayResponse {
  const status = typeof value.statusCode === 'string' && /^\d+$/.test(value.statusCode) ? Number(value.statusCode) : value.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw new Malformed('statusCode');
  const headers: [string, string][] = [];
  const multi = value.multiValueHeaders;
  const multiNames = new Set<string>();
  if (multi !== undefined && multi !== null) {
    if (!isObject(multi)) throw new Malformed('multiValueHeaders');
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values)) throw new Malformed('multiValueHeaders');
      multiNames.add(name.toLowerCase());
      for (const v of values) headers.push([name, headerValue(v)]);
    }
  }
  if (value.headers !== undefined && value.headers !== null) {
    if (!isObject(value.headers)) throw new Malformed('headers');
    for (const [name, v] of Object.entries(value.headers)) if (!multiNames.has(name.toLowerCase())) headers.push([name, headerValue(v)]);
  }
  if (cookiesAllowed && value.cookies !== undefined) {
    if (!Array.isArray(value.cookies)) throw new Malformed('cookies');
    for (const c of value.cookies) headers.push(['Set-Cookie', headerValue(c)]);
  }
  const body = value.body;
  if (body !== undefined && body !== null && typeof body !== 'string') throw new Malformed('body must be a string');
  if (value.isBase64Encoded !== undefined && typeof value.isBase64Encoded !== 'boolean') throw new Malformed('isBase64Encoded');
  const bytes = typeof body === 'string' ? Buffer.from(body, value.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  if (!headers.some(([n]) => n.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
  return { status, headers, body: bytes };
}

/**
 * Maps a function's answer to the HTTP response API Gateway would send. REST APIs and payload 1.0 need
 * the proxy response shape (anything else is a 502 / 500). Payload 2.0 also takes any other JSON as the
 * body of a 200 (the "simple response"). A failed invocation is the API's internal error.
 */
export function gatewayResponse(
  api: HttpApiSpec,
  format: '1.0' | '2.0',
  outcome: { payload: Buffer; functionError?: string },
): GatewayResponse {
  if (outcome.functionError) return gatewayErrors.internal(api.kind);
  let value: unknown;
  try {
    value = JSON.parse(outcome.payload.toString('utf8'));
  } catch {
    return gatewayErrors.internal(api.kind);
  }
  try {
    if (format === '2.0' && !(isObject(value) && 'statusCode' in value)) {
      return { status: 200, headers: [['Content-Type', 'application/json']], body: outcome.payload };
    }
    if (!isObject(value)) throw new Malformed('not an object');
    return proxyResponse(value, format === '2.0');
  } catch (err) {
    if (err instanceof Malformed) return gatewayErrors.internal(api.kind);
    throw err;
  }
}
