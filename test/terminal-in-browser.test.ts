import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleErrors, launchBrowser, openIde } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

type TerminalState = { id: string; name: string; text: string; renderer: string; readOnly: boolean; status: string };

declare global {
  interface Window {
    /** Set by client/src/terminal/installTerminals.ts. */
    nimbusTerminals?: { list(): TerminalState[] };
  }
}
const terminals = (page: Page): Promise<TerminalState[]> => page.evaluate(() => window.nimbusTerminals?.list() ?? []);

async function waitForLine(page: Page, line: string): Promise<void> {
  await page.waitForFunction(
    (wanted) => window.nimbusTerminals?.list().some((t) => t.text.split('\n').some((l) => l.trimEnd() === wanted)) === true,
    line,
    { timeout: 15_000 },
  );
}

describe('a terminal in the browser', () => {
  it('opens with +, runs what is typed, shows the same screen after a reload, searches, renames, Alt+T and close', async () => {
    const page = await openIde(browser, server);
    await page.click('button[aria-label="New terminal"]');
    await page.waitForFunction(() => window.nimbusTerminals?.list()[0]?.status === 'online', undefined, { timeout: 15_000 });
    await page.click('.terminal-host:not([hidden]) .xterm');
    await page.keyboard.type('echo hi');
    await page.keyboard.press('Enter');
    await waitForLine(page, 'hi');
    const [before] = await terminals(page);
    expect(before?.readOnly).toBe(false);

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction((id) => window.nimbusTerminals?.list().find((t) => t.id === id)?.status === 'online', before?.id, { timeout: 15_000 });
    await waitForLine(page, 'hi');
    const [after] = await terminals(page);
    expect(after?.id).toBe(before?.id);
    expect(after?.text).toContain('echo hi');

    // Search the scrollback: a match, then no match.
    await page.click('button[aria-label="Search the terminal"]');
    await page.fill('.terminal-search-input', 'echo hi');
    await page.keyboard.press('Enter');
    expect(await page.textContent('.terminal-search-result')).toBe('');
    await page.fill('.terminal-search-input', 'no-such-text-here');
    await page.keyboard.press('Enter');
    expect(await page.textContent('.terminal-search-result')).toBe('No results');
    await page.keyboard.press('Escape');

    // Double-click renames, for everyone (the server has the new name).
    await page.dblclick(`.terminal-tab[data-terminal-id="${after?.id}"]`);
    await page.fill('.terminal-rename', 'build');
    await page.keyboard.press('Enter');
    await expect.poll(async () => ((await (await server.api('/api/workspaces/default/terminals')).json()) as { name: string }[])[0]?.name).toBe('build');

    // Alt+T opens a second terminal; its tab can be closed again.
    await page.keyboard.press('Alt+t');
    await page.waitForFunction(() => window.nimbusTerminals?.list().length === 2, undefined, { timeout: 15_000 });
    const second = (await terminals(page))[1] as TerminalState;
    await page.click(`.terminal-tab[data-terminal-id="${second.id}"] .tab-close`);
    await page.waitForFunction(() => window.nimbusTerminals?.list().length === 1, undefined, { timeout: 15_000 });
    expect(consoleErrors.get(page)).toEqual([]);
    await page.context().close();
  });
});
