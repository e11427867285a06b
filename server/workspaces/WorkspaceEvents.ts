import type { WebSocket } from 'ws';
import { encodeWorkspaceEvent, type WorkspaceEvent } from '../../shared/protocol/events.js';
import type { WsRoute } from '../http/index.js';
import type { WorkspaceService } from './WorkspaceService.js';

/** Bytes a slow event-socket client may have queued before it is dropped (it reconnects and reloads). */
const MAX_BUFFERED = 8 * 1024 * 1024;

/**
 * The one workspace event socket per open IDE (`/ws/workspaces/<id>/events`): server → client JSON.
 * Features publish here (file changes, workspace state). It stays open across hibernation and never
 * wakes the workspace itself.
 */
export class WorkspaceEvents {
  private readonly sockets = new Map<string, Set<WebSocket>>();
  private readonly connectListeners: ((workspaceId: string) => void)[] = [];

  constructor(private readonly workspaces: WorkspaceService) {
    // A workspace woke: tell its open pages, and let features start what open IDEs need.
    workspaces.onRuntimeStarted((runtime) => {
      if (!this.sockets.has(runtime.id)) return;
      this.publish(runtime.id, { type: 'workspace', state: 'running' });
      for (const listener of this.connectListeners) listener(runtime.id);
    });
  }

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

  /** Told when an IDE connects to a running workspace, and for each open IDE when one wakes (features start their watchers here). */
  onConnect(listener: (workspaceId: string) => void): void {
    this.connectListeners.push(listener);
  }

  route(): WsRoute {
    return {
      pattern: '/ws/workspaces/:workspaceId/events',
      maxPayload: 4 * 1024,
      workspaceExists: this.workspaces.exists,
      // An open page keeps this socket across hibernation: it learns the state, and of the wake, here.
      whileAsleep: true,
      handle: ({ ws, principal, params }) => {
        const workspaceId = params.workspaceId as string;
        let set = this.sockets.get(workspaceId);
        if (!set) this.sockets.set(workspaceId, (set = new Set()));
        set.add(ws);
        ws.on('close', () => {
          set.delete(ws);
          if (set.size === 0) this.sockets.delete(workspaceId);
        });
        // The socket is server → client only; anything the client sends is ignored.
        ws.on('message', () => undefined);
        ws.send(encodeWorkspaceEvent({ type: 'hello', workspaceId, role: principal.role }));
        // Connecting is not activity: a hibernated workspace says so and stays asleep. One that is not
        // hibernated (new, or running when the server last stopped) starts, as any socket starts it.
        const asleep = this.workspaces.isAsleep(workspaceId);
        if (!asleep) this.workspaces.runtime(workspaceId);
        ws.send(encodeWorkspaceEvent({ type: 'workspace', state: asleep ? 'hibernated' : 'running' }));
        if (!asleep) for (const listener of this.connectListeners) listener(workspaceId);
      },
    };
  }
}
