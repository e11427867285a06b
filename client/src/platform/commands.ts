import { Emitter } from './event.js';
import { toDisposable, type Disposable } from './lifecycle.js';
import type { ContextKeyService } from './contextKeys.js';

export interface Command {
  /** Stable id, VS Code's where it has one (`workbench.action.quickOpen`). */
  id: string;
  /** What the palette shows, after the category: `Split Editor` in `View: Split Editor`. */
  title: string;
  category?: string;
  /** Only offered and run while this holds (context keys). */
  when?: string;
  /** Not listed in the palette (commands bound to keys of one part, like the tree's Delete). */
  hidden?: boolean;
  run(...args: unknown[]): unknown;
}

/** Every command of every feature; menus, the palette and keybindings all run commands from here. */
export class CommandRegistry {
  private readonly commands = new Map<string, Command>();
  /** Commands that come and go with something else (the editor's own actions), asked for when needed. */
  private readonly sources = new Set<() => Command[]>();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly contextKeys: ContextKeyService) {}

  register(command: Command): Disposable {
    if (this.commands.has(command.id)) throw new Error(`command ${command.id} is already registered`);
    this.commands.set(command.id, command);
    this.changed.fire();
    return toDisposable(() => {
      if (this.commands.get(command.id) === command) this.commands.delete(command.id);
      this.changed.fire();
    });
  }

  /** Adds commands listed by `source` each time they are asked for. */
  registerSource(source: () => Command[]): Disposable {
    this.sources.add(source);
    return toDisposable(() => this.sources.delete(source));
  }

  get(id: string): Command | undefined {
    return this.commands.get(id) ?? this.fromSources().find((c) => c.id === id);
  }

  /** The commands that may run now, for the palette. */
  available(): Command[] {
    const own = [...this.commands.values()];
    const ids = new Set(own.map((c) => c.id));
    return [...own, ...this.fromSources().filter((c) => !ids.has(c.id))].filter((c) => !c.hidden && this.contextKeys.evaluate(c.when));
  }

  /** Every registered command, whatever its `when` (the keyboard shortcuts view); not the sources' passing ones. */
  all(): Command[] {
    return [...this.commands.values()].filter((c) => !c.hidden);
  }

  private fromSources(): Command[] {
    return [...this.sources].flatMap((source) => source());
  }

  /** The palette label: `Category: Title`. */
  static label(command: Command): string {
    return command.category ? `${command.category}: ${command.title}` : command.title;
  }

  /** Runs a command if it exists and its `when` holds; resolves to whether it ran. */
  async execute(id: string, ...args: unknown[]): Promise<boolean> {
    const command = this.get(id);
    if (!command || !this.contextKeys.evaluate(command.when)) return false;
    await command.run(...args);
    return true;
  }
}
