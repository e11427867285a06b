import { DisposableStore, toDisposable, type Disposable } from '../platform/lifecycle.js';
import { h } from '../ui/dom.js';
import type { monaco } from './monaco.js';

export type Keymap = 'default' | 'vim' | 'emacs';

interface Attached {
  /** Where Vim shows this editor's mode and pending keys (`-- INSERT --`); shown while it is active. */
  status: HTMLElement;
  mode: Disposable | undefined;
}

/**
 * Vim and Emacs keys for every editor group (monaco-vim, monaco-emacs), switched live by the
 * `editor.keymap` setting. Each is loaded the first time someone picks it, so nobody else downloads it.
 */
export class KeymapController implements Disposable {
  private keymap: Keymap = 'default';
  private generation = 0;
  private readonly editors = new Map<monaco.editor.IStandaloneCodeEditor, Attached>();

  constructor(
    /** The status bar item that holds each editor's Vim status. */
    private readonly statusNode: HTMLElement,
    private readonly isActive: (editor: monaco.editor.IStandaloneCodeEditor) => boolean,
  ) {}

  /** An editor takes the current keymap now and every later one; released with it. */
  addEditor(editor: monaco.editor.IStandaloneCodeEditor): Disposable {
    const attached: Attached = { status: h('span.nb-vim-status'), mode: undefined };
    this.statusNode.append(attached.status);
    this.editors.set(editor, attached);
    void this.apply(editor, attached, this.generation).catch((err: unknown) => console.error('loading the keymap failed', err));
    this.showActive();
    const store = new DisposableStore();
    store.add(editor.onDidFocusEditorWidget(() => this.showActive()));
    store.add(
      toDisposable(() => {
        attached.mode?.dispose();
        attached.status.remove();
        this.editors.delete(editor);
      }),
    );
    return store;
  }

  /** The active editor's Vim status is the one shown. */
  showActive(): void {
    for (const [editor, { status }] of this.editors) status.hidden = !this.isActive(editor);
    this.statusNode.hidden = this.keymap !== 'vim';
  }

  async set(keymap: Keymap): Promise<void> {
    if (keymap === this.keymap) return;
    const generation = ++this.generation;
    this.keymap = keymap;
    this.statusNode.hidden = keymap !== 'vim';
    await Promise.all([...this.editors].map(([editor, attached]) => this.apply(editor, attached, generation)));
  }

  private async apply(editor: monaco.editor.IStandaloneCodeEditor, attached: Attached, generation: number): Promise<void> {
    attached.mode?.dispose();
    attached.mode = undefined;
    attached.status.textContent = '';
    if (this.keymap === 'vim') {
      const { initVimMode } = await import('monaco-vim');
      if (generation !== this.generation || !this.editors.has(editor)) return;
      attached.mode = initVimMode(editor, attached.status);
    } else if (this.keymap === 'emacs') {
      const { EmacsExtension } = await import('monaco-emacs');
      if (generation !== this.generation || !this.editors.has(editor)) return;
      const emacs = new EmacsExtension(editor);
      emacs.start();
      attached.mode = emacs;
    }
  }

  dispose(): void {
    this.generation++;
    for (const attached of this.editors.values()) attached.mode?.dispose();
    this.editors.clear();
  }
}
