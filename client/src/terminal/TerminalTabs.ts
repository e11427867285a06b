import type { TerminalInfo } from '../../../shared/protocol/terminal.js';
import { h } from '../ui/dom.js';
import type { ConnectionStatus } from './TerminalConnection.js';

export interface TerminalTab {
  id: string;
  name: string;
  status: ConnectionStatus;
  /** The shell is gone; the tab stays so its last screen can be read. */
  ended: boolean;
  element: HTMLElement;
}

export interface TerminalTabsActions {
  activate(tab: TerminalTab): void;
  rename(tab: TerminalTab, name: string): void | Promise<void>;
  close(tab: TerminalTab): void | Promise<void>;
}

/** The tab strip of the terminal panel. */
export class TerminalTabs {
  readonly element = h('div.terminal-tabs', { role: 'tablist', 'aria-label': 'Terminals' });
  private readonly tabs = new Map<string, TerminalTab & { label: HTMLElement }>();
  active: TerminalTab | undefined;

  constructor(
    private readonly canWrite: boolean,
    private readonly actions: TerminalTabsActions,
  ) {}

  all(): TerminalTab[] {
    return [...this.tabs.values()];
  }

  get(id: string): TerminalTab | undefined {
    return this.tabs.get(id);
  }

  add(info: TerminalInfo): TerminalTab {
    const label = h('span.terminal-tab-label', {}, info.name);
    const close = h('button.tab-close', { title: 'Close terminal', 'aria-label': `Close ${info.name}`, hidden: !this.canWrite }, '×');
    const element = h('div.tab.terminal-tab', { role: 'tab', 'data-terminal-id': info.id, title: this.canWrite ? 'Double-click to rename' : info.name }, label, close);
    const tab = { id: info.id, name: info.name, status: 'connecting' as ConnectionStatus, ended: false, element, label };
    element.addEventListener('click', () => this.activate(info.id));
    element.addEventListener('dblclick', () => this.startRename(tab));
    close.addEventListener('click', (event) => {
      event.stopPropagation();
      void this.actions.close(tab);
    });
    this.tabs.set(info.id, tab);
    this.element.append(element);
    return tab;
  }

  update(info: TerminalInfo): void {
    const tab = this.tabs.get(info.id);
    if (!tab || tab.name === info.name) return;
    tab.name = info.name;
    tab.label.textContent = info.name;
  }

  activate(id: string): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.active = tab;
    for (const t of this.tabs.values()) {
      t.element.classList.toggle('active', t === tab);
      t.element.setAttribute('aria-selected', String(t === tab));
    }
    this.actions.activate(tab);
  }

  remove(id: string): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    tab.element.remove();
    this.tabs.delete(id);
    if (this.active === tab) {
      this.active = undefined;
      const next = [...this.tabs.keys()].at(-1);
      if (next) this.activate(next);
    }
  }

  setStatus(id: string, status: ConnectionStatus): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    tab.status = status;
    tab.element.dataset.status = status;
  }

  setEnded(id: string): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    tab.ended = true;
    tab.element.classList.add('ended');
  }

  private startRename(tab: TerminalTab & { label: HTMLElement }): void {
    if (!this.canWrite || tab.ended) return;
    const input = h('input.terminal-rename', { type: 'text', value: tab.name, 'aria-label': 'Terminal name', maxlength: '64', spellcheck: 'false' });
    tab.label.replaceWith(input);
    input.focus();
    input.select();
    let done = false;
    const finish = (commit: boolean): void => {
      if (done) return;
      done = true;
      input.replaceWith(tab.label);
      const name = input.value.trim();
      if (commit && name && name !== tab.name) {
        tab.name = name;
        tab.label.textContent = name;
        void this.actions.rename(tab, name);
      }
    };
    input.addEventListener('keydown', (event) => {
      event.stopPropagation();
      if (event.key === 'Enter') finish(true);
      else if (event.key === 'Escape') finish(false);
    });
    input.addEventListener('blur', () => finish(true));
    input.addEventListener('click', (event) => event.stopPropagation());
  }
}
