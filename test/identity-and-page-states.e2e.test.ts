import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { createTerminal } from './helpers/terminal.js';

let server: TestServer;
let browser: Browser;
const pages: Page[] = [];
screenshotOnFailure(() => pages);

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

describe('who you are, and pages that say what state you are in', () => {
  it('the owner is asked for a display name once, can change it later, and others see it', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await openIde(browser, server, { context });
    pages.push(page);
    const card = page.locator('.nb-name-card');
    await card.waitFor();
    expect(await card.textContent()).toContain('people you share this workspace with');
    await card.locator('input').fill('Olivia');
    await card.locator('input').press('Enter');
    await card.waitFor({ state: 'detached' });
    await page.reload();
    await page.waitForSelector('body[data-collab="ready"]');
    expect(await page.locator('.nb-name-card').count()).toBe(0); // asked once
    // Another person sees the name.
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) })
    ).json()) as CreatedShare;
    const guest = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    pages.push(guest);
    await guest.goto(share.url.replace(/^https?:\/\/[^/]+/, server.url));
    await guest.waitForSelector('body[data-collab="ready"]');
    await guest.click('.nb-activity-button[data-view="people"]');
    await guest.waitForSelector('.nb-person[data-peer-name="Olivia"]');
    // Changed later from the command palette.
    await page.keyboard.press('F1');
    await page.locator('.nb-quick-input-field').fill('>display name');
    await page.keyboard.press('Enter');
    await page.locator('[role="dialog"][aria-label="Your name"] input').fill('Liv');
    await page.keyboard.press('Enter');
    await guest.waitForSelector('.nb-person[data-peer-name="Liv"]');
  });

  it('a link to a workspace that does not exist says so, and lists the ones there are', async () => {
    const page = await (await browser.newContext()).newPage();
    pages.push(page);
    await page.goto(`${server.url}/w/does-not-exist?token=${TEST_TOKEN}`);
    await page.waitForSelector('.nb-full-page h1:has-text("No such workspace")');
    expect(await page.textContent('.nb-full-page')).toContain('does-not-exist');
    expect(await page.getAttribute('.nb-full-page-links a', 'href')).toBe('/w/default');
    expect(await page.locator('.monaco-editor').count()).toBe(0);
  });

  it('someone who may only watch a terminal is told why their keys do nothing', async () => {
    await createTerminal(server, 'default');
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write', terminal: 'read' }) })
    ).json()) as CreatedShare;
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    pages.push(page);
    await page.goto(share.url.replace(/^https?:\/\/[^/]+/, server.url));
    await page.waitForFunction(() => window.nimbusTerminals?.list()[0]?.status === 'online', undefined, { timeout: 15_000 });
    await page.click('.nb-terminal-host:not([hidden]) .xterm');
    await page.keyboard.type('ls');
    await page.waitForSelector('.nb-terminal-notice:not([hidden]):has-text("read-only for you")');
  });
});
