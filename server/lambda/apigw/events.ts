import { gatewayTime } from '../../../shared/lambda.js';
import { decodeLoosely, isTextMediaType, mediaTypeMatches, mediaTypeOf, type GatewayRequest, type RouteContext } from './request.js';

/** The request's query string: every value of every key, decoded, in order. */
function queryOf(rawQuery: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!rawQuery) return out;
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** Headers grouped by name, case-insensitively; the first spelling met is kept (`lower` lower-cases them all). */
function headersOf(req: GatewayRequest, lower: boolean): Map<string, string[]> {
  const byKey = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of req.headers) {
    const key = name.toLowerCase();
    const entry = byKey.get(key);
    if (entry) entry.values.push(value);
    else byKey.set(key, { name: lower ? key : name, values: [value] });
  }
  return new Map([...byKey.values()].map((e) => [e.name, e.values]));
}

const contentTypeOf = (req: GatewayRequest): string => mediaTypeOf(req.headers.find(([n]) => n.toLowerCase() === 'content-type')?.[1]);

const lastOf = (m: Map<string, string[]>): Record<string, string> =>
  Object.fromEntries([...m].map(([k, v]) => [k, v[v.length - 1] as string]));
const allOf = (m: Map<string, string[]>): Record<string, string[]> => Object.fromEntries(m);
const joined = (m: Map<string, string[]>): Record<string, string> => Object.fromEntries([...m].map(([k, v]) => [k, v.join(',')]));

/** The request path, decoded segment by segment (`%2F` stays a slash inside its segment). */
const decodedPath = (path: string): string => path.split('/').map(decodeLoosely).join('/');

/** Path with the stage, as API Gateway reports it (`$default` is not part of any URL). */
const stagedPath = (stage: string, path: string): string => (stage === '$default' ? path : `/${stage}${path}`);

function bodyOf(req: GatewayRequest, binary: boolean): { body: string | null; isBase64Encoded: boolean } {
  if (req.body.length === 0) return { body: null, isBase64Encoded: false };
  return binary
    ? { body: req.body.toString('base64'), isBase64Encoded: true }
    : { body: req.body.toString('utf8'), isBase64Encoded: false };
}

/**
 * A REST API's Lambda proxy event (payload 1.0): headers as sent (the last value in `headers`, all in
 * `multiValueHeaders`), query strings likewise, `null` for what is absent, a body in base64 when its type is
 * one of the API's binary media types.
 */
export function restEvent(req: GatewayRequest, ctx: RouteContext): Record<string, unknown> {
  const headers = headersOf(req, false);
  const query = queryOf(req.rawQuery);
  const { api, path: resource } = ctx.route;
  const userAgent = headers.get([...headers.keys()].find((k) => k.toLowerCase() === 'user-agent') ?? '')?.at(-1) ?? null;
  return {
    resource,
    path: decodedPath(req.path),
    httpMethod: req.method,
    headers: headers.size ? lastOf(headers) : null,
    multiValueHeaders: headers.size ? allOf(headers) : null,
    queryStringParameters: query.size ? lastOf(query) : null,
    multiValueQueryStringParameters: query.size ? allOf(query) : null,
    pathParameters: ctx.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: ctx.accountId,
      apiId: ctx.apiId,
      domainName: req.host,
      domainPrefix: req.host.split('.')[0],
      extendedRequestId: req.requestId,
      httpMethod: req.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path: stagedPath(api.stage, decodedPath(req.path)),
      protocol: 'HTTP/1.1',
      requestId: req.requestId,
      requestTime: gatewayTime(req.time),
      requestTimeEpoch: req.time.getTime(),
      resourceId: ctx.apiId.slice(0, 6),
      resourcePath: resource,
      stage: api.stage,
    },
    ...bodyOf(req, mediaTypeMatches(contentTypeOf(req), api.binaryMediaTypes)),
  };
}

/** An HTTP API's event in payload format 1.0: the REST shape, with `version` and HTTP API's route context. */
export function httpEventV1(req: GatewayRequest, ctx: RouteContext): Record<string, unknown> {
  const event = restEvent(req, ctx);
  const context = event.requestContext as Record<string, unknown>;
  const { path: resource } = ctx.route;
  return {
    version: '1.0',
    ...event,
    resource: resource === '$default' ? '$default' : resource,
    requestContext: { ...context, resourceId: routeKeyOf(ctx), routeKey: routeKeyOf(ctx), resourcePath: resource },
    ...bodyOf(req, !isTextMediaType(contentTypeOf(req))),
  };
}

const routeKeyOf = (ctx: RouteContext): string => (ctx.route.path === '$default' ? '$default' : `${ctx.route.method} ${ctx.route.path}`);

/**
 * An HTTP API's (or a function URL's) event in payload format 2.0: header names in lower case, repeated
 * headers and query values joined with commas, cookies apart, absent parts left out, a non-text body in
 * base64.
 */
export function httpEventV2(req: GatewayRequest, ctx: RouteContext): Record<string, unknown> {
  const headers = headersOf(req, true);
  const cookies = (headers.get('cookie') ?? []).flatMap((c) => c.split(/;\s*/)).filter(Boolean);
  headers.delete('cookie');
  const query = queryOf(req.rawQuery);
  const rawPath = ctx.route.api.kind === 'url' ? req.path : stagedPath(ctx.route.api.stage, req.path);
  const { body, isBase64Encoded } = bodyOf(req, !isTextMediaType(contentTypeOf(req)));
  return {
    version: '2.0',
    routeKey: routeKeyOf(ctx),
    rawPath,
    rawQueryString: req.rawQuery,
    ...(cookies.length ? { cookies } : {}),
    headers: joined(headers),
    ...(query.size ? { queryStringParameters: joined(query) } : {}),
    requestContext: {
      accountId: ctx.route.api.kind === 'url' ? 'anonymous' : ctx.accountId,
      apiId: ctx.apiId,
      domainName: req.host,
      domainPrefix: req.host.split('.')[0],
      http: {
        method: req.method,
        path: decodedPath(rawPath),
        protocol: 'HTTP/1.1',
        sourceIp: req.sourceIp,
        userAgent: headers.get('user-agent')?.join(',') ?? '',
      },
      requestId: req.requestId,
      routeKey: routeKeyOf(ctx),
      stage: ctx.route.api.kind === 'url' ? '$default' : ctx.route.api.stage,
      time: gatewayTime(req.time),
      timeEpoch: req.time.getTime(),
    },
    ...(body !== null ? { body } : {}),
    ...(ctx.pathParameters ? { pathParameters: ctx.pathParameters } : {}),
    isBase64Encoded,
  };
}
