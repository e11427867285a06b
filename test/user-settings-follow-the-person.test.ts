import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

const put = (body: unknown, token?: string): Promise<Response> =>
  server.api('/api/settings', { method: 'PUT', body: JSON.stringify(body), ...(token ? { token } : {}) });
const get = async (token?: string): Promise<unknown> => (await server.api('/api/settings', token ? { token } : {})).json();

describe('user settings are kept by the server, per person', () => {
  it('the owner’s settings come back from any browser; a share link’s are its own, and go with it', async () => {
    expect(await get()).toEqual({});
    expect((await put({ 'workbench.colorTheme': 'light', 'editor.fontSize': 16 })).status).toBe(200);
    expect(await get()).toEqual({ 'workbench.colorTheme': 'light', 'editor.fontSize': 16 });

    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'read' }) })
    ).json()) as CreatedShare;
    expect(await get(share.token)).toEqual({}); // not the owner's
    expect((await put({ 'editor.fontSize': 20 }, share.token)).status).toBe(200); // a reader may still set their own
    expect(await get(share.token)).toEqual({ 'editor.fontSize': 20 });
    expect(await get()).toMatchObject({ 'editor.fontSize': 16 });

    await server.api(`/api/workspaces/default/shares/${share.id}`, { method: 'DELETE' });
    const db = new Database(path.join(server.dataDir, 'nimbus.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT person FROM user_settings ORDER BY person').pluck().all()).toEqual(['owner']);
    } finally {
      db.close();
    }
  });

  it('refuses what is not a settings object, odd names, and too much', async () => {
    expect((await put([1, 2])).status).toBe(400);
    expect((await put({ 'bad name!': 1 })).status).toBe(400);
    expect((await put({ big: 'x'.repeat(5000) })).status).toBe(400);
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'y'.repeat(4000)]));
    expect((await put(many)).status).toBe(413);
    expect(await get()).toMatchObject({ 'workbench.colorTheme': 'light' }); // unchanged
  });
});
