import { StringDecoder } from 'node:string_decoder';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../workerThread.js';
import type { Logger } from '../../logger.js';
import { PARSED, WAKE_AT, type FromMirror, type MirrorProgress, type ToMirror } from './messages.js';

export interface Snapshot {
  data: string;
  cols: number;
  rows: number;
}

/** How long the thread stays after its last terminal (starting it again takes 0.1–0.3 s of CPU). */
const IDLE_MS = 10 * 60 * 1000;
/** A mirror opened while the thread starts keeps what it is written, up to this, to answer snapshots meanwhile. */
const MAX_REPLAY_BYTES = 256 * 1024;
/**
 * ...and while it holds at most this many lines more than the mirror keeps (scrollback + rows): a
 * replay shows the lines the mirror already dropped off the top (a restored screen comes with its full
 * scrollback, then the marker and a prompt). Past that, the viewer waits for the thread.
 */
const REPLAY_SLACK_LINES = 100;

/**
 * The one screen-mirror thread of the server, shared by every terminal. It runs while some terminal is
 * open and for `idleMs` after the last one (a workspace that hibernates and wakes again soon, or a
 * terminal closed and opened again, finds it warm); a server with no terminals for that long runs no
 * thread.
 */
export class MirrorThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly mirrors = new Map<number, ScreenMirror>();
  private idleTimer: NodeJS.Timeout | undefined;
  /** The thread has loaded and answers at once (see ScreenMirror's replay log). */
  ready = false;
  private readyWaiters: (() => void)[] = [];

  /** Starts the thread if it is not running and resolves once it has loaded (it then stays its idle time). */
  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    this.ensureWorker();
    if (this.mirrors.size === 0 && !this.idleTimer) {
      this.idleTimer = setTimeout(() => this.stopIdle(), this.idleMs);
      this.idleTimer.unref();
    }
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  constructor(
    private readonly log: Logger,
    private readonly idleMs = IDLE_MS,
  ) {}

  open(cols: number, rows: number, scrollback: number): ScreenMirror {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const mirror = new ScreenMirror(this, this.nextId++, cols, rows, scrollback);
    this.mirrors.set(mirror.id, mirror);
    this.post(mirror.openMessage());
    if (!this.ready) mirror.keepReplay();
    return mirror;
  }

  get size(): number {
    return this.mirrors.size;
  }

  /** @internal used by ScreenMirror */
  post(message: ToMirror, transfer: ArrayBuffer[] = []): void {
    this.ensureWorker().postMessage(message, transfer);
  }

  async dispose(): Promise<void> {
    clearTimeout(this.idleTimer);
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    for (const mirror of this.mirrors.values()) mirror.lost();
    this.mirrors.clear();
    if (worker) await worker.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, 'mirrorWorker');
    worker.unref(); // terminals keep the server alive, not their mirror
    worker.on('message', (message: FromMirror) => this.onMessage(message));
    worker.on('error', (err) => this.log.error({ err }, 'terminal mirror thread failed'));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.ready = false;
      // Crashed: viewers keep their live output; restores start from an empty screen.
      this.log.error({ code }, 'terminal mirror thread exited; restarting it with empty screens');
      this.worker = undefined;
      const mirrors = [...this.mirrors.values()];
      for (const mirror of mirrors) mirror.lost();
      for (const mirror of mirrors) {
        if (mirror.isClosing) this.mirrors.delete(mirror.id);
        else this.post(mirror.openMessage());
      }
    });
    this.worker = worker;
    return worker;
  }

  private stopIdle(): void {
    this.idleTimer = undefined;
    if (this.mirrors.size > 0 || !this.worker) return;
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    void worker.terminate();
  }

  private onMessage(message: FromMirror): void {
    if (message.op === 'ready') {
      if (this.worker) this.ready = true;
      for (const mirror of this.mirrors.values()) mirror.dropReplay();
      for (const resolve of this.readyWaiters.splice(0)) resolve();
      return;
    }
    const mirror = this.mirrors.get(message.id);
    if (!mirror) return;
    if (message.op === 'written') mirror.onProgress();
    else if (message.op === 'snapshot') mirror.snapshotReady(message.req, { data: message.data, cols: message.cols, rows: message.rows });
    else {
      this.mirrors.delete(message.id);
      mirror.closedByThread();
      if (this.mirrors.size === 0 && this.worker) {
        clearTimeout(this.idleTimer);
        this.idleTimer = setTimeout(() => this.stopIdle(), this.idleMs);
        this.idleTimer.unref();
      }
    }
  }
}

/** One terminal's mirror: bytes go in, snapshots come out, in the order they were asked for. */
export class ScreenMirror {
  /** Called when the thread has caught up to what `wakeBelow` asked for. */
  onProgress: () => void = () => undefined;
  /**
   * What the thread has parsed, in shared memory: during a flood the thread posts nothing back, so
   * neither thread wakes the other once per batch just to count bytes.
   */
  readonly progress: MirrorProgress = new BigInt64Array(new SharedArrayBuffer(16));
  /** Bytes sent to the thread (since it was last (re)started). */
  private sent = 0;
  private nextReq = 1;
  private readonly snapshots = new Map<number, (snapshot: Snapshot) => void>();
  private closing: Promise<void> | undefined;
  private resolveClosed: () => void = () => undefined;
  /**
   * Every byte written since the mirror opened, kept only while the thread is still starting (a
   * terminal restored as its workspace wakes): replayed into a reset terminal of this size, it is the
   * screen (with at most REPLAY_SLACK_LINES more history), so a viewer need not wait for the thread.
   * Dropped once the thread is ready, on a resize, or past MAX_REPLAY_BYTES or the lines allowed.
   */
  private replay: { chunks: Buffer[]; bytes: number; lines: number } | undefined;

  constructor(
    private readonly thread: MirrorThread,
    readonly id: number,
    public cols: number,
    public rows: number,
    readonly scrollback: number,
  ) {}

  get isClosing(): boolean {
    return this.closing !== undefined;
  }

  /** Bytes sent to the thread that it has not parsed yet (flow control bounds this). */
  get pending(): number {
    return this.sent - Number(Atomics.load(this.progress, PARSED));
  }

  /** Asks for `onProgress` once at most `bytes` are left to parse (a pty paused for the mirror). */
  wakeBelow(bytes: number): void {
    Atomics.store(this.progress, WAKE_AT, BigInt(Math.max(1, this.sent - bytes)));
  }

  write(data: Buffer): void {
    if (this.closing) return;
    if (this.replay) {
      this.replay.bytes += data.byteLength;
      for (let at = data.indexOf(0x0a); at >= 0; at = data.indexOf(0x0a, at + 1)) this.replay.lines++;
      if (this.replay.bytes > MAX_REPLAY_BYTES || this.replay.lines > this.scrollback + this.rows + REPLAY_SLACK_LINES)
        this.replay = undefined;
      else this.replay.chunks.push(Buffer.from(data));
    }
    this.sent += data.byteLength;
    // A copy the thread can take over (transfer, not structured clone): sockets still hold `data`.
    const copy = new Uint8Array(data);
    this.thread.post({ op: 'write', id: this.id, data: copy }, [copy.buffer]);
  }

  resize(cols: number, rows: number): void {
    if (this.closing) return;
    this.cols = cols;
    this.rows = rows;
    this.replay = undefined; // bytes before the resize no longer replay to the same screen
    this.thread.post({ op: 'resize', id: this.id, cols, rows });
  }

  /** The screen after every byte written so far (and none written later). */
  snapshot(): Promise<Snapshot> {
    if (this.closing) return Promise.resolve({ data: '', cols: this.cols, rows: this.rows });
    const replayed = this.replayed();
    if (replayed !== undefined) return Promise.resolve({ data: replayed, cols: this.cols, rows: this.rows });
    const req = this.nextReq++;
    return new Promise((resolve) => {
      this.snapshots.set(req, resolve);
      this.thread.post({ op: 'snapshot', id: this.id, req });
    });
  }

  /** Answers the snapshots already asked for, then frees the mirror. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.resolveClosed = resolve;
      this.thread.post({ op: 'close', id: this.id });
    });
    return this.closing;
  }

  /** @internal opened while the thread starts: keep what is written (see `replay`) */
  keepReplay(): void {
    this.replay = { chunks: [], bytes: 0, lines: 0 };
  }

  /** @internal the thread is ready */
  dropReplay(): void {
    this.replay = undefined;
  }

  /** The replay log as text, unless it ends inside a UTF-8 character (then the thread answers). */
  private replayed(): string | undefined {
    if (!this.replay || this.thread.ready) return undefined;
    const decoder = new StringDecoder('utf8');
    const text = decoder.write(Buffer.concat(this.replay.chunks, this.replay.bytes));
    return decoder.end() === '' ? text : undefined;
  }

  /** @internal the message that (re)creates this mirror in a (new) thread */
  openMessage(): ToMirror {
    return { op: 'open', id: this.id, cols: this.cols, rows: this.rows, scrollback: this.scrollback, progress: this.progress };
  }

  /** @internal */
  snapshotReady(req: number, snapshot: Snapshot): void {
    const resolve = this.snapshots.get(req);
    this.snapshots.delete(req);
    resolve?.(snapshot);
  }

  /** @internal the thread is gone: nothing pending will ever be parsed. */
  lost(): void {
    // The restarted thread counts from zero again.
    this.sent = 0;
    Atomics.store(this.progress, PARSED, 0n);
    Atomics.store(this.progress, WAKE_AT, 0n);
    for (const resolve of this.snapshots.values()) resolve({ data: '', cols: this.cols, rows: this.rows });
    this.snapshots.clear();
    this.resolveClosed();
    this.onProgress();
  }

  /** @internal */
  closedByThread(): void {
    this.resolveClosed();
  }
}
