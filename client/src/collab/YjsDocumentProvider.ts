import type { DocumentProvider, OpenDocument } from '../editor/documents.js';
import { monaco } from '../editor/monaco.js';
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

  constructor(
    private readonly options: { workspaceId: string; readOnly: boolean; user: AwarenessUser; editor: monaco.editor.IStandaloneCodeEditor },
  ) {
    const { editor } = options;
    const { KeyMod, KeyCode } = monaco;
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyZ, () => this.undo(false));
    editor.addCommand(KeyMod.CtrlCmd | KeyMod.Shift | KeyCode.KeyZ, () => this.undo(true));
    editor.addCommand(KeyMod.CtrlCmd | KeyCode.KeyY, () => this.undo(true));
    editor.onDidChangeModel(() => {
      const doc = this.active();
      doc?.shown();
      // Bracket matching parses the whole file on the first cursor move: on a huge file that freezes typing.
      const big = (editor.getModel()?.getValueLength() ?? 0) > BIG_FILE_CHARS;
      editor.updateOptions({ matchBrackets: big ? 'never' : 'always' });
    });
  }

  async open(path: string): Promise<OpenDocument> {
    const { workspaceId, readOnly, user, editor } = this.options;
    const doc: CollabDocument = new CollabDocument({
      workspaceId,
      path,
      readOnly,
      user: { ...user },
      editor,
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
    doc.onDidChangeStatus((status) => {
      if (status === 'closed' && this.active() === doc) editor.updateOptions({ readOnly: true });
      this.changed();
    });
    // Offline, the status bar counts the files with edits the server has not confirmed yet.
    doc.onDidChangeDirty(() => this.changed());
    this.changed();
    return doc;
  }

  /** The document shown in the editor, if it is one of ours. */
  active(): CollabDocument | undefined {
    const model = this.options.editor.getModel();
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

  private undo(redo: boolean): void {
    const doc = this.active();
    const editor = this.options.editor;
    if (!doc) {
      editor.trigger('keyboard', redo ? 'redo' : 'undo', null);
      return;
    }
    if (doc.readOnly) return;
    if (redo) doc.undoManager.redo();
    else doc.undoManager.undo();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
