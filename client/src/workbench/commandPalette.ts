import fuzzysort from 'fuzzysort';
import { CommandRegistry } from '../platform/commands.js';
import type { Disposable } from '../platform/lifecycle.js';
import type { QuickPickItem } from '../platform/quickInput.js';
import type { Services } from '../platform/services.js';
import { errorMessage, toast } from '../ui/toast.js';

const RECENT_KEY = 'nimbus.recentCommands';
const MAX_RECENT = 20;

/** The commands most recently run from the palette, newest first. */
function recentCommands(): string[] {
  try {
    const list: unknown = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * The command palette (`>` in the quick input; F1, Ctrl/Cmd+Shift+P): every command that may run now,
 * with its key, recently used first; words match fuzzily ("spl ed" finds "View: Split Editor").
 */
export function installCommandPalette(services: Services): Disposable[] {
  const { commands, keybindings, quickInput } = services;
  return [
    quickInput.registerProvider({
      prefix: '>',
      placeholder: 'Type the name of a command to run',
      provide: (filter) => {
        const recent = recentCommands();
        const rank = (id: string): number => {
          const i = recent.indexOf(id);
          return i < 0 ? Infinity : i;
        };
        const all = commands.available().map((c) => ({ command: c, label: CommandRegistry.label(c) }));
        const item = (c: (typeof all)[number], highlights?: readonly number[], recentlyUsed = false): QuickPickItem => ({
          id: c.command.id,
          label: c.label,
          ...(recentlyUsed ? { description: 'recently used' } : {}),
          ...(keybindings.labelFor(c.command.id) ? { keybinding: keybindings.labelFor(c.command.id) as string } : {}),
          ...(highlights ? { highlights } : {}),
        });
        const query = filter.trim();
        if (!query) {
          return all
            .sort((a, b) => rank(a.command.id) - rank(b.command.id) || a.label.localeCompare(b.label))
            .map((c) => item(c, undefined, rank(c.command.id) !== Infinity));
        }
        // Each word must match; recently used ones first among similar scores.
        const results = fuzzysort.go(query, all, { key: 'label', limit: 200, threshold: 0.2 });
        return [...results]
          .sort((a, b) => b.score + (rank(b.obj.command.id) !== Infinity ? 0.1 : 0) - (a.score + (rank(a.obj.command.id) !== Infinity ? 0.1 : 0)))
          .map((r) => item(r.obj, r.indexes, rank(r.obj.command.id) !== Infinity));
      },
      accept: async (item) => {
        localStorage.setItem(RECENT_KEY, JSON.stringify([item.id, ...recentCommands().filter((x) => x !== item.id)].slice(0, MAX_RECENT)));
        try {
          await commands.execute(item.id);
        } catch (err) {
          toast(`${item.label} failed: ${errorMessage(err)}`, 'error');
        }
      },
    }),
    services.registerAction({
      id: 'workbench.action.showCommands',
      title: 'Show All Commands',
      category: 'View',
      keys: ['f1', 'mod+shift+p'],
      run: () => quickInput.show('>'),
    }),
  ];
}
