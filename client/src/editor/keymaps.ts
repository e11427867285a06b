import type { monaco } from './monaco.js';

export type Keymap = 'default' | 'vim' | 'emacs';

/**
 * Vim and Emacs keys for the editor (monaco-vim, monaco-emacs), switched live by the `editor.keymap`
 * setting. Each is loaded the first time someone picks it, so nobody else downloads it.
 */
export class KeymapController {
  private current: { dispose(): void } | undefined;
  private active: Keymap = 'default';
  private generation = 0;

  constructor(
    private readonly editor: monaco.editor.IStandaloneCodeEditor,
    /** Where Vim shows its mode and pending keys (`-- INSERT --`). */
    private readonly statusNode: HTMLElement,
  ) {}

  async set(keymap: Keymap): Promise<void> {
    if (keymap === this.active) return;
    const generation = ++this.generation;
    this.current?.dispose();
    this.current = undefined;
    this.statusNode.textContent = '';
    this.statusNode.hidden = keymap !== 'vim';
    this.active = keymap;
    if (keymap === 'vim') {
      const { initVimMode } = await import('monaco-vim');
      if (generation !== this.generation) return;
      this.current = initVimMode(this.editor, this.statusNode);
    } else if (keymap === 'emacs') {
      const { EmacsExtension } = await import('monaco-emacs');
      if (generation !== this.generation) return;
      const emacs = new EmacsExtension(this.editor);
      emacs.start();
      this.current = emacs;
    }
  }

  dispose(): void {
    this.generation++;
    this.current?.dispose();
  }
}
