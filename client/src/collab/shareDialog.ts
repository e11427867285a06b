import type { CreatedShare, SandboxStatus, Share, TerminalGrant } from '../../../shared/api.js';
import type { Api } from '../net/api.js';
import { DisposableStore } from '../platform/lifecycle.js';
import { h } from '../ui/dom.js';
import { showModal } from '../ui/modal.js';
import { errorMessage, toast } from '../ui/toast.js';

const EXPIRY = [
  ['never', 'Never expires', undefined],
  ['1h', 'Expires in 1 hour', 3600],
  ['1d', 'Expires in 1 day', 86_400],
  ['7d', 'Expires in 7 days', 7 * 86_400],
  ['30d', 'Expires in 30 days', 30 * 86_400],
] as const;

const when = (iso: string): string => new Date(iso).toLocaleString();

const TERMINAL_LABEL: Record<TerminalGrant, string> = { none: 'no terminals', read: 'watches terminals', write: 'types in terminals' };

/** What typing in a terminal lets someone do: they run commands on this machine. */
function terminalWarning(sandbox: SandboxStatus | undefined): string {
  if (!sandbox?.available) {
    return (
      'This server has no sandbox' +
      (sandbox?.reason ? ` (${sandbox.reason})` : '') +
      ': commands typed in a terminal run as the user running Nimbus, with everything that user can reach — ' +
      "every workspace, Nimbus's own data and its owner token. Install bubblewrap to sandbox them."
    );
  }
  const home =
    sandbox.home === 'private'
      ? 'The home folder they see is a private one of this workspace.'
      : `They also see your home folder (${sandbox.home}).`;
  return (
    "Typing in a terminal runs commands on this machine as the user running Nimbus, inside this workspace's sandbox: " +
    'they can read, change and delete every file of the workspace, start programs that keep running, and use the network. ' +
    `They cannot see other workspaces or Nimbus's data. ${home}`
  );
}

/**
 * Share links for the workspace (owner only): create one that can edit or only read, with its own
 * terminal grant (none, watch, type — with a warning of what typing allows), optionally expiring;
 * list the links that exist and revoke them (the server closes that person's sockets at once).
 */
export function openShareDialog(api: Api, workspaceId: string, sandbox: SandboxStatus | undefined): void {
  const base = `/api/workspaces/${encodeURIComponent(workspaceId)}/shares`;
  const role = h(
    'select',
    { 'aria-label': 'What the link allows', name: 'role' },
    h('option', { value: 'write' }, 'Can edit (files, functions)'),
    h('option', { value: 'read' }, 'Read-only (sees everything, changes nothing)'),
  );
  const typeOption = h('option', { value: 'write', disabled: !sandbox?.terminalWriteGrantable }, 'Terminals: can type (runs commands)');
  const terminal = h(
    'select',
    { 'aria-label': 'What the link may do in terminals', name: 'terminal' },
    h('option', { value: 'read' }, 'Terminals: can watch'),
    typeOption,
    h('option', { value: 'none' }, 'Terminals: no access'),
  );
  const warning = h('p.nb-share-warning', { role: 'note', hidden: true }, terminalWarning(sandbox));
  const noSandbox =
    sandbox && !sandbox.available
      ? h(
          'p.nb-share-warning',
          { role: 'note' },
          `No sandbox on this server${sandbox.reason ? ` (${sandbox.reason})` : ''}: terminals and functions run with your user's view of the machine.` +
            (sandbox.terminalWriteGrantable ? '' : ' Links cannot be allowed to type in terminals.'),
        )
      : undefined;
  const syncTerminal = (): void => {
    // A read-only link never types; the warning shows whenever typing is chosen.
    typeOption.disabled = role.value === 'read' || !sandbox?.terminalWriteGrantable;
    if (typeOption.disabled && terminal.value === 'write') terminal.value = 'read';
    warning.hidden = terminal.value !== 'write';
  };
  role.addEventListener('change', syncTerminal);
  terminal.addEventListener('change', syncTerminal);
  const expiry = h(
    'select',
    { 'aria-label': 'When the link expires', name: 'expiry' },
    ...EXPIRY.map(([value, label]) => h('option', { value }, label)),
  );
  const create = h('button.nb-primary', { type: 'submit' }, 'Create link');
  const created = h('div.nb-share-created', { hidden: true });
  const list = h('ul.nb-share-list', { 'aria-label': 'Existing links' });
  const close = h('button', { type: 'button' }, 'Close');
  const form = h(
    'form.nb-dialog.nb-share-dialog',
    { role: 'dialog', 'aria-label': 'Share this workspace' },
    h('h2', {}, 'Share this workspace'),
    h('div.nb-share-row', {}, role, terminal),
    warning,
    ...(noSandbox ? [noSandbox] : []),
    h('div.nb-share-row', {}, expiry, create),
    created,
    h('h3', {}, 'Links'),
    list,
    h('div.nb-dialog-buttons', {}, close),
  );
  const store = new DisposableStore();
  close.addEventListener('click', () => store.dispose());

  const refresh = async (): Promise<void> => {
    const shares = await api.get<Share[]>(base);
    list.replaceChildren(...shares.map((s) => shareRow(s)));
    if (shares.length === 0) list.append(h('li.nb-share-empty', {}, 'No links yet.'));
  };
  const shareRow = (share: Share): HTMLElement => {
    const revoke = h('button.nb-danger-link', { type: 'button', 'data-share': share.id }, 'Revoke');
    revoke.addEventListener('click', () => {
      void api
        .del(`${base}/${encodeURIComponent(share.id)}`)
        .then(refresh)
        .catch((err: unknown) => toast(`Revoking failed: ${errorMessage(err)}`, 'error'));
    });
    const label = share.role === 'write' ? 'can edit' : 'read-only';
    const expires = share.expiresAt ? `expires ${when(share.expiresAt)}` : 'no expiry';
    return h(
      'li.nb-share-item',
      { 'data-role': share.role, 'data-terminal': share.terminal },
      h('span', {}, `${label} · ${TERMINAL_LABEL[share.terminal]} · created ${when(share.createdAt)} · ${expires}`),
      revoke,
    );
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const seconds = EXPIRY.find(([value]) => value === expiry.value)?.[2];
    void api
      .post<CreatedShare>(base, { role: role.value, terminal: terminal.value, ...(seconds ? { expiresInSeconds: seconds } : {}) })
      .then((share) => {
        const url = h('input.share-url', { type: 'text', readonly: true, value: share.url, 'aria-label': 'Share link' });
        const copy = h('button', { type: 'button' }, 'Copy');
        copy.addEventListener('click', () => {
          url.select();
          void navigator.clipboard?.writeText(share.url).then(
            () => toast('Link copied'),
            () => document.execCommand('copy'),
          );
        });
        const can = share.role === 'write' ? 'can edit' : 'can view';
        const terminals = share.terminal === 'write' ? ' and type in its terminals' : '';
        created.replaceChildren(
          h('p', {}, `Anyone with this link ${can} this workspace${terminals}. It is shown only now:`),
          h('div.nb-share-row', {}, url, copy),
        );
        created.hidden = false;
        url.select();
        return refresh();
      })
      .catch((err: unknown) => toast(`Creating the link failed: ${errorMessage(err)}`, 'error'));
  });

  showModal(store, form, role);
  void refresh().catch((err: unknown) => toast(`Listing links failed: ${errorMessage(err)}`, 'error'));
}
