import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { YCloseCode, YTEXT_NAME } from '../../shared/protocol/yjs.js';
import type { Logger } from '../logger.js';
import type { Disposable, DisposableStore } from '../workspaces/index.js';
import { filterAwarenessUpdate, releaseAwarenessIds, type AwarenessOwner } from './awarenessGuard.js';
import { DiskMirror } from './DiskMirror.js';
import { readDiskText, type DiskText, type DiskTextError } from './diskText.js';
import type { DocStore, StoredDoc } from './DocStore.js';
import type { AutoSaveSettings } from './autoSave.js';
import { writeAwareness, writeInSync, writeUpdate } from './messages.js';
import { RegisteredTimer } from './RegisteredTimer.js';
import type { CollabOptions } from './options.js';
import { diffSplices, rebaseSplices, type Splice } from './textDiff.js';
import { UpdateBatch, type IncomingUpdate } from './UpdateBatch.js';
import { checkUpdate } from './updateGuard.js';

/** A document due for compaction is compacted once nobody has edited it for this long. */
const COMPACT_QUIET_MS = 500;

/** Transaction origins the server uses itself; anything else is the DocConnection that sent the update. */
const LOAD = Symbol('load');
const DISK = Symbol('disk');
/** A batch with updates from several clients: everyone gets the merged update. */
const BATCH = Symbol('batch');

/** What a SharedDoc needs from a connection. */
export interface DocPeer extends AwarenessOwner {
  send(message: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Asks the client for a fresh sync step 2 (an update of theirs built on content we lack). */
  requestResync(): void;
  /** Asked (with `[100, 0]`) to hear whenever the file on disk catches up with the document. */
  readonly wantsInSyncNotices: boolean;
}

export interface SharedDocDeps {
  workspaceId: string;
  path: string;
  /** An edit (or an outside change) was stored: the workspace is in use. */
  onActivity: () => void;
  /** The workspace folder, and the file's absolute path in it. */
  root: string;
  abs: string;
  store: DocStore;
  registry: DisposableStore;
  options: CollabOptions;
  /** The workspace's auto save settings (one reader for all its documents). */
  autoSave?: AutoSaveSettings;
  log: Logger;
  /** A previous document of the same file that is still flushing: load after it is done. */
  waitFor?: Promise<void> | undefined;
  /** Told when the doc starts closing (last client gone, load failed, workspace stopped) with its end. */
  onClosing: (doc: SharedDoc, done: Promise<void>) => void;
  /** Told when the file cannot be a document any more; the DocServer closes clients with this code. */
  onUnreadable: (doc: SharedDoc, err: DiskTextError) => void;
}

/**
 * One open file: the Y.Doc every client of it edits, their awareness, SQLite persistence and the disk
 * mirror. Lives from the first client's connect until shortly after the last one leaves.
 */
/**
 * The text an outside change started from: what the server last wrote, or the write it had under way
 * when it died (the rename may or may not have happened), whichever is nearer the file now.
 */
function commonAncestor(stored: StoredDoc, fileText: string): string | undefined {
  const candidates = [stored.diskText, stored.pendingText].filter((t): t is string => t !== undefined);
  if (candidates.length < 2) return candidates[0];
  const distance = (t: string): number => diffSplices(t, fileText).reduce((n, s) => n + (s.end - s.start) + s.text.length, 0);
  return candidates.reduce((best, t) => (distance(t) < distance(best) ? t : best));
}

export class SharedDoc implements Disposable {
  readonly doc = new Y.Doc();
  readonly text = this.doc.getText(YTEXT_NAME);
  readonly awareness = new Awareness(this.doc);
  readonly peers = new Set<DocPeer>();
  readonly ready: Promise<void>;
  private readonly owners = new Map<number, AwarenessOwner>();
  private readonly disk: DiskMirror;
  private readonly unloadTimer: RegisteredTimer;
  private readonly compactTimer: RegisteredTimer;
  /** The document's row in the store; none yet for a file that does not exist until someone writes. */
  private rowId: number | undefined;
  /** Sequence number of the last update appended to the SQLite log. */
  private seq = 0;
  private sinceCompaction = 0;
  private closing: Promise<void> | undefined;
  private readonly batch = new UpdateBatch(
    (item) => this.applyAlone(item),
    (items) => this.applyBatch(items),
  );
  /** Persistence failed: the in-memory doc holds an update SQLite lacks; it must not reach the disk either. */
  private broken = false;

  constructor(private readonly deps: SharedDocDeps) {
    deps.registry.add(this);
    this.awareness.setLocalState(null);
    this.unloadTimer = new RegisteredTimer(deps.registry, () => void this.close());
    this.compactTimer = new RegisteredTimer(deps.registry, () => this.compact());
    this.disk = new DiskMirror({
      root: deps.root,
      abs: deps.abs,
      maxFileBytes: deps.options.maxFileBytes,
      writeDebounceMs: deps.options.writeDebounceMs,
      writeMaxDelayMs: deps.options.writeMaxDelayMs,
      ...(deps.autoSave ? { autoSave: deps.autoSave } : {}),
      registry: deps.registry,
      log: deps.log,
      text: () => this.text.toString(),
      applyExternal: (splices) => this.applySplices(splices),
      recordPending: (hash, text) => this.deps.store.setPending(this.storedId(), hash, text),
      recordWritten: () => this.deps.store.pendingWritten(this.storedId()),
      recordDisk: (disk) => this.deps.store.setDisk(this.storedId(), disk),
      onUnreadable: (err) => this.deps.onUnreadable(this, err),
      onInSync: () => this.announceInSync(),
    });
    this.awareness.on('update', this.onAwarenessUpdate);
    this.ready = this.load();
    // A failed load is reported to each connection through `ready`; this only keeps it from being "unhandled".
    this.ready.catch(() => undefined);
  }

  /** A write of its file to disk is waiting for the auto save delay (or deciding whether to write). */
  get autoSavePending(): boolean {
    return this.disk.autoSavePending;
  }

  add(peer: DocPeer): void {
    this.unloadTimer.cancel();
    this.peers.add(peer);
  }

  remove(peer: DocPeer): void {
    if (!this.peers.delete(peer)) return;
    const ids = releaseAwarenessIds(peer, this.owners);
    if (ids.length > 0) removeAwarenessStates(this.awareness, ids, peer);
    if (this.peers.size === 0 && !this.closing) this.unloadTimer.arm(this.deps.options.unloadGraceMs);
  }

  /** An update (or, with `step2`, a sync step 2) from a client with write access. */
  applyFromClient(update: Uint8Array, peer: DocPeer, step2 = false): void {
    const verdict = checkUpdate(this.doc, update, this.batch.reach);
    if (verdict.kind === 'resync') return peer.requestResync();
    if (verdict.kind === 'reject') return peer.close(YCloseCode.malformed, verdict.reason);
    this.batch.add({ update, from: peer, step2 }, verdict.reach);
  }

  applyAwareness(update: Uint8Array, peer: DocPeer): void {
    const { maxAwarenessIdsPerConnection: maxIds, maxAwarenessStateBytes: maxStateBytes } = this.deps.options;
    const allowed = filterAwarenessUpdate(update, peer, this.owners, { maxIds, maxStateBytes });
    if (allowed) applyAwarenessUpdate(this.awareness, allowed, peer);
  }

  awarenessSnapshot(): Uint8Array | undefined {
    const ids = [...this.awareness.getStates().keys()];
    return ids.length > 0 ? writeAwareness(encodeAwarenessUpdate(this.awareness, ids)) : undefined;
  }

  /** Writes the file now; false if that failed. */
  async save(): Promise<boolean> {
    try {
      await this.disk.flush();
      return true;
    } catch (err) {
      this.deps.log.error({ err, path: this.deps.path }, 'saving a document failed');
      return false;
    }
  }

  /** A client subscribed to in-sync notices: tell it at once if the file is already current. */
  subscribeInSync(peer: DocPeer): void {
    if (!this.disk.hasUnsavedChanges) peer.send(writeInSync(this.doc));
  }

  private announceInSync(): void {
    let message: Uint8Array | undefined;
    for (const peer of this.peers) if (peer.wantsInSyncNotices) peer.send((message ??= writeInSync(this.doc)));
  }

  checkDisk(): void {
    if (this.closing) return;
    this.ready
      .then(() => this.disk.checkDisk())
      .catch((err: unknown) => this.deps.log.warn({ err, path: this.deps.path }, 'reading a changed file failed'));
  }

  /** Flushes to disk, compacts, releases the Y.Doc. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) {
      this.closing = this.closeNow();
      this.deps.onClosing(this, this.closing);
    }
    return this.closing;
  }

  async dispose(): Promise<void> {
    for (const peer of [...this.peers]) peer.close(YCloseCode.goingAway, 'workspace stopped');
    await this.close();
  }

  private async load(): Promise<void> {
    await this.deps.waitFor;
    const disk = await readDiskText(this.deps.root, this.deps.abs, this.deps.options.maxFileBytes);
    if (this.closing) return;
    const stored = this.deps.store.load(this.deps.workspaceId, this.deps.path);
    this.disk.init(disk);
    if (!stored) {
      // First time anyone opens this file: the document starts as the file. This is the only seeding,
      // ever; afterwards the persisted document is the identity clients' Y.Docs merge with.
      // A path with no file stores nothing until the first edit (opening names costs no rows).
      if (disk) {
        this.text.insert(0, disk.text);
        this.rowId = this.deps.store.create(this.deps.workspaceId, this.deps.path, Y.encodeStateAsUpdate(this.doc), disk);
      }
      return;
    }
    this.rowId = stored.id;
    this.seq = stored.lastSeq;
    this.doc.transact(() => {
      for (const update of stored.updates) Y.applyUpdate(this.doc, update, LOAD);
    }, LOAD);
    this.reconcile(stored, disk);
  }

  /** The persisted document and the file may disagree after a crash or an outside change while unloaded. */
  private reconcile(stored: StoredDoc, disk: DiskText | undefined): void {
    const ours = disk !== undefined && (disk.hash === stored.diskHash || disk.hash === stored.pendingHash);
    const neverWritten = disk === undefined && stored.diskHash === undefined;
    if (ours || neverWritten) {
      // The file is a version we wrote: the document is newer (edits not yet written when we stopped).
      if (disk && disk.hash !== stored.diskHash) this.deps.store.setDisk(this.storedId(), disk);
      if (this.disk.hasUnsavedChanges) this.disk.scheduleWrite();
      return;
    }
    // Changed outside while nobody had it open, or while the server was down with edits not yet written:
    // a three-way merge applies only the outside change (the file as we last wrote it → the file now),
    // so the document's own edits since survive. A deleted file, or one too big to keep a copy of, wins.
    const text = this.text.toString();
    const base = disk ? commonAncestor(stored, disk.text) : undefined;
    if (disk && base !== undefined) this.applySplices(rebaseSplices(diffSplices(base, disk.text), diffSplices(base, text)));
    else this.applySplices(diffSplices(text, disk?.text ?? ''));
    this.deps.store.setDisk(this.storedId(), disk);
    if (this.disk.hasUnsavedChanges) this.disk.scheduleWrite();
  }

  private applySplices(splices: Splice[]): void {
    if (splices.length === 0) return;
    this.withUpdates(() =>
      this.doc.transact(() => {
        for (let i = splices.length - 1; i >= 0; i--) {
          const s = splices[i] as Splice;
          if (s.end > s.start) this.text.delete(s.start, s.end - s.start);
          if (s.text) this.text.insert(s.start, s.text);
        }
      }, DISK),
    );
  }

  /**
   * Runs `change` with `onUpdate` listening: Yjs encodes a transaction's update only while someone
   * listens, and a lone edit (applyAlone) needs none, so the listener is there only for these.
   */
  private withUpdates(change: () => void): void {
    this.doc.on('update', this.onUpdate);
    try {
      change();
    } finally {
      this.doc.off('update', this.onUpdate);
    }
  }

  /**
   * A lone edit (the first update of its event-loop turn), the latency path of typing. The guard has
   * checked that it decodes and builds only on what the document holds, so the client's own bytes are
   * forwarded as they came, committed to SQLite in the same synchronous step, and only then integrated
   * here: readers wait neither for the server's Yjs to integrate and re-encode an edit they integrate
   * themselves, nor for the commit. A kill -9 landing between the send and the commit (one SQLite insert,
   * tens of microseconds) can leave that one update out of the store; every client that has it sends it
   * back in its sync step 2 when it reconnects. A sync step 2 goes the batch way instead: it is mostly
   * content the document has, and Yjs's update carries only what is new.
   */
  private applyAlone(item: IncomingUpdate): void {
    if (item.step2) return this.applyBatch([item]);
    const { update, from } = item;
    if (this.broken) return;
    const message = writeUpdate(update);
    for (const peer of this.peers) if (peer !== from) peer.send(message);
    // Committed in the same synchronous step, before anything else runs (the documented window).
    const seq = this.persist(update);
    if (seq === undefined) return;
    try {
      Y.applyUpdate(this.doc, update, from); // nobody listens to 'update' here: Yjs does not re-encode it
    } catch (err) {
      // Not expected after the guard: the stored copy goes, so a reload does not trip over it either.
      this.deps.log.error({ err, path: this.deps.path }, 'a checked update failed to apply after it was forwarded');
      this.deps.store.remove(this.storedId(), seq);
      from.close(YCloseCode.malformed, 'update could not be applied');
      return;
    }
    this.disk.scheduleWrite();
  }

  /** One transaction for the whole batch: Yjs emits one merged update for it (see UpdateBatch). */
  private applyBatch(items: IncomingUpdate[]): void {
    const first = items[0]?.from;
    const origin = items.every((i) => i.from === first) ? first : BATCH;
    this.withUpdates(() =>
      this.doc.transact(() => {
        for (const { update, from } of items) {
          try {
            Y.applyUpdate(this.doc, update, from);
          } catch (err) {
            this.deps.log.warn({ err, path: this.deps.path }, 'a checked update failed to apply');
            from.close(YCloseCode.malformed, 'update could not be applied');
          }
        }
      }, origin),
    );
  }

  /** Bursts and the server's own changes (outside edits): persisted first, then sent to everyone. */
  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (this.broken) return;
    if (this.persist(update) === undefined) return;
    const message = writeUpdate(update);
    for (const peer of this.peers) if (peer !== origin) peer.send(message);
    if (origin !== DISK) this.disk.scheduleWrite();
  };

  /** Appends an update to the SQLite log; returns its sequence number, or undefined if storage failed. */
  private persist(update: Uint8Array): number | undefined {
    try {
      this.deps.store.append(this.storedId(), ++this.seq, update);
      this.deps.onActivity();
    } catch (err) {
      // Not persisted, so nobody may see it: drop everyone; their clients resend it after reconnecting.
      this.broken = true;
      this.deps.log.error({ err, path: this.deps.path }, 'persisting a document update failed');
      for (const peer of [...this.peers]) peer.close(YCloseCode.internal, 'document storage failed');
      void this.close();
      return undefined;
    }
    // Compaction (a few milliseconds) waits for a pause in typing, unless the log has grown far beyond.
    const { compactAfterUpdates } = this.deps.options;
    if (++this.sinceCompaction >= compactAfterUpdates)
      this.compactTimer.arm(this.sinceCompaction >= 4 * compactAfterUpdates ? 0 : COMPACT_QUIET_MS);
    return this.seq;
  }

  /** Applies the updates accepted in the current turn now (see UpdateBatch). */
  flushPending(): void {
    this.batch.flush();
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = added.concat(updated, removed);
    const message = writeAwareness(encodeAwarenessUpdate(this.awareness, changed));
    for (const peer of this.peers) if (peer !== origin) peer.send(message);
  };

  /** The row, created on first need (the document's first edit, or the file appearing). */
  private storedId(): number {
    this.rowId ??= this.deps.store.create(this.deps.workspaceId, this.deps.path, Y.encodeStateAsUpdate(this.doc), undefined);
    return this.rowId;
  }

  private compact(): void {
    if (this.rowId === undefined || this.sinceCompaction === 0) return;
    this.deps.store.compact(this.rowId, Y.encodeStateAsUpdate(this.doc));
    this.sinceCompaction = 0;
  }

  private async closeNow(): Promise<void> {
    this.batch.flush();
    this.unloadTimer.cancel();
    this.compactTimer.cancel();
    this.disk.cancelTimers();
    try {
      const loaded = await this.ready.then(
        () => true,
        () => false,
      );
      if (loaded && !this.broken) {
        await this.disk.flush();
        this.compact();
      }
    } catch (err) {
      this.deps.log.error({ err, path: this.deps.path }, 'flushing a document on close failed');
    } finally {
      for (const peer of [...this.peers]) peer.close(YCloseCode.goingAway, 'document closed');
      this.awareness.off('update', this.onAwarenessUpdate);
      this.awareness.destroy();
      this.doc.destroy();
      this.deps.registry.delete(this);
    }
  }
}
