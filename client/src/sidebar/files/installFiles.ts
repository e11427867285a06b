import { canWrite } from '../../../../shared/api.js';
import type { IdeContext } from '../../context.js';
import { FileActions } from './fileActions.js';
import { FileTree } from './FileTree.js';

/** The Files view: the tree, kept live by the workspace event socket. */
export function installFiles(ctx: IdeContext): FileTree {
  const editor = ctx.shell.editor;
  const tree = new FileTree(new FileActions(ctx.api, ctx.workspaceId), {
    workspaceId: ctx.workspaceId,
    canWrite: canWrite(ctx.session.role),
    openFile: (path) => void editor.openFile(path),
    renamed: (from, to) => void editor.renamed(from, to),
    deleted: (path) => editor.deleted(path),
  });
  ctx.shell.addSidebarView({ id: 'files', title: 'Files', icon: 'files', render: (container) => container.append(tree.el) });
  ctx.events.on((event) => {
    if (event.type !== 'files') return;
    tree.changed(event.changes.map((c) => c.path), event.truncated);
    for (const change of event.changes) {
      if (change.kind === 'change') editor.changedOnDisk(change.path);
    }
  });
  // After a reconnect, anything may have changed while we were away.
  ctx.events.onState((state) => {
    if (state === 'online') tree.changed([], true);
  });
  editor.onDidChangeActive((path) => {
    if (path) void tree.reveal(path);
  });
  void tree.load();
  return tree;
}
