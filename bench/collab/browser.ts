/** Nimbus only: how long a second browser takes to get a 100,000-line file it can type in. */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { BENCH_TOKEN, type BenchServer } from './servers.js';

export async function bigFileInSecondBrowser(
  server: BenchServer,
  workspaceRoot: string,
  lines = 100_000,
): Promise<{ ms: number; bytes: number }> {
  const text = Array.from({ length: lines }, (_, i) => `const value${i} = ${i} * 2; // line ${i + 1}`).join('\n') + '\n';
  fs.writeFileSync(path.join(workspaceRoot, 'big.ts'), text);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  try {
    const open = async (): Promise<Page> => {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      await page.goto(`${server.url}/?token=${BENCH_TOKEN}`);
      await page.waitForSelector('body[data-collab="ready"]');
      await page.waitForSelector('.tree-row[data-path="big.ts"]');
      return page;
    };
    const first = await open();
    await first.click('.tree-row[data-path="big.ts"]');
    await first.waitForSelector('.view-line:has-text("line 1")');
    const second = await open();
    const started = performance.now();
    await second.click('.tree-row[data-path="big.ts"]');
    await second.waitForSelector('.tab.active[data-path="big.ts"]');
    await second.waitForSelector('.view-line:has-text("const value0 = 0 * 2; // line 1")');
    const ms = performance.now() - started;
    // Editable means typing lands: prove it reaches the first browser.
    await second.click('.monaco-editor .view-lines');
    await second.keyboard.press('Control+Home');
    await second.keyboard.type('// hello ');
    await first.waitForSelector('.view-line:has-text("// hello const value0")');
    return { ms, bytes: Buffer.byteLength(text) };
  } finally {
    await browser.close();
  }
}
