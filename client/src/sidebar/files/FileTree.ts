import type { FileEntry } from '../../../../shared/api.js';
import { baseName, joinRel, parentOf } from '../../../../shared/paths.js';
import { downloadUrl } from '../../net/api.js';
import { showContextMenu, type MenuItem } from '../../ui/contextMenu.js';
import { confirmDialog, promptDialog } from '../../ui/dialog.js';
import { h, icon } from '../../ui/dom.js';
import { errorMessage, toast } from '../../ui/toast.js';
import type { FileActions } from './fileActions.js';
import { withBase } from '../../net/basePath.js';

export interface FileTreeHost {
  workspaceId: string;
  canWrite: boolean;
  /** `focus`: move the keyboard focus to the editor (Enter, double click), not for a single click. */
  openFile(path: string, focus: boolean): void;
  renamed(from: string, to: string): void;
  deleted(path: string): void;
  /** The key shown for a command in menus (from the keybinding registry, so it cannot disagree). */
  keyLabel(commandId: string): string | undefined;
}

const NIMBUS_PATH = 'application/x-nimbus-path';

/**
 * The workspace file tree: lazily loaded folders, keyboard and context-menu operations, drag and drop
 * (move inside the tree, upload from the desktop), and live refresh from the workspace event socket.
 */
export class FileTree {
  readonly el: HTMLElement;
  private readonly children = new Map<string, FileEntry[]>();
  private readonly expanded = new Set<string>(['']);
  private selected: string | undefined;
  private rows: { entry: FileEntry; depth: number }[] = [];
  private rowEls = new Map<string, HTMLElement>();
  private readonly refreshQueue = new Set<string>();
  private refreshTimer: number | undefined;

  constructor(
    private readonly files: FileActions,
    private readonly host: FileTreeHost,
  ) {
    this.el = h('div.nb-file-tree', { role: 'tree', tabindex: '0', 'aria-label': 'Files', 'data-nb-focus': 'filesFocus' });
    this.el.addEventListener('keydown', (e) => this.onKey(e));
    this.el.addEventListener('contextmenu', (e) => {
      if (e.target === this.el) {
        e.preventDefault();
        this.selected = undefined;
        this.render();
        this.menuFor(undefined, e.clientX, e.clientY);
      }
    });
    this.setUpDrop(this.el, () => '');
  }

  async load(): Promise<void> {
    await this.loadDir('');
    this.render();
  }

  get selectedPath(): string | undefined {
    return this.selected;
  }

  /** Changes seen on disk: re-list the folders they happened in (batched). */
  changed(paths: string[], reloadAll = false): void {
    const dirs = reloadAll ? [...this.children.keys()] : paths.map(parentOf);
    for (const dir of dirs) if (this.children.has(dir)) this.refreshQueue.add(dir);
    this.refreshTimer ??= window.setTimeout(() => void this.flushRefresh(), 60);
  }

  /** Selects and reveals a path, expanding its parents. */
  async reveal(path: string): Promise<void> {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      this.expanded.add(dir);
      if (!this.children.has(dir)) await this.loadDir(dir);
    }
    this.selected = path;
    this.render();
    this.el.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"]`)?.scrollIntoView({ block: 'nearest' });
  }

  private async flushRefresh(): Promise<void> {
    this.refreshTimer = undefined;
    const dirs = [...this.refreshQueue];
    this.refreshQueue.clear();
    await Promise.all(dirs.map((d) => this.loadDir(d)));
    this.render();
  }

  private async loadDir(dir: string): Promise<void> {
    try {
      this.children.set(dir, await this.files.list(dir));
    } catch {
      // the folder went away: forget it and everything under it
      for (const key of [...this.children.keys()]) if (key === dir || key.startsWith(`${dir}/`)) this.children.delete(key);
      this.expanded.delete(dir);
    }
  }

  /**
   * Rebuilds the visible rows, reusing each row element whose content did not change, and touching the
   * DOM only when the order changed: a refresh during a drag must not pull the dragged row away.
   */
  private render(): void {
    this.rows = [];
    const walk = (dir: string, depth: number): void => {
      for (const entry of this.children.get(dir) ?? []) {
        this.rows.push({ entry, depth });
        if (entry.type === 'directory' && this.expanded.has(entry.path)) walk(entry.path, depth + 1);
      }
    };
    walk('', 0);
    const next = new Map<string, HTMLElement>();
    const els: HTMLElement[] = this.rows.map(({ entry, depth }) => {
      const key = `${entry.type}|${depth}|${entry.type === 'directory' && this.expanded.has(entry.path)}`;
      let el = this.rowEls.get(entry.path);
      if (!el || el.dataset.key !== key) {
        el = this.row(entry, depth);
        el.dataset.key = key;
      }
      const selected = this.selected === entry.path;
      el.classList.toggle('nb-selected', selected);
      el.setAttribute('aria-selected', String(selected));
      next.set(entry.path, el);
      return el;
    });
    this.rowEls = next;
    if (els.length === 0)
      els.push(
        h('div.nb-tree-empty', {}, this.host.canWrite ? 'No files yet. Right-click to create one, or drop files here.' : 'No files.'),
      );
    const current = [...this.el.children];
    if (current.length !== els.length || current.some((c, i) => c !== els[i])) this.el.replaceChildren(...els);
  }

  private row(entry: FileEntry, depth: number): HTMLElement {
    const isDir = entry.type === 'directory';
    const open = isDir && this.expanded.has(entry.path);
    const row = h(
      'div.nb-tree-row',
      {
        role: 'treeitem',
        'data-path': entry.path,
        'data-type': entry.type,
        'aria-expanded': isDir ? String(open) : undefined,
        draggable: this.host.canWrite ? 'true' : undefined,
        title: entry.path,
      },
      h('span.nb-twisty', {}, isDir ? icon(open ? 'chevron-down' : 'chevron-right') : ''),
      h(
        'span.nb-file-icon',
        {},
        icon(isDir ? (open ? 'folder-opened' : 'folder') : entry.type === 'symlink' ? 'file-symlink-file' : 'file'),
      ),
      h('span.nb-name', {}, entry.name),
    );
    row.style.paddingLeft = `${6 + depth * 14}px`;
    // A click opens a file and leaves the focus in the tree, so the tree's keys (Delete, F2) act on the
    // tree; a double click (or Enter) moves it to the editor.
    row.addEventListener('click', () => {
      this.selected = entry.path;
      this.el.focus();
      if (isDir) void this.toggle(entry.path);
      else {
        this.render();
        this.host.openFile(entry.path, false);
      }
    });
    if (!isDir) row.addEventListener('dblclick', () => this.host.openFile(entry.path, true));
    row.addEventListener('contextmenu', (e) => {
      e.preventDefault();
      this.selected = entry.path;
      this.render();
      this.menuFor(entry, e.clientX, e.clientY);
    });
    row.addEventListener('dragstart', (e) => {
      e.dataTransfer?.setData(NIMBUS_PATH, entry.path);
      e.dataTransfer?.setData('text/plain', entry.path);
    });
    this.setUpDrop(row, () => (isDir ? entry.path : parentOf(entry.path)));
    return row;
  }

  private async toggle(dir: string): Promise<void> {
    if (this.expanded.has(dir)) this.expanded.delete(dir);
    else {
      this.expanded.add(dir);
      if (!this.children.has(dir)) await this.loadDir(dir);
    }
    this.render();
  }

  /** Where new files go: the selected folder, or the selected file's folder, or the root. */
  private targetDir(): string {
    if (this.selected === undefined) return '';
    const row = this.rows.find((r) => r.entry.path === this.selected);
    return row?.entry.type === 'directory' ? row.entry.path : parentOf(this.selected);
  }

  private menuFor(entry: FileEntry | undefined, x: number, y: number): void {
    const write = this.host.canWrite;
    const items: (MenuItem | undefined)[] = [];
    if (write) {
      items.push({ label: 'New File…', shortcut: this.host.keyLabel('explorer.newFile'), action: () => void this.newFile() });
      items.push({ label: 'New Folder…', shortcut: this.host.keyLabel('explorer.newFolder'), action: () => void this.newFolder() });
      items.push({ label: 'Upload Files…', action: () => this.pickUpload() });
    }
    if (entry) {
      if (items.length) items.push(undefined);
      if (entry.type !== 'directory') items.push({ label: 'Open', shortcut: 'Enter', action: () => this.host.openFile(entry.path, true) });
      items.push({ label: entry.type === 'directory' ? 'Download as Zip' : 'Download', action: () => this.download(entry.path) });
      items.push({ label: 'Copy Path', action: () => void navigator.clipboard?.writeText(entry.path) });
      if (write) {
        items.push(undefined);
        items.push({ label: 'Rename…', shortcut: this.host.keyLabel('renameFile'), action: () => void this.rename(entry.path) });
        items.push({ label: 'Delete', shortcut: this.host.keyLabel('deleteFile'), action: () => void this.remove(entry.path) });
      }
    } else {
      items.push(undefined, { label: 'Download Workspace as Zip', action: () => this.download('') });
    }
    showContextMenu(x, y, items);
  }

  private async run<T>(what: string, op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (err) {
      toast(`${what} failed: ${errorMessage(err)}`, 'error');
      return undefined;
    }
  }

  async newFile(): Promise<void> {
    const dir = this.targetDir();
    const name = await promptDialog(dir ? `New file in ${dir}/` : 'New file', '');
    if (!name) return;
    const path = joinRel(dir, name);
    const created = await this.run('Creating the file', () => this.files.createFile(path));
    if (!created) return;
    this.changed([path]);
    await this.flushRefresh();
    await this.reveal(path);
    this.host.openFile(path, true);
  }

  async newFolder(): Promise<void> {
    const dir = this.targetDir();
    const name = await promptDialog(dir ? `New folder in ${dir}/` : 'New folder', '');
    if (!name) return;
    const path = joinRel(dir, name);
    if (!(await this.run('Creating the folder', () => this.files.mkdir(path)))) return;
    this.changed([path]);
    await this.flushRefresh();
    await this.reveal(path);
  }

  async rename(path: string): Promise<void> {
    const to = await promptDialog(`Rename or move ${baseName(path)}`, path, { selectBaseName: true, okLabel: 'Rename' });
    if (!to || to === path) return;
    await this.move(path, to);
  }

  private async move(from: string, to: string): Promise<void> {
    if (!(await this.run('Renaming', () => this.files.rename(from, to)))) return;
    this.host.renamed(from, to);
    this.changed([from, to]);
    await this.flushRefresh();
    await this.reveal(to);
  }

  async remove(path: string): Promise<void> {
    const isDir = this.rows.find((r) => r.entry.path === path)?.entry.type === 'directory';
    const ok = await confirmDialog(
      `Delete ${baseName(path)}?`,
      isDir ? `The folder ${path} and everything in it will be deleted.` : `${path} will be deleted.`,
      'Delete',
    );
    if (!ok) return;
    if ((await this.run('Deleting', () => this.files.remove(path))) === undefined && (await this.exists(path))) return;
    this.host.deleted(path);
    if (this.selected === path) this.selected = undefined;
    this.changed([path]);
    await this.flushRefresh();
    this.el.focus();
  }

  private async exists(path: string): Promise<boolean> {
    const list = await this.files.list(parentOf(path)).catch(() => []);
    return list.some((e) => e.path === path);
  }

  private download(path: string): void {
    const a = h('a', { href: withBase(downloadUrl(this.host.workspaceId, path)), download: '' });
    document.body.append(a);
    a.click();
    a.remove();
  }

  private pickUpload(): void {
    const dir = this.targetDir();
    const input = h('input', { type: 'file', multiple: true, hidden: true });
    input.addEventListener('change', () => {
      void (async () => {
        for (const file of input.files ?? [])
          await this.run(`Uploading ${file.name}`, () => this.files.upload(joinRel(dir, file.name), file));
        this.changed([joinRel(dir, 'x')]);
        input.remove();
      })();
    });
    document.body.append(input);
    input.click();
  }

  private setUpDrop(el: HTMLElement, dirOf: () => string): void {
    el.addEventListener('dragover', (e) => {
      if (!this.host.canWrite) return;
      e.preventDefault();
      e.stopPropagation();
      el.classList.add('nb-drop-target');
    });
    el.addEventListener('dragleave', () => el.classList.remove('nb-drop-target'));
    el.addEventListener('drop', (e) => {
      el.classList.remove('nb-drop-target');
      if (!this.host.canWrite || !e.dataTransfer) return;
      e.preventDefault();
      e.stopPropagation();
      const dir = dirOf();
      const moved = e.dataTransfer.getData(NIMBUS_PATH);
      if (moved) {
        if (parentOf(moved) !== dir && dir !== moved) void this.move(moved, joinRel(dir, baseName(moved)));
        return;
      }
      const items = e.dataTransfer.items;
      void this.run('Uploading', async () => {
        const count = await this.files.uploadDropped(dir, items);
        toast(`Uploaded ${count} file${count === 1 ? '' : 's'}${dir ? ` to ${dir}` : ''}`);
        this.expanded.add(dir);
        this.changed([joinRel(dir, 'x')]);
      });
    });
  }

  private onKey(e: KeyboardEvent): void {
    const index = this.rows.findIndex((r) => r.entry.path === this.selected);
    const current = this.rows[index]?.entry;
    const select = (i: number): void => {
      const row = this.rows[Math.max(0, Math.min(this.rows.length - 1, i))];
      if (!row) return;
      this.selected = row.entry.path;
      this.render();
      this.el.querySelector<HTMLElement>(`[data-path="${CSS.escape(row.entry.path)}"]`)?.scrollIntoView({ block: 'nearest' });
    };
    // F2, Delete and Alt+N are commands (registered by the Files feature), not keys of the tree itself.
    if (e.key === 'ArrowDown') select(index + 1);
    else if (e.key === 'ArrowUp') select(index < 0 ? 0 : index - 1);
    else if (e.key === 'ArrowRight' && current?.type === 'directory' && !this.expanded.has(current.path)) void this.toggle(current.path);
    else if (e.key === 'ArrowLeft' && current) {
      if (current.type === 'directory' && this.expanded.has(current.path)) void this.toggle(current.path);
      else if (parentOf(current.path)) void this.reveal(parentOf(current.path));
    } else if (e.key === 'Enter' && current) {
      if (current.type === 'directory') void this.toggle(current.path);
      else this.host.openFile(current.path, true);
    } else if (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) {
      const rect = this.el.querySelector('.nb-selected')?.getBoundingClientRect() ?? this.el.getBoundingClientRect();
      this.menuFor(current, rect.left + 20, rect.bottom);
    } else return;
    e.preventDefault();
  }
}
