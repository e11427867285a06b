import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CreatedShare, Share } from '../shared/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'other' }) });
});
afterAll(async () => {
  await server.stop();
});

async function share(role: 'read' | 'write', extra: Record<string, unknown> = {}, workspace = 'default'): Promise<CreatedShare> {
  const res = await server.api(`/api/workspaces/${workspace}/shares`, { method: 'POST', body: JSON.stringify({ role, ...extra }) });
  expect(res.status).toBe(201);
  return (await res.json()) as CreatedShare;
}

const put = (token: string, p: string, body: string, workspace = 'default'): Promise<Response> =>
  server.api(`/api/workspaces/${workspace}/file?path=${p}`, { method: 'PUT', body, token, headers: { 'content-type': 'text/plain' } });

describe('share links', () => {
  it('creates a link with id, token and url, lists it without the token, and revokes it', async () => {
    const created = await share('read');
    expect(created).toMatchObject({ id: expect.any(String), token: expect.any(String), role: 'read', workspaceId: 'default' });
    expect(created.url).toBe(`${server.url.replace('127.0.0.1', '127.0.0.1')}/w/default?token=${created.token}`);
    const list = (await (await server.api('/api/workspaces/default/shares')).json()) as Share[];
    expect(list.map((s) => s.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect((await server.api(`/api/workspaces/default/shares/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await server.api('/api/session', { token: created.token })).status).toBe(401);
    expect((await server.api(`/api/workspaces/default/shares/${created.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('a read link sees files but every write is refused by the server', async () => {
    await put(server.ownerToken, 'shared.txt', 'original');
    const { token } = await share('read');
    const read = await server.api('/api/workspaces/default/file?path=shared.txt', { token });
    expect(await read.text()).toBe('original');
    expect((await put(token, 'shared.txt', 'changed')).status).toBe(403);
    expect((await server.api('/api/workspaces/default/file?path=shared.txt', { method: 'DELETE', token })).status).toBe(403);
    expect(
      (await server.api('/api/workspaces/default/files/mkdir', { method: 'POST', token, body: JSON.stringify({ path: 'x' }) })).status,
    ).toBe(403);
    expect(
      (
        await server.api('/api/workspaces/default/files/rename', {
          method: 'POST',
          token,
          body: JSON.stringify({ from: 'shared.txt', to: 'y' }),
        })
      ).status,
    ).toBe(403);
    expect(await (await server.api('/api/workspaces/default/file?path=shared.txt')).text()).toBe('original');
  });

  it('a write link edits files but cannot manage shares or workspaces', async () => {
    const { token } = await share('write');
    expect((await put(token, 'w.txt', 'by writer')).status).toBe(201);
    expect(
      (await server.api('/api/workspaces/default/shares', { method: 'POST', token, body: JSON.stringify({ role: 'write' }) })).status,
    ).toBe(403);
    expect((await server.api('/api/workspaces/default', { method: 'DELETE', token })).status).toBe(403);
    expect((await server.api('/api/workspaces', { method: 'POST', token, body: JSON.stringify({ name: 'x' }) })).status).toBe(403);
    expect(await (await server.api('/api/session', { token })).json()).toEqual({
      role: 'write',
      terminal: 'read',
      workspaceId: 'default',
      shareId: expect.any(String),
    });
  });

  it('a share token only reaches its own workspace', async () => {
    const { token } = await share('write');
    expect((await put(token, 'x.txt', 'nope', 'other')).status).toBe(404);
    expect((await server.api('/api/workspaces/other/files', { token })).status).toBe(404);
    const list = (await (await server.api('/api/workspaces', { token })).json()) as { id: string }[];
    expect(list.map((w) => w.id)).toEqual(['default']);
    const status = await new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(server.wsUrl(`/ws/workspaces/other/events?token=${token}`));
      ws.on('open', () => resolve('open'));
      ws.on('unexpected-response', (_r, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(404);
  });

  it('an expired link no longer works, and the sockets opened with it close when it expires', async () => {
    const { token } = await share('write', { expiresInSeconds: 1 });
    expect((await server.api('/api/session', { token })).status).toBe(200);
    const sockets = [`/ws/workspaces/default/events?token=${token}`, `/yjs/default/notes.md?token=${token}`].map(
      (p) => new WebSocket(server.wsUrl(p)),
    );
    const closes = sockets.map(
      (ws) =>
        new Promise<{ code: number; reason: string }>((resolve) =>
          ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
        ),
    );
    await Promise.all(sockets.map((ws) => new Promise((resolve) => ws.once('open', resolve))));
    // Opened while valid: each is closed at the moment of expiry, not left open until it reconnects.
    for (const closed of await Promise.all(closes)) expect(closed).toEqual({ code: 4403, reason: 'share expired' });
    expect((await server.api('/api/session', { token })).status).toBe(401);
  });

  it('revoking a link closes the sockets opened with it at once', async () => {
    const created = await share('write');
    const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/events?token=${created.token}`));
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await server.api(`/api/workspaces/default/shares/${created.id}`, { method: 'DELETE' });
    expect(await closed).toBe(4403);
  });

  it('a read-only link does not wake a hibernated workspace; a write link does, by an API call', async () => {
    const reader = await share('read', {}, 'other');
    expect((await server.api('/api/workspaces/other/hibernate', { method: 'POST' })).status).toBe(200);
    const outcome = (path: string, token: string): Promise<number | 'open'> =>
      new Promise((resolve) => {
        const ws = new WebSocket(server.wsUrl(`${path}?token=${token}`));
        ws.once('open', () => {
          ws.close();
          resolve('open');
        });
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      });
    expect(await outcome('/yjs/other/notes.md', reader.token)).toBe(409);
    const functions = await server.api('/api/workspaces/other/lambda/functions', { token: reader.token });
    expect(functions.status).toBe(409);
    expect(((await functions.json()) as { error: { code: string } }).error.code).toBe('workspace_hibernated');
    expect((await server.api('/api/workspaces/other/wake', { method: 'POST', token: reader.token })).status).toBe(403);
    expect(((await (await server.api('/api/workspaces/other')).json()) as { state: string }).state).toBe('hibernated');
    // Sockets never wake it (an open page's reconnecting sockets are nobody using it)...
    const writer = await share('write', {}, 'other');
    expect(await outcome('/yjs/other/notes.md', writer.token)).toBe(409);
    // ...but the event socket stays open and says so, and someone who may edit wakes it (the IDE does when it opens).
    expect(await outcome('/ws/workspaces/other/events', reader.token)).toBe('open');
    expect((await server.api('/api/workspaces/other/wake', { method: 'POST', token: writer.token })).status).toBe(200);
    expect(((await (await server.api('/api/workspaces/other')).json()) as { state: string }).state).toBe('running');
    expect(await outcome('/yjs/other/notes.md', reader.token)).toBe('open');
  });

  it('validates the request body', async () => {
    for (const body of [{ role: 'admin' }, { role: 'read', expiresInSeconds: -5 }, {}]) {
      const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify(body) });
      expect(res.status).toBe(400);
    }
  });
});
