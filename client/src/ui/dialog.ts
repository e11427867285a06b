import { h } from './dom.js';
import { modalResult, showModal } from './modal.js';

/** A modal with a text field; resolves to the value, or undefined when cancelled. */
export function promptDialog(
  title: string,
  initial = '',
  options: { selectBaseName?: boolean; okLabel?: string } = {},
): Promise<string | undefined> {
  const modal = modalResult<string | undefined>(undefined);
  const input = h('input.nb-dialog-input', { type: 'text', value: initial, 'aria-label': title, spellcheck: 'false' });
  const ok = h('button.nb-primary', { type: 'submit' }, options.okLabel ?? 'OK');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form.nb-dialog',
    { role: 'dialog', 'aria-label': title },
    h('h2', {}, title),
    input,
    h('div.nb-dialog-buttons', {}, cancel, ok),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    modal.close(input.value.trim() || undefined);
  });
  cancel.addEventListener('click', () => modal.close(undefined));
  showModal(modal.store, form, input);
  const dot = initial.lastIndexOf('.');
  const slash = initial.lastIndexOf('/') + 1;
  if (options.selectBaseName && dot > slash) input.setSelectionRange(slash, dot);
  else input.setSelectionRange(slash, initial.length);
  return modal.result;
}

export function confirmDialog(title: string, message: string, okLabel = 'OK'): Promise<boolean> {
  const modal = modalResult(false);
  const ok = h('button.nb-primary.nb-danger', { type: 'submit' }, okLabel);
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const form = h(
    'form.nb-dialog',
    { role: 'alertdialog', 'aria-label': title },
    h('h2', {}, title),
    h('p', {}, message),
    h('div.nb-dialog-buttons', {}, cancel, ok),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    modal.close(true);
  });
  cancel.addEventListener('click', () => modal.close(false));
  showModal(modal.store, form, ok);
  return modal.result;
}
