import fs from 'node:fs';
import path from 'node:path';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { CreatedShare } from '../shared/api.js';
import { READ_ONLY_REASON } from '../shared/protocol/yjs.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually, sleep, yClient, type YClient } from './helpers/yjs.js';

let server: TestServer;
let root: string;
let readToken: string;
let readShareId: string;
const clients: YClient[] = [];

async function share(role: 'read' | 'write'): Promise<CreatedShare> {
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role }) });
  return (await res.json()) as CreatedShare;
}

function frame(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}

beforeAll(async () => {
  server = await startTestServer({ collab: { writeDebounceMs: 50 } });
  root = server.workspaces.rootOf('default');
  const created = await share('read');
  readToken = created.token;
  readShareId = created.id;
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

describe('a read-only share link cannot change a document, whatever its client sends', () => {
  it('an unmodified provider with a read token syncs the text, is told it is read-only, and its edits go nowhere', async () => {
    fs.writeFileSync(path.join(root, 'ro.txt'), 'original\n');
    const owner = yClient(server.url, 'ro.txt');
    const viewer = yClient(server.url, 'ro.txt', { token: readToken, connect: false });
    clients.push(owner, viewer);
    const denied: string[] = [];
    viewer.provider.messageHandlers[2] = (_enc, decoder) => {
      decoder.pos += 1; // auth message type 0: permission denied
      denied.push(new TextDecoder().decode(decoder.arr.subarray(decoder.pos + 1)));
    };
    viewer.provider.connect();
    await Promise.all([owner.synced(), viewer.synced()]);
    expect(viewer.text.toString()).toBe('original\n');
    await eventually(() => denied.length === 1);
    expect(denied[0]).toBe(READ_ONLY_REASON);

    viewer.text.insert(0, 'HACKED ');
    owner.text.insert(owner.text.length, 'owner line\n');
    await eventually(() => viewer.text.toString().endsWith('owner line\n'));
    await sleep(200);
    expect(owner.text.toString()).toBe('original\nowner line\n');
    expect(fs.readFileSync(path.join(root, 'ro.txt'), 'utf8')).toBe('original\nowner line\n');
  });

  it('a raw socket with a read token: sync step 2, updates and save requests change nothing on the server', async () => {
    fs.writeFileSync(path.join(root, 'raw.txt'), 'keep me');
    const owner = yClient(server.url, 'raw.txt');
    clients.push(owner);
    await owner.synced();
    const ws = new WebSocket(server.wsUrl(`/yjs/default/raw.txt?token=${readToken}`));
    await new Promise((r) => ws.once('open', r));
    // A real edit built on the server's own state, sent every way the protocol allows.
    const attacker = new Y.Doc();
    Y.applyUpdate(attacker, Y.encodeStateAsUpdate(owner.doc));
    const before = Y.encodeStateVector(attacker);
    attacker.getText('content').delete(0, 7);
    attacker.getText('content').insert(0, 'pwned');
    const update = Y.encodeStateAsUpdate(attacker, before);
    ws.send(frame(0, (e) => (encoding.writeVarUint(e, 1), encoding.writeVarUint8Array(e, update))));
    ws.send(frame(0, (e) => (encoding.writeVarUint(e, 2), encoding.writeVarUint8Array(e, update))));
    ws.send(frame(0, (e) => (encoding.writeVarUint(e, 1), encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(attacker)))));
    ws.send(frame(100, (e) => encoding.writeVarUint(e, 1)));
    const saveAnswer = await new Promise<Buffer>((resolve) => ws.on('message', (d: Buffer) => d[0] === 100 && resolve(d)));
    expect([...saveAnswer]).toEqual([100, 1, 1]);
    await sleep(200);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    expect(owner.text.toString()).toBe('keep me');
    const fresh = yClient(server.url, 'raw.txt');
    clients.push(fresh);
    await fresh.synced();
    expect(fresh.text.toString()).toBe('keep me');
    expect(fs.readFileSync(path.join(root, 'raw.txt'), 'utf8')).toBe('keep me');
    ws.close();
  });

  it('awareness is allowed for read-only users, but only for their own client id', async () => {
    fs.writeFileSync(path.join(root, 'aw.txt'), '');
    const owner = yClient(server.url, 'aw.txt');
    const watcher = yClient(server.url, 'aw.txt');
    clients.push(owner, watcher);
    owner.provider.awareness.setLocalState({ user: { name: 'Owner', color: '#112233' } });
    await Promise.all([owner.synced(), watcher.synced()]);
    await eventually(
      () =>
        (watcher.provider.awareness.getStates().get(owner.doc.clientID) as { user?: { name: string } } | undefined)?.user?.name === 'Owner',
    );

    const ws = new WebSocket(server.wsUrl(`/yjs/default/aw.txt?token=${readToken}`));
    await new Promise((r) => ws.once('open', r));
    const fake = new Awareness(new Y.Doc());
    fake.setLocalState({ user: { name: 'Viewer', color: '#445566' } });
    const spoof = new Awareness(new Y.Doc({ gc: true }));
    // Claim the owner's client id with a much higher clock: a spoof that plain y-protocols would accept.
    spoof.clientID = owner.doc.clientID;
    spoof.meta.set(owner.doc.clientID, { clock: 1000, lastUpdated: Date.now() });
    spoof.states.set(owner.doc.clientID, { user: { name: 'Mallory', color: '#000000' } });
    ws.send(frame(1, (e) => encoding.writeVarUint8Array(e, encodeAwarenessUpdate(fake, [fake.clientID]))));
    ws.send(frame(1, (e) => encoding.writeVarUint8Array(e, encodeAwarenessUpdate(spoof, [owner.doc.clientID]))));
    await eventually(
      () => (watcher.provider.awareness.getStates().get(fake.clientID) as { user?: { name: string } } | undefined)?.user?.name === 'Viewer',
    );
    await sleep(200);
    expect((watcher.provider.awareness.getStates().get(owner.doc.clientID) as { user: { name: string } }).user.name).toBe('Owner');
    fake.destroy();
    spoof.destroy();
    ws.close();
  });

  it('revoking the share closes its document sockets at once, and the provider stops reconnecting', async () => {
    const viewer = yClient(server.url, 'ro.txt', { token: readToken });
    clients.push(viewer);
    await viewer.synced();
    const closed = new Promise<number>((resolve) => viewer.provider.on('closed', (e) => resolve(e.code)));
    const res = await server.api(`/api/workspaces/default/shares/${readShareId}`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(await closed).toBe(4403);
  });

  it('a write share edits like the owner', async () => {
    const writer = yClient(server.url, 'ro.txt', { token: (await share('write')).token });
    clients.push(writer);
    await writer.synced();
    writer.text.insert(0, '> ');
    await eventually(() => fs.readFileSync(path.join(root, 'ro.txt'), 'utf8').startsWith('> original'));
  });
});
