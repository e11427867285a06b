import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeWorkspaceEvent, type WorkspaceEvent } from '../shared/protocol/events.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

it('changes made on disk by other programs reach every open IDE over the workspace event socket', async () => {
  const events: WorkspaceEvent[] = [];
  const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/events?token=${TEST_TOKEN}`));
  ws.on('message', (data) => {
    const event = decodeWorkspaceEvent(String(data));
    if (event) events.push(event);
  });
  await new Promise((resolve) => ws.once('message', resolve));
  expect(events[0]).toEqual({ type: 'hello', workspaceId: 'default', role: 'owner' });
  // A file made while the watcher takes its first walk is not reported by it: once ready, the watcher
  // tells every IDE to read its tree again (where that file then is).
  const root = server.workspaces.rootOf('default');
  fs.writeFileSync(path.join(root, 'during-the-walk.txt'), 'x');
  await expect
    .poll(() => events.some((e) => e.type === 'files' && e.truncated === true && e.changes.length === 0), { timeout: 10_000 })
    .toBe(true);
  fs.mkdirSync(path.join(root, 'made-by-shell'));
  fs.writeFileSync(path.join(root, 'made-by-shell', 'a.txt'), 'x');
  const seen = (kind: string, p: string): boolean =>
    events.some((e) => e.type === 'files' && e.changes.some((c) => c.kind === kind && c.path === p));
  await expect.poll(() => seen('add', 'made-by-shell/a.txt'), { timeout: 5000 }).toBe(true);
  expect(seen('addDir', 'made-by-shell')).toBe(true);
  fs.rmSync(path.join(root, 'made-by-shell'), { recursive: true });
  await expect.poll(() => seen('unlinkDir', 'made-by-shell'), { timeout: 5000 }).toBe(true);
  ws.close();
});
