import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { TEST_TOKEN } from './server.js';

/** An unmodified y-websocket client, as any Yjs program would use it against Nimbus. */
export interface YClient {
  doc: Y.Doc;
  text: Y.Text;
  provider: WebsocketProvider;
  /** Resolves at the next completed sync (after connect or reconnect). */
  synced(): Promise<void>;
  destroy(): void;
}

export function yClient(
  baseUrl: string,
  path: string,
  options: { token?: string; workspace?: string; doc?: Y.Doc; connect?: boolean } = {},
): YClient {
  const doc = options.doc ?? new Y.Doc();
  const room = `${options.workspace ?? 'default'}/${encodeURIComponent(path)}`;
  const provider = new WebsocketProvider(`${baseUrl.replace(/^http/, 'ws')}/yjs`, room, doc, {
    params: { token: options.token ?? TEST_TOKEN },
    // ws implements the WebSocket API the provider uses; its types differ from the DOM's in details only.
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
    connect: options.connect ?? true,
  });
  return {
    doc,
    text: doc.getText('content'),
    provider,
    synced: () =>
      provider.synced
        ? Promise.resolve()
        : new Promise((resolve) => {
            const on = (state: boolean): void => {
              if (!state) return;
              provider.off('sync', on);
              resolve();
            };
            provider.on('sync', on);
          }),
    destroy: () => {
      provider.destroy();
      doc.destroy();
    },
  };
}

/** Polls until `check` returns true (or throws its last failure after `timeoutMs`). */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
