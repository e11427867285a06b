import type { WebSocket } from 'ws';
import { encodeWorkspaceEvent, type WorkspaceEvent } from '../../shared/protocol/events.js';
import type { Principal } from '../auth/index.js';
import type { WsRoute } from '../http/index.js';
import type { WorkspaceService } from './WorkspaceService.js';

/** Bytes a slow event-socket client may have queued before it is dropped (it reconnects and reloads). */
const MAX_BUFFERED = 8 * 1024 * 1024;

/**
 * The one workspace event socket per open IDE (`/ws/workspaces/<id>/events`): server → client JSON.
 * Features publish here (file changes, workspace state); opening it also wakes the workspace.
 */
export class WorkspaceEvents {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly connectListeners: ((workspaceId: string, principal: Principal) => void)[] = [];

  constructor(private readonly workspaces: WorkspaceService) {}

  publish(workspaceId: string, event: WorkspaceEvent): void {
    const set = this.sockets.get(workspaceId);
    if (!set) return;
    const data = encodeWorkspaceEvent(event);
    for (const ws of set) {
      if (ws.bufferedAmount > MAX_BUFFERED) ws.terminate();
      else ws.send(data);
    }
  }

  listenerCount(workspaceId: string): number {
    return this.sockets.get(workspaceId)?.size ?? 0;
  }

  /** Told when an IDE connects, after the workspace runtime exists (features start their watchers here). */
  onConnect(listener: (workspaceId: string, principal: Principal) => void): void {
    this.connectListeners.push(listener);
  }

  route(): WsRoute {
    return {
      pattern: '/ws/workspaces/:workspaceId/events',
      maxPayload: 4 * 1024,
      workspaceExists: this.workspaces.exists,
      handle: ({ ws, principal, params }) => {
        const workspaceId = params.workspaceId as string;
        const runtime = this.workspaces.runtime(workspaceId);
        let set = this.sockets.get(workspaceId);
        if (!set) this.sockets.set(workspaceId, (set = new Set()));
        set.add(ws);
        const registration = runtime.disposables.add({ dispose: () => ws.close(1001, 'workspace stopped') });
        ws.on('close', () => {
          set.delete(ws);
          if (set.size === 0) this.sockets.delete(workspaceId);
          runtime.disposables.delete(registration);
        });
        // The socket is server → client only; anything the client sends is ignored.
        ws.on('message', () => undefined);
        ws.send(encodeWorkspaceEvent({ type: 'hello', workspaceId, role: principal.role }));
        for (const listener of this.connectListeners) listener(workspaceId, principal);
      },
    };
  }
}
