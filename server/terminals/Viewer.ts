import type { WebSocket } from 'ws';
import { encodeTerminalMessage, type TerminalServerMessage } from '../../shared/protocol/terminal.js';

/**
 * One socket watching a terminal.
 * - `awaiting`: a restore snapshot is being made; output and messages queue behind it, in order.
 * - `live`: output is sent as it is read.
 * - `behind`: it stopped acknowledging for too long; it gets no output (and no longer holds the pty
 *   back) until it has acknowledged everything sent, then a fresh snapshot brings it up to date.
 */
export class Viewer {
  state: 'awaiting' | 'live' | 'behind' = 'awaiting';
  /** Output bytes sent or queued for this socket and not yet acknowledged. */
  unacked = 0;
  /** Last time it acknowledged anything (or attached). */
  lastProgress = Date.now();
  /** The size this viewer wants (writers only); applied when it types or resizes. */
  size: { cols: number; rows: number } | undefined;
  /** Set once the terminal has ended: close with this code after the queue is sent. */
  private ending: number | undefined;
  private queue: (Buffer | string)[] = [];
  private toldReadOnly = false;

  constructor(
    readonly ws: WebSocket,
    readonly canWrite: boolean,
  ) {}

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  output(data: Buffer): void {
    if (this.state === 'behind' || !this.isOpen) return;
    this.unacked += data.byteLength;
    if (this.state === 'awaiting') this.queue.push(data);
    else this.ws.send(data, { binary: true });
  }

  message(message: TerminalServerMessage): void {
    const text = encodeTerminalMessage(message);
    if (this.state === 'awaiting') this.queue.push(text);
    else if (this.state === 'live' && this.isOpen) this.ws.send(text);
  }

  /** Called with the snapshot asked for when this viewer entered `awaiting`. */
  restored(restore: TerminalServerMessage): void {
    if (this.state !== 'awaiting') return;
    this.state = 'live';
    this.lastProgress = Date.now();
    if (!this.isOpen) return;
    this.ws.send(encodeTerminalMessage(restore));
    for (const item of this.queue) this.ws.send(item, { binary: typeof item !== 'string' });
    this.queue = [];
    if (this.ending !== undefined) this.ws.close(this.ending, 'terminal ended');
  }

  awaitSnapshot(): void {
    this.state = 'awaiting';
    this.queue = [];
  }

  /** Sends `message` after everything queued, then closes the socket. */
  end(message: TerminalServerMessage, code: number): void {
    this.message(message);
    if (this.state === 'awaiting') this.ending = code;
    else this.ws.close(code, 'terminal ended');
  }

  /** Read-only sockets are told once that their input is dropped (a client bug, not an attack, usually). */
  refuseInput(): void {
    if (this.toldReadOnly) return;
    this.toldReadOnly = true;
    this.message({ type: 'error', code: 'read_only', message: 'this share link is read-only: input and resize are ignored' });
  }
}
