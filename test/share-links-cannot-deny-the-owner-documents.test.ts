import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { yClient, type YClient } from './helpers/yjs.js';

// The review's attack: a read-only link opened 256 sockets on paths that do not exist, filled the
// workspace's document limit (the owner got 4429 for every file) and left a database row for each.
let server: TestServer;
const clients: YClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ collab: { maxDocsPerWorkspace: 8, maxDocsPerShare: 3, unloadGraceMs: 60_000 } });
  // Running, as when the owner has it open (a read-only link does not wake a workspace).
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await server.stop();
});

async function share(role: 'read' | 'write'): Promise<string> {
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role }) });
  return ((await res.json()) as CreatedShare).token;
}

/** Opens a document socket; resolves 'synced' or the close code it was refused with. */
function open(file: string, token?: string): Promise<'synced' | number> {
  const c = yClient(server.url, file, token ? { token } : {});
  clients.push(c);
  return Promise.race([
    c.synced().then(() => 'synced' as const),
    new Promise<number>((r) => c.provider.on('closed', (e: { code: number }) => r(e.code))),
  ]);
}

const rows = (): number => {
  const db = new Database(path.join(server.dataDir, 'nimbus.db'), { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM collab_docs').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('share links cannot deny the owner her documents', () => {
  it('a read-only link gets 4404 for files that do not exist, and they cost nothing', async () => {
    const reader = await share('read');
    const before = rows();
    for (let i = 0; i < 20; i++) expect(await open(`missing-${i}.txt`, reader)).toBe(4404);
    expect(rows()).toBe(before);
  });

  it('a write link may open only so many documents; shares together leave room for the owner', async () => {
    const writers = [await share('write'), await share('write'), await share('write')];
    const outcomes: (string | number)[] = [];
    for (const [w, token] of writers.entries()) {
      for (let i = 0; i < 4; i++) outcomes.push(await open(`w${w}-${i}.txt`, token));
    }
    // Each link gets three; together they stop at six of the eight (the owner keeps a quarter).
    expect(outcomes.filter((o) => o === 'synced').length).toBe(6);
    expect(outcomes.filter((o) => o === 4429).length).toBe(6);
    // Opening names that do not exist stored nothing: no edit was made.
    expect(rows()).toBe(0);
    expect(await open('owner-1.txt')).toBe('synced');
    expect(await open('owner-2.txt')).toBe('synced');
  });

  it('a new file gets its row with its first edit', async () => {
    const c = yClient(server.url, 'owner-1.txt');
    clients.push(c);
    await c.synced();
    c.text.insert(0, 'hello');
    await expect.poll(rows, { timeout: 5000 }).toBe(1);
  });
});
