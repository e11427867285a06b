import fs from 'node:fs';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeTerminalServerMessage, type TerminalServerMessage } from '../../shared/protocol/terminal.js';
import { createLogger } from '../logger.js';
import { MirrorThread } from './mirror/MirrorThread.js';
import { defaultShell, shellEnv } from './shellEnv.js';
import { MAX_FRAME, TerminalSession } from './TerminalSession.js';

const log = createLogger({ level: 'silent' });
const mirrors = new MirrorThread(log);
const cwd = fs.mkdtempSync(`${os.tmpdir()}/nimbus-session-`);
let wss: WebSocketServer;
const serverSockets: WebSocket[] = [];

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  wss.on('connection', (ws) => serverSockets.push(ws));
  await new Promise((resolve) => wss.once('listening', resolve));
});
afterAll(async () => {
  wss.close();
  await mirrors.dispose();
  fs.rmSync(cwd, { recursive: true, force: true });
});

/** A real socket pair: the server side goes to the session, the client side is the test's viewer. */
async function connect(): Promise<{
  server: WebSocket;
  client: WebSocket;
  bytes: () => number;
  tail: () => string;
  messages: TerminalServerMessage[];
}> {
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  await new Promise((resolve) => client.once('open', resolve));
  while (serverSockets.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  const server = serverSockets.shift() as WebSocket;
  let bytes = 0;
  let tail = '';
  const messages: TerminalServerMessage[] = [];
  client.on('message', (data: Buffer, isBinary) => {
    if (isBinary) {
      bytes += data.byteLength;
      tail = (tail + data.subarray(-256).toString('latin1')).slice(-256);
    } else {
      const decoded = decodeTerminalServerMessage(data.toString());
      if (decoded.ok) messages.push(decoded.message);
    }
  });
  return { server, client, bytes: () => bytes, tail: () => tail, messages };
}

const until = async (check: () => boolean, ms: number, what: string): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('a viewer that stops acknowledging does not hold the terminal back for everyone', () => {
  it('is set aside after the stall timeout, and brought back with a fresh snapshot once it catches up', async () => {
    const shell = defaultShell();
    const session = new TerminalSession({
      id: 't1',
      name: 'stall',
      command: shell,
      args: [],
      cwd,
      env: shellEnv({ shell, cwd }),
      cols: 80,
      rows: 24,
      mirror: mirrors.open(80, 24, 100),
      flow: { high: 64 * 1024, low: 16 * 1024, mirrorHigh: 1 << 20, mirrorLow: 256 << 10, stallMs: 300 },
      log,
      onEnded: () => undefined,
      onViewersChanged: () => undefined,
      onActivity: () => undefined,
      onInfoChanged: () => undefined,
    });
    const fast = await connect();
    const stuck = await connect();
    const fastViewer = session.attach(fast.server, true, {});
    const stuckViewer = session.attach(stuck.server, false, {});
    if (!fastViewer || !stuckViewer) throw new Error('attach failed');
    // The fast viewer acknowledges everything at once, like a browser in a visible tab.
    fast.client.on('message', (data: Buffer, isBinary) => {
      if (isBinary) session.ack(fastViewer, data.byteLength);
    });
    await until(() => stuck.messages.some((m) => m.type === 'restore'), 5000, 'first restore');

    const total = 4 * 1024 * 1024;
    session.input(fastViewer, `head -c ${total} /dev/zero | tr '\\0' '\\001'; echo; echo DONE-$((40+2))\r`);
    // All of it, the marker included (the snapshot after catching up must hold it).
    await until(() => fast.bytes() > total && fast.tail().includes('DONE-42'), 20_000, 'the fast viewer to get all output');
    const stuckBytes = stuck.bytes();
    expect(stuckBytes).toBeLessThanOrEqual(64 * 1024 + MAX_FRAME); // the window and one frame, no more
    expect(stuckViewer.state).toBe('behind');

    // Catching up: acknowledge what arrived; a fresh snapshot follows, then live output again.
    session.ack(stuckViewer, stuckBytes);
    await until(() => stuck.messages.filter((m) => m.type === 'restore').length === 2, 5000, 'second restore');
    expect(stuckViewer.state).toBe('live');
    const restore = stuck.messages.filter((m) => m.type === 'restore')[1];
    expect(restore?.type === 'restore' && restore.data).toContain('DONE-42');

    await session.dispose('closed');
    for (const c of [fast, stuck]) c.client.close();
  });
});
