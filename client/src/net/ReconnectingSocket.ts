import { CloseCode } from '../../../shared/protocol/closeCodes.js';
import { socketUrl } from './basePath.js';
/** Close code the server uses when a share link is revoked: reconnecting cannot succeed. */
export const REVOKED = CloseCode.revoked;

export interface ReconnectingSocketHandlers {
  onOpen(): void;
  onText(text: string): void;
  onClose(code: number, reason: string): void;
}

/**
 * A same-origin JSON-text WebSocket that reconnects with backoff (250 ms, doubling, at most 10 s),
 * except after a revocation. The workspace's event and people sockets are both one of these.
 */
export class ReconnectingSocket {
  private ws: WebSocket | undefined;
  private retry = 0;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly handlers: ReconnectingSocketHandlers,
  ) {
    this.connect();
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /** Sends when connected; false when not (the caller decides whether to resend later). */
  send(text: string): boolean {
    if (!this.isOpen) return false;
    this.ws?.send(text);
    return true;
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  private connect(): void {
    const ws = new WebSocket(socketUrl(this.path));
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.handlers.onOpen();
    };
    ws.onmessage = (e) => {
      if (typeof e.data === 'string') this.handlers.onText(e.data);
    };
    ws.onclose = (e) => {
      if (this.closed) return;
      this.handlers.onClose(e.code, e.reason);
      if (e.code === REVOKED) return;
      setTimeout(() => this.connect(), Math.min(10_000, 250 * 2 ** this.retry++));
    };
  }
}
