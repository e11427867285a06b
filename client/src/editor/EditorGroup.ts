import { baseName } from '../../../shared/paths.js';
import { Emitter } from '../platform/event.js';
import { DisposableStore, listen, toDisposable, type Disposable } from '../platform/lifecycle.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';
import type { DocumentReference, DocumentService } from './DocumentService.js';
import type { OpenDocument } from './documents.js';
import { monaco } from './monaco.js';
import { ensureNodeTypings } from './nodeTypings.js';

/** Image files open in a viewer (they are not text); the type is given to the Blob the viewer shows. */
export const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  avif: 'image/avif',
};
export const imageTypeOf = (path: string): string | undefined => IMAGE_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()];

/** Reads a file's bytes (for the image viewer). */
export type BlobLoader = (path: string, type: string) => Promise<Blob>;

/** What a reload brings back of one group: its files in order, the active one, each one's cursor and scroll. */
export interface GroupLayout {
  tabs: string[];
  active?: string;
  viewStates: Record<string, monaco.editor.ICodeEditorViewState>;
}

export interface EditorSettings {
  fontSize: number;
  fontFamily: string;
  tabSize: number;
  insertSpaces: boolean;
  wordWrap: 'off' | 'on' | 'bounded';
  minimap: boolean;
  renderWhitespace: 'none' | 'boundary' | 'selection' | 'trailing' | 'all';
  formatOnSave: boolean;
}

/** The drag data of a tab: which group it leaves and which file it is. */
export const TAB_DRAG_TYPE = 'application/x-nimbus-editor';
export interface TabDrag {
  group: number;
  path: string;
}

/**
 * What a tab shows instead of a text document: an image, or a feature's own view (a Lambda function's run
 * view) for a path of a scheme the feature registered (`lambda-run:<function>`).
 */
export interface TabView {
  element: HTMLElement;
  focus(): void;
  dispose(): void;
}

/** A feature's view for the paths of its scheme: the tab's label, its tooltip, and the view itself. */
export interface ViewProvider {
  label(path: string): string;
  title(path: string): string;
  open(path: string): Promise<TabView>;
}

interface Tab {
  path: string;
  /** A text file's document; images and features' views have `view` instead. */
  ref?: DocumentReference;
  view?: TabView;
  el: HTMLElement;
  viewState: monaco.editor.ICodeEditorViewState | null;
  store: DisposableStore;
}

/** Languages written as prose, where suggestions while typing get in the way. */
const PROSE_LANGUAGES = new Set(['markdown', 'plaintext']);
/** Monaco's (and VS Code's) default: suggestions while typing code, not inside comments or strings. */
const CODE_QUICK_SUGGESTIONS = { other: 'on', comments: 'off', strings: 'off' } as const;

export interface OpenOptions {
  focus?: boolean;
  line?: number;
  select?: { column: number; length: number };
  /** Where the tab goes (before this file's tab); at the end without it. */
  before?: string;
}

/**
 * One editor group: a tab strip and one Monaco editor showing the active tab's document (or an image
 * viewer). Documents come from the DocumentService, so a file open in two groups is one document.
 */
export class EditorGroup implements Disposable {
  readonly el: HTMLElement;
  readonly editor: monaco.editor.IStandaloneCodeEditor;
  private readonly tabs: Tab[] = [];
  private readonly opening = new Map<string, Promise<Tab | undefined>>();
  private active: Tab | undefined;
  private readonly tabStrip: HTMLElement;
  private readonly host: HTMLElement;
  private readonly row: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly breadcrumbs: HTMLElement;
  private readonly store = new DisposableStore();
  private readonly changed = this.store.add(new Emitter<void>());
  /** The active tab changed, or tabs opened, closed or moved. */
  readonly onDidChange = this.changed.event;
  private readonly focused = this.store.add(new Emitter<void>());
  /** The person started working in this group (focused its editor or clicked a tab). */
  readonly onDidFocus = this.focused.event;
  private readonly emptied = this.store.add(new Emitter<void>());
  /** The last tab was closed. */
  readonly onDidBecomeEmpty = this.emptied.event;
  private modelOptions: { tabSize: number; insertSpaces: boolean } = { tabSize: 2, insertSpaces: true };
  private formatOnSave = false;

  constructor(
    readonly id: number,
    private readonly documents: DocumentService,
    private readonly loadBlob: BlobLoader,
    private readonly ui: {
      hint: () => string;
      revealFolder: (path: string) => void;
      /** A tab of any group was dropped here (before `before`, or at the end). */
      drop: (drag: TabDrag, target: EditorGroup, before?: string) => void;
      /** The provider of a path that is not a file (`scheme:…`), if a feature registered its scheme. */
      viewFor: (path: string) => ViewProvider | undefined;
    },
  ) {
    this.tabStrip = h('div.nb-tabs', { role: 'tablist', 'aria-label': 'Open files' });
    this.host = h('div.nb-editor-host', { 'data-nb-focus': 'editorFocus' });
    this.breadcrumbs = h('nav.nb-breadcrumbs', { 'aria-label': 'Breadcrumbs', hidden: true });
    this.empty = h('div.nb-editor-empty', {}, h('p', {}, 'Open a file from the tree to start editing.'), h('p.nb-hint', {}, ui.hint()));
    this.row = h('div.nb-editor-row', {}, this.host);
    this.el = h('div.nb-editor-group', { 'data-group': String(id) }, this.tabStrip, this.breadcrumbs, this.row, this.empty);
    this.editor = monaco.editor.create(this.host, {
      model: null,
      automaticLayout: true,
      theme: 'vs-dark',
      fontSize: 14,
      minimap: { enabled: true },
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
      tabSize: 2,
    });
    this.store.add(this.editor.onDidFocusEditorWidget(() => this.focused.fire()));
    this.store.add(documents.addEditor(this.editor));
    this.store.add(listen(this.el, 'mousedown', () => this.focused.fire(), true));
    this.acceptDrops();
    this.render();
  }

  /** Editor settings, applied live to the editor and every open file. */
  applyOptions(options: EditorSettings): void {
    this.editor.updateOptions({
      fontSize: options.fontSize,
      fontFamily: options.fontFamily,
      minimap: { enabled: options.minimap },
      wordWrap: options.wordWrap,
      renderWhitespace: options.renderWhitespace,
    });
    this.modelOptions = { tabSize: options.tabSize, insertSpaces: options.insertSpaces };
    for (const tab of this.tabs) tab.ref?.doc.model.updateOptions(this.modelOptions);
    this.formatOnSave = options.formatOnSave;
  }

  /** The empty group's hint changed (the keys are read from the keybinding registry). */
  updateHint(): void {
    const hint = this.empty.querySelector('.nb-hint');
    if (hint) hint.textContent = this.ui.hint();
  }

  get activePath(): string | undefined {
    return this.active?.path;
  }

  get activeDocument(): OpenDocument | undefined {
    return this.active?.ref?.doc;
  }

  get openPaths(): string[] {
    return this.tabs.map((t) => t.path);
  }

  has(path: string): boolean {
    return this.tabs.some((t) => t.path === path);
  }

  async openFile(path: string, options: OpenOptions = {}): Promise<boolean> {
    const tab = await this.ensureTab(path, false, options.before);
    if (!tab) return false;
    this.activate(tab);
    if (options.line !== undefined && options.select) {
      const { column, length } = options.select;
      this.editor.setSelection({
        startLineNumber: options.line,
        startColumn: column,
        endLineNumber: options.line,
        endColumn: column + length,
      });
      this.editor.revealLineInCenter(options.line);
    } else if (options.line !== undefined) this.goToLine(options.line);
    if (options.focus !== false) this.focus();
    return true;
  }

  focus(): void {
    if (this.active?.view) this.active.view.focus();
    else this.editor.focus();
    this.focused.fire();
  }

  /** The cursor and scroll of a file in this group (the active one's live). */
  viewStateOf(path: string): monaco.editor.ICodeEditorViewState | null {
    const tab = this.tabs.find((t) => t.path === path);
    if (!tab) return null;
    return tab === this.active && tab.ref ? this.editor.saveViewState() : tab.viewState;
  }

  layoutState(): GroupLayout {
    const viewStates: Record<string, monaco.editor.ICodeEditorViewState> = {};
    for (const tab of this.tabs) {
      const state = this.viewStateOf(tab.path);
      if (state) viewStates[tab.path] = state;
    }
    return { tabs: this.tabs.map((t) => t.path), ...(this.active ? { active: this.active.path } : {}), viewStates };
  }

  /** Opens what `layoutState` saved (files gone since are skipped), without taking the focus. */
  async restore(layout: GroupLayout): Promise<void> {
    for (const path of layout.tabs) {
      const tab = await this.ensureTab(path, true);
      const state = layout.viewStates[path];
      if (tab && state && tab !== this.active) tab.viewState = state;
    }
    const tab = this.tabs.find((t) => t.path === layout.active) ?? this.tabs[0];
    if (tab) {
      this.activate(tab);
      const state = layout.active ? layout.viewStates[layout.active] : undefined;
      if (state && tab.ref && tab.path === layout.active) this.editor.restoreViewState(state);
    }
  }

  /** Puts the cursor at the start of a line of the active file, centred; false without one. */
  goToLine(line: number): boolean {
    const model = this.active?.ref?.doc.model;
    if (!model) return false;
    const target = Math.max(1, Math.min(model.getLineCount(), line));
    const column = model.getLineFirstNonWhitespaceColumn(target) || 1;
    this.editor.setPosition({ lineNumber: target, column });
    this.editor.revealLineInCenter(target);
    this.editor.focus();
    return true;
  }

  selectedText(): string {
    const selection = this.editor.getSelection();
    const model = this.active?.ref?.doc.model;
    return selection && model ? model.getValueInRange(selection) : '';
  }

  /** Monaco's own actions for the active file (Format Document, Change All Occurrences, …). */
  editorActions(): { id: string; label: string; run(): Promise<void> }[] {
    if (!this.active?.ref) return [];
    // Monaco's own command palette is replaced by the workbench's (which lists these actions).
    return this.editor.getSupportedActions().filter((a) => a.label && a.isSupported() && a.id !== 'editor.action.quickCommand');
  }

  async saveActive(): Promise<void> {
    const tab = this.active;
    const doc = tab?.ref?.doc;
    if (!tab || !doc || doc.readOnly) return;
    try {
      const format = this.editor.getAction('editor.action.formatDocument');
      if (this.formatOnSave && this.active === tab && format?.isSupported()) await format.run();
      await doc.save();
    } catch (err) {
      toast(`Saving ${tab.path} failed: ${errorMessage(err)}`, 'error');
    }
  }

  /**
   * Closes a tab, asking first when this is the last view of a file with unsaved changes (`force` does
   * not ask). The document stays open while another group shows it.
   */
  close(path: string, options: { force?: boolean } = {}): boolean {
    const i = this.tabs.findIndex((t) => t.path === path);
    const tab = this.tabs[i];
    if (!tab) return false;
    const lastView = this.documents.references(path) <= 1;
    if (!options.force && lastView && tab.ref?.doc.isDirty() && !window.confirm(`${baseName(path)} has unsaved changes. Close it anyway?`))
      return false;
    this.tabs.splice(i, 1);
    tab.el.remove();
    if (this.active === tab) {
      this.active = undefined;
      this.editor.setModel(null);
      const next = this.tabs[Math.min(i, this.tabs.length - 1)];
      if (next) this.activate(next);
    }
    tab.store.dispose();
    this.render();
    if (this.tabs.length === 0) this.emptied.fire();
    return true;
  }

  /** Closes every tab without asking (the document service keeps what other groups show). */
  closeAll(): void {
    for (const tab of [...this.tabs]) this.close(tab.path, { force: true });
  }

  private async ensureTab(path: string, quiet: boolean, before?: string): Promise<Tab | undefined> {
    const open = this.tabs.find((t) => t.path === path);
    if (open) {
      if (before !== undefined) this.place(open, before);
      return open;
    }
    let pending = this.opening.get(path);
    if (!pending) {
      pending = this.createTab(path, quiet, before);
      this.opening.set(path, pending);
      void pending.finally(() => this.opening.delete(path));
    }
    return pending;
  }

  /** Moves a tab before another one (or to the end). */
  private place(tab: Tab, before: string | undefined): void {
    const target = this.tabs.find((t) => t.path === before);
    if (target === tab) return;
    this.tabs.splice(this.tabs.indexOf(tab), 1);
    const at = target ? this.tabs.indexOf(target) : this.tabs.length;
    this.tabs.splice(at, 0, tab);
    if (target) target.el.before(tab.el);
    else this.tabStrip.append(tab.el);
    this.render();
  }

  private async createTab(path: string, quiet: boolean, before?: string): Promise<Tab | undefined> {
    const store = new DisposableStore();
    let ref: DocumentReference | undefined;
    let view: TabView | undefined;
    const provider = this.ui.viewFor(path);
    const type = provider ? undefined : imageTypeOf(path);
    try {
      if (provider) view = await provider.open(path);
      else if (type) view = await this.openImage(path, type);
      else {
        ref = await this.documents.acquire(path);
        store.add(ref);
        const { model } = ref.doc;
        model.updateOptions(this.modelOptions);
        if (ref.doc.attach) store.add(ref.doc.attach(this.editor));
        // Node.js's declarations, loaded with the first JavaScript or TypeScript file.
        if (/^(javascript|typescript)$/.test(model.getLanguageId()))
          void ensureNodeTypings().catch((err: unknown) => console.error('loading the Node.js typings failed', err));
      }
    } catch (err) {
      store.dispose();
      if (!quiet) toast(`Cannot open ${path}: ${errorMessage(err)}`, 'error');
      return undefined;
    }
    if (view) {
      const v = view;
      this.row.append(v.element);
      v.element.hidden = true;
      store.add(
        toDisposable(() => {
          v.dispose();
          v.element.remove();
        }),
      );
    }
    if (this.store.isDisposed) {
      store.dispose();
      return undefined;
    }
    const label = provider ? provider.label(path) : baseName(path);
    const closeButton = h('button.nb-tab-close', { title: 'Close (Alt+W)', 'aria-label': `Close ${label}` }, '×');
    const el = h(
      'div.nb-tab',
      { role: 'tab', title: provider ? provider.title(path) : path, 'data-path': path, draggable: 'true' },
      h('span.nb-tab-label', {}, label),
      closeButton,
    );
    const tab: Tab = { path, ...(ref ? { ref } : {}), ...(view ? { view } : {}), el, viewState: null, store };
    if (ref) {
      const doc = ref.doc;
      el.classList.toggle('nb-dirty', doc.isDirty());
      store.add(toDisposable(doc.onDidChangeDirty((dirty) => el.classList.toggle('nb-dirty', dirty))));
      if (doc.onDidChangeReadOnly) {
        store.add(
          toDisposable(
            doc.onDidChangeReadOnly(() => {
              if (this.active === tab) this.editor.updateOptions({ readOnly: true });
            }),
          ),
        );
      }
    }
    store.add(
      listen<MouseEvent>(el, 'mousedown', (e) => {
        if (e.button === 1) {
          e.preventDefault();
          this.close(path);
        }
      }),
    );
    store.add(
      listen(el, 'click', (e) => {
        if (e.target === closeButton) this.close(path);
        else {
          this.activate(tab);
          this.focused.fire();
        }
      }),
    );
    store.add(
      listen<DragEvent>(el, 'dragstart', (e) => {
        e.dataTransfer?.setData(TAB_DRAG_TYPE, JSON.stringify({ group: this.id, path } satisfies TabDrag));
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      }),
    );
    const target = before !== undefined ? this.tabs.findIndex((t) => t.path === before) : -1;
    if (target >= 0) {
      this.tabs.splice(target, 0, tab);
      this.tabs[target + 1]?.el.before(el);
    } else {
      this.tabs.push(tab);
      this.tabStrip.append(el);
    }
    this.render();
    return tab;
  }

  /** Tabs dropped on the strip (before the tab under the pointer) or on the editor (at the end). */
  private acceptDrops(): void {
    const accepts = (e: DragEvent): boolean => e.dataTransfer?.types.includes(TAB_DRAG_TYPE) === true;
    for (const zone of [this.tabStrip, this.row, this.empty]) {
      this.store.add(
        listen<DragEvent>(zone, 'dragover', (e) => {
          if (!accepts(e)) return;
          e.preventDefault();
          if (e.dataTransfer) e.dataTransfer.dropEffect = 'move';
          this.el.classList.add('nb-drop-target');
        }),
      );
      this.store.add(listen<DragEvent>(zone, 'dragleave', () => this.el.classList.remove('nb-drop-target')));
      this.store.add(
        listen<DragEvent>(zone, 'drop', (e) => {
          this.el.classList.remove('nb-drop-target');
          const raw = e.dataTransfer?.getData(TAB_DRAG_TYPE);
          if (!raw) return;
          e.preventDefault();
          let drag: TabDrag;
          try {
            drag = JSON.parse(raw) as TabDrag;
          } catch {
            return;
          }
          const over = (e.target as Element | null)?.closest?.('.nb-tab');
          const before = zone === this.tabStrip && over instanceof HTMLElement ? over.dataset.path : undefined;
          this.ui.drop(drag, this, before);
        }),
      );
    }
  }

  /** An image viewer: the bytes as a Blob of the image's type, shown from an object URL. */
  private async openImage(path: string, type: string): Promise<TabView> {
    const url = URL.createObjectURL(await this.loadBlob(path, type));
    const img = h('img.nb-image', { src: url, alt: baseName(path) });
    const info = h('div.nb-image-info');
    img.addEventListener('load', () => (info.textContent = `${img.naturalWidth} × ${img.naturalHeight}`));
    img.addEventListener('error', () => (info.textContent = 'This image could not be decoded.'));
    const element = h('div.nb-image-view', { hidden: true, tabindex: '0', 'data-path': path }, img, info);
    return { element, focus: () => element.focus(), dispose: () => URL.revokeObjectURL(url) };
  }

  private activate(tab: Tab): void {
    if (this.active === tab) return;
    if (this.active?.ref) this.active.viewState = this.editor.saveViewState();
    this.active = tab;
    for (const t of this.tabs) if (t.view) t.view.element.hidden = t !== tab;
    this.host.hidden = !tab.ref;
    const doc = tab.ref?.doc;
    if (!doc) this.editor.setModel(null);
    else {
      this.editor.setModel(doc.model);
      // Prose gets no suggestions while typing (as in VS Code): in Markdown or plain text a word
      // suggestion would take the Enter that ends a line.
      const prose = PROSE_LANGUAGES.has(doc.model.getLanguageId());
      this.editor.updateOptions({ readOnly: doc.readOnly, quickSuggestions: prose ? false : CODE_QUICK_SUGGESTIONS });
      if (tab.viewState) this.editor.restoreViewState(tab.viewState);
    }
    this.render();
    tab.el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  /** The active file's path as folder › folder › file; a folder reveals itself in the tree. */
  private renderBreadcrumbs(): void {
    // A feature's view has no place in the file tree.
    const path = this.active && this.ui.viewFor(this.active.path) ? undefined : this.active?.path;
    this.breadcrumbs.hidden = !path;
    if (!path) return this.breadcrumbs.replaceChildren();
    const parts = path.split('/');
    const crumbs: (HTMLElement | string)[] = [];
    parts.forEach((part, i) => {
      if (i > 0) crumbs.push(h('span.nb-breadcrumb-sep', { 'aria-hidden': 'true' }, '›'));
      if (i === parts.length - 1) crumbs.push(h('span.nb-breadcrumb.nb-breadcrumb-file', { 'aria-current': 'page' }, part));
      else {
        const folder = parts.slice(0, i + 1).join('/');
        const button = h('button.nb-breadcrumb', { type: 'button', title: `Reveal ${folder} in the files view` }, part);
        button.addEventListener('click', () => this.ui.revealFolder(folder));
        crumbs.push(button);
      }
    });
    this.breadcrumbs.replaceChildren(...crumbs);
  }

  private render(): void {
    this.renderBreadcrumbs();
    for (const t of this.tabs) {
      t.el.classList.toggle('nb-active', t === this.active);
      t.el.setAttribute('aria-selected', String(t === this.active));
    }
    this.empty.hidden = this.tabs.length > 0;
    this.changed.fire();
  }

  dispose(): void {
    for (const tab of this.tabs.splice(0)) tab.store.dispose();
    this.active = undefined;
    this.store.dispose();
    this.editor.setModel(null);
    this.editor.dispose();
    this.el.remove();
  }
}
