import './collab.css';
import { canWrite } from '../../../shared/api.js';
import type { IdeContext } from '../context.js';
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
 * the share dialog and the sync status. Sets `body[data-collab="ready"]` once everything is live.
 */
export function installCollab(ctx: IdeContext): void {
  start(ctx).catch((err: unknown) => toast(`Collaboration could not start: ${errorMessage(err)}`, 'error'));
}

async function start(ctx: IdeContext): Promise<void> {
  const { shell, session } = ctx;
  // Someone who came in through a share link says who they are before joining.
  if (session.shareId && !localStorage.getItem(NAME_CHOSEN)) await chooseName(ctx);

  const provider = new YjsDocumentProvider({
    workspaceId: ctx.workspaceId,
    readOnly: !canWrite(session.role),
    user: { ...ctx.user },
    editor: shell.editor.monacoEditor,
  });
  await shell.editor.setProvider(provider);

  const people = new PeopleSocket(ctx.workspaceId, ctx.user);
  const follow = new FollowMode(shell.editor, people);
  people.on((event) => {
    if (event.type === 'disconnected' && event.revoked) toast('This share link was revoked: you are no longer connected to the workspace.', 'error');
  });
  trackPresence(shell.editor, people);

  const peopleView = new PeopleView(people, follow, (path) => void shell.editor.openFile(path));
  const peopleHandle = shell.addSidebarView({ id: 'people', title: 'People', icon: 'organization', render: (c) => c.append(peopleView.el) });
  people.on(() => peopleHandle.setBadge(Math.max(0, people.peers.size - 1)));
  peopleView.el.addEventListener('dblclick', (e) => {
    if ((e.target as HTMLElement).closest('.person')?.getAttribute('data-peer-id') !== people.self) return;
    void chooseName(ctx).then(() => {
      people.setUser(ctx.user);
      provider.setUser(ctx.user);
    });
  });

  const chat = new ChatView(people);
  const chatHandle = shell.addSidebarView({ id: 'chat', title: 'Chat', icon: 'comment-discussion', render: (c) => c.append(chat.el) });
  chat.onUnread((n) => chatHandle.setBadge(n));
  shell.onViewShown((id) => chat.setVisible(id === 'chat'));

  if (session.role === 'owner') {
    const share = h('button.titlebar-button', { type: 'button', title: 'Share this workspace', 'data-action': 'share' }, icon('live-share'), ' Share');
    share.addEventListener('click', () => openShareDialog(ctx.api, ctx.workspaceId));
    shell.titleBar.append(share);
  }

  const status = shell.statusBar.addItem('collab', { text: '', title: 'Sync state of the open documents' });
  const showStatus = (): void => {
    const { status: state, unsynced } = provider.status();
    const text =
      state === 'disconnected' ? `○ offline${unsynced ? ` · ${unsynced} file${unsynced > 1 ? 's' : ''} with unsynced edits` : ''} — reconnecting`
      : state === 'connecting' ? '◌ syncing'
      : state === 'closed' ? '⚠ a document was closed by the server'
      : '⇄ live';
    status.set(text);
    status.el.dataset.state = state === 'disconnected' || state === 'closed' ? 'offline' : state;
  };
  provider.onDidChange(showStatus);
  showStatus();
  document.body.dataset.collab = 'ready';
}

async function chooseName(ctx: IdeContext): Promise<void> {
  const name = await promptDialog('Your name (the others see it next to your cursor)', ctx.user.name, { okLabel: 'Join' });
  if (name) ctx.user.name = name.slice(0, 40);
  localStorage.setItem('nimbus.userName', ctx.user.name);
  localStorage.setItem(NAME_CHOSEN, '1');
}
