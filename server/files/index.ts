import type { WorkspaceEvents, WorkspaceService } from '../workspaces/index.js';
import type { Logger } from '../logger.js';
import { indexFilter } from './fileIndex.js';
import { FileWatcher } from './FileWatcher.js';
import { fileRoutes } from './routes.js';

export { isExecutable } from './executable.js';
export { FileWatcher, type FileChange } from './FileWatcher.js';
export {
  assertOpenedInside,
  dataDirsWithin,
  isInside,
  isReachable,
  openInside,
  protectDataDir,
  protectedDataDirs,
  resolveInside,
} from './pathGuard.js';
export { writeFileAtomic } from './routes.js';

export interface FilesFeatureDeps {
  workspaces: WorkspaceService;
  events: WorkspaceEvents;
  uploadLimitBytes: number;
  log: Logger;
}

export const WATCHER_SERVICE = 'files.watcher';

/** The workspace's file watcher, started on first use and disposed with the workspace. */
export function fileWatcherOf(workspaces: WorkspaceService, workspaceId: string, log: Logger): FileWatcher {
  const runtime = workspaces.runtime(workspaceId);
  return runtime.service(WATCHER_SERVICE, () => new FileWatcher(runtime.root, log));
}

export function createFilesFeature({ workspaces, events, uploadLimitBytes, log }: FilesFeatureDeps) {
  // Every open IDE gets file changes: the watcher of a workspace starts when its first IDE connects.
  events.onConnect((workspaceId) => {
    const runtime = workspaces.runtime(workspaceId);
    if (runtime.peekService(WATCHER_SERVICE)) return;
    const watcher = fileWatcherOf(workspaces, workspaceId, log);
    // Added files say whether quick open's index lists them (.gitignore); batches go out in order.
    let previous = Promise.resolve();
    watcher.onChange((changes, truncated) => {
      previous = previous.then(async () => {
        const listed = indexFilter(runtime.root);
        const marked = await Promise.all(
          changes.map(async (c) => (c.kind === 'add' && !(await listed(c.path).catch(() => true)) ? { ...c, indexed: false } : c)),
        );
        events.publish(workspaceId, { type: 'files', changes: marked, ...(truncated ? { truncated } : {}) });
      });
    });
    // Until its first walk is done the watcher reports nothing, and a file made meanwhile (a woken workspace
    // whose terminal or function writes at once) would never reach the trees listed before: once it is
    // ready, every open IDE reads its tree again.
    void watcher.ready.then(() => {
      previous = previous.then(() => events.publish(workspaceId, { type: 'files', changes: [], truncated: true }));
    });
  });
  return fileRoutes({ workspaces, uploadLimitBytes, log });
}
