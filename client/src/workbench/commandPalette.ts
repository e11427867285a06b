import fuzzysort from 'fuzzysort';
import { CommandRegistry } from '../platform/commands.js';
import type { Disposable } from '../platform/lifecycle.js';
import type { QuickPickItem } from '../platform/quickInput.js';
import type { Services } from '../platform/services.js';
import { errorMessage, toast } from '../ui/toast.js';
import { RecentList } from './recentList.js';

/** The commands most recently run from the palette, newest first. */
const recentCommands = new RecentList('nimbus.recentCommands', 20);

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
        const recent = recentCommands.read();
        const rank = (id: string): number => {
          const i = recent.indexOf(id);
          return i < 0 ? Infinity : i;
        };
        const all = commands.available().map((c) => ({ command: c, label: CommandRegistry.label(c) }));
        const item = (c: (typeof all)[number], highlights?: readonly number[], recentlyUsed = false): QuickPickItem => {
          const keybinding = keybindings.labelFor(c.command.id);
          return {
            id: c.command.id,
            label: c.label,
            ...(recentlyUsed ? { description: 'recently used' } : {}),
            ...(keybinding ? { keybinding } : {}),
            ...(highlights ? { highlights } : {}),
          };
        };
        const query = filter.trim();
        if (!query) {
          return all
            .sort((a, b) => rank(a.command.id) - rank(b.command.id) || a.label.localeCompare(b.label))
            .map((c) => item(c, undefined, rank(c.command.id) !== Infinity));
        }
        // Each word must match; recently used ones first among similar scores.
        const results = fuzzysort.go(query, all, { key: 'label', limit: 200, threshold: 0.2 });
        return [...results]
          .sort(
            (a, b) =>
              b.score + (rank(b.obj.command.id) !== Infinity ? 0.1 : 0) - (a.score + (rank(a.obj.command.id) !== Infinity ? 0.1 : 0)),
          )
          .map((r) => item(r.obj, r.indexes, rank(r.obj.command.id) !== Infinity));
      },
      accept: async (item) => {
        recentCommands.add(item.id);
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
