import type { IdeContext } from '../context.js';
import { monaco } from '../editor/monaco.js';
import { toDisposable } from '../platform/lifecycle.js';
import type { QuickPickItem } from '../platform/quickInput.js';

/**
 * Problems: the errors and warnings Monaco's language services report for the open files, counted in
 * the status bar; clicking it (or Ctrl/Cmd+Shift+M) lists them, and choosing one goes there.
 */
export function installProblems(ctx: IdeContext): void {
  const { shell, services, disposables } = ctx;
  const prefix = `/${ctx.workspaceId}/`;
  const pathOf = (uri: monaco.Uri): string | undefined =>
    uri.scheme === 'file' && uri.path.startsWith(prefix) ? uri.path.slice(prefix.length) : undefined;
  const markers = (): monaco.editor.IMarker[] =>
    monaco.editor
      .getModelMarkers({})
      .filter(
        (m) =>
          pathOf(m.resource) !== undefined && (m.severity === monaco.MarkerSeverity.Error || m.severity === monaco.MarkerSeverity.Warning),
      );

  const item = shell.statusBar.addItem('problems', {
    text: '',
    title: 'Problems in the open files',
    onClick: () => void services.commands.execute('workbench.actions.view.problems'),
  });
  const update = (): void => {
    const all = markers();
    const errors = all.filter((m) => m.severity === monaco.MarkerSeverity.Error).length;
    const warnings = all.length - errors;
    item.set(
      `⊗ ${errors}  ⚠ ${warnings}`,
      `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} in the open files`,
    );
    item.el.dataset.errors = String(errors);
    item.el.dataset.warnings = String(warnings);
  };
  disposables.add(monaco.editor.onDidChangeMarkers(update));
  update();

  disposables.add(
    services.registerAction({
      id: 'workbench.actions.view.problems',
      title: 'Show Problems',
      category: 'View',
      keys: ['mod+shift+m'],
      run: async () => {
        const list = markers().sort(
          (a, b) => b.severity - a.severity || a.resource.path.localeCompare(b.resource.path) || a.startLineNumber - b.startLineNumber,
        );
        const items: (QuickPickItem & { marker: monaco.editor.IMarker })[] = list.map((m, i) => ({
          id: String(i),
          label: `${m.severity === monaco.MarkerSeverity.Error ? '⊗' : '⚠'} ${m.message.split('\n')[0] ?? ''}`,
          description: `${pathOf(m.resource) ?? ''}:${m.startLineNumber}:${m.startColumn}`,
          marker: m,
        }));
        if (items.length === 0)
          items.push({ id: 'none', label: 'No problems in the open files', marker: undefined as unknown as monaco.editor.IMarker });
        const chosen = await services.quickInput.pick(items, 'Problems in the open files');
        const path = chosen?.marker ? pathOf(chosen.marker.resource) : undefined;
        if (!chosen?.marker || !path) return;
        await shell.editor.openFile(path, { line: chosen.marker.startLineNumber });
      },
    }),
  );
  disposables.add(toDisposable(() => item.el.remove()));
}
