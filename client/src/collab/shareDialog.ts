import type { CreatedShare, Share } from '../../../shared/api.js';
import type { Api } from '../net/api.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';

const EXPIRY = [
  ['never', 'Never expires', undefined],
  ['1h', 'Expires in 1 hour', 3600],
  ['1d', 'Expires in 1 day', 86_400],
  ['7d', 'Expires in 7 days', 7 * 86_400],
  ['30d', 'Expires in 30 days', 30 * 86_400],
] as const;

const when = (iso: string): string => new Date(iso).toLocaleString();

/**
 * Share links for the workspace (owner only): create one that can edit or only read, optionally expiring;
 * list the links that exist and revoke them (the server closes that person's sockets at once).
 */
export function openShareDialog(api: Api, workspaceId: string): void {
  const base = `/api/workspaces/${encodeURIComponent(workspaceId)}/shares`;
  const role = h('select', { 'aria-label': 'What the link allows', name: 'role' }, h('option', { value: 'write' }, 'Can edit (files, terminals, functions)'), h('option', { value: 'read' }, 'Read-only (sees everything, changes nothing)'));
  const expiry = h('select', { 'aria-label': 'When the link expires', name: 'expiry' }, ...EXPIRY.map(([value, label]) => h('option', { value }, label)));
  const create = h('button.primary', { type: 'submit' }, 'Create link');
  const created = h('div.share-created', { hidden: true });
  const list = h('ul.share-list', { 'aria-label': 'Existing links' });
  const close = h('button', { type: 'button' }, 'Close');
  const form = h(
    'form.dialog.share-dialog',
    { role: 'dialog', 'aria-label': 'Share this workspace' },
    h('h2', {}, 'Share this workspace'),
    h('div.share-row', {}, role, expiry, create),
    created,
    h('h3', {}, 'Links'),
    list,
    h('div.dialog-buttons', {}, close),
  );
  const backdrop = h('div.backdrop', {}, form);
  const done = (): void => backdrop.remove();
  close.addEventListener('click', done);
  form.addEventListener('keydown', (e) => e.key === 'Escape' && done());

  const refresh = async (): Promise<void> => {
    const shares = await api.get<Share[]>(base);
    list.replaceChildren(...shares.map((s) => shareRow(s)));
    if (shares.length === 0) list.append(h('li.share-empty', {}, 'No links yet.'));
  };
  const shareRow = (share: Share): HTMLElement => {
    const revoke = h('button.danger-link', { type: 'button', 'data-share': share.id }, 'Revoke');
    revoke.addEventListener('click', () => {
      void api
        .del(`${base}/${encodeURIComponent(share.id)}`)
        .then(refresh)
        .catch((err: unknown) => toast(`Revoking failed: ${errorMessage(err)}`, 'error'));
    });
    const label = share.role === 'write' ? 'can edit' : 'read-only';
    const expires = share.expiresAt ? `expires ${when(share.expiresAt)}` : 'no expiry';
    return h('li.share-item', { 'data-role': share.role }, h('span', {}, `${label} · created ${when(share.createdAt)} · ${expires}`), revoke);
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const seconds = EXPIRY.find(([value]) => value === expiry.value)?.[2];
    void api
      .post<CreatedShare>(base, { role: role.value, ...(seconds ? { expiresInSeconds: seconds } : {}) })
      .then((share) => {
        const url = h('input.share-url', { type: 'text', readonly: true, value: share.url, 'aria-label': 'Share link' });
        const copy = h('button', { type: 'button' }, 'Copy');
        copy.addEventListener('click', () => {
          url.select();
          void navigator.clipboard?.writeText(share.url).then(() => toast('Link copied'), () => document.execCommand('copy'));
        });
        created.replaceChildren(h('p', {}, `Anyone with this link ${share.role === 'write' ? 'can edit' : 'can view'} this workspace. It is shown only now:`), h('div.share-row', {}, url, copy));
        created.hidden = false;
        url.select();
        return refresh();
      })
      .catch((err: unknown) => toast(`Creating the link failed: ${errorMessage(err)}`, 'error'));
  });

  document.body.append(backdrop);
  role.focus();
  void refresh().catch((err: unknown) => toast(`Listing links failed: ${errorMessage(err)}`, 'error'));
}
