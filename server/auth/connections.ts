import type { WebSocket } from 'ws';

/** Open sockets by share, so revoking a share closes them at once. */
export class ShareConnections {
  private readonly byShare = new Map<string, Set<WebSocket>>();

  add(shareId: string, ws: WebSocket): void {
    let set = this.byShare.get(shareId);
    if (!set) this.byShare.set(shareId, (set = new Set()));
    set.add(ws);
    ws.once('close', () => {
      set.delete(ws);
      if (set.size === 0) this.byShare.delete(shareId);
    });
  }

  closeShare(shareId: string): number {
    const set = this.byShare.get(shareId);
    if (!set) return 0;
    for (const ws of set) ws.close(4403, 'share revoked');
    return set.size;
  }
}
