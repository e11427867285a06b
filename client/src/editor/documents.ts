import { fileUrl, type Api } from '../net/api.js';
import type { Disposable } from '../platform/lifecycle.js';
import { languageFor, monaco, uriFor } from './monaco.js';

/** An open file: a Monaco model plus how to save it. Collaboration provides these from Yjs documents. */
export interface OpenDocument {
  model: monaco.editor.ITextModel;
  readOnly: boolean;
  save(): Promise<void>;
  /** True while there are changes not yet on disk. */
  isDirty(): boolean;
  onDidChangeDirty(listener: (dirty: boolean) => void): () => void;
  /** The document became read-only (collaboration: the server closed it for good). */
  onDidChangeReadOnly?(listener: () => void): () => void;
  /** The file changed on disk by other means (a terminal, git): bring the model in step. */
  reloadFromDisk?(): Promise<void>;
  /** An editor shows (or may show) this document: collaboration tracks its selection and cursors there. */
  attach?(editor: monaco.editor.ICodeEditor): Disposable;
  dispose(): void;
}

export interface DocumentProvider {
  open(path: string): Promise<OpenDocument>;
  /** Binds what the provider needs to an editor (collaboration: undo of your own edits). */
  attachEditor?(editor: monaco.editor.IStandaloneCodeEditor): Disposable;
}

/** Opens files over the REST API: read once, save with PUT. Used when collaboration is not installed. */
export class RestDocumentProvider implements DocumentProvider {
  constructor(
    private readonly api: Api,
    private readonly workspaceId: string,
    private readonly readOnly: boolean,
  ) {}

  async open(path: string): Promise<OpenDocument> {
    const url = fileUrl(this.workspaceId, path);
    const text = await this.api.readText(url);
    const model = monaco.editor.createModel(text, languageFor(path), uriFor(this.workspaceId, path));
    let savedVersion = model.getAlternativeVersionId();
    const listeners = new Set<(dirty: boolean) => void>();
    const isDirty = (): boolean => model.getAlternativeVersionId() !== savedVersion;
    const notify = (): void => listeners.forEach((l) => l(isDirty()));
    const sub = model.onDidChangeContent(notify);
    return {
      model,
      readOnly: this.readOnly,
      isDirty,
      onDidChangeDirty: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      save: async () => {
        const version = model.getAlternativeVersionId();
        await this.api.put(url, new Blob([model.getValue(monaco.editor.EndOfLinePreference.TextDefined)]));
        savedVersion = version;
        notify();
      },
      reloadFromDisk: async () => {
        if (isDirty()) return; // never overwrite what the user typed; their next save wins
        const fresh = await this.api.readText(url);
        if (fresh === model.getValue()) return;
        // pushEditOperations keeps undo history and the cursor, unlike setValue
        model.pushEditOperations([], [{ range: model.getFullModelRange(), text: fresh }], () => null);
        savedVersion = model.getAlternativeVersionId();
        notify();
      },
      dispose: () => {
        sub.dispose();
        model.dispose();
      },
    };
  }
}
