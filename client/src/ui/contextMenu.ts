import { DisposableStore, listen } from '../platform/lifecycle.js';
import { h } from './dom.js';

export interface MenuItem {
  label: string;
  shortcut?: string;
  action: () => void;
  disabled?: boolean;
}

/** The menu shown, with the window listeners that close it (held only while it is open). */
let open: { menu: HTMLElement; store: DisposableStore } | undefined;

function close(): void {
  open?.store.dispose();
  open = undefined;
}

/** Shows a keyboard-navigable context menu at (x, y); `undefined` items draw separators. */
export function showContextMenu(x: number, y: number, items: (MenuItem | undefined)[]): void {
  close();
  const menu = h('div.nb-context-menu', { role: 'menu' });
  const buttons: HTMLButtonElement[] = [];
  for (const item of items) {
    if (!item) {
      menu.append(h('div.nb-separator', { role: 'separator' }));
      continue;
    }
    const button = h(
      'button',
      { role: 'menuitem', disabled: item.disabled },
      h('span', {}, item.label),
      h('span.nb-shortcut', {}, item.shortcut ?? ''),
    );
    button.addEventListener('click', () => {
      close();
      item.action();
    });
    buttons.push(button);
    menu.append(button);
  }
  menu.addEventListener('keydown', (e) => {
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (e.key === 'ArrowDown') buttons[(i + 1) % buttons.length]?.focus();
    else if (e.key === 'ArrowUp') buttons[(i - 1 + buttons.length) % buttons.length]?.focus();
    else if (e.key === 'Escape') close();
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  document.body.append(menu);
  const rect = menu.getBoundingClientRect();
  menu.style.left = `${Math.min(x, window.innerWidth - rect.width - 4)}px`;
  menu.style.top = `${Math.min(y, window.innerHeight - rect.height - 4)}px`;
  const store = new DisposableStore();
  store.add({ dispose: () => menu.remove() });
  store.add(
    listen<MouseEvent>(window, 'mousedown', (e) => {
      if (!menu.contains(e.target as Node)) close();
    }),
  );
  store.add(listen(window, 'blur', close));
  open = { menu, store };
  buttons.find((b) => !b.disabled)?.focus();
}
