import fs from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';
import { launchBrowser, openIde } from '../helpers/browser.js';
import { startTestServer } from '../helpers/server.js';

it('screenshots', async () => {
  const server = await startTestServer();
  const root = server.workspaces.rootOf('default');
  fs.writeFileSync(path.join(root, 'app.ts'), 'export function add(a: number, b: number) {\n  return a + b;\n}\n');
  const browser = await launchBrowser();
  const ctxA = await browser.newContext({ viewport: { width: 1280, height: 700 } });
  await ctxA.addInitScript(() => localStorage.setItem('nimbus.userName', 'Alice'));
  const a = await openIde(browser, server, { context: ctxA });
  await a.waitForSelector('body[data-collab="ready"]');
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) });
  const token = ((await res.json()) as { token: string }).token;
  const b = await openIde(browser, server, { token });
  await b.screenshot({ path: '/work/wt-collab/.scratch/1-name-prompt.png' });
  await b.fill('.dialog input', 'Bob');
  await b.press('.dialog input', 'Enter');
  await b.waitForSelector('body[data-collab="ready"]');
  for (const p of [a, b]) {
    await p.click('.tree-row[data-path="app.ts"]');
    await p.waitForSelector('.monaco-editor .view-line');
  }
  await b.click('.monaco-editor .view-lines');
  await b.keyboard.press('Control+End');
  await b.keyboard.type('// hi from bob');
  await b.keyboard.press('Shift+Home');
  await a.click('.activity-button[data-view="people"]');
  await a.waitForTimeout(800);
  await a.screenshot({ path: '/work/wt-collab/.scratch/2-people-cursor.png' });
  await b.click('.activity-button[data-view="chat"]');
  await b.fill('.chat-input', 'hello Alice!');
  await b.press('.chat-input', 'Enter');
  await a.waitForTimeout(300);
  await a.screenshot({ path: '/work/wt-collab/.scratch/3-unread.png' });
  await a.click('.activity-button[data-view="chat"]');
  await a.click('[data-action="share"]');
  await a.click('.share-dialog button.primary');
  await a.waitForSelector('.share-url');
  await a.screenshot({ path: '/work/wt-collab/.scratch/4-share.png' });
  await browser.close();
  await server.stop();
}, 60_000);
