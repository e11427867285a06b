/** Bounds and timings of the document server (docs/protocol.md, Collaboration). */
export interface CollabOptions {
  /** Largest frame a document or people socket accepts; bigger ones close that socket (1009). */
  maxMessageBytes: number;
  /** Largest file that opens as a document. */
  maxFileBytes: number;
  /**
   * Documents open at once in one workspace; one more is refused (4429). Share links together may fill
   * only three quarters of it: the rest is the owner's, so no link can lock the owner out.
   */
  maxDocsPerWorkspace: number;
  /** Documents one share link may have open at once (the owner is bound by the workspace limit only). */
  maxDocsPerShare: number;
  /** Sockets on one document; one more is refused (4429). */
  maxConnectionsPerDoc: number;
  /** Frames a socket may send before its document has loaded. */
  maxQueuedFrames: number;
  /** Send buffer a slow client may build up before it is dropped (it reconnects and resyncs). */
  maxBufferedBytes: number;
  maxAwarenessIdsPerConnection: number;
  maxAwarenessStateBytes: number;
  /** Write the file this long after the last change... */
  writeDebounceMs: number;
  /** ...but no later than this after the first unsaved one, even while typing goes on. */
  writeMaxDelayMs: number;
  /** Fold the SQLite update log into the document state after this many updates. */
  compactAfterUpdates: number;
  /** Keep a document loaded this long after its last client left (a reload reconnects at once). */
  unloadGraceMs: number;
  /** Ping interval; a socket that missed the previous pong is dropped. */
  pingIntervalMs: number;
}

export const defaultCollabOptions: CollabOptions = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxFileBytes: 32 * 1024 * 1024,
  maxDocsPerWorkspace: 256,
  maxDocsPerShare: 32,
  maxConnectionsPerDoc: 128,
  maxQueuedFrames: 256,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxAwarenessIdsPerConnection: 4,
  maxAwarenessStateBytes: 32 * 1024,
  writeDebounceMs: 300,
  writeMaxDelayMs: 2000,
  compactAfterUpdates: 1000,
  unloadGraceMs: 1000,
  pingIntervalMs: 30_000,
};
