import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodePeopleServerMessage } from '../shared/protocol/collab.js';
import type { LambdaRun } from '../shared/lambda.js';
import { MIGRATIONS } from '../server/main.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { yClient } from './helpers/yjs.js';

// A data dir as Nimbus 0.1.0 left it (kept as SQL text and files): what an upgrade finds on disk.
const FIXTURE = path.resolve('test/fixtures/data-dir-0.1.0');
const { shareToken } = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'fixture.json'), 'utf8')) as { shareToken: string };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-upgrade-'));
let server: TestServer;

beforeAll(async () => {
  fs.cpSync(path.join(FIXTURE, 'workspaces'), path.join(dataDir, 'workspaces'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURE, 'share-seal.key'), path.join(dataDir, 'share-seal.key'));
  const db = new Database(path.join(dataDir, 'nimbus.db'));
  db.exec(fs.readFileSync(path.join(FIXTURE, 'nimbus.sql'), 'utf8'));
  db.close();
  server = await startTestServer({ dataDir });
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('a data dir made by Nimbus 0.1.0 opens in this Nimbus', () => {
  it('has every migration of this version applied on top of the old schema', () => {
    const db = new Database(path.join(dataDir, 'nimbus.db'), { readonly: true });
    const applied = new Set(db.prepare('SELECT name FROM migrations').pluck().all() as string[]);
    db.close();
    expect(MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name))).toEqual([]);
  });

  it('keeps its workspaces, files, documents, share links, chat, run history and settings', async () => {
    const names = ((await (await server.api('/api/workspaces')).json()) as { name: string }[]).map((w) => w.name).sort();
    expect(names).toEqual(['default', 'team']);
    expect(await (await server.api('/api/workspaces/default/file?path=src/app.js')).text()).toBe('console.log("from the fixture");\n');
    // It was hibernated when the old server stopped: opening it wakes it, as the IDE does.
    expect((await server.api('/api/workspaces/default')).ok).toBe(true);
    expect(((await (await server.api('/api/workspaces/default/wake', { method: 'POST' })).json()) as { state: string }).state).toBe(
      'running',
    );
    const doc = yClient(server.url, 'notes.md');
    await doc.synced();
    expect(doc.text.toString()).toBe('notes typed before the upgrade\n');
    doc.destroy();
    expect((await server.api('/api/workspaces/default', { token: shareToken })).status).toBe(200);
    const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/people?token=${shareToken}`));
    const chat = await new Promise<string[]>((resolve, reject) => {
      ws.on('message', (data) => {
        const m = decodePeopleServerMessage(String(data));
        if (m?.type === 'welcome') resolve(m.chat.map((c) => c.text));
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', name: 'Bob', color: '#00ff00' })));
      ws.once('error', reject);
    });
    ws.close();
    expect(chat).toEqual(['a message from before the upgrade']);
    const runs = (await (await server.api('/api/workspaces/default/lambda/invocations?function=hello')).json()) as LambdaRun[];
    expect(runs.map((r) => [r.by, r.event])).toEqual([['Ann (owner)', '{"from":"fixture"}']]);
    expect(await (await server.api('/api/settings')).json()).toMatchObject({ 'editor.fontSize': 15 });
    // And the function still runs, although the empty workspace "team" has no folder in the fixture (git
    // keeps no empty folders; a backup of an empty workspace has none either): it is made again when needed.
    expect(fs.existsSync(path.join(FIXTURE, 'workspaces/team'))).toBe(false);
    const inv = await server.api('/api/workspaces/default/lambda/functions/hello/invoke', { method: 'POST', body: '{"payload":"{}"}' });
    const body = await inv.text();
    expect(inv.status, body).toBe(200);
    expect((JSON.parse(body) as { payload: string }).payload, body).toBe('"hi"');
    expect((await server.api('/api/workspaces/team/files?path=')).status).toBe(200);
  });
});
