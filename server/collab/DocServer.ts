import fs from 'node:fs';
import path from 'node:path';
import type { WebSocket } from 'ws';
import { YCloseCode } from '../../shared/protocol/yjs.js';
import type { Principal } from '../auth/index.js';
import { allows } from '../auth/index.js';
import { resolveInside, type FileWatcher } from '../files/index.js';
import { HttpError } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { Disposable, WorkspaceRuntime } from '../workspaces/index.js';
import { DocConnection } from './DocConnection.js';
import { DiskTextError } from './diskText.js';
import type { DocStore } from './DocStore.js';
import type { CollabOptions } from './options.js';
import { RegisteredTimer } from './RegisteredTimer.js';
import { AutoSaveSettings } from './autoSave.js';
import { SharedDoc } from './SharedDoc.js';

export interface DocServerDeps {
  runtime: WorkspaceRuntime;
  store: DocStore;
  /** The workspace's file watcher (shared with the files feature). */
  watcher: () => FileWatcher;
  options: CollabOptions;
  /** An edit was stored in one of the workspace's documents. */
  onActivity: () => void;
  log: Logger;
}

const closeCodeFor = (err: DiskTextError): number => (err.reason === 'too-large' ? YCloseCode.tooLarge : YCloseCode.unsupported);

/**
 * The documents of one workspace (a runtime service): opens a SharedDoc per file on first connect,
 * routes watcher events to them, pings sockets, and enforces the per-workspace bounds.
 */
export class DocServer implements Disposable {
  private readonly docs = new Map<string, SharedDoc>();
  /** Documents flushing on their way out; a new client of the same file waits for that to finish. */
  private readonly closing = new Map<string, Promise<void>>();
  private readonly connections = new Set<DocConnection>();
  /** Per share link: the documents its sockets hold, with how many sockets each. */
  private readonly heldByShare = new Map<string, Map<string, number>>();
  private readonly pinger: RegisteredTimer;
  private unwatch: (() => void) | undefined;
  private disposed = false;

  /** `files.autoSave` and `files.autoSaveDelay` of the workspace, for all its documents. */
  private readonly autoSave: AutoSaveSettings;

  constructor(private readonly deps: DocServerDeps) {
    this.pinger = new RegisteredTimer(deps.runtime.disposables, () => this.ping());
    this.autoSave = new AutoSaveSettings(deps.runtime.root, deps.options.writeDebounceMs);
  }

  /** Documents loaded: open, or closing until their last write is done. */
  get openDocuments(): number {
    return this.docs.size + this.closing.size;
  }

  /** Open documents whose auto save is waiting (its delay, or the decision whether to write). */
  get pendingAutoSaves(): number {
    return [...this.docs.values()].filter((d) => d.autoSavePending).length;
  }

  connect(ws: WebSocket, principal: Principal, requestedPath: string): void {
    const { runtime, options, log } = this.deps;
    let rel: string;
    let abs: string;
    try {
      ({ rel, abs } = this.canonical(requestedPath));
    } catch (err) {
      ws.close(YCloseCode.malformed, err instanceof HttpError ? err.message.slice(0, 120) : 'invalid path');
      return;
    }
    const readOnly = !allows(principal, runtime.id, 'write');
    let doc = this.docs.get(rel);
    // A read-only link cannot create a file, so a document of a file that is not there is of no use to it.
    if (readOnly && !doc && !fs.existsSync(abs)) {
      ws.close(YCloseCode.notFound, 'no such file');
      return;
    }
    const share = principal.role === 'owner' ? undefined : (principal.shareId ?? principal.role);
    const held = share === undefined ? undefined : (this.heldByShare.get(share) ?? new Map<string, number>());
    if (held && !held.has(rel) && held.size >= options.maxDocsPerShare) {
      ws.close(YCloseCode.tooMany, `a share link may have at most ${options.maxDocsPerShare} documents open`);
      return;
    }
    if (!doc) {
      const limit = share === undefined ? options.maxDocsPerWorkspace : Math.ceil((options.maxDocsPerWorkspace * 3) / 4);
      if (this.docs.size >= limit) {
        ws.close(YCloseCode.tooMany, `at most ${options.maxDocsPerWorkspace} documents may be open in a workspace`);
        return;
      }
      doc = this.open(rel, abs);
    }
    if (share !== undefined && held) {
      held.set(rel, (held.get(rel) ?? 0) + 1);
      this.heldByShare.set(share, held);
      ws.on('close', () => {
        const left = (held.get(rel) ?? 1) - 1;
        if (left > 0) held.set(rel, left);
        else held.delete(rel);
        if (held.size === 0) this.heldByShare.delete(share);
      });
    }
    if (doc.peers.size >= options.maxConnectionsPerDoc) {
      ws.close(YCloseCode.tooMany, `at most ${options.maxConnectionsPerDoc} clients may open one document`);
      return;
    }
    const identity = principal.shareId ?? principal.role;
    const conn = new DocConnection(ws, doc, identity, readOnly, options, log);
    runtime.disposables.add(conn);
    this.connections.add(conn);
    doc.add(conn);
    if (!this.pinger.armed) this.pinger.arm(options.pingIntervalMs);
    ws.on('close', () => {
      runtime.disposables.delete(conn);
      this.connections.delete(conn);
      if (this.connections.size === 0) this.pinger.cancel();
      doc.remove(conn);
    });
    const opened = doc;
    opened.ready.then(
      () => conn.start(),
      (err: unknown) => {
        if (err instanceof DiskTextError) conn.close(closeCodeFor(err), err.message);
        else {
          log.error({ err, path: rel }, 'loading a document failed');
          conn.close(YCloseCode.internal, 'loading the document failed');
        }
      },
    );
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.unwatch?.();
    this.pinger.cancel();
    await Promise.all([...this.docs.values()].map((doc) => doc.dispose()));
    await Promise.all(this.closing.values());
  }

  private open(rel: string, abs: string): SharedDoc {
    const { runtime, store, options, log } = this.deps;
    this.watch();
    const previous = this.closing.get(rel);
    const doc: SharedDoc = new SharedDoc({
      workspaceId: runtime.id,
      path: rel,
      root: runtime.root,
      abs,
      store,
      onActivity: this.deps.onActivity,
      registry: runtime.disposables,
      options,
      autoSave: this.autoSave,
      log,
      waitFor: previous,
      onClosing: (closed, done) => {
        if (this.docs.get(rel) === closed) this.docs.delete(rel);
        this.closing.set(rel, done);
        void done.then(() => {
          if (this.closing.get(rel) === done) this.closing.delete(rel);
        });
      },
      onUnreadable: (broken, err) => {
        for (const peer of [...broken.peers]) peer.close(closeCodeFor(err), err.message);
      },
    });
    this.docs.set(rel, doc);
    doc.ready.catch(() => void doc.close());
    return doc;
  }

  private watch(): void {
    if (this.unwatch || this.disposed) return;
    const watcher = this.deps.watcher();
    this.unwatch = watcher.onChange((changes, truncated) => {
      if (truncated) for (const doc of this.docs.values()) doc.checkDisk();
      else for (const change of changes) this.docs.get(change.path)?.checkDisk();
    });
    // Changes before the watcher finished its first scan are not reported: look at every open file once.
    void watcher.ready.then(() => {
      for (const doc of this.docs.values()) doc.checkDisk();
    });
  }

  /** The workspace-relative path with symlinks resolved, so two names of one file share one document. */
  private canonical(requested: string): { rel: string; abs: string } {
    const root = this.deps.runtime.root;
    const { abs, rel } = resolveInside(root, requested);
    if (!rel) throw new HttpError('the workspace root is not a file', 400);
    let real: string;
    try {
      real = fs.realpathSync(abs);
    } catch {
      return { rel, abs };
    }
    return { rel: path.relative(root, real).split(path.sep).join('/'), abs: real };
  }

  private ping(): void {
    for (const conn of this.connections) {
      if (!conn.alive) {
        conn.terminate();
        continue;
      }
      conn.alive = false;
      conn.ping();
    }
    if (this.connections.size > 0) this.pinger.arm(this.deps.options.pingIntervalMs);
  }
}
