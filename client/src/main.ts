import './styles.css';
import type { Session, Workspace } from '../../shared/api.js';
import { installCollab } from './collab/installCollab.js';
import type { IdeContext } from './context.js';
import { RestDocumentProvider } from './editor/documents.js';
import { Api } from './net/api.js';
import { WorkspaceEventSocket } from './net/WorkspaceEventSocket.js';
import { Shell } from './shell/Shell.js';
import { installHibernation } from './shell/installHibernation.js';
import { installStatus } from './shell/installStatus.js';
import { workspaceSwitcher } from './shell/WorkspaceSwitcher.js';
import { installFiles } from './sidebar/files/installFiles.js';
import { installTerminals } from './terminal/installTerminals.js';
import { installLambda } from './sidebar/lambda/installLambda.js';
import { DisposableStore } from './platform/lifecycle.js';
import { createServices } from './platform/services.js';
import { userIdentity } from './user.js';
import { installWorkbench } from './workbench/installWorkbench.js';

async function boot(): Promise<void> {
  const api = new Api();
  const session = await api.get<Session>('/api/session');
  const workspaces = await api.get<Workspace[]>('/api/workspaces');
  const fromPath = /^\/w\/([^/]+)/.exec(location.pathname)?.[1];
  const wanted = fromPath ? decodeURIComponent(fromPath) : (session.workspaceId ?? localStorage.getItem('nimbus.lastWorkspace') ?? undefined);
  const workspace = workspaces.find((w) => w.id === wanted) ?? workspaces[0];
  if (!workspace) {
    document.getElementById('app')!.textContent = 'No workspace is available to you.';
    return;
  }
  if (!fromPath) history.replaceState(null, '', `/w/${encodeURIComponent(workspace.id)}`);
  localStorage.setItem('nimbus.lastWorkspace', workspace.id);
  // Opening the IDE is using the workspace: it wakes it (someone who may only read waits for that).
  if (workspace.state === 'hibernated' && session.role !== 'read') {
    Object.assign(workspace, await api.post<Workspace>(`/api/workspaces/${encodeURIComponent(workspace.id)}/wake`));
  }

  const readOnly = session.role === 'read';
  const disposables = new DisposableStore();
  const services = disposables.add(createServices());
  services.contextKeys.set('canWrite', !readOnly);
  const shell = new Shell(document.getElementById('app')!, workspace, new RestDocumentProvider(api, workspace.id, readOnly));
  shell.titleBar.append(workspaceSwitcher(api, session, workspace, workspaces, services, disposables));
  const ctx: IdeContext = {
    api,
    session,
    workspaceId: workspace.id,
    workspace,
    events: new WorkspaceEventSocket(workspace.id),
    shell,
    user: userIdentity(),
    services,
    disposables,
  };
  installWorkbench(ctx);
  installFiles(ctx);
  installLambda(ctx);
  installStatus(ctx);
  installTerminals(ctx);
  installCollab(ctx);
  installHibernation(ctx);
  const key = (id: string): string => services.keybindings.labelFor(id) ?? '';
  shell.editor.setHint(`${key('workbench.action.quickOpen')} opens a file · ${key('workbench.action.showCommands')} runs a command · ${key('workbench.action.files.save')} saves`);
  // Tests and tools wait for this before driving the page.
  document.body.dataset.ready = 'true';
}

boot().catch((err: unknown) => {
  const app = document.getElementById('app');
  if (app) app.textContent = `Nimbus could not start: ${err instanceof Error ? err.message : String(err)}`;
  console.error(err);
});
