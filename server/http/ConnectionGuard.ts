import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Connections one client address may hold open before any of its requests authenticated. */
  perClient: number;
  /** The same, for all clients together. */
  total: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { perClient: 256, total: 4096 };

/**
 * Keeps strangers from using up the server's file descriptors: a connection counts as unauthenticated
 * until one of its requests (or its WebSocket upgrade) authenticated, and when a client, or everyone
 * together, holds more such connections than allowed, the oldest of them is closed. A new connection is
 * never refused, so the owner's next request still gets in while someone floods the port; connections
 * that authenticated are never touched.
 */
export class ConnectionGuard {
  /** Unauthenticated connections, oldest first, overall and per address. */
  private readonly all = new Set<Socket>();
  private readonly byAddress = new Map<string, Set<Socket>>();
  /** A destroyed socket forgets its remote address: kept here. */
  private readonly addressOf = new WeakMap<Socket, string>();

  constructor(private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS) {}

  attach(server: Server): void {
    server.on('connection', (socket: Socket) => this.opened(socket));
  }

  /** Unauthenticated connections open now. */
  get unauthenticated(): number {
    return this.all.size;
  }

  /** A request on this connection authenticated: it is no longer a stranger's. */
  authenticated(socket: Socket): void {
    this.forget(socket);
  }

  private opened(socket: Socket): void {
    const address = socket.remoteAddress ?? '';
    this.addressOf.set(socket, address);
    let mine = this.byAddress.get(address);
    if (!mine) this.byAddress.set(address, (mine = new Set()));
    mine.add(socket);
    this.all.add(socket);
    socket.once('close', () => this.forget(socket));
    if (mine.size > this.limits.perClient) this.evict(mine);
    if (this.all.size > this.limits.total) this.evict(this.all);
  }

  private evict(oldestFirst: Set<Socket>): void {
    const oldest = oldestFirst.values().next().value;
    if (!oldest) return;
    this.forget(oldest);
    oldest.destroy();
  }

  private forget(socket: Socket): void {
    if (!this.all.delete(socket)) return;
    const address = this.addressOf.get(socket) ?? '';
    const mine = this.byAddress.get(address);
    mine?.delete(socket);
    if (mine?.size === 0) this.byAddress.delete(address);
  }
}
