import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CreatedShare } from '../shared/api.js';
import { freePort, waitForProxy } from './helpers/proxy.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { yClient } from './helpers/yjs.js';

// A real Caddy (Debian's) on loopback in front of Nimbus under /ide: the Caddyfile of docs/operations.md.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-caddy-'));
let server: TestServer;
let caddy: ChildProcess;
let proxied: string;
let log = '';

beforeAll(async () => {
  server = await startTestServer({}, ['--base-path', '/ide', '--trust-proxy', 'loopback']);
  fs.writeFileSync(
    path.join(server.workspaces.rootOf('default'), 'template.yaml'),
    'Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: hello, Runtime: nodejs20.x, Handler: index.handler, InlineCode: "exports.handler = async (e) => \'hi \' + e.name;" }\n',
  );
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'Caddyfile'),
    `{
	admin off
	auto_https off
}

http://127.0.0.1:${port} {
	handle /ide/* {
		reverse_proxy 127.0.0.1:${server.port}
	}
}
`,
  );
  const env = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data') };
  caddy = spawn('caddy', ['run', '--config', path.join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], { env });
  caddy.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  caddy.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  proxied = `http://127.0.0.1:${port}/ide`;
  await waitForProxy(proxied, caddy, () => log);
}, 30_000);

afterAll(async () => {
  caddy?.kill('SIGTERM');
  if (caddy && caddy.exitCode === null) await new Promise((r) => caddy.once('exit', r));
  await server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('behind Caddy under /ide', () => {
  it('serves the page, the API and share links under the base path', async () => {
    const page = await fetch(`${proxied}/?token=${TEST_TOKEN}`, { redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/ide/');
    expect(page.headers.get('set-cookie')).toMatch(/; Path=\/ide;/);
    const share = (await (
      await fetch(`${proxied}/api/workspaces/default/shares`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'read' }),
      })
    ).json()) as CreatedShare;
    expect(share.url).toBe(`${proxied}/w/default?token=${share.token}`);
  });

  it('carries the document and event WebSockets', async () => {
    const events = new WebSocket(`${proxied.replace('http', 'ws')}/ws/workspaces/default/events?token=${TEST_TOKEN}`);
    await new Promise((resolve, reject) => events.once('open', resolve).once('error', reject));
    events.close();
    const a = yClient(proxied, 'caddy.md');
    const b = yClient(proxied, 'caddy.md');
    await Promise.all([a.synced(), b.synced()]);
    a.text.insert(0, 'through caddy');
    await expect.poll(() => b.text.toString()).toBe('through caddy');
    a.destroy();
    b.destroy();
  });

  it('takes SigV4-signed Lambda API calls at the proxied endpoint', async () => {
    const lambda = new LambdaClient({
      region: 'us-east-1',
      endpoint: `${proxied}/lambda/default`,
      credentials: { accessKeyId: 'default', secretAccessKey: TEST_TOKEN },
    });
    try {
      const out = await lambda.send(new InvokeCommand({ FunctionName: 'hello', Payload: Buffer.from('{"name":"caddy"}') }));
      expect(Buffer.from(out.Payload ?? []).toString()).toBe('"hi caddy"');
    } finally {
      lambda.destroy();
    }
  });
});
