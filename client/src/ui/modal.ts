import { listen, toDisposable, type DisposableStore } from '../platform/lifecycle.js';
import { h } from './dom.js';

/**
 * Shows a dialog over the workbench (the settings and keyboard shortcuts views): a backdrop that closes
 * it when clicked, Escape closes it, `focus` gets the focus. Everything the dialog holds is in `store`;
 * disposing it closes the dialog (and closing the dialog disposes it).
 */
export function showModal(store: DisposableStore, dialog: HTMLElement, focus: HTMLElement): void {
  const backdrop = h('div.nb-backdrop', { 'data-nb-focus': 'dialogFocus' }, dialog);
  store.add(toDisposable(() => backdrop.remove()));
  store.add(
    listen<KeyboardEvent>(document, 'keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        store.dispose();
      }
    }),
  );
  store.add(
    listen<MouseEvent>(backdrop, 'mousedown', (e) => {
      if (e.target === backdrop) store.dispose();
    }),
  );
  document.body.append(backdrop);
  focus.focus();
}
