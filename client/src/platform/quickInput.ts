import type { ContextKeyService } from './contextKeys.js';
import { DisposableStore, listen, toDisposable, type Disposable } from './lifecycle.js';
import { h } from '../ui/dom.js';

export interface QuickPickItem {
  id: string;
  label: string;
  /** Dimmed text after the label (a file's folder). */
  description?: string;
  /** A shortcut shown at the right. */
  keybinding?: string;
  /** Indexes of label characters that matched the filter, shown in bold. */
  highlights?: readonly number[];
}

/** One mode of the quick input, chosen by the prefix typed first (`>` commands, `:` go to line, none: files). */
export interface QuickAccessProvider {
  prefix: string;
  placeholder: string;
  /** Items for what was typed after the prefix; a newer call supersedes an older one. */
  provide(filter: string): QuickPickItem[] | Promise<QuickPickItem[]>;
  accept(item: QuickPickItem, filter: string): void | Promise<void>;
}

const MAX_ITEMS = 200;

/**
 * The quick input at the top of the workbench (VS Code's quick open and command palette): a text field
 * over a filtered list, driven from the keyboard. Providers are chosen by prefix, so typing `>` in
 * quick open switches to commands and deleting it switches back.
 */
export class QuickInput implements Disposable {
  private readonly providers: QuickAccessProvider[] = [];
  private readonly input = h('input.nb-quick-input-field', {
    type: 'text',
    role: 'combobox',
    'aria-autocomplete': 'list',
    'aria-controls': 'nb-quick-list',
    'aria-expanded': 'true',
    spellcheck: 'false',
    autocomplete: 'off',
  }) as HTMLInputElement;
  private readonly list = h('div.nb-quick-list', { role: 'listbox', id: 'nb-quick-list' });
  private readonly empty = h('div.nb-quick-empty', { hidden: true }, 'No matching results');
  readonly element = h(
    'div.nb-quick-input',
    { role: 'dialog', 'aria-label': 'Quick input', 'data-nb-focus': 'quickInputFocus', hidden: true },
    this.input,
    this.list,
    this.empty,
  );
  private items: QuickPickItem[] = [];
  private selected = 0;
  private provider: QuickAccessProvider | undefined;
  /** A one-off list (`pick`): used instead of the prefix providers until the input closes. */
  private override: QuickAccessProvider | undefined;
  private generation = 0;
  private restoreFocus: HTMLElement | undefined;
  private readonly store = new DisposableStore();

  constructor(
    parent: HTMLElement,
    private readonly contextKeys: ContextKeyService,
  ) {
    parent.append(this.element);
    this.store.add(toDisposable(() => this.element.remove()));
    this.store.add(listen(this.input, 'input', () => void this.update()));
    this.store.add(listen<KeyboardEvent>(this.input, 'keydown', (e) => this.onKey(e)));
    this.store.add(
      listen<FocusEvent>(this.element, 'focusout', (e) => {
        if (!(e.relatedTarget instanceof Node && this.element.contains(e.relatedTarget))) this.hide(false);
      }),
    );
    // A click on a row must not blur the input before the click lands.
    this.store.add(listen<MouseEvent>(this.list, 'mousedown', (e) => e.preventDefault()));
    this.store.add(
      listen<MouseEvent>(this.list, 'click', (e) => {
        const row = (e.target as Element).closest<HTMLElement>('[data-index]');
        if (row) void this.accept(Number(row.dataset.index));
      }),
    );
  }

  registerProvider(provider: QuickAccessProvider): Disposable {
    this.providers.push(provider);
    // Longest prefix first: it decides the mode.
    this.providers.sort((a, b) => b.prefix.length - a.prefix.length);
    return toDisposable(() => {
      const i = this.providers.indexOf(provider);
      if (i >= 0) this.providers.splice(i, 1);
    });
  }

  get visible(): boolean {
    return !this.element.hidden;
  }

  /** Opens with `value` typed (its prefix picks the mode). */
  show(value = ''): void {
    if (!this.visible) {
      const active = document.activeElement;
      this.restoreFocus = active instanceof HTMLElement && active !== document.body ? active : undefined;
    }
    this.element.hidden = false;
    this.contextKeys.set('quickInputVisible', true);
    this.input.value = value;
    this.input.focus();
    this.input.setSelectionRange(value.length, value.length);
    void this.update();
  }

  /** Closes; `restore`: give the focus back to where it was (not after an item took it elsewhere). */
  hide(restore = true): void {
    if (!this.visible) return;
    this.element.hidden = true;
    this.generation++;
    const override = this.override;
    this.override = undefined;
    if (override) queueMicrotask(() => void override.accept({ id: '', label: '' }, '')); // resolves a pick with nothing
    this.contextKeys.set('quickInputVisible', false);
    const back = this.restoreFocus;
    this.restoreFocus = undefined;
    if (restore && back?.isConnected) back.focus();
  }

  /** Shows a list of its own (problems, workspaces…) and resolves to the chosen item, or undefined. */
  pick<T extends QuickPickItem>(items: T[], placeholder: string): Promise<T | undefined> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (item: T | undefined): void => {
        if (done) return;
        done = true;
        resolve(item);
      };
      this.override = {
        prefix: '',
        placeholder,
        provide: (filter) => {
          const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
          return items.filter((i) => words.every((w) => `${i.label} ${i.description ?? ''}`.toLowerCase().includes(w)));
        },
        accept: (item) => finish(items.find((i) => i.id === item.id && item.id !== '')),
      };
      this.show('');
    });
  }

  private async update(): Promise<void> {
    const value = this.input.value;
    const provider = this.override ?? this.providers.find((p) => value.startsWith(p.prefix));
    this.provider = provider;
    if (!provider) return this.render([]);
    this.input.placeholder = provider.placeholder;
    const generation = ++this.generation;
    const items = await provider.provide(value.slice(provider.prefix.length));
    if (generation !== this.generation) return; // typed on meanwhile
    this.selected = 0;
    this.render(items.slice(0, MAX_ITEMS));
  }

  private render(items: QuickPickItem[]): void {
    this.items = items;
    this.empty.hidden = items.length > 0;
    this.list.replaceChildren(
      ...items.map((item, index) =>
        h(
          'div.nb-quick-item',
          {
            role: 'option',
            id: `nb-quick-item-${index}`,
            'data-index': String(index),
            'data-id': item.id,
            'aria-selected': String(index === this.selected),
          },
          h('span.nb-quick-label', {}, ...highlighted(item.label, item.highlights)),
          item.description ? h('span.nb-quick-description', {}, item.description) : '',
          item.keybinding ? h('kbd.nb-quick-key', {}, item.keybinding) : '',
        ),
      ),
    );
    this.select(this.selected);
  }

  private select(index: number): void {
    if (this.items.length === 0) return this.input.removeAttribute('aria-activedescendant');
    this.selected = (index + this.items.length) % this.items.length;
    for (const row of this.list.children)
      row.setAttribute('aria-selected', String((row as HTMLElement).dataset.index === String(this.selected)));
    const row = this.list.children[this.selected] as HTMLElement | undefined;
    row?.scrollIntoView({ block: 'nearest' });
    this.input.setAttribute('aria-activedescendant', `nb-quick-item-${this.selected}`);
  }

  private onKey(e: KeyboardEvent): void {
    const page = 10;
    if (e.key === 'ArrowDown') this.select(this.selected + 1);
    else if (e.key === 'ArrowUp') this.select(this.selected - 1);
    else if (e.key === 'PageDown') this.select(Math.min(this.items.length - 1, this.selected + page));
    else if (e.key === 'PageUp') this.select(Math.max(0, this.selected - page));
    else if (e.key === 'Enter') void this.accept(this.selected);
    else if (e.key === 'Escape') this.hide();
    else return;
    e.preventDefault();
    e.stopPropagation();
  }

  private async accept(index: number): Promise<void> {
    const item = this.items[index];
    const provider = this.provider;
    if (!item || !provider) return;
    const filter = this.input.value.slice(provider.prefix.length);
    if (this.override === provider) this.override = undefined; // accepted: not also resolved as dismissed
    this.hide();
    await provider.accept(item, filter);
  }

  dispose(): void {
    this.hide(false);
    this.store.dispose();
  }
}

/** The label split into plain text and <b> runs for the matched characters. */
function highlighted(label: string, indexes: readonly number[] | undefined): (string | HTMLElement)[] {
  if (!indexes || indexes.length === 0) return [label];
  const marks = new Set(indexes);
  const out: (string | HTMLElement)[] = [];
  let run = '';
  let bold = false;
  for (let i = 0; i <= label.length; i++) {
    const isMark = marks.has(i);
    if (i === label.length || isMark !== bold) {
      if (run) out.push(bold ? h('b', {}, run) : run);
      run = '';
      bold = isMark;
    }
    if (i < label.length) run += label[i];
  }
  return out;
}
