import type { IdeContext } from '../context.js';
import type { EditorSettings } from '../editor/EditorArea.js';
import { KeymapController, type Keymap } from '../editor/keymaps.js';
import { monaco } from '../editor/monaco.js';

const MONACO_THEMES = { dark: 'vs-dark', light: 'vs', 'high-contrast': 'hc-black' } as const;
export const DEFAULT_EDITOR_FONT = 'Menlo, Monaco, "Cascadia Mono", "DejaVu Sans Mono", "Courier New", monospace';

/** The workbench's own settings (theme, editor, terminal) and what applies them, live. */
export function installCoreSettings(ctx: IdeContext): void {
  const { services, disposables, shell } = ctx;
  const { settings } = services;
  disposables.add(
    settings.register({
      'workbench.colorTheme': { type: 'string', default: 'dark', enum: ['dark', 'light', 'high-contrast'], enumLabels: ['Dark', 'Light', 'High contrast'], description: 'The colour theme of the whole workbench: editor, terminals, sidebar and dialogs.', category: 'Workbench' },
      'editor.fontSize': { type: 'number', default: 14, minimum: 6, maximum: 40, description: 'Font size of the editor, in pixels.' },
      'editor.fontFamily': { type: 'string', default: DEFAULT_EDITOR_FONT, description: 'Font family of the editor (a CSS font list).' },
      'editor.tabSize': { type: 'number', default: 2, minimum: 1, maximum: 16, description: 'Spaces a tab is wide, and what Tab inserts when inserting spaces.' },
      'editor.insertSpaces': { type: 'boolean', default: true, description: 'Tab inserts spaces instead of a tab character.' },
      'editor.wordWrap': { type: 'string', default: 'off', enum: ['off', 'on', 'bounded'], enumLabels: ['Off', 'At the window edge', 'At the window edge or 80 columns'], description: 'How long lines wrap.' },
      'editor.minimap.enabled': { type: 'boolean', default: true, description: 'Show the minimap beside the editor.' },
      'editor.renderWhitespace': { type: 'string', default: 'selection', enum: ['none', 'boundary', 'selection', 'trailing', 'all'], description: 'Which whitespace characters the editor draws.' },
      'editor.keymap': { type: 'string', default: 'default', enum: ['default', 'vim', 'emacs'], enumLabels: ['Default', 'Vim', 'Emacs'], description: 'Keys of the editor: the usual ones, Vim (modes, motions, :commands) or Emacs.' },
      'editor.formatOnSave': { type: 'boolean', default: false, description: 'Format a file with its language’s formatter when saving it (Ctrl/Cmd+S).' },
      'terminal.integrated.fontSize': { type: 'number', default: 13, minimum: 6, maximum: 40, description: 'Font size of terminals, in pixels.' },
      'terminal.integrated.scrollback': { type: 'number', default: 5000, minimum: 100, maximum: 100_000, description: 'Lines each terminal keeps above the screen in this browser.' },
    }),
  );
  const keymapStatus = shell.statusBar.addItem('keymap', { text: '', align: 'right', title: 'Vim mode' });
  keymapStatus.el.hidden = true;
  const keymaps = disposables.add(new KeymapController(keymapStatus.el, (editor) => editor === shell.editor.activeEditor));
  disposables.add(shell.editor.forEachEditor((editor) => keymaps.addEditor(editor)));
  disposables.add(shell.editor.onDidChangeGroups(() => keymaps.showActive()));
  const apply = (): void => {
    void keymaps.set(settings.get<Keymap>('editor.keymap')).catch((err: unknown) => console.error('loading the keymap failed', err));
    const theme = settings.get<keyof typeof MONACO_THEMES>('workbench.colorTheme');
    document.body.dataset.theme = theme;
    monaco.editor.setTheme(MONACO_THEMES[theme]);
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
