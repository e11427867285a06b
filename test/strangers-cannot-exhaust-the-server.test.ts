import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

// The review held 40 unauthenticated 6 MB Lambda API bodies (+164 MB), trickled bodies after a 401,
// and opened 20,200 connections until the owner's health check timed out. Limits are small here so
// that the test stays quick; the defaults are in docs/security.md.
let server: TestServer;
let port: number;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({
    connectionLimits: { perClient: 40, total: 60 },
    lambdaBodyLimits: { perClient: 4, totalBytes: 8 * 1024 * 1024, idleMs: 400 },
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await server.stop();
});

/** A raw connection that sends `head` and then whatever the test writes; collects the answer. */
function connect(head = ''): Promise<{ socket: net.Socket; answer: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => {
      if (head) socket.write(head);
      resolve({ socket, answer: () => answer, closed });
    });
    socket.once('error', reject);
  });
}

const amzDate = (): string =>
  new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** A Lambda invoke with a well-formed but wrong signature: it can only be refused once its body is in. */
function forgedInvoke(length: number): string {
  const date = amzDate();
  return (
    `POST /lambda/default/2015-03-31/functions/f/invocations HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
    `X-Amz-Date: ${date}\r\nAuthorization: AWS4-HMAC-SHA256 Credential=default/${date.slice(0, 8)}/us-east-1/lambda/aws4_request, ` +
    `SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}\r\nContent-Length: ${length}\r\n\r\n`
  );
}

const status = (answer: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);

async function healthMs(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}/api/health`);
  expect(res.status).toBe(200);
  return performance.now() - started;
}

describe('strangers cannot exhaust the server', () => {
  it('the Lambda API reads few unauthenticated bodies per client, refuses the rest at once, and gives up on stalled ones', async () => {
    const held = await Promise.all(Array.from({ length: 10 }, () => connect(forgedInvoke(6 * 1024 * 1024 - 1))));
    for (const c of held) c.socket.write(Buffer.alloc(256 * 1024, 0x7b));
    // Four are being read; the other six are refused right away and their connections closed.
    await vi.waitFor(() => expect(held.filter((c) => status(c.answer()) === 429).length).toBe(6), { timeout: 5000 });
    for (const c of held.filter((x) => status(x.answer()) === 429)) {
      expect(c.answer()).toMatch(/Connection: close/i);
      await c.closed;
    }
    expect(await healthMs()).toBeLessThan(1000);
    // The four stall: after the idle limit they get 408 and their connections close.
    await vi.waitFor(() => expect(held.filter((c) => status(c.answer()) === 408).length).toBe(4), { timeout: 5000 });
    await Promise.all(held.map((c) => c.closed));
  });

  it('a declared body over the limit is refused before anything is read', async () => {
    const c = await connect(forgedInvoke(7 * 1024 * 1024));
    await c.closed;
    expect(status(c.answer())).toBe(413);
  });

  it('a request refused before its body is read gets its answer and the connection closes', async () => {
    const c = await connect(
      `PUT /api/workspaces/default/file?path=x.txt HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 1000000\r\n\r\n`,
    );
    c.socket.write('trickle');
    await c.closed;
    expect(status(c.answer())).toBe(401);
  });

  it('a flood of connections that never authenticate is held to the limit, and neither the owner nor her open sockets lose out', async () => {
    const owner = new WebSocket(server.wsUrl(`/ws/workspaces/default/events?token=${TEST_TOKEN}`));
    await new Promise((resolve) => owner.once('message', resolve));
    const flood = await Promise.all(Array.from({ length: 150 }, () => connect(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`)));
    // Only the newest 40 of this client's unauthenticated connections stay open.
    await vi.waitFor(
      () => expect(flood.filter((c) => !c.socket.destroyed && c.socket.readyState === 'open').length).toBeLessThanOrEqual(40),
      { timeout: 5000 },
    );
    expect(await healthMs()).toBeLessThan(1000);
    expect(owner.readyState).toBe(WebSocket.OPEN);
    owner.close();
  });
});
