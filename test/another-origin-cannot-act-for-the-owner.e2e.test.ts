import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { consoleErrors, launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

// The review's CSRF attacks: a page on another port of the same host (same site, so SameSite=Strict
// cookies go along) tries to act with the owner's session, and to swap it for a share's.
let server: TestServer;
let browser: Browser;
let attacker: http.Server;
let attackerUrl: string;
let page: Page | undefined;
let attackPage = '';
screenshotOnFailure(() => [page]);

const state = async (): Promise<string> => ((await (await server.api('/api/workspaces/default')).json()) as { state: string }).state;
const terminalCount = async (): Promise<number> =>
  ((await (await server.api('/api/workspaces/default/terminals')).json()) as unknown[]).length;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
  attacker = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(attackPage);
  });
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
  attackerUrl = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => attacker.close(r));
  await server.stop();
});

describe("a page of another origin cannot act with the owner's session", () => {
  it('its forms and fetches are refused: nothing hibernates, no terminal opens, the owner stays signed in', async () => {
    page = await openIde(browser, server);
    expect(await state()).toBe('running');
    const terminalsBefore = await terminalCount();
    const nimbus = server.url;
    attackPage = `<!doctype html><body><form id="f" method="post" action="${nimbus}/api/workspaces/default/hibernate"></form>
<script>
Promise.allSettled([
  fetch('${nimbus}/api/workspaces/default/terminals', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{}' }),
  fetch('${nimbus}/api/logout', { method: 'POST', credentials: 'include', mode: 'no-cors' }),
]).then(() => { document.title = 'fetched'; document.getElementById('f').submit(); });
</script></body>`;
    await page.goto(attackerUrl);
    // The form navigates to Nimbus's answer: the refusal.
    await page.waitForURL(`${nimbus}/api/workspaces/default/hibernate`);
    expect(await page.textContent('body')).toContain('cross_site');
    expect(await state()).toBe('running');
    expect(await terminalCount()).toBe(terminalsBefore);
    // Still the owner: the logout did not happen.
    await page.goto(`${nimbus}/`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    expect(await page.evaluate(() => fetch('/api/session').then((r) => r.json()))).toMatchObject({ role: 'owner' });
  });

  it("sending the owner to a share link asks before replacing the owner's session", async () => {
    const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'read' }) });
    const share = (await res.json()) as CreatedShare;
    page ??= await openIde(browser, server);
    attackPage = `<!doctype html><script>location.href = ${JSON.stringify(share.url)};</script>`;
    await page.goto(attackerUrl);
    await page.waitForSelector('#switch:not([hidden])');
    expect(await page.textContent('#switch')).toContain('You are signed in as the owner');
    expect(await page.evaluate(() => fetch('/api/session').then((r) => r.json()))).toMatchObject({ role: 'owner' });
    // Staying the owner keeps the session; choosing the link signs in as its guest.
    await page.click('text=Stay the owner');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    expect(await page.evaluate(() => fetch('/api/session').then((r) => r.json()))).toMatchObject({ role: 'owner' });
    await page.goto(attackerUrl);
    await page.click('#switch button[type="submit"]');
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    expect(await page.evaluate(() => fetch('/api/session').then((r) => r.json()))).toMatchObject({ role: 'read' });
  });

  it('someone who is not signed in follows a share link from elsewhere straight into the workspace', async () => {
    const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) });
    const share = (await res.json()) as CreatedShare;
    const guest = await (await browser.newContext()).newPage();
    try {
      attackPage = `<!doctype html><a id="go" href=${JSON.stringify(share.url)}>join</a>`;
      await guest.goto(attackerUrl);
      await guest.click('#go');
      await guest.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      expect(guest.url()).toBe(`${server.url}/w/default`);
      expect(await guest.evaluate(() => fetch('/api/session').then((r) => r.json()))).toMatchObject({ role: 'write' });
    } finally {
      await guest.context().close();
    }
  });

  it('every page carries a Content-Security-Policy, and the IDE runs under it without violations', async () => {
    const res = await fetch(`${server.url}/?token=${TEST_TOKEN}`, { redirect: 'manual' });
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(res.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    const ide = await openIde(browser, server);
    try {
      await ide.waitForSelector('.monaco-editor, .nb-editor-empty');
      expect((consoleErrors.get(ide) ?? []).filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    } finally {
      await ide.context().close();
    }
  });
});

describe('requests from another origin, and malformed Host headers, are refused by the server', () => {
  const raw = (method: string, pathname: string, headers: Record<string, string>): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const url = new URL(server.url);
      const req = http.request(
        { host: url.hostname, port: url.port, method, path: pathname, headers: { authorization: `Bearer ${TEST_TOKEN}`, ...headers } },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('refuses a state change whose Origin or Sec-Fetch-Site is another site, and allows its own', async () => {
    const host = new URL(server.url).host;
    const other = { origin: 'http://127.0.0.1:1', host };
    expect((await raw('POST', '/api/workspaces/default/hibernate', other)).status).toBe(403);
    expect((await raw('POST', '/api/workspaces/default/hibernate', { host, 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await raw('DELETE', '/api/workspaces/default/shares/x', { host, origin: 'null' })).status).toBe(403);
    expect(await state()).toBe('running');
    expect((await raw('GET', '/api/workspaces/default', other)).status).toBe(200); // reading is not a change
    expect(
      (await raw('POST', '/api/workspaces/default/wake', { host, origin: `http://${host}`, 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(200);
  });

  it('refuses a Host header that is not a plain name and port', async () => {
    const port = new URL(server.url).port;
    for (const host of [`localhost:${port}@evil.example`, `localhost:${port}/x`, `localhost :${port}`, 'localhost:99999999']) {
      expect({ host, status: (await raw('GET', '/api/health', { host })).status }).toEqual({ host, status: 403 });
    }
    expect((await raw('GET', '/api/health', { host: `localhost:${port}` })).status).toBe(200);
  });
});
