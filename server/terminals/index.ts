import type { Router } from 'express';
import type { TerminalInfo } from '../../shared/protocol/terminal.js';
import type { WsRoute } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { Db } from '../store/index.js';
import type { Sandbox } from '../sandbox/index.js';
import type { WorkspaceEvents, WorkspaceService } from '../workspaces/index.js';
import { MirrorThread } from './mirror/MirrorThread.js';
import { terminalRoutes } from './routes.js';
import { defaultShell } from './shellEnv.js';
import { terminalSocketRoute } from './socket.js';
import { TerminalManager, type TerminalSettings } from './TerminalManager.js';
import { TerminalRestoreStore } from './TerminalRestoreStore.js';
import { DEFAULT_FLOW } from './TerminalSession.js';

export { killSession, listSession, processExists, readProc } from './processes.js';
export { terminalMigrations } from './TerminalRestoreStore.js';
export { defaultShell, shellEnv } from './shellEnv.js';
export { DEFAULT_FLOW, MAX_FRAME, type FlowOptions } from './TerminalSession.js';
export type { TerminalManager, TerminalSettings } from './TerminalManager.js';

export const TERMINALS_SERVICE = 'terminals';

export interface TerminalsFeatureDeps {
  db: Db;
  workspaces: WorkspaceService;
  events: WorkspaceEvents;
  sandbox: Sandbox;
  log: Logger;
  settings?: Partial<TerminalSettings>;
  /** How long the screen-mirror thread outlives the server's last terminal (default 10 min). */
  mirrorIdleMs?: number;
}

export interface TerminalsFeature {
  router: Router;
  wsRoute: WsRoute;
  managerOf(workspaceId: string, wake: boolean): TerminalManager | undefined;
  /** Pauses or resumes every terminal process of the workspace. */
  freeze(workspaceId: string, frozen: boolean): void;
  /** Whether a terminal of the workspace runs `nimbus-keep-awake`. */
  keepsAwake(workspaceId: string): boolean;
  /** Saves the workspace's terminals (hibernation, shutdown): they open again when it wakes. */
  saveForRestore(workspaceId: string): Promise<void>;
  /** Starts the screen-mirror thread now if it is not running; resolves once it has loaded. */
  warmMirrors(): Promise<void>;
  /** Stops the mirror thread; call after the workspaces are shut down. */
  dispose(): Promise<void>;
}

export function createTerminalsFeature({
  db,
  workspaces,
  events,
  sandbox,
  log,
  settings = {},
  mirrorIdleMs,
}: TerminalsFeatureDeps): TerminalsFeature {
  const saved = new TerminalRestoreStore(db);
  const resolved: TerminalSettings = {
    graceMs: settings.graceMs ?? 3600_000,
    scrollback: settings.scrollback ?? 1000,
    shell: settings.shell ?? defaultShell(),
    maxTerminals: settings.maxTerminals ?? 20,
    flow: settings.flow ?? DEFAULT_FLOW,
    checkpointMs: settings.checkpointMs ?? 30_000,
  };
  // The server stopped without hibernating (a crash, kill -9): the workspaces it left running or paused
  // have no process any more. Those with terminals kept are hibernated, so that opening one (which
  // wakes it) restores them as a hibernation would; a paused one is asleep either way.
  for (const ws of workspaces.list()) {
    if ((ws.state === 'paused' || (ws.state === 'running' && saved.has(ws.id))) && !workspaces.peekRuntime(ws.id)) {
      workspaces.setState(ws.id, 'hibernated', 'crash');
      log.warn({ workspaceId: ws.id }, 'the server stopped without hibernating this workspace: restoring its terminals when it wakes');
    }
  }
  const mirrors = new MirrorThread(log.child({ module: 'terminal-mirror' }), mirrorIdleMs);
  const onChange = (workspaceId: string, terminals: TerminalInfo[]): void => events.publish(workspaceId, { type: 'terminals', terminals });

  const managerOf = (workspaceId: string, wake: boolean): TerminalManager | undefined => {
    const runtime = wake ? workspaces.runtime(workspaceId) : workspaces.peekRuntime(workspaceId);
    if (!runtime) return undefined;
    if (!wake) return runtime.peekService<TerminalManager>(TERMINALS_SERVICE);
    return runtime.service(
      TERMINALS_SERVICE,
      () =>
        new TerminalManager({
          runtime,
          mirrors,
          launcher: sandbox.forWorkspace(runtime.id, runtime.root),
          settings: resolved,
          log,
          onChange,
          onActivity: (id) => workspaces.touch(id),
          checkpoint: (terminals) => saved.save(runtime.id, terminals),
        }),
    );
  };

  // A workspace woke: the terminals it had when it hibernated come back.
  workspaces.onRuntimeStarted((runtime) => {
    const terminals = saved.take(runtime.id);
    if (terminals.length === 0) return;
    try {
      managerOf(runtime.id, true)?.restore(terminals);
    } catch (err) {
      log.error({ err, workspaceId: runtime.id }, 'restoring terminals failed');
    }
  });

  return {
    keepsAwake: (workspaceId) => managerOf(workspaceId, false)?.keepsAwake() ?? false,
    freeze: (workspaceId, frozen) => managerOf(workspaceId, false)?.freeze(frozen),
    saveForRestore: async (workspaceId) => {
      const manager = managerOf(workspaceId, false);
      if (manager) saved.save(workspaceId, await manager.save(true));
    },
    router: terminalRoutes({ workspaces, managerOf }),
    wsRoute: terminalSocketRoute({ workspaces, managerOf, log }),
    managerOf,
    warmMirrors: () => mirrors.whenReady(),
    dispose: () => mirrors.dispose(),
  };
}
