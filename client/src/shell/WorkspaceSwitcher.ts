import type { Session, Workspace } from '../../../shared/api.js';
import type { Api } from '../net/api.js';
import { promptDialog } from '../ui/dialog.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';

const NEW = '__new__';

/** The workspace picker in the title bar; the owner can create workspaces from it. */
export function workspaceSwitcher(api: Api, session: Session, current: Workspace, all: Workspace[]): HTMLElement {
  const select = h('select.workspace-switcher', { 'aria-label': 'Workspace' });
  for (const ws of all) {
    const option = h('option', { value: ws.id, selected: ws.id === current.id }, `${ws.name}${ws.openedPath ? ` (${ws.openedPath})` : ''}`);
    select.append(option);
  }
  if (session.role === 'owner') select.append(h('option', { value: NEW }, 'New workspace…'));
  select.addEventListener('change', () => {
    void (async () => {
      let id = select.value;
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
