import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { Awareness } from 'y-protocols/awareness';
import { MonacoBinding } from 'y-monaco';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { YMessage, YTEXT_NAME } from '../../../shared/protocol/yjs.js';
import type { OpenDocument } from '../editor/documents.js';
import type { Disposable } from '../platform/lifecycle.js';
import { languageFor, monaco, uriFor } from '../editor/monaco.js';
import type { AwarenessUser, RemoteCursorStyles } from './remoteCursors.js';
import { socketUrl } from '../net/basePath.js';

export type SyncStatus = 'connecting' | 'connected' | 'disconnected' | 'closed';

export interface CollabDocumentOptions {
  workspaceId: string;
  path: string;
  readOnly: boolean;
  user: AwarenessUser;
  cursors: RemoteCursorStyles;
  /** Told once the document is disposed (its tab closed). */
  onDisposed?: () => void;
}

const SAVE_TIMEOUT_MS = 10_000;
/** Beyond this many characters a file gets the large-file treatment (no bracket colours or matching). */
export const BIG_FILE_CHARS = 1_000_000;

/** Does `saved` (the server's in-sync state vector) cover every change this doc has seen? */
function covers(saved: Map<number, number>, doc: Y.Doc): boolean {
  for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) if ((saved.get(client) ?? 0) < clock) return false;
  return true;
}

/**
 * One open file as a Yjs document: a y-websocket provider (cookie auth, same origin), a Monaco model bound
 * with y-monaco, an undo manager that only undoes this user's edits, and save / in-sync tracking over the
 * Nimbus save message (`[100, …]`, server/collab/PROTOCOL.md).
 */
export class CollabDocument implements OpenDocument {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText(YTEXT_NAME);
  readonly provider: WebsocketProvider;
  model!: monaco.editor.ITextModel;
  undoManager!: Y.UndoManager;
  private binding: MonacoBinding | undefined;
  private decorations: string[] = [];
  /** The editors y-monaco sees (one view per editor this document is attached to); a live set. */
  private readonly views = new Set<monaco.editor.ICodeEditor>();
  /** y-monaco's selection listener (it registers one per editor at construction; see bindEditors). */
  private selectionListener: (() => void) | undefined;
  /** The editor whose selection changed, while y-monaco's listener reads it. */
  private selecting: monaco.editor.ICodeEditor | undefined;
  private readonly attachments = new Set<Disposable>();
  private readonly dirtyListeners = new Set<(dirty: boolean) => void>();
  private readonly statusListeners = new Set<(status: SyncStatus) => void>();
  private readonly saves = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private nextSave = 1;
  private inSync: Map<number, number> | undefined;
  private dirty = false;
  status: SyncStatus = 'connecting';
  closeReason: string | undefined;

  constructor(private readonly options: CollabDocumentOptions) {
    const room = `${options.workspaceId}/${encodeURIComponent(options.path)}`;
    this.provider = new WebsocketProvider(socketUrl('/yjs'), room, this.doc, { disableBc: true, connect: false });
    this.provider.awareness.setLocalState({ user: options.user, cursor: null });
    this.provider.messageHandlers[YMessage.save] = (_encoder, decoder) => this.onSaveMessage(decoder);
    this.provider.on('status', ({ status }: { status: 'connecting' | 'connected' | 'disconnected' }) => {
      // Ask for in-sync notices on every (re)connect; the server answers at once if the file is current.
      if (status === 'connected') this.provider.ws?.send(Uint8Array.from([YMessage.save, 0]));
      if (status === 'disconnected') this.failSaves('the connection dropped; your edits are kept and sync when it returns');
      // Each reconnect attempt starts with 'connecting': while the network is down the document stays
      // offline ("reconnecting") instead of flickering to "syncing" between attempts.
      if (status === 'connecting' && this.status === 'disconnected') return;
      this.setStatus(status);
    });
    this.provider.on('closed', ({ code, reason }: { code: number; reason: string }) => {
      this.closeReason = reason || `closed (${code})`;
      this.failSaves(this.closeReason);
      this.setStatus('closed');
    });
    this.provider.awareness.on('change', this.onAwarenessChange);
    this.doc.on('update', this.updateDirty);
    this.provider.connect();
  }

  /** Resolves after the first sync, when the model exists; rejects if the server refuses the file. */
  whenReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new Error('the server did not answer in time')), timeoutMs);
      const onSync = (synced: boolean): void => {
        if (synced) done();
      };
      const onClosed = ({ reason, code }: { reason: string; code: number }): void => done(new Error(reason || `refused (${code})`));
      const done = (err?: Error): void => {
        clearTimeout(timer);
        this.provider.off('sync', onSync);
        this.provider.off('closed', onClosed);
        if (err) reject(err);
        else {
          this.createModel();
          resolve();
        }
      };
      this.provider.on('sync', onSync);
      this.provider.on('closed', onClosed);
    });
  }

  /** Read-only share, or the server closed the document for good (revoked, deleted): typing would go nowhere. */
  get readOnly(): boolean {
    return this.options.readOnly || this.status === 'closed';
  }

  isDirty(): boolean {
    return this.dirty;
  }

  onDidChangeDirty(listener: (dirty: boolean) => void): () => void {
    this.dirtyListeners.add(listener);
    return () => this.dirtyListeners.delete(listener);
  }

  onDidChangeReadOnly(listener: () => void): () => void {
    return this.onDidChangeStatus((status) => {
      if (status === 'closed') listener();
    });
  }

  onDidChangeStatus(listener: (status: SyncStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Ctrl+S: the server writes the file now. Edits travel on the same socket, so they are all included. */
  save(): Promise<void> {
    if (this.readOnly) return Promise.resolve();
    const ws = this.provider.ws;
    if (!this.provider.wsconnected || !ws) {
      return Promise.reject(new Error('offline: your edits are kept and are saved when the connection returns'));
    }
    const id = this.nextSave++;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, YMessage.save);
    encoding.writeVarUint(encoder, id);
    ws.send(encoding.toUint8Array(encoder));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.saves.get(id)?.reject(new Error('the server did not confirm the save')), SAVE_TIMEOUT_MS);
      this.saves.set(id, {
        resolve: () => (clearTimeout(timer), this.saves.delete(id), resolve()),
        reject: (err) => (clearTimeout(timer), this.saves.delete(id), reject(err)),
      });
    });
  }

  /** The editor shows this model again: draw the remote cursors that moved meanwhile. */
  shown(): void {
    (this.binding as unknown as { _rerenderDecorations?: () => void } | undefined)?._rerenderDecorations?.();
  }

  dispose(): void {
    this.failSaves('closed');
    this.binding?.destroy();
    this.undoManager?.destroy();
    for (const d of [...this.attachments]) d.dispose();
    this.provider.awareness.off('change', this.onAwarenessChange);
    this.doc.off('update', this.updateDirty);
    this.provider.destroy();
    this.doc.destroy();
    this.model?.dispose();
    this.options.onDisposed?.();
  }

  private createModel(): void {
    const { workspaceId, path } = this.options;
    const text = this.text.toString();
    this.model = monaco.editor.createModel(text, languageFor(path), uriFor(workspaceId, path));
    // Bracket pair colouring parses the whole file before the first paint; on a huge file that is slow.
    if (text.length > BIG_FILE_CHARS)
      this.model.updateOptions({ bracketColorizationOptions: { enabled: false, independentColorPoolPerBracketType: false } });
    const standIn = this.selectionStandIn();
    this.views.add(standIn);
    this.binding = new MonacoBinding(
      this.text,
      this.model,
      this.views as Set<monaco.editor.IStandaloneCodeEditor>,
      this.bindingAwareness(),
    );
    this.views.delete(standIn);
    this.undoManager = new Y.UndoManager(this.text, { trackedOrigins: new Set([this.binding]) });
    this.updateDirty();
  }

  /**
   * Shows this document's selection and remote cursors in an editor (each editor group that opens it).
   * One Y.Doc, one model and one binding serve every editor; each keeps its own cursor through remote edits.
   */
  attach(editor: monaco.editor.ICodeEditor): Disposable {
    const view = this.editorView(editor);
    this.views.add(view);
    const selection = editor.onDidChangeCursorSelection(() => {
      if (editor.getModel() !== this.model || !this.selectionListener) return;
      this.selecting = editor;
      try {
        this.selectionListener();
      } finally {
        this.selecting = undefined;
      }
    });
    // Shown again after another file: draw the remote cursors that moved meanwhile.
    const shown = editor.onDidChangeModel(() => {
      if (editor.getModel() === this.model) this.shown();
    });
    const attachment: Disposable = {
      dispose: () => {
        this.views.delete(view);
        selection.dispose();
        shown.dispose();
        this.attachments.delete(attachment);
      },
    };
    this.attachments.add(attachment);
    return attachment;
  }

  /**
   * y-monaco keeps the editor set it is given (a live set: it walks it on every remote change to keep each
   * editor's selection) but subscribes to selection changes only for the editors in it when it is built.
   * It is built with this stand-in alone, which takes that subscription; `attach` drives it for every
   * editor, with the stand-in answering for the editor whose selection changed.
   */
  private selectionStandIn(): monaco.editor.ICodeEditor {
    const standIn = {
      getModel: () => this.selecting?.getModel() ?? null,
      getSelection: () => this.selecting?.getSelection() ?? null,
      onDidChangeCursorSelection: (listener: () => void) => {
        this.selectionListener = listener;
        return { dispose: () => (this.selectionListener = undefined) };
      },
    };
    return standIn as unknown as monaco.editor.ICodeEditor;
  }

  /**
   * An editor as y-monaco sees it: its selection, and remote cursors drawn as decorations of the model
   * (so they show in every editor of the model, and y-monaco cannot lose track of them while another
   * file is shown).
   */
  private editorView(editor: monaco.editor.ICodeEditor): monaco.editor.ICodeEditor {
    const view = {
      getModel: () => editor.getModel(),
      getSelection: () => editor.getSelection(),
      setSelection: (selection: monaco.ISelection) => editor.setSelection(selection),
      deltaDecorations: (_old: string[], next: monaco.editor.IModelDeltaDecoration[]) =>
        (this.decorations = this.model.deltaDecorations(this.decorations, next)),
    };
    // y-monaco calls only these members of an editor added after it was built.
    return view as unknown as monaco.editor.ICodeEditor;
  }

  /** y-monaco publishes the selection as `selection`; DESIGN.md's awareness contract calls it `cursor`: set both at once. */
  private bindingAwareness(): Awareness {
    const awareness = this.provider.awareness;
    const view = {
      getStates: () => awareness.getStates(),
      on: (event: 'change', fn: () => void) => awareness.on(event, fn),
      off: (event: 'change', fn: () => void) => awareness.off(event, fn),
      setLocalStateField: (field: string, value: unknown) => {
        if (field === 'selection') awareness.setLocalState({ ...awareness.getLocalState(), selection: value, cursor: value });
        else awareness.setLocalStateField(field, value);
      },
    };
    // y-monaco uses only these members of the Awareness it is given.
    return view as unknown as Awareness;
  }

  private readonly onAwarenessChange = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }): void => {
    const states = this.provider.awareness.getStates();
    for (const id of added.concat(updated)) {
      if (id !== this.doc.clientID) this.options.cursors.set(id, (states.get(id) as { user?: AwarenessUser } | undefined)?.user);
    }
    for (const id of removed) this.options.cursors.set(id, undefined);
  };

  private onSaveMessage(decoder: decoding.Decoder): void {
    const id = decoding.readVarUint(decoder);
    const failed = decoding.readVarUint(decoder) !== 0;
    if (id === 0) {
      this.inSync = Y.decodeStateVector(decoding.readVarUint8Array(decoder));
      this.updateDirty();
      return;
    }
    const pending = this.saves.get(id);
    if (failed) pending?.reject(new Error('the server could not write the file'));
    else pending?.resolve();
  }

  private failSaves(reason: string): void {
    for (const pending of [...this.saves.values()]) pending.reject(new Error(reason));
  }

  private readonly updateDirty = (): void => {
    // Until the server's first in-sync notice we cannot know; it comes right after connecting.
    const dirty = !this.readOnly && this.inSync !== undefined && !covers(this.inSync, this.doc);
    if (dirty === this.dirty) return;
    this.dirty = dirty;
    for (const l of this.dirtyListeners) l(dirty);
  };

  private setStatus(status: SyncStatus): void {
    if (this.status === status) return;
    this.status = status;
    for (const l of this.statusListeners) l(status);
  }
}
