import type { Disposable } from '../platform/lifecycle.js';
import type { DocumentProvider, OpenDocument } from './documents.js';
import type { monaco } from './monaco.js';

/** A hold on an open document; the document closes when its last reference is released. */
export interface DocumentReference extends Disposable {
  readonly doc: OpenDocument;
}

interface Entry {
  doc: Promise<OpenDocument>;
  refs: number;
  /** Set once the document has opened. */
  opened?: OpenDocument;
}

/**
 * The open documents of the page, tied to no view: each file is opened once (one Monaco model, and with
 * collaboration one Y.Doc) however many editor groups show it, counted by reference and closed when the
 * last group lets go. It also hands every editor to the provider, which binds what it needs to it
 * (collaboration: undo of your own edits, remote cursors).
 */
export class DocumentService {
  private readonly entries = new Map<string, Entry>();
  private readonly editors = new Map<monaco.editor.IStandaloneCodeEditor, Disposable | undefined>();
  private provider: DocumentProvider | undefined;
  private resolveFirst: (provider: DocumentProvider) => void = () => undefined;
  /** Files asked for before any provider is set wait for it (collaboration decides how documents open). */
  private readonly firstProvider = new Promise<DocumentProvider>((resolve) => (this.resolveFirst = resolve));

  constructor(provider?: DocumentProvider) {
    if (provider) this.setProvider(provider);
  }

  get hasProvider(): boolean {
    return this.provider !== undefined;
  }

  /** Opens the file, or shares the document already open; release the reference when done with it. */
  async acquire(path: string): Promise<DocumentReference> {
    let entry = this.entries.get(path);
    if (!entry) {
      const created: Entry = {
        refs: 0,
        doc: (this.provider ? Promise.resolve(this.provider) : this.firstProvider).then((provider) => provider.open(path)),
      };
      entry = created;
      this.entries.set(path, created);
      created.doc.then(
        (doc) => (created.opened = doc),
        () => {
          if (this.entries.get(path) === created) this.entries.delete(path);
        },
      );
    }
    const held = entry;
    held.refs++;
    let doc: OpenDocument;
    try {
      doc = await held.doc;
    } catch (err) {
      held.refs--;
      throw err;
    }
    let released = false;
    return {
      doc,
      dispose: () => {
        if (released) return;
        released = true;
        if (--held.refs > 0) return;
        if (this.entries.get(path) === held) this.entries.delete(path);
        doc.dispose();
      },
    };
  }

  /** The open document of a file, if some view holds it. */
  get(path: string): OpenDocument | undefined {
    return this.entries.get(path)?.opened;
  }

  /** How many views hold the file's document (0 when it is not open). */
  references(path: string): number {
    return this.entries.get(path)?.refs ?? 0;
  }

  /** Every open document (each once). */
  get documents(): OpenDocument[] {
    return [...this.entries.values()].flatMap((e) => (e.opened ? [e.opened] : []));
  }

  /**
   * Files opened from now on come from this provider. The views reopen what they show (releasing the old
   * documents first); every editor is bound to the new provider.
   */
  setProvider(provider: DocumentProvider): void {
    this.provider = provider;
    this.resolveFirst(provider);
    for (const [editor, binding] of this.editors) {
      binding?.dispose();
      this.editors.set(editor, provider.attachEditor?.(editor));
    }
  }

  /** An editor the documents are shown in; released with the editor. */
  addEditor(editor: monaco.editor.IStandaloneCodeEditor): Disposable {
    this.editors.set(editor, this.provider?.attachEditor?.(editor));
    return {
      dispose: () => {
        this.editors.get(editor)?.dispose();
        this.editors.delete(editor);
      },
    };
  }
}
