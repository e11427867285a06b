import type { Workspace } from '../../../shared/api.js';
import type { EditorArea } from '../editor/EditorArea.js';
import { h, icon } from '../ui/dom.js';
import { makeSplitter } from './splitter.js';
import { StatusBar } from './StatusBar.js';

export interface SidebarView {
  id: string;
  title: string;
  /** A codicon name for the activity bar (https://microsoft.github.io/vscode-codicons/). */
  icon: string;
  /** Where in the activity bar (lower first); views that load later still take their place. */
  order: number;
  render(container: HTMLElement): void;
}

export interface SidebarViewHandle {
  setBadge(count?: number): void;
  reveal(): void;
}

/**
 * The IDE layout: title bar, activity bar + sidebar views, editor tabs, the bottom panel (terminals)
 * and the status bar. Features add views and status items; they never reach into each other's DOM.
 */
export class Shell {
  readonly statusBar = new StatusBar();
  /** Where the editor area goes: it comes in its own script, after the first paint (see main.ts). */
  readonly editorRoot: HTMLElement;
  private editorArea: EditorArea | undefined;
  private readonly editorArrived: Promise<EditorArea>;
  private resolveEditor: (editor: EditorArea) => void = () => undefined;
  /** The bottom panel, where terminals live. */
  readonly panel: HTMLElement;
  readonly titleBar: HTMLElement;
  private readonly activity = h('nav.nb-activitybar', { 'aria-label': 'Views' });
  private readonly sidebar = h('aside.nb-sidebar');
  private readonly views = new Map<string, { button: HTMLButtonElement; container: HTMLElement; badge: HTMLElement }>();
  private activeView: string | undefined;

  constructor(root: HTMLElement, workspace: Workspace) {
    this.editorArrived = new Promise((resolve) => (this.resolveEditor = resolve));
    this.titleBar = h('header.nb-titlebar', {}, h('span.nb-brand', {}, 'Nimbus'));
    const sidebarSplit = h('div.nb-splitter.nb-splitter-x', { role: 'separator', 'aria-orientation': 'vertical' });
    const editorRoot = h('section.nb-editor-area', { 'aria-label': 'Editor' });
    this.editorRoot = editorRoot;
    const panelSplit = h('div.nb-splitter.nb-splitter-y', { role: 'separator', 'aria-orientation': 'horizontal' });
    this.panel = h('section.nb-panel', { 'aria-label': 'Panel' });
    const main = h('div.nb-main', {}, editorRoot, panelSplit, this.panel);
    const body = h('div.nb-body', {}, this.activity, this.sidebar, sidebarSplit, main);
    root.replaceChildren(this.titleBar, body, this.statusBar.el);
    root.removeAttribute('aria-busy');
    document.title = `${workspace.name} — Nimbus`;
    this.panelSplit = panelSplit;
    this.sidebarSplit = sidebarSplit;
    makeSplitter(sidebarSplit, this.sidebar, { axis: 'x', key: 'nimbus.sidebarWidth', min: 160, max: () => window.innerWidth * 0.6 });
    makeSplitter(panelSplit, this.panel, {
      axis: 'y',
      key: 'nimbus.panelHeight',
      min: 60,
      max: () => window.innerHeight * 0.8,
      invert: true,
    });
  }

  /** The editor area; features that use it install once it is there. */
  get editor(): EditorArea {
    if (!this.editorArea) throw new Error('the editor area is not loaded yet');
    return this.editorArea;
  }

  get hasEditor(): boolean {
    return this.editorArea !== undefined;
  }

  /** Resolves with the editor area once it has loaded (for what exists before it, like the file tree). */
  whenEditor(): Promise<EditorArea> {
    return this.editorArrived;
  }

  setEditor(editor: EditorArea): void {
    this.editorArea = editor;
    this.resolveEditor(editor);
  }

  addSidebarView(view: SidebarView): SidebarViewHandle {
    const badge = h('span.nb-badge', { hidden: true });
    const button = h(
      'button.nb-activity-button',
      { title: view.title, 'aria-label': view.title, 'data-view': view.id },
      h('span.icon', {}, icon(view.icon)),
      badge,
    );
    const container = h('div.nb-view', { 'data-view': view.id, hidden: true }, h('h2.nb-view-title', {}, view.title));
    button.addEventListener('click', () => this.showView(view.id));
    button.dataset.order = String(view.order);
    const after = [...this.views.values()].find((v) => Number(v.button.dataset.order) > view.order);
    if (after) {
      after.button.before(button);
      after.container.before(container);
    } else {
      this.activity.append(button);
      this.sidebar.append(container);
    }
    this.views.set(view.id, { button, container, badge });
    view.render(container);
    if (!this.activeView) this.showView(view.id);
    return {
      setBadge: (count) => {
        badge.hidden = !count;
        badge.textContent = count ? String(count) : '';
      },
      reveal: () => {
        this.showView(view.id);
        if (this.sidebar.hidden) this.toggleSidebar(true);
      },
    };
  }

  private readonly panelSplit: HTMLElement;
  private readonly sidebarSplit: HTMLElement;

  /** Shows or hides the sidebar (and its splitter); the activity bar stays. */
  toggleSidebar(show = this.sidebar.hidden): void {
    this.sidebar.hidden = !show;
    this.sidebarSplit.hidden = !show;
    this.layoutChanged();
  }

  /** The sidebar, the panel or the shown view changed (the layout a reload restores). */
  onDidChangeLayout(listener: () => void): () => void {
    this.layoutListeners.add(listener);
    return () => this.layoutListeners.delete(listener);
  }

  private readonly layoutListeners = new Set<() => void>();

  private layoutChanged(): void {
    for (const l of this.layoutListeners) l();
  }

  /** Shows a sidebar view by id (restoring the layout); unknown ids are ignored. */
  showViewById(id: string): void {
    if (this.views.has(id)) this.showView(id);
  }

  get sidebarVisible(): boolean {
    return !this.sidebar.hidden;
  }

  /** Shows or hides the bottom panel (terminals). */
  togglePanel(show = this.panel.hidden): void {
    this.panel.hidden = !show;
    this.panelSplit.hidden = !show;
    this.layoutChanged();
  }

  get panelVisible(): boolean {
    return !this.panel.hidden;
  }

  get activeViewId(): string | undefined {
    return this.activeView;
  }

  /** Called with the id of each view shown; returns the function that stops it. */
  onViewShown(listener: (id: string) => void): () => void {
    this.viewListeners.add(listener);
    return () => this.viewListeners.delete(listener);
  }

  private readonly viewListeners = new Set<(id: string) => void>();

  private showView(id: string): void {
    this.activeView = id;
    for (const [viewId, v] of this.views) {
      v.container.hidden = viewId !== id;
      v.button.classList.toggle('nb-active', viewId === id);
    }
    for (const l of this.viewListeners) l(id);
    this.layoutChanged();
  }
}
