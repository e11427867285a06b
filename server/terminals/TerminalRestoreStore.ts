import type { Db, Migration } from '../store/index.js';

/** Runs after the workspaces migration: saved terminals go with their workspace. */
export const terminalMigrations: Migration[] = [
  {
    name: 'terminals-001-restore',
    sql: `CREATE TABLE terminal_restore (
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       position INTEGER NOT NULL,
       name TEXT NOT NULL,
       cwd TEXT NOT NULL,
       cols INTEGER NOT NULL,
       rows INTEGER NOT NULL,
       screen TEXT NOT NULL,
       saved_at TEXT NOT NULL,
       PRIMARY KEY (workspace_id, position)
     );`,
  },
];

/** What a terminal was when its workspace hibernated: enough to open a new shell where it was. */
export interface SavedTerminal {
  name: string;
  /** The shell's working folder (absolute). */
  cwd: string;
  cols: number;
  rows: number;
  /** The screen and scrollback, serialized (replayed into the new terminal above a marker). */
  screen: string;
}

/** Largest screen kept per terminal: the scrollback setting bounds it already; this bounds a hostile one. */
const MAX_SCREEN_CHARS = 4 * 1024 * 1024;

/**
 * Terminals saved at hibernation (or shutdown), taken back once when the workspace wakes. While a
 * workspace runs, its terminals are also checkpointed here, so a crash loses at most the latest output.
 */
export class TerminalRestoreStore {
  constructor(private readonly db: Db) {}

  save(workspaceId: string, terminals: SavedTerminal[]): void {
    const insert = this.db.prepare(
      'INSERT INTO terminal_restore (workspace_id, position, name, cwd, cols, rows, screen, saved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const now = new Date().toISOString();
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM terminal_restore WHERE workspace_id = ?').run(workspaceId);
      terminals.forEach((t, i) => insert.run(workspaceId, i, t.name, t.cwd, t.cols, t.rows, t.screen.slice(-MAX_SCREEN_CHARS), now));
    })();
  }

  has(workspaceId: string): boolean {
    return this.db.prepare('SELECT 1 FROM terminal_restore WHERE workspace_id = ? LIMIT 1').get(workspaceId) !== undefined;
  }

  /** The saved terminals, removed from the store (a wake restores them once). */
  take(workspaceId: string): SavedTerminal[] {
    return this.db.transaction(() => {
      const rows = this.db
        .prepare('SELECT name, cwd, cols, rows, screen FROM terminal_restore WHERE workspace_id = ? ORDER BY position')
        .all(workspaceId) as SavedTerminal[];
      this.db.prepare('DELETE FROM terminal_restore WHERE workspace_id = ?').run(workspaceId);
      return rows;
    })();
  }
}
