import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { TEST_TOKEN, type TestServer } from './server.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
}

export interface OpenIdeOptions {
  token?: string;
  workspace?: string;
  context?: BrowserContext;
}

/** Pages whose console errors a test should check (Monaco worker errors and the like). */
export const consoleErrors = new WeakMap<Page, string[]>();

/**
 * Opens the IDE the way a person does: the URL with `?token=`, which the server trades for a cookie.
 */
export async function openIde(browser: Browser, server: TestServer, options: OpenIdeOptions = {}): Promise<Page> {
  const context = options.context ?? (await browser.newContext({ viewport: { width: 1280, height: 800 } }));
  const page = await context.newPage();
  const errors: string[] = [];
  consoleErrors.set(page, errors);
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  const where = options.workspace ? `/w/${options.workspace}` : '/';
  await page.goto(`${server.url}${where}?token=${options.token ?? TEST_TOKEN}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return page;
}

/** Call at the top level of a browser test file: a failing test leaves a screenshot of each page in test-results/. */
export function screenshotOnFailure(pages: () => (Page | undefined)[]): void {
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    fs.mkdirSync('test-results', { recursive: true });
    let i = 0;
    for (const page of pages()) {
      if (!page) continue;
      const file = path.join('test-results', `${context.task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}-${i++}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    }
  });
}
