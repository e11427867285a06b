import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

function wsOutcome(url: string, headers: Record<string, string> = {}): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('nothing but /api/health and the login page is reachable without a token', () => {
  it('health answers without a token', async () => {
    const res = await server.api('/api/health', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('the API answers 401 in the error shape without a token or with a wrong one', async () => {
    for (const token of [null, 'wrong-token-wrong-token']) {
      const res = await server.api('/api/workspaces', { token });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
  });

  it('pages without a token get the login page, not the IDE', async () => {
    const res = await server.api('/', { token: null });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('Sign in');
    expect(html).not.toContain('monaco');
  });

  it('?token= sets an HttpOnly SameSite=Strict cookie and redirects to the URL without the token', async () => {
    const res = await fetch(`${server.url}/w/default?token=${TEST_TOKEN}&x=1`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/w/default?x=1');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(';')[0] as string;
    const api = await fetch(`${server.url}/api/session`, { headers: { cookie: session } });
    expect(await api.json()).toMatchObject({ role: 'owner', terminal: 'write', sandbox: { available: true } });
  });

  it('a session ends on the server after 30 days, as its cookie does', async () => {
    const res = await fetch(`${server.url}/?token=${TEST_TOKEN}`, { redirect: 'manual' });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect((await fetch(`${server.url}/api/session`, { headers: { cookie } })).status).toBe(200);
    // A browser that ignored Max-Age (or a copied cookie) still sends it a month later.
    const db = new Database(path.join(server.dataDir, 'nimbus.db'));
    try {
      db.prepare('UPDATE sessions SET created_at = ?').run(new Date(Date.now() - 31 * 24 * 3600 * 1000).toISOString());
    } finally {
      db.close();
    }
    expect((await fetch(`${server.url}/api/session`, { headers: { cookie } })).status).toBe(401);
  });

  it('a wrong ?token= gets 401 and no cookie', async () => {
    const res = await fetch(`${server.url}/?token=nope-nope-nope-nope`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('websocket upgrades need a token and a matching Origin when one is sent', async () => {
    const path = '/ws/workspaces/default/events';
    expect(await wsOutcome(server.wsUrl(path))).toBe(401);
    expect(await wsOutcome(server.wsUrl(`${path}?token=bad-bad-bad-bad-bad`))).toBe(401);
    expect(await wsOutcome(server.wsUrl(`${path}?token=${TEST_TOKEN}`))).toBe('open');
    expect(await wsOutcome(server.wsUrl(`${path}?token=${TEST_TOKEN}`), { origin: 'http://evil.example' })).toBe(403);
    expect(await wsOutcome(server.wsUrl(`${path}?token=${TEST_TOKEN}`), { origin: server.url })).toBe('open');
  });

  it('refuses Host headers that are not its own (DNS rebinding), on the Lambda API too', async () => {
    const http = await import('node:http');
    // The Lambda API is answered without express (a hot path): it must sit behind the same guard and headers.
    for (const path of ['/api/health', '/lambda/default/2015-03-31/functions']) {
      const answer = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve) => {
        http.get(`${server.url}${path}`, { headers: { host: 'evil.example' } }, (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
        });
      });
      expect(answer.status, path).toBe(403);
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
      expect(answer.headers['x-frame-options'], path).toBe('DENY');
    }
  });
});
