import { Emitter } from '../platform/event.js';
import { DisposableStore, toDisposable, type Disposable } from '../platform/lifecycle.js';
import { h } from '../ui/dom.js';
import { DocumentService } from './DocumentService.js';
import type { DocumentProvider, OpenDocument } from './documents.js';
import {
  EditorGroup,
  type BlobLoader,
  type EditorSettings,
  type GroupLayout,
  type OpenOptions,
  type TabDrag,
  type ViewProvider,
} from './EditorGroup.js';
import type { monaco } from './monaco.js';

export { IMAGE_TYPES, imageTypeOf, type BlobLoader, type EditorSettings } from './EditorGroup.js';

export type SplitDirection = 'right' | 'down';

/** How the groups are laid out: a group, or a row / column of parts with their relative sizes. */
export type GridLayout = { group: GroupLayout } | { split: 'row' | 'column'; children: GridLayout[]; sizes: number[] };

export interface EditorLayout {
  grid: GridLayout;
  /** Index of the active group, counting groups in layout order. */
  activeGroup: number;
}

interface GroupNode {
  kind: 'group';
  group: EditorGroup;
  parent?: SplitNode;
  size: number;
}
interface SplitNode {
  kind: 'split';
  dir: 'row' | 'column';
  children: GridNode[];
  el: HTMLElement;
  parent?: SplitNode;
  size: number;
}
type GridNode = GroupNode | SplitNode;

const elOf = (node: GridNode): HTMLElement => (node.kind === 'group' ? node.group.el : node.el);
/** A group narrower or lower than this is not useful: sashes stop there. */
const MIN_GROUP_PX = 120;
/** VS Code's default: at most this many groups (each is a Monaco editor). */
const MAX_GROUPS = 8;

/**
 * The editor area: editor groups laid out in rows and columns (split right or down, drag a tab to
 * another group, close a group's last tab and the group goes), over one DocumentService. The rest of the
 * client talks to it, and it answers for the active group.
 */
export class EditorArea implements Disposable {
  readonly documents: DocumentService;
  private readonly groupNodes = new Map<EditorGroup, GroupNode>();
  private root: GridNode;
  private activeGroupValue: EditorGroup;
  private nextId = 1;
  private readonly grid: HTMLElement;
  private readonly store = new DisposableStore();
  private editorOptions: EditorSettings | undefined;
  private hint = '';
  private readonly activeChanged = this.store.add(new Emitter<string | undefined>());
  /** The active file changed (in the active group, or another group became active). */
  readonly onDidChangeActiveFile = this.activeChanged.event;
  private readonly layoutChanged = this.store.add(new Emitter<void>());
  private readonly editorCreated = this.store.add(new Emitter<monaco.editor.IStandaloneCodeEditor>());
  private readonly groupsChanged = this.store.add(new Emitter<void>());
  /** Groups were added, removed or the active one changed. */
  readonly onDidChangeGroups = this.groupsChanged.event;
  /** A folder of the breadcrumbs was clicked (the files view reveals it). */
  onRevealFolder: (path: string) => void = () => undefined;
  /** A pane beside the groups that a feature fills (the Markdown preview); hidden while empty. */
  readonly side: HTMLElement;
  private readonly views = new Map<string, ViewProvider>();

  constructor(
    host: HTMLElement,
    /** Without one, files opened meanwhile wait for `setProvider`. */
    provider: DocumentProvider | undefined,
    private readonly loadBlob: BlobLoader,
  ) {
    this.documents = new DocumentService(provider);
    this.grid = h('div.nb-editor-grid');
    this.side = h('div.nb-editor-side', { hidden: true });
    host.append(h('div.nb-editor-split', {}, this.grid, this.side));
    const first = this.createGroup();
    this.root = first;
    this.setRoot(first);
    this.activeGroupValue = first.group;
  }

  // ---- the active group, as the rest of the client sees it ----

  get activeGroup(): EditorGroup {
    return this.activeGroupValue;
  }

  /** The active group's Monaco editor. */
  get activeEditor(): monaco.editor.IStandaloneCodeEditor {
    return this.activeGroupValue.editor;
  }

  /** Every group, in layout order (left to right, top to bottom). */
  get groups(): EditorGroup[] {
    const out: EditorGroup[] = [];
    const walk = (node: GridNode): void => {
      if (node.kind === 'group') out.push(node.group);
      else node.children.forEach(walk);
    };
    walk(this.root);
    return out;
  }

  get activePath(): string | undefined {
    return this.activeGroupValue.activePath;
  }

  /** Files open in any group (each once). */
  get openPaths(): string[] {
    return [...new Set(this.groups.flatMap((g) => g.openPaths))];
  }

  get activeLanguage(): string | undefined {
    return this.activeGroupValue.activeDocument?.model.getLanguageId();
  }

  documentOf(path: string): OpenDocument | undefined {
    return this.documents.get(path);
  }

  onDidChangeActive(listener: (path: string | undefined) => void): () => void {
    const d = this.onDidChangeActiveFile(listener);
    return () => d.dispose();
  }

  /** Something a reload would restore changed (a tab or group opened, closed, moved or activated). */
  onDidChangeLayout(listener: () => void): () => void {
    const d = this.layoutChanged.event(listener);
    return () => d.dispose();
  }

  /** Runs for every group's editor, now and as groups are created; what it returns is released with the editor. */
  forEachEditor(fn: (editor: monaco.editor.IStandaloneCodeEditor) => Disposable | void): Disposable {
    const store = new DisposableStore();
    const attach = (editor: monaco.editor.IStandaloneCodeEditor): void => {
      const d = fn(editor);
      if (!d) return;
      store.add(d);
      const gone = editor.onDidDispose(() => {
        d.dispose();
        store.delete(d);
        gone.dispose();
      });
    };
    for (const g of this.groups) attach(g.editor);
    store.add(this.editorCreated.event(attach));
    return store;
  }

  setHint(text: string): void {
    this.hint = text;
    for (const g of this.groups) g.updateHint();
  }

  applyOptions(options: EditorSettings): void {
    this.editorOptions = options;
    for (const g of this.groups) g.applyOptions(options);
  }

  /** Opens a file in the active group (or the given one). */
  async openFile(path: string, options: OpenOptions & { group?: EditorGroup } = {}): Promise<void> {
    const group = options.group ?? this.activeGroupValue;
    this.setActiveGroup(group);
    await group.openFile(path, options);
  }

  goToLine(line: number): boolean {
    return this.activeGroupValue.goToLine(line);
  }

  selectedText(): string {
    return this.activeGroupValue.selectedText();
  }

  editorActions(): { id: string; label: string; run(): Promise<void> }[] {
    return this.activeGroupValue.editorActions();
  }

  saveActive(): Promise<void> {
    return this.activeGroupValue.saveActive();
  }

  focus(): void {
    this.activeGroupValue.focus();
  }

  closeActive(): void {
    const path = this.activePath;
    if (path) this.activeGroupValue.close(path);
  }

  // ---- files changed by others ----

  /** A file was renamed or moved: its tabs follow it (reopened under the new path, in place). */
  async renamed(from: string, to: string): Promise<void> {
    const moved = (p: string): boolean => p === from || p.startsWith(`${from}/`);
    const activeGroup = this.activeGroupValue;
    for (const group of this.groups) {
      const affected = group.openPaths.filter(moved);
      const wasActive = group.activePath && moved(group.activePath) ? group.activePath : undefined;
      for (const path of affected) {
        const next = group.openPaths[group.openPaths.indexOf(path) + 1];
        // The old path is gone either way; the new one opens in its place (unless it cannot be read).
        await group.openFile(to + path.slice(from.length), { focus: false, ...(next ? { before: next } : {}) });
        group.close(path, { force: true });
      }
      if (wasActive) await group.openFile(to + wasActive.slice(from.length), { focus: false });
    }
    this.setActiveGroup(activeGroup);
  }

  /**
   * A feature's views: paths `<scheme>:…` open its view in a tab instead of a file (a Lambda function's run
   * view is `lambda-run:<function>`). They take part in groups, splits, drag and drop and the saved layout.
   */
  registerView(scheme: string, provider: ViewProvider): Disposable {
    this.views.set(scheme, provider);
    return toDisposable(() => {
      if (this.views.get(scheme) === provider) this.views.delete(scheme);
    });
  }

  private viewFor(path: string): ViewProvider | undefined {
    const scheme = /^([a-z][a-z-]*):/.exec(path)?.[1];
    return scheme ? this.views.get(scheme) : undefined;
  }

  deleted(path: string): void {
    for (const group of this.groups) {
      for (const p of group.openPaths) if (p === path || p.startsWith(`${path}/`)) group.close(p, { force: true });
    }
  }

  changedOnDisk(path: string): void {
    void this.documents
      .get(path)
      ?.reloadFromDisk?.()
      .catch(() => undefined);
  }

  /**
   * Where documents come from. The first provider set is simply used (files asked for meanwhile waited
   * for it); a later one makes every group reopen what it shows from it, in place.
   */
  async setProvider(provider: DocumentProvider): Promise<void> {
    if (!this.documents.hasProvider) {
      this.documents.setProvider(provider);
      return;
    }
    const layout = this.layoutState();
    for (const g of this.groups) g.closeAll();
    this.documents.setProvider(provider);
    await this.restoreLayout(layout);
  }

  // ---- groups ----

  /** Splits the active group: the new group beside it (right or below) shows the same file, and becomes active. */
  async split(direction: SplitDirection, from: EditorGroup = this.activeGroupValue): Promise<EditorGroup | undefined> {
    if (this.groupNodes.size >= MAX_GROUPS) return undefined;
    const node = this.groupNodes.get(from);
    if (!node) return undefined;
    const created = this.insertBeside(node, direction === 'right' ? 'row' : 'column');
    const path = from.activePath;
    const state = path ? from.viewStateOf(path) : null;
    this.setActiveGroup(created.group);
    if (path) {
      await created.group.openFile(path);
      if (state && created.group.activePath === path && created.group.activeDocument) created.group.editor.restoreViewState(state);
    } else created.group.focus();
    return created.group;
  }

  /** Moves the active file to the group in a direction (creating one at the edge), as VS Code's "Move Editor into …". */
  async moveActiveEditor(direction: 'left' | 'right' | 'up' | 'down'): Promise<void> {
    const group = this.activeGroupValue;
    const path = group.activePath;
    if (!path) return;
    const target =
      this.neighbour(group, direction) ??
      (direction === 'right' || direction === 'down'
        ? this.insertBeside(this.groupNodes.get(group)!, direction === 'right' ? 'row' : 'column').group
        : undefined);
    if (!target) return;
    await this.move({ group: group.id, path }, target);
  }

  /** Focuses the next (or previous) group in layout order. */
  focusGroup(offset: 1 | -1): void {
    const groups = this.groups;
    const i = groups.indexOf(this.activeGroupValue);
    const next = groups[(i + offset + groups.length) % groups.length];
    if (next) {
      this.setActiveGroup(next);
      next.focus();
    }
  }

  /** Closes a group and its tabs (asking about unsaved changes); the last group stays. */
  closeGroup(group: EditorGroup = this.activeGroupValue): void {
    for (const path of group.openPaths) if (!group.close(path)) return;
    this.removeGroup(group);
  }

  layoutState(): EditorLayout {
    const save = (node: GridNode): GridLayout =>
      node.kind === 'group'
        ? { group: node.group.layoutState() }
        : { split: node.dir, children: node.children.map(save), sizes: node.children.map((c) => c.size) };
    return { grid: save(this.root), activeGroup: Math.max(0, this.groups.indexOf(this.activeGroupValue)) };
  }

  /** Brings back what `layoutState` saved: the groups, their tabs, cursors and sizes (files gone since are skipped). */
  async restoreLayout(layout: EditorLayout): Promise<void> {
    // Groups beyond the first are rebuilt; the first keeps its editor.
    const [first, ...rest] = this.groups;
    for (const g of rest) this.removeGroup(g, true);
    const firstNode = this.groupNodes.get(first!)!;
    const pending: [EditorGroup, GroupLayout][] = [];
    let reused = false;
    const build = (saved: GridLayout, depth: number): GridNode => {
      if ('group' in saved || depth > 4) {
        const groupLayout = 'group' in saved ? saved.group : { tabs: [], viewStates: {} };
        const node = reused || this.groupNodes.size >= MAX_GROUPS ? this.createGroup() : firstNode;
        reused = true;
        pending.push([node.group, groupLayout]);
        return node;
      }
      const el = h(`div.nb-editor-split-${saved.split === 'row' ? 'row' : 'column'}`);
      const split: SplitNode = { kind: 'split', dir: saved.split === 'row' ? 'row' : 'column', children: [], el, size: 1 };
      saved.children.slice(0, MAX_GROUPS).forEach((child, i) => {
        const node = build(child, depth + 1);
        node.parent = split;
        node.size = Number.isFinite(saved.sizes[i]) && (saved.sizes[i] as number) > 0 ? (saved.sizes[i] as number) : 1;
        split.children.push(node);
      });
      return split;
    };
    const root = build(layout.grid, 0);
    root.parent = undefined;
    root.size = 1;
    this.setRoot(root);
    for (const [group, groupLayout] of pending) await group.restore(groupLayout);
    // Groups whose files are all gone close, as an emptied group does.
    for (const [group] of pending) if (group.openPaths.length === 0 && this.groupNodes.size > 1) this.removeGroup(group, true);
    const active = this.groups[layout.activeGroup] ?? this.groups[0];
    if (active) this.setActiveGroup(active);
    this.layoutChanged.fire();
  }

  private createGroup(): GroupNode {
    const group = new EditorGroup(this.nextId++, this.documents, this.loadBlob, {
      hint: () => this.hint,
      revealFolder: (path) => this.onRevealFolder(path),
      drop: (drag, target, before) => void this.move(drag, target, before),
      viewFor: (path) => this.viewFor(path),
    });
    if (this.editorOptions) group.applyOptions(this.editorOptions);
    const node: GroupNode = { kind: 'group', group, size: 1 };
    this.groupNodes.set(group, node);
    group.onDidChange(() => {
      if (group === this.activeGroupValue) this.activeChanged.fire(group.activePath);
      this.layoutChanged.fire();
    });
    group.onDidFocus(() => this.setActiveGroup(group));
    // VS Code's default (workbench.editor.closeEmptyGroups): a group whose last tab closed goes.
    group.onDidBecomeEmpty(() => {
      if (this.groupNodes.size > 1)
        queueMicrotask(() => group.openPaths.length === 0 && this.groupNodes.has(group) && this.removeGroup(group));
    });
    this.editorCreated.fire(group.editor);
    return node;
  }

  private setActiveGroup(group: EditorGroup): void {
    if (this.activeGroupValue === group) return;
    this.activeGroupValue = group;
    this.markActive();
    this.activeChanged.fire(group.activePath);
    this.groupsChanged.fire();
    this.layoutChanged.fire();
  }

  /** A new group next to `node` along `dir`, half of its place. */
  private insertBeside(node: GroupNode, dir: 'row' | 'column'): GroupNode {
    const created = this.createGroup();
    const parent = node.parent;
    if (parent && parent.dir === dir) {
      const i = parent.children.indexOf(node);
      created.size = node.size / 2;
      node.size /= 2;
      created.parent = parent;
      parent.children.splice(i + 1, 0, created);
      this.renderSplit(parent);
    } else {
      const split: SplitNode = {
        kind: 'split',
        dir,
        children: [node, created],
        el: h(`div.nb-editor-split-${dir}`),
        size: node.size,
        ...(parent ? { parent } : {}),
      };
      this.replace(node, split);
      node.parent = split;
      created.parent = split;
      node.size = 1;
      created.size = 1;
      this.renderSplit(split);
    }
    this.markActive();
    this.groupsChanged.fire();
    this.layoutChanged.fire();
    return created;
  }

  /** Puts `next` where `node` was in the tree. */
  private replace(node: GridNode, next: GridNode): void {
    const parent = node.parent;
    if (!parent) {
      this.setRoot(next);
      return;
    }
    const i = parent.children.indexOf(node);
    parent.children[i] = next;
    next.parent = parent;
    next.size = node.size;
    this.renderSplit(parent);
  }

  private setRoot(node: GridNode): void {
    this.root = node;
    node.parent = undefined;
    if (node.kind === 'split') this.renderSplit(node, true);
    this.grid.replaceChildren(elOf(node));
    elOf(node).style.flex = '1 1 0px';
  }

  private removeGroup(group: EditorGroup, quiet = false): void {
    const node = this.groupNodes.get(group);
    if (!node || this.groupNodes.size <= 1) return;
    const parent = node.parent!;
    const i = parent.children.indexOf(node);
    parent.children.splice(i, 1);
    const neighbour = parent.children[Math.max(0, i - 1)];
    if (neighbour) neighbour.size += node.size;
    this.groupNodes.delete(group);
    group.dispose();
    if (parent.children.length === 1) this.replace(parent, parent.children[0]!);
    else this.renderSplit(parent);
    if (this.activeGroupValue === group) {
      const next = this.groups[Math.max(0, Math.min(i, this.groups.length - 1))] ?? this.groups[0]!;
      this.activeGroupValue = next;
      this.activeChanged.fire(next.activePath);
      if (!quiet) next.focus();
    }
    this.markActive();
    this.groupsChanged.fire();
    this.layoutChanged.fire();
  }

  /** With more than one group, the active one is marked. */
  private markActive(): void {
    for (const g of this.groups) g.el.classList.toggle('nb-active-group', g === this.activeGroupValue && this.groupNodes.size > 1);
  }

  /** Lays out a split's children with a sash between each two (dragging it shares their space). */
  private renderSplit(split: SplitNode, recurse = false): void {
    const parts: HTMLElement[] = [];
    split.children.forEach((child, i) => {
      if (recurse && child.kind === 'split') this.renderSplit(child, true);
      const el = elOf(child);
      el.style.flex = `${child.size} 1 0px`;
      if (i > 0) parts.push(this.sash(split, i));
      parts.push(el);
    });
    split.el.replaceChildren(...parts);
  }

  /** A sash lives as long as its element (its listeners are on it and go with it). */
  private sash(split: SplitNode, index: number): HTMLElement {
    const vertical = split.dir === 'row';
    const el = h(`div.nb-editor-sash.nb-editor-sash-${vertical ? 'x' : 'y'}`, {
      role: 'separator',
      'aria-orientation': vertical ? 'vertical' : 'horizontal',
    });
    el.addEventListener('pointerdown', (e) => {
      const before = split.children[index - 1];
      const after = split.children[index];
      if (!before || !after) return;
      const a = elOf(before).getBoundingClientRect();
      const b = elOf(after).getBoundingClientRect();
      const total = vertical ? a.width + b.width : a.height + b.height;
      const start = vertical ? e.clientX : e.clientY;
      const startA = vertical ? a.width : a.height;
      const weight = before.size + after.size;
      el.setPointerCapture(e.pointerId);
      const move = (m: PointerEvent): void => {
        const px = Math.min(total - MIN_GROUP_PX, Math.max(MIN_GROUP_PX, startA + (vertical ? m.clientX : m.clientY) - start));
        before.size = (weight * px) / total;
        after.size = weight - before.size;
        elOf(before).style.flex = `${before.size} 1 0px`;
        elOf(after).style.flex = `${after.size} 1 0px`;
      };
      const up = (): void => {
        el.removeEventListener('pointermove', move);
        el.removeEventListener('pointerup', up);
        this.layoutChanged.fire();
      };
      el.addEventListener('pointermove', move);
      el.addEventListener('pointerup', up);
    });
    return el;
  }

  /** The group next to this one in a direction, if any. */
  private neighbour(group: EditorGroup, direction: 'left' | 'right' | 'up' | 'down'): EditorGroup | undefined {
    const from = group.el.getBoundingClientRect();
    const cx = from.left + from.width / 2;
    const cy = from.top + from.height / 2;
    let best: { group: EditorGroup; distance: number } | undefined;
    for (const g of this.groups) {
      if (g === group) continue;
      const r = g.el.getBoundingClientRect();
      const ok =
        direction === 'left'
          ? r.right <= from.left + 1
          : direction === 'right'
            ? r.left >= from.right - 1
            : direction === 'up'
              ? r.bottom <= from.top + 1
              : r.top >= from.bottom - 1;
      if (!ok) continue;
      const distance = Math.hypot(r.left + r.width / 2 - cx, r.top + r.height / 2 - cy);
      if (!best || distance < best.distance) best = { group: g, distance };
    }
    return best?.group;
  }

  /** A tab dragged (or moved by a command) into a group: it opens there and leaves where it was. */
  private async move(drag: TabDrag, target: EditorGroup, before?: string): Promise<void> {
    const source = this.groups.find((g) => g.id === drag.group);
    if (!source?.has(drag.path)) return;
    const state = source.viewStateOf(drag.path);
    this.setActiveGroup(target);
    // Opened in the target first, so the document stays open (one reference to another) and keeps its undo.
    const opened = await target.openFile(drag.path, before !== undefined ? { before } : {});
    if (!opened) return;
    if (source !== target) {
      if (state && target.activeDocument) target.editor.restoreViewState(state);
      source.close(drag.path, { force: true });
    }
  }

  dispose(): void {
    for (const g of this.groups) g.dispose();
    this.groupNodes.clear();
    this.store.dispose();
  }
}
