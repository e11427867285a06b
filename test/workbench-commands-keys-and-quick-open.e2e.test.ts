import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let root: string;
screenshotOnFailure(() => [page]);

const write = (rel: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
const disk = (rel: string): string | undefined =>
  fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : undefined;

beforeAll(async () => {
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  write('src/util.js', 'export const util = 1;\n');
  write('src/deep/keep.js', 'abc\n');
  write('src/gone.js', 'bye\n');
  write('notes/long.txt', Array.from({ length: 60 }, (_, i) => `line ${i + 1}`).join('\n') + '\n');
  write('ignored/build.js', 'x\n');
  write('.gitignore', 'ignored/\n');
  write('complete.js', 'con');
  browser = await launchBrowser();
  page = await openIde(browser, server);
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

const treeRow = (p: string): string => `.nb-tree-row[data-path="${p}"]`;
const activeTab = async (): Promise<string | null> => (page as Page).getAttribute('.nb-editor-area .nb-tab.nb-active', 'data-path');

describe('the workbench: scoped styles, keys that go where the focus is, commands and quick open', () => {
  it("completion lists show their labels (no style of ours squeezes Monaco's suggest widget)", async () => {
    const p = page as Page;
    await p.click(treeRow('complete.js'));
    await p.dblclick(treeRow('complete.js'));
    await p.waitForSelector('.monaco-editor .view-lines:has-text("con")');
    await p.keyboard.press('End');
    await p.keyboard.press('Control+Space');
    const row = p.locator('.suggest-widget .monaco-list-row', { hasText: 'console' }).first();
    await row.waitFor({ timeout: 15_000 });
    // What a person sees: the whole name, and nothing of ours laid over it. With the old global rules
    // (.main matched the row's own .main) the rows showed icons and no names.
    const seen = await row.locator('.label-name').evaluate((el) => {
      const r = el.getBoundingClientRect();
      const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      return { width: r.width, visible: hit !== null && el.contains(hit) };
    });
    expect(seen.width).toBeGreaterThan(40);
    expect(seen.visible).toBe(true);
    await p.keyboard.press('Escape');
  });

  it('Delete in the tree deletes in the tree, never a character in the editor, even right after a click opened the file', async () => {
    const p = page as Page;
    // Already open: focus stays in the tree after the click, so Delete asks about the file.
    await p.click(treeRow('src'));
    await p.click(treeRow('src/deep'));
    await p.click(treeRow('src/deep/keep.js'));
    await expect.poll(activeTab).toBe('src/deep/keep.js');
    await p.keyboard.press('Delete');
    await p.waitForSelector('[role="alertdialog"]:has-text("Delete keep.js?")');
    await p.keyboard.press('Escape');
    await p.waitForSelector('[role="alertdialog"]', { state: 'detached' });
    expect(disk('src/deep/keep.js')).toBe('abc\n');
    // Not open yet: the file opens while the dialog is up; Enter still answers the dialog.
    await p.click(treeRow('src/gone.js'));
    await p.keyboard.press('Delete');
    await p.waitForSelector('[role="alertdialog"]:has-text("Delete gone.js?")');
    await expect.poll(activeTab).toBe('src/gone.js');
    await p.keyboard.press('Enter');
    await expect.poll(() => disk('src/gone.js')).toBeUndefined();
    await p.waitForSelector(treeRow('src/gone.js'), { state: 'detached' });
    expect(disk('src/deep/keep.js')).toBe('abc\n');
  });

  it('Ctrl+P finds files fuzzily (not ignored ones), opens one, and :line goes to that line', async () => {
    const p = page as Page;
    await p.keyboard.press('Control+P');
    const input = p.locator('.nb-quick-input-field');
    await input.waitFor();
    await input.fill('utl');
    await expect.poll(() => p.locator('.nb-quick-item').first().getAttribute('data-id')).toBe('src/util.js');
    expect(await p.locator('.nb-quick-item').first().locator('b').allTextContents()).toEqual(['ut', 'l']);
    await p.keyboard.press('Enter');
    await expect.poll(activeTab).toBe('src/util.js');
    expect(await p.locator('.nb-quick-input').isHidden()).toBe(true);
    // .gitignore'd files are not offered, also when they appear after the index was loaded.
    await p.keyboard.press('Control+P');
    await input.fill('build');
    await p.waitForSelector('.nb-quick-empty:not([hidden])');
    write('ignored/appeared-later.js', 'x');
    write('src/appeared-later.js', 'x');
    // The list is worked out as one types: type again until the new file is there.
    await expect
      .poll(
        async () => {
          await input.fill('appeare');
          await input.fill('appeared');
          return p.locator('.nb-quick-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')));
        },
        { timeout: 10_000 },
      )
      .toContain('src/appeared-later.js');
    expect(await p.locator('.nb-quick-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([
      'src/appeared-later.js',
    ]);
    // path:line opens at that line: what is typed next lands there.
    await input.fill('long.txt:30');
    await expect.poll(() => p.locator('.nb-quick-item').first().getAttribute('data-id')).toBe('notes/long.txt');
    await p.keyboard.press('Enter');
    await expect.poll(activeTab).toBe('notes/long.txt');
    await p.keyboard.type('>>');
    await expect.poll(() => disk('notes/long.txt')?.split('\n')[29], { timeout: 10_000 }).toBe('>>line 30');
  });

  it("the command palette lists every command with its key, runs them, and Monaco's own actions are there too", async () => {
    const p = page as Page;
    await p.dblclick(treeRow('src/util.js')); // JavaScript: Monaco can format it
    await expect.poll(activeTab).toBe('src/util.js');
    await p.keyboard.press('F1');
    const input = p.locator('.nb-quick-input-field');
    await expect.poll(() => input.inputValue()).toBe('>');
    const item = (label: string) => p.locator('.nb-quick-item', { has: p.locator('.nb-quick-label', { hasText: label }) });
    expect(await item('View: Toggle Primary Side Bar Visibility').locator('.nb-quick-key').textContent()).toBe('Ctrl+B');
    expect(await item('Terminal: Create New Terminal').locator('.nb-quick-key').textContent()).toBe('Alt+T');
    await input.fill('>format doc');
    await item('Format Document').first().waitFor();
    await input.fill('>tog side');
    await expect.poll(() => p.locator('.nb-quick-item').first().textContent()).toContain('Toggle Primary Side Bar Visibility');
    await p.keyboard.press('Enter');
    await p.waitForSelector('.nb-sidebar', { state: 'hidden' });
    // The same command by its key; and the palette keeps it first as recently used.
    await p.keyboard.press('Control+B');
    await p.waitForSelector('.nb-sidebar', { state: 'visible' });
    await p.keyboard.press('Control+Shift+P');
    await expect.poll(() => p.locator('.nb-quick-item').first().textContent()).toContain('recently used');
    await p.keyboard.press('Escape');
    // Ctrl+` hides and shows the panel, from the editor too.
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+Backquote');
    await p.waitForSelector('.nb-panel', { state: 'hidden' });
    await p.keyboard.press('Control+Backquote');
    await p.waitForSelector('.nb-panel', { state: 'visible' });
  });

  it('labels shown in the UI come from the keybinding registry', async () => {
    const p = page as Page;
    expect(await p.getAttribute('button[aria-label="New terminal"]', 'title')).toBe('New terminal (Alt+T)');
    await p.click(treeRow('notes/long.txt'), { button: 'right' });
    const menu = p.locator('.nb-context-menu');
    expect(await menu.locator('button', { hasText: 'Rename…' }).locator('.nb-shortcut').textContent()).toBe('F2');
    expect(await menu.locator('button', { hasText: 'Delete' }).locator('.nb-shortcut').textContent()).toBe('Delete');
    await p.keyboard.press('Escape');
  });

  it('a reload brings back the open tabs, the active one with its cursor, and the layout', async () => {
    const p = page as Page;
    await p.keyboard.press('Control+P');
    await p.locator('.nb-quick-input-field').fill('long.txt:45');
    await p.keyboard.press('Enter');
    await expect.poll(activeTab).toBe('notes/long.txt');
    const tabs = await p.locator('.nb-editor-area .nb-tab').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    expect(tabs.length).toBeGreaterThan(2);
    await p.keyboard.press('Control+B'); // sidebar hidden
    await p.waitForSelector('.nb-sidebar', { state: 'hidden' });
    await p.reload();
    await p.waitForSelector('body[data-layout="restored"]');
    expect(await p.locator('.nb-editor-area .nb-tab').evaluateAll((els) => els.map((e) => e.getAttribute('data-path')))).toEqual(tabs);
    expect(await activeTab()).toBe('notes/long.txt');
    expect(await p.textContent('.nb-statusbar [data-id="cursor"]')).toBe('Ln 45, Col 1');
    expect(await p.locator('.nb-sidebar').isHidden()).toBe(true);
    await p.keyboard.press('Control+B');
  });

  it('Ctrl+Shift+F searches the workspace; results stream in by file, and a click selects the match in the editor', async () => {
    const p = page as Page;
    write('src/find-me.ts', 'const alpha = 1;\nexport const beta = alpha + 1; // alpha again\n');
    await p.keyboard.press('Control+Shift+F');
    const input = p.locator('.nb-search-input');
    await expect.poll(() => p.evaluate(() => document.activeElement?.classList.contains('nb-search-input'))).toBe(true);
    await input.fill('alpha');
    await p.waitForSelector('.nb-search[data-state="done"]');
    expect(await p.textContent('.nb-search-summary')).toBe('3 results in 1 file');
    expect(await p.getAttribute('.nb-search-file', 'data-path')).toBe('src/find-me.ts');
    expect(await p.locator('.nb-search-match mark').allTextContents()).toEqual(['alpha', 'alpha', 'alpha']);
    await p.locator('.nb-search-match').nth(2).click();
    await expect.poll(activeTab).toBe('src/find-me.ts');
    expect(await p.textContent('.nb-statusbar [data-id="cursor"]')).toBe('Ln 2, Col 40'); // the end of the selected match
    // Options: whole word and case go to the server.
    await p.click('.nb-search-toggle[data-option="case"]');
    await input.fill('Alpha');
    await input.press('Enter');
    await p.waitForSelector('.nb-search[data-state="done"]');
    expect(await p.textContent('.nb-search-summary')).toBe('No results');
    await p.click('.nb-search-toggle[data-option="case"]');
  });

  it('Replace All (Ctrl+Shift+H) changes each listed file through its document: saved, shown in the open editor, and undone by one Ctrl+Z', async () => {
    const p = page as Page;
    write('src/other.ts', 'export const alpha2 = "alpha";\n');
    await p.keyboard.press('Control+Shift+H');
    const input = p.locator('.nb-search-input');
    await input.fill('alpha');
    await input.press('Enter');
    await expect.poll(() => p.textContent('.nb-search-summary'), { timeout: 10_000 }).toBe('5 results in 2 files');
    await p.locator('.nb-search-replace').fill('omega');
    await p.click('.nb-search-replace-all');
    await p.click('.nb-dialog button.nb-primary');
    await expect
      .poll(() => disk('src/find-me.ts'), { timeout: 10_000 })
      .toBe('const omega = 1;\nexport const beta = omega + 1; // omega again\n');
    await expect.poll(() => disk('src/other.ts'), { timeout: 10_000 }).toBe('export const omega2 = "omega";\n');
    await expect.poll(() => p.textContent('.nb-search-summary'), { timeout: 10_000 }).toBe('Replaced 5 occurrences in 2 files');
    // find-me.ts is open: it shows the change, and one undo there takes back all three of its replacements.
    expect(await activeTab()).toBe('src/find-me.ts');
    const text = async (): Promise<string> => ((await p.locator('.nb-editor-group .view-lines').innerText()) ?? '').replace(/\u00a0/g, ' ');
    await expect.poll(text).toContain('// omega again');
    await p.click('.nb-editor-group .view-lines');
    await p.keyboard.press('Control+Z');
    await expect.poll(text).toContain('const alpha = 1;');
    expect(await text()).toContain('// alpha again');
    await p.keyboard.press('Control+S');
    await expect
      .poll(() => disk('src/find-me.ts'), { timeout: 10_000 })
      .toBe('const alpha = 1;\nexport const beta = alpha + 1; // alpha again\n');
  });

  it('the keyboard shortcuts view lists every command with its key; a changed key works at once, follows a reload, and resets', async () => {
    const p = page as Page;
    const openView = async (): Promise<void> => {
      await p.keyboard.press('F1');
      await p.locator('.nb-quick-input-field').fill('>open keyboard shortcuts');
      await expect
        .poll(() => p.locator('.nb-quick-item[aria-selected="true"]').getAttribute('data-id'))
        .toBe('workbench.action.openGlobalKeybindings');
      await p.keyboard.press('Enter');
      await p.locator('.nb-shortcuts .nb-settings-search').fill('side bar');
    };
    const row = p.locator('.nb-shortcut-row[data-command="workbench.action.toggleSidebarVisibility"]');
    const sidebarHidden = (): Promise<boolean> => p.locator('.nb-sidebar').isHidden();
    await openView();
    expect(await row.locator('kbd').allTextContents()).toEqual(['Ctrl+B']);
    expect(await p.locator('.nb-shortcut-row').count()).toBeGreaterThan(0);
    await row.locator('.nb-shortcut-change').click();
    await p.keyboard.press('Control+Alt+K'); // recorded, not run
    await expect.poll(() => row.locator('kbd').allTextContents()).toEqual(['Ctrl+Alt+K']);
    expect(await row.getAttribute('data-source')).toBe('user');
    expect(await sidebarHidden()).toBe(false);
    await p.keyboard.press('Escape');
    await p.waitForSelector('.nb-shortcuts', { state: 'detached' });
    // The new key works everywhere at once, the old one no longer does, and menus show the new one.
    await p.keyboard.press('Control+Alt+K');
    await expect.poll(sidebarHidden).toBe(true);
    await p.keyboard.press('Control+B');
    expect(await sidebarHidden()).toBe(true);
    await p.keyboard.press('Control+Alt+K');
    await expect.poll(sidebarHidden).toBe(false);
    await p.keyboard.press('F1');
    await p.locator('.nb-quick-input-field').fill('>toggle primary side bar');
    await expect.poll(() => p.locator('.nb-quick-item[aria-selected="true"] .nb-quick-key').textContent()).toBe('Ctrl+Alt+K');
    await p.keyboard.press('Escape');
    // Kept by the server for this person: a reload has it; Reset brings Ctrl+B back.
    await p.reload();
    await p.waitForSelector('body[data-ready="true"]');
    await expect
      .poll(async () => {
        await p.keyboard.press('Control+Alt+K');
        return sidebarHidden();
      })
      .toBe(true);
    await openView();
    await row.locator('.nb-shortcut-reset').click();
    await expect.poll(() => row.locator('kbd').allTextContents()).toEqual(['Ctrl+B']);
    await p.keyboard.press('Escape');
    await p.keyboard.press('Control+B');
    await expect.poll(sidebarHidden).toBe(false);
  });

  it('Workspace: Switch Workspace… lists the other workspaces and opens the one chosen', async () => {
    const p = page as Page;
    await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'elsewhere' }) });
    await p.reload();
    await p.waitForSelector('body[data-ready="true"]');
    await p.keyboard.press('F1');
    await p.locator('.nb-quick-input-field').fill('>switch workspace');
    await p.keyboard.press('Enter');
    await expect.poll(() => p.locator('.nb-quick-item').allTextContents()).toEqual([expect.stringContaining('elsewhere')]);
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/w\/elsewhere$/);
    await p.waitForSelector('body[data-ready="true"]');
    expect(await p.title()).toBe('elsewhere — Nimbus');
  });
});
