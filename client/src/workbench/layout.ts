import type { IdeContext } from '../context.js';
import type { EditorLayout, GridLayout } from '../editor/EditorArea.js';
import type { GroupLayout } from '../editor/EditorGroup.js';
import { listen, toDisposable } from '../platform/lifecycle.js';

interface SavedLayout {
  editor: EditorLayout;
  sidebarVisible: boolean;
  panelVisible: boolean;
  view?: string;
}

const keyOf = (workspaceId: string): string => `nimbus.layout.${workspaceId}`;
/** View states are small, but a person may keep many tabs open: bound what one workspace keeps. */
const MAX_BYTES = 256 * 1024;

function read(workspaceId: string): SavedLayout | undefined {
  try {
    const value = JSON.parse(localStorage.getItem(keyOf(workspaceId)) ?? 'null') as
      (Omit<SavedLayout, 'editor'> & { editor?: EditorLayout | GroupLayout }) | null;
    if (!value?.editor || typeof value.editor !== 'object') return undefined;
    // Saved before editor groups: one group's tabs.
    const editor =
      'grid' in value.editor
        ? value.editor
        : Array.isArray(value.editor.tabs)
          ? { grid: { group: value.editor }, activeGroup: 0 }
          : undefined;
    return editor ? { ...value, editor } : undefined;
  } catch {
    return undefined;
  }
}

/** The layout without cursors and scroll positions (when keeping them all would be too much). */
function withoutViewStates(grid: GridLayout): GridLayout {
  return 'group' in grid ? { group: { ...grid.group, viewStates: {} } } : { ...grid, children: grid.children.map(withoutViewStates) };
}

/**
 * Tabs and layout come back on reload, per person (this browser) and workspace: the editor groups and
 * their sizes, each group's open files in order, the active one with its cursor and scroll, every other
 * file's cursor, whether the sidebar and panel
 * were shown and which view was. (Splitter sizes are kept by the splitters themselves.)
 */
export async function restoreLayout(ctx: IdeContext): Promise<void> {
  const { shell, disposables, workspaceId } = ctx;
  const saved = read(workspaceId);
  if (saved) {
    shell.toggleSidebar(saved.sidebarVisible);
    shell.togglePanel(saved.panelVisible);
    if (saved.view) shell.showViewById(saved.view);
    await shell.editor.restoreLayout(saved.editor);
    // Back where they were: the cursor in the file they had open, unless they have clicked elsewhere meanwhile.
    if (shell.editor.activePath && (!document.activeElement || document.activeElement === document.body)) shell.editor.focus();
  }
  let timer: number | undefined;
  const save = (): void => {
    clearTimeout(timer);
    const layout: SavedLayout = {
      editor: shell.editor.layoutState(),
      sidebarVisible: shell.sidebarVisible,
      panelVisible: shell.panelVisible,
      ...(shell.activeViewId ? { view: shell.activeViewId } : {}),
    };
    const text = JSON.stringify(layout);
    if (text.length <= MAX_BYTES) localStorage.setItem(keyOf(workspaceId), text);
    else
      localStorage.setItem(
        keyOf(workspaceId),
        JSON.stringify({ ...layout, editor: { ...layout.editor, grid: withoutViewStates(layout.editor.grid) } }),
      );
  };
  const soon = (): void => {
    clearTimeout(timer);
    timer = window.setTimeout(save, 300);
  };
  disposables.add(toDisposable(shell.editor.onDidChangeLayout(soon)));
  disposables.add(toDisposable(shell.onDidChangeLayout(soon)));
  // The cursor and scroll of the active file are read when the page goes away.
  disposables.add(listen(window, 'pagehide', save));
  disposables.add(toDisposable(() => clearTimeout(timer)));
}
