import type { CorsSpec, HttpApiSpec, HttpRouteSpec } from '../types.js';
import { findUnresolved, type Resolver } from './intrinsics.js';
import { mergeGlobals } from './scope.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface HttpEventsArgs {
  file: string;
  logicalId: string;
  name: string;
  /** The function's Events, as written. */
  events: unknown;
  /** The function's FunctionUrlConfig (after Globals), as written. */
  urlConfig: unknown;
  template: Record<string, unknown>;
  typed: Record<string, Record<string, unknown>>;
  resolver: Resolver;
}

/** SAM's implicit APIs: what `Api` and `HttpApi` events without an API of their own belong to. */
const IMPLICIT_REST = 'ServerlessRestApi';
const IMPLICIT_HTTP = 'ServerlessHttpApi';
const ALL_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];
const METHOD = /^(ANY|DELETE|GET|HEAD|OPTIONS|PATCH|POST|PUT)$/;

/**
 * The HTTP routes of one function, as API Gateway would serve them: each `Api` event (REST API, payload
 * 1.0), each `HttpApi` event (payload 2.0 unless it says 1.0; no Path and Method is the `$default`
 * route), and a `FunctionUrlConfig`. An event that cannot be served is left out with a warning.
 */
export function httpRoutesOf(a: HttpEventsArgs): { routes: HttpRouteSpec[]; warnings: string[] } {
  const routes: HttpRouteSpec[] = [];
  const warnings: string[] = [];
  const globals = isObject(a.template.Globals) ? a.template.Globals : {};
  const resolved = (where: string, value: unknown): unknown => {
    const v = a.resolver.resolve(value);
    const unresolved = findUnresolved(v);
    if (unresolved) throw new RouteProblem(`${where} ${unresolved.toString()} cannot be resolved locally`);
    return v;
  };
  const apiOf = (kind: 'rest' | 'http', ref: unknown, event: string): HttpApiSpec => {
    const implicit = kind === 'rest' ? IMPLICIT_REST : IMPLICIT_HTTP;
    const logicalId = ref === undefined ? implicit : isObject(ref) && typeof ref.Ref === 'string' ? ref.Ref : undefined;
    if (logicalId === undefined)
      throw new RouteProblem(`${event}: ${kind === 'rest' ? 'RestApiId' : 'ApiId'} must be a !Ref to an API of this template`);
    const type = kind === 'rest' ? 'AWS::Serverless::Api' : 'AWS::Serverless::HttpApi';
    const resource = a.typed[logicalId];
    if (logicalId !== implicit && resource?.Type !== type)
      throw new RouteProblem(`${event}: ${logicalId} is not an ${type} of this template`);
    const own = isObject(resource?.Properties) ? resource.Properties : {};
    const props = resolved(`${logicalId}`, mergeGlobals(kind === 'rest' ? globals.Api : globals.HttpApi, own)) as Record<string, unknown>;
    const stage = props.StageName === undefined ? (kind === 'rest' ? 'Prod' : '$default') : props.StageName;
    if (typeof stage !== 'string' || !/^(\$default|[A-Za-z0-9_-]{1,128})$/.test(stage))
      throw new RouteProblem(`${logicalId}: StageName must be letters, digits, - or _`);
    const cors = kind === 'rest' ? restCors(props.Cors) : httpCors(props.CorsConfiguration);
    const binary = Array.isArray(props.BinaryMediaTypes) ? props.BinaryMediaTypes.filter((t): t is string => typeof t === 'string') : [];
    return {
      id: `${a.file}#${logicalId}`,
      kind,
      stage,
      ...(cors ? { cors } : {}),
      binaryMediaTypes: kind === 'rest' ? binary.map((t) => t.replaceAll('~1', '/')) : [],
    };
  };

  for (const [event, raw] of Object.entries(isObject(a.events) ? a.events : {})) {
    if (!isObject(raw) || (raw.Type !== 'Api' && raw.Type !== 'HttpApi')) continue;
    try {
      const rawProps = isObject(raw.Properties) ? raw.Properties : {};
      const kind = raw.Type === 'Api' ? 'rest' : 'http';
      const api = apiOf(kind, kind === 'rest' ? rawProps.RestApiId : rawProps.ApiId, event);
      const props = resolved(event, { ...rawProps, RestApiId: undefined, ApiId: undefined }) as Record<string, unknown>;
      let path = props.Path;
      let method = typeof props.Method === 'string' ? props.Method.toUpperCase() : props.Method;
      if (kind === 'http' && path === undefined && method === undefined) {
        path = '$default';
        method = 'ANY';
      }
      if (typeof path !== 'string' || !(path === '$default' || /^\/[^\s?#]*$/.test(path)))
        throw new RouteProblem(`${event}: Path must start with /`);
      if (typeof method !== 'string' || !METHOD.test(method)) throw new RouteProblem(`${event}: Method must be an HTTP method or ANY`);
      const format = kind === 'rest' ? '1.0' : props.PayloadFormatVersion === undefined ? '2.0' : String(props.PayloadFormatVersion);
      if (format !== '1.0' && format !== '2.0') throw new RouteProblem(`${event}: PayloadFormatVersion must be 1.0 or 2.0`);
      const max = kind === 'rest' ? 29_000 : 30_000;
      const timeout = props.TimeoutInMillis === undefined ? max : Number(props.TimeoutInMillis);
      if (!Number.isInteger(timeout) || timeout < 50 || timeout > max)
        throw new RouteProblem(`${event}: TimeoutInMillis must be from 50 to ${max}`);
      routes.push({ api, method, path: normalizePath(path), payloadFormat: format, timeoutMs: timeout, event });
    } catch (err) {
      if (!(err instanceof RouteProblem)) throw err;
      warnings.push(`${err.message}; not served locally`);
    }
  }
  if (a.urlConfig !== undefined) {
    try {
      const config = resolved('FunctionUrlConfig', a.urlConfig);
      if (!isObject(config)) throw new RouteProblem('FunctionUrlConfig must be a map');
      const cors = httpCors(config.Cors);
      const api: HttpApiSpec = {
        id: `${a.file}#${a.logicalId}.Url`,
        kind: 'url',
        stage: a.name,
        ...(cors ? { cors } : {}),
        binaryMediaTypes: [],
      };
      routes.push({ api, method: 'ANY', path: '$default', payloadFormat: '2.0', timeoutMs: undefined, event: 'FunctionUrlConfig' });
    } catch (err) {
      if (!(err instanceof RouteProblem)) throw err;
      warnings.push(`${err.message}; not served locally`);
    }
  }
  return { routes, warnings };
}

class RouteProblem extends Error {}

/** `/items/` and `/items` are one route on API Gateway. */
const normalizePath = (path: string): string => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);

/** SAM's REST `Cors`: a quoted origin (`"'*'"`), or AllowOrigin, AllowMethods, AllowHeaders, MaxAge, AllowCredentials. */
function restCors(value: unknown): CorsSpec | undefined {
  if (value === undefined) return undefined;
  const unquote = (v: unknown): string | undefined => (typeof v === 'string' ? v.replace(/^'(.*)'$/s, '$1') : undefined);
  const list = (v: unknown): string[] =>
    (unquote(v) ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  if (typeof value === 'string')
    return {
      allowOrigins: [unquote(value) as string],
      allowMethods: ALL_METHODS,
      allowHeaders: [],
      exposeHeaders: [],
      allowCredentials: false,
    };
  if (!isObject(value)) return undefined;
  const maxAge = Number(unquote(value.MaxAge) ?? value.MaxAge);
  return {
    allowOrigins: list(value.AllowOrigin),
    allowMethods: value.AllowMethods === undefined ? ALL_METHODS : list(value.AllowMethods).map((m) => m.toUpperCase()),
    allowHeaders: list(value.AllowHeaders),
    exposeHeaders: [],
    ...(Number.isFinite(maxAge) ? { maxAge } : {}),
    allowCredentials: value.AllowCredentials === true,
  };
}

/** An HTTP API's `CorsConfiguration` (true: everything allowed) or a function URL's `Cors`. */
function httpCors(value: unknown): CorsSpec | undefined {
  if (value === true) return { allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'], exposeHeaders: [], allowCredentials: false };
  if (!isObject(value)) return undefined;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  return {
    allowOrigins: list(value.AllowOrigins),
    allowMethods: list(value.AllowMethods).map((m) => m.toUpperCase()),
    allowHeaders: list(value.AllowHeaders),
    exposeHeaders: list(value.ExposeHeaders),
    ...(typeof value.MaxAge === 'number' ? { maxAge: value.MaxAge } : {}),
    allowCredentials: value.AllowCredentials === true,
  };
}
