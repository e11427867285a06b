import fuzzysort, { type Prepared } from 'fuzzysort';
import type { FileChangeKind } from '../../../shared/protocol/events.js';
import type { Api } from '../net/api.js';
import { toDisposable, type Disposable } from '../platform/lifecycle.js';
import type { QuickPickItem } from '../platform/quickInput.js';
import type { Services } from '../platform/services.js';
import { RecentList } from './recentList.js';

interface FileIndexAnswer {
  files: string[];
  truncated: boolean;
}

/**
 * Every file of the workspace, fetched once from the server (which honours .gitignore) and kept up to
 * date from the workspace event socket's file changes; prepared for fuzzy matching.
 */
export class FileIndex {
  private readonly entries = new Map<string, Prepared>();
  private list: Prepared[] | undefined;
  private loading: Promise<void> | undefined;
  private stale = true;

  constructor(private readonly load: () => Promise<FileIndexAnswer>) {}

  /** The prepared paths, loading them first if needed (again after a change too big to patch). */
  async targets(): Promise<readonly Prepared[]> {
    if (this.stale) {
      this.loading ??= this.reload().finally(() => (this.loading = undefined));
      await this.loading;
    }
    this.list ??= [...this.entries.values()];
    return this.list;
  }

  /** File changes from the event socket; `truncated`: more changed than were listed. */
  changed(changes: readonly { kind: FileChangeKind; path: string; indexed?: boolean }[], truncated = false): void {
    // A .gitignore changed: which files are listed may have too (read again on next use).
    if (truncated || changes.some((c) => c.path === '.gitignore' || c.path.endsWith('/.gitignore'))) {
      this.stale = true;
      return;
    }
    for (const { kind, path, indexed } of changes) {
      if (kind === 'add') {
        // The server says whether its index would list it (.gitignore'd build output is not).
        if (indexed === false) continue;
        if (!this.entries.has(path)) this.entries.set(path, fuzzysort.prepare(path));
      } else if (kind === 'unlink') this.entries.delete(path);
      else if (kind === 'unlinkDir') {
        for (const key of [...this.entries.keys()]) if (key.startsWith(`${path}/`)) this.entries.delete(key);
      } else continue;
      this.list = undefined;
    }
  }

  /** After a reconnect anything may have changed: load again on next use. */
  invalidate(): void {
    this.stale = true;
  }

  private async reload(): Promise<void> {
    this.stale = false;
    try {
      const { files } = await this.load();
      this.entries.clear();
      for (const path of files) this.entries.set(path, fuzzysort.prepare(path));
      this.list = undefined;
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }
}

export interface QuickOpenHost {
  workspaceId: string;
  api: Api;
  openFile(path: string, line?: number): Promise<void>;
  /** The path of the active editor, when one is open. */
  activePath(): string | undefined;
  /** Subscribes to the active editor changing; returns the unsubscribe. */
  onDidChangeActive(listener: (path: string | undefined) => void): () => void;
  goToLine(line: number): boolean;
  onFileChanges(
    listener: (changes: readonly { kind: FileChangeKind; path: string; indexed?: boolean }[], truncated: boolean) => void,
  ): () => void;
  onReconnect(listener: () => void): () => void;
}

/** `src/app.ts:12` → the path and line 12. */
export function splitLine(filter: string): { query: string; line?: number } {
  const m = /^(.*?):(\d+)(?::\d+)?$/.exec(filter.trim());
  return m ? { query: (m[1] as string).trim(), line: Number(m[2]) } : { query: filter.trim() };
}

/** Quick open (Ctrl/Cmd+P): files by fuzzy path, recently opened first, `:line` to jump; `:` alone goes to a line. */
export function installQuickOpen(services: Services, host: QuickOpenHost): Disposable[] {
  const recent = new RecentList(`nimbus.recentFiles.${host.workspaceId}`, 50);
  const index = new FileIndex(() => host.api.get<FileIndexAnswer>(`/api/workspaces/${encodeURIComponent(host.workspaceId)}/files/index`));
  const remember = (path: string | undefined): void => {
    if (path) recent.add(path);
  };
  const item = (path: string, indexes?: readonly number[], recent = false): QuickPickItem => {
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    const highlights = indexes?.filter((i) => i > slash).map((i) => i - slash - 1);
    return {
      id: path,
      label: name,
      description: (slash >= 0 ? path.slice(0, slash) : '') + (recent ? '  · recently opened' : ''),
      ...(highlights?.length ? { highlights } : {}),
    };
  };
  return [
    toDisposable(host.onDidChangeActive(remember)),
    toDisposable(host.onFileChanges((changes, truncated) => index.changed(changes, truncated))),
    toDisposable(host.onReconnect(() => index.invalidate())),
    services.quickInput.registerProvider({
      prefix: '',
      placeholder: 'Search files by name (append :<line> to go to a line, > for commands)',
      provide: async (filter) => {
        const { query } = splitLine(filter);
        const recentFiles = recent.read().filter((p) => p !== host.activePath());
        if (!query) return recentFiles.map((p) => item(p, undefined, true));
        const targets = await index.targets();
        const recentRank = new Map(recentFiles.map((p, i) => [p, i]));
        const results = fuzzysort.go(query, targets, { limit: 200, threshold: 0.1 });
        // Recently opened files rank a little higher than an equal match elsewhere.
        const boost = (path: string): number => (recentRank.has(path) ? 0.15 - (recentRank.get(path) as number) / 1000 : 0);
        return [...results]
          .map((r) => ({ r, score: r.score + boost(r.target) }))
          .sort((a, b) => b.score - a.score)
          .map(({ r }) => item(r.target, r.indexes, recentRank.has(r.target)));
      },
      accept: async (picked, filter) => {
        const { line } = splitLine(filter);
        await host.openFile(picked.id, line);
      },
    }),
    services.quickInput.registerProvider({
      prefix: ':',
      placeholder: 'Type a line number to go to',
      provide: (filter) => {
        const line = Number(filter.trim());
        if (!host.activePath()) return [{ id: 'none', label: 'Open a file first to go to a line' }];
        return Number.isInteger(line) && line > 0
          ? [{ id: String(line), label: `Go to line ${line}` }]
          : [{ id: 'none', label: 'Type a line number' }];
      },
      accept: (picked) => {
        const line = Number(picked.id);
        if (Number.isInteger(line)) host.goToLine(line);
      },
    }),
    services.registerAction({
      id: 'workbench.action.quickOpen',
      title: 'Go to File…',
      keys: ['mod+p'],
      run: () => services.quickInput.show(''),
    }),
    services.registerAction({
      id: 'workbench.action.gotoLine',
      title: 'Go to Line/Column…',
      keys: ['ctrl+g'],
      run: () => services.quickInput.show(':'),
    }),
  ];
}
