import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodePeopleServerMessage, type PeopleClientMessage, type PeopleServerMessage } from '../shared/protocol/collab.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { eventually } from './helpers/yjs.js';

let server: TestServer;
let readToken: string;
const sockets: WebSocket[] = [];

interface Person {
  ws: WebSocket;
  inbox: PeopleServerMessage[];
  send(message: PeopleClientMessage | Record<string, unknown>): void;
  next<T extends PeopleServerMessage['type']>(
    type: T,
    match?: (m: Extract<PeopleServerMessage, { type: T }>) => boolean,
  ): Promise<Extract<PeopleServerMessage, { type: T }>>;
}

async function connect(token: string, target = server): Promise<Person> {
  const ws = new WebSocket(target.wsUrl(`/ws/workspaces/default/people?token=${token}`));
  sockets.push(ws);
  const inbox: PeopleServerMessage[] = [];
  ws.on('message', (data) => {
    const message = decodePeopleServerMessage(String(data));
    if (!message) throw new Error(`the server sent something outside the protocol: ${String(data)}`);
    inbox.push(message);
  });
  await new Promise((r) => ws.once('open', r));
  return {
    ws,
    inbox,
    send: (message) => ws.send(JSON.stringify(message)),
    async next(type, match = () => true) {
      let found: PeopleServerMessage | undefined;
      await eventually(() => {
        const i = inbox.findIndex((m) => m.type === type && match(m as never));
        if (i >= 0) found = inbox.splice(i, 1)[0];
        return found !== undefined;
      });
      return found as never;
    },
  };
}

beforeAll(async () => {
  server = await startTestServer();
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'read' }) });
  readToken = ((await res.json()) as { token: string }).token;
});
afterAll(async () => {
  for (const ws of sockets) ws.close();
  await server.stop();
});

describe('the people socket: presence and chat for everyone in a workspace', () => {
  it('hello joins, presence moves are seen by the others, leaving is announced', async () => {
    const alice = await connect(TEST_TOKEN);
    alice.send({ type: 'hello', name: 'Alice', color: '#ff0000' });
    const welcome = await alice.next('welcome');
    expect(welcome.peers).toEqual([{ id: welcome.self, name: 'Alice', color: '#ff0000', role: 'owner', idle: false }]);

    const bob = await connect(readToken);
    bob.send({ type: 'hello', name: 'Bob', color: '#00ff00' });
    const bobWelcome = await bob.next('welcome');
    expect(bobWelcome.peers.map((p) => p.name).sort()).toEqual(['Alice', 'Bob']);
    const joined = await alice.next('peer', (m) => m.peer.name === 'Bob');
    expect(joined.peer.role).toBe('read');

    alice.send({ type: 'presence', file: 'src/main.ts', viewport: { top: 40, bottom: 80 }, idle: false });
    const moved = await bob.next('peer', (m) => m.peer.name === 'Alice' && m.peer.file === 'src/main.ts');
    expect(moved.peer.viewport).toEqual({ top: 40, bottom: 80 });
    alice.send({ type: 'presence', file: null, viewport: null, idle: true });
    const idle = await bob.next('peer', (m) => m.peer.name === 'Alice' && m.peer.idle);
    expect(idle.peer.file).toBeUndefined();

    bob.ws.close();
    expect((await alice.next('peer.left')).id).toBe(bobWelcome.self);
    alice.ws.close();
  });

  it('chat reaches everyone with the author the server knows, is kept, and is listed by the REST API', async () => {
    const alice = await connect(TEST_TOKEN);
    const carol = await connect(readToken);
    alice.send({ type: 'hello', name: 'Alice', color: '#ff0000' });
    carol.send({ type: 'hello', name: 'Carol', color: '#0000ff' });
    await Promise.all([alice.next('welcome'), carol.next('welcome')]);
    carol.send({ type: 'chat', text: '  can you look at line 42?  ' });
    const heard = await alice.next('chat');
    expect(heard.message).toMatchObject({ text: 'can you look at line 42?', author: { name: 'Carol', color: '#0000ff', role: 'read' } });
    expect((await carol.next('chat')).message.id).toBe(heard.message.id);

    const later = await connect(TEST_TOKEN);
    later.send({ type: 'hello', name: 'Dave', color: '#123456' });
    expect((await later.next('welcome')).chat.map((m) => m.text)).toContain('can you look at line 42?');
    const res = await server.api('/api/workspaces/default/chat?limit=10');
    const body = (await res.json()) as { messages: { text: string }[]; moreChat: boolean };
    expect(body.messages.at(-1)?.text).toBe('can you look at line 42?');
    expect(body.moreChat).toBe(false);
    for (const p of [alice, carol, later]) p.ws.close();
  });

  it('chat survives a server restart (SQLite)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-chat-'));
    const first = await startTestServer({ dataDir });
    const p = await connect(TEST_TOKEN, first);
    p.send({ type: 'hello', name: 'Eve', color: '#abcdef' });
    await p.next('welcome');
    p.send({ type: 'chat', text: 'remember me' });
    await p.next('chat');
    await first.stop();
    const second = await startTestServer({ dataDir });
    // Stopping hibernated the workspace: someone opening it wakes it (its sockets alone do not).
    await second.api('/api/workspaces/default/wake', { method: 'POST' });
    const q = await connect(TEST_TOKEN, second);
    q.send({ type: 'hello', name: 'Eve', color: '#abcdef' });
    expect((await q.next('welcome')).chat.map((m) => m.text)).toContain('remember me');
    await second.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('bad frames get an error and the socket stays usable; messages before hello are refused; floods are rate limited', async () => {
    const p = await connect(TEST_TOKEN);
    p.send({ type: 'chat', text: 'too early' });
    expect((await p.next('error')).code).toBe('hello_first');
    p.ws.send('{not json');
    p.send({ type: 'hello', name: '', color: 'red' });
    p.send({ type: 'chat', text: 'x'.repeat(5000) });
    expect((await p.next('error')).code).toBe('bad_message');
    p.send({ type: 'hello', name: 'Flood', color: '#111111' });
    await p.next('welcome');
    for (let i = 0; i < 25; i++) p.send({ type: 'chat', text: `spam ${i}` });
    expect((await p.next('error', (m) => m.code === 'rate_limited')).code).toBe('rate_limited');
    expect(p.ws.readyState).toBe(WebSocket.OPEN);
    p.ws.close();
  });
});
