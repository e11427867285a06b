import { dataDirsWithin } from './pathGuard.js';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { MAX_CHANGES_PER_EVENT, type FileChangeKind } from '../../shared/protocol/events.js';
import type { Logger } from '../logger.js';

export interface FileChange {
  kind: FileChangeKind;
  path: string;
}

/** Paths inside these folders are not watched (the folders themselves still show in the tree). */
const IGNORED_INSIDE = /[\\/](\.git|node_modules)[\\/]/;
const BATCH_MS = 50;

/**
 * Watches a workspace folder and reports changes in batches, whoever made them (the editor, a terminal,
 * git, another program). One per running workspace; disposed with it.
 */
export class FileWatcher {
  private readonly watcher: FSWatcher;
  private pending: FileChange[] = [];
  private truncated = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<(changes: FileChange[], truncated: boolean) => void>();
  readonly ready: Promise<void>;

  constructor(
    private readonly root: string,
    log: Logger,
  ) {
    // Nimbus's own data dir, when the workspace was opened from a folder that holds it: never watched.
    const hidden = dataDirsWithin(root, root).map((rel) => path.join(root, rel));
    this.watcher = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      ignored: (p: string) =>
        IGNORED_INSIDE.test(p.slice(root.length) + path.sep) || hidden.some((h) => p === h || p.startsWith(h + path.sep)),
    });
    this.ready = new Promise((resolve) => this.watcher.once('ready', () => resolve()));
    this.watcher.on('all', (event, abs) => {
      if (event !== 'add' && event !== 'addDir' && event !== 'change' && event !== 'unlink' && event !== 'unlinkDir') return;
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (!rel) return;
      this.queue({ kind: event, path: rel });
    });
    this.watcher.on('error', (err) => log.warn({ err, root }, 'file watcher error'));
  }

  onChange(listener: (changes: FileChange[], truncated: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async dispose(): Promise<void> {
    clearTimeout(this.timer);
    this.listeners.clear();
    await this.watcher.close();
  }

  private queue(change: FileChange): void {
    if (this.pending.length < MAX_CHANGES_PER_EVENT) this.pending.push(change);
    else this.truncated = true;
    this.timer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    const changes = this.pending;
    const truncated = this.truncated;
    this.pending = [];
    this.truncated = false;
    for (const listener of this.listeners) listener(changes, truncated);
  }
}
