import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { launchBrowser, screenshotOnFailure } from './helpers/browser.js';
import { IdePage } from './helpers/ide.js';
import { writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page | undefined;
screenshotOnFailure(() => [page]);

/**
 * Runs before the page's scripts: records every listener added to the page's global targets (window,
 * document, <html>, <body>, media queries), every interval and pending timeout, and every WebSocket,
 * each with the script file that asked for it. Monaco's and xterm.js's own module-level listeners live in
 * their chunks (vite.config.ts) and are told apart by that file.
 */
const TRACKER = `(() => {
  const vendor = /\\/assets\\/(monaco|xterm|helpers)[-.]/;
  const origin = () => {
    const frames = (new Error().stack || '').split('\\n').slice(2);
    const frame = frames.find((f) => f.includes('/assets/'));
    // No frame of the page's scripts: the browser's or the test driver's own (Playwright's injected script).
    return frame ? { frame: frame.trim(), vendor: vendor.test(frame) } : { frame: '(not the page)', vendor: true };
  };
  const ids = new WeakMap();
  let nextId = 1;
  const idOf = (o) => { if (!ids.has(o)) ids.set(o, nextId++); return ids.get(o); };
  const isGlobal = (t) => t === window || t === document || t === document.documentElement || t === document.body
    || (typeof MediaQueryList !== 'undefined' && t instanceof MediaQueryList);
  const listeners = new Map();
  const keyOf = (t, type, fn, opts) => idOf(t) + '|' + type + '|' + idOf(fn) + '|' + (typeof opts === 'boolean' ? opts : !!(opts && opts.capture));
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  EventTarget.prototype.addEventListener = function (type, fn, opts) {
    if (fn && isGlobal(this)) {
      const key = keyOf(this, type, fn, opts);
      const target = this === window ? 'window' : this === document ? 'document' : this === document.body ? 'body' : this === document.documentElement ? 'html' : 'media';
      listeners.set(key, { target, type, ...origin() });
      const signal = opts && typeof opts === 'object' ? opts.signal : undefined;
      if (signal) signal.addEventListener('abort', () => listeners.delete(key));
    }
    return add.call(this, type, fn, opts);
  };
  EventTarget.prototype.removeEventListener = function (type, fn, opts) {
    if (fn) listeners.delete(keyOf(this, type, fn, opts));
    return remove.call(this, type, fn, opts);
  };
  const intervals = new Map();
  const timeouts = new Map();
  const setI = window.setInterval, clearI = window.clearInterval, setT = window.setTimeout, clearT = window.clearTimeout;
  window.setInterval = function (fn, ms, ...args) { const id = setI.call(window, fn, ms, ...args); intervals.set(id, { ms, ...origin() }); return id; };
  window.clearInterval = function (id) { intervals.delete(id); return clearI.call(window, id); };
  window.setTimeout = function (fn, ms, ...args) {
    const info = { ms, ...origin() };
    const id = setT.call(window, function () { timeouts.delete(id); return typeof fn === 'function' ? fn.apply(this, arguments) : undefined; }, ms, ...args);
    timeouts.set(id, info);
    return id;
  };
  window.clearTimeout = function (id) { timeouts.delete(id); return clearT.call(window, id); };
  const sockets = [];
  const NativeSocket = window.WebSocket;
  window.WebSocket = new Proxy(NativeSocket, {
    construct(target, args) { const ws = new target(...args); sockets.push({ ws, url: String(args[0]), ...origin() }); return ws; },
  });
  window.__leaks = () => ({
    listeners: [...listeners.values()].filter((l) => !l.vendor),
    vendorListeners: [...listeners.values()].filter((l) => l.vendor).length,
    intervals: [...intervals.values()].filter((t) => !t.vendor),
    timeouts: [...timeouts.values()].filter((t) => !t.vendor),
    sockets: sockets.filter((s) => s.ws.readyState === 0 || s.ws.readyState === 1).map(({ url, frame }) => ({ url, frame })),
    socketsOpened: sockets.length,
  });
})();`;

interface Leaks {
  listeners: { target: string; type: string; frame: string }[];
  vendorListeners: number;
  intervals: { ms: number; frame: string }[];
  timeouts: { ms: number; frame: string }[];
  sockets: { url: string; frame: string }[];
  socketsOpened: number;
}

beforeAll(async () => {
  server = await startTestServer();
  const root = server.workspaces.rootOf('default');
  fs.mkdirSync(path.join(root, 'src'), { recursive: true });
  fs.writeFileSync(path.join(root, 'src/app.ts'), 'export const app = 1;\n');
  fs.writeFileSync(path.join(root, 'README.md'), '# Readme\n');
  writeFiles(root, {
    'fn/template.yaml':
      'Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: index.handler, Runtime: nodejs20.x, CodeUri: . }\n',
    'fn/index.js': 'exports.handler = async () => 1;\n',
  });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('ending a page releases what its features held', () => {
  it('a revoked share link leaves no listener, timer or socket of ours behind, after every feature was used', async () => {
    const res = await server.api('/api/workspaces/default/shares', {
      method: 'POST',
      body: JSON.stringify({ role: 'write', terminal: 'write' }),
    });
    const share = (await res.json()) as CreatedShare;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: TRACKER });
    await context.addInitScript(() => localStorage.setItem('nimbus.nameChosen', '1'));
    const ide = await IdePage.open(browser, server, { token: share.token, workspace: 'default', context });
    page = ide.page;
    await page.waitForSelector('body[data-collab="ready"]');

    // Use each feature: editors in two groups, a Markdown preview, a terminal, search, the palette and
    // quick open, settings, the Lambda, people and chat views.
    await ide.openFile('src/app.ts');
    await page.keyboard.press('Control+\\');
    await expect.poll(() => page?.locator('.nb-editor-group').count()).toBe(2);
    await ide.openFile('README.md');
    await ide.runCommand('Markdown: Open Preview to the Side');
    await page.waitForSelector('.nb-markdown-body');
    await ide.openTerminal();
    await ide.run('echo ready');
    await ide.waitForLine('ready');
    await page.keyboard.press('Control+Shift+F');
    await page.keyboard.type('app');
    await page.waitForSelector('.nb-search-file');
    await page.keyboard.press('Control+P');
    await page.keyboard.type('app');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+,');
    await page.waitForSelector('.nb-settings');
    await page.keyboard.press('Escape');
    await ide.showView('lambda');
    await page.waitForSelector('.nb-lambda-function[data-function="Hello"]');
    await ide.showView('people');
    await ide.showView('chat');
    await page.keyboard.type('hello');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.nb-chat-message');
    const before = (await page.evaluate('window.__leaks()')) as Leaks;
    expect(before.listeners.length).toBeGreaterThan(10); // the tracker sees our listeners while they are wanted
    expect(before.sockets.length).toBeGreaterThanOrEqual(5); // events, people, two documents, a terminal

    await server.api(`/api/workspaces/default/shares/${encodeURIComponent(share.id)}`, { method: 'DELETE' });
    await page.waitForSelector('.nb-full-page h1:has-text("This share link was revoked")');

    // Timers that were already due may still run once; nothing may wait beyond them or repeat.
    await expect
      .poll(async () => {
        const after = (await page?.evaluate('window.__leaks()')) as Leaks;
        return { listeners: after.listeners, intervals: after.intervals, timeouts: after.timeouts, sockets: after.sockets };
      })
      .toEqual({ listeners: [], intervals: [], timeouts: [], sockets: [] });
    const after = (await page.evaluate('window.__leaks()')) as Leaks;
    // No socket was opened again after the end (a reconnect would show up here).
    expect(after.socketsOpened).toBe(before.socketsOpened);
  });
});
