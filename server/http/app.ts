import fs from 'node:fs';
import path from 'node:path';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../logger.js';
import { HttpError } from './HttpError.js';
import { errorHandler, notFoundHandler } from './errorHandler.js';

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
  /** Authenticated routers, after the JSON parser. */
  routers: Router[];
  /** Unauthenticated routers with their own auth (the Lambda API signs requests with SigV4). */
  publicRouters: Router[];
  clientDir: string | undefined;
  version: string;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const started = performance.now();
    // Only the path is logged, never the query (it may carry ?token=) or auth headers.
    res.on('finish', () => {
      deps.log.debug({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    });
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (!deps.hostAllowed(req.headers.host)) return next(new HttpError('this server does not answer to that Host name', 403, 'forbidden_host'));
    next();
  });
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', version: deps.version });
  });
  for (const router of deps.publicRouters) app.use(router);
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
