import { canWrite } from '../../../../shared/api.js';
import { baseName, parentOf } from '../../../../shared/paths.js';
import { replacementsIn, type TextQuery } from '../../../../shared/search.js';
import type { IdeContext } from '../../context.js';
import { DisposableStore, listen, toDisposable } from '../../platform/lifecycle.js';
import { confirmDialog } from '../../ui/dialog.js';
import { h, icon } from '../../ui/dom.js';
import { errorMessage, toast } from '../../ui/toast.js';
import './search.css';
import { withBase } from '../../net/basePath.js';

interface Match {
  line: number;
  column: number;
  length: number;
  preview: string;
  previewColumn: number;
}
type SearchLine =
  | { type: 'file'; path: string; matches: Match[] }
  | {
      type: 'done';
      files: number;
      matches: number;
      searched: number;
      truncated: boolean;
      timedOut: boolean;
      error?: string;
      durationMs: number;
    };

/**
 * Find in files (Ctrl/Cmd+Shift+F): the Search view. The server searches (regex, case, whole word,
 * include and exclude patterns, .gitignore honoured) and streams each file's matches as it goes; they
 * show up grouped by file, and a click opens the file with the match selected.
 */
export function installSearch(ctx: IdeContext): void {
  const { shell, services, disposables } = ctx;
  const store = disposables.add(new DisposableStore());
  const input = h('input.nb-search-input', {
    type: 'text',
    placeholder: 'Search',
    'aria-label': 'Search',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const toggle = (name: string, title: string, glyph: string): HTMLButtonElement =>
    h(
      'button.nb-search-toggle',
      { type: 'button', title, 'aria-label': title, 'aria-pressed': 'false', 'data-option': name },
      glyph,
    ) as HTMLButtonElement;
  const matchCase = toggle('case', 'Match Case', 'Aa');
  const wholeWord = toggle('word', 'Match Whole Word', 'ab');
  const regex = toggle('regex', 'Use Regular Expression', '.*');
  const include = h('input.nb-search-filter', {
    type: 'text',
    placeholder: 'files to include (e.g. src/, *.ts)',
    'aria-label': 'Files to include',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const exclude = h('input.nb-search-filter', {
    type: 'text',
    placeholder: 'files to exclude',
    'aria-label': 'Files to exclude',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const summary = h('div.nb-search-summary', { role: 'status' });
  const results = h('div.nb-search-results', { role: 'tree', 'aria-label': 'Search results' });
  const writable = canWrite(ctx.session.role);
  const replaceInput = h('input.nb-search-replace', {
    type: 'text',
    placeholder: 'Replace',
    'aria-label': 'Replace',
    spellcheck: 'false',
  }) as HTMLInputElement;
  const replaceAll = h(
    'button.nb-search-replace-all',
    { type: 'button', title: 'Replace All (in the files listed)', 'aria-label': 'Replace All' },
    icon('replace-all'),
  ) as HTMLButtonElement;
  const replaceRow = h('div.nb-search-row', { hidden: !writable }, replaceInput, replaceAll);
  const root = h(
    'div.nb-search',
    { 'data-nb-focus': 'searchFocus' },
    h('div.nb-search-row', {}, input, matchCase, wholeWord, regex),
    replaceRow,
    include,
    exclude,
    summary,
    results,
  );
  const view = shell.addSidebarView({ id: 'search', order: 20, title: 'Search', icon: 'search', render: (c) => c.append(root) });

  let current: AbortController | undefined;
  let timer: number | undefined;
  store.add(
    toDisposable(() => {
      current?.abort();
      clearTimeout(timer);
    }),
  );

  const run = async (): Promise<void> => {
    current?.abort();
    const q = input.value;
    results.replaceChildren();
    if (!q) {
      summary.textContent = '';
      return;
    }
    const abort = new AbortController();
    current = abort;
    const params = new URLSearchParams({
      q,
      case: pressed(matchCase),
      word: pressed(wholeWord),
      regex: pressed(regex),
      include: include.value,
      exclude: exclude.value,
    });
    summary.textContent = 'Searching…';
    root.dataset.state = 'searching';
    try {
      const res = await fetch(withBase(`/api/workspaces/${encodeURIComponent(ctx.workspaceId)}/search?${params}`), {
        credentials: 'same-origin',
        signal: abort.signal,
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => undefined)) as { error?: { message?: string } } | undefined;
        summary.textContent = body?.error?.message ?? `Search failed (${res.status})`;
        root.dataset.state = 'error';
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      let files = 0;
      let matches = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = JSON.parse(buffered.slice(0, nl)) as SearchLine;
          buffered = buffered.slice(nl + 1);
          if (line.type === 'file') {
            files++;
            matches += line.matches.length;
            results.append(fileGroup(line.path, line.matches));
            summary.textContent = `${matches} result${matches === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}…`;
          } else {
            const what =
              line.matches === 0
                ? 'No results'
                : `${line.matches} result${line.matches === 1 ? '' : 's'} in ${line.files} file${line.files === 1 ? '' : 's'}`;
            summary.textContent = line.error
              ? `Search failed: ${line.error}`
              : line.timedOut
                ? `${what} — stopped: the search took too long`
                : line.truncated
                  ? `${what} — more were not listed; narrow the search`
                  : what;
            root.dataset.state = line.error ? 'error' : 'done';
            results.dataset.matches = String(line.matches);
          }
        }
      }
    } catch (err) {
      if ((err as Error).name === 'AbortError') return;
      summary.textContent = `Search failed: ${(err as Error).message}`;
      root.dataset.state = 'error';
    }
  };

  const fileGroup = (path: string, matches: Match[]): HTMLElement => {
    const header = h(
      'div.nb-search-file',
      { role: 'treeitem', 'aria-expanded': 'true', title: path, 'data-path': path },
      icon('chevron-down'),
      h('span.nb-search-file-name', {}, baseName(path)),
      h('span.nb-search-file-dir', {}, parentOf(path)),
      h('span.nb-search-count', {}, String(matches.length)),
    );
    const rows = matches.map((m) => {
      const before = m.preview.slice(0, m.previewColumn);
      const hit = m.preview.slice(m.previewColumn, m.previewColumn + m.length);
      const after = m.preview.slice(m.previewColumn + m.length);
      const row = h(
        'div.nb-search-match',
        { role: 'treeitem', tabindex: '-1', 'data-line': String(m.line), title: `${path}:${m.line}:${m.column}` },
        before.trimStart(),
        h('mark', {}, hit),
        after,
      );
      row.addEventListener(
        'click',
        () => void shell.editor.openFile(path, { line: m.line, select: { column: m.column, length: m.length } }),
      );
      return row;
    });
    const group = h('div.nb-search-group', {}, header, ...rows);
    header.addEventListener('click', () => {
      const open = header.getAttribute('aria-expanded') !== 'true';
      header.setAttribute('aria-expanded', String(open));
      for (const r of rows) r.hidden = !open;
    });
    return group;
  };

  /** The query as the last search ran it (replace acts on what is listed, with the same options). */
  const query = (): TextQuery => ({
    pattern: input.value,
    isRegex: pressed(regex) === '1',
    caseSensitive: pressed(matchCase) === '1',
    wholeWord: pressed(wholeWord) === '1',
  });

  /**
   * Replace All: each listed file is changed through its document, as if typed: open editors and
   * collaborators see it at once, it is one undo step there, and it is saved. Matches are found again
   * in the document's current text, so an edit made since the search is not overwritten.
   */
  const replaceInFiles = async (): Promise<void> => {
    const paths = [...results.querySelectorAll<HTMLElement>('.nb-search-file')].map((el) => el.dataset.path as string);
    const q = query();
    if (!q.pattern || paths.length === 0) return;
    const count = Number(results.dataset.matches ?? 0);
    const ok = await confirmDialog(
      'Replace All',
      `Replace ${count} occurrence${count === 1 ? '' : 's'} in ${paths.length} file${paths.length === 1 ? '' : 's'} with “${replaceInput.value}”?`,
      'Replace',
    );
    if (!ok) return;
    let replaced = 0;
    let files = 0;
    const failed: string[] = [];
    for (const path of paths) {
      let ref;
      try {
        ref = await shell.editor.documents.acquire(path);
        const { model } = ref.doc;
        const edits = replacementsIn(model.getValue(), q, replaceInput.value);
        if (edits.length === 0) continue;
        model.pushStackElement();
        model.pushEditOperations(
          [],
          edits.map((e) => {
            const start = model.getPositionAt(e.start);
            const end = model.getPositionAt(e.end);
            return {
              range: { startLineNumber: start.lineNumber, startColumn: start.column, endLineNumber: end.lineNumber, endColumn: end.column },
              text: e.text,
            };
          }),
          () => null,
        );
        model.pushStackElement();
        await ref.doc.save();
        replaced += edits.length;
        files++;
      } catch (err) {
        failed.push(`${path}: ${errorMessage(err)}`);
      } finally {
        ref?.dispose();
      }
    }
    if (failed.length) toast(`Replacing failed in ${failed.join('; ')}`, 'error');
    await run();
    summary.textContent = `Replaced ${replaced} occurrence${replaced === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}`;
  };
  store.add(listen(replaceAll, 'click', () => void replaceInFiles()));
  store.add(
    listen<KeyboardEvent>(replaceInput, 'keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void replaceInFiles();
    }),
  );

  const soon = (): void => {
    clearTimeout(timer);
    timer = window.setTimeout(() => void run(), 300);
  };
  for (const button of [matchCase, wholeWord, regex]) {
    store.add(
      listen(button, 'click', () => {
        button.setAttribute('aria-pressed', String(button.getAttribute('aria-pressed') !== 'true'));
        void run();
      }),
    );
  }
  store.add(listen(input, 'input', soon));
  store.add(
    listen<KeyboardEvent>(input, 'keydown', (e) => {
      if (e.key === 'Enter') {
        clearTimeout(timer);
        void run();
      }
    }),
  );
  for (const filter of [include, exclude]) {
    store.add(
      listen<KeyboardEvent>(filter, 'keydown', (e) => {
        if (e.key === 'Enter') void run();
      }),
    );
  }

  disposables.add(
    services.registerAction({
      id: 'workbench.action.findInFiles',
      title: 'Find in Files',
      category: 'Search',
      keys: ['mod+shift+f'],
      run: () => {
        shell.toggleSidebar(true);
        view.reveal();
        const selected = shell.editor.selectedText();
        if (selected && !selected.includes('\n')) input.value = selected;
        input.focus();
        input.select();
        if (input.value) void run();
      },
    }),
  );
  disposables.add(
    services.registerAction({
      id: 'workbench.action.replaceInFiles',
      title: 'Replace in Files',
      category: 'Search',
      when: 'canWrite',
      keys: ['mod+shift+h'],
      run: () => {
        shell.toggleSidebar(true);
        view.reveal();
        const selected = shell.editor.selectedText();
        if (selected && !selected.includes('\n')) {
          input.value = selected;
          void run();
        }
        (input.value ? replaceInput : input).focus();
      },
    }),
  );
}

const pressed = (b: HTMLElement): string => (b.getAttribute('aria-pressed') === 'true' ? '1' : '0');
