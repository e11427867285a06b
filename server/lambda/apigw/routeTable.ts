import type { HttpApiSpec, HttpRouteSpec } from '../types.js';
import { decodeLoosely } from './request.js';

type Segment = { literal: string } | { param: string } | { greedy: string };

interface Compiled {
  route: HttpRouteSpec;
  functionName: string;
  segments: Segment[] | undefined; // undefined: `$default`
}

export interface RouteMatch {
  route: HttpRouteSpec;
  functionName: string;
  pathParameters: Record<string, string> | undefined;
}

function compile(path: string): Segment[] | undefined {
  if (path === '$default') return undefined;
  return path
    .split('/')
    .filter((s) => s !== '')
    .map((s): Segment => {
      const greedy = /^\{(\w+)\+\}$/.exec(s);
      if (greedy) return { greedy: greedy[1] as string };
      const param = /^\{(\w+)\}$/.exec(s);
      return param ? { param: param[1] as string } : { literal: s };
    });
}

/** 0 for a literal, 1 for a parameter, 2 for a greedy parameter: API Gateway tries the most specific first. */
const rank = (s: Segment): number => ('literal' in s ? 0 : 'param' in s ? 1 : 2);

function moreSpecificFirst(a: Compiled, b: Compiled): number {
  if (!a.segments || !b.segments) return a.segments ? -1 : b.segments ? 1 : 0;
  for (let i = 0; i < Math.max(a.segments.length, b.segments.length); i++) {
    const x = a.segments[i];
    const y = b.segments[i];
    if (!x || !y) return x ? -1 : 1; // the longer literal path first
    const d = rank(x) - rank(y);
    if (d !== 0) return d;
  }
  // The same path: a route for the method before ANY.
  return (a.route.method === 'ANY' ? 1 : 0) - (b.route.method === 'ANY' ? 1 : 0);
}

/**
 * The HTTP routes of a workspace's functions, by stage (a function URL by its function's name), matched
 * as API Gateway matches them: literal segments before `{param}` before `{proxy+}`, a method before ANY,
 * an HTTP API's `$default` route when nothing else matches. Two routes with the same stage, method and
 * path: the first one (templates in path order) is served.
 */
export class RouteTable {
  private readonly byStage = new Map<string, Compiled[]>();
  readonly conflicts: { route: HttpRouteSpec; functionName: string; shadowedBy: string }[] = [];

  constructor(functions: { name: string; routes: HttpRouteSpec[] }[]) {
    const seen = new Map<string, string>();
    for (const fn of functions) {
      for (const route of fn.routes) {
        const stageKey = `${route.api.kind === 'url' ? 'url' : 'api'}:${route.api.stage}`;
        const key = `${stageKey} ${route.method} ${route.path}`;
        const first = seen.get(key);
        if (first !== undefined) {
          this.conflicts.push({ route, functionName: fn.name, shadowedBy: first });
          continue;
        }
        seen.set(key, fn.name);
        const list = this.byStage.get(stageKey) ?? [];
        list.push({ route, functionName: fn.name, segments: compile(route.path) });
        this.byStage.set(stageKey, list);
      }
    }
    for (const list of this.byStage.values()) list.sort(moreSpecificFirst);
  }

  /** The kind of API a stage belongs to (its first route's), or undefined when no API has that stage. */
  kindOf(stage: string, url: boolean): HttpApiSpec['kind'] | undefined {
    return this.byStage.get(`${url ? 'url' : 'api'}:${stage}`)?.[0]?.route.api.kind;
  }

  /** The route a request takes (`method` undefined: any route of the path, as a CORS preflight asks). */
  match(stage: string, url: boolean, method: string | undefined, path: string): RouteMatch | undefined {
    const list = this.byStage.get(`${url ? 'url' : 'api'}:${stage}`);
    if (!list) return undefined;
    const parts = path.split('/').slice(1);
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // `/items/` is `/items`
    for (const c of list) {
      if (method !== undefined && c.route.method !== 'ANY' && c.route.method !== method) continue;
      if (!c.segments) return { route: c.route, functionName: c.functionName, pathParameters: undefined };
      const params = matchSegments(c.segments, parts);
      if (params) return { route: c.route, functionName: c.functionName, pathParameters: Object.keys(params).length ? params : undefined };
    }
    return undefined;
  }

  /** Every route, for the sidebar. */
  routes(): { route: HttpRouteSpec; functionName: string }[] {
    return [...this.byStage.values()].flat().map(({ route, functionName }) => ({ route, functionName }));
  }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  // The root path `/` is one empty part; the route `/` has no segments.
  if (segments.length === 0) return parts.length === 1 && parts[0] === '' ? params : undefined;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as Segment;
    const part = parts[i];
    if ('greedy' in s) {
      const rest = parts.slice(i);
      if (rest.length === 0 || rest.every((p) => p === '')) return undefined;
      params[s.greedy] = rest.map(decodeLoosely).join('/');
      return params;
    }
    if (part === undefined || part === '') return undefined;
    if ('literal' in s) {
      if (decodeLoosely(part) !== s.literal) return undefined;
    } else params[s.param] = decodeLoosely(part);
  }
  return parts.length === segments.length ? params : undefined;
}
