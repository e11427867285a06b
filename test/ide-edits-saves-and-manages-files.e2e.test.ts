import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleErrors, launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let root: string;
screenshotOnFailure(() => [page]);

beforeAll(async () => {
  // Documents are written only on Ctrl+S here: the tests show that saving does it (and the unsaved
  // marker stays until then, instead of racing the 300 ms autosave on a loaded machine).
  server = await startTestServer({ collab: { writeDebounceMs: 600_000, writeMaxDelayMs: 600_000 } });
  root = server.workspaces.rootOf('default');
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'main.ts'), 'export const answer = 1;\n');
  browser = await launchBrowser();
  page = await openIde(browser, server);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const row = (p: string): string => `.nb-tree-row[data-path="${p}"]`;

async function answerPrompt(value: string): Promise<void> {
  const input = page.locator('.nb-dialog input');
  await input.waitFor();
  await input.fill(value);
  await input.press('Enter');
}

describe('the IDE in a real browser', () => {
  it('shows the file tree, editor tabs, the panel and the status bar', async () => {
    await page.waitForSelector(row('src'));
    for (const selector of ['.nb-file-tree', '.nb-tabs', '.nb-panel', '.nb-statusbar', '.nb-workspace-switcher']) {
      expect(await page.locator(selector).count()).toBe(1);
    }
  });

  it('opens a file from the tree with the right language, types, saves with Ctrl+S, and the file on disk changes', async () => {
    await page.click(row('src'));
    await page.click(row('src/main.ts'));
    await page.waitForSelector('.nb-tab.nb-active[data-path="src/main.ts"]');
    await page.waitForSelector('.monaco-editor .view-line');
    expect(await page.locator('.nb-statusbar [data-id="language"]').textContent()).toBe('typescript');
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('export const typed = "in the browser";');
    await expect.poll(() => page.locator('.nb-tab.nb-active').getAttribute('class')).toContain('dirty');
    await page.keyboard.press('Control+S');
    await expect
      .poll(() => fs.readFileSync(path.join(root, 'src/main.ts'), 'utf8'), { timeout: 5000 })
      .toBe('export const answer = 1;\nexport const typed = "in the browser";');
    await expect.poll(() => page.locator('.nb-tab.nb-active').getAttribute('class')).not.toContain('dirty');
  });

  it('suggests words while typing code, not prose: Enter at the end of a Markdown word ends the line', async () => {
    const suggestions = page.locator('.monaco-editor .suggest-widget.visible');
    // Code: a prefix of a word in the file brings up suggestions (the check can see them).
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Enter');
    await page.keyboard.type('ans');
    await expect.poll(() => suggestions.count(), { timeout: 5000 }).toBe(1);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+z');
    // Prose: the same in Markdown shows none, and Enter is a new line.
    fs.writeFileSync(path.join(root, 'words.md'), 'offline offset\n');
    await page.click(row('words.md'));
    await page.waitForSelector('.nb-tab.nb-active[data-path="words.md"]');
    await page.click('.monaco-editor .view-lines');
    await page.keyboard.press('Control+End');
    await page.keyboard.type('of');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await suggestions.count()).toBe(0);
    await page.keyboard.press('Enter');
    await page.keyboard.type('next');
    await page.keyboard.press('Control+S');
    await expect.poll(() => fs.readFileSync(path.join(root, 'words.md'), 'utf8'), { timeout: 5000 }).toBe('offline offset\nof\nnext');
  });

  it('creates, renames and deletes a file through the tree context menu and keyboard', async () => {
    await page.click(row('src'), { button: 'right' });
    await page.click('.nb-context-menu button:has-text("New File")');
    await answerPrompt('created.ts');
    await page.waitForSelector(row('src/created.ts'));
    expect(fs.existsSync(path.join(root, 'src/created.ts'))).toBe(true);
    await page.waitForSelector('.nb-tab.nb-active[data-path="src/created.ts"]');

    await page.click(row('src/created.ts'), { button: 'right' });
    await page.click('.nb-context-menu button:has-text("Rename")');
    await answerPrompt('src/renamed.ts');
    await page.waitForSelector(row('src/renamed.ts'));
    expect(fs.existsSync(path.join(root, 'src/renamed.ts'))).toBe(true);
    expect(fs.existsSync(path.join(root, 'src/created.ts'))).toBe(false);
    await page.waitForSelector('.nb-tab[data-path="src/renamed.ts"]');

    await page.click(row('src/renamed.ts'));
    await page.focus('.nb-file-tree');
    await page.keyboard.press('Delete');
    await page.click('.nb-dialog button:has-text("Delete")');
    await page.waitForSelector(row('src/renamed.ts'), { state: 'detached' });
    expect(fs.existsSync(path.join(root, 'src/renamed.ts'))).toBe(false);
    expect(await page.locator('.nb-tab[data-path="src/renamed.ts"]').count()).toBe(0);
  });

  it('creates a folder with the keyboard and moves a file into it by dragging', async () => {
    await page.click(row('src/main.ts'));
    await page.focus('.nb-file-tree');
    await page.keyboard.press('Alt+Shift+N');
    await answerPrompt('lib');
    await page.waitForSelector(row('src/lib'));
    await page.dragAndDrop(row('src/main.ts'), row('src/lib'));
    await expect.poll(() => fs.existsSync(path.join(root, 'src/lib/main.ts')), { timeout: 5000 }).toBe(true);
    await page.waitForSelector('.nb-tab[data-path="src/lib/main.ts"]');
  });

  it('uploads files dropped from the desktop', async () => {
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped content'], 'dropped.txt', { type: 'text/plain' }));
      const tree = document.querySelector('.nb-file-tree') as HTMLElement;
      tree.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await page.waitForSelector(row('dropped.txt'));
    expect(fs.readFileSync(path.join(root, 'dropped.txt'), 'utf8')).toBe('dropped content');
  });

  it('shows files created on disk by other programs without a reload', async () => {
    fs.writeFileSync(path.join(root, 'from-terminal.sh'), 'echo hi\n');
    await page.waitForSelector(row('from-terminal.sh'), { timeout: 5000 });
  });

  it('downloads a file and a folder (as a zip) from the tree', async () => {
    await page.click(row('src/lib'), { button: 'right' });
    const [zip] = await Promise.all([page.waitForEvent('download'), page.click('.nb-context-menu button:has-text("Download as Zip")')]);
    expect(zip.suggestedFilename()).toBe('lib.zip');
    const bytes = fs.readFileSync(await zip.path());
    expect(bytes.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(bytes.includes(Buffer.from('main.ts'))).toBe(true);
    await page.click(row('dropped.txt'), { button: 'right' });
    const [file] = await Promise.all([page.waitForEvent('download'), page.click('.nb-context-menu button:has-text("Download")')]);
    expect(file.suggestedFilename()).toBe('dropped.txt');
    expect(fs.readFileSync(await file.path(), 'utf8')).toBe('dropped content');
  });

  it('creates a workspace from the switcher and switches to it', async () => {
    await page.selectOption('.nb-workspace-switcher', '__new__');
    await answerPrompt('Second Project');
    await page.waitForURL(/\/w\/second-project$/);
    await page.waitForSelector('body[data-ready="true"]');
    expect(fs.existsSync(path.join(server.dataDir, 'workspaces', 'second-project'))).toBe(true);
    expect(await page.locator(row('src')).count()).toBe(0);
    await page.selectOption('.nb-workspace-switcher', 'default');
    await page.waitForURL(/\/w\/default$/);
    await page.waitForSelector(row('src'));
  });

  it('logged no console errors (Monaco workers load)', () => {
    expect(consoleErrors.get(page)).toEqual([]);
  });
});
