import { StringDecoder } from 'node:string_decoder';
import { WebSocket } from 'ws';
import {
  TERMINAL_PROTOCOL_VERSION,
  decodeTerminalServerMessage,
  encodeTerminalMessage,
  type TerminalClientMessage,
  type TerminalInfo,
  type TerminalServerMessage,
} from '../../shared/protocol/terminal.js';
import { TEST_TOKEN, type TestServer } from './server.js';

export async function createTerminal(
  server: Pick<TestServer, 'api'>,
  workspaceId = 'default',
  body: object = {},
  token = TEST_TOKEN,
): Promise<TerminalInfo> {
  const res = await server.api(`/api/workspaces/${workspaceId}/terminals`, { method: 'POST', body: JSON.stringify(body), token });
  if (res.status !== 201) throw new Error(`create terminal: ${res.status} ${await res.text()}`);
  return (await res.json()) as TerminalInfo;
}

export async function deleteTerminal(server: TestServer, terminalId: string, workspaceId = 'default'): Promise<number> {
  const res = await server.api(`/api/workspaces/${workspaceId}/terminals/${terminalId}`, { method: 'DELETE' });
  return res.status;
}

export interface ClientOptions {
  token?: string;
  workspaceId?: string;
  cols?: number;
  rows?: number;
  /** 'auto' acks every frame at once (like a fast browser); 'manual' leaves it to the test. */
  ack?: 'auto' | 'manual';
  /** Skip the hello (protocol tests). */
  hello?: boolean;
}

/** A terminal socket client speaking the protocol the way the browser does. */
export class TerminalTestClient {
  readonly messages: TerminalServerMessage[] = [];
  /** Output bytes received (binary frames), in order. */
  bytes = 0;
  /** Output decoded as UTF-8 (grows without bound: keep floods out of it with `keepText = false`). */
  text = '';
  keepText = true;
  /** Bytes received and not yet acknowledged (manual mode). */
  unacked = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly decoder = new StringDecoder('utf8');
  private readonly waiters = new Set<() => void>();
  onOutput: (chunk: Buffer) => void = () => undefined;

  private constructor(
    readonly ws: WebSocket,
    private readonly ackMode: 'auto' | 'manual',
  ) {
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.notify();
      }),
    );
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        this.bytes += data.byteLength;
        if (this.keepText) this.text += this.decoder.write(data);
        this.onOutput(data);
        if (this.ackMode === 'auto') this.send({ type: 'ack', bytes: data.byteLength });
        else this.unacked += data.byteLength;
      } else {
        const decoded = decodeTerminalServerMessage(data.toString('utf8'));
        if (!decoded.ok) throw new Error(`server sent an invalid message: ${decoded.error}`);
        this.messages.push(decoded.message);
      }
      this.notify();
    });
  }

  static async open(server: Pick<TestServer, 'wsUrl'>, terminalId: string, options: ClientOptions = {}): Promise<TerminalTestClient> {
    const path = `/ws/workspaces/${options.workspaceId ?? 'default'}/terminals/${terminalId}?token=${options.token ?? TEST_TOKEN}`;
    const ws = new WebSocket(server.wsUrl(path));
    const client = new TerminalTestClient(ws, options.ack ?? 'auto');
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    if (options.hello !== false) {
      client.send({ type: 'hello', version: TERMINAL_PROTOCOL_VERSION, cols: options.cols ?? 100, rows: options.rows ?? 30 });
      await client.waitForMessage('restore');
    }
    return client;
  }

  send(message: TerminalClientMessage): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeTerminalMessage(message));
  }

  input(data: string): void {
    this.send({ type: 'input', data });
  }

  ack(bytes = this.unacked): void {
    if (bytes <= 0) return;
    this.unacked -= bytes;
    this.send({ type: 'ack', bytes });
  }

  /** Resolves when `predicate` holds; rejects after `timeoutMs`. */
  waitUntil(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        clearInterval(poll);
        this.waiters.delete(check);
        resolve();
      };
      // Checked after every frame, and every 20 ms for conditions outside the socket (processes).
      const poll = setInterval(check, 20);
      const timer = setTimeout(() => {
        clearInterval(poll);
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; output tail: ${JSON.stringify(this.text.slice(-300))}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  waitForText(needle: string | RegExp, timeoutMs = 10_000): Promise<void> {
    const test = (): boolean => (typeof needle === 'string' ? this.text.includes(needle) : needle.test(this.text));
    return this.waitUntil(test, timeoutMs, `output ${String(needle)}`);
  }

  async waitForMessage<T extends TerminalServerMessage['type']>(
    type: T,
    timeoutMs = 10_000,
  ): Promise<Extract<TerminalServerMessage, { type: T }>> {
    await this.waitUntil(() => this.messages.some((m) => m.type === type), timeoutMs, `a ${type} message`);
    return this.messages.find((m) => m.type === type) as Extract<TerminalServerMessage, { type: T }>;
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** A command line whose output differs from its echo, so waiting for the output cannot match the typed text. */
export const marker = (name: string): { command: string; output: string } => ({
  command: `echo ${name}-$((40+2))`,
  output: `${name}-42`,
});
