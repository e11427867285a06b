import type { Peer } from '../../../shared/protocol/collab.js';
import type { EditorArea } from '../editor/EditorArea.js';
import { DisposableStore, listen, toDisposable, type Disposable } from '../platform/lifecycle.js';
import type { PeopleSocket } from './PeopleSocket.js';

/**
 * Follow mode: the followed person's active file and viewport drive this editor until you move yourself
 * (type, click, scroll, or switch tabs) or they leave.
 */
export class FollowMode implements Disposable {
  private following: string | undefined;
  /** >0 while we are moving the editor for them, so our own moves do not count as "you moved". */
  private applying = 0;
  private readonly listeners = new Set<(peerId: string | undefined) => void>();
  private readonly store = new DisposableStore();

  constructor(
    private readonly editor: EditorArea,
    private readonly people: PeopleSocket,
  ) {
    this.store.add(
      toDisposable(
        people.on((event) => {
          if (event.type === 'peer' && event.peer.id === this.following) void this.apply(event.peer);
          if ((event.type === 'peer.left' && event.id === this.following) || event.type === 'disconnected') this.stop();
        }),
      ),
    );
    const userMoved = (): void => {
      if (this.applying === 0) this.stop();
    };
    // Typing, clicking or scrolling in any editor group is moving yourself.
    this.store.add(
      editor.forEachEditor((monacoEditor) => {
        const store = new DisposableStore();
        store.add(monacoEditor.onKeyDown(userMoved));
        store.add(monacoEditor.onMouseDown(userMoved));
        const node = monacoEditor.getDomNode();
        if (node) store.add(listen(node, 'wheel', userMoved, { passive: true }));
        return store;
      }),
    );
    this.store.add(toDisposable(editor.onDidChangeActive(userMoved)));
  }

  dispose(): void {
    this.store.dispose();
    this.listeners.clear();
  }

  get peerId(): string | undefined {
    return this.following;
  }

  onDidChange(listener: (peerId: string | undefined) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(peerId: string): void {
    this.following = peerId;
    this.emit();
    const peer = this.people.peers.get(peerId);
    if (peer) void this.apply(peer);
  }

  stop(): void {
    if (this.following === undefined) return;
    this.following = undefined;
    this.emit();
  }

  private async apply(peer: Peer): Promise<void> {
    this.applying++;
    try {
      if (peer.file && peer.file !== this.editor.activePath) await this.editor.openFile(peer.file, { focus: false });
      if (peer.file && peer.viewport && this.editor.activePath === peer.file) {
        const monacoEditor = this.editor.activeEditor;
        monacoEditor.setScrollTop(monacoEditor.getTopForLineNumber(peer.viewport.top));
      }
    } finally {
      this.applying--;
    }
  }

  private emit(): void {
    for (const l of this.listeners) l(this.following);
  }
}
