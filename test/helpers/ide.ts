import type { Browser, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { openIde, type OpenIdeOptions } from './browser.js';
import type { TerminalPageState } from '../../shared/protocol/terminal.js';
import type { TestServer } from './server.js';

/** What the terminal feature tells tests about each terminal. */
export type TerminalState = TerminalPageState;

/**
 * The page model the browser tests share: the IDE as a person uses it (the tree, the palette, editors,
 * terminals), so each test says what it does and not which selectors it takes.
 */
export class IdePage {
  constructor(readonly page: Page) {}

  /** Opens the IDE with `?token=` (the owner's unless given) and waits until it is ready. */
  static async open(browser: Browser, server: TestServer, options: OpenIdeOptions = {}): Promise<IdePage> {
    return new IdePage(await openIde(browser, server, options));
  }

  /** The selector of a file tree row. */
  static row(path: string): string {
    return `.nb-tree-row[data-path="${path}"]`;
  }

  async showView(id: string): Promise<void> {
    await this.page.click(`.nb-activity-button[data-view="${id}"]`);
  }

  /** Opens a file from the tree (expanding its folders) and waits for its text in the active editor. */
  async openFile(file: string): Promise<void> {
    await this.showView('files');
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) {
      if ((await this.page.locator(IdePage.row(file)).count()) > 0) break;
      const dir = parts.slice(0, i).join('/');
      const expanded = await this.page.getAttribute(IdePage.row(dir), 'aria-expanded');
      if (expanded !== 'true') await this.page.click(IdePage.row(dir));
    }
    await this.page.click(IdePage.row(file));
    await this.page.waitForSelector(`.nb-tab.nb-active[data-path="${file}"]`);
    await this.page.waitForSelector('.monaco-editor .view-line');
  }

  /** The editor groups, in order. */
  group(i: number): Locator {
    return this.page.locator('.nb-editor-group').nth(i);
  }

  /** The text an editor shows, line by line in screen order (Monaco draws spaces as no-break spaces). */
  async editorText(group = 0): Promise<string> {
    return this.group(group)
      .locator('.monaco-editor .view-lines .view-line')
      .evaluateAll((lines) =>
        (lines as HTMLElement[])
          .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
          .map((l) => (l.textContent ?? '').replace(/\u00a0/g, ' '))
          .join('\n'),
      );
  }

  /** Runs a command from the palette (F1) by its title, as a person would. */
  async runCommand(title: string): Promise<void> {
    await this.page.keyboard.press('F1');
    await this.page.locator('.nb-quick-input-field').fill(`>${title}`);
    await expect.poll(() => this.page.locator('.nb-quick-item').first().textContent()).toContain(title);
    await this.page.keyboard.press('Enter');
  }

  /** What the terminals show and are. */
  terminals(): Promise<TerminalState[]> {
    return this.page.evaluate(() => window.nimbusTerminals?.list() ?? []);
  }

  /** Opens a terminal with "+", waits until it is live and focuses it; resolves to its id. */
  async openTerminal(): Promise<string> {
    // By its id: under load the page's first listing (other terminals) can arrive after it.
    const [created] = await Promise.all([
      this.page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/terminals')),
      this.page.click('button[aria-label="New terminal"]'),
    ]);
    const id = ((await created.json()) as { id: string }).id;
    await this.page.waitForFunction((wanted) => window.nimbusTerminals?.list().find((t) => t.id === wanted)?.status === 'online', id, {
      timeout: 15_000,
    });
    await this.page.click('.nb-terminal-host:not([hidden]) .xterm');
    return id;
  }

  /** Types a command line into the focused terminal and presses Enter. */
  async run(command: string): Promise<void> {
    await this.page.keyboard.type(command);
    await this.page.keyboard.press('Enter');
  }

  /** Waits until some terminal shows this line. */
  async waitForLine(line: string): Promise<void> {
    await this.page.waitForFunction(
      (wanted) => window.nimbusTerminals?.list().some((t) => t.text.split('\n').some((l) => l.trimEnd() === wanted)) === true,
      line,
      { timeout: 15_000 },
    );
  }
}
