import { MAX_CHAT_TEXT, type ChatMessage } from '../../../../shared/protocol/collab.js';
import type { PeopleSocket } from '../../collab/PeopleSocket.js';
import { DisposableStore, listen, toDisposable, type Disposable } from '../../platform/lifecycle.js';
import { h } from '../../ui/dom.js';

const time = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The workspace chat: history (kept on the server), a box to write in, and an unread counter for the badge. */
export class ChatView implements Disposable {
  readonly el = h('div.nb-chat');
  private readonly list = h('ol.nb-chat-list', { 'aria-label': 'Chat messages', 'aria-live': 'polite' });
  private readonly input = h('textarea.nb-chat-input', {
    rows: '2',
    placeholder: 'Message everyone here (Enter sends)',
    'aria-label': 'Chat message',
    maxlength: String(MAX_CHAT_TEXT),
    // Enter sends through the "Send Chat Message" command, bound while this has the focus.
    'data-nb-focus': 'chatInputFocus',
  });
  private readonly older = h('button.nb-link.nb-chat-older', { type: 'button', hidden: true }, 'Show older messages');
  private unread = 0;
  private visible = false;
  private readonly unreadListeners = new Set<(count: number) => void>();
  private readonly store = new DisposableStore();

  constructor(private readonly people: PeopleSocket) {
    const form = h('form.nb-chat-form', {}, this.input);
    this.el.append(this.older, this.list, form);
    this.older.addEventListener('click', () => people.loadOlderChat());
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.send();
    });
    this.store.add(
      toDisposable(
        people.on((event) => {
          if (event.type === 'chat') {
            this.list.append(this.item(event.message));
            this.scrollToEnd();
            if (event.from !== this.people.self) this.countUnread();
          } else if (event.type === 'welcome' || event.type === 'chat.history') this.renderAll(event.type === 'welcome');
        }),
      ),
    );
    this.store.add(
      listen(document, 'visibilitychange', () => {
        if (!document.hidden && this.visible) this.markRead();
      }),
    );
  }

  /** Focuses the message box (the view must be shown). */
  focus(): void {
    this.input.focus();
  }

  dispose(): void {
    this.store.dispose();
    this.unreadListeners.clear();
  }

  /** The chat view became visible (true) or another view took its place (false). */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) {
      this.markRead();
      this.scrollToEnd();
      this.focus();
    }
  }

  onUnread(listener: (count: number) => void): void {
    this.unreadListeners.add(listener);
  }

  /** Sends what is in the message box (a message is never empty). */
  send(): void {
    const text = this.input.value.trim();
    if (!text) return;
    if (this.people.sendChat(text)) this.input.value = '';
  }

  private renderAll(scroll: boolean): void {
    this.list.replaceChildren(...this.people.chat.map((m) => this.item(m)));
    this.older.hidden = !this.people.moreChat;
    if (scroll) this.scrollToEnd();
  }

  private item(message: ChatMessage): HTMLElement {
    const name = h('span.nb-chat-author', {}, message.author.name);
    name.style.color = message.author.color;
    return h(
      'li.nb-chat-message',
      { 'data-id': String(message.id) },
      h('div.nb-chat-meta', {}, name, h('time', { datetime: message.at }, time(message.at))),
      h('div.nb-chat-text', {}, message.text),
    );
  }

  private countUnread(): void {
    if (this.visible && !document.hidden) return;
    this.unread++;
    for (const l of this.unreadListeners) l(this.unread);
  }

  private markRead(): void {
    if (this.unread === 0) return;
    this.unread = 0;
    for (const l of this.unreadListeners) l(0);
  }

  private scrollToEnd(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
