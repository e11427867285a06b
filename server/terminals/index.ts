import type { Router } from 'express';
import type { TerminalInfo } from '../../shared/protocol/terminal.js';
import type { WsRoute } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../sandbox/index.js';
import type { WorkspaceEvents, WorkspaceService } from '../workspaces/index.js';
import { MirrorThread } from './mirror/MirrorThread.js';
import { terminalRoutes } from './routes.js';
import { defaultShell } from './shellEnv.js';
import { terminalSocketRoute } from './socket.js';
import { TerminalManager, type TerminalSettings } from './TerminalManager.js';
import { DEFAULT_FLOW } from './TerminalSession.js';

export { killSession, listSession, processExists, readProc } from './processes.js';
export { defaultShell, shellEnv } from './shellEnv.js';
export { DEFAULT_FLOW, MAX_FRAME, type FlowOptions } from './TerminalSession.js';
export type { TerminalManager, TerminalSettings } from './TerminalManager.js';

export const TERMINALS_SERVICE = 'terminals';

export interface TerminalsFeatureDeps {
  workspaces: WorkspaceService;
  events: WorkspaceEvents;
  sandbox: Sandbox;
  log: Logger;
  settings?: Partial<TerminalSettings>;
}

export interface TerminalsFeature {
  router: Router;
  wsRoute: WsRoute;
  managerOf(workspaceId: string, wake: boolean): TerminalManager | undefined;
  /** Stops the mirror thread; call after the workspaces are shut down. */
  dispose(): Promise<void>;
}

export function createTerminalsFeature({ workspaces, events, sandbox, log, settings = {} }: TerminalsFeatureDeps): TerminalsFeature {
  const resolved: TerminalSettings = {
    graceMs: settings.graceMs ?? 3600_000,
    scrollback: settings.scrollback ?? 1000,
    shell: settings.shell ?? defaultShell(),
    maxTerminals: settings.maxTerminals ?? 20,
    flow: settings.flow ?? DEFAULT_FLOW,
  };
  const mirrors = new MirrorThread(log.child({ module: 'terminal-mirror' }));
  const onChange = (workspaceId: string, terminals: TerminalInfo[]): void => events.publish(workspaceId, { type: 'terminals', terminals });

  const managerOf = (workspaceId: string, wake: boolean): TerminalManager | undefined => {
    const runtime = wake ? workspaces.runtime(workspaceId) : workspaces.peekRuntime(workspaceId);
    if (!runtime) return undefined;
    if (!wake) return runtime.peekService<TerminalManager>(TERMINALS_SERVICE);
    return runtime.service(TERMINALS_SERVICE, () => new TerminalManager({
        runtime,
        mirrors,
        launcher: sandbox.forWorkspace(runtime.id, runtime.root),
        settings: resolved,
        log,
        onChange,
        onActivity: (id) => workspaces.touch(id),
      }));
  };

  return {
    router: terminalRoutes({ workspaces, managerOf }),
    wsRoute: terminalSocketRoute({ workspaces, managerOf, log }),
    managerOf,
    dispose: () => mirrors.dispose(),
  };
}
