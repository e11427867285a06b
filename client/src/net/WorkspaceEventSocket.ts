import { decodeWorkspaceEvent, type WorkspaceEvent } from '../../../shared/protocol/events.js';

export type ConnectionState = 'connecting' | 'online' | 'offline';

/** The workspace event socket, reconnecting with backoff; listeners survive reconnects. */
export class WorkspaceEventSocket {
  private ws: WebSocket | undefined;
  private readonly listeners = new Set<(event: WorkspaceEvent) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private retry = 0;
  private closed = false;
  state: ConnectionState = 'connecting';

  constructor(private readonly workspaceId: string) {
    this.connect();
  }

  on(listener: (event: WorkspaceEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }

  private connect(): void {
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/ws/workspaces/${encodeURIComponent(this.workspaceId)}/events`);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.setState('online');
    };
    ws.onmessage = (e) => {
      const event = typeof e.data === 'string' ? decodeWorkspaceEvent(e.data) : undefined;
      if (event) for (const l of this.listeners) l(event);
    };
    ws.onclose = (e) => {
      if (this.closed) return;
      this.setState('offline');
      if (e.code === 4403) return; // share revoked: reconnecting cannot succeed
      const delay = Math.min(10_000, 250 * 2 ** this.retry++);
      setTimeout(() => this.connect(), delay);
    };
  }
}
