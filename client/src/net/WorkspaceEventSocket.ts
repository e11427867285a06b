import { decodeWorkspaceEvent, type WorkspaceEvent } from '../../../shared/protocol/events.js';
import { REVOKED, ReconnectingSocket } from './ReconnectingSocket.js';

export type ConnectionState = 'connecting' | 'online' | 'offline';

/** The workspace event socket, reconnecting with backoff; listeners survive reconnects. */
export class WorkspaceEventSocket {
  private readonly socket: ReconnectingSocket;
  private readonly listeners = new Set<(event: WorkspaceEvent) => void>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly endedListeners = new Set<(why: 'revoked' | 'expired') => void>();
  state: ConnectionState = 'connecting';

  constructor(workspaceId: string) {
    this.socket = new ReconnectingSocket(`/ws/workspaces/${encodeURIComponent(workspaceId)}/events`, {
      onOpen: () => this.setState('online'),
      onText: (text) => {
        const event = decodeWorkspaceEvent(text);
        if (event) for (const l of this.listeners) l(event);
      },
      onClose: (code, reason) => {
        this.setState('offline');
        // The share link this page came in with was revoked or ran out: nothing will reconnect.
        if (code === REVOKED) for (const l of this.endedListeners) l(/expired/.test(reason) ? 'expired' : 'revoked');
      },
    });
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

  onEnded(listener: (why: 'revoked' | 'expired') => void): () => void {
    this.endedListeners.add(listener);
    return () => this.endedListeners.delete(listener);
  }

  close(): void {
    this.socket.close();
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const l of this.stateListeners) l(state);
  }
}
