/**
 * WebSocket close codes of every Nimbus socket (documents, terminals, people, workspace events), defined
 * once. 1000–1015 are the standard ones (RFC 6455 §7.4.1). 4400–4499 mirror HTTP statuses and mean the
 * server decided: reconnecting cannot help, so y-websocket's provider and the client's ReconnectingSocket
 * stop there; 1001, 1011 and 1013 are transient and they reconnect.
 */
export const CloseCode = {
  /** Done (a terminal's shell exited, the terminal was closed). */
  normal: 1000,
  /** The server or the workspace is stopping: reconnect later. */
  goingAway: 1001,
  protocolError: 1002,
  /** A frame over the socket's limit. */
  tooBig: 1009,
  internal: 1011,
  /** The client fell too far behind; reconnect and resync. */
  tryAgainLater: 1013,
  malformed: 4400,
  /** The share was revoked or has expired, or it has no right to this socket. */
  revoked: 4403,
  notFound: 4404,
  tooLarge: 4413,
  unsupported: 4415,
  tooMany: 4429,
} as const;
