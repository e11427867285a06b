import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/index.js';

export interface StoredDoc {
  id: number;
  /** Sequence number of the last update in the log (0 when empty). */
  lastSeq: number;
  /** The compacted state first (if any), then every update since, in order. */
  updates: Uint8Array[];
  /** Hash of the bytes the document last wrote to or read from disk. */
  diskHash: string | undefined;
  /** Hash of a write that was in progress (the process may have died before or after the rename). */
  pendingHash: string | undefined;
}

const blob = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/**
 * Yjs documents in SQLite: one row per document with a compacted state, plus an append-only log of the
 * updates since. Every update is appended (committed, WAL) in the same synchronous step that sends it (see
 * SharedDoc), so a killed process loses nothing a client saw but at most the edit being sent, which its
 * clients send back on reconnect; compaction folds the log into the state.
 */
export class DocStore {
  private readonly insertUpdate: Statement<[number, number, Buffer]>;
  private readonly compactState: Statement<[Buffer, string, number]>;
  private readonly clearUpdates: Statement<[number]>;
  private readonly deleteUpdate: Statement<[number, number]>;

  constructor(private readonly db: Db) {
    this.insertUpdate = db.prepare('INSERT INTO collab_updates (doc_id, seq, data) VALUES (?, ?, ?)');
    this.compactState = db.prepare('UPDATE collab_docs SET state = ?, updated_at = ? WHERE id = ?');
    this.clearUpdates = db.prepare('DELETE FROM collab_updates WHERE doc_id = ?');
    this.deleteUpdate = db.prepare('DELETE FROM collab_updates WHERE doc_id = ? AND seq = ?');
  }

  load(workspaceId: string, path: string): StoredDoc | undefined {
    const row = this.db
      .prepare('SELECT id, state, disk_hash, pending_hash FROM collab_docs WHERE workspace_id = ? AND path = ?')
      .get(workspaceId, path) as { id: number; state: Buffer | null; disk_hash: string | null; pending_hash: string | null } | undefined;
    if (!row) return undefined;
    const log = this.db.prepare('SELECT seq, data FROM collab_updates WHERE doc_id = ? ORDER BY seq').all(row.id) as { seq: number; data: Buffer }[];
    return {
      id: row.id,
      lastSeq: log.at(-1)?.seq ?? 0,
      updates: [...(row.state ? [row.state] : []), ...log.map((l) => l.data)],
      diskHash: row.disk_hash ?? undefined,
      pendingHash: row.pending_hash ?? undefined,
    };
  }

  create(workspaceId: string, path: string, state: Uint8Array, diskHash: string | undefined): number {
    const result = this.db
      .prepare('INSERT INTO collab_docs (workspace_id, path, state, disk_hash, updated_at) VALUES (?, ?, ?, ?, ?)')
      .run(workspaceId, path, blob(state), diskHash ?? null, new Date().toISOString());
    return Number(result.lastInsertRowid);
  }

  /** `seq` increases by one per update of a document (the caller counts; see StoredDoc.lastSeq). */
  append(docId: number, seq: number, update: Uint8Array): void {
    this.insertUpdate.run(docId, seq, blob(update));
  }

  /** Takes one update back out of the log (one that turned out not to apply). */
  remove(docId: number, seq: number): void {
    this.deleteUpdate.run(docId, seq);
  }

  /** Replaces the log with the state it adds up to (the caller encodes the live doc, which holds every update). */
  compact(docId: number, state: Uint8Array): void {
    this.db.transaction(() => {
      this.compactState.run(blob(state), new Date().toISOString(), docId);
      this.clearUpdates.run(docId);
    })();
  }

  setPendingHash(docId: number, hash: string | undefined): void {
    this.db.prepare('UPDATE collab_docs SET pending_hash = ? WHERE id = ?').run(hash ?? null, docId);
  }

  setDiskHash(docId: number, hash: string | undefined): void {
    this.db.prepare('UPDATE collab_docs SET disk_hash = ?, pending_hash = NULL WHERE id = ?').run(hash ?? null, docId);
  }

  delete(docId: number): void {
    this.db.prepare('DELETE FROM collab_docs WHERE id = ?').run(docId);
  }
}
