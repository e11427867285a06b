import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { IdePage } from './helpers/ide.js';
import { useServerAwsConfig, writeFiles } from './helpers/lambda.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let aws: { restore(): void } | undefined;
let peerId: string;
screenshotOnFailure(() => [page]);

beforeAll(async () => {
  server = await startTestServer();
  peerId = (
    (await (await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'deployed' }) })).json()) as { id: string }
  ).id;
  // The server's AWS configuration: a profile that signs for the other workspace's Lambda API.
  aws = useServerAwsConfig(`[deployed]\naws_access_key_id = ${peerId}\naws_secret_access_key = ${TEST_TOKEN}\n`);
  writeFiles(server.workspaces.rootOf(peerId), {
    'template.yaml': `Resources:
  Orders:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: orders-api, CodeUri: orders/, Handler: handler.main, Runtime: python3.12, MemorySize: 512 }
  Billing:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: billing, CodeUri: billing/, Handler: index.handler, Runtime: nodejs20.x }
`,
    'orders/handler.py': `def main(event, context):\n    print("order", event.get("id"))\n    return {"order": event.get("id"), "status": "shipped"}\n`,
    'billing/index.js': `exports.handler = async () => ({ billed: true });\n`,
  });
  browser = await launchBrowser();
  page = await openIde(browser, server);
});
afterAll(async () => {
  aws?.restore();
  await browser?.close();
  await server?.stop();
});

const remote = (name: string): string => `.nb-lambda-remote-function[data-function="${name}"]`;
const run = (selector: string): string => `.nb-lambda-run:not([hidden]) ${selector}`;

describe('Remote functions in the browser: list another account, import by double-click, run', () => {
  it('lists the functions of an endpoint with a server profile, filters them, imports one by double-click and runs it', async () => {
    await page.click('.nb-activity-button[data-view="lambda"]');
    await new IdePage(page).runCommand('Lambda: Import Remote Function…');
    await page.waitForSelector('.nb-lambda-remote[open] .nb-lambda-remote-profile option[value="deployed"]', { state: 'attached' });
    await page.fill('.nb-lambda-remote-region', 'eu-west-1');
    await page.selectOption('.nb-lambda-remote-profile', 'deployed');
    await page.fill('.nb-lambda-remote-endpoint', `${server.url}/lambda/${peerId}`);
    await page.click('.nb-lambda-remote-list');
    await page.waitForSelector(remote('orders-api'));
    expect(await page.textContent(remote('orders-api'))).toMatch(/python3\.12 · 512 MB · modified \d{4}-\d{2}-\d{2}/);
    await page.fill('.nb-lambda-remote-filter', 'ord');
    await expect.poll(() => page.locator('.nb-lambda-remote-function').count()).toBe(1);

    await page.dblclick(remote('orders-api'));
    await expect.poll(() => page.textContent('.nb-lambda-remote-status'), { timeout: 15_000 }).toMatch(/Imported orders-api as orders-api/);
    // It is a function of the workspace now: listed, its run view open, its handler in an editor.
    await page.waitForSelector('.nb-lambda-function[data-function="orders-api"]');
    await page.waitForSelector('.nb-tab.nb-active[data-path="orders-api/handler.py"]');
    await page.click('.nb-tab[data-path="lambda-run:orders-api"]');
    expect(fs.readFileSync(path.join(server.workspaces.rootOf('default'), 'template.yaml'), 'utf8')).toMatch(
      /OrdersApi:\n {4}Type: "AWS::Serverless::Function"/,
    );

    await page.fill(run('.nb-lambda-payload'), '{ "id": 42 }');
    await page.click(run('.lambda-invoke'));
    await page.waitForSelector(run('.nb-lambda-status.nb-succeeded'), { timeout: 20_000 });
    expect(JSON.parse((await page.textContent(run('.nb-lambda-response'))) as string)).toEqual({ order: 42, status: 'shipped' });
    expect(await page.textContent(run('.nb-lambda-log'))).toMatch(/REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms/);
  });

  it('asks what to do when the folder exists, and imports as a copy', async () => {
    await page.dblclick(remote('orders-api'));
    await page.waitForSelector('.nb-lambda-remote-conflict:not([hidden]) .nb-lambda-remote-copy');
    expect(await page.textContent('.nb-lambda-remote-status')).toMatch(/exists already/);
    await page.click('.nb-lambda-remote-copy');
    await expect.poll(() => page.textContent('.nb-lambda-remote-status'), { timeout: 15_000 }).toMatch(/as orders-api-copy/);
    await page.waitForSelector('.nb-lambda-function[data-function="orders-api-copy"]');
  });
});
