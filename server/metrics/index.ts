import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Invocation } from '../lambda/index.js';

export interface MetricsDeps {
  /** Workspaces by state (`running`, `paused`, `hibernated`). */
  workspaceStates(): Record<string, number>;
  /** Open WebSocket connections by kind (`documents`, `terminals`, `events`, `people`). */
  connections(): Record<string, number>;
  openDocuments(): number;
  terminals(): number;
  /** Bearer tokens that may read the metrics: the owner's, and the separate metrics token if set. */
  tokens(): string[];
}

/** Raw routes and other paths that are not express routes, by prefix, as a bounded label. */
const PREFIX_ROUTES: [string, string][] = [
  ['/lambda/', '/lambda/*'],
  ['/api-gw/', '/api-gw/*'],
  ['/lambda-url/', '/lambda-url/*'],
  ['/assets/', '/assets/*'],
  ['/metrics', '/metrics'],
];

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/**
 * The server's Prometheus metrics (`GET /metrics`, text format): workspaces by state, connections by
 * kind, open documents, terminals, Lambda invocations, throttles and durations, HTTP request durations by
 * route, and prom-client's process metrics (memory, CPU, event-loop lag, handles). One registry per
 * server, so that several servers in one process (tests) do not share counters.
 */
export function createMetrics(deps: MetricsDeps): {
  registry: Registry;
  lambda: { invoked(inv: Invocation): void; throttled(functionName: string): void };
  observeRequest(req: IncomingMessage, res: ServerResponse): void;
  handle(req: IncomingMessage, res: ServerResponse): void;
} {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const registers = [registry];

  new Gauge({
    name: 'nimbus_workspaces',
    help: 'Workspaces by state',
    labelNames: ['state'] as const,
    registers,
    collect() {
      const states = { running: 0, paused: 0, hibernated: 0, ...deps.workspaceStates() };
      for (const [state, n] of Object.entries(states)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'nimbus_connections',
    help: 'Open WebSocket connections by kind',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      const kinds = { documents: 0, terminals: 0, events: 0, people: 0, ...deps.connections() };
      for (const [kind, n] of Object.entries(kinds)) this.set({ kind }, n);
    },
  });
  new Gauge({
    name: 'nimbus_documents_open',
    help: 'Collaborative documents held in memory',
    registers,
    collect() {
      this.set(deps.openDocuments());
    },
  });
  new Gauge({
    name: 'nimbus_terminals',
    help: 'Terminals running',
    registers,
    collect() {
      this.set(deps.terminals());
    },
  });
  const invocations = new Counter({
    name: 'nimbus_lambda_invocations_total',
    help: 'Lambda invocations that ran, by outcome (error: the function failed) and start (cold or warm)',
    labelNames: ['outcome', 'start'] as const,
    registers,
  });
  const throttles = new Counter({
    name: 'nimbus_lambda_throttles_total',
    help: 'Lambda invocations refused for lack of concurrency (429 TooManyRequestsException)',
    registers,
  });
  const durations = new Histogram({
    name: 'nimbus_lambda_duration_seconds',
    help: 'Lambda invocation durations (as in REPORT: the handler, without init)',
    labelNames: ['start'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });
  const initDurations = new Histogram({
    name: 'nimbus_lambda_init_duration_seconds',
    help: 'Lambda cold start init durations',
    buckets: DURATION_BUCKETS,
    registers,
  });
  const http = new Histogram({
    name: 'nimbus_http_request_duration_seconds',
    help: 'HTTP request durations by method, route and status class',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });

  const routeOf = (req: IncomingMessage, path: string): string => {
    // Express leaves the matched route on the request: its pattern, never the path's values.
    const route = (req as IncomingMessage & { route?: { path?: unknown } }).route?.path;
    if (typeof route === 'string') return route;
    for (const [prefix, label] of PREFIX_ROUTES) if (path.startsWith(prefix)) return label;
    return path === '/' || path.startsWith('/w/') ? '/' : 'unmatched';
  };

  return {
    registry,
    lambda: {
      invoked(inv) {
        const start = inv.initDurationMs !== undefined ? 'cold' : 'warm';
        invocations.inc({ outcome: inv.functionError ? 'error' : 'success', start });
        durations.observe({ start }, inv.durationMs / 1000);
        if (inv.initDurationMs !== undefined) initDurations.observe(inv.initDurationMs / 1000);
      },
      throttled() {
        throttles.inc();
      },
    },
    observeRequest(req, res) {
      const started = performance.now();
      res.once('finish', () => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        http.observe(
          { method: req.method ?? 'GET', route: routeOf(req, path), status: `${Math.floor(res.statusCode / 100)}xx` },
          (performance.now() - started) / 1000,
        );
      });
    },
    handle(req, res) {
      if ((req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        return;
      }
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const ok = deps.tokens().some((t) => t.length === given.length && timingSafeEqual(Buffer.from(t), Buffer.from(given)));
      if (!ok) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="nimbus metrics"' });
        res.end('metrics need the owner token or the metrics token as a Bearer token\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' });
        res.end();
        return;
      }
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`metrics failed: ${(err as Error).message}\n`);
        },
      );
    },
  };
}
