import type { Migration } from '../store/index.js';

/** Runs after the workspaces migration: documents and chat belong to a workspace and go with it. */
export const collabMigrations: Migration[] = [
  {
    name: 'collab-001-documents-chat',
    sql: `CREATE TABLE collab_docs (
       id INTEGER PRIMARY KEY,
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       path TEXT NOT NULL,
       state BLOB,
       disk_hash TEXT,
       pending_hash TEXT,
       updated_at TEXT NOT NULL,
       UNIQUE (workspace_id, path)
     );
     -- One B-tree, keyed the way it is read back: an append costs a single page write.
     CREATE TABLE collab_updates (
       doc_id INTEGER NOT NULL REFERENCES collab_docs(id) ON DELETE CASCADE,
       seq INTEGER NOT NULL,
       data BLOB NOT NULL,
       PRIMARY KEY (doc_id, seq)
     ) WITHOUT ROWID;
     CREATE TABLE collab_chat (
       id INTEGER PRIMARY KEY,
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       author_name TEXT NOT NULL,
       author_color TEXT NOT NULL,
       author_role TEXT NOT NULL,
       text TEXT NOT NULL,
       created_at TEXT NOT NULL
     );
     CREATE INDEX collab_chat_workspace ON collab_chat (workspace_id, id);`,
  },
  {
    // The text the file held when the server last wrote or read it (and of a write in progress): the
    // common ancestor of a three-way merge when the file changed while the server was down.
    name: 'collab-002-disk-text',
    sql: `ALTER TABLE collab_docs ADD COLUMN disk_text TEXT;
     ALTER TABLE collab_docs ADD COLUMN pending_text TEXT;`,
  },
];
