import type { Session, Workspace } from '../../../shared/api.js';
import type { Api } from '../net/api.js';
import { promptDialog } from '../ui/dialog.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';
import { openWorkspaceSettings } from './workspaceSettings.js';

const NEW = '__new__';
const SETTINGS = '__settings__';
const HIBERNATE = '__hibernate__';

/**
 * The workspace picker in the title bar, with each workspace's state; the owner can create workspaces,
 * open the current one's settings and hibernate it from here.
 */
export function workspaceSwitcher(api: Api, session: Session, current: Workspace, all: Workspace[]): HTMLElement {
  const select = h('select.nb-workspace-switcher', { 'aria-label': 'Workspace' });
  for (const ws of all) {
    const state = ws.id !== current.id && ws.state === 'hibernated' ? ' — hibernated' : '';
    const option = h('option', { value: ws.id, selected: ws.id === current.id, 'data-state': ws.state }, `${ws.name}${ws.openedPath ? ` (${ws.openedPath})` : ''}${state}`);
    select.append(option);
  }
  if (session.role === 'owner') {
    select.append(
      h('option', { value: NEW }, 'New workspace…'),
      h('option', { value: SETTINGS }, 'Workspace settings…'),
      h('option', { value: HIBERNATE }, 'Hibernate now'),
    );
  }
  select.addEventListener('change', () => {
    void (async () => {
      let id = select.value;
      if (id === SETTINGS || id === HIBERNATE) {
        select.value = current.id;
        if (id === SETTINGS) {
          const saved = await openWorkspaceSettings(api, current);
          if (saved) {
            Object.assign(current, saved);
            const option = select.querySelector<HTMLOptionElement>(`option[value="${CSS.escape(current.id)}"]`);
            if (option) option.textContent = `${saved.name}${saved.openedPath ? ` (${saved.openedPath})` : ''}`;
            toast('Workspace settings saved');
          }
        } else {
          await api.post(`/api/workspaces/${encodeURIComponent(current.id)}/hibernate`).catch((err: unknown) => toast(`Hibernating failed: ${errorMessage(err)}`, 'error'));
        }
        return;
      }
      if (id === NEW) {
        select.value = current.id;
        const name = await promptDialog('New workspace name', '');
        if (!name) return;
        try {
          id = (await api.post<Workspace>('/api/workspaces', { name })).id;
        } catch (err) {
          toast(`Creating the workspace failed: ${errorMessage(err)}`, 'error');
          return;
        }
      }
      localStorage.setItem('nimbus.lastWorkspace', id);
      location.assign(`/w/${encodeURIComponent(id)}`);
    })();
  });
  return select;
}
