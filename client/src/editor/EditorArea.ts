import { baseName } from '../../../shared/paths.js';
import { h } from '../ui/dom.js';
import { errorMessage, toast } from '../ui/toast.js';
import type { DocumentProvider, OpenDocument } from './documents.js';
import { monaco } from './monaco.js';
import { ensureNodeTypings } from './nodeTypings.js';

/** Image files open in a viewer (they are not text); the type is given to the Blob the viewer shows. */
export const IMAGE_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml',
  bmp: 'image/bmp', ico: 'image/x-icon', avif: 'image/avif',
};
export const imageTypeOf = (path: string): string | undefined => IMAGE_TYPES[path.slice(path.lastIndexOf('.') + 1).toLowerCase()];

/** Reads a file's bytes (for the image viewer). */
export type BlobLoader = (path: string, type: string) => Promise<Blob>;

export interface EditorLayout {
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

interface ImageView {
  element: HTMLElement;
  url: string;
}

interface Tab {
  path: string;
  /** A text file's document; images have `image` instead. */
  doc?: OpenDocument;
  image?: ImageView;
  el: HTMLElement;
  viewState: monaco.editor.ICodeEditorViewState | null;
  unsubscribe: () => void;
}

/** Languages written as prose, where suggestions while typing get in the way. */
const PROSE_LANGUAGES = new Set(['markdown', 'plaintext']);
/** Monaco's (and VS Code's) default: suggestions while typing code, not inside comments or strings. */
const CODE_QUICK_SUGGESTIONS = { other: 'on', comments: 'off', strings: 'off' } as const;

/** Editor tabs over one Monaco editor; each tab keeps its own model and view state. */
export class EditorArea {
  readonly monacoEditor: monaco.editor.IStandaloneCodeEditor;
  private readonly tabs: Tab[] = [];
  private readonly opening = new Map<string, Promise<Tab | undefined>>();
  private active: Tab | undefined;
  private readonly activeListeners = new Set<(path: string | undefined) => void>();
  private readonly tabStrip: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly hint = h('p.nb-hint');
  private readonly breadcrumbs: HTMLElement;
  /** A folder of the breadcrumbs was clicked (the files view reveals it). */
  onRevealFolder: (path: string) => void = () => undefined;

  private readonly host: HTMLElement;
  private readonly row: HTMLElement;
  /** A pane beside the editor that a feature fills (the Markdown preview); hidden while empty. */
  readonly side: HTMLElement;

  constructor(
    readonly root: HTMLElement,
    private provider: DocumentProvider,
    private readonly loadBlob: BlobLoader,
  ) {
    this.tabStrip = h('div.nb-tabs', { role: 'tablist', 'aria-label': 'Open files' });
    const host = h('div.nb-editor-host', { 'data-nb-focus': 'editorFocus' });
    this.host = host;
    this.breadcrumbs = h('nav.nb-breadcrumbs', { 'aria-label': 'Breadcrumbs', hidden: true });
    this.empty = h('div.nb-editor-empty', {}, h('p', {}, 'Open a file from the tree to start editing.'), this.hint);
    // The editor (or an image) on the left, an optional side pane (a Markdown preview) on the right.
    this.row = h('div.nb-editor-row', {}, host);
    this.side = h('div.nb-editor-side', { hidden: true });
    root.append(this.tabStrip, this.breadcrumbs, h('div.nb-editor-split', {}, this.row, this.side), this.empty);
    this.monacoEditor = monaco.editor.create(host, {
      model: null,
      automaticLayout: true,
      theme: 'vs-dark',
      fontSize: 14,
      minimap: { enabled: true },
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
      tabSize: 2,
    });
    this.render();
  }

  /** Options from settings that belong to each file's model rather than the editor. */
  private modelOptions: { tabSize: number; insertSpaces: boolean } = { tabSize: 2, insertSpaces: true };
  private formatOnSave = false;

  /** Editor settings, applied live to the editor and every open file. */
  applyOptions(options: EditorSettings): void {
    this.monacoEditor.updateOptions({
      fontSize: options.fontSize,
      fontFamily: options.fontFamily,
      minimap: { enabled: options.minimap },
      wordWrap: options.wordWrap,
      renderWhitespace: options.renderWhitespace,
    });
    this.modelOptions = { tabSize: options.tabSize, insertSpaces: options.insertSpaces };
    for (const tab of this.tabs) tab.doc?.model.updateOptions(this.modelOptions);
    this.formatOnSave = options.formatOnSave;
  }

  /** The empty editor's hint: which keys open files and run commands (read from the keybinding registry). */
  setHint(text: string): void {
    this.hint.textContent = text;
  }

  get activePath(): string | undefined {
    return this.active?.path;
  }

  get openPaths(): string[] {
    return this.tabs.map((t) => t.path);
  }

  documentOf(path: string): OpenDocument | undefined {
    return this.tabs.find((t) => t.path === path)?.doc;
  }

  /** Collaboration swaps in its provider; files opened later use it (already open ones are reopened). */
  async setProvider(provider: DocumentProvider): Promise<void> {
    this.provider = provider;
    const paths = this.openPaths;
    const active = this.activePath;
    for (const path of paths) this.close(path, { force: true });
    for (const path of paths) await this.openFile(path, { focus: false });
    if (active) await this.openFile(active);
  }

  onDidChangeActive(listener: (path: string | undefined) => void): () => void {
    this.activeListeners.add(listener);
    return () => this.activeListeners.delete(listener);
  }

  async openFile(path: string, options: { focus?: boolean; line?: number; select?: { column: number; length: number } } = {}): Promise<void> {
    let tab = this.tabs.find((t) => t.path === path);
    if (!tab) {
      let pending = this.opening.get(path);
      if (!pending) {
        pending = this.createTab(path);
        this.opening.set(path, pending);
        void pending.finally(() => this.opening.delete(path));
      }
      tab = await pending;
    }
    if (!tab) return;
    this.activate(tab);
    if (options.line !== undefined && options.select) {
      const { column, length } = options.select;
      this.monacoEditor.setSelection({ startLineNumber: options.line, startColumn: column, endLineNumber: options.line, endColumn: column + length });
      this.monacoEditor.revealLineInCenter(options.line);
    } else if (options.line !== undefined) this.goToLine(options.line);
    if (options.focus !== false) this.monacoEditor.focus();
  }

  /** The text selected in the active editor ('' without one). */
  selectedText(): string {
    const selection = this.monacoEditor.getSelection();
    const model = this.active?.doc?.model;
    return selection && model ? model.getValueInRange(selection) : '';
  }

  /** What a reload should bring back: open files in order, the active one, and each one's cursor and scroll. */
  layoutState(): EditorLayout {
    const viewStates: Record<string, monaco.editor.ICodeEditorViewState> = {};
    for (const tab of this.tabs) {
      const state = tab === this.active && tab.doc ? this.monacoEditor.saveViewState() : tab.viewState;
      if (state) viewStates[tab.path] = state;
    }
    return { tabs: this.tabs.map((t) => t.path), ...(this.active ? { active: this.active.path } : {}), viewStates };
  }

  /** Opens what `layoutState` saved (files gone since are skipped), without taking the focus. */
  async restoreLayout(layout: EditorLayout): Promise<void> {
    for (const path of layout.tabs) {
      const tab = await this.ensureTab(path);
      const state = layout.viewStates[path];
      if (tab && state && tab !== this.active) tab.viewState = state;
    }
    if (layout.active) {
      const tab = this.tabs.find((t) => t.path === layout.active);
      if (tab) {
        this.activate(tab);
        const state = layout.viewStates[tab.path];
        if (state && tab.doc) this.monacoEditor.restoreViewState(state);
      }
    }
  }

  /** Something a reload would restore changed (a tab opened, closed or activated). */
  onDidChangeLayout(listener: () => void): () => void {
    this.layoutListeners.add(listener);
    return () => this.layoutListeners.delete(listener);
  }

  private readonly layoutListeners = new Set<() => void>();

  private async ensureTab(path: string): Promise<Tab | undefined> {
    const open = this.tabs.find((t) => t.path === path);
    if (open) return open;
    let pending = this.opening.get(path);
    if (!pending) {
      pending = this.createTab(path, true);
      this.opening.set(path, pending);
      void pending.finally(() => this.opening.delete(path));
    }
    return pending;
  }

  /** The language of the active text file (undefined for none or an image). */
  get activeLanguage(): string | undefined {
    return this.active?.doc?.model.getLanguageId();
  }

  /** Puts the cursor at the start of a line of the active file, centred; false without one. */
  goToLine(line: number): boolean {
    const model = this.active?.doc?.model;
    if (!model) return false;
    const target = Math.max(1, Math.min(model.getLineCount(), line));
    const column = model.getLineFirstNonWhitespaceColumn(target) || 1;
    this.monacoEditor.setPosition({ lineNumber: target, column });
    this.monacoEditor.revealLineInCenter(target);
    this.monacoEditor.focus();
    return true;
  }

  /** Closes the active tab (asking first if it has unsaved changes). */
  closeActive(): void {
    if (this.active) this.close(this.active.path);
  }

  /** Monaco's own actions for the active file (Format Document, Change All Occurrences, …). */
  editorActions(): { id: string; label: string; run(): Promise<void> }[] {
    if (!this.active) return [];
    // Monaco's own command palette is replaced by the workbench's (which lists these actions).
    return this.monacoEditor.getSupportedActions().filter((a) => a.label && a.isSupported() && a.id !== 'editor.action.quickCommand');
  }

  async saveActive(): Promise<void> {
    const tab = this.active;
    if (!tab?.doc || tab.doc.readOnly) return;
    try {
      const format = this.monacoEditor.getAction('editor.action.formatDocument');
      if (this.formatOnSave && this.active === tab && format?.isSupported()) await format.run();
      await tab.doc.save();
    } catch (err) {
      toast(`Saving ${tab.path} failed: ${errorMessage(err)}`, 'error');
    }
  }

  close(path: string, options: { force?: boolean } = {}): void {
    const i = this.tabs.findIndex((t) => t.path === path);
    const tab = this.tabs[i];
    if (!tab) return;
    if (!options.force && tab.doc?.isDirty() && !window.confirm(`${baseName(path)} has unsaved changes. Close it anyway?`)) return;
    this.tabs.splice(i, 1);
    tab.unsubscribe();
    tab.el.remove();
    if (this.active === tab) {
      this.active = undefined;
      this.monacoEditor.setModel(null);
      const next = this.tabs[Math.min(i, this.tabs.length - 1)];
      if (next) this.activate(next);
      else this.emitActive();
    }
    tab.doc?.dispose();
    if (tab.image) {
      URL.revokeObjectURL(tab.image.url);
      tab.image.element.remove();
    }
    this.render();
  }

  /** A file was renamed or moved: its tab follows it (reopened under the new path). */
  async renamed(from: string, to: string): Promise<void> {
    const affected = this.tabs.filter((t) => t.path === from || t.path.startsWith(`${from}/`));
    const wasActive = this.active && affected.includes(this.active) ? this.active.path : undefined;
    for (const tab of affected) {
      this.close(tab.path, { force: true });
      await this.openFile(to + tab.path.slice(from.length), { focus: false });
    }
    if (wasActive) await this.openFile(to + wasActive.slice(from.length));
  }

  deleted(path: string): void {
    for (const tab of [...this.tabs]) {
      if (tab.path === path || tab.path.startsWith(`${path}/`)) this.close(tab.path, { force: true });
    }
  }

  changedOnDisk(path: string): void {
    const tab = this.tabs.find((t) => t.path === path);
    void tab?.doc?.reloadFromDisk?.().catch(() => undefined);
  }

  private async createTab(path: string, quiet = false): Promise<Tab | undefined> {
    let doc: OpenDocument | undefined;
    let image: ImageView | undefined;
    const type = imageTypeOf(path);
    try {
      if (type) image = await this.openImage(path, type);
      else {
        doc = await this.provider.open(path);
        doc.model.updateOptions(this.modelOptions);
        // Node.js's declarations, loaded with the first JavaScript or TypeScript file.
        if (/^(javascript|typescript)$/.test(doc.model.getLanguageId())) void ensureNodeTypings().catch((err: unknown) => console.error('loading the Node.js typings failed', err));
      }
    } catch (err) {
      if (!quiet) toast(`Cannot open ${path}: ${errorMessage(err)}`, 'error');
      return undefined;
    }
    const close = h('button.nb-tab-close', { title: 'Close (Alt+W)', 'aria-label': `Close ${path}` }, '×');
    const el = h('div.nb-tab', { role: 'tab', title: path, 'data-path': path }, h('span.tab-label', {}, baseName(path)), close);
    const tab: Tab = { path, ...(doc ? { doc } : {}), ...(image ? { image } : {}), el, viewState: null, unsubscribe: () => undefined };
    if (doc) tab.unsubscribe = doc.onDidChangeDirty((dirty) => el.classList.toggle('nb-dirty', dirty));
    el.addEventListener('mousedown', (e) => {
      if (e.button === 1) {
        e.preventDefault();
        this.close(path);
      }
    });
    el.addEventListener('click', (e) => {
      if (e.target === close) this.close(path);
      else this.activate(tab);
    });
    this.tabs.push(tab);
    this.tabStrip.append(el);
    return tab;
  }

  /** An image viewer: the bytes as a Blob of the image's type, shown from an object URL. */
  private async openImage(path: string, type: string): Promise<ImageView> {
    const url = URL.createObjectURL(await this.loadBlob(path, type));
    const img = h('img.nb-image', { src: url, alt: baseName(path) });
    const info = h('div.nb-image-info');
    img.addEventListener('load', () => (info.textContent = `${img.naturalWidth} × ${img.naturalHeight}`));
    img.addEventListener('error', () => (info.textContent = 'This image could not be decoded.'));
    const element = h('div.nb-image-view', { hidden: true, tabindex: '0', 'data-path': path }, img, info);
    this.row.append(element);
    return { element, url };
  }

  private activate(tab: Tab): void {
    if (this.active === tab) return;
    if (this.active?.doc) this.active.viewState = this.monacoEditor.saveViewState();
    this.active = tab;
    for (const t of this.tabs) if (t.image) t.image.element.hidden = t !== tab;
    this.host.hidden = !tab.doc;
    if (!tab.doc) {
      this.monacoEditor.setModel(null);
      this.render();
      tab.el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
      this.emitActive();
      return;
    }
    this.monacoEditor.setModel(tab.doc.model);
    // Prose gets no suggestions while typing (as in VS Code): in Markdown or plain text a word
    // suggestion would take the Enter that ends a line.
    const prose = PROSE_LANGUAGES.has(tab.doc.model.getLanguageId());
    this.monacoEditor.updateOptions({ readOnly: tab.doc.readOnly, quickSuggestions: prose ? false : CODE_QUICK_SUGGESTIONS });
    if (tab.viewState) this.monacoEditor.restoreViewState(tab.viewState);
    this.render();
    tab.el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    this.emitActive();
  }

  private emitActive(): void {
    for (const l of this.activeListeners) l(this.activePath);
  }

  /** The active file's path as folder › folder › file; a folder reveals itself in the tree. */
  private renderBreadcrumbs(): void {
    const path = this.active?.path;
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
        button.addEventListener('click', () => this.onRevealFolder(folder));
        crumbs.push(button);
      }
    });
    this.breadcrumbs.replaceChildren(...crumbs);
  }

  private render(): void {
    for (const l of this.layoutListeners) l();
    this.renderBreadcrumbs();
    for (const t of this.tabs) {
      t.el.classList.toggle('nb-active', t === this.active);
      t.el.setAttribute('aria-selected', String(t === this.active));
    }
    this.empty.hidden = this.tabs.length > 0;
  }
}
