import fs from 'node:fs';
import path from 'node:path';
import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { eventually, sleep, yClient, type YClient } from './helpers/yjs.js';

let server: TestServer;
let root: string;
const clients: YClient[] = [];

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function frame(type: number, write: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
}

/** Valid messages of every kind, for truncating and bit-flipping. */
function validSamples(): Uint8Array[] {
  const doc = new Y.Doc();
  const sv0 = Y.encodeStateVector(doc);
  doc.getText('content').insert(0, 'fuzzing is fun');
  const update = Y.encodeStateAsUpdate(doc, sv0);
  const awareness = new Awareness(doc);
  awareness.setLocalState({ user: { name: 'Fuzz', color: '#123456' }, cursor: null });
  const samples = [
    frame(0, (e) => (encoding.writeVarUint(e, 0), encoding.writeVarUint8Array(e, Y.encodeStateVector(doc)))),
    frame(0, (e) => (encoding.writeVarUint(e, 1), encoding.writeVarUint8Array(e, update))),
    frame(0, (e) => (encoding.writeVarUint(e, 2), encoding.writeVarUint8Array(e, update))),
    frame(1, (e) => encoding.writeVarUint8Array(e, encodeAwarenessUpdate(awareness, [doc.clientID]))),
    frame(3, () => undefined),
    frame(100, (e) => encoding.writeVarUint(e, 5)),
  ];
  awareness.destroy();
  return samples;
}

function fuzzFrame(rand: () => number, samples: Uint8Array[]): Uint8Array | string {
  const pick = rand();
  const sample = samples[Math.floor(rand() * samples.length)] as Uint8Array;
  if (pick < 0.3) return sample.slice(0, Math.floor(rand() * sample.length)); // truncated
  if (pick < 0.55) {
    const copy = sample.slice();
    for (let i = 0; i < 3; i++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256); // corrupted
    return copy;
  }
  if (pick < 0.75) {
    // a valid header and a random body
    const body = Uint8Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
    return Uint8Array.from([Math.floor(rand() * 4), Math.floor(rand() * 3), ...body]);
  }
  if (pick < 0.95) return Uint8Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)); // noise
  if (pick < 0.98) return Uint8Array.from([0, 1, 0xff, 0xff, 0xff, 0xff, 0x0f]); // a length far past the end
  return 'text frames are not y-protocols';
}

async function readShareToken(): Promise<string> {
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'read' }) });
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  server = await startTestServer({
    collab: { writeDebounceMs: 50, maxMessageBytes: 64 * 1024, maxDocsPerWorkspace: 6, maxConnectionsPerDoc: 6, unloadGraceMs: 0 },
  });
  root = server.workspaces.rootOf('default');
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

describe('malformed frames close only the socket that sent them', () => {
  it('thousands of random and truncated frames while other clients keep typing: their documents stay intact', async () => {
    fs.writeFileSync(path.join(root, 'victim.txt'), 'start\n');
    const a = yClient(server.url, 'victim.txt');
    const b = yClient(server.url, 'victim.txt');
    clients.push(a, b);
    await Promise.all([a.synced(), b.synced()]);
    let disconnects = 0;
    for (const c of [a, b]) c.provider.on('status', (e: { status: string }) => e.status === 'disconnected' && disconnects++);

    let typed = 0;
    const typing = setInterval(() => {
      const who = typed % 2 === 0 ? a : b;
      who.text.insert(who.text.length, `${typed++};`);
    }, 3);

    const rand = rng(1234);
    const samples = validSamples();
    let sent = 0;
    let closedByServer = 0;
    // Read-only sockets on the victim reach every parser but cannot edit; write sockets fuzz a document of
    // their own (their valid edits are real edits), some while it is still loading (the pre-load queue).
    const readToken = await readShareToken();
    const targets = [
      `victim.txt?token=${readToken}`,
      `fuzz-target.txt?token=${TEST_TOKEN}`,
      `victim.txt?token=${readToken}`,
      `reloading.txt?token=${TEST_TOKEN}`,
    ];
    let round = 0;
    while (sent < 4000) {
      const target = targets[round++ % targets.length] as string;
      const ws = new WebSocket(server.wsUrl(`/yjs/default/${target}`));
      ws.on('error', () => undefined);
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<void>((r) => ws.once('close', () => r()));
      for (let i = 0; i < 40 && ws.readyState === WebSocket.OPEN; i++) {
        ws.send(fuzzFrame(rand, samples));
        sent++;
        if (i % 8 === 7) await new Promise((r) => setImmediate(r));
      }
      const outcome = await Promise.race([closed.then(() => 'closed'), sleep(50).then(() => 'open')]);
      if (outcome === 'closed') closedByServer++;
      ws.terminate();
    }
    clearInterval(typing);
    // Two people typing at the end may interleave; what matters is every keystroke there exactly once.
    const intact = (c: YClient): boolean => {
      const [head, body = ''] = c.text.toString().split('\n');
      const tokens = body
        .split(';')
        .filter(Boolean)
        .sort((x, y) => Number(x) - Number(y));
      return head === 'start' && tokens.length === typed && tokens.every((t, i) => t === String(i));
    };
    await eventually(() => a.text.toString() === b.text.toString() && intact(a), 10_000, 'the honest clients to converge');
    expect(disconnects).toBe(0);
    expect(closedByServer).toBeGreaterThan(50);
    const fresh = yClient(server.url, 'victim.txt');
    clients.push(fresh);
    await fresh.synced();
    expect(fresh.text.toString()).toBe(a.text.toString());
    await eventually(() => fs.readFileSync(path.join(root, 'victim.txt'), 'utf8') === a.text.toString(), 5000, 'the file');
  });

  it('a frame over the size limit closes that socket with 1009; the document and its other clients carry on', async () => {
    fs.writeFileSync(path.join(root, 'big.txt'), 'small');
    const a = yClient(server.url, 'big.txt');
    clients.push(a);
    await a.synced();
    const ws = new WebSocket(server.wsUrl(`/yjs/default/big.txt?token=${TEST_TOKEN}`));
    await new Promise((r) => ws.once('open', r));
    const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    ws.send(new Uint8Array(100 * 1024));
    expect(await code).toBe(1009);
    a.text.insert(5, ' file');
    await eventually(() => fs.readFileSync(path.join(root, 'big.txt'), 'utf8') === 'small file');
  });

  it('bounds the documents open in a workspace and the clients of one document (close code 4429)', async () => {
    const openDocuments = (): number =>
      server.workspaces.peekRuntime('default')?.peekService<{ openDocuments: number; dispose(): void }>('collab.docs')?.openDocuments ?? 0;
    let refusal: number | undefined;
    for (let i = 1; i <= 10 && refusal === undefined; i++) {
      const c = yClient(server.url, `d${i}.txt`);
      clients.push(c);
      refusal = await Promise.race([
        c.synced().then(() => undefined),
        new Promise<number>((r) => c.provider.on('closed', (e) => r(e.code))),
      ]);
    }
    expect(refusal).toBe(4429);
    expect(openDocuments()).toBe(6);

    const same = Array.from({ length: 5 }, () => yClient(server.url, 'd1.txt'));
    clients.push(...same);
    await Promise.all(same.map((c) => c.synced()));
    const seventh = yClient(server.url, 'd1.txt');
    clients.push(seventh);
    expect(await new Promise<number>((r) => seventh.provider.on('closed', (e) => r(e.code)))).toBe(4429);
  });
});
