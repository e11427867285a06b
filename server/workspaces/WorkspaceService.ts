import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { StateReason, Workspace, WorkspaceState } from '../../shared/api.js';
import type { Logger } from '../logger.js';
import type { Statement } from 'better-sqlite3';
import type { Db, Migration } from '../store/index.js';
import { DisposableStore, type Disposable } from './disposables.js';

export const workspaceMigrations: Migration[] = [
  {
    name: '001-workspaces',
    sql: `CREATE TABLE workspaces (
       id TEXT PRIMARY KEY,
       name TEXT NOT NULL,
       opened_path TEXT UNIQUE,
       state TEXT NOT NULL DEFAULT 'running',
       hibernate_after_seconds INTEGER NOT NULL DEFAULT 1800,
       last_active_at TEXT NOT NULL,
       created_at TEXT NOT NULL
     );
`,
  },
  {
    // The first stage of idling: frozen (SIGSTOP) after this long, resumed on access; 0 is never.
    name: 'workspaces-003-pause-after',
    sql: 'ALTER TABLE workspaces ADD COLUMN pause_after_seconds INTEGER NOT NULL DEFAULT 0;',
  },
  {
    // When the state last changed, and why (wake, idle, request, shutdown).
    name: 'workspaces-002-state-reason',
    sql: 'ALTER TABLE workspaces ADD COLUMN state_changed_at TEXT; ALTER TABLE workspaces ADD COLUMN state_reason TEXT;',
  },
];

export const WORKSPACE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

interface Row {
  id: string;
  name: string;
  opened_path: string | null;
  state: WorkspaceState;
  hibernate_after_seconds: number;
  pause_after_seconds: number;
  last_active_at: string;
  state_changed_at: string | null;
  state_reason: StateReason | null;
}

const toWorkspace = (r: Row): Workspace => ({
  id: r.id,
  name: r.name,
  state: r.state,
  hibernateAfterSeconds: r.hibernate_after_seconds,
  pauseAfterSeconds: r.pause_after_seconds,
  lastActiveAt: r.last_active_at,
  ...(r.state_changed_at ? { stateChangedAt: r.state_changed_at } : {}),
  ...(r.state_reason ? { stateReason: r.state_reason } : {}),
  ...(r.opened_path ? { openedPath: r.opened_path } : {}),
});

/** The live part of a workspace: everything it holds, released together on hibernate, delete or shutdown. */
export class WorkspaceRuntime {
  readonly disposables = new DisposableStore();
  private readonly services = new Map<string, Disposable>();

  constructor(
    readonly id: string,
    readonly root: string,
  ) {}

  /** A per-workspace service created on first use (a watcher, a document server) and disposed with it. */
  service<T extends Disposable>(key: string, create: () => T): T {
    let existing = this.services.get(key) as T | undefined;
    if (!existing) {
      existing = this.disposables.add(create());
      this.services.set(key, existing);
    }
    return existing;
  }

  peekService<T extends Disposable>(key: string): T | undefined {
    return this.services.get(key) as T | undefined;
  }
}

export class WorkspaceService {
  private readonly runtimes = new Map<string, WorkspaceRuntime>();
  private readonly runtimeListeners: ((runtime: WorkspaceRuntime) => void)[] = [];
  private readonly touchedAt = new Map<string, number>();
  /** When each running workspace last saw real activity (the idle timer's clock). */
  private readonly activeAt = new Map<string, number>();
  private byId: Statement | undefined;

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    private readonly log: Logger,
    /** Given to workspaces created without one of their own (`--hibernate-after`). */
    private readonly defaultHibernateAfterSeconds = 1800,
  ) {}

  list(): Workspace[] {
    return (this.db.prepare('SELECT * FROM workspaces ORDER BY created_at, id').all() as Row[]).map(toWorkspace);
  }

  get(id: string): Workspace | undefined {
    // Asked on every request that names a workspace: compiled once.
    this.byId ??= this.db.prepare('SELECT * FROM workspaces WHERE id = ?');
    const row = this.byId.get(id) as Row | undefined;
    return row && toWorkspace(row);
  }

  exists = (id: string): boolean => WORKSPACE_ID.test(id) && this.get(id) !== undefined;

  create(name: string, options: { id?: string; hibernateAfterSeconds?: number } = {}): Workspace {
    const id = options.id ?? this.freeId(name);
    fs.mkdirSync(this.managedRoot(id), { recursive: true });
    this.insert(id, name, undefined, options.hibernateAfterSeconds);
    return this.get(id) as Workspace;
  }

  /** Registers an existing folder (`nimbus --open PATH`); opening the same folder again returns the same workspace. */
  openFolder(folder: string): Workspace {
    const real = fs.realpathSync(folder);
    if (!fs.statSync(real).isDirectory()) throw new Error(`${folder} is not a directory`);
    const row = this.db.prepare('SELECT * FROM workspaces WHERE opened_path = ?').get(real) as Row | undefined;
    if (row) return toWorkspace(row);
    const id = this.freeId(path.basename(real));
    this.insert(id, path.basename(real) || real, real, undefined);
    return this.get(id) as Workspace;
  }

  update(id: string, patch: { name?: string; hibernateAfterSeconds?: number; pauseAfterSeconds?: number }): Workspace | undefined {
    if (patch.pauseAfterSeconds !== undefined)
      this.db.prepare('UPDATE workspaces SET pause_after_seconds = ? WHERE id = ?').run(patch.pauseAfterSeconds, id);
    if (patch.name !== undefined) this.db.prepare('UPDATE workspaces SET name = ? WHERE id = ?').run(patch.name, id);
    if (patch.hibernateAfterSeconds !== undefined) {
      this.db.prepare('UPDATE workspaces SET hibernate_after_seconds = ? WHERE id = ?').run(patch.hibernateAfterSeconds, id);
    }
    return this.get(id);
  }

  setState(id: string, state: WorkspaceState, reason: StateReason): void {
    this.db
      .prepare('UPDATE workspaces SET state = ?, state_changed_at = ?, state_reason = ? WHERE id = ?')
      .run(state, new Date().toISOString(), reason, id);
  }

  /**
   * Records activity: an edit, terminal input or output, an invocation, a change through the API, a
   * person using the IDE. Callers may touch on every operation: the database is written at most once
   * a second per workspace, which is all `lastActiveAt` needs. Opening or reconnecting a socket is not
   * activity.
   */
  touch(id: string): void {
    const now = Date.now();
    if (this.runtimes.has(id)) this.activeAt.set(id, now);
    this.accessed(id);
    if (now - (this.touchedAt.get(id) ?? 0) < 1000) return;
    this.touchedAt.set(id, now);
    this.db.prepare('UPDATE workspaces SET last_active_at = ? WHERE id = ?').run(new Date(now).toISOString(), id);
  }

  /** Releases everything the workspace holds, removes it, and deletes its folder unless it was opened from outside. */
  async delete(id: string): Promise<boolean> {
    const ws = this.get(id);
    if (!ws) return false;
    await this.disposeRuntime(id);
    this.db.prepare('DELETE FROM workspaces WHERE id = ?').run(id);
    this.touchedAt.delete(id);
    if (!ws.openedPath) await fs.promises.rm(this.managedRoot(id), { recursive: true, force: true });
    await fs.promises.rm(this.cacheDir(id), { recursive: true, force: true });
    return true;
  }

  /**
   * The server's own cache for a workspace (never inside the workspace, so its processes cannot change it):
   * anything in it can be computed again, so a backup may leave it out. Removed with the workspace.
   */
  cacheDir(id: string): string {
    return path.join(this.dataDir, 'cache', id);
  }

  /** The absolute, symlink-free folder of a workspace. */
  rootOf(id: string): string {
    const ws = this.get(id);
    if (!ws) throw new Error(`workspace ${id} not found`);
    if (ws.openedPath) return ws.openedPath;
    // A managed folder is Nimbus's own: one that went missing (an empty workspace restored from a backup,
    // a folder removed by hand) is made again, empty, rather than failing everything that needs the root.
    const managed = this.managedRoot(id);
    try {
      return fs.realpathSync(managed);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      fs.mkdirSync(managed, { recursive: true });
      return fs.realpathSync(managed);
    }
  }

  /** The running side of a workspace, created (and the workspace marked running: woken) on first use. */
  runtime(id: string): WorkspaceRuntime {
    let runtime = this.runtimes.get(id);
    if (!runtime) {
      runtime = new WorkspaceRuntime(id, this.rootOf(id));
      this.runtimes.set(id, runtime);
      this.setState(id, 'running', 'wake');
      // Waking starts the idle clock afresh.
      this.touch(id);
      for (const listener of this.runtimeListeners) listener(runtime);
    }
    return runtime;
  }

  /**
   * Someone reached the workspace (a request, a socket, activity): a paused one resumes at once. This is
   * not activity by itself: the idle clock is not reset.
   */
  accessed(id: string): void {
    if (this.paused.has(id)) for (const listener of this.resumeListeners) listener(id);
  }

  /** Called when a paused workspace is reached (the hibernation service resumes it). */
  onAccessWhilePaused(listener: (id: string) => void): void {
    this.resumeListeners.push(listener);
  }

  /** Workspaces whose processes are frozen (kept by the hibernation service). */
  readonly paused = new Set<string>();
  private readonly resumeListeners: ((id: string) => void)[] = [];

  /** When the running workspace last saw activity (undefined: not running). */
  lastActivity(id: string): number | undefined {
    return this.activeAt.get(id);
  }

  /** Ids of the running workspaces. */
  runningIds(): string[] {
    return [...this.runtimes.keys()];
  }

  /** Hibernated and not woken since: only someone who may change the workspace wakes it. */
  isAsleep(id: string): boolean {
    return !this.runtimes.has(id) && this.get(id)?.state === 'hibernated';
  }

  peekRuntime(id: string): WorkspaceRuntime | undefined {
    return this.runtimes.get(id);
  }

  /** Called with each runtime as it starts, so features can attach per-workspace services. */
  onRuntimeStarted(listener: (runtime: WorkspaceRuntime) => void): void {
    this.runtimeListeners.push(listener);
  }

  async disposeRuntime(id: string): Promise<void> {
    const runtime = this.runtimes.get(id);
    if (!runtime) return;
    this.runtimes.delete(id);
    this.activeAt.delete(id);
    this.paused.delete(id);
    try {
      await runtime.disposables.dispose();
    } catch (err) {
      this.log.error({ err, workspaceId: id }, 'disposing workspace resources failed');
    }
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.runtimes.keys()].map((id) => this.disposeRuntime(id)));
  }

  private managedRoot(id: string): string {
    return path.join(this.dataDir, 'workspaces', id);
  }

  /** A new workspace is not hibernated: its processes start on first use, as after a restart. */
  private insert(id: string, name: string, openedPath: string | undefined, hibernateAfterSeconds: number | undefined): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO workspaces (id, name, opened_path, state, hibernate_after_seconds, last_active_at, created_at)
         VALUES (?, ?, ?, 'running', ?, ?, ?)`,
      )
      .run(id, name, openedPath ?? null, hibernateAfterSeconds ?? this.defaultHibernateAfterSeconds, now, now);
  }

  private freeId(name: string): string {
    const slug =
      name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 40) || 'workspace';
    if (!this.get(slug)) return slug;
    for (;;) {
      const id = `${slug}-${randomBytes(3).toString('hex')}`;
      if (!this.get(id)) return id;
    }
  }
}
