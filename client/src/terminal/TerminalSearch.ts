import { h, icon } from '../ui/dom.js';
import type { TerminalView } from './TerminalView.js';

/** The search box over the active terminal's scrollback: Enter for next, Shift+Enter for previous. */
export class TerminalSearch {
  readonly input = h('input.nb-terminal-search-input', {
    type: 'search',
    placeholder: 'Find in terminal',
    'aria-label': 'Find in terminal',
    spellcheck: 'false',
  });
  private readonly result = h('span.nb-terminal-search-result', { 'aria-live': 'polite' });
  readonly element: HTMLElement;

  constructor(private readonly activeView: () => TerminalView | undefined) {
    const prev = h('button.nb-panel-action', { title: 'Previous match (Shift+Enter)', 'aria-label': 'Previous match' }, icon('arrow-up'));
    const next = h('button.nb-panel-action', { title: 'Next match (Enter)', 'aria-label': 'Next match' }, icon('arrow-down'));
    const close = h('button.nb-panel-action', { title: 'Close (Escape)', 'aria-label': 'Close search' }, icon('close'));
    this.element = h('div.nb-terminal-search', { hidden: true, role: 'search' }, this.input, this.result, prev, next, close);
    prev.addEventListener('click', () => this.find(true));
    next.addEventListener('click', () => this.find(false));
    close.addEventListener('click', () => this.hide());
    this.input.addEventListener('input', () => this.find(false));
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this.find(event.shiftKey);
      } else if (event.key === 'Escape') {
        event.preventDefault();
        this.hide();
      }
    });
  }

  toggle(): void {
    if (this.element.hidden) this.show();
    else this.hide();
  }

  show(): void {
    this.element.hidden = false;
    this.input.focus();
    this.input.select();
  }

  hide(): void {
    this.element.hidden = true;
    this.result.textContent = '';
    const view = this.activeView();
    view?.clearSearch();
    view?.focus();
  }

  private find(backwards: boolean): void {
    const view = this.activeView();
    const text = this.input.value;
    if (!view || !text) {
      this.result.textContent = '';
      view?.clearSearch();
      return;
    }
    this.result.textContent = view.find(text, backwards) ? '' : 'No results';
  }
}
