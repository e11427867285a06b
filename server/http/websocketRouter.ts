import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Principal } from '../auth/index.js';
import type { Logger } from '../logger.js';
import { isOwnOrigin } from './hostGuard.js';
import { CloseCode } from '../../shared/protocol/closeCodes.js';

export interface WsContext {
  ws: WebSocket;
  req: IncomingMessage;
  url: URL;
  principal: Principal;
  /** `:name` captures one decoded segment; `*name` captures the (decoded) rest of the path. */
  params: Record<string, string>;
}

export interface WsRoute {
  /** e.g. `/ws/workspaces/:workspaceId/events` or `/yjs/:workspaceId/*path`. */
  pattern: string;
  /** Largest frame accepted; bigger ones close the socket with 1009. */
  maxPayload: number;
  /** Answered before the upgrade: a workspace that does not exist gets 404. */
  workspaceExists?: (workspaceId: string) => boolean;
  /** Served while the workspace is hibernated, without waking it (the workspace event socket). */
  whileAsleep?: boolean;
  handle: (ctx: WsContext) => void;
}

export function matchPattern(pattern: string, pathname: string): Record<string, string> | undefined {
  const pat = pattern.split('/').filter(Boolean);
  const parts = pathname.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < pat.length; i++) {
    const p = pat[i] as string;
    if (p.startsWith('*')) {
      const rest = parts.slice(i);
      if (rest.length === 0) return undefined;
      try {
        params[p.slice(1)] = rest.map(decodeURIComponent).join('/');
      } catch {
        return undefined;
      }
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(part);
      } catch {
        return undefined;
      }
    } else if (p !== part) return undefined;
  }
  return parts.length === pat.length ? params : undefined;
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}

export interface WebSocketRouterDeps {
  /** Bearer header, session cookie or `?token=` (non-browser clients). */
  resolvePrincipal: (req: IncomingMessage, url: URL) => Principal | undefined;
  canRead: (principal: Principal, workspaceId: string) => boolean;
  /**
   * Whether the workspace is hibernated. A socket never wakes it: an open page's sockets reconnect by
   * themselves, and that is not someone using the workspace. Opening the IDE, an API call or a Lambda
   * invoke wakes it; its sockets then connect.
   */
  isAsleep: (workspaceId: string) => boolean;
  /** Told of every socket accepted for a workspace (a paused one resumes). */
  onWorkspaceAccess: (workspaceId: string) => void;
  /** Told of every upgrade that authenticated. */
  onAuthenticated: (req: IncomingMessage) => void;
  /** Told of every accepted socket (share revocation closes them). */
  onSocket: (principal: Principal, ws: WebSocket) => void;
  hostAllowed: (host: string | undefined) => boolean;
  /** Takes the base path off the URL (undefined: not under it). */
  stripBasePath: (req: IncomingMessage) => string | undefined;
  log: Logger;
}

/**
 * One `upgrade` listener for the whole server: authenticates, checks Origin and Host, checks the
 * principal may reach the workspace named in the path, then hands the socket to the feature's route.
 */
export class WebSocketRouter {
  private readonly routes: { route: WsRoute; wss: WebSocketServer }[] = [];

  constructor(private readonly deps: WebSocketRouterDeps) {}

  add(route: WsRoute): void {
    this.routes.push({ route, wss: new WebSocketServer({ noServer: true, maxPayload: route.maxPayload }) });
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  /** Open sockets by kind: the last literal segment of each route's pattern (`yjs` is `documents`). */
  connectionCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { route, wss } of this.routes) {
      const literal = route.pattern.split('/').filter((s) => s && !s.startsWith(':') && !s.startsWith('*'));
      const kind = literal[0] === 'yjs' ? 'documents' : (literal.at(-1) ?? route.pattern);
      counts[kind] = (counts[kind] ?? 0) + wss.clients.size;
    }
    return counts;
  }

  /** Closes every socket of every route (shutdown). */
  closeAll(): void {
    for (const { wss } of this.routes) {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    }
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const { resolvePrincipal, canRead, isAsleep, onSocket, hostAllowed, log } = this.deps;
    if (!hostAllowed(req.headers.host)) return reject(socket, 403, 'Forbidden host');
    const stripped = this.deps.stripBasePath(req);
    if (stripped === undefined) return reject(socket, 404, 'Not Found');
    req.url = stripped;
    const origin = req.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin, req.headers.host)) return reject(socket, 403, 'Forbidden origin');
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return reject(socket, 400, 'Bad Request');
    }
    const principal = resolvePrincipal(req, url);
    if (!principal) return reject(socket, 401, 'Unauthorized');
    this.deps.onAuthenticated(req);
    for (const { route, wss } of this.routes) {
      const params = matchPattern(route.pattern, url.pathname);
      if (!params) continue;
      const workspaceId = params.workspaceId;
      if (workspaceId !== undefined) {
        if (!canRead(principal, workspaceId)) return reject(socket, 404, 'Not Found');
        if (route.workspaceExists && !route.workspaceExists(workspaceId)) return reject(socket, 404, 'Not Found');
        if (!route.whileAsleep && isAsleep(workspaceId)) return reject(socket, 409, 'Conflict');
        this.deps.onWorkspaceAccess(workspaceId);
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        // ws reports protocol violations (an oversized frame: 1009) as 'error' events and closes the socket
        // itself; without a listener that event would be thrown and take the whole server down.
        ws.on('error', (err) => log.debug({ err: err.message, route: route.pattern }, 'websocket protocol error'));
        onSocket(principal, ws);
        try {
          route.handle({ ws, req, url, principal, params });
        } catch (err) {
          log.error({ err, route: route.pattern }, 'websocket handler failed');
          ws.close(CloseCode.internal, 'internal error');
        }
      });
      return;
    }
    reject(socket, 404, 'Not Found');
  }
}
