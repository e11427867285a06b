import { DisposableStore, listen, toDisposable } from '../platform/lifecycle.js';
import { h } from './dom.js';

/**
 * Shows a dialog over the workbench (every dialog of the client): a backdrop that closes it when clicked,
 * Escape closes the topmost one, `focus` gets the focus, and keys are the dialog's (the `dialogFocus`
 * context: the workbench's shortcuts do not run behind it). Everything the dialog holds is in `store`;
 * disposing it closes the dialog (and closing the dialog disposes it).
 */
export function showModal(store: DisposableStore, dialog: HTMLElement, focus: HTMLElement): void {
  const backdrop = h('div.nb-backdrop', { 'data-nb-focus': 'dialogFocus' }, dialog);
  store.add(toDisposable(() => backdrop.remove()));
  store.add(
    listen<KeyboardEvent>(document, 'keydown', (e) => {
      if (e.key === 'Escape' && isTopmost(backdrop)) {
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

function isTopmost(backdrop: HTMLElement): boolean {
  const all = document.querySelectorAll('body > .nb-backdrop');
  return all[all.length - 1] === backdrop;
}

/** A dialog's outcome: `close(value)` closes it with a value; anything else that closes it gives `dismissed`. */
export interface ModalResult<T> {
  readonly store: DisposableStore;
  readonly result: Promise<T>;
  close(value: T): void;
}

export function modalResult<T>(dismissed: T): ModalResult<T> {
  const store = new DisposableStore();
  let value = dismissed;
  let resolve: (value: T) => void = () => undefined;
  const result = new Promise<T>((r) => (resolve = r));
  store.add(toDisposable(() => resolve(value)));
  return {
    store,
    result,
    close(v: T) {
      value = v;
      store.dispose();
    },
  };
}
