import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { launchBrowser, screenshotOnFailure } from './helpers/browser.js';
import { IdePage } from './helpers/ide.js';
import { writeFiles } from './helpers/lambda.js';
import { freePort, waitForProxy } from './helpers/proxy.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

// A real nginx (Debian's) on loopback in front of Nimbus, which is served under /ide: the snippet of
// docs/operations.md, with the ports filled in.
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-nginx-'));
let server: TestServer;
let nginx: ChildProcess;
let proxied: string;
let browser: Browser;
let owner: IdePage;
let guest: Page | undefined;
screenshotOnFailure(() => [owner?.page, guest]);

function nginxConfig(port: number, upstream: number): string {
  const tmp = (name: string): string => path.join(dir, name);
  return `daemon off;
worker_processes 1;
pid ${tmp('nginx.pid')};
error_log ${tmp('error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${tmp('body')};
  proxy_temp_path ${tmp('proxy')};
  fastcgi_temp_path ${tmp('fastcgi')};
  uwsgi_temp_path ${tmp('uwsgi')};
  scgi_temp_path ${tmp('scgi')};
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location /ide/ {
      proxy_pass http://127.0.0.1:${upstream};
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_read_timeout 1h;
      proxy_buffering off;
      client_max_body_size 64m;
    }
  }
}
`;
}

beforeAll(async () => {
  server = await startTestServer({}, ['--base-path', '/ide', '--trust-proxy', 'loopback']);
  writeFiles(server.workspaces.rootOf('default'), {
    'notes.md': '# Notes\n',
    'template.yaml': `Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async (e) => ({ statusCode: 200, body: 'hello ' + (e.rawPath || e.name) });"
      Events:
        Get: { Type: HttpApi, Properties: { Path: /hello, Method: get } }
`,
  });
  const port = await freePort();
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, d), { mode: 0o777 });
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(port, server.port));
  nginx = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'inherit', 'inherit'] });
  proxied = `http://127.0.0.1:${port}/ide`;
  await waitForProxy(proxied, nginx, () =>
    fs.existsSync(path.join(dir, 'error.log')) ? fs.readFileSync(path.join(dir, 'error.log'), 'utf8') : '',
  );
  browser = await launchBrowser();
  owner = await IdePage.open(browser, { ...server, url: proxied });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  nginx?.kill('SIGQUIT');
  if (nginx && nginx.exitCode === null) await new Promise((r) => nginx.once('exit', r));
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('behind nginx under /ide: the IDE, its sockets, share links and the Lambda endpoints', () => {
  it('serves only under the base path, and the page’s assets from it', async () => {
    expect(owner.page.url()).toBe(`${proxied}/w/default`);
    const direct = await fetch(`${server.url}/api/health`);
    expect(direct.status).toBe(404);
    expect(await direct.text()).toBe('Nimbus is served under /ide/\n');
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/ide/']);
    const html = await (await fetch(`${proxied}/`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).text();
    expect(html).toContain('<meta name="nimbus-base-path" content="/ide">');
    expect(html).toMatch(/src="\/ide\/assets\/index-[\w-]+\.js"/);
  });

  it('edits a file in the editor and saves it through the proxy', async () => {
    await owner.openFile('notes.md');
    await owner.page.click('.monaco-editor .view-line');
    await owner.page.keyboard.press('Control+End');
    await owner.page.keyboard.type('typed through nginx');
    await expect
      .poll(() => fs.readFileSync(path.join(server.workspaces.rootOf('default'), 'notes.md'), 'utf8'), { timeout: 15_000 })
      .toBe('# Notes\ntyped through nginx');
  });

  it('runs a terminal over the proxied WebSocket', async () => {
    await owner.openTerminal();
    await owner.run('echo "proxied-$((6 * 7))"');
    await owner.waitForLine('proxied-42');
  });

  it('gives share links under the base path, and a guest edits the same document live', async () => {
    const res = await owner.page.evaluate(async () => {
      const r = await fetch('/ide/api/workspaces/default/shares', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'write' }),
      });
      return (await r.json()) as CreatedShare;
    });
    expect(res.url).toBe(`${proxied}/w/default?token=${res.token}`);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    guest = await context.newPage();
    await guest.goto(res.url);
    await guest.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    expect(guest.url()).toBe(`${proxied}/w/default`);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'nimbus_session')?.path).toBe('/ide');
    const guestIde = new IdePage(guest);
    await guestIde.openFile('notes.md');
    await expect.poll(() => guestIde.editorText(), { timeout: 15_000 }).toContain('typed through nginx');
    // Back in the owner's editor (the terminal had the focus).
    await owner.openFile('notes.md');
    await owner.page.click('.monaco-editor .view-line');
    await owner.page.keyboard.press('Control+End');
    await owner.page.keyboard.type(' and seen by the guest');
    await expect.poll(() => guestIde.editorText(), { timeout: 15_000 }).toContain('typed through nginx and seen by the guest');
  });

  it('shows the local HTTP API’s URL under the base path, and it answers there', async () => {
    await owner.showView('lambda');
    const link = owner.page.locator('.nb-lambda-route-url').first();
    await link.waitFor({ timeout: 15_000 });
    const href = (await link.getAttribute('href')) as string;
    expect(href).toMatch(new RegExp(`^${proxied.replace(/[/.]/g, '\\$&')}/api-gw/default/\\$default/hello$`));
    const answer = await owner.page.evaluate(async (url) => (await fetch(url)).text(), href);
    expect(answer).toBe('hello /hello');
  });

  it('takes the AWS SDK at the proxied Lambda endpoint the view shows: SigV4 over the base path, Code.Location under it', async () => {
    expect(await owner.page.textContent('.nb-lambda-endpoint-url')).toBe(`${proxied}/lambda/default`);
    const lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: `${proxied}/lambda/default`,
      credentials: { accessKeyId: 'default', secretAccessKey: TEST_TOKEN },
    });
    try {
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'hello', Payload: Buffer.from('{"name":"sdk"}') }));
      expect(JSON.parse(Buffer.from(out.Payload ?? []).toString())).toMatchObject({ body: 'hello sdk' });
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
      expect(fn.Code?.Location).toMatch(new RegExp(`^${proxied.replace(/[/.]/g, '\\$&')}/lambda/default/code/hello\\.zip\\?`));
      expect((await fetch(fn.Code?.Location as string)).status).toBe(200);
    } finally {
      lambda.destroy();
    }
  });
});
