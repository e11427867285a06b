import type { TerminalInfo, TerminalKeepAwake } from '../../../shared/protocol/terminal.js';
import { h, icon } from '../ui/dom.js';
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
  /** Turns the tab's "keep the workspace awake while this runs" toggle on or off. */
  keepAwake(tab: TerminalTab, on: boolean): void | Promise<void>;
}

/** What the keep-awake toggle says about itself, for its tooltip and screen readers. */
export function keepAwakeTitle(state: TerminalKeepAwake | null): string {
  if (!state) return 'Keep the workspace awake while the command in this terminal runs';
  const by = state.by ? ` (turned on by ${state.by})` : '';
  if (state.running)
    return `Keeping the workspace awake while ${state.command ? `“${state.command}”` : 'its command'} runs${by}. Click to stop.`;
  return `Keeps the workspace awake while the next command here runs${by}. Click to turn off.`;
}

/** The tab strip of the terminal panel. */
export class TerminalTabs {
  readonly element = h('div.nb-terminal-tabs', { role: 'tablist', 'aria-label': 'Terminals' });
  private readonly tabs = new Map<
    string,
    TerminalTab & { label: HTMLElement; awake: HTMLButtonElement; keepAwake: TerminalKeepAwake | null }
  >();
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
    const label = h('span.nb-terminal-tab-label', {}, info.name);
    const close = h('button.nb-tab-close', { title: 'Close terminal', 'aria-label': `Close ${info.name}`, hidden: !this.canWrite }, '×');
    const awake = h('button.nb-terminal-keep-awake', { type: 'button' }, icon('coffee')) as HTMLButtonElement;
    const element = h(
      'div.nb-tab.nb-terminal-tab',
      { role: 'tab', 'data-terminal-id': info.id, title: this.canWrite ? 'Double-click to rename' : info.name },
      label,
      awake,
      close,
    );
    const tab = {
      id: info.id,
      name: info.name,
      status: 'connecting' as ConnectionStatus,
      ended: false,
      element,
      label,
      awake,
      keepAwake: null,
    };
    this.showKeepAwake(tab, info.keepAwake);
    awake.addEventListener('click', (event) => {
      event.stopPropagation();
      void this.toggleKeepAwake(tab.id);
    });
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

  /** The keep-awake toggle of a tab, as its button does. */
  toggleKeepAwake(id: string): void | Promise<void> {
    const tab = this.tabs.get(id);
    if (tab && this.canWrite && !tab.ended) return this.actions.keepAwake(tab, tab.keepAwake === null);
  }

  update(info: TerminalInfo): void {
    const tab = this.tabs.get(info.id);
    if (!tab) return;
    this.showKeepAwake(tab, info.keepAwake);
    if (tab.name === info.name) return;
    tab.name = info.name;
    tab.label.textContent = info.name;
  }

  /** The toggle: shown to those who may type (to turn it on) and to everyone while it is on. */
  private showKeepAwake(
    tab: { awake: HTMLButtonElement; element: HTMLElement; keepAwake: TerminalKeepAwake | null; ended: boolean },
    state: TerminalKeepAwake | null,
  ): void {
    tab.keepAwake = state;
    const { awake } = tab;
    awake.hidden = !this.canWrite && state === null;
    awake.disabled = !this.canWrite;
    awake.title = keepAwakeTitle(state);
    awake.setAttribute('aria-label', awake.title);
    awake.setAttribute('aria-pressed', String(state !== null));
    awake.dataset.state = state === null ? 'off' : state.running ? 'running' : 'armed';
  }

  activate(id: string): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.active = tab;
    for (const t of this.tabs.values()) {
      t.element.classList.toggle('nb-active', t === tab);
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
    tab.element.classList.add('nb-ended');
    this.showKeepAwake(tab, null);
    tab.awake.hidden = true;
  }

  private startRename(tab: TerminalTab & { label: HTMLElement }): void {
    if (!this.canWrite || tab.ended) return;
    const input = h('input.nb-terminal-rename', {
      type: 'text',
      value: tab.name,
      'aria-label': 'Terminal name',
      maxlength: '64',
      spellcheck: 'false',
    });
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
