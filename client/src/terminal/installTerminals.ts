import type { TerminalInfo } from '../../../shared/protocol/terminal.js';
import type { IdeContext } from '../context.js';
import { h, icon } from '../ui/dom.js';
import { userIdentity } from '../user.js';
import { errorMessage, toast } from '../ui/toast.js';
import { TerminalSearch } from './TerminalSearch.js';
import { TerminalTabs, type TerminalTab } from './TerminalTabs.js';
import { TerminalView, type TerminalViewOptions } from './TerminalView.js';
import './terminal.css';
import { socketUrl } from '../net/basePath.js';

/**
 * The terminal panel: tabs in the bottom panel, "+" (and Alt+T) to open one, double-click to rename,
 * × to close, a search box, and every terminal of the workspace shown live to every collaborator.
 */
export function installTerminals(ctx: IdeContext): void {
  const { api, workspaceId } = ctx;
  // Terminals are their own grant on a share: none, watch, or type (the owner always types).
  const canWrite = ctx.session.terminal === 'write';
  if (ctx.session.terminal === 'none') {
    ctx.shell.panel.append(
      h(
        'div.nb-terminal-panel',
        {},
        h('div.nb-terminal-header', {}, h('span.nb-panel-title', {}, 'Terminal')),
        h('div.nb-terminal-empty', {}, 'This share link does not include the terminals.'),
      ),
    );
    return;
  }
  const base = `/api/workspaces/${encodeURIComponent(workspaceId)}/terminals`;
  const terminalUrl = (id: string): string =>
    socketUrl(`/ws/workspaces/${encodeURIComponent(workspaceId)}/terminals/${encodeURIComponent(id)}`);

  const body = h('div.nb-terminal-body', { 'data-nb-focus': 'terminalFocus' });
  const terminalOptions = (): TerminalViewOptions => ({
    fontSize: ctx.services.settings.get<number>('terminal.integrated.fontSize'),
    scrollback: ctx.services.settings.get<number>('terminal.integrated.scrollback'),
    theme: ctx.services.settings.get<TerminalViewOptions['theme']>('workbench.colorTheme'),
  });
  const empty = h('div.nb-terminal-empty', {}, 'No terminal is open.');
  const views = new Map<string, TerminalView>();
  const search = new TerminalSearch(() => (tabs.active ? views.get(tabs.active.id) : undefined));

  const tabs = new TerminalTabs(canWrite, {
    activate: (tab) => {
      for (const [id, view] of views) view.element.hidden = id !== tab.id;
      const view = views.get(tab.id);
      view?.shown();
      view?.focus();
    },
    rename: async (tab, name) => {
      try {
        await api.patch(`${base}/${encodeURIComponent(tab.id)}`, { name });
      } catch (err) {
        toast(`Could not rename the terminal: ${errorMessage(err)}`, 'error');
      }
    },
    keepAwake: async (tab, on) => {
      try {
        const info = await api.patch<TerminalInfo>(`${base}/${encodeURIComponent(tab.id)}`, { keepAwake: on, by: userIdentity().name });
        tabs.update(info);
      } catch (err) {
        toast(`Could not change keep-awake: ${errorMessage(err)}`, 'error');
      }
    },
    close: async (tab) => {
      if (tab.ended) return remove(tab.id);
      try {
        await api.del(`${base}/${encodeURIComponent(tab.id)}`);
      } catch (err) {
        toast(`Could not close the terminal: ${errorMessage(err)}`, 'error');
      }
      remove(tab.id); // also when it was already gone
    },
  });

  const newButton = h(
    'button.nb-panel-action',
    { title: 'New terminal (Alt+T)', 'aria-label': 'New terminal', hidden: !canWrite },
    icon('add'),
  );
  const searchButton = h('button.nb-panel-action', { title: 'Search the terminal', 'aria-label': 'Search the terminal' }, icon('search'));
  const header = h('div.nb-terminal-header', {}, h('span.nb-panel-title', {}, 'Terminal'), tabs.element, newButton, searchButton);
  ctx.shell.panel.append(h('div.nb-terminal-panel', {}, header, search.element, body, empty));

  function updateEmpty(): void {
    empty.hidden = views.size > 0;
  }

  function add(info: TerminalInfo): TerminalTab {
    const existing = tabs.get(info.id);
    if (existing) {
      tabs.update(info);
      return existing;
    }
    const tab = tabs.add(info);
    const view = new TerminalView(terminalUrl(info.id), !canWrite, {
      onStatus: (status, detail) => {
        tabs.setStatus(info.id, status);
        if (status === 'ended' && detail === 'not_found' && !tab.ended) remove(info.id); // gone while we were away
      },
      onExit: (message) => {
        // Closed by someone (or by us): the tab goes. Stopped by a hibernation: it comes back restored
        // (a new terminal) when the workspace wakes. Exited by itself: the last screen stays readable.
        if (message.reason === 'closed' || message.reason === 'stopped') return remove(info.id);
        tabs.setEnded(info.id);
        const why =
          message.reason === 'exited'
            ? `process exited${message.exitCode !== undefined ? ` with code ${message.exitCode}` : ''}`
            : message.reason === 'idle'
              ? 'closed after being unwatched for too long'
              : 'workspace stopped';
        view.term.write(`\r\n\x1b[2m[${why}]\x1b[0m\r\n`);
      },
    });
    view.element.hidden = true;
    view.setOptions(terminalOptions());
    views.set(info.id, view);
    body.append(view.element);
    updateEmpty();
    if (!tabs.active) tabs.activate(info.id);
    return tab;
  }

  function remove(id: string): void {
    views.get(id)?.dispose();
    views.delete(id);
    tabs.remove(id);
    updateEmpty();
  }

  function sync(list: TerminalInfo[]): void {
    for (const info of list) add(info);
    const listed = new Set(list.map((t) => t.id));
    for (const tab of tabs.all()) if (!listed.has(tab.id) && !tab.ended) remove(tab.id);
  }

  async function open(): Promise<void> {
    if (!canWrite) return;
    try {
      const size = tabs.active ? views.get(tabs.active.id)?.term : undefined;
      const info = await api.post<TerminalInfo>(base, size ? { cols: size.cols, rows: size.rows } : {});
      add(info);
      tabs.activate(info.id);
    } catch (err) {
      toast(`Could not open a terminal: ${errorMessage(err)}`, 'error');
    }
  }

  newButton.addEventListener('click', () => void open());
  searchButton.addEventListener('click', () => search.toggle());
  const { services, disposables } = ctx;
  services.contextKeys.set('terminalCanWrite', canWrite);
  disposables.add(
    services.settings.onDidChange((keys) => {
      if (!keys.some((k) => k.startsWith('terminal.') || k === 'workbench.colorTheme')) return;
      for (const view of views.values()) view.setOptions(terminalOptions());
    }),
  );
  // Keys work wherever the focus is (a terminal, the editor): the dispatcher listens in the capture phase.
  disposables.add(
    services.registerAction({
      id: 'workbench.action.terminal.new',
      title: 'Create New Terminal',
      category: 'Terminal',
      when: 'terminalCanWrite',
      keys: ['ctrl+shift+`', 'alt+t'],
      run: async () => {
        ctx.shell.togglePanel(true);
        await open();
      },
    }),
  );
  const newKey = services.keybindings.labelFor('workbench.action.terminal.new') ?? '';
  newButton.title = `New terminal (${newKey})`;
  if (canWrite) empty.textContent = `No terminal is open. Press + or ${newKey} to open one.`;
  disposables.add(
    services.registerAction({
      id: 'nimbus.terminal.toggleKeepAwake',
      title: 'Keep the Workspace Awake While This Runs (toggle)',
      category: 'Terminal',
      when: 'terminalCanWrite',
      run: () => {
        const tab = tabs.active;
        if (tab && !tab.ended) return tabs.toggleKeepAwake(tab.id);
      },
    }),
  );
  ctx.events.on((event) => {
    if (event.type === 'terminals') sync(event.terminals);
  });
  // Back online: reconnect the terminals now rather than at the end of their backoff.
  ctx.events.onState((state) => {
    if (state === 'online') for (const view of views.values()) view.reconnectNow();
  });
  api.get<TerminalInfo[]>(base).then(sync, (err: unknown) => toast(`Could not list terminals: ${errorMessage(err)}`, 'error'));
  updateEmpty();

  window.nimbusTerminals = {
    list: () =>
      tabs.all().map((tab) => {
        const view = views.get(tab.id);
        return {
          id: tab.id,
          name: tab.name,
          text: view?.text() ?? '',
          renderer: view?.renderer ?? 'none',
          readOnly: view?.readOnly ?? true,
          status: tab.status,
          cols: view?.term.cols ?? 0,
          rows: view?.term.rows ?? 0,
          background: view?.term.options.theme?.background ?? '',
          fontSize: view?.term.options.fontSize ?? 0,
        };
      }),
  };
}
