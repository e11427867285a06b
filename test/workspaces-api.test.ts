import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Workspace } from '../shared/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

it('several workspaces per server: create, get, rename, hibernate, wake and delete (folder removed)', async () => {
  const created = (await (
    await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'My API' }) })
  ).json()) as Workspace;
  expect(created).toMatchObject({ id: 'my-api', name: 'My API', hibernateAfterSeconds: 1800 });
  const root = server.workspaces.rootOf(created.id);
  expect(fs.statSync(root).isDirectory()).toBe(true);
  const again = (await (
    await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'My API' }) })
  ).json()) as Workspace;
  expect(again.id).toMatch(/^my-api-[0-9a-f]{6}$/);

  const list = (await (await server.api('/api/workspaces')).json()) as Workspace[];
  expect(list.map((w) => w.id)).toEqual(['default', 'my-api', again.id]);

  const patched = (await (
    await server.api('/api/workspaces/my-api', { method: 'PATCH', body: JSON.stringify({ name: 'Renamed', hibernateAfterSeconds: 600 }) })
  ).json()) as Workspace;
  expect(patched).toMatchObject({ name: 'Renamed', hibernateAfterSeconds: 600 });
  expect((await server.api('/api/workspaces/my-api', { method: 'PATCH', body: JSON.stringify({ hibernateAfterSeconds: 1 }) })).status).toBe(
    400,
  );
  expect((await server.api('/api/workspaces/my-api', { method: 'PATCH', body: JSON.stringify({ bogus: 1 }) })).status).toBe(400);

  expect(((await (await server.api('/api/workspaces/my-api/wake', { method: 'POST' })).json()) as Workspace).state).toBe('running');
  expect(((await (await server.api('/api/workspaces/my-api/hibernate', { method: 'POST' })).json()) as Workspace).state).toBe('hibernated');

  expect((await server.api('/api/workspaces/my-api', { method: 'DELETE' })).status).toBe(204);
  expect(fs.existsSync(root)).toBe(false);
  expect((await server.api('/api/workspaces/my-api')).status).toBe(404);
  expect((await server.api('/api/workspaces/NOT..valid')).status).toBe(404);
});
