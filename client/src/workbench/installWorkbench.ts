import type { IdeContext } from '../context.js';
import { toDisposable } from '../platform/lifecycle.js';
import { installCommandPalette } from './commandPalette.js';
import { installQuickOpen } from './quickOpen.js';

/** The workbench's own commands: palette, quick open, go to line, layout, save and close. */
export function installWorkbench(ctx: IdeContext): void {
  const { services, shell, disposables } = ctx;
  const editor = shell.editor;
  for (const d of installCommandPalette(services)) disposables.add(d);
  for (const d of installQuickOpen(services, {
    workspaceId: ctx.workspaceId,
    api: ctx.api,
    openFile: (path, line) => editor.openFile(path, line !== undefined ? { line } : {}),
    activePath: () => editor.activePath,
    onDidChangeActive: (listener) => editor.onDidChangeActive(listener),
    goToLine: (line) => editor.goToLine(line),
    onFileChanges: (listener) =>
      ctx.events.on((event) => {
        if (event.type === 'files') listener(event.changes, event.truncated === true);
      }),
    onReconnect: (listener) =>
      ctx.events.onState((state) => {
        if (state === 'online') listener();
      }),
  }))
    disposables.add(d);

  const actions = [
    {
      id: 'workbench.action.toggleSidebarVisibility',
      title: 'Toggle Primary Side Bar Visibility',
      category: 'View',
      keys: ['mod+b'],
      run: () => shell.toggleSidebar(),
    },
    {
      id: 'workbench.action.togglePanel',
      title: 'Toggle Panel Visibility',
      category: 'View',
      keys: ['ctrl+`', 'mod+j'],
      run: () => shell.togglePanel(),
    },
    {
      id: 'workbench.action.files.save',
      title: 'Save',
      category: 'File',
      // Anywhere (tree, panel): never the browser's own "save page" dialog.
      keys: ['mod+s'],
      run: () => editor.saveActive(),
    },
    {
      id: 'workbench.action.closeActiveEditor',
      title: 'Close Editor',
      category: 'View',
      when: 'activeEditor',
      keys: ['alt+w'],
      run: () => editor.closeActive(),
    },
    // Editor groups (VS Code's ids and keys where they need no chord).
    {
      id: 'workbench.action.splitEditor',
      title: 'Split Editor Right',
      category: 'View',
      keys: ['mod+\\'],
      run: () => editor.split('right'),
    },
    { id: 'workbench.action.splitEditorDown', title: 'Split Editor Down', category: 'View', run: () => editor.split('down') },
    ...(['left', 'right', 'up', 'down'] as const).map((direction) => ({
      id: `workbench.action.moveEditorTo${{ left: 'Left', right: 'Right', up: 'Above', down: 'Below' }[direction]}Group`,
      title: `Move Editor into ${{ left: 'Left', right: 'Right', up: 'Above', down: 'Below' }[direction]} Group`,
      category: 'View',
      when: 'activeEditor',
      ...(direction === 'left' || direction === 'right' ? { keys: [`mod+alt+${direction}`] } : {}),
      run: () => editor.moveActiveEditor(direction),
    })),
    {
      id: 'workbench.action.focusNextGroup',
      title: 'Focus Next Editor Group',
      category: 'View',
      when: 'multipleEditorGroups',
      run: () => editor.focusGroup(1),
    },
    {
      id: 'workbench.action.focusPreviousGroup',
      title: 'Focus Previous Editor Group',
      category: 'View',
      when: 'multipleEditorGroups',
      run: () => editor.focusGroup(-1),
    },
    { id: 'workbench.action.closeEditorsInGroup', title: 'Close All Editors in Group', category: 'View', run: () => editor.closeGroup() },
  ];
  for (const action of actions) disposables.add(services.registerAction(action));
  const groups = (): void => services.contextKeys.set('multipleEditorGroups', editor.groups.length > 1);
  disposables.add(editor.onDidChangeGroups(groups));
  groups();
  // The editor's own actions (Format Document, Go to Definition, …) are commands too while a file is open.
  disposables.add(
    services.commands.registerSource(() =>
      editor.editorActions().map((a) => ({
        id: a.id,
        title: a.label,
        run: () => {
          editor.focus();
          return a.run();
        },
      })),
    ),
  );
  disposables.add(toDisposable(editor.onDidChangeActive((path) => services.contextKeys.set('activeEditor', path !== undefined))));
}
