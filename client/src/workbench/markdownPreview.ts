import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { normalizeRelPath, parentOf } from '../../../shared/paths.js';
import type { IdeContext } from '../context.js';
import { fileUrl } from '../net/api.js';
import { withBase } from '../net/basePath.js';
import { DisposableStore, listen, toDisposable, type Disposable } from '../platform/lifecycle.js';
import { h, icon } from '../ui/dom.js';

/** A link relative to the Markdown file's folder, as a workspace path (undefined if it leaves the workspace). */
export function resolveRel(base: string, link: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURI(link);
  } catch {
    return undefined;
  }
  const parts = decoded.startsWith('/') ? [] : base.split('/').filter(Boolean);
  for (const part of decoded.split('/')) {
    if (part === '..') {
      if (parts.pop() === undefined) return undefined;
    } else if (part !== '' && part !== '.') parts.push(part);
  }
  return normalizeRelPath(parts.join('/'));
}

/** Renders Markdown to sanitized HTML: no script, handler or frame from a file ever runs (DOMPurify; the CSP too). */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
  });
}

/**
 * Markdown: Open Preview to the Side (Ctrl/Cmd+Shift+V): the active Markdown file rendered beside the
 * editor, live as anyone types. It follows the active editor while that is Markdown. Relative links open
 * the workspace file; images come from the workspace.
 */
export function installMarkdownPreview(ctx: IdeContext): void {
  const { shell, services, disposables } = ctx;
  const editor = shell.editor;
  let preview: Disposable | undefined;

  const close = (): void => {
    preview?.dispose();
    preview = undefined;
    services.contextKeys.set('markdownPreviewOpen', false);
  };

  const open = (): void => {
    if (preview) return;
    const store = new DisposableStore();
    const body = h('article.nb-markdown-body');
    const title = h('span.nb-markdown-title');
    const closeButton = h(
      'button.nb-panel-action',
      { type: 'button', title: 'Close preview', 'aria-label': 'Close preview' },
      icon('close'),
    );
    const pane = h(
      'section.nb-markdown-preview',
      { 'aria-label': 'Markdown preview' },
      h('header.nb-markdown-header', {}, title, closeButton),
      body,
    );
    editor.side.replaceChildren(pane);
    editor.side.hidden = false;
    store.add(
      toDisposable(() => {
        pane.remove();
        editor.side.hidden = true;
      }),
    );
    store.add(listen(closeButton, 'click', close));
    let shown: string | undefined;
    let modelSub: Disposable | undefined;
    let timer: number | undefined;
    store.add(
      toDisposable(() => {
        modelSub?.dispose();
        clearTimeout(timer);
      }),
    );
    const render = (path: string): void => {
      const doc = editor.documentOf(path);
      if (!doc) return;
      body.innerHTML = renderMarkdown(doc.model.getValue());
      // Relative images and links point into the workspace, next to the Markdown file.
      const base = parentOf(path);
      for (const img of body.querySelectorAll('img')) {
        const src = img.getAttribute('src') ?? '';
        const inside = src && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(src) ? resolveRel(base, src) : undefined;
        if (inside) img.src = withBase(fileUrl(ctx.workspaceId, inside));
      }
      for (const a of body.querySelectorAll('a')) {
        const href = a.getAttribute('href') ?? '';
        if (/^(https?:|mailto:)/i.test(href)) {
          a.target = '_blank';
          a.rel = 'noopener noreferrer';
        } else if (href && !href.startsWith('#')) {
          const target = resolveRel(base, href.split('#')[0] as string);
          a.addEventListener('click', (e) => {
            e.preventDefault();
            if (target) void editor.openFile(target);
          });
        }
      }
    };
    const follow = (path: string | undefined): void => {
      if (!path || editor.activeLanguage !== 'markdown' || path === shown) return;
      shown = path;
      title.textContent = `Preview ${path}`;
      modelSub?.dispose();
      const doc = editor.documentOf(path);
      modelSub = doc?.model.onDidChangeContent(() => {
        clearTimeout(timer);
        timer = window.setTimeout(() => render(path), 80);
      });
      render(path);
    };
    store.add(toDisposable(editor.onDidChangeActive(follow)));
    follow(editor.activePath);
    preview = store;
    services.contextKeys.set('markdownPreviewOpen', true);
  };

  disposables.add(toDisposable(close));
  disposables.add(
    services.registerAction({
      id: 'markdown.showPreviewToSide',
      title: 'Open Preview to the Side',
      category: 'Markdown',
      when: "activeEditorLanguage == 'markdown'",
      keys: ['mod+shift+v'],
      run: open,
    }),
  );
  disposables.add(
    services.registerAction({
      id: 'markdown.closePreview',
      title: 'Close Preview',
      category: 'Markdown',
      when: 'markdownPreviewOpen',
      run: close,
    }),
  );
  const setLanguage = (): void => services.contextKeys.set('activeEditorLanguage', editor.activeLanguage);
  disposables.add(toDisposable(editor.onDidChangeActive(setLanguage)));
  setLanguage();
}
