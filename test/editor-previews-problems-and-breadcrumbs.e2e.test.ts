import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
screenshotOnFailure(() => [page]);

// A 2×3 PNG (red), and an SVG that would set a flag if anything ran its script.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAIAAAADCAIAAAA2iEnWAAAAEUlEQVR4nGP4z8AARBgUAwMAd5cF+xl8ZOEAAAAASUVORK5CYII=', 'base64');
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><script>parent.__pwned = "svg"</script><rect width="40" height="20" fill="blue"/></svg>';

beforeAll(async () => {
  server = await startTestServer();
  const root = server.workspaces.rootOf('default');
  const write = (rel: string, data: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), data);
  };
  write('pic.png', PNG);
  write('art/logo.svg', SVG);
  write('src/util.js', 'export const util = 1;\n');
  write('bad.ts', "const n: number = 'not a number';\n");
  // The project's own tsconfig.json (comments and a trailing comma, as TypeScript allows) and @types.
  write('tsconfig.json', '{\n  // strict, as the project wants it\n  "compilerOptions": { "strict": true, "target": "ES2022", },\n}\n');
  write(
    'node_modules/@types/greeter/index.d.ts',
    'export declare function greet(name: string): string;\nexport declare const greeting: string;\n',
  );
  write('src/uses.ts', "import * as greeter from 'greeter';\nexport function twice(x) {\n  return greeter.greet(x) + x;\n}\n");
  write('server.js', "const fs = require('fs');\nconst path = require('node:path');\n");
  write(
    'docs/readme.md',
    '# Title\n\nSee [util](../src/util.js).\n\n![pic](../pic.png)\n\n<img src="x" onerror="window.__pwned = \'img\'">\n\n<script>window.__pwned = "script"</script>\n',
  );
  browser = await launchBrowser();
  page = await openIde(browser, server);
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

const row = (p: string): string => `.nb-tree-row[data-path="${p}"]`;

describe('images, Markdown previews, problems and breadcrumbs', () => {
  it('images open in a viewer (not refused as binary), SVG included, and nothing in them runs', async () => {
    const p = page as Page;
    await p.click(row('pic.png'));
    const img = p.locator('.nb-image-view:not([hidden]) img');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(2);
    expect(await p.textContent('.nb-image-view:not([hidden]) .nb-image-info')).toBe('2 × 3');
    await p.click(row('art'));
    await p.click(row('art/logo.svg'));
    await expect.poll(() => p.locator('.nb-image-view:not([hidden]) img').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(40);
    expect(await p.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    expect(await p.locator('.nb-toast.nb-error').count()).toBe(0);
  });

  it('a Markdown file previews beside its editor, live, sanitized, with workspace images and links', async () => {
    const p = page as Page;
    await p.click(row('docs'));
    await p.dblclick(row('docs/readme.md'));
    await p.waitForSelector('.monaco-editor .view-lines:has-text("Title")');
    await p.keyboard.press('Control+Shift+V');
    const body = p.locator('.nb-markdown-body');
    await body.locator('h1', { hasText: 'Title' }).waitFor();
    await expect.poll(() => body.locator('img[alt="pic"]').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(2);
    expect(await body.locator('script').count()).toBe(0);
    expect(await p.evaluate(() => (window as { __pwned?: string }).__pwned)).toBeUndefined();
    // Live: what is typed shows up in the preview.
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+End');
    await p.keyboard.type('\n## Live heading\n');
    await body.locator('h2', { hasText: 'Live heading' }).waitFor();
    await body.locator('a', { hasText: 'util' }).click();
    await p.waitForSelector('.nb-editor-area .nb-tab.nb-active[data-path="src/util.js"]');
  });

  it('the status bar counts problems; Ctrl+Shift+M lists them and goes to one', async () => {
    const p = page as Page;
    await p.dblclick(row('bad.ts'));
    const problems = p.locator('.nb-statusbar [data-id="problems"]');
    await expect.poll(() => problems.getAttribute('data-errors'), { timeout: 20_000 }).toBe('1');
    await p.click('.nb-tab[data-path="src/util.js"]');
    await p.keyboard.press('Control+Shift+M');
    const item = p.locator('.nb-quick-item').first();
    expect(await item.textContent()).toContain("Type 'string' is not assignable to type 'number'");
    expect(await item.textContent()).toContain('bad.ts:1:7');
    await p.keyboard.press('Enter');
    await p.waitForSelector('.nb-editor-area .nb-tab.nb-active[data-path="bad.ts"]');
  });

  it('breadcrumbs show where the file is, and a folder in them reveals it in the tree', async () => {
    const p = page as Page;
    await p.click('.nb-tab[data-path="src/util.js"]');
    expect((await p.textContent('.nb-breadcrumbs'))?.replace(/\s+/g, '')).toBe('src›util.js');
    await p.click('.nb-breadcrumbs button:has-text("src")');
    await p.waitForSelector(`${row('src')}.nb-selected`);
    expect(await p.evaluate(() => document.activeElement?.classList.contains('nb-file-tree'))).toBe(true);
  });

  it('Node.js APIs complete in JavaScript: fs., path. from require, process.', async () => {
    const p = page as Page;
    await p.dblclick(row('server.js'));
    await p.waitForSelector('.monaco-editor .view-lines:has-text("require")');
    await p.keyboard.press('Control+End');
    const suggestions = async (text: string): Promise<string[]> => {
      await p.keyboard.type(text);
      await p.keyboard.press('Control+Space');
      const list = p.locator('.suggest-widget .monaco-list-row .label-name');
      await list.first().waitFor({ timeout: 20_000 });
      await expect.poll(() => list.allTextContents(), { timeout: 20_000 }).not.toContain('require'); // member completions, not words
      const names = await list.allTextContents();
      await p.keyboard.press('Escape');
      await p.keyboard.press('Enter');
      return names;
    };
    expect(await suggestions('fs.readF')).toContain('readFileSync');
    expect(await suggestions('path.jo')).toContain('join');
    expect(await suggestions('process.en')).toContain('env');
  });

  it('the workspace’s node_modules/@types and tsconfig.json are honoured', async () => {
    const p = page as Page;
    await p.dblclick(row('src'));
    await p.dblclick(row('src/uses.ts'));
    await p.waitForSelector('.monaco-editor .view-lines:has-text("greeter")');
    const problems = p.locator('.nb-statusbar [data-id="problems"]');
    // strict (from tsconfig.json): x is an implicit any; 'greeter' resolves to its @types package.
    await expect.poll(() => problems.getAttribute('data-errors'), { timeout: 20_000 }).toBe('2');
    await p.keyboard.press('Control+Shift+M');
    const listed = await p.locator('.nb-quick-item').allTextContents();
    await p.keyboard.press('Escape');
    expect(listed.some((t) => t.includes("Parameter 'x' implicitly has an 'any' type") && t.includes('uses.ts:2'))).toBe(true);
    expect(listed.some((t) => t.includes('Cannot find module'))).toBe(false);
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+End');
    await p.keyboard.type('greeter.gr');
    await p.keyboard.press('Control+Space');
    const list = p.locator('.suggest-widget .monaco-list-row .label-name');
    await expect.poll(() => list.allTextContents(), { timeout: 20_000 }).toEqual(expect.arrayContaining(['greet', 'greeting']));
    await p.keyboard.press('Escape');
  });
});
