import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { IdePage } from './helpers/ide.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let root: string;
/** The document sockets the page opened, by file (the room in the URL). */
const sockets: string[] = [];
screenshotOnFailure(() => [page]);

beforeAll(async () => {
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'src/app.ts'),
    Array.from({ length: 200 }, (_, i) => `export const line${i + 1} = ${i + 1};`).join('\n') + '\n',
  );
  fs.writeFileSync(path.join(root, 'src/util.js'), 'export const util = 1;\n');
  fs.writeFileSync(path.join(root, 'notes.md'), '# Notes\n');
  browser = await launchBrowser();
  page = await openIde(browser, server);
  page.on('websocket', (ws) => {
    if (ws.url().includes('/yjs/')) sockets.push(decodeURIComponent(ws.url()));
  });
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

const groups = (p: Page) => p.locator('.nb-editor-group');
const group = (p: Page, i: number) => groups(p).nth(i);
const tabsOf = (p: Page, i: number): Promise<(string | null)[]> =>
  group(p, i)
    .locator('.nb-tab')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
/** The lines a group's editor shows. */
const textOf = (p: Page, i: number): Promise<string> => new IdePage(p).editorText(i);

async function openFromTree(p: Page, file: string): Promise<void> {
  const parent = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : undefined;
  if (parent && !(await p.locator(`.nb-tree-row[data-path="${file}"]`).isVisible())) await p.click(`.nb-tree-row[data-path="${parent}"]`);
  await p.dblclick(`.nb-tree-row[data-path="${file}"]`);
}

describe('editor groups', () => {
  it('Ctrl+\\ splits right: one document in two groups, each with its own cursor, edits showing in both', async () => {
    const p = page as Page;
    await openFromTree(p, 'src/app.ts');
    await group(p, 0).locator('.view-lines:has-text("line1 = 1")').waitFor();
    await p.keyboard.press('Control+\\');
    await expect.poll(() => groups(p).count()).toBe(2);
    expect(await tabsOf(p, 1)).toEqual(['src/app.ts']);
    // Side by side (split right), the new group active.
    const [a, b] = await Promise.all([group(p, 0).boundingBox(), group(p, 1).boundingBox()]);
    expect(b!.x).toBeGreaterThanOrEqual(a!.x + a!.width - 1);
    expect(await group(p, 1).getAttribute('class')).toContain('nb-active-group');
    // Typed in the right group, shown in the left at once; the file has one document socket.
    await group(p, 1).locator('.view-lines').click();
    await p.keyboard.press('Control+Home');
    await p.keyboard.type('// typed on the right\n');
    await expect.poll(() => textOf(p, 0)).toContain('// typed on the right');
    expect(sockets.filter((url) => url.endsWith('src/app.ts'))).toHaveLength(1);
    // Each group keeps its own cursor: the left one goes to line 150, the right one stays at the top.
    await group(p, 0).locator('.view-lines').click();
    await p.keyboard.press('Control+G');
    await p.locator('.nb-quick-input-field').fill(':150');
    await p.keyboard.press('Enter');
    await expect.poll(() => p.textContent('.nb-statusbar [data-id="cursor"]')).toBe('Ln 150, Col 1');
    await group(p, 1).locator('.nb-tab[data-path="src/app.ts"]').click();
    await expect.poll(() => p.textContent('.nb-statusbar [data-id="cursor"]')).toBe('Ln 2, Col 1');
    // Saving from either group writes the one document.
    await p.keyboard.press('Control+S');
    await expect.poll(() => fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8').startsWith('// typed on the right\n')).toBe(true);
  });

  it('a tab dragged to another group moves there; a group whose last tab closes goes, and the document stays open', async () => {
    const p = page as Page;
    await group(p, 0).locator('.view-lines').click();
    await openFromTree(p, 'src/util.js');
    await expect.poll(() => tabsOf(p, 0)).toEqual(['src/app.ts', 'src/util.js']);
    await p.dragAndDrop(
      '.nb-editor-group >> nth=0 >> .nb-tab[data-path="src/util.js"]',
      '.nb-editor-group >> nth=1 >> .nb-tab[data-path="src/app.ts"]',
    );
    await expect.poll(() => tabsOf(p, 1)).toEqual(['src/util.js', 'src/app.ts']);
    expect(await tabsOf(p, 0)).toEqual(['src/app.ts']);
    await group(p, 1).locator('.view-lines:has-text("util = 1")').waitFor();
    // Typing on the left (unsaved), then closing both tabs on the right: no question (the left still shows
    // the file), the right group goes, and the edit is still there.
    await group(p, 0).locator('.view-lines').click();
    await p.keyboard.press('Control+End');
    await p.keyboard.type('// unsaved on the left');
    for (const file of ['src/util.js', 'src/app.ts']) await group(p, 1).locator(`.nb-tab[data-path="${file}"] .nb-tab-close`).click();
    await expect.poll(() => groups(p).count()).toBe(1);
    expect(await textOf(p, 0)).toContain('// unsaved on the left');
    expect(await p.locator('.nb-editor-group.nb-active-group').count()).toBe(0); // one group: nothing to mark
    await p.keyboard.press('Control+S');
  });

  it('Move Editor into Right Group (Ctrl+Alt+→), Split Editor Down from the palette, and a reload brings the groups back', async () => {
    const p = page as Page;
    await openFromTree(p, 'notes.md');
    await group(p, 0).locator('.nb-tab.nb-active[data-path="notes.md"]').waitFor();
    await p.keyboard.press('Control+Alt+ArrowRight');
    await expect.poll(() => groups(p).count()).toBe(2);
    expect(await tabsOf(p, 0)).toEqual(['src/app.ts']);
    expect(await tabsOf(p, 1)).toEqual(['notes.md']);
    await p.keyboard.press('Control+Shift+P');
    await p.locator('.nb-quick-input-field').fill('>Split Editor Down');
    await expect
      .poll(() => p.locator('.nb-quick-item[aria-selected="true"]').getAttribute('data-id'))
      .toBe('workbench.action.splitEditorDown');
    await p.keyboard.press('Enter');
    await expect.poll(() => groups(p).count()).toBe(3);
    const [right, below] = await Promise.all([group(p, 1).boundingBox(), group(p, 2).boundingBox()]);
    expect(below!.y).toBeGreaterThanOrEqual(right!.y + right!.height - 1);
    expect(Math.abs(below!.x - right!.x)).toBeLessThan(2);
    // Drag the sash between the left and the right column: the left one grows.
    const before = (await group(p, 0).boundingBox())!.width;
    const sash = (await p.locator('.nb-editor-sash-x').first().boundingBox())!;
    await p.mouse.move(sash.x + 1, sash.y + sash.height / 2);
    await p.mouse.down();
    await p.mouse.move(sash.x + 81, sash.y + sash.height / 2, { steps: 4 });
    await p.mouse.up();
    const widened = (await group(p, 0).boundingBox())!.width;
    expect(widened).toBeGreaterThan(before + 60);
    await p.reload();
    await p.waitForSelector('body[data-layout="restored"]');
    await expect.poll(() => groups(p).count()).toBe(3);
    expect(await Promise.all([0, 1, 2].map((i) => tabsOf(p, i)))).toEqual([['src/app.ts'], ['notes.md'], ['notes.md']]);
    expect(Math.abs((await group(p, 0).boundingBox())!.width - widened)).toBeLessThan(4);
    expect(await group(p, 2).getAttribute('class')).toContain('nb-active-group');
    await group(p, 2).locator('.view-lines:has-text("Notes")').waitFor();
    // Focus moves between groups from the palette, and a group's editors close together (the group goes).
    const ide = new IdePage(p);
    const active = (): Promise<number> => groups(p).evaluateAll((els) => els.findIndex((e) => e.classList.contains('nb-active-group')));
    await ide.runCommand('Focus Previous Editor Group');
    await expect.poll(active).toBe(1);
    await ide.runCommand('Focus Previous Editor Group');
    await expect.poll(active).toBe(0);
    await expect.poll(() => p.evaluate(() => document.activeElement?.closest('.nb-editor-group') !== null)).toBe(true);
    await ide.runCommand('Focus Next Editor Group');
    await expect.poll(active).toBe(1);
    await ide.runCommand('Close All Editors in Group');
    await expect.poll(() => groups(p).count()).toBe(2);
    expect(await Promise.all([0, 1].map((i) => tabsOf(p, i)))).toEqual([['src/app.ts'], ['notes.md']]);
  });
});
