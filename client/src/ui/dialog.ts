import { h } from './dom.js';

/** A modal with a text field; resolves to the value, or undefined when cancelled. */
export function promptDialog(
  title: string,
  initial = '',
  options: { selectBaseName?: boolean; okLabel?: string } = {},
): Promise<string | undefined> {
  return new Promise((resolve) => {
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
    const backdrop = h('div.nb-backdrop', {}, form);
    const done = (value: string | undefined): void => {
      backdrop.remove();
      resolve(value);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      done(input.value.trim() || undefined);
    });
    cancel.addEventListener('click', () => done(undefined));
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        done(undefined);
      }
    });
    document.body.append(backdrop);
    input.focus();
    const dot = initial.lastIndexOf('.');
    const slash = initial.lastIndexOf('/') + 1;
    if (options.selectBaseName && dot > slash) input.setSelectionRange(slash, dot);
    else input.setSelectionRange(slash, initial.length);
  });
}

export function confirmDialog(title: string, message: string, okLabel = 'OK'): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button.nb-primary.nb-danger', { type: 'submit' }, okLabel);
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h(
      'form.nb-dialog',
      { role: 'alertdialog', 'aria-label': title },
      h('h2', {}, title),
      h('p', {}, message),
      h('div.nb-dialog-buttons', {}, cancel, ok),
    );
    const backdrop = h('div.nb-backdrop', {}, form);
    const done = (value: boolean): void => {
      backdrop.remove();
      resolve(value);
    };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      done(true);
    });
    cancel.addEventListener('click', () => done(false));
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') done(false);
    });
    document.body.append(backdrop);
    ok.focus();
  });
}
