import type { Session, Workspace } from '../../shared/api.js';
import type { Api } from './net/api.js';
import type { WorkspaceEventSocket } from './net/WorkspaceEventSocket.js';
import type { Shell } from './shell/Shell.js';

/** What every client feature gets when it installs itself. */
export interface IdeContext {
  api: Api;
  session: Session;
  workspaceId: string;
  workspace: Workspace;
  events: WorkspaceEventSocket;
  shell: Shell;
  user: { name: string; color: string };
}
