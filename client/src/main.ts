import './styles.css';
import type { Session, Workspace } from '../../shared/api.js';
import type { IdeContext } from './context.js';
import { Api, ApiError } from './net/api.js';
import { WorkspaceEventSocket } from './net/WorkspaceEventSocket.js';
import { showFullPage } from './shell/fullPage.js';
import { Shell } from './shell/Shell.js';
import { installHibernation } from './shell/installHibernation.js';
import { workspaceSwitcher } from './shell/WorkspaceSwitcher.js';
import { installFiles } from './sidebar/files/installFiles.js';
import { installLambda } from './sidebar/lambda/installLambda.js';
import { DisposableStore, toDisposable } from './platform/lifecycle.js';
import { createServices } from './platform/services.js';
import { userIdentity } from './user.js';
import { restoreLayout } from './workbench/layout.js';
import { installCoreSettings } from './workbench/coreSettings.js';
import { installKeyboardShortcuts } from './workbench/keyboardShortcuts.js';
import { settingsStorage, WORKSPACE_SETTINGS_PATH } from './workbench/settingsStorage.js';
import { pagePath, withBase } from './net/basePath.js';

async function boot(): Promise<void> {
  const api = new Api();
  const [session, workspaces] = await Promise.all([api.get<Session>('/api/session'), api.get<Workspace[]>('/api/workspaces')]);
  const fromPath = /^\/w\/([^/]+)/.exec(pagePath())?.[1];
  const wanted = fromPath
    ? decodeURIComponent(fromPath)
    : (session.workspaceId ?? localStorage.getItem('nimbus.lastWorkspace') ?? undefined);
  const workspace = workspaces.find((w) => w.id === wanted) ?? (fromPath ? undefined : workspaces[0]);
  if (!workspace) {
    // A link to a workspace that is not there (deleted, mistyped, another server) says so.
    showFullPage(
      fromPath
        ? {
            title: 'No such workspace',
            message: `There is no workspace “${wanted}” here${workspaces.length ? ' that you can open. Yours:' : '.'}`,
            links: workspaces.map((w) => ({ label: w.name, href: withBase(`/w/${encodeURIComponent(w.id)}`) })),
          }
        : { title: 'No workspace', message: 'No workspace is available to you.' },
    );
    return;
  }
  if (!fromPath) history.replaceState(null, '', withBase(`/w/${encodeURIComponent(workspace.id)}`));
  localStorage.setItem('nimbus.lastWorkspace', workspace.id);
  // Opening the IDE is using the workspace: it wakes it (someone who may only read waits for that).
  if (workspace.state === 'hibernated' && session.role !== 'read') {
    Object.assign(workspace, await api.post<Workspace>(`/api/workspaces/${encodeURIComponent(workspace.id)}/wake`));
  }

  const readOnly = session.role === 'read';
  const disposables = new DisposableStore();
  const services = disposables.add(createServices(settingsStorage(api, workspace.id)));
  services.contextKeys.set('canWrite', !readOnly);
  services.contextKeys.set('isOwner', session.role === 'owner');
  const shell = new Shell(document.getElementById('app')!, workspace);
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
  installKeyboardShortcuts(ctx);
  installFiles(ctx);
  installLambda(ctx);
  // Settings apply as they load (a feature registering its schema later gets the loaded values); a change
  // to the workspace's file (by a collaborator, a terminal, git) is read again.
  void services.settings.load();
  disposables.add(
    toDisposable(
      ctx.events.on((event) => {
        if (event.type === 'files' && (event.truncated || event.changes.some((c) => c.path === WORKSPACE_SETTINGS_PATH)))
          void services.settings.reloadWorkspace();
      }),
    ),
  );
  installHibernation(ctx);
  // A revoked or expired share link ends the page: everything is released and a page says why.
  ctx.events.onEnded((why) => {
    disposables.dispose();
    ctx.events.close();
    showFullPage(
      why === 'expired'
        ? {
            title: 'This share link has expired',
            message: 'Ask the workspace’s owner for a new link. Nothing you typed before it expired is lost: it was saved as you typed.',
          }
        : {
            title: 'This share link was revoked',
            message: 'The workspace’s owner stopped sharing it with this link. Ask them for a new one if you should still have access.',
          },
    );
  });
  // Marks for the load benchmark (bench/load.ts) and anyone profiling a load.
  performance.mark('nimbus:frame');
  // The editor (Monaco) and the terminals (xterm) come in their own scripts, after the frame and the file
  // tree have painted (a module runs as soon as it has loaded, so it is asked for only now).
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const terminalStage = import('./terminal/installTerminals.js');
  const { installEditorStage } = await import('./workbench/editorStage.js');
  performance.mark('nimbus:editor-loaded');
  const collabReady = installEditorStage(ctx);
  (await terminalStage).installTerminals(ctx);
  const key = (id: string): string => services.keybindings.labelFor(id) ?? '';
  shell.editor.setHint(
    `${key('workbench.action.quickOpen')} opens a file · ${key('workbench.action.showCommands')} runs a command · ${key('workbench.action.files.save')} saves`,
  );
  // Tests and tools wait for this before driving the page.
  document.body.dataset.ready = 'true';
  // The tabs and layout of the last visit, once documents open as collaborative ones.
  void collabReady
    .then(() => {
      performance.mark('nimbus:collab-ready');
      return restoreLayout(ctx);
    })
    .then(() => {
      performance.mark('nimbus:layout-restored');
      document.body.dataset.layout = 'restored';
    });
}

boot().catch((err: unknown) => {
  if (err instanceof ApiError && err.status === 401) {
    showFullPage({
      title: 'You are not signed in',
      message:
        'Open the link you were given again, or the address with ?token= that Nimbus printed when it started. A share link that was revoked or has expired no longer signs anyone in.',
    });
    return;
  }
  showFullPage({ title: 'Nimbus could not start', message: err instanceof Error ? err.message : String(err) });
  console.error(err);
});
