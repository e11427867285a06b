import { CommandRegistry, type Command } from './commands.js';
import { ContextKeyService } from './contextKeys.js';
import { KeybindingService } from './keybindings.js';
import { DisposableStore, type Disposable } from './lifecycle.js';
import { QuickInput } from './quickInput.js';
import { SettingsService, type SettingsStorage } from './settings.js';

/** The workbench's platform services, one of each per page, handed to every feature. */
export interface Services {
  contextKeys: ContextKeyService;
  commands: CommandRegistry;
  keybindings: KeybindingService;
  quickInput: QuickInput;
  settings: SettingsService;
  /** A command and its keys in one call: `keys` are `mod+p` style; `keyWhen` narrows where the keys work. */
  registerAction(action: Command & { keys?: string[]; keyWhen?: string }): Disposable;
}

export function createServices(storage: SettingsStorage, root: HTMLElement = document.body): Services & Disposable {
  const store = new DisposableStore();
  const contextKeys = store.add(new ContextKeyService());
  const commands = new CommandRegistry(contextKeys);
  const keybindings = store.add(new KeybindingService(commands, contextKeys));
  const quickInput = store.add(new QuickInput(root, contextKeys));
  const settings = store.add(new SettingsService(storage));
  return {
    settings,
    contextKeys,
    commands,
    keybindings,
    quickInput,
    registerAction({ keys = [], keyWhen, ...command }) {
      const own = new DisposableStore();
      own.add(commands.register(command));
      for (const key of keys) own.add(keybindings.register({ key, command: command.id, ...(keyWhen ? { when: keyWhen } : {}) }));
      return own;
    },
    dispose: () => store.dispose(),
  };
}
