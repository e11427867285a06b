import {
  ACK_BATCH_BYTES,
  TERMINAL_PROTOCOL_VERSION,
  TerminalCloseCode,
  decodeTerminalServerMessage,
  encodeTerminalMessage,
  type TerminalClientMessage,
  type TerminalServerMessage,
} from '../../../shared/protocol/terminal.js';
import { REVOKED } from '../net/ReconnectingSocket.js';

export type ConnectionStatus = 'connecting' | 'online' | 'reconnecting' | 'ended';

export interface TerminalSink {
  /** Output bytes; call `done` once the terminal has processed them (that is what gets acknowledged). */
  output(data: Uint8Array, done: () => void): void;
  message(message: TerminalServerMessage): void;
  status(status: ConnectionStatus, detail?: string): void;
}

/** Characters per input message: far below the server's limits even if every one is escaped in JSON. */
const INPUT_CHUNK = 4096;
const ACK_DELAY_MS = 20;

/**
 * The terminal socket of one terminal: hello, acknowledgements, input, reconnect with backoff.
 * Each socket gets a new generation number, so a terminal still processing output that arrived on a
 * previous socket never acknowledges it on the new one (the server would call that a protocol error).
 */
export class TerminalConnection {
  private ws: WebSocket | undefined;
  private generation = 0;
  private pendingAck = 0;
  private ackTimer: number | undefined;
  private retry = 0;
  private retryTimer: number | undefined;
  private ended = false;

  constructor(
    private readonly url: string,
    private readonly sink: TerminalSink,
    private readonly size: () => { cols: number; rows: number } | undefined,
  ) {
    this.connect();
  }

  input(data: string, binary = false): void {
    let start = 0;
    while (start < data.length) {
      let end = Math.min(data.length, start + INPUT_CHUNK);
      const code = data.charCodeAt(end - 1);
      if (end < data.length && code >= 0xd800 && code <= 0xdbff) end--; // keep surrogate pairs whole
      this.send({ type: 'input', data: data.slice(start, end), ...(binary ? { binary } : {}) });
      start = end;
    }
  }

  resize(cols: number, rows: number): void {
    this.send({ type: 'resize', cols, rows });
  }

  /** Stops for good (tab closed). */
  dispose(): void {
    this.ended = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    this.ws?.close();
  }

  /** Reconnects now instead of waiting for the backoff (the network came back). */
  reconnectNow(): void {
    if (this.ended || this.ws?.readyState === WebSocket.OPEN || this.ws?.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.retryTimer);
    this.connect();
  }

  private send(message: TerminalClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(encodeTerminalMessage(message));
  }

  private connect(): void {
    const generation = ++this.generation;
    this.pendingAck = 0;
    clearTimeout(this.ackTimer);
    this.sink.status(this.retry === 0 ? 'connecting' : 'reconnecting');
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      const size = this.size();
      this.send({ type: 'hello', version: TERMINAL_PROTOCOL_VERSION, ...(size ?? {}) });
    };
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (generation !== this.generation) return;
      if (typeof event.data !== 'string') {
        const bytes = new Uint8Array(event.data);
        this.sink.output(bytes, () => this.processed(generation, bytes.byteLength));
        return;
      }
      const decoded = decodeTerminalServerMessage(event.data);
      if (!decoded.ok) return;
      if (decoded.message.type === 'restore') {
        this.retry = 0;
        this.sink.status('online');
      }
      this.sink.message(decoded.message);
    };
    ws.onclose = (event) => {
      if (generation !== this.generation || this.ended) return;
      const final: number[] = [
        TerminalCloseCode.ended,
        TerminalCloseCode.notFound,
        TerminalCloseCode.protocolError,
        TerminalCloseCode.tooBig,
        REVOKED,
      ];
      if (final.includes(event.code)) {
        this.ended = true;
        this.sink.status('ended', event.reason);
        return;
      }
      this.sink.status('reconnecting');
      const delay = Math.min(5000, 250 * 2 ** this.retry++);
      this.retryTimer = window.setTimeout(() => this.connect(), delay);
    };
  }

  private processed(generation: number, bytes: number): void {
    if (generation !== this.generation) return;
    this.pendingAck += bytes;
    if (this.pendingAck >= ACK_BATCH_BYTES) this.flushAck();
    else if (this.ackTimer === undefined) this.ackTimer = window.setTimeout(() => this.flushAck(), ACK_DELAY_MS);
  }

  private flushAck(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    if (this.pendingAck > 0) this.send({ type: 'ack', bytes: this.pendingAck });
    this.pendingAck = 0;
  }
}
