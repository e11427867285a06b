import type { WebSocket } from 'ws';
import { CloseCode } from '../../shared/protocol/closeCodes.js';
import type { Principal } from './principal.js';

/** setTimeout's longest delay; a later expiry is re-checked after this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Open sockets by share, so that revoking a share closes them at once, and a share's expiry closes
 * them when it comes (a socket is authenticated once, at its upgrade).
 */
export class ShareConnections {
  private readonly byShare = new Map<string, Set<WebSocket>>();

  add(principal: Principal, ws: WebSocket): void {
    const { shareId, expiresAt } = principal;
    if (!shareId) return;
    let set = this.byShare.get(shareId);
    if (!set) this.byShare.set(shareId, (set = new Set()));
    set.add(ws);
    let timer: NodeJS.Timeout | undefined;
    if (expiresAt !== undefined) {
      const arm = (): void => {
        const wait = expiresAt - Date.now();
        if (wait <= 0) return ws.close(CloseCode.revoked, 'share expired');
        timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
        timer.unref();
      };
      arm();
    }
    ws.once('close', () => {
      clearTimeout(timer);
      set.delete(ws);
      if (set.size === 0) this.byShare.delete(shareId);
    });
  }

  closeShare(shareId: string): number {
    const set = this.byShare.get(shareId);
    if (!set) return 0;
    for (const ws of set) ws.close(CloseCode.revoked, 'share revoked');
    return set.size;
  }
}
