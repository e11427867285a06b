import type { ChatMessage } from '../../shared/protocol/collab.js';
import type { Role } from '../../shared/api.js';
import type { Db } from '../store/index.js';

interface Row {
  id: number;
  author_name: string;
  author_color: string;
  author_role: Role;
  text: string;
  created_at: string;
}

const toMessage = (r: Row): ChatMessage => ({
  id: r.id,
  author: { name: r.author_name, color: r.author_color, role: r.author_role },
  text: r.text,
  at: r.created_at,
});

/** Kept per workspace; older messages are pruned so a chatty workspace does not grow the database forever. */
const KEEP_PER_WORKSPACE = 10_000;

/** The workspace chat, in SQLite. */
export class ChatStore {
  constructor(private readonly db: Db) {}

  add(workspaceId: string, author: ChatMessage['author'], text: string): ChatMessage {
    const at = new Date().toISOString();
    const result = this.db
      .prepare('INSERT INTO collab_chat (workspace_id, author_name, author_color, author_role, text, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(workspaceId, author.name, author.color, author.role, text, at);
    const id = Number(result.lastInsertRowid);
    if (id % 100 === 0) {
      this.db.prepare('DELETE FROM collab_chat WHERE workspace_id = ? AND id <= ?').run(workspaceId, id - KEEP_PER_WORKSPACE);
    }
    return { id, author, text, at };
  }

  /** The newest `limit` messages (before message id `before`, if given), oldest first. */
  page(workspaceId: string, limit: number, before?: number): { messages: ChatMessage[]; more: boolean } {
    const rows = this.db
      .prepare('SELECT * FROM collab_chat WHERE workspace_id = ? AND id < ? ORDER BY id DESC LIMIT ?')
      .all(workspaceId, before ?? Number.MAX_SAFE_INTEGER, limit + 1) as Row[];
    const more = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), more };
  }
}
