import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { IdePage } from './helpers/ide.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let root: string;
let alice: Page;
let bob: Page;
let viewer: Page | undefined;
let carol: Page | undefined;
screenshotOnFailure(() => [alice, bob, viewer, carol]);

const APP = ['export function add(a: number, b: number) {', '  return a + b;', '}', ''].join('\n');
const NOTES = Array.from({ length: 300 }, (_, i) => `note line ${i + 1}`).join('\n') + '\n';

async function share(role: 'read' | 'write'): Promise<string> {
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role }) });
  return ((await res.json()) as CreatedShare).token;
}

async function context(name?: string): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  if (name) await ctx.addInitScript((n) => localStorage.setItem('nimbus.userName', n), name);
  return ctx;
}

const editorText = (page: Page): Promise<string> => new IdePage(page).editorText();
const showView = (page: Page, id: string): Promise<void> => new IdePage(page).showView(id);
const openFile = (page: Page, file: string): Promise<void> => new IdePage(page).openFile(file);

async function joinWithName(page: Page, name: string): Promise<void> {
  await page.waitForSelector('body[data-collab="ready"]');
  const input = page.locator('.nb-name-card input');
  await input.fill(name);
  await input.press('Enter');
  await page.waitForSelector('.nb-name-card', { state: 'detached' });
}

beforeAll(async () => {
  server = await startTestServer({ collab: { writeDebounceMs: 100 } });
  root = server.workspaces.rootOf('default');
  fs.mkdirSync(path.join(root, 'src'));
  fs.writeFileSync(path.join(root, 'src', 'app.ts'), APP);
  fs.writeFileSync(path.join(root, 'notes.md'), NOTES);
  browser = await launchBrowser();
  alice = await openIde(browser, server, { context: await context('Alice') });
  await alice.waitForSelector('body[data-collab="ready"]');
  bob = await openIde(browser, server, { context: await context(), token: await share('write') });
  await joinWithName(bob, 'Bob');
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('pair programming in two browsers', () => {
  it('a share link asks for a display name (without blocking); the people view shows everyone with their name and role', async () => {
    await showView(alice, 'people');
    await showView(bob, 'people');
    await alice.waitForSelector('.nb-person[data-peer-name="Bob"]');
    await bob.waitForSelector('.nb-person[data-peer-name="Alice"]');
    expect(await alice.locator('.nb-person[data-peer-name="Bob"] .nb-person-role').textContent()).toBe('can edit');
    expect(await alice.locator('.nb-person[data-peer-name="Alice"] .nb-person-name').textContent()).toBe('Alice (you)');
  });

  it('both type in the same file and converge; each sees the other’s cursor with a name label', async () => {
    await openFile(alice, 'src/app.ts');
    await openFile(bob, 'src/app.ts');
    await alice.click('.monaco-editor .view-lines');
    await alice.keyboard.press('Control+Home');
    await alice.keyboard.type('// alice was here\n');
    await bob.click('.monaco-editor .view-lines');
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type('// bob too');
    const expected = '// alice was here\n' + APP + '// bob too';
    await expect.poll(() => editorText(alice), { timeout: 5000 }).toBe(expected);
    await expect.poll(() => editorText(bob), { timeout: 5000 }).toBe(expected);
    await expect.poll(() => fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8'), { timeout: 5000 }).toBe(expected);

    const labelIn = (page: Page): Promise<string[]> =>
      page.evaluate(() =>
        Array.from(document.querySelectorAll('.monaco-editor .yRemoteSelectionHead')).map((el) => getComputedStyle(el, '::after').content),
      );
    await expect.poll(() => labelIn(alice), { timeout: 5000 }).toEqual(['"Bob"']);
    await expect.poll(() => labelIn(bob), { timeout: 5000 }).toEqual(['"Alice"']);
    await showView(alice, 'people');
    await expect
      .poll(() => alice.locator('.nb-person[data-peer-name="Bob"] .nb-person-file').textContent(), { timeout: 5000 })
      .toBe('app.ts');
    expect(await alice.locator('.nb-person[data-peer-name="Alice"] .nb-person-file').textContent()).toBe('app.ts');
  });

  it('undo only undoes your own typing', async () => {
    const target = APP + '// bob too';
    await alice.click('.monaco-editor .view-lines');
    // Typing is one undo step unless a pause of 500 ms split it (a loaded machine can pause the
    // browser that long, and under a full test run it can, many times), so undo step by step until Alice's
    // line is gone.
    for (let undos = 0; undos < 20 && (await editorText(alice)) !== target; undos++) {
      const before = await editorText(alice);
      await alice.keyboard.press('Control+z');
      await expect.poll(() => editorText(alice), { timeout: 5000 }).not.toBe(before);
    }
    await alice.keyboard.press('Control+z'); // nothing of Alice's is left to undo: Bob's line stays
    await expect.poll(() => editorText(bob), { timeout: 5000 }).toBe(target);
    expect(await editorText(alice)).toBe(target);
  });

  it('follow mode: Alice follows Bob into another file and to where he scrolled, until she moves herself', async () => {
    await showView(alice, 'people');
    await alice.click('.nb-person[data-peer-name="Bob"]');
    await alice.waitForSelector('.nb-follow-banner:not([hidden])');
    await openFile(bob, 'notes.md');
    await expect.poll(() => alice.locator('.nb-tab.nb-active').getAttribute('data-path'), { timeout: 5000 }).toBe('notes.md');
    await bob.click('.monaco-editor .view-lines');
    await bob.keyboard.press('Control+End');
    await expect.poll(async () => (await editorText(alice)).includes('note line 290'), { timeout: 5000 }).toBe(true);
    await alice.click('.monaco-editor .view-lines');
    await alice.waitForSelector('.nb-follow-banner', { state: 'hidden' });
    await bob.keyboard.press('Control+Home');
    await expect.poll(async () => (await editorText(bob)).includes('note line 1\n'), { timeout: 5000 }).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect((await editorText(alice)).includes('note line 290')).toBe(true);
  });

  it('chat arrives with an unread count that clears when the chat is opened', async () => {
    // Collaboration: Focus on Chat (from the palette) shows the view with the cursor in the message box.
    await new IdePage(bob).runCommand('Focus on Chat');
    await expect.poll(() => bob.evaluate(() => document.activeElement?.className)).toContain('nb-chat-input');
    await bob.keyboard.type('look at notes.md please');
    await bob.keyboard.press('Shift+Enter'); // a second line, not sent
    await bob.keyboard.type('(line 2)');
    await bob.keyboard.press('Enter');
    await expect.poll(() => alice.locator('.nb-activity-button[data-view="chat"] .nb-badge').textContent(), { timeout: 5000 }).toBe('1');
    await showView(alice, 'chat');
    await alice.waitForSelector('.nb-chat-message:has-text("look at notes.md please")');
    expect(await alice.locator('.nb-chat-message .nb-chat-text').last().textContent()).toBe('look at notes.md please\n(line 2)');
    expect(await bob.inputValue('.nb-chat-input')).toBe('');
    expect(await alice.locator('.nb-activity-button[data-view="chat"] .nb-badge').isHidden()).toBe(true);
    expect(await bob.locator('.nb-activity-button[data-view="chat"] .nb-badge').isHidden()).toBe(true);
  });

  it('an outside `sed -i` appears in both editors, once', async () => {
    await openFile(alice, 'src/app.ts');
    await openFile(bob, 'src/app.ts');
    execFileSync('sed', ['-i', 's/return a + b;/return a + b + 0;/', path.join(root, 'src/app.ts')]);
    const expected = APP.replace('return a + b;', 'return a + b + 0;') + '// bob too';
    await expect.poll(() => editorText(alice), { timeout: 5000 }).toBe(expected);
    await expect.poll(() => editorText(bob), { timeout: 5000 }).toBe(expected);
    await new Promise((r) => setTimeout(r, 500));
    expect(await editorText(alice)).toBe(expected);
  });

  it('a read-only link gets a read-only editor that cannot change the file, and still sees live edits', async () => {
    viewer = await openIde(browser, server, { context: await context(), token: await share('read') });
    await joinWithName(viewer, 'Vera');
    await openFile(viewer, 'src/app.ts');
    const before = fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8');
    await viewer.click('.monaco-editor .view-lines');
    await viewer.keyboard.type('VANDALISM');
    await viewer.keyboard.press('Control+s');
    expect(await viewer.locator('.nb-statusbar [data-id="saved"]').textContent()).toBe('read-only');
    await alice.click('.monaco-editor .view-lines');
    await alice.keyboard.press('Control+End');
    await alice.keyboard.type(' // still live');
    await expect.poll(async () => (await editorText(viewer as Page)).endsWith('// bob too // still live'), { timeout: 5000 }).toBe(true);
    expect(await editorText(viewer)).not.toContain('VANDALISM');
    await expect.poll(() => fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8'), { timeout: 5000 }).toBe(before + ' // still live');
  });

  it('the status bar shows the documents are live', async () => {
    expect(await alice.locator('.nb-statusbar [data-id="collab"]').textContent()).toBe('⇄ live');
  });

  it('editing offline: the status bar says so, typing goes on, and the edits arrive once the connection is back', async () => {
    fs.writeFileSync(path.join(root, 'offline.md'), 'first line\n');
    // Bob's document socket goes through a switch: cut, it drops the connection and refuses new ones (a
    // lost network, for one socket: Chromium's offline mode leaves open WebSockets alone).
    let cut = false;
    const open = new Set<WebSocketRoute>();
    await bob.context().routeWebSocket(/\/yjs\/default\/offline\.md/, (ws) => {
      if (cut) return void ws.close({ code: 1001, reason: 'network down' });
      const upstream = ws.connectToServer();
      open.add(ws);
      ws.onClose(() => (open.delete(ws), void upstream.close()));
      upstream.onClose(() => (open.delete(ws), void ws.close()));
    });
    await openFile(alice, 'offline.md');
    await openFile(bob, 'offline.md');
    expect(open.size).toBe(1);
    const bobStatus = bob.locator('.nb-statusbar [data-id="collab"]');
    cut = true;
    for (const ws of open) await ws.close({ code: 1001, reason: 'network down' });
    await expect.poll(() => bobStatus.getAttribute('data-state'), { timeout: 10_000 }).toBe('offline');
    await bob.click('.monaco-editor .view-lines');
    await bob.keyboard.press('Control+End');
    await bob.keyboard.type('written offline\n');
    await expect.poll(() => bobStatus.textContent(), { timeout: 5000 }).toContain('1 file with unsynced edits');
    await alice.click('.monaco-editor .view-lines');
    await alice.keyboard.press('Control+Home');
    await alice.keyboard.type('typed online\n');
    await expect.poll(() => fs.readFileSync(path.join(root, 'offline.md'), 'utf8'), { timeout: 5000 }).toBe('typed online\nfirst line\n');
    expect(await editorText(alice)).not.toContain('written offline');

    cut = false;
    const expected = 'typed online\nfirst line\nwritten offline\n';
    await expect.poll(() => editorText(bob), { timeout: 15_000 }).toBe(expected);
    await expect.poll(() => editorText(alice), { timeout: 5000 }).toBe(expected);
    await expect.poll(() => fs.readFileSync(path.join(root, 'offline.md'), 'utf8'), { timeout: 5000 }).toBe(expected);
    await expect.poll(() => bobStatus.getAttribute('data-state'), { timeout: 5000 }).toBe('connected');
  });

  it('the share dialog creates an expiring link; revoking it there disconnects its user at once', async () => {
    await alice.click('[data-action="share"]');
    await alice.selectOption('.nb-share-dialog select[name="role"]', 'read');
    await alice.selectOption('.nb-share-dialog select[name="expiry"]', '1h');
    await alice.click('.nb-share-dialog button.nb-primary');
    const url = await alice.locator('.share-url').inputValue();
    expect(url).toMatch(/\/w\/default\?token=/);
    await alice.click('.nb-share-dialog button:has-text("Close")');
    carol = await (await context()).newPage();
    await carol.goto(url);
    await joinWithName(carol, 'Carol');
    await openFile(carol, 'src/app.ts');
    await showView(alice, 'people');
    await alice.waitForSelector('.nb-person[data-peer-name="Carol"]');
    await alice.click('[data-action="share"]');
    await alice.click('.nb-share-item:has-text("expires") button:has-text("Revoke")');
    // Not a stale editor that says "reconnecting": a page that says what happened.
    await carol.waitForSelector('.nb-full-page h1:has-text("This share link was revoked")');
    expect(await carol.locator('.monaco-editor, .nb-statusbar').count()).toBe(0);
    await alice.waitForSelector('.nb-person[data-peer-name="Carol"]', { state: 'detached' });
    expect(await alice.locator('.nb-share-item:has-text("expires")').count()).toBe(0);
    // Coming back later: the session that link gave is gone too (the sign-in page, no workspace).
    await carol.reload();
    await carol.waitForSelector('text=Paste the access token');
  });

  it('terminal input is granted in the share dialog only when chosen, with a warning of what it allows', async () => {
    if (await alice.locator('.nb-share-dialog').count()) await alice.click('.nb-share-dialog button:has-text("Close")');
    await alice.click('[data-action="share"]');
    const terminalSelect = alice.locator('.nb-share-dialog select[name="terminal"]');
    // A read-only link can never type; an editing link watches terminals unless typing is chosen.
    await alice.selectOption('.nb-share-dialog select[name="role"]', 'read');
    expect(await alice.locator('.nb-share-dialog select[name="terminal"] option[value="write"]').isDisabled()).toBe(true);
    await alice.selectOption('.nb-share-dialog select[name="role"]', 'write');
    expect(await terminalSelect.inputValue()).toBe('read');
    expect(await alice.locator('.nb-share-warning').isVisible()).toBe(false);
    await alice.selectOption('.nb-share-dialog select[name="terminal"]', 'write');
    await expect
      .poll(() => alice.locator('.nb-share-warning').textContent())
      .toMatch(/runs commands on this machine.*inside this workspace's sandbox/);
    await alice.click('.nb-share-dialog button.nb-primary');
    const url = await alice.locator('.share-url').inputValue();
    expect(await alice.locator('.nb-share-created').textContent()).toContain('type in its terminals');
    // The list of links refreshes after the link is shown: wait for it rather than read it at once.
    await alice.waitForSelector('.nb-share-item[data-terminal="write"]');
    await alice.click('.nb-share-dialog button:has-text("Close")');

    const dave = await (await context('Dave')).newPage();
    try {
      await dave.goto(url);
      await dave.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      await dave.click('button[aria-label="New terminal"]');
      await dave.waitForFunction(() => window.nimbusTerminals?.list().at(-1)?.status === 'online', undefined, { timeout: 15_000 });
      await dave.click('.nb-terminal-host:not([hidden]) .xterm');
      await dave.keyboard.type('echo dave-$((40+2))');
      await dave.keyboard.press('Enter');
      await dave.waitForFunction(() => window.nimbusTerminals?.list().some((t) => t.text.includes('dave-42')), undefined, {
        timeout: 10_000,
      });
    } finally {
      await dave.context().close();
    }

    // A link without terminal access sees no terminal at all.
    const res = await server.api('/api/workspaces/default/shares', {
      method: 'POST',
      body: JSON.stringify({ role: 'write', terminal: 'none' }),
    });
    const erin = await (await context('Erin')).newPage();
    try {
      await erin.goto(((await res.json()) as CreatedShare).url);
      await erin.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      expect(await erin.locator('.nb-terminal-empty').textContent()).toContain('does not include the terminals');
      expect(await erin.locator('button[aria-label="New terminal"]').count()).toBe(0);
    } finally {
      await erin.context().close();
    }
  });
});
