import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import {
  MAX_COLS,
  MAX_ROWS,
  MAX_TERMINAL_NAME,
  MIN_COLS,
  MIN_ROWS,
  type TerminalExitReason,
  type TerminalInfo,
} from '../../shared/protocol/terminal.js';
import { isInside } from '../files/index.js';
import { HttpError } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { Launcher } from '../sandbox/index.js';
import type { Disposable, WorkspaceRuntime } from '../workspaces/index.js';
import type { MirrorThread } from './mirror/MirrorThread.js';
import { freezeSession, thaw } from './processes.js';
import { shellEnv, TERMINAL_BIN } from './shellEnv.js';
import type { SavedTerminal } from './TerminalRestoreStore.js';
import { TerminalSession, type FlowOptions } from './TerminalSession.js';

export interface TerminalSettings {
  /** A terminal nobody watches is killed after this long. */
  graceMs: number;
  /** Lines of scrollback kept by the server for restores. */
  scrollback: number;
  shell: string;
  maxTerminals: number;
  flow: FlowOptions;
  /** Terminals with new output are saved at most this long after it (for a restore after a crash). */
  checkpointMs: number;
}

/** A terminal opened, closed or renamed is saved this soon (output waits for `checkpointMs`). */
const STRUCTURE_CHECKPOINT_MS = 1000;

export interface TerminalManagerDeps {
  runtime: WorkspaceRuntime;
  mirrors: MirrorThread;
  /** Starts the shell in the workspace's sandbox. */
  launcher: Launcher;
  settings: TerminalSettings;
  log: Logger;
  /** Input or output in a terminal of the workspace. */
  onActivity: (workspaceId: string) => void;
  /** Told the full list whenever a terminal is opened, renamed or gone. */
  onChange: (workspaceId: string, terminals: TerminalInfo[]) => void;
  /** Keeps what `save` returns, so that a server killed without hibernating still restores terminals. */
  checkpoint: (terminals: SavedTerminal[]) => void;
}

/** The terminals of one workspace; a runtime service, so hibernate, delete and shutdown end them all. */
export class TerminalManager implements Disposable {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
  private counter = 0;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private checkpointDue = Infinity;
  /** Saved for a hibernation (or disposed): checkpoints no longer write. */
  private final = false;

  constructor(private readonly deps: TerminalManagerDeps) {}

  list(): TerminalInfo[] {
    return [...this.sessions.values()].filter((s) => !s.isEnded).map((s) => s.info);
  }

  get(id: string): TerminalSession | undefined {
    const session = this.sessions.get(id);
    return session && !session.isEnded ? session : undefined;
  }

  create(options: { name?: string; cols?: number; rows?: number }, restoring?: { cwd: string; screen: string }): TerminalInfo {
    const { runtime, settings, mirrors, log } = this.deps;
    // A workspace being hibernated or deleted takes no new processes (they would outlive it).
    if (runtime.disposables.isDisposed) throw new HttpError('the workspace is stopping', 409, 'workspace_stopping');
    if (this.list().length >= settings.maxTerminals) {
      throw new HttpError(`a workspace may have at most ${settings.maxTerminals} terminals`, 409, 'too_many_terminals');
    }
    const id = randomBytes(6).toString('hex');
    const cols = options.cols ?? 80;
    const rows = options.rows ?? 24;
    // A restored terminal starts where its shell was, if that is still a folder of the workspace.
    const cwd = restoring && isInside(runtime.root, restoring.cwd) && fs.existsSync(restoring.cwd) ? restoring.cwd : runtime.root;
    const launch = this.deps.launcher.wrap({
      command: settings.shell,
      args: [],
      env: shellEnv({ shell: settings.shell, cwd }),
      cwd,
      purpose: 'terminal',
      readOnly: [TERMINAL_BIN],
    });
    const session = new TerminalSession({
      id,
      name: options.name ?? `Terminal ${++this.counter}`,
      command: launch.command,
      args: launch.args,
      cwd: launch.cwd,
      env: launch.env,
      cols,
      rows,
      mirror: mirrors.open(cols, rows, settings.scrollback),
      flow: settings.flow,
      log: log.child({ terminal: id }),
      onEnded: (s) => this.ended(s),
      onInfoChanged: () => this.changed(),
      onActivity: () => {
        this.deps.onActivity(runtime.id);
        this.scheduleCheckpoint(settings.checkpointMs);
      },
      ...(restoring ? { restoredScreen: restoring.screen } : {}),
      onViewersChanged: (s, hasViewers) => (hasViewers ? this.stopGrace(s.id) : this.startGrace(s)),
    });
    this.sessions.set(id, session);
    runtime.disposables.add(session);
    this.startGrace(session); // until someone attaches
    log.info({ terminal: id, pid: session.pid, workspaceId: runtime.id }, 'terminal opened');
    this.changed();
    return session.info;
  }

  /** What each live terminal is, to open it again after the workspace wakes; `final`: no checkpoint after this. */
  async save(final = false): Promise<SavedTerminal[]> {
    if (final) {
      this.final = true;
      clearTimeout(this.checkpointTimer);
    }
    const out: SavedTerminal[] = [];
    for (const session of this.sessions.values()) {
      if (session.isEnded) continue;
      const { data } = await session.snapshot();
      out.push({
        name: session.name,
        cwd: session.currentCwd() ?? this.deps.runtime.root,
        cols: session.cols,
        rows: session.rows,
        screen: data,
      });
    }
    return out;
  }

  /** Opens the saved terminals again: new shells in their folders, their old screens shown first. */
  restore(saved: SavedTerminal[]): void {
    for (const t of saved) {
      const cols = Math.min(MAX_COLS, Math.max(MIN_COLS, t.cols));
      const rows = Math.min(MAX_ROWS, Math.max(MIN_ROWS, t.rows));
      this.create({ name: t.name.slice(0, MAX_TERMINAL_NAME), cols, rows }, { cwd: t.cwd, screen: t.screen });
    }
  }

  /** Renames a terminal and/or sets its keep-awake toggle; undefined if there is no such terminal. */
  update(id: string, change: { name?: string; keepAwake?: boolean; by?: string }): TerminalInfo | undefined {
    const session = this.get(id);
    if (!session) return undefined;
    if (change.name !== undefined) session.name = change.name;
    if (change.keepAwake !== undefined) session.setKeepAwake(change.keepAwake, change.by);
    this.changed();
    return session.info;
  }

  /** Processes this manager froze (pause), to thaw exactly those. */
  private frozen: number[] = [];

  /** Pauses (SIGSTOP) or resumes every terminal's processes; memory and screens are kept. */
  freeze(frozen: boolean): void {
    if (frozen) {
      for (const session of this.sessions.values()) if (!session.isEnded) this.frozen.push(...freezeSession(session.pid));
    } else {
      thaw(this.frozen);
      this.frozen = [];
    }
  }

  /** Whether a terminal runs `nimbus-keep-awake` or has its toggle on a running command (no hibernation meanwhile). */
  keepsAwake(): boolean {
    let any = false;
    for (const session of this.sessions.values()) if (!session.isEnded && session.keepsAwake) any = true;
    return any;
  }

  /** Ends a terminal and everything it started; false if there is no such terminal. */
  async close(id: string, reason: TerminalExitReason = 'closed'): Promise<boolean> {
    const session = this.get(id);
    if (!session) return false;
    await session.dispose(reason);
    return true;
  }

  async dispose(): Promise<void> {
    this.final = true;
    clearTimeout(this.checkpointTimer);
    this.freeze(false);
    await Promise.all([...this.sessions.values()].map((s) => s.dispose('stopped')));
  }

  private startGrace(session: TerminalSession): void {
    this.stopGrace(session.id);
    const timer = setTimeout(() => {
      this.deps.log.info({ terminal: session.id }, 'terminal had no viewer for the grace period: closing it');
      void session.dispose('idle');
    }, this.deps.settings.graceMs);
    timer.unref();
    this.graceTimers.set(session.id, timer);
  }

  private stopGrace(id: string): void {
    clearTimeout(this.graceTimers.get(id));
    this.graceTimers.delete(id);
  }

  private ended(session: TerminalSession): void {
    this.stopGrace(session.id);
    this.sessions.delete(session.id);
    this.deps.runtime.disposables.delete(session);
    this.deps.log.info({ terminal: session.id }, 'terminal ended');
    this.changed();
  }

  private changed(): void {
    this.deps.onChange(this.deps.runtime.id, this.list());
    this.scheduleCheckpoint(STRUCTURE_CHECKPOINT_MS);
  }

  /** Saves the terminals within `ms` (sooner if already due sooner). */
  private scheduleCheckpoint(ms: number): void {
    const due = Date.now() + ms;
    if (this.final || due >= this.checkpointDue) return;
    clearTimeout(this.checkpointTimer);
    this.checkpointDue = due;
    this.checkpointTimer = setTimeout(() => void this.checkpoint(), ms);
    this.checkpointTimer.unref();
  }

  private async checkpoint(): Promise<void> {
    this.checkpointDue = Infinity;
    if (this.final) return;
    try {
      const terminals = await this.save();
      if (!this.final) this.deps.checkpoint(terminals);
    } catch (err) {
      this.deps.log.warn({ err, workspaceId: this.deps.runtime.id }, 'saving the terminals (checkpoint) failed');
    }
  }
}
