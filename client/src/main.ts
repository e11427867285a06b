import './styles.css';
import type { Session, Workspace } from '../../shared/api.js';
import { installCollab } from './collab/installCollab.js';
import type { IdeContext } from './context.js';
import { RestDocumentProvider } from './editor/documents.js';
import { Api, ApiError, fileUrl } from './net/api.js';
import { WorkspaceEventSocket } from './net/WorkspaceEventSocket.js';
import { showFullPage } from './shell/fullPage.js';
import { Shell } from './shell/Shell.js';
import { installHibernation } from './shell/installHibernation.js';
import { installStatus } from './shell/installStatus.js';
import { workspaceSwitcher } from './shell/WorkspaceSwitcher.js';
import { installFiles } from './sidebar/files/installFiles.js';
import { installSearch } from './sidebar/search/installSearch.js';
import { installTerminals } from './terminal/installTerminals.js';
import { installLambda } from './sidebar/lambda/installLambda.js';
import { DisposableStore, toDisposable } from './platform/lifecycle.js';
import { createServices } from './platform/services.js';
import { userIdentity } from './user.js';
import { installMarkdownPreview } from './workbench/markdownPreview.js';
import { restoreLayout } from './workbench/layout.js';
import { installProblems } from './workbench/problems.js';
import { installWorkbench } from './workbench/installWorkbench.js';
import { installCoreSettings } from './workbench/coreSettings.js';
import { installSettingsUi } from './workbench/settingsUi.js';
import { settingsStorage, WORKSPACE_SETTINGS_PATH } from './workbench/settingsStorage.js';

async function boot(): Promise<void> {
  const api = new Api();
  const session = await api.get<Session>('/api/session');
  const workspaces = await api.get<Workspace[]>('/api/workspaces');
  const fromPath = /^\/w\/([^/]+)/.exec(location.pathname)?.[1];
  const wanted = fromPath ? decodeURIComponent(fromPath) : (session.workspaceId ?? localStorage.getItem('nimbus.lastWorkspace') ?? undefined);
  const workspace = workspaces.find((w) => w.id === wanted) ?? (fromPath ? undefined : workspaces[0]);
  if (!workspace) {
    // A link to a workspace that is not there (deleted, mistyped, another server) says so.
    showFullPage(
      fromPath
        ? {
            title: 'No such workspace',
            message: `There is no workspace “${wanted}” here${workspaces.length ? ' that you can open. Yours:' : '.'}`,
            links: workspaces.map((w) => ({ label: w.name, href: `/w/${encodeURIComponent(w.id)}` })),
          }
        : { title: 'No workspace', message: 'No workspace is available to you.' },
    );
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
  const services = disposables.add(createServices(settingsStorage(api, workspace.id)));
  services.contextKeys.set('canWrite', !readOnly);
  const shell = new Shell(document.getElementById('app')!, workspace, new RestDocumentProvider(api, workspace.id, readOnly), (path, type) =>
    api.readBlob(fileUrl(workspace.id, path), type),
  );
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
  installCoreSettings(ctx);
  installWorkbench(ctx);
  installFiles(ctx);
  installSearch(ctx);
  installLambda(ctx);
  installStatus(ctx);
  installProblems(ctx);
  installMarkdownPreview(ctx);
  installSettingsUi(ctx);
  // Settings load after every feature registered its schema; a change to the workspace's file (by a
  // collaborator, a terminal, git) is read again.
  void services.settings.load();
  disposables.add(toDisposable(ctx.events.on((event) => {
    if (event.type === 'files' && (event.truncated || event.changes.some((c) => c.path === WORKSPACE_SETTINGS_PATH))) void services.settings.reloadWorkspace();
  })));
  installTerminals(ctx);
  const collabReady = installCollab(ctx);
  installHibernation(ctx);
  // A revoked or expired share link ends the page: everything is released and a page says why.
  ctx.events.onEnded((why) => {
    disposables.dispose();
    ctx.events.close();
    showFullPage(
      why === 'expired'
        ? { title: 'This share link has expired', message: 'Ask the workspace’s owner for a new link. Nothing you typed before it expired is lost: it was saved as you typed.' }
        : { title: 'This share link was revoked', message: 'The workspace’s owner stopped sharing it with this link. Ask them for a new one if you should still have access.' },
    );
  });
  const key = (id: string): string => services.keybindings.labelFor(id) ?? '';
  shell.editor.setHint(`${key('workbench.action.quickOpen')} opens a file · ${key('workbench.action.showCommands')} runs a command · ${key('workbench.action.files.save')} saves`);
  // Tests and tools wait for this before driving the page.
  document.body.dataset.ready = 'true';
  // The tabs and layout of the last visit, once documents open as collaborative ones.
  void collabReady.then(() => restoreLayout(ctx)).then(() => (document.body.dataset.layout = 'restored'));
}

boot().catch((err: unknown) => {
  if (err instanceof ApiError && err.status === 401) {
    showFullPage({
      title: 'You are not signed in',
      message: 'Open the link you were given again, or the address with ?token= that Nimbus printed when it started. A share link that was revoked or has expired no longer signs anyone in.',
    });
    return;
  }
  showFullPage({ title: 'Nimbus could not start', message: err instanceof Error ? err.message : String(err) });
  console.error(err);
});
