import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { IdePage } from './helpers/ide.js';
import { yClient } from './helpers/yjs.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
let root: string;
screenshotOnFailure(() => [page]);

beforeAll(async () => {
  server = await startTestServer({ collab: { writeDebounceMs: 50 } });
  root = server.workspaces.rootOf('default');
  fs.writeFileSync(path.join(root, 'indent.js'), 'function f() {\n}\n');
  browser = await launchBrowser();
  page = await openIde(browser, server);
});
afterAll(async () => {
  await browser?.close();
  await server.stop();
});

const setting = (p: Page, key: string) => p.locator(`.nb-settings .nb-setting[data-key="${key}"]`);
const bg = (p: Page, selector: string): Promise<string> =>
  p
    .locator(selector)
    .first()
    .evaluate((el) => getComputedStyle(el).backgroundColor);

describe('settings: a schema per feature, the person’s own kept by the server, the workspace’s in its folder', () => {
  it('Ctrl+, opens settings; a change applies at once and follows the person to a reload', async () => {
    const p = page as Page;
    await p.keyboard.press('Control+Comma');
    await p.locator('.nb-settings-search').fill('font size');
    expect(await p.locator('.nb-settings .nb-setting').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')))).toEqual([
      'editor.fontSize',
      'terminal.integrated.fontSize',
    ]);
    await setting(p, 'editor.fontSize').locator('input').fill('21');
    await setting(p, 'editor.fontSize').locator('input').press('Enter');
    await expect
      .poll(async () => ((await (await server.api('/api/settings')).json()) as Record<string, unknown>)['editor.fontSize'])
      .toBe(21);
    await p.keyboard.press('Escape');
    await p.dblclick('.nb-tree-row[data-path="indent.js"]');
    await expect.poll(() => p.locator('.monaco-editor .view-lines').evaluate((el) => getComputedStyle(el).fontSize)).toBe('21px');
    await p.reload();
    await p.waitForSelector('body[data-ready="true"]');
    await p.dblclick('.nb-tree-row[data-path="indent.js"]');
    await expect.poll(() => p.locator('.monaco-editor .view-lines').evaluate((el) => getComputedStyle(el).fontSize)).toBe('21px');
  });

  it('the theme changes the whole workbench: editor, sidebar, dialogs and terminals', async () => {
    const p = page as Page;
    const darkSidebar = await bg(p, '.nb-sidebar');
    await p.keyboard.press('Control+Comma');
    await p.locator('.nb-settings-search').fill('theme');
    await setting(p, 'workbench.colorTheme').locator('select').selectOption('light');
    await p.waitForSelector('body[data-theme="light"]');
    expect(await bg(p, '.nb-settings')).toBe('rgb(243, 243, 243)');
    await p.keyboard.press('Escape');
    expect(await bg(p, '.nb-sidebar')).not.toBe(darkSidebar);
    await expect.poll(() => bg(p, '.monaco-editor .monaco-editor-background')).toBe('rgb(255, 255, 254)'); // Monaco's light theme
    await p.keyboard.press('Alt+T');
    await expect.poll(() => p.evaluate(() => window.nimbusTerminals?.list()[0]?.background), { timeout: 15_000 }).toBe('#ffffff');
  });

  it('workspace settings live in .nimbus/settings.json, win over the person’s, and are read again when the file changes', async () => {
    const p = page as Page;
    await p.keyboard.press('Control+Comma');
    await p.click('.nb-settings-scope[data-scope="workspace"]');
    await p.locator('.nb-settings-search').fill('tab size');
    await setting(p, 'editor.tabSize').locator('input').fill('4');
    await setting(p, 'editor.tabSize').locator('input').press('Enter');
    await expect
      .poll(() =>
        fs.existsSync(path.join(root, '.nimbus/settings.json'))
          ? JSON.parse(fs.readFileSync(path.join(root, '.nimbus/settings.json'), 'utf8'))
          : undefined,
      )
      .toEqual({ 'editor.tabSize': 4 });
    await p.keyboard.press('Escape');
    // Tab in the editor now inserts four spaces.
    await p.dblclick('.nb-tree-row[data-path="indent.js"]');
    await p.waitForSelector('.monaco-editor .view-lines:has-text("function")');
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+Home');
    await p.keyboard.press('End');
    await p.keyboard.press('Enter');
    await p.keyboard.press('Home');
    await p.keyboard.press('Shift+End');
    await p.keyboard.press('Delete');
    await p.keyboard.press('Tab');
    await p.keyboard.type('return 1;');
    await expect
      .poll(() => fs.readFileSync(path.join(root, 'indent.js'), 'utf8'), { timeout: 10_000 })
      .toBe('function f() {\n    return 1;\n}\n');
    // Someone changes the file (a collaborator, git): the workbench follows, the workspace winning over the person's theme.
    fs.writeFileSync(
      path.join(root, '.nimbus/settings.json'),
      JSON.stringify({ 'editor.tabSize': 4, 'workbench.colorTheme': 'high-contrast' }),
    );
    await p.waitForSelector('body[data-theme="high-contrast"]', { timeout: 10_000 });
  });

  it('the settings file opens in the editor, checked against the schema as it is typed', async () => {
    const p = page as Page;
    await p.keyboard.press('F1');
    await p.locator('.nb-quick-input-field').fill('>workspace settings json');
    await p.keyboard.press('Enter');
    await p.waitForSelector('.nb-editor-area .nb-tab.nb-active[data-path=".nimbus/settings.json"]');
    const problems = p.locator('.nb-statusbar [data-id="problems"]');
    const before = Number(await problems.getAttribute('data-warnings')) + Number(await problems.getAttribute('data-errors'));
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+A');
    await p.keyboard.type('{ "editor.fontSize": "huge", "no.such.setting": 1 }');
    await expect
      .poll(async () => Number(await problems.getAttribute('data-warnings')) + Number(await problems.getAttribute('data-errors')), {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(before + 2);
  });

  it('Vim and Emacs keys for the editor, switched live by a setting', async () => {
    const p = page as Page;
    fs.writeFileSync(path.join(root, 'keys.txt'), 'one\ntwo\nthree\n');
    await p.dblclick('.nb-tree-row[data-path="keys.txt"]');
    await p.waitForSelector('.monaco-editor .view-lines:has-text("three")');
    await p.keyboard.press('Control+Comma');
    await p.locator('.nb-settings-search').fill('keymap');
    await setting(p, 'editor.keymap').locator('select').selectOption('vim');
    await p.keyboard.press('Escape');
    const mode = p.locator('.nb-statusbar [data-id="keymap"]');
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+Home');
    await expect.poll(() => mode.textContent(), { timeout: 10_000 }).toContain('NORMAL');
    await p.keyboard.type('jdd'); // Vim: down one line, delete it
    await expect.poll(() => fs.readFileSync(path.join(root, 'keys.txt'), 'utf8'), { timeout: 10_000 }).toBe('one\nthree\n');
    await p.keyboard.type('ix');
    await p.keyboard.press('Escape');
    await expect.poll(() => fs.readFileSync(path.join(root, 'keys.txt'), 'utf8'), { timeout: 10_000 }).toBe('one\nxthree\n');
    // Emacs: Ctrl+E goes to the end of the line, and the Vim mode line is gone.
    await p.keyboard.press('Control+Comma');
    await p.locator('.nb-settings-search').fill('keymap');
    await setting(p, 'editor.keymap').locator('select').selectOption('emacs');
    await p.keyboard.press('Escape');
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+Home');
    await p.keyboard.press('Control+E');
    await p.keyboard.type('!');
    await expect.poll(() => fs.readFileSync(path.join(root, 'keys.txt'), 'utf8'), { timeout: 10_000 }).toBe('one!\nxthree\n');
    expect(await mode.isHidden()).toBe(true);
  });

  it('editor, terminal and auto save settings take effect at once: wrap, minimap, whitespace, format on save, scrollback', async () => {
    const p = page as Page;
    const ide = new IdePage(p);
    /** Changes a setting in the settings view, as a person does. */
    const change = async (key: string, value: string | number | boolean, isDefault = false): Promise<void> => {
      await p.keyboard.press('Control+Comma');
      await p.locator('.nb-settings-search').fill(key);
      const control = setting(p, key).locator('input, select').first();
      if (typeof value === 'boolean') await control.setChecked(value);
      else if ((await control.evaluate((el) => el.tagName)) === 'SELECT') await control.selectOption(String(value));
      else {
        await control.fill(String(value));
        await control.press('Enter');
      }
      await expect.poll(() => setting(p, key).getAttribute('data-modified')).toBe(String(!isDefault));
      await p.keyboard.press('Escape');
    };
    await change('editor.keymap', 'default', true); // the test before left Emacs keys on (Ctrl+S would search)
    fs.writeFileSync(path.join(root, 'long.txt'), `${'word '.repeat(120)}\nshort\n`);
    await ide.openFile('long.txt');
    const viewLines = (): Promise<number> => p.locator('.monaco-editor .view-lines .view-line').count();
    expect(await viewLines()).toBe(3);
    await change('editor.wordWrap', 'on');
    await expect.poll(viewLines).toBeGreaterThanOrEqual(5);

    const minimapWidth = (): Promise<number> =>
      p.locator('.monaco-editor .minimap').evaluateAll((els) => Math.max(0, ...els.map((e) => (e as HTMLElement).offsetWidth)));
    expect(await minimapWidth()).toBeGreaterThan(0);
    await change('editor.minimap.enabled', false);
    await expect.poll(minimapWidth).toBe(0);

    // Monaco draws whitespace in an overlay over the text (SVG dots, or one element per character).
    const drawnSpaces = (): Promise<number> => p.locator('.monaco-editor .view-overlays :is(svg, .mwh)').count();
    expect(await drawnSpaces()).toBe(0);
    await change('editor.renderWhitespace', 'all');
    await expect.poll(drawnSpaces).toBeGreaterThan(0);

    await change('editor.formatOnSave', true);
    fs.writeFileSync(path.join(root, 'fmt.js'), 'function f(){return   1}\n');
    await ide.openFile('fmt.js');
    await p.click('.monaco-editor .view-lines');
    await p.keyboard.press('Control+S');
    await expect.poll(() => fs.readFileSync(path.join(root, 'fmt.js'), 'utf8'), { timeout: 10_000 }).toBe('function f() { return 1 }\n');

    // Auto save off (a workspace setting): the marker stays until Ctrl+S, which writes the file.
    await change('files.autoSave', 'off');
    await expect.poll(() => fs.readFileSync(path.join(root, '.nimbus/settings.json'), 'utf8')).toContain('"files.autoSave": "off"');
    // A second client of the file tells when the server has the edit; then its auto save decides.
    const watcher = yClient(server.url, 'fmt.js');
    try {
      await watcher.synced();
      await p.click('.monaco-editor .view-lines');
      await p.keyboard.press('Control+End');
      await p.keyboard.type('// kept');
      await expect.poll(() => watcher.text.toString(), { timeout: 10_000 }).toContain('// kept');
    } finally {
      watcher.destroy();
    }
    const docs = server.workspaces.peekRuntime('default')?.peekService<{ pendingAutoSaves: number; dispose(): void }>('collab.docs');
    await expect.poll(() => docs?.pendingAutoSaves, { timeout: 10_000 }).toBe(0);
    expect(fs.readFileSync(path.join(root, 'fmt.js'), 'utf8')).toBe('function f() { return 1 }\n');
    expect(await p.getAttribute('.nb-tab.nb-active', 'class')).toContain('nb-dirty');
    await p.keyboard.press('Control+S');
    await expect.poll(() => fs.readFileSync(path.join(root, 'fmt.js'), 'utf8'), { timeout: 10_000 }).toContain('// kept');
    await expect.poll(() => p.getAttribute('.nb-tab.nb-active', 'class')).not.toContain('nb-dirty');

    // A terminal keeps only its scrollback setting's lines above the screen.
    await change('terminal.integrated.scrollback', 100);
    const id = await ide.openTerminal();
    await ide.run('seq 1 1000');
    await ide.waitForLine('1000');
    const terminal = (await ide.terminals()).find((t) => t.id === id);
    const kept = terminal?.text.split('\n').length ?? 0;
    expect(kept).toBeGreaterThan(100);
    expect(kept).toBeLessThanOrEqual(100 + (terminal?.rows ?? 0));
  });
});
