import express, { type Request, type Response, type NextFunction, type Router } from 'express';
import { z } from 'zod';
import type { CreatedShare, SandboxStatus, Session } from '../../shared/api.js';
import { HttpError } from '../http/index.js';
import { validate } from '../http/index.js';
import type { AuthService } from './AuthService.js';
import { SESSION_COOKIE, parseCookies } from './AuthService.js';
import type { ShareConnections } from './connections.js';
import { LOGIN_PAGE_CSP, loginPage, SHARE_PAGE_CSP, sharePage } from './loginPage.js';
import { principalOf, setPrincipal, workspaceOfRoute, type Principal } from './principal.js';

const isApi = (req: Request): boolean => req.path.startsWith('/api/') || req.path === '/api';

/** Where a share link leads: its workspace's page. */
const describeShare = (p: Principal): string =>
  `workspace ${p.workspaceId ?? ''} as a guest who ${p.role === 'write' ? 'can edit' : 'can view'}${p.terminal === 'write' ? ' and type in terminals' : ''}`;

/** A local path to go to after signing in (never another site: `//evil.example` is refused). */
const localPath = (next: unknown, basePath: string): string =>
  typeof next === 'string' && next.startsWith(`${basePath}/`) && !next.startsWith('//') && !next.startsWith('/\\') ? next : `${basePath}/`;

/**
 * `?token=` on a page: trade it for an HttpOnly session cookie and redirect to the same URL without it,
 * so the token leaves the address bar and the history. A share token never replaces the owner's session
 * without the owner saying so (a page anywhere could send the owner to one).
 */
export function tokenExchange(auth: AuthService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (!token || req.method !== 'GET' || isApi(req)) return next();
    const principal = auth.principalForToken(token);
    res.setHeader('Cache-Control', 'no-store');
    if (!principal) {
      res.setHeader('Content-Security-Policy', LOGIN_PAGE_CSP);
      res.status(401).type('html').send(loginPage('That link or token is not valid (it may have been revoked or expired).', auth.basePath));
      return;
    }
    const url = new URL(req.originalUrl, 'http://x');
    url.searchParams.delete('token');
    const target =
      auth.basePath +
      (principal.workspaceId && url.pathname === '/' ? `/w/${encodeURIComponent(principal.workspaceId)}` : url.pathname) +
      url.search;
    if (principal.role !== 'owner') {
      const current = auth.resolve(req, { allowQueryToken: false });
      const site = req.headers['sec-fetch-site'];
      // From another site the owner's SameSite=Strict cookie does not come along: the page asks itself.
      const fromElsewhere = site === 'cross-site' || site === 'same-site';
      if (current?.role === 'owner' || fromElsewhere) {
        res.setHeader('Content-Security-Policy', SHARE_PAGE_CSP);
        res.type('html').send(sharePage(token, target, describeShare(principal), current?.role === 'owner', auth.basePath));
        return;
      }
    }
    res.setHeader('Set-Cookie', secureIfTls(req, auth.createSession(principal).cookie));
    res.redirect(303, target);
  };
}

/** Everything after this needs a principal: 401 JSON for the API, the login page for anything else. */
export function authenticate(auth: AuthService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const principal = auth.resolve(req, { allowQueryToken: false });
    if (principal) {
      setPrincipal(req, principal);
      return next();
    }
    if (isApi(req) || req.method !== 'GET') return next(new HttpError('authentication required', 401));
    res.setHeader('Content-Security-Policy', LOGIN_PAGE_CSP);
    res.status(401).type('html').setHeader('Cache-Control', 'no-store').send(loginPage(undefined, auth.basePath));
  };
}

/** Routes that work before authentication: login. */
export function loginRoutes(auth: AuthService): Router {
  const router = express.Router();
  // The share-link page's form: signs in with the link's token (the front door checked it came from
  // this server's own page), then goes where the link led.
  router.post('/login/share', express.urlencoded({ extended: false, limit: 4096 }), (req, res) => {
    const body = (req.body ?? {}) as { token?: unknown; next?: unknown };
    const principal = typeof body.token === 'string' ? auth.principalForToken(body.token) : undefined;
    res.setHeader('Cache-Control', 'no-store');
    if (!principal) {
      res.setHeader('Content-Security-Policy', LOGIN_PAGE_CSP);
      res.status(401).type('html').send(loginPage('That link or token is not valid (it may have been revoked or expired).', auth.basePath));
      return;
    }
    res.setHeader('Set-Cookie', secureIfTls(req, auth.createSession(principal).cookie));
    res.redirect(303, localPath(body.next, auth.basePath));
  });
  router.post('/api/login', express.json({ limit: 4096 }), (req, res) => {
    const { token } = validate(z.object({ token: z.string().min(1).max(512) }), req.body);
    const principal = auth.principalForToken(token);
    if (!principal) throw new HttpError('invalid token', 401);
    res.setHeader('Set-Cookie', secureIfTls(req, auth.createSession(principal).cookie));
    res.json(sessionOf(principal));
  });
  return router;
}

const sessionOf = (p: Principal, sandbox?: SandboxStatus): Session => ({
  role: p.role,
  terminal: p.terminal,
  ...(p.workspaceId ? { workspaceId: p.workspaceId } : {}),
  ...(p.shareId ? { shareId: p.shareId } : {}),
  ...(sandbox && p.role === 'owner' ? { sandbox } : {}),
});

const createShareBody = z
  .object({
    role: z.enum(['read', 'write']),
    // Unless said otherwise a link may watch terminals; typing in them is granted explicitly.
    terminal: z.enum(['none', 'read', 'write']).default('read'),
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(365 * 24 * 3600)
      .optional(),
  })
  .refine((b) => b.role === 'write' || b.terminal !== 'write', {
    message: 'a read-only link cannot type in terminals',
    path: ['terminal'],
  });

export interface ShareRoutesDeps {
  auth: AuthService;
  connections: ShareConnections;
  workspaceExists: (id: string) => boolean;
  sandbox: SandboxStatus;
  /** The browser's origin for this request (behind a trusted proxy, what it says). */
  publicOrigin: (req: Request) => string;
}

export function sessionAndShareRoutes({ auth, connections, workspaceExists, sandbox, publicOrigin }: ShareRoutesDeps): Router {
  const router = express.Router();
  router.get('/api/session', (req, res) => {
    res.json(sessionOf(principalOf(req), sandbox));
  });
  router.post('/api/logout', (req, res) => {
    const id = parseCookies(req.headers.cookie).get(SESSION_COOKIE);
    if (id) auth.deleteSession(id);
    res.setHeader('Set-Cookie', secureIfTls(req, auth.sessionCookie('', 0)));
    res.status(204).end();
  });

  const workspaceParam = (req: Request): string => workspaceOfRoute(req, 'owner', workspaceExists);

  router.post('/api/workspaces/:id/shares', (req, res) => {
    const id = workspaceParam(req);
    const body = validate(createShareBody, req.body);
    if (body.terminal === 'write' && !sandbox.terminalWriteGrantable) {
      throw new HttpError(
        `this server has no sandbox for workspace processes (${sandbox.reason ?? 'unavailable'}), so shares cannot type in terminals; ` +
          'install bubblewrap, or start Nimbus with --allow-unsandboxed to allow it anyway',
        409,
        'no_sandbox',
      );
    }
    const { share, token } = auth.createShare(id, body.role, body.terminal, body.expiresInSeconds);
    const url = `${publicOrigin(req)}${auth.basePath}/w/${encodeURIComponent(id)}?token=${token}`;
    const created: CreatedShare = { ...share, token, url };
    res.status(201).json(created);
  });
  router.get('/api/workspaces/:id/shares', (req, res) => {
    res.json(auth.listShares(workspaceParam(req)));
  });
  router.delete('/api/workspaces/:id/shares/:shareId', (req, res) => {
    const id = workspaceParam(req);
    const shareId = String(req.params.shareId);
    if (!auth.revokeShare(id, shareId)) throw new HttpError(`share ${shareId} not found`, 404);
    connections.closeShare(shareId);
    res.status(204).end();
  });
  return router;
}

/**
 * Under TLS (served directly, or by a trusted proxy that says `X-Forwarded-Proto: https`) the session
 * cookie is `Secure`: a browser never sends it over plain HTTP.
 */
function secureIfTls(req: Request, cookie: string): string {
  return req.secure ? `${cookie}; Secure` : cookie;
}
