import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { onTestFailed } from 'vitest';
import { TEST_TOKEN, type TestServer } from './server.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
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
 * Saves a screenshot to test-results/ if the current test fails.
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
  onTestFailed(async ({ task }) => {
    fs.mkdirSync('test-results', { recursive: true });
    const file = path.join('test-results', `${task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80)}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
  });
  const where = options.workspace ? `/w/${options.workspace}` : '/';
  await page.goto(`${server.url}${where}?token=${options.token ?? TEST_TOKEN}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  return page;
}
