import { canWrite } from '../../../../shared/api.js';
import type { IdeContext } from '../../context.js';
import { isMac } from '../../platform/keybindings.js';
import { toDisposable } from '../../platform/lifecycle.js';
import { FileActions } from './fileActions.js';
import { FileTree } from './FileTree.js';

/**
 * The Files view: the tree, kept live by the workspace event socket, and the file commands. It is part
 * of the first paint; the editor area arrives after it (a click before that opens the file once it has).
 */
export function installFiles(ctx: IdeContext): FileTree {
  const { shell, services, disposables } = ctx;
  const whenEditor = shell.whenEditor();
  const writable = canWrite(ctx.session.role);
  const tree = new FileTree(new FileActions(ctx.api, ctx.workspaceId), {
    workspaceId: ctx.workspaceId,
    canWrite: writable,
    openFile: (path, focus) => void whenEditor.then((editor) => editor.openFile(path, { focus })),
    renamed: (from, to) => void whenEditor.then((editor) => editor.renamed(from, to)),
    deleted: (path) => void whenEditor.then((editor) => editor.deleted(path)),
    keyLabel: (id) => services.keybindings.labelFor(id),
  });
  const view = shell.addSidebarView({
    id: 'files',
    order: 10,
    title: 'Files',
    icon: 'files',
    render: (container) => container.append(tree.el),
  });
  disposables.add(
    toDisposable(
      ctx.events.on((event) => {
        if (event.type !== 'files') return;
        tree.changed(
          event.changes.map((c) => c.path),
          event.truncated,
        );
        void whenEditor.then((editor) => {
          for (const change of event.changes) {
            if (change.kind === 'change') editor.changedOnDisk(change.path);
          }
        });
      }),
    ),
  );
  // After a reconnect, anything may have changed while we were away.
  disposables.add(
    toDisposable(
      ctx.events.onState((state) => {
        if (state === 'online') tree.changed([], true);
      }),
    ),
  );
  void whenEditor.then((editor) => {
    disposables.add(
      toDisposable(
        editor.onDidChangeActive((path) => {
          if (path) void tree.reveal(path);
        }),
      ),
    );
    editor.onRevealFolder = (path) => {
      view.reveal();
      void tree.reveal(path).then(() => tree.el.focus());
    };
  });
  const activePath = (): string | undefined => (shell.hasEditor ? shell.editor.activePath : undefined);

  // The tree's selection, else the active editor's file.
  const target = (): string | undefined => (services.contextKeys.get('filesFocus') ? tree.selectedPath : undefined) ?? activePath();
  const actions = [
    { id: 'explorer.newFile', title: 'New File…', category: 'File', keys: ['alt+n'], keyWhen: 'filesFocus', run: () => tree.newFile() },
    {
      id: 'explorer.newFolder',
      title: 'New Folder…',
      category: 'File',
      keys: ['alt+shift+n'],
      keyWhen: 'filesFocus',
      run: () => tree.newFolder(),
    },
    {
      id: 'renameFile',
      title: 'Rename…',
      category: 'File',
      keys: ['f2'],
      keyWhen: 'filesFocus',
      run: () => {
        const path = target();
        return path ? tree.rename(path) : undefined;
      },
    },
    {
      id: 'deleteFile',
      title: 'Delete',
      category: 'File',
      keys: [isMac ? 'meta+backspace' : 'delete'],
      keyWhen: 'filesFocus',
      run: () => {
        const path = target();
        return path ? tree.remove(path) : undefined;
      },
    },
  ];
  for (const action of actions) disposables.add(services.registerAction({ ...action, when: 'canWrite' }));
  disposables.add(
    services.registerAction({
      id: 'workbench.files.action.showActiveFileInExplorer',
      title: 'Reveal Active File in Explorer View',
      category: 'File',
      run: async () => {
        const path = activePath();
        if (!path) return;
        view.reveal();
        await tree.reveal(path);
        tree.el.focus();
      },
    }),
  );
  void tree.load();
  return tree;
}
