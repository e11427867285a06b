import type { DocumentProvider, OpenDocument } from '../editor/documents.js';
import { monaco } from '../editor/monaco.js';
import { DisposableStore, toDisposable, type Disposable } from '../platform/lifecycle.js';
import { BIG_FILE_CHARS, CollabDocument, type SyncStatus } from './CollabDocument.js';
import { RemoteCursorStyles, type AwarenessUser } from './remoteCursors.js';

const OPEN_TIMEOUT_MS = 20_000;

/**
 * The shell's DocumentProvider for collaboration: every file is a Yjs document shared through the server.
 * It also owns the editor-wide parts: undo/redo that only undo your own edits, and the remote cursor styles.
 */
export class YjsDocumentProvider implements DocumentProvider {
  private readonly docs = new Set<CollabDocument>();
  private readonly cursors = new RemoteCursorStyles();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: { workspaceId: string; readOnly: boolean; user: AwarenessUser }) {}

  /** Undo and redo in an editor undo only your own edits (a collaborator's stay); huge files skip bracket matching. */
  attachEditor(editor: monaco.editor.IStandaloneCodeEditor): Disposable {
    const store = new DisposableStore();
    const { KeyMod, KeyCode } = monaco;
    const undo = (redo: boolean): void => {
      const doc = this.documentIn(editor);
      if (!doc) editor.trigger('keyboard', redo ? 'redo' : 'undo', null);
      else if (!doc.readOnly) {
        if (redo) doc.undoManager.redo();
        else doc.undoManager.undo();
      }
    };
    // addCommand's keys win over Monaco's own undo (an action's would not); they stop with the context key.
    const bound = editor.createContextKey<boolean>('nimbusCollabUndo', true);
    store.add(toDisposable(() => bound.set(false)));
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyZ, () => undo(false), 'nimbusCollabUndo');
    editor.addCommand(KeyMod.CtrlCmd | KeyMod.Shift | KeyCode.KeyZ, () => undo(true), 'nimbusCollabUndo');
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyY, () => undo(true), 'nimbusCollabUndo');
    store.add(
      editor.onDidChangeModel(() => {
        // Bracket matching parses the whole file on the first cursor move: on a huge file that freezes typing.
        const big = (editor.getModel()?.getValueLength() ?? 0) > BIG_FILE_CHARS;
        editor.updateOptions({ matchBrackets: big ? 'never' : 'always' });
      }),
    );
    return store;
  }

  async open(path: string): Promise<OpenDocument> {
    const { workspaceId, readOnly, user } = this.options;
    const doc: CollabDocument = new CollabDocument({
      workspaceId,
      path,
      readOnly,
      user: { ...user },
      cursors: this.cursors,
      onDisposed: () => {
        if (this.docs.delete(doc)) this.changed();
      },
    });
    try {
      await doc.whenReady(OPEN_TIMEOUT_MS);
    } catch (err) {
      doc.dispose();
      throw err;
    }
    this.docs.add(doc);
    doc.onDidChangeStatus(() => this.changed());
    // Offline, the status bar counts the files with edits the server has not confirmed yet.
    doc.onDidChangeDirty(() => this.changed());
    this.changed();
    return doc;
  }

  /** The document an editor shows, if it is one of ours. */
  private documentIn(editor: monaco.editor.ICodeEditor): CollabDocument | undefined {
    const model = editor.getModel();
    for (const doc of this.docs) if (doc.model === model) return doc;
    return undefined;
  }

  /** Worst status over all open documents (what the status bar shows). */
  status(): { status: SyncStatus | 'idle'; unsynced: number } {
    let worst: SyncStatus | 'idle' = 'idle';
    let unsynced = 0;
    const rank = { idle: 0, connected: 1, connecting: 2, disconnected: 3, closed: 4 } as const;
    for (const doc of this.docs) {
      if (rank[doc.status] > rank[worst]) worst = doc.status;
      if (doc.status !== 'connected' && doc.isDirty()) unsynced++;
    }
    return { status: worst, unsynced };
  }

  onDidChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Name or colour changed: every open document's awareness carries the new one. */
  setUser(user: AwarenessUser): void {
    this.options.user = user;
    for (const doc of this.docs) doc.provider.awareness.setLocalStateField('user', { ...user });
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
