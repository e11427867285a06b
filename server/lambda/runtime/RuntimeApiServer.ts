import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Lambda's response limit: 6 MB plus the 100 bytes its error messages quote (6291556). */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100;
/** A streamed response may be larger: Lambda's soft limit is 20 MB. */
export const MAX_STREAMED_BYTES = 20 * 1024 * 1024;
const MAX_ERROR_BYTES = 1024 * 1024;
const PREFIX = '/2018-06-01/runtime';

/** An invocation as the runtime receives it from `GET /invocation/next`. */
export interface Delivery {
  requestId: string;
  payload: Buffer;
  invokedFunctionArn: string;
  traceId: string;
  /** Decoded JSON text of X-Amz-Client-Context. */
  clientContext?: string;
  /** The function's timeout; the deadline the runtime sees is counted from the hand-over. */
  timeoutMs: number;
  /** The tenant of a function with tenant isolation (X-Amz-Tenant-Id). */
  tenantId?: string;
  /** Told each piece of a streamed response as the function writes it. */
  onChunk?: (chunk: Buffer, contentType: string) => void;
  /** Told the function's output as it writes it (secrets already masked). */
  onLog?: (text: string) => void;
}

/** What the runtime answered for one invocation. */
export interface RuntimeResult {
  kind: 'response' | 'error';
  payload: Buffer;
  errorType?: string;
  /** Set when the function streamed its response: the Content-Type it set. */
  streamedContentType?: string;
}

export interface RuntimeApiEvents {
  /** Whether the process connecting from 127.0.0.1:`clientPort` is the environment's own (others are cut off). */
  isOwnPeer(clientPort: number, serverPort: number): boolean;
  onFirstNext(): void;
  onDelivered(requestId: string): void;
  onInitError(errorType: string, payload: Buffer): void;
  onResult(requestId: string, result: RuntimeResult): void;
}

const json = (res: http.ServerResponse, status: number, body: object): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
};

/**
 * The public Lambda Runtime API for one execution environment, on its own loopback port
 * (AWS_LAMBDA_RUNTIME_API): `next` long-polls until there is an invocation; `response`, `error` and
 * `init/error` report back. Only the invocation in flight may be answered, and only by the
 * environment's own processes (`isOwnPeer`).
 */
export class RuntimeApiServer {
  private waiting: http.ServerResponse | undefined;
  private offered: Delivery | undefined;
  private inFlight: string | undefined;
  private inFlightDelivery: Delivery | undefined;
  private initialized = false;

  private constructor(
    private readonly server: http.Server,
    private readonly events: RuntimeApiEvents,
  ) {}

  static async start(events: RuntimeApiEvents): Promise<RuntimeApiServer> {
    const server = http.createServer({ noDelay: true, keepAliveTimeout: 0, requestTimeout: 0 });
    const api = new RuntimeApiServer(server, events);
    server.on('connection', (socket: Socket) => {
      // Checked once per connection (the runtimes keep theirs open): any other process that found the
      // port gets nothing, neither an invocation nor a say in its result.
      if (socket.remotePort === undefined || !events.isOwnPeer(socket.remotePort, socket.localPort ?? 0)) socket.destroy();
    });
    server.on('request', (req, res) => api.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return api;
  }

  get address(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Hands the invocation to a waiting `next`, or keeps it for the next one. */
  offer(delivery: Delivery): void {
    this.offered = delivery;
    if (this.waiting) this.deliver();
  }

  close(): void {
    this.server.close();
    this.server.closeAllConnections();
  }

  private deliver(): void {
    const res = this.waiting;
    const d = this.offered;
    if (!res || !d) return;
    this.waiting = undefined;
    this.offered = undefined;
    this.inFlight = d.requestId;
    this.inFlightDelivery = d;
    this.events.onDelivered(d.requestId);
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/json',
      'Content-Length': d.payload.length,
      'Lambda-Runtime-Aws-Request-Id': d.requestId,
      'Lambda-Runtime-Deadline-Ms': Date.now() + d.timeoutMs,
      'Lambda-Runtime-Invoked-Function-Arn': d.invokedFunctionArn,
      'Lambda-Runtime-Trace-Id': d.traceId,
    };
    if (d.clientContext) headers['Lambda-Runtime-Client-Context'] = d.clientContext;
    if (d.tenantId) headers['Lambda-Runtime-Aws-Tenant-Id'] = d.tenantId;
    res.writeHead(200, headers);
    res.end(d.payload);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      if (!this.initialized) {
        this.initialized = true;
        this.events.onFirstNext();
      }
      this.waiting = res;
      res.once('close', () => {
        if (this.waiting === res) this.waiting = undefined;
      });
      this.deliver();
      return;
    }
    const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
    if (req.method === 'POST' && m) {
      const requestId = m[1] as string;
      const kind = m[2] as 'response' | 'error';
      if (requestId !== this.inFlight) {
        req.resume();
        return json(res, 400, { errorMessage: `Invalid request ID: ${requestId}`, errorType: 'InvalidRequestID' });
      }
      if (kind === 'response' && req.headers['lambda-runtime-function-response-mode'] === 'streaming')
        return this.readStream(req, res, requestId);
      this.readBody(req, kind === 'response' ? MAX_RESPONSE_BYTES : MAX_ERROR_BYTES, (body) => {
        if (this.inFlight !== requestId)
          return json(res, 400, { errorMessage: `Invalid request ID: ${requestId}`, errorType: 'InvalidRequestID' });
        this.inFlight = undefined;
        this.inFlightDelivery = undefined;
        if (body === undefined) {
          json(res, 413, {
            errorMessage: `Exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
            errorType: 'RequestEntityTooLarge',
          });
          const message = `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`;
          return this.events.onResult(requestId, {
            kind: 'error',
            errorType: 'Function.ResponseSizeTooLarge',
            payload: Buffer.from(JSON.stringify({ errorMessage: message, errorType: 'Function.ResponseSizeTooLarge' })),
          });
        }
        json(res, 202, { status: 'OK' });
        if (kind === 'response') this.events.onResult(requestId, { kind, payload: body });
        else this.events.onResult(requestId, { kind, ...errorResult(req, body) });
      });
      return;
    }
    if (req.method === 'POST' && url === `${PREFIX}/init/error`) {
      this.readBody(req, MAX_ERROR_BYTES, (body) => {
        json(res, 202, { status: 'OK' });
        const e = errorResult(req, body ?? Buffer.alloc(0));
        this.events.onInitError(e.errorType, e.payload);
      });
      return;
    }
    req.resume();
    json(res, 404, { errorMessage: `no such Runtime API route: ${req.method} ${url}`, errorType: 'NotFound' });
  }

  /**
   * A streamed response: each chunk goes on to whoever waits for it as it arrives; the whole (up to the
   * streaming limit) is the invocation's payload. An error the function raised after it began writing
   * comes as trailers.
   */
  private readStream(req: http.IncomingMessage, res: http.ServerResponse, requestId: string): void {
    const onChunk = this.inFlightDelivery?.onChunk;
    const contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over || this.inFlight !== requestId) return;
      size += chunk.length;
      if (size > MAX_STREAMED_BYTES) {
        over = true;
        return;
      }
      chunks.push(chunk);
      onChunk?.(chunk, contentType);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (this.inFlight !== requestId)
        return json(res, 400, { errorMessage: `Invalid request ID: ${requestId}`, errorType: 'InvalidRequestID' });
      this.inFlight = undefined;
      this.inFlightDelivery = undefined;
      json(res, 202, { status: 'OK' });
      const errorType = req.trailers['lambda-runtime-function-error-type'];
      if (over) {
        const message = `Response payload size exceeded maximum allowed payload size (${MAX_STREAMED_BYTES} bytes).`;
        return this.events.onResult(requestId, {
          kind: 'error',
          errorType: 'Function.ResponseSizeTooLarge',
          payload: Buffer.from(JSON.stringify({ errorMessage: message, errorType: 'Function.ResponseSizeTooLarge' })),
        });
      }
      if (errorType) {
        const encoded = req.trailers['lambda-runtime-function-error-body'];
        const body = encoded ? Buffer.from(encoded, 'base64') : Buffer.from(JSON.stringify({ errorType, errorMessage: '' }));
        return this.events.onResult(requestId, { kind: 'error', errorType, payload: body, streamedContentType: contentType });
      }
      this.events.onResult(requestId, { kind: 'response', payload: Buffer.concat(chunks), streamedContentType: contentType });
    });
  }

  /** Reads a body up to `limit` bytes; `undefined` when it was larger. */
  private readBody(req: http.IncomingMessage, limit: number, done: (body: Buffer | undefined) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => done(size <= limit ? (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)) : undefined));
    req.on('error', () => undefined);
  }
}

/** An error body as the runtime sent it; if it is not JSON, Lambda wraps it with the error-type header. */
function errorResult(req: http.IncomingMessage, body: Buffer): { payload: Buffer; errorType: string } {
  const header = req.headers['lambda-runtime-function-error-type'];
  let errorType = typeof header === 'string' && header ? header : 'Unhandled';
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errorType?: unknown };
    if (typeof parsed === 'object' && parsed !== null) {
      if (typeof parsed.errorType === 'string' && !header) errorType = parsed.errorType;
      return { payload: body, errorType };
    }
  } catch {
    // not JSON: wrapped below
  }
  return { payload: Buffer.from(JSON.stringify({ errorType, errorMessage: body.toString('utf8') })), errorType };
}
