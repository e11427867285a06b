import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createLogger } from '../server/logger.js';
import { startNimbus } from '../server/main.js';
import { parseConfig, type Config } from '../server/config.js';

it('tokens never reach the log, even at trace level with requests that carry them everywhere', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-log-'));
  const token = 'very-secret-owner-token-123456';
  const config = parseConfig(['--port', '0', '--data-dir', dataDir, '--token', token, '--log-level', 'trace'], {}, process.cwd()) as Config;
  const server = await startNimbus(config, { log: createLogger({ level: 'trace', dataDir }) });
  const share = (await (
    await fetch(`${server.url}/api/workspaces/default/shares`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'write' }),
    })
  ).json()) as { token: string };
  await fetch(`${server.url}/?token=${token}`, { redirect: 'manual' });
  await fetch(`${server.url}/w/default?token=${share.token}`, { redirect: 'manual' });
  await fetch(`${server.url}/api/nope?token=${token}`, { headers: { authorization: `Bearer ${share.token}` } });
  await fetch(`${server.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws/workspaces/default/events?token=${token}`);
  await new Promise((resolve) => ws.once('message', resolve));
  ws.close();
  await server.close();
  await new Promise((r) => setTimeout(r, 200));
  const log = fs.readFileSync(path.join(dataDir, 'logs', 'nimbus.log'), 'utf8');
  expect(log).toContain('"msg":"request"');
  expect(log).not.toContain(token);
  expect(log).not.toContain(share.token);
});
