import * as decoding from 'lib0/decoding';
import type { RawData, WebSocket } from 'ws';
import { READ_ONLY_REASON, YCloseCode, YMessage } from '../../shared/protocol/yjs.js';
import type { Logger } from '../logger.js';
import type { Disposable } from '../workspaces/index.js';
import { AwarenessRejected } from './awarenessGuard.js';
import { SyncStep, writePermissionDenied, writeSaved, writeSyncStep1, writeSyncStep2 } from './messages.js';
import type { CollabOptions } from './options.js';
import type { DocPeer, SharedDoc } from './SharedDoc.js';

/** A client sending garbage is asked to resync at most this often. */
const RESYNC_INTERVAL_MS = 1000;

class Malformed extends Error {}

/**
 * One document socket. Frames that arrive before the document has loaded wait in a short queue, so no
 * sync message is ever answered from a half-loaded document. Anything malformed closes this socket
 * only; read-only sockets have their document updates dropped unread.
 */
export class DocConnection implements DocPeer, Disposable {
  readonly ids = new Set<number>();
  alive = true;
  wantsInSyncNotices = false;
  private pending: Uint8Array[] | undefined = [];
  private lastResync = 0;
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly doc: SharedDoc,
    readonly identity: string,
    readonly readOnly: boolean,
    private readonly options: CollabOptions,
    private readonly log: Logger,
  ) {
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  /** The document is loaded: greet the client and handle what it already sent. */
  start(): void {
    if (this.closed) return;
    this.send(writeSyncStep1(this.doc.doc));
    const awareness = this.doc.awarenessSnapshot();
    if (awareness) this.send(awareness);
    if (this.readOnly) this.send(writePermissionDenied(READ_ONLY_REASON));
    const queued = this.pending ?? [];
    this.pending = undefined;
    for (const frame of queued) if (!this.closed) this.handle(frame);
  }

  send(message: Uint8Array): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(YCloseCode.tryAgainLater, 'client too slow; reconnect to resync');
      return;
    }
    this.ws.send(message);
  }

  requestResync(): void {
    const now = Date.now();
    if (now - this.lastResync < RESYNC_INTERVAL_MS) return;
    this.lastResync = now;
    this.send(writeSyncStep1(this.doc.doc));
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = undefined;
    this.ws.close(code, reason);
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  /** Forgets the socket without a close frame (a dead peer that missed its pong). */
  terminate(): void {
    this.closed = true;
    this.ws.terminate();
  }

  dispose(): void {
    this.close(YCloseCode.goingAway, 'workspace stopped');
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary) return this.close(YCloseCode.malformed, 'document sockets speak binary y-protocols frames');
    // A copy: lib0 decoders read through `.buffer`, which for a pooled Buffer holds other data too.
    const frame = new Uint8Array(Array.isArray(data) ? Buffer.concat(data) : (data as Buffer));
    if (this.pending) {
      if (this.pending.length >= this.options.maxQueuedFrames)
        return this.close(YCloseCode.malformed, 'too many frames before the document loaded');
      this.pending.push(frame);
      return;
    }
    this.handle(frame);
  }

  private handle(frame: Uint8Array): void {
    try {
      this.dispatch(frame);
    } catch (err) {
      // Decoding errors from lib0/Yjs are plain Errors: whatever the cause, the frame is this client's.
      this.log.debug({ err: (err as Error).message }, 'malformed document frame');
      this.close(YCloseCode.malformed, err instanceof Malformed || err instanceof AwarenessRejected ? err.message : 'malformed message');
    }
  }

  private dispatch(frame: Uint8Array): void {
    const decoder = decoding.createDecoder(frame);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case YMessage.sync: {
        const step = decoding.readVarUint(decoder);
        const payload = decoding.readVarUint8Array(decoder);
        if (step === SyncStep.step1) {
          this.doc.flushPending();
          this.send(writeSyncStep2(this.doc.doc, payload));
        } else if (step === SyncStep.step2 || step === SyncStep.update) {
          if (!this.readOnly) this.doc.applyFromClient(payload, this, step === SyncStep.step2);
        } else throw new Malformed(`unknown sync message ${step}`);
        return;
      }
      case YMessage.awareness:
        this.doc.applyAwareness(decoding.readVarUint8Array(decoder), this);
        return;
      case YMessage.queryAwareness: {
        const snapshot = this.doc.awarenessSnapshot();
        if (snapshot) this.send(snapshot);
        return;
      }
      case YMessage.save: {
        const requestId = decoding.readVarUint(decoder);
        if (requestId === 0) {
          this.wantsInSyncNotices = true;
          return this.doc.subscribeInSync(this);
        }
        if (this.readOnly) return this.send(writeSaved(requestId, false));
        void this.doc.save().then((ok) => this.send(writeSaved(requestId, ok)));
        return;
      }
      default:
        throw new Malformed(`unknown message type ${type}`);
    }
  }
}
