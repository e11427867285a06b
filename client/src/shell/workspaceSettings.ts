import type { Workspace } from '../../../shared/api.js';
import type { Api } from '../net/api.js';
import { h } from '../ui/dom.js';
import { modalResult, showModal } from '../ui/modal.js';
import { errorMessage, toast } from '../ui/toast.js';

/** The idle times offered (seconds); 0 is never. A value set through the API is shown as it is. */
const HIBERNATE_AFTER: [number, string][] = [
  [1800, '30 minutes'],
  [3600, '1 hour'],
  [4 * 3600, '4 hours'],
  [24 * 3600, '1 day'],
  [7 * 24 * 3600, '1 week'],
  [0, 'Never'],
];

const describeSeconds = (s: number): string => (s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`);

/** A choice of idle time; a value set through the API is offered as it is. */
function idleSelect(label: string, name: string, current: number): HTMLSelectElement {
  const options = HIBERNATE_AFTER.some(([s]) => s === current)
    ? HIBERNATE_AFTER
    : [...HIBERNATE_AFTER, [current, describeSeconds(current)] as [number, string]];
  return h(
    'select',
    { 'aria-label': label, name },
    ...options.map(([s, text]) => h('option', { value: String(s), selected: s === current }, text)),
  );
}

/** The owner's settings of one workspace: its name and when it hibernates. Resolves to the saved workspace. */
export function openWorkspaceSettings(api: Api, workspace: Workspace): Promise<Workspace | undefined> {
  const modal = modalResult<Workspace | undefined>(undefined);
  const name = h('input.nb-dialog-input', { type: 'text', value: workspace.name, 'aria-label': 'Name', name: 'name' });
  const after = idleSelect('Hibernate after', 'hibernateAfter', workspace.hibernateAfterSeconds);
  const pause = idleSelect('Pause after', 'pauseAfter', workspace.pauseAfterSeconds);
  const ok = h('button.nb-primary', { type: 'submit' }, 'Save');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form.nb-dialog.nb-workspace-settings',
    { role: 'dialog', 'aria-label': 'Workspace settings' },
    h('h2', {}, 'Workspace settings'),
    h('label', {}, 'Name', name),
    h('label', {}, 'Hibernate after this long without activity', after),
    h('label', {}, 'Pause before that (processes frozen, memory kept; resumed at once when used)', pause),
    h(
      'p.nb-dialog-note',
      {},
      'Hibernating ends its terminals and functions and frees everything it holds; files are kept, and terminals come back in the same folders on the next visit.',
    ),
    h('div.nb-dialog-buttons', {}, cancel, ok),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    api
      .patch<Workspace>(`/api/workspaces/${encodeURIComponent(workspace.id)}`, {
        name: name.value.trim() || workspace.name,
        hibernateAfterSeconds: Number(after.value),
        pauseAfterSeconds: Number(pause.value),
      })
      .then(
        (saved) => modal.close(saved),
        (err: unknown) => toast(`Saving the settings failed: ${errorMessage(err)}`, 'error'),
      );
  });
  cancel.addEventListener('click', () => modal.close(undefined));
  showModal(modal.store, form, after);
  return modal.result;
}
