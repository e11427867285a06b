import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleErrors, launchBrowser, openIde } from './helpers/browser.js';
import { IdePage, type TerminalState } from './helpers/ide.js';
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

const screenOf = async (page: Page, id: string): Promise<string[]> =>
  ((await new IdePage(page).terminals()).find((t) => t.id === id)?.text ?? '').split('\n').map((l) => l.trimEnd());
const terminals = (page: Page): Promise<TerminalState[]> => new IdePage(page).terminals();
const waitForLine = (page: Page, line: string): Promise<void> => new IdePage(page).waitForLine(line);

/** Opens the IDE (in `context`, if given), opens a terminal with "+" and focuses it. */
async function openTerminal(context?: BrowserContext) {
  const ide = await IdePage.open(browser, server, context ? { context } : {});
  const page = ide.page;
  const id = await ide.openTerminal();
  const state = async (): Promise<TerminalState> => (await terminals(page)).find((t) => t.id === id) as TerminalState;
  return {
    page,
    id,
    state,
    screen: (): Promise<string[]> => screenOf(page, id),
    /** Types a command line and presses Enter. */
    run: (command: string): Promise<void> => ide.run(command),
    /** Where the middle of the cell at `col`, `row` (from 0) is on the page. */
    cell: async (col: number, row: number): Promise<{ x: number; y: number }> => {
      const box = await page.locator('.nb-terminal-host:not([hidden]) .xterm-screen').boundingBox();
      if (!box) throw new Error('no terminal screen');
      const { cols, rows } = await state();
      return { x: box.x + (box.width / cols) * (col + 0.5), y: box.y + (box.height / rows) * (row + 0.5) };
    },
  };
}

// Real Chromium running vim, less, top and htop, on two cores shared with another browser test file: under
// that load a test has taken over 30 s (10 s alone), so each gets a minute.
describe('a terminal in the browser', { timeout: 60_000 }, () => {
  it('opens with +, runs what is typed, shows the same screen after a reload, searches, renames, Alt+T and close', async () => {
    const page = await openIde(browser, server);
    await page.click('button[aria-label="New terminal"]');
    await page.waitForFunction(() => window.nimbusTerminals?.list()[0]?.status === 'online', undefined, { timeout: 15_000 });
    await page.click('.nb-terminal-host:not([hidden]) .xterm');
    await page.keyboard.type('echo hi');
    await page.keyboard.press('Enter');
    await waitForLine(page, 'hi');
    const [before] = await terminals(page);
    expect(before?.readOnly).toBe(false);

    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    await page.waitForFunction((id) => window.nimbusTerminals?.list().find((t) => t.id === id)?.status === 'online', before?.id, {
      timeout: 15_000,
    });
    await waitForLine(page, 'hi');
    const [after] = await terminals(page);
    expect(after?.id).toBe(before?.id);
    expect(after?.text).toContain('echo hi');

    // Search the scrollback: a match, then no match.
    await page.click('button[aria-label="Search the terminal"]');
    await page.fill('.nb-terminal-search-input', 'echo hi');
    await page.keyboard.press('Enter');
    expect(await page.textContent('.nb-terminal-search-result')).toBe('');
    await page.fill('.nb-terminal-search-input', 'no-such-text-here');
    await page.keyboard.press('Enter');
    expect(await page.textContent('.nb-terminal-search-result')).toBe('No results');
    await page.keyboard.press('Escape');

    // Double-click renames, for everyone (the server has the new name).
    await page.dblclick(`.nb-terminal-tab[data-terminal-id="${after?.id}"]`);
    await page.fill('.nb-terminal-rename', 'build');
    await page.keyboard.press('Enter');
    await expect
      .poll(async () => ((await (await server.api('/api/workspaces/default/terminals')).json()) as { name: string }[])[0]?.name)
      .toBe('build');

    // Alt+T opens a second terminal; its tab can be closed again.
    await page.keyboard.press('Alt+t');
    await page.waitForFunction(() => window.nimbusTerminals?.list().length === 2, undefined, { timeout: 15_000 });
    const second = (await terminals(page))[1] as TerminalState;
    await page.click(`.nb-terminal-tab[data-terminal-id="${second.id}"] .nb-tab-close`);
    await page.waitForFunction(() => window.nimbusTerminals?.list().length === 1, undefined, { timeout: 15_000 });
    expect(consoleErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it('runs vim and less full-screen, and a link in the output opens in a new tab', async () => {
    const { page, screen, run, cell, state } = await openTerminal();

    // vim: its full-screen UI (the alternate screen with ~ for lines past the end), insert, save, quit.
    await run('vim -u NONE -i NONE from-vim.txt');
    await expect.poll(async () => (await screen()).filter((l) => l === '~').length, { timeout: 15_000 }).toBeGreaterThan(5);
    await page.keyboard.type('ihello from vim');
    await page.keyboard.press('Escape');
    await expect.poll(async () => (await screen())[0], { timeout: 5000 }).toBe('hello from vim');
    await run(':wq');
    const file = path.join(server.workspaces.rootOf('default'), 'from-vim.txt');
    await expect.poll(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8'), { timeout: 10_000 }).toBe('hello from vim\n');
    // Back on the shell's screen, which vim left as it was.
    await expect
      .poll(async () => (await screen()).some((l) => l.endsWith('vim -u NONE -i NONE from-vim.txt')), { timeout: 5000 })
      .toBe(true);

    // less: a pager over 200 lines, G to the end, q to quit.
    await run('seq 1 200 | less');
    await expect.poll(async () => (await screen())[0], { timeout: 10_000 }).toBe('1');
    await page.keyboard.press('Shift+G');
    await expect.poll(async () => (await screen()).includes('200'), { timeout: 5000 }).toBe(true);
    expect((await screen())[0]).not.toBe('1');
    await page.keyboard.type('q');
    await expect.poll(async () => (await screen()).some((l) => l.endsWith('seq 1 200 | less')), { timeout: 5000 }).toBe(true);

    // A URL printed at the top left of a cleared screen: hovering makes it a link, clicking opens it.
    const url = 'http://127.0.0.1:9/nimbus-terminal-link';
    await run(`clear; echo ${url}`);
    await expect.poll(async () => (await screen())[0], { timeout: 10_000 }).toBe(url);
    expect((await state()).cols).toBeGreaterThan(40);
    const opened = page.context().waitForEvent('request', { predicate: (r) => r.url() === url, timeout: 10_000 });
    const before = await cell(10, 0);
    const on = await cell(12, 0);
    await page.mouse.move(before.x, before.y);
    await page.mouse.move(on.x, on.y);
    await page.mouse.click(on.x, on.y);
    expect((await opened).url()).toBe(url);
    expect(consoleErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it('follows the panel when it is resized, and falls back to the DOM renderer when WebGL is lost', async () => {
    const { page, id, state, run } = await openTerminal();
    const before = await state();
    await run('stty size');
    await waitForLine(page, `${before.rows} ${before.cols}`);

    // Dragging the splitter above the panel up makes the terminal taller; the pty follows.
    const splitter = await page.locator('.nb-splitter-y').boundingBox();
    if (!splitter) throw new Error('no panel splitter');
    const x = splitter.x + splitter.width / 2;
    const y = splitter.y + splitter.height / 2;
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x, y - 120, { steps: 6 });
    await page.mouse.up();
    await expect.poll(async () => (await state()).rows, { timeout: 10_000 }).toBeGreaterThan(before.rows + 4);
    const taller = await state();
    expect(taller.cols).toBe(before.cols);
    await expect
      .poll(
        async () =>
          ((await (await server.api('/api/workspaces/default/terminals')).json()) as { id: string; rows: number }[]).find(
            (t) => t.id === id,
          )?.rows,
        { timeout: 10_000 },
      )
      .toBe(taller.rows);
    await run('clear; stty size');
    await waitForLine(page, `${taller.rows} ${taller.cols}`);

    // WebGL renders by default; when its context is lost, xterm's DOM renderer takes over and the
    // terminal goes on showing output.
    expect(taller.renderer).toBe('webgl');
    expect(await page.locator('.nb-terminal-host:not([hidden]) .xterm-rows').count()).toBe(0);
    const lost = await page.evaluate(() => {
      for (const canvas of Array.from(
        document.querySelectorAll<HTMLCanvasElement>('.nb-terminal-host:not([hidden]) .xterm-screen canvas'),
      )) {
        const gl = canvas.getContext('webgl2');
        const extension = gl?.getExtension('WEBGL_lose_context');
        if (extension) {
          extension.loseContext();
          return true;
        }
      }
      return false;
    });
    expect(lost).toBe(true);
    await expect.poll(async () => (await state()).renderer, { timeout: 15_000 }).toBe('dom');
    await run('echo drawn by the DOM renderer');
    await expect
      .poll(
        async () =>
          (await page.locator('.nb-terminal-host:not([hidden]) .xterm-rows').textContent())?.includes('drawn by the DOM renderer'),
        { timeout: 10_000 },
      )
      .toBe(true);
    expect(consoleErrors.get(page)).toEqual([]);
    await page.context().close();
  });

  it('copies the selection with Ctrl+Shift+C and pastes with Ctrl+Shift+V', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    const { page, screen, run, cell } = await openTerminal(context);
    await run('clear; echo copy-me-$((6*7))');
    await waitForLine(page, 'copy-me-42');

    // Double-click the word in the output, copy it.
    const word = await cell(3, (await screen()).indexOf('copy-me-42'));
    await page.mouse.dblclick(word.x, word.y);
    await page.keyboard.press('Control+Shift+C');
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText()), { timeout: 5000 }).toBe('copy-me-42');

    // Paste a command and run it.
    await page.evaluate(() => navigator.clipboard.writeText('echo pasted-$((6*7))'));
    await page.keyboard.press('Control+Shift+V');
    await page.keyboard.press('Enter');
    await waitForLine(page, 'pasted-42');
    expect(consoleErrors.get(page)).toEqual([]);
    await context.close();
  });

  it('shows colours and wide characters, and runs top and htop (keys and mouse)', async () => {
    const { page, screen, run, cell } = await openTerminal();

    // Wide characters: the browser's terminal answers a cursor position report after "ab中文😀", and
    // each of the three takes two cells (Unicode 11 widths), so the cursor is in column 2 + 6 + 1.
    await run(`clear; printf 'ab中文😀\\033[6n'; read -rs -d R pos; echo " at column \${pos#*;}"`);
    await expect.poll(async () => (await screen())[0], { timeout: 10_000 }).toBe('ab中文😀 at column 9');

    // Colours, as rendered: a line with a red background shows red pixels on the terminal's screen.
    const screenBox = page.locator('.nb-terminal-host:not([hidden]) .xterm-screen');
    const redPixels = async (): Promise<number> => {
      const png = (await screenBox.screenshot()).toString('base64');
      return page.evaluate(async (data) => {
        // Decoded as an image (the page's Content-Security-Policy allows data: images, not data: fetches).
        const element = new Image();
        element.src = `data:image/png;base64,${data}`;
        await element.decode();
        const image = await createImageBitmap(element);
        const canvas = new OffscreenCanvas(image.width, image.height);
        const context = canvas.getContext('2d') as OffscreenCanvasRenderingContext2D;
        context.drawImage(image, 0, 0);
        const pixels = context.getImageData(0, 0, image.width, image.height).data;
        let red = 0;
        for (let i = 0; i < pixels.length; i += 4)
          if ((pixels[i] as number) > 150 && (pixels[i + 1] as number) < 90 && (pixels[i + 2] as number) < 90) red++;
        return red;
      }, png);
    };
    expect(await redPixels()).toBe(0);
    await run(`clear; printf '\\033[41m%40s\\033[0m\\n' ''`);
    await expect.poll(redPixels, { timeout: 10_000 }).toBeGreaterThan(1000);

    // top: its screen, refreshed every second (the clock in its first line moves on), q quits.
    await run('clear; top -d 1');
    await expect.poll(async () => (await screen()).some((l) => /^\s*PID USER .* COMMAND$/.test(l)), { timeout: 15_000 }).toBe(true);
    const first = (await screen()).find((l) => l.startsWith('top - '));
    expect(first).toBeDefined();
    await expect.poll(async () => (await screen()).find((l) => l.startsWith('top - ')), { timeout: 10_000 }).not.toBe(first);
    await page.keyboard.type('q');
    await run('echo back from top');
    await waitForLine(page, 'back from top');

    // htop: its meters and process list; a click on "F10Quit" in its function bar quits it, which
    // takes the terminal's mouse reporting from the browser through the server to htop.
    await run('clear; htop');
    await expect.poll(async () => (await screen()).some((l) => /^\s*PID USER .*Command$/.test(l)), { timeout: 15_000 }).toBe(true);
    const lines = await screen();
    const barRow = lines.findIndex((l) => l.includes('F10Quit'));
    expect(barRow).toBeGreaterThan(0);
    const quit = await cell((lines[barRow] as string).indexOf('F10Quit') + 2, barRow);
    await page.mouse.click(quit.x, quit.y);
    await expect.poll(async () => (await screen()).some((l) => l.includes('F10Quit')), { timeout: 10_000 }).toBe(false);
    await run('echo back from htop');
    await waitForLine(page, 'back from htop');
    expect(consoleErrors.get(page)).toEqual([]);
    await page.context().close();
  });
});
