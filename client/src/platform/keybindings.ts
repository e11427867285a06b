import type { CommandRegistry } from './commands.js';
import type { ContextKeyService } from './contextKeys.js';
import { Emitter } from './event.js';
import { DisposableStore, listen, toDisposable, type Disposable } from './lifecycle.js';

export interface Keybinding {
  /** `mod+shift+p`: `mod` is Cmd on macOS and Ctrl elsewhere; modifiers ctrl, shift, alt, meta, then one key. */
  key: string;
  command: string;
  /** Only while this holds (context keys); the command's own `when` must hold too. */
  when?: string;
  args?: unknown[];
}

/**
 * A person's own binding (the keyboard shortcuts view writes these): adds `key` for `command`, or with
 * `command: '-id'` removes the default binding of that key for that command (as VS Code's keybindings.json).
 */
export interface UserKeybinding {
  key: string;
  command: string;
  when?: string;
}

type Entry = Keybinding & { normalized: string; source: 'default' | 'user' };

export const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
const MODIFIERS = ['ctrl', 'shift', 'alt', 'meta'] as const;

/** Names for KeyboardEvent.code, so bindings follow the key's place, not the layout's character. */
const CODE_NAMES: Record<string, string> = {
  Backquote: '`',
  Minus: '-',
  Equal: '=',
  BracketLeft: '[',
  BracketRight: ']',
  Backslash: '\\',
  Semicolon: ';',
  Quote: "'",
  Comma: ',',
  Period: '.',
  Slash: '/',
  Space: 'space',
  Enter: 'enter',
  Escape: 'escape',
  Tab: 'tab',
  Backspace: 'backspace',
  Delete: 'delete',
  Insert: 'insert',
  Home: 'home',
  End: 'end',
  PageUp: 'pageup',
  PageDown: 'pagedown',
  ArrowUp: 'up',
  ArrowDown: 'down',
  ArrowLeft: 'left',
  ArrowRight: 'right',
  ContextMenu: 'contextmenu',
};

/** `mod+Shift+P` → `ctrl+shift+p` (or `shift+meta+p` on macOS): modifiers in a fixed order. */
export function normalizeKey(key: string, mac = isMac): string {
  const parts = key
    .toLowerCase()
    .split('+')
    .map((p) => p.trim());
  const main = parts.pop() ?? '';
  const mods = new Set(parts.map((p) => (p === 'mod' ? (mac ? 'meta' : 'ctrl') : p === 'cmd' ? 'meta' : p)));
  for (const m of mods) if (!(MODIFIERS as readonly string[]).includes(m)) throw new Error(`unknown modifier "${m}" in "${key}"`);
  return [...MODIFIERS.filter((m) => mods.has(m)), main].join('+');
}

/** The normalized key of a keyboard event, or undefined for a lone modifier. */
export function eventKey(e: KeyboardEvent): string | undefined {
  let main: string | undefined;
  if (/^Key[A-Z]$/.test(e.code)) main = e.code.slice(3).toLowerCase();
  else if (/^Digit\d$/.test(e.code)) main = e.code.slice(5);
  else if (/^F\d{1,2}$/.test(e.code)) main = e.code.toLowerCase();
  else main = CODE_NAMES[e.code] ?? (e.key.length === 1 ? e.key.toLowerCase() : undefined);
  if (!main) return undefined;
  const mods = { ctrl: e.ctrlKey, shift: e.shiftKey, alt: e.altKey, meta: e.metaKey };
  return [...MODIFIERS.filter((m) => mods[m]), main].join('+');
}

const MAC_SYMBOLS: Record<string, string> = { ctrl: '⌃', shift: '⇧', alt: '⌥', meta: '⌘' };
const NAMES: Record<string, string> = {
  ctrl: 'Ctrl',
  shift: 'Shift',
  alt: 'Alt',
  meta: 'Meta',
  escape: 'Esc',
  delete: 'Delete',
  backspace: 'Backspace',
  enter: 'Enter',
  space: 'Space',
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PageUp',
  pagedown: 'PageDown',
  contextmenu: 'Menu',
};

/** What a person reads: `Ctrl+Shift+P`, or `⇧⌘P` on macOS. */
export function keyLabel(normalized: string, mac = isMac): string {
  const parts = normalized.split('+');
  const main = parts.pop() ?? '';
  const mainLabel = NAMES[main] ?? main.toUpperCase();
  if (mac) return parts.map((m) => MAC_SYMBOLS[m] ?? m).join('') + mainLabel;
  return [...parts.map((m) => NAMES[m] ?? m), mainLabel].join('+');
}

/**
 * The one keyboard dispatcher: a capture-phase listener on the window, so a binding works whichever
 * part has the focus (editor, terminal, tree); its `when` says where it applies. A key no binding
 * takes goes on to whatever has the focus, untouched.
 */
export class KeybindingService implements Disposable {
  private readonly bindings: Entry[] = [];
  private user: Entry[] = [];
  /** `normalized key → command ids` whose default binding the person removed. */
  private removed = new Set<string>();
  private capture: ((key: string | undefined) => void) | undefined;
  /** The bindings in effect, worked out when they change rather than on every keystroke. */
  private effectiveCache: Entry[] | undefined;
  private readonly store = new DisposableStore();
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly commands: CommandRegistry,
    private readonly contextKeys: ContextKeyService,
    target: EventTarget = window,
  ) {
    this.store.add(listen<KeyboardEvent>(target, 'keydown', (e) => this.dispatch(e), true));
  }

  register(binding: Keybinding): Disposable {
    const entry: Entry = { ...binding, normalized: normalizeKey(binding.key), source: 'default' };
    this.bindings.push(entry);
    this.effectiveCache = undefined;
    this.changed.fire();
    return toDisposable(() => {
      const i = this.bindings.indexOf(entry);
      if (i >= 0) this.bindings.splice(i, 1);
      this.effectiveCache = undefined;
      this.changed.fire();
    });
  }

  /** The person's own bindings (invalid entries are skipped); they win over every default. */
  setUserBindings(list: readonly UserKeybinding[]): void {
    const user: Entry[] = [];
    const removed = new Set<string>();
    for (const b of list) {
      let normalized: string;
      try {
        normalized = normalizeKey(b.key);
      } catch {
        continue;
      }
      if (b.command.startsWith('-')) removed.add(`${normalized} ${b.command.slice(1)}`);
      else user.push({ key: b.key, command: b.command, ...(b.when ? { when: b.when } : {}), normalized, source: 'user' });
    }
    this.user = user;
    this.removed = removed;
    this.effectiveCache = undefined;
    this.changed.fire();
  }

  /** The bindings in effect, the person's first. */
  private effective(): Entry[] {
    this.effectiveCache ??= [
      ...this.user.slice().reverse(),
      ...this.bindings.filter((b) => !this.removed.has(`${b.normalized} ${b.command}`)).reverse(),
    ];
    return this.effectiveCache;
  }

  /** The key shown next to a command (the person's own first; then its most recent binding without a focus condition, else any). */
  labelFor(commandId: string): string | undefined {
    const mine = this.effective().filter((b) => b.command === commandId);
    const chosen = mine.find((b) => b.source === 'user') ?? mine.find((b) => !b.when) ?? mine[0];
    return chosen ? keyLabel(chosen.normalized) : undefined;
  }

  /** Every binding in effect (for the keyboard shortcuts view), and the defaults the person removed. */
  all(): readonly (Entry & { removed?: boolean })[] {
    return [
      ...this.effective(),
      ...this.bindings.filter((b) => this.removed.has(`${b.normalized} ${b.command}`)).map((b) => ({ ...b, removed: true })),
    ];
  }

  /** The next key combination pressed (not run), for recording a binding; undefined if Escape or `cancel`. */
  captureNextKey(): { key: Promise<string | undefined>; cancel(): void } {
    this.capture?.(undefined);
    let done!: (key: string | undefined) => void;
    const key = new Promise<string | undefined>((resolve) => (done = resolve));
    const capture = (k: string | undefined): void => {
      if (this.capture === capture) this.capture = undefined;
      done(k);
    };
    this.capture = capture;
    return { key, cancel: () => capture(undefined) };
  }

  /** Runs the binding for this key whose conditions hold (the person's first, then the latest registered); true if one did. */
  dispatch(e: KeyboardEvent): boolean {
    if (e.defaultPrevented || e.isComposing) return false;
    const key = eventKey(e);
    if (!key) return false;
    if (this.capture) {
      e.preventDefault();
      e.stopPropagation();
      this.capture(key === 'escape' ? undefined : key);
      return true;
    }
    for (const b of this.effective()) {
      if (b.normalized !== key || !this.contextKeys.evaluate(b.when)) continue;
      const command = this.commands.get(b.command);
      if (!command || !this.contextKeys.evaluate(command.when)) continue;
      e.preventDefault();
      e.stopPropagation();
      void this.commands.execute(b.command, ...(b.args ?? [])).catch((err: unknown) => console.error(`${b.command} failed`, err));
      return true;
    }
    return false;
  }

  dispose(): void {
    this.capture?.(undefined);
    this.store.dispose();
    this.changed.dispose();
  }
}
