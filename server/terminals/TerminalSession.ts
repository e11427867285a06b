import fs from 'node:fs';
import { spawn, type IPty } from 'node-pty';
import type { WebSocket } from 'ws';
import { TerminalCloseCode, type TerminalExitReason, type TerminalInfo } from '../../shared/protocol/terminal.js';
import type { Logger } from '../logger.js';
import type { ScreenMirror } from './mirror/MirrorThread.js';
import { holdSlave } from './holdSlave.js';
import { foregroundJob, killSession, listSession, processExists, readProc, shellOf } from './processes.js';
import { Viewer } from './Viewer.js';

export interface FlowOptions {
  /** A viewer with more unacknowledged output bytes than this pauses the pty... */
  high: number;
  /** ...until every viewer is back under this. */
  low: number;
  /** The same for bytes the screen mirror has not parsed yet. */
  mirrorHigh: number;
  mirrorLow: number;
  /** A viewer over `high` that acknowledges nothing for this long stops holding the pty back. */
  stallMs: number;
}

export const DEFAULT_FLOW: FlowOptions = { high: 1 << 20, low: 256 << 10, mirrorHigh: 2 << 20, mirrorLow: 512 << 10, stallMs: 10_000 };

/**
 * The largest output frame: fewer, bigger frames mean fewer syscalls, messages, wake-ups and
 * acknowledgements (128 KB measured 3-7 points nearer the direct pty rate than 64 KB, and less CPU on
 * every side; docs/benchmarks.md).
 */
export const MAX_FRAME = 128 * 1024;
/** What `nimbus-keep-awake` prints (OSC 777), followed by `on;<pid>` or `off;<pid>` and BEL. */
const KEEP_AWAKE = Buffer.from('\x1b]777;nimbus;keep-awake;');
/** Between a restored screen and the new shell's first prompt. */
const RESTORED_MARKER = '\x1b[0m\r\n\x1b[2m── restored after hibernation ──\x1b[0m\r\n';
/** A read this big means the program is streaming output: gather it for up to GATHER_MS. */
const STREAMING_READ = 2048;
const GATHER_MS = 3;
/** While paused, how often to look for a dead shell and stalled viewers. */
const PAUSED_POLL_MS = 20;
/** While the keep-awake toggle is on, how often to look whether its command started or ended. */
const KEEP_AWAKE_POLL_MS = 500;

export interface TerminalSessionOptions {
  id: string;
  name: string;
  /** What starts the shell: the workspace's sandbox wrapped around it. */
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  mirror: ScreenMirror;
  flow: FlowOptions;
  log: Logger;
  /** Called once, after the shell is gone and every viewer was told. */
  onEnded: (session: TerminalSession) => void;
  /** Called when the last viewer leaves, and with `false` when one arrives (grace period timer). */
  onViewersChanged: (session: TerminalSession, hasViewers: boolean) => void;
  /** Input typed or output printed: the workspace is in use (a build that prints keeps it awake). */
  onActivity: () => void;
  /** The screen of the terminal this one replaces after a hibernation: shown above a marker, first. */
  restoredScreen?: string;
  /** What `info` shows changed by itself (the keep-awake toggle turned off when its command ended). */
  onInfoChanged: (session: TerminalSession) => void;
}

/**
 * A shell in a pty, shared by every socket that views it.
 *
 * Output is read in chunks, gathered into frames, and fanned out to the mirror thread and to each
 * viewer. Flow control is credit-based: viewers acknowledge bytes their terminal processed, and
 * the pty is paused (so the program blocks on write) while any viewer or the mirror is too far behind.
 * Nothing is ever queued without bound.
 */
export class TerminalSession {
  readonly id: string;
  name: string;
  readonly createdAt = new Date().toISOString();
  cols: number;
  rows: number;
  private readonly pty: IPty;
  readonly pid: number;
  /** Our own handle on the pty's slave side, held until the shell's exit is handled (see holdSlave). */
  private slaveFd: number | undefined;
  private readonly viewers = new Set<Viewer>();
  /** Host pids of the `nimbus-keep-awake` commands running in this terminal. */
  private readonly keepAwakeBy = new Set<number>();
  /**
   * The tab's keep-awake toggle: `armed` waits at the prompt for the next command, `running` holds the
   * workspace up while that command (the foreground job) runs and turns itself off once it ends.
   */
  private keepAwakeToggle: { state: 'armed' | 'running'; job?: number; command?: string; by?: string } | undefined;
  private keepAwakeTimer: NodeJS.Timeout | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** An empty buffer left from a read-on that found nothing (see readMore). */
  private readBuffer: Buffer | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushImmediate: NodeJS.Immediate | undefined;
  private paused = false;
  private pollTimer: NodeJS.Timeout | undefined;
  /** The shell is known to be dead: read everything left regardless of flow control. */
  private draining = false;
  private endReason: TerminalExitReason = 'exited';
  private readonly exited: Promise<void>;
  private ending: Promise<void> | undefined;
  private ended = false;
  /** Resolves once the terminal is fully gone: viewers told, leftover processes killed, mirror freed. */
  readonly done: Promise<void>;
  private resolveDone: () => void = () => undefined;

  constructor(private readonly options: TerminalSessionOptions) {
    this.id = options.id;
    this.name = options.name;
    this.cols = options.cols;
    this.rows = options.rows;
    this.pty = spawn(options.command, options.args, {
      name: 'xterm-256color',
      cols: options.cols,
      rows: options.rows,
      cwd: options.cwd,
      env: options.env,
      encoding: null, // raw bytes: sent to sockets as they are, decoded only by terminals
    });
    this.pid = this.pty.pid;
    this.slaveFd = holdSlave(this.pty, options.log);
    // With `encoding: null` node-pty hands out Buffers, although its typings say string.
    this.pty.onData((chunk: string | Buffer) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    this.exited = new Promise((resolve) => {
      this.pty.onExit(({ exitCode, signal }) => {
        this.onExit(exitCode, signal);
        resolve();
      });
    });
    options.mirror.onProgress = () => this.updateFlow();
    // Before any of the new shell's output (which arrives on a later turn), in the same mirror.
    if (options.restoredScreen !== undefined) options.mirror.write(Buffer.from(options.restoredScreen + RESTORED_MARKER));
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get info(): TerminalInfo {
    const toggle = this.keepAwakeToggle;
    return {
      id: this.id,
      name: this.name,
      cols: this.cols,
      rows: this.rows,
      pid: this.pid,
      createdAt: this.createdAt,
      keepAwake: toggle
        ? {
            running: toggle.state === 'running',
            ...(toggle.command ? { command: toggle.command } : {}),
            ...(toggle.by ? { by: toggle.by } : {}),
          }
        : null,
    };
  }

  /** The shell's working folder now (in a sandbox the first process is bubblewrap, and the shell its child). */
  currentCwd(): string | undefined {
    const shell = shellOf(this.pid)?.pid;
    try {
      return shell === undefined ? undefined : fs.readlinkSync(`/proc/${shell}/cwd`);
    } catch {
      return undefined;
    }
  }

  /**
   * Whether this terminal holds the workspace up: a `nimbus-keep-awake` command runs here (one that
   * died without saying so does not count), or the toggle watches a command that has not ended.
   */
  get keepsAwake(): boolean {
    for (const pid of this.keepAwakeBy) if (!processExists(pid) || readProc(pid)?.state === 'Z') this.keepAwakeBy.delete(pid);
    if (this.keepAwakeToggle) this.checkKeepAwake();
    return this.keepAwakeBy.size > 0 || this.keepAwakeToggle?.state === 'running';
  }

  /**
   * The tab's toggle: "keep the workspace awake while the command running here runs". Turned on at
   * the prompt, it waits for the next command. It turns itself off when that command ends.
   */
  setKeepAwake(on: boolean, by?: string): void {
    if (this.isEnded || on === (this.keepAwakeToggle !== undefined)) return;
    clearInterval(this.keepAwakeTimer);
    this.keepAwakeTimer = undefined;
    if (!on) {
      this.keepAwakeToggle = undefined;
      return;
    }
    this.keepAwakeToggle = { state: 'armed', ...(by ? { by } : {}) };
    this.checkKeepAwake();
    if (this.keepAwakeToggle) {
      this.keepAwakeTimer = setInterval(() => this.checkKeepAwake(), KEEP_AWAKE_POLL_MS);
      this.keepAwakeTimer.unref();
    }
  }

  /** Moves the toggle along: armed → running when a command takes the foreground, off once it is gone. */
  private checkKeepAwake(): void {
    const toggle = this.keepAwakeToggle;
    if (!toggle) return;
    const shell = shellOf(this.pid);
    const job = shell ? foregroundJob(shell) : undefined;
    if (toggle.state === 'armed') {
      if (!job) return;
      toggle.state = 'running';
      toggle.job = job.pid;
      if (job.comm) toggle.command = job.comm;
    } else if (!job || job.pid !== toggle.job) {
      // Back at the prompt (or the shell went on to another job): the command it watched has ended.
      this.setKeepAwake(false);
    } else if (job.comm && job.comm !== toggle.command) {
      // First seen between the shell's fork and its exec, the job was still called after the shell.
      toggle.command = job.comm;
    } else return;
    this.options.onInfoChanged(this);
  }

  /** `nimbus-keep-awake` said it started or ended; it names itself by its pid as its own namespace sees it. */
  private noteKeepAwake(data: Buffer): void {
    for (let at = data.indexOf(KEEP_AWAKE); at >= 0; at = data.indexOf(KEEP_AWAKE, at + 1)) {
      const end = data.indexOf(0x07, at);
      if (end < 0 || end - at > 64) continue;
      const [what, pid] = data
        .subarray(at + KEEP_AWAKE.length, end)
        .toString('latin1')
        .split(';');
      const host = this.hostPid(Number(pid));
      if (host === undefined) continue;
      if (what === 'on') this.keepAwakeBy.add(host);
      else this.keepAwakeBy.delete(host);
    }
  }

  /** The host pid of a process of this terminal, from its pid inside the sandbox's PID namespace. */
  private hostPid(nsPid: number): number | undefined {
    if (!Number.isInteger(nsPid) || nsPid <= 0) return undefined;
    for (const p of listSession(this.pid)) {
      try {
        const line = /^NSpid:(.*)$/m
          .exec(fs.readFileSync(`/proc/${p.pid}/status`, 'latin1'))?.[1]
          ?.trim()
          .split(/\s+/);
        if (line && Number(line[line.length - 1]) === nsPid) return p.pid;
      } catch {
        // gone while we looked
      }
    }
    return undefined;
  }

  /** The screen and scrollback as the mirror holds them (serialized). */
  snapshot(): Promise<{ data: string; cols: number; rows: number }> {
    return this.options.mirror.snapshot();
  }

  get isEnded(): boolean {
    return this.ended || this.ending !== undefined;
  }

  /** A socket joins after `hello`; it gets a snapshot of the screen, then live output. */
  attach(ws: WebSocket, canWrite: boolean, size: { cols?: number; rows?: number }): Viewer | undefined {
    if (this.isEnded) return undefined;
    const viewer = new Viewer(ws, canWrite);
    if (canWrite && size.cols !== undefined && size.rows !== undefined) {
      viewer.size = { cols: size.cols, rows: size.rows };
      this.resizePty(size.cols, size.rows);
    }
    this.restore(viewer);
    this.viewers.add(viewer);
    if (this.viewers.size === 1) this.options.onViewersChanged(this, true);
    return viewer;
  }

  detach(viewer: Viewer): void {
    if (!this.viewers.delete(viewer)) return;
    this.updateFlow();
    if (this.viewers.size === 0 && !this.isEnded) this.options.onViewersChanged(this, false);
  }

  /** Returns false when the viewer may not type (read-only share). */
  input(viewer: Viewer, data: string, binary = false): boolean {
    if (!viewer.canWrite) return false;
    if (this.isEnded) return true;
    // The most recent writer's size wins: whoever types sees a pty that fits their screen.
    if (viewer.size) this.resizePty(viewer.size.cols, viewer.size.rows);
    this.pty.write(binary ? Buffer.from(data, 'latin1') : data);
    this.options.onActivity();
    return true;
  }

  resize(viewer: Viewer, cols: number, rows: number): boolean {
    if (!viewer.canWrite) return false;
    viewer.size = { cols, rows };
    this.resizePty(cols, rows);
    return true;
  }

  /** Returns false when the viewer acknowledges more than it was sent (a protocol error). */
  ack(viewer: Viewer, bytes: number): boolean {
    if (bytes > viewer.unacked) return false;
    viewer.unacked -= bytes;
    viewer.lastProgress = Date.now();
    if (viewer.state === 'behind' && viewer.unacked === 0 && !this.ended) this.restore(viewer);
    this.updateFlow();
    return true;
  }

  /** Kills every process of the terminal (close, workspace delete or hibernate, server shutdown). */
  dispose(reason: TerminalExitReason = 'stopped'): Promise<void> {
    this.ending ??= (async () => {
      this.endReason = reason;
      this.draining = true; // whatever the dying processes print is read, so nothing blocks on a full pty
      this.setPaused(false);
      await killSession(this.pid);
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 2000).unref());
      if ((await Promise.race([this.exited, timeout])) === 'timeout') {
        this.options.log.warn({ pid: this.pid }, 'terminal did not exit after its session was killed');
        this.pty.kill('SIGKILL');
        await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        if (!this.ended) this.onExit(undefined, 9);
      }
      await this.done;
    })();
    return this.ending;
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
    if (chunk.byteLength >= STREAMING_READ) this.readMore();
    if (this.pendingBytes >= MAX_FRAME) return this.flush();
    // The pty hands out about 4 KB per read. A short read (an echo, a prompt, the end of a burst)
    // goes out in this event-loop turn; big reads mean a stream, gathered for a few milliseconds
    // into bigger frames, which costs far less per byte for sockets, mirror and acknowledgements.
    if (chunk.byteLength < STREAMING_READ) {
      if (!this.flushImmediate) this.flushImmediate = setImmediate(() => this.flush());
    } else {
      this.flushTimer ??= setTimeout(() => this.flush(), GATHER_MS);
    }
  }

  /**
   * While a program streams output, read on from the pty right away, up to a frame, instead of one
   * event-loop turn per read: the kernel buffers only ~15 KB between the program and us, so every
   * turn spent elsewhere stalls it. A read can wait a moment in the kernel for its worker to move the
   * next 4 KB along (never for the program: the fd is non-blocking), so one call holds the event loop
   * for a millisecond or two at most.
   */
  private readMore(): void {
    const fd = (this.pty as IPty & { fd?: number }).fd;
    if (fd === undefined || this.paused || MAX_FRAME - this.pendingBytes < 4096) return;
    // Often there is nothing more yet: the buffer is then kept for the next try instead of reallocated.
    const buf = this.readBuffer ?? Buffer.allocUnsafe(MAX_FRAME);
    this.readBuffer = undefined;
    // Read after room for what is pending, which then moves in front: the frame is one buffer, sent
    // as it is instead of concatenated.
    let offset = this.pendingBytes;
    while (MAX_FRAME - offset >= 4096) {
      let n: number;
      try {
        n = fs.readSync(fd, buf, offset, MAX_FRAME - offset, null);
      } catch {
        break; // EAGAIN: nothing more for now (the pty is non-blocking); EIO: node-pty sees it too
      }
      if (n <= 0) break;
      offset += n;
    }
    if (offset === this.pendingBytes) {
      this.readBuffer = buf;
      return;
    }
    let at = 0;
    for (const piece of this.pending) {
      buf.set(piece, at);
      at += piece.byteLength;
    }
    this.pending = [buf.subarray(0, offset)];
    this.pendingBytes = offset;
  }

  /** Sends what was read so far to the mirror and the viewers, as one frame. */
  private flush(): void {
    clearTimeout(this.flushTimer);
    clearImmediate(this.flushImmediate);
    this.flushTimer = undefined;
    this.flushImmediate = undefined;
    if (this.pendingBytes === 0) return;
    const data = this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.options.mirror.write(data);
    this.options.onActivity();
    if (data.includes(KEEP_AWAKE)) this.noteKeepAwake(data);
    for (const viewer of this.viewers) viewer.output(data);
    this.updateFlow();
  }

  private restore(viewer: Viewer): void {
    this.flush(); // output read so far is in the snapshot; output read later follows it
    viewer.awaitSnapshot();
    void this.options.mirror.snapshot().then((snapshot) => {
      viewer.restored({ type: 'restore', terminal: this.info, readOnly: !viewer.canWrite, ...snapshot });
    });
  }

  private resizePty(cols: number, rows: number): void {
    if (this.isEnded || (cols === this.cols && rows === this.rows)) return;
    this.flush(); // output produced at the old size goes out before the resize message
    try {
      this.pty.resize(cols, rows);
    } catch (err) {
      this.options.log.warn({ err, cols, rows }, 'pty resize failed');
      return;
    }
    this.cols = cols;
    this.rows = rows;
    this.options.mirror.resize(cols, rows);
    for (const viewer of this.viewers) viewer.message({ type: 'resize', cols, rows });
  }

  private updateFlow(): void {
    if (this.ended || this.draining) return;
    const { high, low, mirrorHigh, mirrorLow } = this.options.flow;
    const mirror = this.options.mirror.pending;
    let worst = 0;
    for (const viewer of this.viewers) if (viewer.state !== 'behind') worst = Math.max(worst, viewer.unacked);
    if (!this.paused && (worst > high || mirror > mirrorHigh)) this.setPaused(true);
    else if (this.paused && worst <= low && mirror <= mirrorLow) this.setPaused(false);
    // Paused with the mirror behind: have its thread say when it is back under the low mark (it
    // reports nothing otherwise; the paused poll would notice too, later).
    if (this.paused && mirror > mirrorLow) {
      this.options.mirror.wakeBelow(mirrorLow);
      // The thread may have got there between the two reads (it stores its count, then reads ours).
      if (this.options.mirror.pending <= mirrorLow) queueMicrotask(() => this.updateFlow());
    }
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) {
      this.pty.pause();
      this.pollTimer = setInterval(() => this.whilePaused(), PAUSED_POLL_MS);
    } else {
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
      this.pty.resume();
    }
  }

  private whilePaused(): void {
    // node-pty waits only 200 ms after the shell exits for the pty to reach EOF, then drops what is
    // unread. A paused pty never reaches EOF, so the moment the shell is gone, read the rest.
    if (!processExists(this.pid)) {
      this.draining = true;
      this.setPaused(false);
      return;
    }
    const now = Date.now();
    for (const viewer of this.viewers) {
      if (viewer.state === 'live' && viewer.unacked > this.options.flow.high && now - viewer.lastProgress > this.options.flow.stallMs) {
        viewer.state = 'behind';
      }
    }
    // Also catches a mirror that caught up without being asked to say so (see updateFlow).
    this.updateFlow();
  }

  private onExit(exitCode: number | undefined, signal: number | undefined): void {
    if (this.ended) return;
    this.flush();
    this.ended = true;
    clearInterval(this.pollTimer);
    clearInterval(this.keepAwakeTimer);
    this.readBuffer = undefined;
    if (this.slaveFd !== undefined) fs.close(this.slaveFd, () => undefined);
    this.slaveFd = undefined;
    const closeCode = TerminalCloseCode.ended;
    const message = {
      type: 'exit' as const,
      reason: this.endReason,
      ...(exitCode !== undefined ? { exitCode } : {}),
      ...(signal ? { signal } : {}),
    };
    for (const viewer of this.viewers) {
      // A viewer that fell behind gets the final screen instead of the bytes it skipped.
      if (viewer.state === 'behind') this.restore(viewer);
      viewer.end(message, closeCode);
    }
    this.viewers.clear();
    // Background jobs the shell left behind die with the terminal.
    void killSession(this.pid)
      .then(() => this.options.mirror.close())
      .finally(() => {
        this.options.onEnded(this);
        this.resolveDone();
      });
  }
}
