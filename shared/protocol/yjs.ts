import { CloseCode } from './closeCodes.js';
/**
 * The document socket: `ws://HOST/yjs/<workspaceId>/<file path, URL-encoded>`, binary frames.
 * It is the y-websocket protocol unchanged (y-protocols sync + awareness), so an unmodified y-websocket
 * `WebsocketProvider` is a full client; Nimbus adds one optional message (save) that such a client never
 * sends. Full description: server/collab/PROTOCOL.md and docs/protocol.md.
 */

/** First varUint of every frame. */
export const YMessage = {
  /** y-protocols sync: step 1 (state vector), step 2 (missing updates), update. */
  sync: 0,
  /** y-protocols awareness update. */
  awareness: 1,
  /** y-protocols auth; the server sends "permission denied" once to read-only connections. */
  auth: 2,
  /** Ask for every awareness state (answered with one awareness message). */
  queryAwareness: 3,
  /**
   * Nimbus: client → server `[100, requestId > 0]` "write the file now"; server → client `[100, requestId, ok(0|1)]`.
   * `[100, 0]` subscribes to in-sync notices `[100, 0, 0, stateVector]`: "the file holds the doc up to here".
   */
  save: 100,
} as const;

/** Text of every document lives in this Y.Text (`doc.getText('content')`). */
export const YTEXT_NAME = 'content';

/** The reason sent with the y-protocols "permission denied" message to read-only connections. */
export const READ_ONLY_REASON = 'read-only: this link may view the document but not change it';

/**
 * Close codes of the document socket. 4400–4499 tell y-websocket's provider not to reconnect
 * (the server decided; retrying cannot help); 1001/1011/4503 are transient and it reconnects.
 */
export const YCloseCode = {
  malformed: CloseCode.malformed,
  revoked: CloseCode.revoked,
  notFound: CloseCode.notFound,
  tooLarge: CloseCode.tooLarge,
  unsupported: CloseCode.unsupported,
  tooMany: CloseCode.tooMany,
  goingAway: CloseCode.goingAway,
  internal: CloseCode.internal,
  tryAgainLater: CloseCode.tryAgainLater,
} as const;
