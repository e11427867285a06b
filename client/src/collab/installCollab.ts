import './collab.css';
import { canWrite } from '../../../shared/api.js';
import type { IdeContext } from '../context.js';
import { toDisposable } from '../platform/lifecycle.js';
import { ChatView } from '../sidebar/chat/ChatView.js';
import { PeopleView } from '../sidebar/people/PeopleView.js';
import { promptDialog } from '../ui/dialog.js';
import { h, icon } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';
import { FollowMode } from './follow.js';
import { PeopleSocket } from './PeopleSocket.js';
import { trackPresence } from './presence.js';
import { openShareDialog } from './shareDialog.js';
import { YjsDocumentProvider } from './YjsDocumentProvider.js';

const NAME_CHOSEN = 'nimbus.nameChosen';

/**
 * Pair programming: Yjs documents in the editor, remote cursors, the people and chat views, follow mode,
 * the share dialog and the sync status. Sets `body[data-collab="ready"]` once everything is live, and
 * resolves then (documents opened after that are collaborative ones).
 */
export function installCollab(ctx: IdeContext): Promise<void> {
  return start(ctx).catch((err: unknown) => toast(`Collaboration could not start: ${errorMessage(err)}`, 'error'));
}

async function start(ctx: IdeContext): Promise<void> {
  const { shell, session } = ctx;

  const provider = new YjsDocumentProvider({
    workspaceId: ctx.workspaceId,
    readOnly: !canWrite(session.role),
    user: { ...ctx.user },
  });
  await shell.editor.setProvider(provider);

  const people = new PeopleSocket(ctx.workspaceId, ctx.user);
  ctx.disposables.add(toDisposable(() => people.close()));
  const follow = ctx.disposables.add(new FollowMode(shell.editor, people));
  ctx.disposables.add(trackPresence(shell.editor, people));

  const peopleView = new PeopleView(people, follow, (path) => void shell.editor.openFile(path));
  const peopleHandle = shell.addSidebarView({
    id: 'people',
    order: 40,
    title: 'People',
    icon: 'organization',
    render: (c) => c.append(peopleView.el),
  });
  people.on(() => peopleHandle.setBadge(Math.max(0, people.peers.size - 1)));
  const rename = (name: string): void => {
    ctx.user.name = name.slice(0, 40);
    localStorage.setItem('nimbus.userName', ctx.user.name);
    localStorage.setItem(NAME_CHOSEN, '1');
    people.setUser(ctx.user);
    provider.setUser(ctx.user);
  };
  // Everyone is asked for a name once, the owner too (without blocking: they are in at once).
  if (!localStorage.getItem(NAME_CHOSEN)) askName(ctx.user.name, rename, session.role === 'owner');
  ctx.disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.collab.changeName',
      title: 'Change Your Display Name…',
      category: 'Collaboration',
      run: async () => {
        const name = await promptDialog('Your name', ctx.user.name, { okLabel: 'Rename' });
        if (name) rename(name);
      },
    }),
  );
  peopleView.el.addEventListener('dblclick', (e) => {
    if ((e.target as HTMLElement).closest('.nb-person')?.getAttribute('data-peer-id') !== people.self) return;
    void promptDialog('Your name', ctx.user.name, { okLabel: 'Rename' }).then((name) => name && rename(name));
  });

  const chat = ctx.disposables.add(new ChatView(people));
  const chatHandle = shell.addSidebarView({
    id: 'chat',
    order: 50,
    title: 'Chat',
    icon: 'comment-discussion',
    render: (c) => c.append(chat.el),
  });
  chat.onUnread((n) => chatHandle.setBadge(n));
  ctx.disposables.add(toDisposable(shell.onViewShown((id) => chat.setVisible(id === 'chat'))));
  ctx.disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.chat.focus',
      title: 'Focus on Chat',
      category: 'Collaboration',
      run: () => {
        chatHandle.reveal();
        chat.focus();
      },
    }),
  );
  ctx.disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.chat.send',
      title: 'Send Chat Message',
      category: 'Collaboration',
      keys: ['enter'],
      keyWhen: 'chatInputFocus',
      run: () => chat.send(),
    }),
  );

  if (session.role === 'owner') {
    const share = h(
      'button.nb-titlebar-button',
      { type: 'button', title: 'Share this workspace', 'data-action': 'share' },
      icon('live-share'),
      ' Share',
    );
    ctx.disposables.add(
      ctx.services.registerAction({
        id: 'nimbus.collab.share',
        title: 'Share Workspace…',
        category: 'Collaboration',
        run: () => openShareDialog(ctx.api, ctx.workspaceId, session.sandbox),
      }),
    );
    share.addEventListener('click', () => void ctx.services.commands.execute('nimbus.collab.share'));
    shell.titleBar.append(share);
  }

  const status = shell.statusBar.addItem('collab', { text: '', title: 'Sync state of the open documents' });
  const showStatus = (): void => {
    const { status: state, unsynced } = provider.status();
    const text =
      state === 'disconnected'
        ? `○ offline${unsynced ? ` · ${unsynced} file${unsynced > 1 ? 's' : ''} with unsynced edits` : ''} — reconnecting`
        : state === 'connecting'
          ? '◌ syncing'
          : state === 'closed'
            ? '⚠ a document was closed by the server'
            : '⇄ live';
    status.set(text);
    status.el.dataset.state = state === 'disconnected' || state === 'closed' ? 'offline' : state;
  };
  provider.onDidChange(showStatus);
  showStatus();
  document.body.dataset.collab = 'ready';
}

/** A small card, not a modal: the person is already in and can work while (or instead of) answering. */
function askName(current: string, done: (name: string) => void, owner: boolean): void {
  const input = h('input.nb-name-card-input', {
    type: 'text',
    value: current,
    'aria-label': 'Your name',
    maxlength: '40',
    spellcheck: 'false',
  });
  const join = h('button.nb-primary', { type: 'submit' }, 'Join');
  const later = h('button', { type: 'button', title: 'Keep this name' }, 'Later');
  const card = h(
    'form.nb-name-card',
    { role: 'dialog', 'aria-label': 'Your name' },
    h(
      'p',
      {},
      owner
        ? 'What name should people you share this workspace with see next to your cursor?'
        : 'Welcome! What name should the others see next to your cursor?',
    ),
    input,
    h('div.nb-dialog-buttons', {}, later, join),
  );
  card.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (name) done(name);
    card.remove();
  });
  later.addEventListener('click', () => {
    localStorage.setItem(NAME_CHOSEN, '1');
    card.remove();
  });
  document.body.append(card);
  // Take the focus only if nothing has it yet: typing that already started goes on where it was.
  if (document.activeElement === document.body || document.activeElement === null) input.select();
}
