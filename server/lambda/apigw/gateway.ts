import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { allows, parseCookies, SESSION_COOKIE, type Principal } from '../../auth/index.js';
import type { RawHandler } from '../../http/index.js';
import { UnauthenticatedBodies, type BodyLimits } from '../api/UnauthenticatedBodies.js';
import { LambdaError } from '../errors.js';
import type { LambdaFeature } from '../LambdaFeature.js';
import type { CorsSpec, HttpApiSpec } from '../types.js';
import { httpEventV1, httpEventV2, restEvent } from './events.js';
import type { PublicApis } from './PublicApis.js';
import type { GatewayRequest } from './request.js';
import { gatewayErrors, gatewayResponse, type GatewayResponse } from './responses.js';

/** API Gateway's payload limit; the event must still fit Lambda's 6 MB synchronous invoke. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
const MAX_EVENT_BYTES = 6 * 1024 * 1024;

export const API_GATEWAY_PREFIX = '/api-gw/';
export const FUNCTION_URL_PREFIX = '/lambda-url/';

export interface GatewayDeps {
  feature: LambdaFeature;
  publicApis: PublicApis;
  /** The principal of a Nimbus token (owner or share), if it is one. */
  principalForToken(token: string): Principal | undefined;
  principalForSession(sessionId: string): Principal | undefined;
  bodyLimits?: BodyLimits;
}

/** Headers a function's answer may not set on this server's origin (they would reach the IDE's own pages). */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'upgrade',
  'content-security-policy',
  'content-security-policy-report-only',
  'clear-site-data',
  'service-worker-allowed',
  'x-frame-options',
]);

/**
 * A function's response is the workspace's content, served from the IDE's origin: it gets a sandbox of
 * its own (an opaque origin: its scripts run, but cannot use the IDE's session), as API Gateway's
 * responses come from another domain.
 */
const RESPONSE_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

/**
 * Local HTTP APIs, as `sam local start-api` serves them and better: every `Api` and `HttpApi` route of a
 * workspace's templates at `/api-gw/<workspace>/<stage>/…`, function URLs at `/lambda-url/<workspace>/<function>/…`,
 * with API Gateway's events and response mapping (see events.ts, responses.ts). Callers authenticate as
 * for the IDE (the owner's token, a write share's, or their browser session) unless the owner made the API
 * public. The templates are read as they change, so code and routes take effect on the next request.
 */
export function apiGatewayHandler(deps: GatewayDeps): RawHandler {
  const bodies = new UnauthenticatedBodies(deps.bodyLimits);
  const log = deps.feature.deps.log;
  return (req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.error({ err }, 'local HTTP API request failed');
      if (!res.headersSent) send(res, gatewayErrors.internal('http'), undefined);
      else res.destroy();
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const url = rawUrl.startsWith(FUNCTION_URL_PREFIX);
    const rest = rawUrl.slice((url ? FUNCTION_URL_PREFIX : API_GATEWAY_PREFIX).length);
    const q = rest.indexOf('?');
    const pathPart = q < 0 ? rest : rest.slice(0, q);
    const rawQuery = q < 0 ? '' : rest.slice(q + 1);
    const [workspaceId = '', rawStage = '', ...tail] = pathPart.split('/');
    const stage = decodeURIComponentOr(rawStage);
    const path = `/${tail.join('/')}`;
    const { workspaces } = deps.feature.deps;
    if (!workspaceId || !stage || !workspaces.exists(workspaceId)) return send(res, gatewayErrors.noRoute(undefined), undefined);

    const { principal, viaHeader } = principalOf(req);
    const member = principal !== undefined && allows(principal, workspaceId, 'write');
    if (!member) {
      if (principal && allows(principal, workspaceId, 'read'))
        return send(res, forbidden('a read-only share cannot call the workspace’s APIs'), undefined);
      // A stranger wakes nothing unless the owner opened some API of this workspace.
      if (!deps.publicApis.any(workspaceId))
        return send(res, forbidden('sign in, or send a token of the workspace (Authorization: Bearer)'), undefined);
    }
    const svc = await deps.feature.service(workspaceId);
    const table = svc.routeTable();
    const method = (req.method ?? 'GET').toUpperCase();
    const prefix = `${deps.feature.deps.publicUrls?.basePath ?? ''}${url ? FUNCTION_URL_PREFIX : API_GATEWAY_PREFIX}${workspaceId}/${rawStage}`;

    // A CORS preflight the API's configuration answers (the function is not called).
    const origin = req.headers.origin;
    if (method === 'OPTIONS' && origin && req.headers['access-control-request-method']) {
      const any = table.match(stage, url, undefined, path);
      if (any?.route.api.cors && (member || deps.publicApis.has(workspaceId, any.route.api.id))) {
        return send(res, preflight(any.route.api, any.route.api.cors, origin, req), prefix);
      }
    }
    const match = table.match(stage, url, method, path);
    if (!match) return send(res, gatewayErrors.noRoute(table.kindOf(stage, url) ?? (url ? 'url' : 'rest')), prefix);
    const { route } = match;
    if (!member && !deps.publicApis.has(workspaceId, route.api.id))
      return send(res, forbidden('this API is not public: sign in, or send a token of the workspace'), undefined);

    let body: Buffer;
    try {
      body = await bodies.read(req, MAX_REQUEST_BYTES);
    } catch (err) {
      if (err instanceof LambdaError && err.status === 413) return send(res, gatewayErrors.tooLarge(), undefined);
      if (err instanceof LambdaError)
        return send(
          res,
          {
            status: err.status,
            headers: [['Content-Type', 'application/json']],
            body: Buffer.from(JSON.stringify({ message: err.message })),
          },
          undefined,
        );
      throw err;
    }
    const request: GatewayRequest = {
      method,
      path,
      rawQuery,
      headers: forwardedHeaders(req, viaHeader),
      body,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      scheme: 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http',
      host: req.headers.host ?? 'localhost',
      requestId: randomUUID(),
      time: new Date(),
    };
    const ctx = { route, accountId: svc.accountId, apiId: apiIdOf(workspaceId, route.api.id), pathParameters: match.pathParameters };
    const event =
      route.api.kind === 'rest'
        ? restEvent(request, ctx)
        : route.payloadFormat === '1.0'
          ? httpEventV1(request, ctx)
          : httpEventV2(request, ctx);
    const payload = Buffer.from(JSON.stringify(event));
    if (payload.length > MAX_EVENT_BYTES) return send(res, gatewayErrors.tooLarge(), undefined);

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (route.timeoutMs !== undefined) timer = setTimeout(() => resolve('timeout'), route.timeoutMs);
    });
    let response: GatewayResponse;
    try {
      const outcome = await Promise.race([
        svc.invoke(match.functionName, payload, {
          asOwner: principal?.role === 'owner',
          by: `HTTP API ${method} ${route.path === '$default' ? path : route.path}${member ? '' : ' (public)'}`,
        }),
        timedOut,
      ]);
      response = outcome === 'timeout' ? gatewayErrors.timeout() : gatewayResponse(route.api, route.payloadFormat, outcome);
    } catch (err) {
      if (!(err instanceof LambdaError)) throw err;
      response = err.status === 429 ? gatewayErrors.throttled() : gatewayErrors.internal(route.api.kind);
    } finally {
      clearTimeout(timer);
    }
    if (route.api.cors && route.api.kind !== 'rest' && origin) response = withCors(response, route.api.cors, origin);
    send(res, response, prefix);
  }

  /** Who calls: a Nimbus token in Authorization, else the browser session; `viaHeader` says which header to keep back. */
  function principalOf(req: IncomingMessage): { principal: Principal | undefined; viaHeader: boolean } {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      const principal = deps.principalForToken(auth.slice(7).trim());
      if (principal) return { principal, viaHeader: true };
    }
    const session = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    return { principal: session ? deps.principalForSession(session) : undefined, viaHeader: false };
  }
}

function decodeURIComponentOr(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return '';
  }
}

const forbidden = (message: string): GatewayResponse => ({
  status: 403,
  headers: [['Content-Type', 'application/json']],
  body: Buffer.from(JSON.stringify({ message: `Forbidden: ${message}` })),
});

/** A stable 10-character id per API and workspace (as in `abc123defg.execute-api…`). */
const apiIdOf = (workspaceId: string, apiId: string): string =>
  createHash('sha256').update(`${workspaceId}\0${apiId}`).digest('hex').slice(0, 10);

/**
 * The request's headers as the function sees them: Nimbus's own credentials taken out (the token that
 * authenticated, the session cookie: workspace code never sees them), and API Gateway's X-Forwarded-*.
 */
function forwardedHeaders(req: IncomingMessage, dropAuthorization: boolean): [string, string][] {
  const out: [string, string][] = [];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    let value = raw[i + 1] as string;
    const lower = name.toLowerCase();
    if (lower === 'authorization' && dropAuthorization) continue;
    if (lower === 'cookie') {
      value = value
        .split(/;\s*/)
        .filter((c) => c && !c.startsWith(`${SESSION_COOKIE}=`))
        .join('; ');
      if (!value) continue;
    }
    out.push([name, value]);
  }
  const ip = req.socket.remoteAddress ?? '127.0.0.1';
  const forwardedFor = req.headers['x-forwarded-for'];
  out.push(['X-Forwarded-For', forwardedFor ? `${String(forwardedFor)}, ${ip}` : ip]);
  out.push(['X-Forwarded-Port', String(req.socket.localPort ?? 80)]);
  out.push(['X-Forwarded-Proto', 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http']);
  return out;
}

function originAllowed(cors: CorsSpec, origin: string): string | undefined {
  if (cors.allowOrigins.includes('*')) return cors.allowCredentials ? origin : '*';
  return cors.allowOrigins.includes(origin) ? origin : undefined;
}

function preflight(api: HttpApiSpec, cors: CorsSpec, origin: string, req: IncomingMessage): GatewayResponse {
  const headers: [string, string][] = [];
  const allowed = originAllowed(cors, origin);
  if (allowed) {
    headers.push(['Access-Control-Allow-Origin', allowed]);
    const methods = cors.allowMethods.includes('*') ? String(req.headers['access-control-request-method']) : cors.allowMethods.join(',');
    headers.push(['Access-Control-Allow-Methods', methods]);
    const asked = req.headers['access-control-request-headers'];
    const allowHeaders = cors.allowHeaders.includes('*') ? (asked ? String(asked) : '') : cors.allowHeaders.join(',');
    if (allowHeaders) headers.push(['Access-Control-Allow-Headers', allowHeaders]);
    if (cors.maxAge !== undefined) headers.push(['Access-Control-Max-Age', String(cors.maxAge)]);
    if (cors.allowCredentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  }
  return { status: api.kind === 'rest' ? 200 : 204, headers, body: Buffer.alloc(0) };
}

/** HTTP APIs and function URLs put their CORS headers on every response, over the function's own. */
function withCors(response: GatewayResponse, cors: CorsSpec, origin: string): GatewayResponse {
  const allowed = originAllowed(cors, origin);
  if (!allowed) return response;
  const headers = response.headers.filter(([n]) => !n.toLowerCase().startsWith('access-control-'));
  headers.push(['Access-Control-Allow-Origin', allowed]);
  if (cors.exposeHeaders.length) headers.push(['Access-Control-Expose-Headers', cors.exposeHeaders.join(',')]);
  if (cors.allowCredentials) headers.push(['Access-Control-Allow-Credentials', 'true']);
  return { ...response, headers };
}

/**
 * Writes the response. A function's cookies are kept to its API (their Path under the API's prefix, no
 * Domain) and may not be Nimbus's session cookie: on AWS they would belong to the API's own domain.
 */
function send(res: ServerResponse, response: GatewayResponse, prefix: string | undefined): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    const lower = name.toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(lower)) continue;
    let v = value;
    if (lower === 'set-cookie') {
      const scoped = prefix === undefined ? undefined : scopeCookie(value, prefix);
      if (scoped === undefined) continue;
      v = scoped;
    }
    const existing = Object.keys(headers).find((k) => k.toLowerCase() === lower);
    if (existing === undefined) headers[name] = v;
    else headers[existing] = [...[headers[existing] as string | string[]].flat(), v];
  }
  headers['Content-Security-Policy'] = RESPONSE_CSP;
  headers['Content-Length'] = String(response.body.length);
  try {
    res.writeHead(response.status, headers);
  } catch {
    // A header the function set that HTTP cannot carry (a line break in a value): API Gateway's 502.
    const fallback = gatewayErrors.internal('rest');
    res.writeHead(fallback.status, {
      'Content-Type': 'application/json',
      'Content-Length': String(fallback.body.length),
      'Content-Security-Policy': RESPONSE_CSP,
    });
    res.end(fallback.body);
    return;
  }
  res.end(response.body);
}

function scopeCookie(cookie: string, prefix: string): string | undefined {
  const [pair = '', ...attributes] = cookie.split(';').map((p) => p.trim());
  const name = pair.split('=')[0]?.trim() ?? '';
  if (!name || name === SESSION_COOKIE || name.startsWith('__Host-')) return undefined;
  let path = '/';
  const kept: string[] = [];
  for (const a of attributes) {
    const [key = ''] = a.split('=');
    const k = key.trim().toLowerCase();
    if (k === 'domain') continue;
    if (k === 'path') path = a.slice(a.indexOf('=') + 1).trim() || '/';
    else kept.push(a);
  }
  const scoped = path.startsWith('/') ? `${prefix}${path === '/' ? '' : path}` : prefix;
  return [pair, `Path=${scoped || '/'}`, ...kept].join('; ');
}
