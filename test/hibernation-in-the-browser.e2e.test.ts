import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../shared/api.js';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
screenshotOnFailure(() => [page]);

beforeAll(async () => {
  server = await startTestServer({ hibernateCheckIntervalMs: 100, hibernateWarningSeconds: 2 });
  browser = await launchBrowser();
  await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'nap', hibernateAfterSeconds: 5 }) });
  await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'brew' }) });
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

const state = async (): Promise<string> => ((await (await server.api('/api/workspaces/nap')).json()) as Workspace).state;

describe('hibernation in the browser', () => {
  it('an idle open tab is warned, then hibernates; it does not wake by itself, a key wakes it, and its terminal comes back', async () => {
    page = await openIde(browser, server, { workspace: 'nap' });
    // Every socket the page opens (its reconnects included): a new people socket is a reconnect attempt.
    let peopleSockets = 0;
    page.on('websocket', (ws) => {
      if (ws.url().includes('/people')) peopleSockets++;
    });
    expect(await state()).toBe('running');
    await page.click('button[aria-label="New terminal"]');
    await page.waitForFunction(() => window.nimbusTerminals?.list()[0]?.status === 'online', undefined, { timeout: 15_000 });
    await page.click('.nb-terminal-host:not([hidden]) .xterm');
    await page.keyboard.type('echo nap-$((40+2))');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.nimbusTerminals?.list()[0]?.text.includes('nap-42'), undefined, { timeout: 10_000 });
    // The countdown comes; "Stay awake" resets the clock and says who pressed it.
    await page.waitForSelector('.nimbus-hib-warning:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('.nimbus-hib-countdown')).toMatch(/hibernates in \d+ s/);
    await page.click('.nimbus-hib-warning button:has-text("Stay awake")');
    await page.waitForSelector('.nb-toast:has-text("kept the workspace awake")');
    await page.waitForSelector('.nimbus-hib-warning', { state: 'hidden' });
    // Left alone, the open tab keeps nothing awake.
    await page.waitForSelector('.nimbus-hib-overlay:not([hidden])', { timeout: 15_000 });
    expect(await page.textContent('.nimbus-hib-overlay')).toContain('press any key or click to wake');
    expect(await state()).toBe('hibernated');
    // Its sockets keep trying: wait for two reconnect attempts of the people socket; none of them wakes it.
    const before = peopleSockets;
    await expect.poll(() => peopleSockets, { timeout: 15_000 }).toBeGreaterThanOrEqual(before + 2);
    expect(await state()).toBe('hibernated');
    await page.keyboard.press('Space');
    await page.waitForSelector('body[data-workspace-state="running"]', { timeout: 10_000 });
    expect(await state()).toBe('running');
    await page.waitForSelector('.nimbus-hib-overlay', { state: 'hidden' });
    // The terminal is back: a new shell, with the old screen above the marker.
    await page.waitForFunction(
      () =>
        window.nimbusTerminals
          ?.list()
          .some((t) => t.status === 'online' && t.text.includes('nap-42') && t.text.includes('restored after hibernation')),
      undefined,
      { timeout: 15_000 },
    );
  });

  it('the owner sets when a workspace hibernates in its settings, and hibernates it from the switcher', async () => {
    page ??= await openIde(browser, server, { workspace: 'nap' });
    await page.selectOption('select.nb-workspace-switcher', '__settings__');
    await page.waitForSelector('.nb-workspace-settings');
    expect(await page.locator('.nb-workspace-settings select[name="hibernateAfter"]').inputValue()).toBe('5'); // set through the API: shown as it is
    await page.selectOption('.nb-workspace-settings select[name="hibernateAfter"]', '0');
    await page.selectOption('.nb-workspace-settings select[name="pauseAfter"]', '1800');
    await page.click('.nb-workspace-settings button:has-text("Save")');
    await page.waitForSelector('.nb-toast:has-text("settings saved")');
    expect(await (await server.api('/api/workspaces/nap')).json()).toMatchObject({ hibernateAfterSeconds: 0, pauseAfterSeconds: 1800 });
    await page.selectOption('select.nb-workspace-switcher', '__hibernate__');
    await page.waitForSelector('.nimbus-hib-overlay:not([hidden])', { timeout: 10_000 });
    expect(await state()).toBe('hibernated');
    await page.mouse.click(400, 300);
    await page.waitForSelector('body[data-workspace-state="running"]', { timeout: 10_000 });
  });

  it('the keep-awake toggle on a terminal tab waits for a command, holds the workspace up while it runs, and turns off when it ends', async () => {
    const own = await openIde(browser, server, { workspace: 'brew' });
    try {
      await own.click('button[aria-label="New terminal"]');
      await own.waitForFunction(() => window.nimbusTerminals?.list()[0]?.status === 'online', undefined, { timeout: 15_000 });
      const toggle = own.locator('.nb-terminal-tab .nb-terminal-keep-awake');
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
      await toggle.click();
      await expect.poll(() => toggle.getAttribute('data-state')).toBe('armed');
      expect(await toggle.getAttribute('title')).toContain('next command');
      await own.click('.nb-terminal-host:not([hidden]) .xterm');
      await own.keyboard.type('cat');
      await own.keyboard.press('Enter');
      await expect.poll(() => toggle.getAttribute('data-state'), { timeout: 10_000 }).toBe('running');
      expect(await toggle.getAttribute('title')).toContain('“cat”');
      const listed = (await (await server.api('/api/workspaces/brew/terminals')).json()) as {
        keepAwake: { running: boolean; by?: string } | null;
      }[];
      expect(listed[0]?.keepAwake).toMatchObject({ running: true, by: expect.stringMatching(/\S/) });
      await own.keyboard.press('Control+D'); // cat ends: back at the prompt
      await expect.poll(() => toggle.getAttribute('data-state'), { timeout: 10_000 }).toBe('off');
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    } finally {
      await own.close();
    }
  });
});
