import type { Session, Workspace } from '../../../shared/api.js';
import type { Api } from '../net/api.js';
import { promptDialog } from '../ui/dialog.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';
import type { DisposableStore } from '../platform/lifecycle.js';
import type { Services } from '../platform/services.js';
import { openWorkspaceSettings } from './workspaceSettings.js';
import { withBase } from '../net/basePath.js';

const NEW = '__new__';
const SETTINGS = '__settings__';
const HIBERNATE = '__hibernate__';

/**
 * The workspace picker in the title bar, with each workspace's state; the owner can create workspaces,
 * open the current one's settings and hibernate it from here.
 */
export function workspaceSwitcher(
  api: Api,
  session: Session,
  current: Workspace,
  all: Workspace[],
  services: Services,
  store: DisposableStore,
): HTMLElement {
  const select = h('select.nb-workspace-switcher', { 'aria-label': 'Workspace' });
  for (const ws of all) {
    const state = ws.id !== current.id && ws.state === 'hibernated' ? ' — hibernated' : '';
    const option = h(
      'option',
      { value: ws.id, selected: ws.id === current.id, 'data-state': ws.state },
      `${ws.name}${ws.openedPath ? ` (${ws.openedPath})` : ''}${state}`,
    );
    select.append(option);
  }
  const owner = session.role === 'owner';
  const go = (id: string): void => {
    localStorage.setItem('nimbus.lastWorkspace', id);
    location.assign(withBase(`/w/${encodeURIComponent(id)}`));
  };
  const commands = [
    {
      id: 'nimbus.workspace.new',
      title: 'New Workspace…',
      category: 'Workspace',
      run: async () => {
        const name = await promptDialog('New workspace name', '');
        if (!name) return;
        try {
          go((await api.post<Workspace>('/api/workspaces', { name })).id);
        } catch (err) {
          toast(`Creating the workspace failed: ${errorMessage(err)}`, 'error');
        }
      },
    },
    {
      id: 'nimbus.workspace.settings',
      title: 'Settings…',
      category: 'Workspace',
      run: async () => {
        const saved = await openWorkspaceSettings(api, current);
        if (!saved) return;
        Object.assign(current, saved);
        const option = select.querySelector<HTMLOptionElement>(`option[value="${CSS.escape(current.id)}"]`);
        if (option) option.textContent = `${saved.name}${saved.openedPath ? ` (${saved.openedPath})` : ''}`;
        toast('Workspace settings saved');
      },
    },
    {
      id: 'nimbus.workspace.hibernate',
      title: 'Hibernate Now',
      category: 'Workspace',
      run: () =>
        api
          .post(`/api/workspaces/${encodeURIComponent(current.id)}/hibernate`)
          .catch((err: unknown) => toast(`Hibernating failed: ${errorMessage(err)}`, 'error')),
    },
  ];
  // Anyone who can see more than one workspace switches from the palette too.
  store.add(
    services.registerAction({
      id: 'nimbus.workspace.switch',
      title: 'Switch Workspace…',
      category: 'Workspace',
      run: async () => {
        const items = all
          .filter((ws) => ws.id !== current.id)
          .map((ws) => ({
            id: ws.id,
            label: ws.name,
            description: `${ws.openedPath ?? ws.id}${ws.state === 'hibernated' ? ' · hibernated' : ''}`,
          }));
        if (items.length === 0) items.push({ id: '', label: 'There is no other workspace', description: '' });
        const chosen = await services.quickInput.pick(items, 'Switch to a workspace');
        if (chosen?.id) go(chosen.id);
      },
    }),
  );
  if (owner) {
    for (const c of commands) store.add(services.registerAction(c));
    select.append(
      h('option', { value: NEW }, 'New workspace…'),
      h('option', { value: SETTINGS }, 'Workspace settings…'),
      h('option', { value: HIBERNATE }, 'Hibernate now'),
    );
  }
  const byOption: Record<string, string> = {
    [NEW]: 'nimbus.workspace.new',
    [SETTINGS]: 'nimbus.workspace.settings',
    [HIBERNATE]: 'nimbus.workspace.hibernate',
  };
  select.addEventListener('change', () => {
    const command = byOption[select.value];
    if (command) {
      select.value = current.id;
      void services.commands.execute(command);
    } else go(select.value);
  });
  return select;
}
