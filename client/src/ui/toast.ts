import { h } from './dom.js';

let container: HTMLElement | undefined;

/** A transient message in the corner: errors stay longer than notes. */
export function toast(message: string, kind: 'info' | 'error' = 'info'): void {
  container ??= document.body.appendChild(h('div.nb-toasts', { 'aria-live': 'polite' }));
  const el = h(`div.nb-toast`, { role: kind === 'error' ? 'alert' : 'status' }, message);
  if (kind === 'error') el.classList.add('nb-error');
  container.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3500);
}

export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
