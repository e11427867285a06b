import type { Session, Workspace } from '../../shared/api.js';
import type { Api } from './net/api.js';
import type { DisposableStore } from './platform/lifecycle.js';
import type { Services } from './platform/services.js';
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
  /** Commands, keys, context keys and the quick input: features register through these. */
  services: Services;
  /** What the features hold for this page (listeners, subscriptions), released together. */
  disposables: DisposableStore;
}
