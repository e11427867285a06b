import { AUTO_SAVE_DELAY, AUTO_SAVE_MODES } from '../../../shared/settings.js';
import type { IdeContext } from '../context.js';

export type Theme = 'dark' | 'light' | 'high-contrast';
export const DEFAULT_EDITOR_FONT = 'Menlo, Monaco, "Cascadia Mono", "DejaVu Sans Mono", "Courier New", monospace';

/** The workbench's own settings (theme, editor, terminal); the theme applies here, the editor's in editorSettings.ts. */
export function installCoreSettings(ctx: IdeContext): void {
  const { services, disposables } = ctx;
  const { settings } = services;
  disposables.add(
    settings.register({
      'workbench.colorTheme': {
        type: 'string',
        default: 'dark',
        enum: ['dark', 'light', 'high-contrast'],
        enumLabels: ['Dark', 'Light', 'High contrast'],
        description: 'The colour theme of the whole workbench: editor, terminals, sidebar and dialogs.',
        category: 'Workbench',
      },
      'editor.fontSize': { type: 'number', default: 14, minimum: 6, maximum: 40, description: 'Font size of the editor, in pixels.' },
      'editor.fontFamily': { type: 'string', default: DEFAULT_EDITOR_FONT, description: 'Font family of the editor (a CSS font list).' },
      'editor.tabSize': {
        type: 'number',
        default: 2,
        minimum: 1,
        maximum: 16,
        description: 'Spaces a tab is wide, and what Tab inserts when inserting spaces.',
      },
      'editor.insertSpaces': { type: 'boolean', default: true, description: 'Tab inserts spaces instead of a tab character.' },
      'editor.wordWrap': {
        type: 'string',
        default: 'off',
        enum: ['off', 'on', 'bounded'],
        enumLabels: ['Off', 'At the window edge', 'At the window edge or 80 columns'],
        description: 'How long lines wrap.',
      },
      'editor.minimap.enabled': { type: 'boolean', default: true, description: 'Show the minimap beside the editor.' },
      'editor.renderWhitespace': {
        type: 'string',
        default: 'selection',
        enum: ['none', 'boundary', 'selection', 'trailing', 'all'],
        description: 'Which whitespace characters the editor draws.',
      },
      'editor.keymap': {
        type: 'string',
        default: 'default',
        enum: ['default', 'vim', 'emacs'],
        enumLabels: ['Default', 'Vim', 'Emacs'],
        description: 'Keys of the editor: the usual ones, Vim (modes, motions, :commands) or Emacs.',
      },
      'editor.formatOnSave': {
        type: 'boolean',
        default: false,
        description: 'Format a file with its language’s formatter when saving it (Ctrl/Cmd+S).',
      },
      'files.autoSave': {
        type: 'string',
        default: 'afterDelay',
        enum: AUTO_SAVE_MODES,
        enumLabels: ['After a delay', 'Off (Ctrl/Cmd+S saves)'],
        workspaceOnly: true,
        description:
          'When edits are written to the files (for everyone in this workspace). Off: only when someone saves, or when the last editor of a file closes. Edits are kept by the server either way.',
      },
      'files.autoSaveDelay': {
        type: 'number',
        default: AUTO_SAVE_DELAY.default,
        minimum: AUTO_SAVE_DELAY.minimum,
        maximum: AUTO_SAVE_DELAY.maximum,
        workspaceOnly: true,
        description: 'Milliseconds after the last edit before a file is written, when auto save is on.',
      },
      'terminal.integrated.fontSize': {
        type: 'number',
        default: 13,
        minimum: 6,
        maximum: 40,
        description: 'Font size of terminals, in pixels.',
      },
      'terminal.integrated.scrollback': {
        type: 'number',
        default: 5000,
        minimum: 100,
        maximum: 100_000,
        description: 'Lines each terminal keeps above the screen in this browser.',
      },
    }),
  );
  // The theme is the whole workbench's: applied before the first paint (the editor follows when it loads).
  const apply = (): void => {
    document.body.dataset.theme = settings.get<Theme>('workbench.colorTheme');
  };
  disposables.add(settings.onDidChange(apply));
  apply();
}
