import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/core/event-streams';

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString('utf8'),
  (text) => Buffer.from(text, 'utf8'),
);

type MessageHeaders = Parameters<EventStreamCodec['encode']>[0]['headers'];

const event = (type: string, contentType: string): MessageHeaders => ({
  ':message-type': { type: 'string', value: 'event' },
  ':event-type': { type: 'string', value: type },
  ':content-type': { type: 'string', value: contentType },
});

/**
 * An InvokeWithResponseStream response: HTTP 200 with the function's content type, then AWS event
 * stream messages (`application/vnd.amazon.eventstream` framing, CRC-checked): PayloadChunk events and
 * one InvokeComplete. Encoded with the Smithy codec the AWS SDKs decode it with.
 */
export class EventStreamWriter {
  private started = false;

  constructor(private readonly res: ServerResponse) {}

  start(contentType: string, requestId?: string): void {
    if (this.started) return;
    this.started = true;
    this.res.writeHead(200, {
      'Content-Type': contentType || 'application/octet-stream',
      'X-Amz-Executed-Version': '$LATEST',
      ...(requestId ? { 'x-amzn-RequestId': requestId } : {}),
    });
    this.res.flushHeaders();
  }

  chunk(payload: Buffer): void {
    this.start('application/octet-stream');
    this.res.write(codec.encode({ headers: event('PayloadChunk', 'application/octet-stream'), body: payload }));
  }

  complete(details: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string }): void {
    this.start('application/octet-stream');
    this.res.end(codec.encode({ headers: event('InvokeComplete', 'application/json'), body: Buffer.from(JSON.stringify(details)) }));
  }
}
