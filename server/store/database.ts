import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * A schema change owned by one feature. Migrations are applied once each, by name, in the order given,
 * so features can add theirs without coordinating a global version number.
 */
export interface Migration {
  name: string;
  sql: string;
}

export function openDatabase(file: string, migrations: readonly Migration[]): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process kill (kill -9); only an OS crash can lose the last commits.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  checkpointInPauses(db);
  db.exec('CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  const record = db.prepare('INSERT INTO migrations (name, applied_at) VALUES (?, ?)');
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.name, new Date().toISOString());
    })();
  }
  return db;
}

/** How often the checkpointer looks for a pause in writing. */
const CHECKPOINT_POLL_MS = 250;
/** Under writes that never pause, checkpoint anyway this long after the first one not checkpointed. */
const CHECKPOINT_MAX_DEFER_MS = 10_000;

/**
 * SQLite's automatic checkpoint runs inside whichever commit crosses 1000 WAL pages, so a keystroke
 * every thousand or so waits ~5 ms for it. Instead, the WAL is checkpointed (PASSIVE: it never blocks a
 * writer) once a poll finds no new writes since the one before, and at the latest CHECKPOINT_MAX_DEFER_MS
 * after the first write it has not covered. Durability is unchanged: a commit is in the WAL either way.
 */
function checkpointInPauses(db: Db): void {
  db.pragma('wal_autocheckpoint = 0');
  const totalChanges = db.prepare('SELECT total_changes()').pluck();
  let seen = totalChanges.get() as number;
  let uncheckpointedSince: number | undefined;
  const timer = setInterval(() => {
    if (!db.open) return clearInterval(timer);
    const changes = totalChanges.get() as number;
    const now = Date.now();
    if (changes !== seen) {
      seen = changes;
      uncheckpointedSince ??= now;
      if (now - uncheckpointedSince < CHECKPOINT_MAX_DEFER_MS) return; // still writing: wait for a pause
    }
    if (uncheckpointedSince === undefined) return;
    uncheckpointedSince = undefined;
    db.pragma('wal_checkpoint(PASSIVE)');
  }, CHECKPOINT_POLL_MS);
  timer.unref();
}
