import fs from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import path from 'node:path';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../logger.js';
import { errorHandler, notFoundHandler } from './errorHandler.js';
import { HttpError } from './HttpError.js';

export interface AppDeps {
  /** Auth pieces, passed in so that http/ stays below auth/ in the layering. */
  tokenExchange: RequestHandler;
  loginRouter: Router;
  authenticate: RequestHandler;
  hostAllowed: (host: string | undefined) => boolean;
  log: Logger;
  jsonLimitBytes: number;
  /** Routers that read their own (raw) request bodies, mounted before the JSON parser. */
  rawBodyRouters: Router[];
  /** Answered before express (see RawRoute). */
  rawRoutes: RawRoute[];
  /** Authenticated routers, after the JSON parser. */
  routers: Router[];
  clientDir: string | undefined;
  version: string;
}

/**
 * A hot API with its own authentication, body reading and error shapes (the Lambda API: SigV4, AWS
 * errors), answered straight from node:http: express's router and request decoration cost about
 * 0.2 ms per request, a fifth of a warm Lambda invoke.
 */
export interface RawRoute {
  /** Requests whose path starts with this (e.g. `/lambda/`). */
  prefix: string;
  handle: RawHandler;
}

export type RawHandler = (req: IncomingMessage, res: ServerResponse) => void;

const FORBIDDEN_HOST = new HttpError('this server does not answer to that Host name', 403, 'forbidden_host');

/**
 * The server's request listener. Every request, raw route or express, gets the same front door: a debug
 * log line (the path only, never the query, which may carry ?token=, nor auth headers), the security
 * headers and the Host guard. Then the raw routes, then the express app.
 */
export function createApp(deps: AppDeps): RequestListener {
  const app = expressApp(deps);
  const { log, hostAllowed, rawRoutes } = deps;
  return (req, res) => {
    const url = req.url ?? '/';
    if (log.isLevelEnabled('debug')) {
      const started = performance.now();
      res.on('finish', () => log.debug({ method: req.method, path: url.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!hostAllowed(req.headers.host)) {
      const body = JSON.stringify(FORBIDDEN_HOST.body());
      res.writeHead(FORBIDDEN_HOST.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
      return void res.end(body);
    }
    const route = rawRoutes.find((r) => url.startsWith(r.prefix));
    if (route) route.handle(req, res);
    else void app(req, res);
  };
}

function expressApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', version: deps.version });
  });
  app.use(deps.tokenExchange);
  app.use(deps.loginRouter);
  app.use(deps.authenticate);
  for (const router of deps.rawBodyRouters) app.use(router);
  app.use(express.json({ limit: deps.jsonLimitBytes }));
  for (const router of deps.routers) app.use(router);

  if (deps.clientDir && fs.existsSync(path.join(deps.clientDir, 'index.html'))) {
    const clientDir = deps.clientDir;
    const index = path.join(clientDir, 'index.html');
    app.use(express.static(clientDir, { index: false, maxAge: '1h', fallthrough: true }));
    app.get(['/', '/w/:workspaceId'], (_req, res) => {
      res.setHeader('Cache-Control', 'no-store');
      res.sendFile(index);
    });
  }
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
