import fs from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import path from 'node:path';
import expressStaticGzip from 'express-static-gzip';
import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from '../logger.js';
import { contentSecurityPolicy, crossSiteAllowed } from './crossSite.js';
import { errorHandler, notFoundHandler } from './errorHandler.js';
import { HttpError } from './HttpError.js';
import type { createPublicUrls } from './publicUrls.js';

export interface AppDeps {
  /** Auth pieces, passed in so that http/ stays below auth/ in the layering. */
  tokenExchange: RequestHandler;
  loginRouter: Router;
  authenticate: RequestHandler;
  /** Told of every request that authenticated (its connection is no longer a stranger's). */
  onAuthenticated: (req: IncomingMessage) => void;
  hostAllowed: (host: string | undefined) => boolean;
  log: Logger;
  jsonLimitBytes: number;
  /** Routers that read their own (raw) request bodies, mounted before the JSON parser. */
  rawBodyRouters: Router[];
  /** Answered before express (see RawRoute). */
  rawRoutes: RawRoute[];
  /** The base path and what a trusted proxy says; requests outside the base path are not Nimbus's. */
  publicUrls: ReturnType<typeof createPublicUrls>;
  /** Told of every request first (the metrics time it). */
  observeRequest?: (req: IncomingMessage, res: ServerResponse) => void;
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
const CROSS_SITE = new HttpError("requests that change something must come from this server's own pages", 403, 'cross_site');
const CSP = contentSecurityPolicy();

function refuse(res: ServerResponse, error: HttpError): void {
  const body = JSON.stringify(error.body());
  res.writeHead(error.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/**
 * The server's request listener. Every request, raw route or express, gets the same front door: a debug
 * log line (the path only, never the query, which may carry ?token=, nor auth headers), the security
 * headers and the Host guard. Then the raw routes, then the express app.
 */
export function createApp(deps: AppDeps): RequestListener {
  const app = expressApp(deps);
  const { log, hostAllowed, rawRoutes } = deps;
  const { publicUrls } = deps;
  return (req, res) => {
    deps.observeRequest?.(req, res);
    // Under a base path (behind a proxy), everything is served below it, and routed without it.
    const stripped = publicUrls.strip(req);
    if (stripped === undefined) {
      if ((req.url ?? '/').split('?')[0] === '/') {
        res.writeHead(302, { location: `${publicUrls.basePath}/` });
        return void res.end();
      }
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      return void res.end(`Nimbus is served under ${publicUrls.basePath}/\n`);
    }
    req.url = stripped;
    const url = stripped;
    if (log.isLevelEnabled('debug')) {
      const started = performance.now();
      res.on('finish', () =>
        log.debug(
          { method: req.method, path: url.split('?')[0], status: res.statusCode, ms: Math.round(performance.now() - started) },
          'request',
        ),
      );
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Not no-referrer: under it browsers send `Origin: null` even from our own pages, and the
    // cross-site check needs the real one. Other sites still get no Referer.
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Content-Security-Policy', CSP);
    if (!hostAllowed(req.headers.host)) return refuse(res, FORBIDDEN_HOST);
    // Raw routes authenticate every request by its signature, never by a cookie: no cross-site risk.
    const route = rawRoutes.find((r) => url.startsWith(r.prefix));
    if (route) return route.handle(req, res);
    if (!crossSiteAllowed(req)) return refuse(res, CROSS_SITE);
    void app(req, res);
  };
}

function expressApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // req.secure, req.protocol and req.ip believe X-Forwarded-* from the trusted proxies only.
  app.set('trust proxy', deps.publicUrls.expressTrust);
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', version: deps.version });
  });
  app.use(deps.tokenExchange);
  app.use(deps.loginRouter);
  app.use(deps.authenticate);
  app.use((req, _res, next) => {
    deps.onAuthenticated(req);
    next();
  });
  for (const router of deps.rawBodyRouters) app.use(router);
  app.use(express.json({ limit: deps.jsonLimitBytes }));
  for (const router of deps.routers) app.use(router);

  if (deps.clientDir && fs.existsSync(path.join(deps.clientDir, 'index.html'))) {
    const clientDir = deps.clientDir;
    const index = path.join(clientDir, 'index.html');
    // Vite names everything under assets/ by its content's hash: cached for good, sent precompressed
    // (brotli or gzip, made at build time) to browsers that accept it.
    app.use(
      '/assets',
      expressStaticGzip(path.join(clientDir, 'assets'), {
        enableBrotli: true,
        orderPreference: ['br', 'gz'],
        serveStatic: { index: false, immutable: true, maxAge: '365d', fallthrough: true },
      }),
    );
    app.use(express.static(clientDir, { index: false, maxAge: '1h', fallthrough: true }));
    // The page, with its assets' paths under the base path and the base path told to the client.
    let page: { mtimeMs: number; html: string } | undefined;
    app.get(['/', '/w/:workspaceId'], (_req, res) => {
      const mtimeMs = fs.statSync(index).mtimeMs;
      if (page?.mtimeMs !== mtimeMs) page = { mtimeMs, html: pageHtml(fs.readFileSync(index, 'utf8'), deps.publicUrls.basePath) };
      res.setHeader('Cache-Control', 'no-store');
      res.type('html').send(page.html);
    });
  }
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}

/**
 * The built index.html (its asset paths are relative, `./assets/…`) for a base path: assets from
 * `<base>/assets/`, and `<meta name="nimbus-base-path">` for the client's API and socket URLs.
 */
export function pageHtml(html: string, basePath: string): string {
  return html
    .replace(/(\s(?:src|href))="\.\//g, `$1="${basePath}/`)
    .replace('<head>', `<head>\n    <meta name="nimbus-base-path" content="${basePath}">`);
}
