/**
 * Colours and name labels for y-monaco's remote selections. y-monaco renders a remote selection with the
 * classes `yRemoteSelection-<clientID>` and its caret with `yRemoteSelectionHead-<clientID>`; this keeps
 * one stylesheet with a rule per client seen in any open document's awareness.
 */
export interface AwarenessUser {
  name: string;
  color: string;
}

const COLOR = /^#[0-9a-fA-F]{6}$/;

/** A name made safe for a CSS string (it comes from another person's browser). */
const cssString = (text: string): string => `"${text.replace(/[^\p{L}\p{N} ._@'-]/gu, '').slice(0, 40)}"`;

export class RemoteCursorStyles {
  private readonly users = new Map<number, AwarenessUser>();
  private readonly el: HTMLStyleElement;
  private scheduled = false;

  constructor() {
    this.el = document.createElement('style');
    this.el.dataset.owner = 'collab-cursors';
    document.head.append(this.el);
  }

  set(clientId: number, user: AwarenessUser | undefined): void {
    const known = this.users.get(clientId);
    if (!user || !COLOR.test(user.color) || typeof user.name !== 'string') {
      if (known && this.users.delete(clientId)) this.render();
      return;
    }
    if (known?.name === user.name && known.color === user.color) return;
    this.users.set(clientId, { name: user.name, color: user.color });
    this.render();
  }

  private render(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      let css = '';
      for (const [id, { name, color }] of this.users) {
        css +=
          `.yRemoteSelection-${id}{background-color:${color}40}` +
          `.yRemoteSelectionHead-${id}{border-color:${color}}` +
          `.yRemoteSelectionHead-${id}::after{content:${cssString(name)};background:${color}}`;
      }
      this.el.textContent = css;
    });
  }
}
