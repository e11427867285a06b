import type { IdeContext } from '../context.js';
import { languageFor } from '../editor/monaco.js';

/** Status bar: connection, workspace and role on the left; cursor, language and save state on the right. */
export function installStatus(ctx: IdeContext): void {
  const { shell } = ctx;
  const connection = shell.statusBar.addItem('connection', { text: '● connecting', title: 'Connection to the server' });
  ctx.events.onState((state) => {
    connection.set(state === 'online' ? '● online' : state === 'offline' ? '○ offline — reconnecting' : '◌ connecting');
    connection.el.dataset.state = state;
  });
  shell.statusBar.addItem('role', {
    text:
      ctx.session.role === 'owner'
        ? ctx.workspace.name
        : `${ctx.workspace.name} · ${ctx.session.role === 'read' ? 'read-only' : 'can edit'}`,
    title: `You are ${ctx.session.role === 'owner' ? 'the owner' : `a ${ctx.session.role} collaborator`}`,
  });
  const cursor = shell.statusBar.addItem('cursor', { text: '', align: 'right' });
  const language = shell.statusBar.addItem('language', { text: '', align: 'right' });
  const saved = shell.statusBar.addItem('saved', { text: '', align: 'right' });
  shell.editor.forEachEditor((editor) =>
    editor.onDidChangeCursorPosition((e) => {
      if (editor === shell.editor.activeEditor) cursor.set(`Ln ${e.position.lineNumber}, Col ${e.position.column}`);
    }),
  );
  let unsubscribe: (() => void) | undefined;
  shell.editor.onDidChangeActive((path) => {
    unsubscribe?.();
    language.set(path ? languageFor(path) : '');
    const doc = path ? shell.editor.documentOf(path) : undefined;
    if (!doc) {
      saved.set('');
      cursor.set('');
      return;
    }
    const show = (dirty: boolean): void => saved.set(doc.readOnly ? 'read-only' : dirty ? 'unsaved' : 'saved');
    show(doc.isDirty());
    const pos = shell.editor.activeEditor.getPosition();
    if (pos) cursor.set(`Ln ${pos.lineNumber}, Col ${pos.column}`);
    unsubscribe = doc.onDidChangeDirty(show);
  });
}
