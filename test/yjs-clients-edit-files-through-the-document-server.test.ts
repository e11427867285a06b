import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { startTestServer, type TestServer } from './helpers/server.js';
import { eventually, sleep, yClient, type YClient } from './helpers/yjs.js';

let server: TestServer;
let root: string;
const clients: YClient[] = [];
const client = (p: string, options: Parameters<typeof yClient>[2] = {}): YClient => {
  const c = yClient(server.url, p, options);
  clients.push(c);
  return c;
};
const openDocs = (): number =>
  server.workspaces.peekRuntime('default')?.peekService<{ openDocuments: number; dispose(): void }>('collab.docs')?.openDocuments ?? 0;
const pendingAutoSaves = (): number =>
  server.workspaces.peekRuntime('default')?.peekService<{ pendingAutoSaves: number; dispose(): void }>('collab.docs')?.pendingAutoSaves ??
  0;
const disk = (p: string): string => fs.readFileSync(path.join(root, p), 'utf8');

beforeAll(async () => {
  server = await startTestServer({ collab: { writeDebounceMs: 60, writeMaxDelayMs: 300, unloadGraceMs: 100, compactAfterUpdates: 50 } });
  root = server.workspaces.rootOf('default');
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

describe('an unmodified y-websocket WebsocketProvider is a full client of /yjs/<workspace>/<path>', () => {
  it('sees the file text at its first sync, because the document loads before any sync message is answered', async () => {
    fs.writeFileSync(path.join(root, 'hello.txt'), 'hello from disk\n');
    const a = client('hello.txt');
    await a.synced();
    expect(a.text.toString()).toBe('hello from disk\n');
  });

  it('two clients converge and the file on disk follows shortly after the last keystroke', async () => {
    fs.writeFileSync(path.join(root, 'pair.ts'), 'const a = 1;\n');
    const a = client('pair.ts');
    const b = client('pair.ts');
    await Promise.all([a.synced(), b.synced()]);
    a.text.insert(0, '// from a\n');
    b.text.insert(b.text.length, '// from b\n');
    const expected = '// from a\nconst a = 1;\n// from b\n';
    await eventually(() => a.text.toString() === expected && b.text.toString() === expected, 5000, 'convergence');
    await eventually(() => disk('pair.ts') === expected, 5000, 'the file on disk');
  });

  it('opening a file that does not exist gives an empty document; the file appears with the first edit', async () => {
    const a = client('new/dir/created.md');
    await a.synced();
    expect(a.text.toString()).toBe('');
    await sleep(150);
    expect(fs.existsSync(path.join(root, 'new/dir/created.md'))).toBe(false);
    a.text.insert(0, '# Created\n');
    await eventually(() => fs.existsSync(path.join(root, 'new/dir/created.md')) && disk('new/dir/created.md') === '# Created\n');
  });

  it('a folder replaced by a link to the outside while a document of it is open: nothing is written outside', async () => {
    fs.mkdirSync(path.join(root, 'linked'));
    fs.writeFileSync(path.join(root, 'linked', 'a.txt'), 'one\n');
    const outside = fs.mkdtempSync(path.join(server.dataDir, 'outside-'));
    const a = client('linked/a.txt');
    await a.synced();
    await eventually(() => a.text.toString() === 'one\n');
    // A process of the workspace swaps the folder for a link to a folder of the server's.
    fs.renameSync(path.join(root, 'linked'), path.join(root, 'linked-old'));
    fs.symlinkSync(outside, path.join(root, 'linked'));
    const answers: number[][] = [];
    a.provider.messageHandlers[100] = (_encoder, decoder) => {
      answers.push([decoder.arr[decoder.pos] as number, decoder.arr[decoder.pos + 1] as number]);
    };
    a.text.insert(a.text.length, 'typed\n');
    // Save now, and wait for the answer: the write was tried, and refused.
    a.provider.ws?.send(new Uint8Array([100, 9]));
    await eventually(() => answers.some((x) => x[0] === 9), 5000, 'the answer to the save');
    expect(answers.find((x) => x[0] === 9)).toEqual([9, 1]);
    // Temp files of refused writes are removed from where they really were; nothing stays outside.
    await eventually(() => fs.readdirSync(outside).length === 0, 3000, 'nothing left outside');
  });

  it('keeps CRLF line endings and a BOM on disk while the document holds LF', async () => {
    fs.writeFileSync(path.join(root, 'windows.txt'), '\uFEFFone\r\ntwo\r\n');
    const a = client('windows.txt');
    await a.synced();
    expect(a.text.toString()).toBe('one\ntwo\n');
    a.text.insert(a.text.length, 'three\n');
    await eventually(() => fs.readFileSync(path.join(root, 'windows.txt')).equals(Buffer.from('\uFEFFone\r\ntwo\r\nthree\r\n')));
  });

  it('an outside `sed -i` reaches connected clients once, as a minimal splice', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `line ${i} foo`);
    fs.writeFileSync(path.join(root, 'sed.txt'), lines.join('\n') + '\n');
    const a = client('sed.txt');
    const b = client('sed.txt');
    await Promise.all([a.synced(), b.synced()]);
    const deltas: unknown[] = [];
    b.text.observe((e) => deltas.push(e.delta));
    execFileSync('sed', ['-i', 's/line 1000 foo/line 1000 bar/', path.join(root, 'sed.txt')]);
    const expected = lines.join('\n').replace('line 1000 foo', 'line 1000 bar') + '\n';
    await eventually(() => a.text.toString() === expected && b.text.toString() === expected, 5000, 'the sed edit');
    await sleep(400); // a second merge (or a re-seed) would show up here
    expect(b.text.toString()).toBe(expected);
    const offset = expected.indexOf('line 1000 bar') + 'line 1000 '.length;
    expect(deltas).toEqual([[{ retain: offset }, { delete: 3 }, { insert: 'bar' }]]);
    expect(disk('sed.txt')).toBe(expected);
  });

  it('a file changed while nobody had it open is merged into the kept document, so an old client does not duplicate text', async () => {
    fs.writeFileSync(path.join(root, 'offline.txt'), 'alpha\nbeta\n');
    const a = client('offline.txt');
    await a.synced();
    const before = openDocs();
    a.provider.disconnect();
    await eventually(() => openDocs() === before - 1, 5000, 'the document to unload');
    fs.writeFileSync(path.join(root, 'offline.txt'), 'alpha\nbeta\ngamma\n');
    a.provider.connect();
    await a.synced();
    await eventually(() => a.text.toString() === 'alpha\nbeta\ngamma\n', 5000, 'the outside change');
    const fresh = client('offline.txt');
    await fresh.synced();
    expect(fresh.text.toString()).toBe('alpha\nbeta\ngamma\n');
  });

  it('unloads a document shortly after its last client leaves, writing it first', async () => {
    fs.writeFileSync(path.join(root, 'unload.txt'), 'x');
    const a = client('unload.txt');
    await a.synced();
    const before = openDocs();
    a.text.insert(1, 'yz');
    a.destroy();
    await eventually(() => openDocs() === before - 1, 5000, 'unload');
    expect(disk('unload.txt')).toBe('xyz');
  });

  it('after the last client leaves, the document, its timers and its sockets are released; only the services stay', async () => {
    const created = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'leak check' }) });
    const { id } = (await created.json()) as { id: string };
    const a = client('a.txt', { workspace: id });
    const b = client('b.txt', { workspace: id });
    await Promise.all([a.synced(), b.synced()]);
    a.text.insert(0, 'typed');
    b.text.insert(0, 'typed');
    const runtime = server.workspaces.peekRuntime(id);
    expect(runtime?.disposables.size).toBeGreaterThan(4);
    a.destroy();
    b.destroy();
    // What remains: the document server and the file watcher (runtime services), nothing per document.
    await eventually(() => runtime?.disposables.size === 2, 5000, 'documents, timers and sockets to be released');
    expect(fs.readFileSync(path.join(server.workspaces.rootOf(id), 'a.txt'), 'utf8')).toBe('typed');
  });

  it('a save message ([100, id]) writes the file at once and is answered with [100, id, 0]', async () => {
    const slow = await startTestServer({ collab: { writeDebounceMs: 60_000, writeMaxDelayMs: 60_000 } });
    try {
      const file = path.join(slow.workspaces.rootOf('default'), 'save.txt');
      fs.writeFileSync(file, 'v1');
      const a = yClient(slow.url, 'save.txt');
      await a.synced();
      const answers: number[][] = [];
      a.provider.messageHandlers[100] = (_encoder, decoder) => {
        answers.push([decoder.arr[decoder.pos] as number, decoder.arr[decoder.pos + 1] as number]);
      };
      a.text.insert(2, ' and v2');
      await sleep(100);
      expect(fs.readFileSync(file, 'utf8')).toBe('v1');
      a.provider.ws?.send(new Uint8Array([100, 7]));
      await eventually(() => answers.length === 1);
      expect(answers[0]).toEqual([7, 0]);
      expect(fs.readFileSync(file, 'utf8')).toBe('v1 and v2');
      a.destroy();
    } finally {
      await slow.stop();
    }
  });

  it('[100, 0] subscribes to in-sync notices: [100, 0, 0, stateVector] whenever the file holds the document', async () => {
    fs.writeFileSync(path.join(root, 'notice.txt'), 'n');
    const a = client('notice.txt');
    await a.synced();
    const notices: Map<number, number>[] = [];
    a.provider.messageHandlers[100] = (_encoder, decoder) => {
      decoder.pos += 2; // request id 0, status 0
      const sv = Y.decodeStateVector(decoder.arr.subarray(decoder.pos + 1));
      notices.push(sv);
    };
    // A subscription lasts as long as its socket: subscribe again whenever the provider reconnects.
    const subscribe = (): void => a.provider.ws?.send(new Uint8Array([100, 0]));
    a.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') subscribe();
    });
    subscribe();
    await eventually(() => notices.length >= 1, 10_000, 'the immediate notice');
    a.text.insert(1, 'ew');
    const own = (): number => Y.getState(a.doc.store, a.doc.clientID);
    await eventually(() => (notices.at(-1)?.get(a.doc.clientID) ?? 0) >= own(), 5000, 'a notice covering the edit');
    expect(disk('notice.txt')).toBe('new');
  });

  it('a burst of updates read in one go reaches other clients merged, in far fewer messages', async () => {
    fs.writeFileSync(path.join(root, 'burst.txt'), '');
    const writer = client('burst.txt');
    const reader = client('burst.txt');
    await Promise.all([writer.synced(), reader.synced()]);
    let messages = 0;
    reader.provider.ws?.addEventListener('message', () => messages++);
    for (let i = 0; i < 2000; i++) writer.text.insert(i, 'z');
    await eventually(() => reader.text.length === 2000, 10_000, 'the burst');
    expect(messages).toBeLessThan(1000);
    await eventually(() => disk('burst.txt') === 'z'.repeat(2000));
  });

  it('the update log is folded into the document state once typing pauses, not while it goes on', async () => {
    const writer = client('compact.txt');
    const reader = client('compact.txt');
    await Promise.all([writer.synced(), reader.synced()]);
    const db = new Database(path.join(server.dataDir, 'nimbus.db'), { readonly: true });
    try {
      const logged = (): number =>
        db
          .prepare("SELECT count(*) FROM collab_updates u JOIN collab_docs d ON d.id = u.doc_id WHERE d.path = 'compact.txt'")
          .pluck()
          .get() as number;
      // Lone keystrokes, each its own update: far past compactAfterUpdates (50) without a pause.
      for (let i = 0; i < 120; i++) {
        writer.text.insert(i, 'k');
        await eventually(() => reader.text.length === i + 1, 5000, 'the keystroke');
      }
      expect(logged()).toBeGreaterThan(100);
      await eventually(() => logged() === 0, 5000, 'compaction after the pause');
      const state = db.prepare("SELECT state FROM collab_docs WHERE path = 'compact.txt'").pluck().get() as Buffer;
      const doc = new Y.Doc();
      Y.applyUpdate(doc, state);
      expect(doc.getText('content').toString()).toBe('k'.repeat(120));
    } finally {
      db.close();
    }
  });

  it('hibernating the workspace flushes and releases every document, timer and socket; clients reconnect once it is woken', async () => {
    fs.writeFileSync(path.join(root, 'hibernate.txt'), 'zzz');
    const a = client('hibernate.txt');
    await a.synced();
    a.text.insert(3, '!');
    const res = await server.api('/api/workspaces/default/hibernate', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(disk('hibernate.txt')).toBe('zzz!');
    expect(server.workspaces.peekRuntime('default')).toBeUndefined();
    // Its reconnecting socket does not wake it (nobody is using it); someone opening the IDE does.
    await eventually(() => !a.provider.wsconnected, 5000, 'the socket to close');
    await eventually(() => a.provider.wsUnsuccessfulReconnects >= 2, 5000, 'reconnect attempts');
    expect(server.workspaces.peekRuntime('default')).toBeUndefined();
    expect((await server.api('/api/workspaces/default/wake', { method: 'POST' })).status).toBe(200);
    await eventually(() => a.provider.wsconnected && a.provider.synced, 10_000, 'the client to reconnect');
    a.text.insert(0, '>');
    await eventually(() => disk('hibernate.txt') === '>zzz!');
  });

  it('a client that edited offline syncs its edits on reconnect, exactly once', async () => {
    fs.writeFileSync(path.join(root, 'queue.txt'), '');
    const a = client('queue.txt');
    const b = client('queue.txt');
    await Promise.all([a.synced(), b.synced()]);
    a.provider.disconnect();
    for (let i = 0; i < 50; i++) a.text.insert(a.text.length, `${i},`);
    await sleep(100);
    expect(b.text.toString()).toBe('');
    a.provider.connect();
    const expected = Array.from({ length: 50 }, (_, i) => `${i},`).join('');
    await eventually(() => b.text.toString() === expected && disk('queue.txt') === expected, 5000, 'the offline edits');
  });

  it('two names of one file (a symlink inside the workspace) share one document', async () => {
    fs.writeFileSync(path.join(root, 'real.txt'), 'same');
    fs.symlinkSync('real.txt', path.join(root, 'alias.txt'));
    const a = client('real.txt');
    const b = client('alias.txt');
    await Promise.all([a.synced(), b.synced()]);
    a.text.insert(4, ' file');
    await eventually(() => b.text.toString() === 'same file');
  });

  it('refuses folders and binary files with a close code in the 44xx range (no reconnect loop)', async () => {
    fs.mkdirSync(path.join(root, 'folder'), { recursive: true });
    fs.writeFileSync(path.join(root, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
    for (const p of ['folder', 'blob.bin']) {
      const c = client(p);
      const closed = await new Promise<{ code: number }>((resolve) => c.provider.on('closed', (e) => resolve(e)));
      expect(closed.code).toBe(4415);
    }
    const escape = client('../outside.txt');
    expect(await new Promise<number>((resolve) => escape.provider.on('closed', (e) => resolve(e.code)))).toBe(4400);
  });

  it('honours the workspace’s files.autoSave and files.autoSaveDelay (.nimbus/settings.json)', async () => {
    const settings = (values: object): void => {
      fs.mkdirSync(path.join(root, '.nimbus'), { recursive: true });
      fs.writeFileSync(path.join(root, '.nimbus/settings.json'), JSON.stringify(values));
    };
    settings({ 'files.autoSave': 'off' });
    fs.writeFileSync(path.join(root, 'manual.txt'), 'start\n');
    const a = client('manual.txt');
    await a.synced();
    const saves: number[] = [];
    a.provider.messageHandlers[100] = (_encoder, decoder) => void saves.push(decoder.arr[decoder.pos] as number);
    const b = client('manual.txt');
    await b.synced();
    a.text.insert(a.text.length, 'typed\n');
    // Once the server has the edit (another client sees it), its auto save timer runs out and decides:
    // nothing is written.
    await eventually(() => b.text.toString() === 'start\ntyped\n', 5000, 'the edit at the server');
    await eventually(() => pendingAutoSaves() === 0, 5000, 'the auto save decided');
    expect(disk('manual.txt')).toBe('start\n');
    // Saving writes it.
    a.provider.ws?.send(new Uint8Array([100, 7]));
    await eventually(() => saves.includes(7), 5000, 'the answer to the save');
    expect(disk('manual.txt')).toBe('start\ntyped\n');
    // After a delay again (a longer one): written without a save, but not before the delay.
    settings({ 'files.autoSave': 'afterDelay', 'files.autoSaveDelay': 1500 });
    const before = Date.now();
    a.text.insert(a.text.length, 'later\n');
    await eventually(() => disk('manual.txt') === 'start\ntyped\nlater\n', 5000, 'the auto save');
    expect(Date.now() - before).toBeGreaterThanOrEqual(1400);
  });
});
