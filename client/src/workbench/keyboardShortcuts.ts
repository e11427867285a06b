import type { IdeContext } from '../context.js';
import { CommandRegistry } from '../platform/commands.js';
import { keyLabel, normalizeKey, type UserKeybinding } from '../platform/keybindings.js';
import { DisposableStore, listen, toDisposable } from '../platform/lifecycle.js';
import { h } from '../ui/dom.js';
import { showModal } from '../ui/modal.js';
import { errorMessage, toast } from '../ui/toast.js';

export const KEYBINDINGS_SETTING = 'workbench.keybindings';
/** The server keeps at most 200 items of a list; a person changing this many keys is far past any need. */
const MAX_USER_BINDINGS = 200;

function isUserKeybinding(value: unknown): value is UserKeybinding {
  if (!value || typeof value !== 'object') return false;
  const { key, command, when } = value as Record<string, unknown>;
  if (typeof key !== 'string' || typeof command !== 'string' || command.length < 1 || (when !== undefined && typeof when !== 'string'))
    return false;
  try {
    normalizeKey(key);
    return true;
  } catch {
    return false;
  }
}

/**
 * Preferences: Open Keyboard Shortcuts: every command with its keys, searchable by title, id or key;
 * "Change" records a new key (the default one is removed, as VS Code does), "Reset" brings the default
 * back. The person's bindings are a user-only setting, so they follow them to any browser and apply at once.
 */
export function installKeyboardShortcuts(ctx: IdeContext): void {
  const { services, disposables } = ctx;
  const { settings, keybindings, commands } = services;
  disposables.add(
    settings.register({
      [KEYBINDINGS_SETTING]: {
        type: 'array',
        default: [],
        userOnly: true,
        validate: (value) => Array.isArray(value) && value.length <= MAX_USER_BINDINGS && value.every(isUserKeybinding),
        description: 'Your own keyboard shortcuts: { key, command, when? }; a command written "-id" removes that key from the command.',
        category: 'Workbench',
      },
    }),
  );
  const mine = (): UserKeybinding[] => [...settings.get<readonly UserKeybinding[]>(KEYBINDINGS_SETTING)];
  const apply = (): void => keybindings.setUserBindings(mine());
  disposables.add(
    settings.onDidChange((keys) => {
      if (keys.includes(KEYBINDINGS_SETTING)) apply();
    }),
  );
  apply();

  const save = (next: UserKeybinding[]): void => {
    void settings
      .update(KEYBINDINGS_SETTING, next.length ? next : undefined)
      .catch((err: unknown) => toast(`Saving the shortcut failed: ${errorMessage(err)}`, 'error'));
  };

  /** The command's key becomes `key`: its current keys are removed, the person's own replaced. */
  const change = (commandId: string, key: string): void => {
    const defaults = keybindings.all().filter((b) => b.command === commandId && b.source === 'default' && !b.removed);
    const next = mine().filter((b) => b.command !== commandId);
    for (const b of defaults) next.push({ key: b.normalized, command: `-${commandId}` });
    next.push({ key, command: commandId });
    save(next);
  };
  const reset = (commandId: string): void => save(mine().filter((b) => b.command !== commandId && b.command !== `-${commandId}`));

  const open = (): void => {
    const store = new DisposableStore();
    const search = h('input.nb-settings-search', {
      type: 'search',
      placeholder: 'Search keyboard shortcuts (title, command id or key)',
      'aria-label': 'Search keyboard shortcuts',
      spellcheck: 'false',
    }) as HTMLInputElement;
    const list = h('div.nb-shortcuts-list', { role: 'table', 'aria-label': 'Keyboard shortcuts' });
    const close = h('button', { type: 'button' }, 'Close');
    const dialog = h(
      'div.nb-dialog.nb-settings.nb-shortcuts',
      { role: 'dialog', 'aria-label': 'Keyboard Shortcuts' },
      h('div.nb-settings-head', {}, h('h2', {}, 'Keyboard Shortcuts')),
      search,
      list,
      h('div.nb-dialog-buttons', {}, close),
    );
    const done = (): void => store.dispose();
    let recording: { cancel(): void } | undefined;
    store.add(toDisposable(() => recording?.cancel()));

    const render = (): void => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      const bindings = keybindings.all();
      const own = mine();
      const rows: HTMLElement[] = [];
      const all = commands.all().sort((a, b) => CommandRegistry.label(a).localeCompare(CommandRegistry.label(b)));
      for (const command of all) {
        const title = CommandRegistry.label(command);
        const keys = bindings.filter((b) => b.command === command.id && !b.removed);
        const labels = keys.map((b) => keyLabel(b.normalized));
        const haystack = `${title} ${command.id} ${labels.join(' ')}`.toLowerCase();
        if (!words.every((w) => haystack.includes(w))) continue;
        const custom = own.some((b) => b.command === command.id || b.command === `-${command.id}`);
        const changeButton = h(
          'button.nb-shortcut-change',
          { type: 'button', title: 'Press the new key combination next (Escape cancels)' },
          'Change',
        );
        const resetButton = h('button.nb-shortcut-reset', { type: 'button', hidden: !custom, title: 'Back to the default key' }, 'Reset');
        const keyCell = h('span.nb-shortcut-keys', {}, ...(labels.length ? labels.map((l) => h('kbd.nb-shortcut', {}, l)) : ['—']));
        const row = h(
          'div.nb-shortcut-row',
          { role: 'row', 'data-command': command.id, 'data-source': custom ? 'user' : 'default' },
          h('span.nb-shortcut-title', { role: 'cell', title: command.id }, title),
          h('span', { role: 'cell' }, keyCell),
          h(
            'span.nb-shortcut-when',
            { role: 'cell' },
            keys
              .map((b) => b.when)
              .filter(Boolean)
              .join(' · '),
          ),
          h('span.nb-shortcut-actions', { role: 'cell' }, changeButton, resetButton),
        );
        changeButton.addEventListener('click', () => {
          recording?.cancel();
          keyCell.replaceChildren(h('em', {}, 'Press the new keys… (Escape cancels)'));
          row.dataset.recording = 'true';
          const capture = keybindings.captureNextKey();
          recording = capture;
          void capture.key.then((key) => {
            if (recording === capture) recording = undefined;
            if (key) change(command.id, key);
            else render();
          });
        });
        resetButton.addEventListener('click', () => reset(command.id));
        rows.push(row);
      }
      list.replaceChildren(...(rows.length ? rows : [h('p.nb-settings-empty', {}, 'No command matches.')]));
    };
    store.add(listen(search, 'input', render));
    store.add(listen(close, 'click', done));
    store.add(keybindings.onDidChange(render));
    render();
    showModal(store, dialog, search);
  };
  disposables.add(
    services.registerAction({
      id: 'workbench.action.openGlobalKeybindings',
      title: 'Open Keyboard Shortcuts',
      category: 'Preferences',
      run: open,
    }),
  );
}
