import type { Db, Migration } from '../store/index.js';
import type { LambdaRun } from '../../shared/lambda.js';

export const runHistoryMigrations: Migration[] = [
  {
    name: '013-lambda-runs',
    sql: `CREATE TABLE lambda_runs (
       id INTEGER PRIMARY KEY AUTOINCREMENT,
       workspace_id TEXT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
       function_name TEXT NOT NULL,
       run TEXT NOT NULL
     );
     CREATE INDEX lambda_runs_by_function ON lambda_runs (workspace_id, function_name, id);`,
  },
];

/** Runs kept per function, as the run view lists them. */
export const RUNS_PER_FUNCTION = 50;
/** Event, response and log are each kept up to this many characters (the log's end). */
const KEPT_CHARS = 64 * 1024;
const FLUSH_MS = 500;

/**
 * The last runs of every function (who, when, the event, the outcome), kept in the server's database so
 * collaborators and later visits see them. Written in batches, off the invocation's path: an invocation
 * costs a millisecond, a database write a good part of that.
 */
export class RunHistory {
  private pending: { workspaceId: string; run: LambdaRun }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly db: Db) {}

  add(workspaceId: string, run: LambdaRun): void {
    const cut = (s: string, end = false): string => (s.length <= KEPT_CHARS ? s : end ? s.slice(-KEPT_CHARS) : s.slice(0, KEPT_CHARS));
    this.pending.push({ workspaceId, run: { ...run, event: cut(run.event), payload: cut(run.payload), log: cut(run.log, true) } });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  /** Newest first: what is still to be written, then what is. */
  list(workspaceId: string, functionName?: string): LambdaRun[] {
    const waiting = this.pending
      .filter((p) => p.workspaceId === workspaceId && (functionName === undefined || p.run.functionName === functionName))
      .map((p) => p.run)
      .reverse();
    const rows = (
      functionName === undefined
        ? this.db.prepare('SELECT run FROM lambda_runs WHERE workspace_id = ? ORDER BY id DESC LIMIT ?').all(workspaceId, RUNS_PER_FUNCTION)
        : this.db
            .prepare('SELECT run FROM lambda_runs WHERE workspace_id = ? AND function_name = ? ORDER BY id DESC LIMIT ?')
            .all(workspaceId, functionName, RUNS_PER_FUNCTION)
    ) as { run: string }[];
    return [...waiting, ...rows.map((r) => JSON.parse(r.run) as LambdaRun)].slice(0, RUNS_PER_FUNCTION);
  }

  /** Writes what waits, and keeps only the last runs of each function written to. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const insert = this.db.prepare('INSERT INTO lambda_runs (workspace_id, function_name, run) VALUES (?, ?, ?)');
    const prune = this.db.prepare(
      `DELETE FROM lambda_runs WHERE workspace_id = ? AND function_name = ? AND id NOT IN
         (SELECT id FROM lambda_runs WHERE workspace_id = ? AND function_name = ? ORDER BY id DESC LIMIT ?)`,
    );
    const exists = this.db.prepare('SELECT 1 FROM workspaces WHERE id = ?');
    this.db.transaction(() => {
      const touched = new Map<string, { workspaceId: string; functionName: string }>();
      for (const { workspaceId, run } of batch) {
        if (exists.get(workspaceId) === undefined) continue; // deleted meanwhile
        insert.run(workspaceId, run.functionName, JSON.stringify(run));
        touched.set(`${workspaceId}\0${run.functionName}`, { workspaceId, functionName: run.functionName });
      }
      for (const { workspaceId, functionName } of touched.values())
        prune.run(workspaceId, functionName, workspaceId, functionName, RUNS_PER_FUNCTION);
    })();
  }

  dispose(): void {
    this.flush();
  }
}
