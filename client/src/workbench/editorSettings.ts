import type { IdeContext } from '../context.js';
import type { EditorSettings } from '../editor/EditorArea.js';
import { KeymapController, type Keymap } from '../editor/keymaps.js';
import { monaco } from '../editor/monaco.js';
import type { Theme } from './coreSettings.js';

const MONACO_THEMES: Record<Theme, string> = { dark: 'vs-dark', light: 'vs', 'high-contrast': 'hc-black' };

/** The editor's settings (registered in coreSettings.ts), applied live to every editor group: theme, options, keymap. */
export function installEditorSettings(ctx: IdeContext): void {
  const { services, disposables, shell } = ctx;
  const { settings } = services;
  const keymapStatus = shell.statusBar.addItem('keymap', { text: '', align: 'right', title: 'Vim mode' });
  keymapStatus.el.hidden = true;
  const keymaps = disposables.add(new KeymapController(keymapStatus.el, (editor) => editor === shell.editor.activeEditor));
  disposables.add(shell.editor.forEachEditor((editor) => keymaps.addEditor(editor)));
  disposables.add(shell.editor.onDidChangeGroups(() => keymaps.showActive()));
  const apply = (): void => {
    void keymaps.set(settings.get<Keymap>('editor.keymap')).catch((err: unknown) => console.error('loading the keymap failed', err));
    monaco.editor.setTheme(MONACO_THEMES[settings.get<Theme>('workbench.colorTheme')]);
    const editorSettings: EditorSettings = {
      fontSize: settings.get('editor.fontSize'),
      fontFamily: settings.get('editor.fontFamily'),
      tabSize: settings.get('editor.tabSize'),
      insertSpaces: settings.get('editor.insertSpaces'),
      wordWrap: settings.get('editor.wordWrap'),
      minimap: settings.get('editor.minimap.enabled'),
      renderWhitespace: settings.get('editor.renderWhitespace'),
      formatOnSave: settings.get('editor.formatOnSave'),
    };
    shell.editor.applyOptions(editorSettings);
  };
  disposables.add(settings.onDidChange(apply));
  apply();
}
