import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Most output kept for one invocation; beyond it the oldest output is dropped (Tail needs only the end). */
const MAX_CHARS = 256 * 1024;

/** Collects a process's stdout and stderr, in arrival order, until taken. Bounded. */
export class LogCapture {
  private chunks: string[] = [];
  private size = 0;
  private dropped = false;

  attach(stream: Readable | null): void {
    if (!stream) return;
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => this.push(decoder.write(chunk)));
    stream.on('end', () => this.push(decoder.end()));
    stream.on('error', () => undefined);
  }

  /** Told of the output as it comes (a run view's live log), until set to undefined. */
  listener: ((text: string) => void) | undefined;

  push(text: string): void {
    if (!text) return;
    this.listener?.(text);
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > MAX_CHARS && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as string).length;
      this.dropped = true;
    }
  }

  /** Everything collected since the last take, then starts afresh. */
  take(): string {
    const text = (this.dropped ? '[earlier output dropped: more than 256 KB]\n' : '') + this.chunks.join('');
    this.chunks = [];
    this.size = 0;
    this.dropped = false;
    return text;
  }
}
