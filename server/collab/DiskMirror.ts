import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import type { DisposableStore } from '../workspaces/index.js';
import {
  DiskTextError,
  encodeText,
  hashBytes,
  readDiskText,
  sameStamp,
  statFile,
  writeDiskBytes,
  type DiskText,
  type FileStamp,
} from './diskText.js';
import type { AutoSave, AutoSaveSettings } from './autoSave.js';
import { RegisteredTimer } from './RegisteredTimer.js';
import { diffSplices, rebaseSplices, type Splice } from './textDiff.js';

export interface DiskMirrorDeps {
  /** The workspace folder: the file is read and written only where it really lies inside it. */
  root: string;
  abs: string;
  maxFileBytes: number;
  writeDebounceMs: number;
  writeMaxDelayMs: number;
  /** The workspace's auto save settings (`files.autoSave`, `files.autoSaveDelay`), when it has them. */
  autoSave?: AutoSaveSettings;
  registry: DisposableStore;
  log: Logger;
  /** The document's text now (LF). */
  text(): string;
  /** Applies outside edits to the document (in its current coordinates), as one transaction. */
  applyExternal(splices: Splice[]): void;
  /** Durable bookkeeping of what is on disk (SQLite), read back after a crash. */
  recordPending(hash: string, text: string): void;
  recordWritten(): void;
  recordDisk(disk: { hash: string; text: string } | undefined): void;
  /** The file turned into something a document cannot hold (binary, a folder, too large). */
  onUnreadable(err: DiskTextError): void;
  /** The file now holds exactly the document's text (after a write or a merge). */
  onInSync(): void;
}

/**
 * Keeps one file and one document in step; the server is the only place that reconciles them.
 * Document → disk: written debounced (and at most `writeMaxDelayMs` after the first unsaved change while
 * typing goes on), at once on save and unload, atomically, in the file's own line endings and BOM.
 * Disk → document: when the file changes under us, the change since the last version we knew
 * (`baseline`) is merged into the document as minimal splices, rebased over edits not yet written.
 * Every disk operation runs through one queue, so a write and a read of the same file never interleave.
 */
export class DiskMirror {
  private baseline = '';
  private exists = false;
  private eol: '\n' | '\r\n' = '\n';
  private bom = false;
  private hash: string | undefined;
  private stamp: FileStamp | undefined;
  private queue: Promise<void> = Promise.resolve();
  private firstUnsaved = 0;
  private lastChange = 0;
  private readonly timer: RegisteredTimer;

  constructor(private readonly deps: DiskMirrorDeps) {
    this.timer = new RegisteredTimer(deps.registry, () => this.onTimer());
  }

  /** What was read when the document loaded (undefined: no such file yet). */
  init(disk: DiskText | undefined): void {
    if (!disk) return;
    this.baseline = disk.text;
    this.exists = true;
    this.eol = disk.eol;
    this.bom = disk.bom;
    this.hash = disk.hash;
    this.stamp = disk.stamp;
  }

  get hasUnsavedChanges(): boolean {
    const text = this.deps.text();
    return this.exists ? text !== this.baseline : text !== '';
  }

  /** The document changed: write it soon. */
  scheduleWrite(): void {
    const now = Date.now();
    this.lastChange = now;
    if (!this.timer.armed) {
      this.firstUnsaved = now;
      const policy = this.deps.autoSave?.cached;
      this.timer.arm(policy?.mode === 'afterDelay' ? policy.delayMs : this.deps.writeDebounceMs);
    }
  }

  /** Writes now (Ctrl+S, unload, shutdown); resolves once the file holds the document's text. */
  flush(): Promise<void> {
    this.timer.cancel();
    return this.enqueue(() => this.write());
  }

  /** The watcher saw the file change (or it may have): merge whatever is different. */
  checkDisk(): Promise<void> {
    return this.enqueue(async () => {
      await this.readBack();
      if (!this.hasUnsavedChanges) this.deps.onInSync();
    });
  }

  /** The document is closing: no timer writes from now on (the close flushes once itself). */
  cancelTimers(): void {
    this.stopped = true;
    this.timer.cancel();
  }

  private stopped = false;

  /** An auto save is under way: its timer armed, or the settings being read and the file written. */
  get autoSavePending(): boolean {
    return this.timer.armed || this.deciding;
  }

  private deciding = false;

  private onTimer(): void {
    this.deciding = true;
    // The settings as the file says now (it may have changed since the timer was armed).
    const policy: Promise<AutoSave> = this.deps.autoSave
      ? this.deps.autoSave.current()
      : Promise.resolve({ mode: 'afterDelay', delayMs: this.deps.writeDebounceMs });
    void policy
      .then(async (autoSave) => {
        // Off: written when someone saves, or when the document closes (its last editor left, shutdown).
        if (autoSave.mode === 'off' || this.timer.armed || this.stopped) return;
        const now = Date.now();
        const due = Math.min(this.lastChange + autoSave.delayMs, this.firstUnsaved + Math.max(autoSave.delayMs, this.deps.writeMaxDelayMs));
        if (now < due) this.timer.arm(due - now);
        else await this.flush();
      })
      .catch((err: unknown) => this.deps.log.error({ err, file: this.deps.abs }, 'writing a document to disk failed'))
      .finally(() => (this.deciding = false));
  }

  private enqueue(op: () => Promise<void>): Promise<void> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async write(): Promise<void> {
    if (!this.hasUnsavedChanges) return;
    // Someone else may have written the file since we last looked: merge that first, never clobber it.
    if (!sameStamp(await statFile(this.deps.abs), this.stamp)) {
      await this.readBack();
      if (!this.hasUnsavedChanges) return;
    }
    const text = this.deps.text();
    const bytes = encodeText(text, this.eol, this.bom);
    const hash = hashBytes(bytes);
    this.deps.recordPending(hash, text);
    if (!this.exists) await fs.promises.mkdir(path.dirname(this.deps.abs), { recursive: true });
    this.stamp = await writeDiskBytes(this.deps.root, this.deps.abs, bytes);
    this.baseline = text;
    this.exists = true;
    this.hash = hash;
    this.deps.recordWritten();
    if (!this.hasUnsavedChanges) this.deps.onInSync();
  }

  private async readBack(): Promise<void> {
    // Our own write (or a touch that changed nothing we track): no need to read a big file back.
    if (this.exists && sameStamp(await statFile(this.deps.abs), this.stamp)) return;
    let disk: DiskText | undefined;
    try {
      disk = await readDiskText(this.deps.root, this.deps.abs, this.deps.maxFileBytes);
    } catch (err) {
      if (err instanceof DiskTextError) return this.deps.onUnreadable(err);
      throw err;
    }
    if (!disk) {
      if (!this.exists) return;
      // Deleted outside (git checkout, rm): the document follows, the same way it follows any other edit.
      this.merge('');
      this.exists = false;
      this.hash = undefined;
      this.stamp = undefined;
      this.deps.recordDisk(undefined);
      return;
    }
    this.stamp = disk.stamp;
    if (this.exists && disk.hash === this.hash) return;
    this.merge(disk.text);
    this.exists = true;
    this.eol = disk.eol;
    this.bom = disk.bom;
    this.hash = disk.hash;
    this.deps.recordDisk(disk);
  }

  private merge(diskText: string): void {
    const current = this.deps.text();
    const external = diffSplices(this.baseline, diskText);
    const local = current === this.baseline ? [] : diffSplices(this.baseline, current);
    if (external.length > 0) this.deps.applyExternal(rebaseSplices(external, local));
    this.baseline = diskText;
    // Unsaved typing survived the merge, so the file still lacks it.
    if (local.length > 0) this.scheduleWrite();
  }
}
