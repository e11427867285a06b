import type { IncomingMessage } from 'node:http';
import { LambdaError, tooLarge } from '../errors.js';

export interface BodyLimits {
  /** Bodies one client address may have being read before their signature is checked. */
  perClient: number;
  /** Bytes all such bodies may hold together. */
  totalBytes: number;
  /** A body that sends nothing for this long is given up (the connection is closed). */
  idleMs: number;
}

export const DEFAULT_BODY_LIMITS: BodyLimits = { perClient: 8, totalBytes: 64 * 1024 * 1024, idleMs: 10_000 };

const busy = (): LambdaError =>
  new LambdaError(
    'TooManyRequestsException',
    429,
    'Too many requests are being read from this client.',
    { Reason: 'ConcurrentUnauthenticatedRequests' },
    { 'Retry-After': '1', Connection: 'close' },
  );

/**
 * SigV4 signs the body's hash, so a Lambda API request is authenticated only once its whole body is in:
 * until then, anyone who knows a workspace id can make the server hold a body. These are bounded: how
 * many per client address, how many bytes in all, and how long a body may stall. A declared length over
 * the operation's limit is refused before reading anything.
 */
export class UnauthenticatedBodies {
  private readonly perAddress = new Map<string, number>();
  private bytes = 0;

  constructor(private readonly limits: BodyLimits = DEFAULT_BODY_LIMITS) {}

  /** Bytes held right now (tests look). */
  get heldBytes(): number {
    return this.bytes;
  }

  read(req: IncomingMessage, limit: number): Promise<Buffer> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return Promise.reject(withClose(tooLarge(limit)));
    const address = req.socket.remoteAddress ?? '';
    const reading = this.perAddress.get(address) ?? 0;
    if (reading >= this.limits.perClient || this.bytes + declared > this.limits.totalBytes) return Promise.reject(busy());
    this.perAddress.set(address, reading + 1);
    let held = 0;
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let settled = false;
      const idle = setTimeout(
        () => finish(withClose(new LambdaError('RequestTimeoutException', 408, 'The request body was not received in time.'))),
        this.limits.idleMs,
      );
      idle.unref();
      const finish = (err: LambdaError | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(idle);
        this.bytes -= held;
        const left = (this.perAddress.get(address) ?? 1) - 1;
        if (left === 0) this.perAddress.delete(address);
        else this.perAddress.set(address, left);
        if (err) {
          req.removeAllListeners('data');
          req.resume(); // whatever else arrives is dropped, and the connection closes after the answer
          reject(err);
        } else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
      };
      req.on('data', (chunk: Buffer) => {
        if (settled) return;
        held += chunk.length;
        this.bytes += chunk.length;
        if (held > limit) return finish(withClose(tooLarge(limit)));
        if (this.bytes > this.limits.totalBytes) return finish(busy());
        chunks.push(chunk);
        idle.refresh();
      });
      req.on('end', () => finish(undefined));
      req.on('error', () => finish(withClose(tooLarge(limit))));
      req.on('close', () =>
        finish(withClose(new LambdaError('RequestTimeoutException', 408, 'The request was closed before its body was received.'))),
      );
    });
  }
}

function withClose(e: LambdaError): LambdaError {
  return new LambdaError(e.code, e.status, e.message, e.fields, { ...e.headers, Connection: 'close' });
}
