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
  /** The texts behind those hashes (LF), kept for files up to MAX_KEPT_TEXT. */
  diskText: string | undefined;
  pendingText: string | undefined;
}

/** Larger files keep no copy of their disk text: after a crash with an outside change, the file wins there. */
export const MAX_KEPT_TEXT = 4 * 1024 * 1024;
const kept = (text: string | undefined): string | null => (text !== undefined && text.length <= MAX_KEPT_TEXT ? text : null);

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
      .prepare('SELECT id, state, disk_hash, pending_hash, disk_text, pending_text FROM collab_docs WHERE workspace_id = ? AND path = ?')
      .get(workspaceId, path) as
      | {
          id: number;
          state: Buffer | null;
          disk_hash: string | null;
          pending_hash: string | null;
          disk_text: string | null;
          pending_text: string | null;
        }
      | undefined;
    if (!row) return undefined;
    const log = this.db.prepare('SELECT seq, data FROM collab_updates WHERE doc_id = ? ORDER BY seq').all(row.id) as {
      seq: number;
      data: Buffer;
    }[];
    return {
      id: row.id,
      lastSeq: log.at(-1)?.seq ?? 0,
      updates: [...(row.state ? [row.state] : []), ...log.map((l) => l.data)],
      diskHash: row.disk_hash ?? undefined,
      pendingHash: row.pending_hash ?? undefined,
      diskText: row.disk_text ?? undefined,
      pendingText: row.pending_text ?? undefined,
    };
  }

  create(workspaceId: string, path: string, state: Uint8Array, disk: { hash: string; text: string } | undefined): number {
    const result = this.db
      .prepare('INSERT INTO collab_docs (workspace_id, path, state, disk_hash, disk_text, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(workspaceId, path, blob(state), disk?.hash ?? null, kept(disk?.text), new Date().toISOString());
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

  /** A write is about to start: what it writes. */
  setPending(docId: number, hash: string, text: string): void {
    this.db.prepare('UPDATE collab_docs SET pending_hash = ?, pending_text = ? WHERE id = ?').run(hash, kept(text), docId);
  }

  /** The write finished: the pending text is the file's now (moved, not written again). */
  pendingWritten(docId: number): void {
    this.db
      .prepare(
        'UPDATE collab_docs SET disk_hash = pending_hash, disk_text = pending_text, pending_hash = NULL, pending_text = NULL WHERE id = ?',
      )
      .run(docId);
  }

  /** What the file holds, as read (undefined: no file). */
  setDisk(docId: number, disk: { hash: string; text: string } | undefined): void {
    this.db
      .prepare('UPDATE collab_docs SET disk_hash = ?, disk_text = ?, pending_hash = NULL, pending_text = NULL WHERE id = ?')
      .run(disk?.hash ?? null, kept(disk?.text), docId);
  }

  delete(docId: number): void {
    this.db.prepare('DELETE FROM collab_docs WHERE id = ?').run(docId);
  }
}
