import { h } from '../ui/dom.js';

export interface StatusItemOptions {
  text: string;
  title?: string;
  align?: 'left' | 'right';
  onClick?: () => void;
}

export interface StatusItem {
  el: HTMLElement;
  set(text: string, title?: string): void;
}

export class StatusBar {
  private readonly left = h('div.nb-status-left');
  private readonly right = h('div.nb-status-right');
  readonly el = h('footer.nb-statusbar', { role: 'status' }, this.left, this.right);

  addItem(id: string, options: StatusItemOptions): StatusItem {
    const el = options.onClick ? h('button.nb-status-item', { 'data-id': id }) : h('span.nb-status-item', { 'data-id': id });
    if (options.onClick) el.addEventListener('click', options.onClick);
    const set = (text: string, title?: string): void => {
      el.textContent = text;
      if (title !== undefined) el.title = title;
    };
    set(options.text, options.title);
    (options.align === 'right' ? this.right : this.left).append(el);
    return { el, set };
  }
}
