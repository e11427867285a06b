import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Workspace } from '../shared/api.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

// `cd project && nimbus --open .` with the default data dir (./.nimbus): the data dir is inside the
// workspace's folder. Its database, keys and the other workspaces must stay out of the workspace's reach.
const project = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-project-')));
let server: TestServer;
let id: string;

beforeAll(async () => {
  fs.mkdirSync(path.join(project, 'src'));
  fs.writeFileSync(path.join(project, 'src', 'app.js'), 'app\n');
  fs.symlinkSync('.nimbus', path.join(project, 'data-link'));
  server = await startTestServer({ dataDir: path.join(project, '.nimbus') }, ['--open', project]);
  id = ((await (await server.api('/api/workspaces')).json()) as Workspace[]).find((w) => w.openedPath === project)?.id as string;
  expect(id).toBeDefined();
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(project, { recursive: true, force: true });
});

const api = (p: string): Promise<Response> => server.api(`/api/workspaces/${id}${p}`);

describe('a workspace opened from the folder that holds the data dir', () => {
  it('cannot read, list, write, index, search, zip or open as a document anything of the data dir, directly or through a link', async () => {
    expect(fs.existsSync(path.join(project, '.nimbus', 'nimbus.db'))).toBe(true);
    expect((await api('/file?path=src/app.js')).status).toBe(200);
    for (const p of ['.nimbus/nimbus.db', '.nimbus/share-seal.key', 'data-link/share-seal.key', 'data-link/nimbus.db']) {
      expect({ p, status: (await api(`/file?path=${encodeURIComponent(p)}`)).status }).toEqual({ p, status: 403 });
    }
    expect((await api('/files?path=.nimbus')).status).toBe(403);
    const top = (await (await api('/files?path=')).json()) as { name: string }[];
    expect(top.map((e) => e.name)).not.toContain('.nimbus');
    const put = await server.api(`/api/workspaces/${id}/file?path=${encodeURIComponent('.nimbus/planted')}`, {
      method: 'PUT',
      body: 'mine',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(put.status).toBe(403);
    expect(fs.existsSync(path.join(project, '.nimbus', 'planted'))).toBe(false);
    const index = (await (await api('/files/index')).json()) as { files: string[] };
    expect(index.files.filter((f) => f.startsWith('.nimbus/'))).toEqual([]);
    expect(index.files).toContain('src/app.js');
    const zip = Buffer.from(await (await api('/download?path=')).arrayBuffer());
    expect(zip.includes(Buffer.from('src/app.js'))).toBe(true);
    expect(zip.includes(Buffer.from('nimbus.db'))).toBe(false);
    expect(zip.includes(Buffer.from('share-seal.key'))).toBe(false);
    // Find in files (a worker thread) leaves it out too.
    fs.writeFileSync(path.join(project, '.nimbus', 'notes.txt'), 'topsecret-in-the-data-dir\n');
    fs.writeFileSync(path.join(project, 'src', 'mention.txt'), 'topsecret-in-the-workspace\n');
    const found = (await (await api('/search?q=topsecret')).text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; path?: string });
    expect(found.filter((l) => l.type === 'file').map((l) => l.path)).toEqual(['src/mention.txt']);
    // The document server too: the socket is refused with a 44xx close code.
    const code = await new Promise<number>((resolve) => {
      const ws = new WebSocket(server.wsUrl(`/yjs/${id}/.nimbus/owner-token?token=${TEST_TOKEN}`));
      ws.on('close', (c) => resolve(c));
      ws.on('error', () => undefined);
    });
    expect(code).toBeGreaterThanOrEqual(4400);
  });
});
