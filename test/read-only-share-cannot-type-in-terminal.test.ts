import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
let readToken: string;
let writeToken: string;

async function share(role: 'read' | 'write'): Promise<string> {
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  server = await startTestServer();
  readToken = await share('read');
  writeToken = await share('write');
});
afterAll(async () => {
  await server.stop();
});

describe('a read-only share sees terminal output but the server drops its input and resizes', () => {
  it('raw input and resize sent over a read-only socket never reach the pty', async () => {
    const info = await createTerminal(server, 'default', { cols: 90, rows: 25 });
    const owner = await TerminalTestClient.open(server, info.id, { cols: 90, rows: 25 });
    const reader = await TerminalTestClient.open(server, info.id, { token: readToken, cols: 50, rows: 10 });
    expect((await reader.waitForMessage('restore')).readOnly).toBe(true);
    const evidence = path.join(server.workspaces.rootOf('default'), 'pwned');

    // Bypass any UI: raw protocol frames, as a modified client would send them.
    reader.send({ type: 'input', data: `touch ${evidence}; echo RO-$((1+1))\r` });
    reader.send({ type: 'resize', cols: 40, rows: 8 });
    const notice = await reader.waitForMessage('error');
    expect(notice.code).toBe('read_only');

    // The owner's command is typed after the reader's: had the reader's reached the pty, its echo
    // and output would come first.
    const m = marker('owner');
    owner.input(`${m.command}; stty size\r`);
    await owner.waitForText(m.output);
    await owner.waitForText('25 90');
    await reader.waitForText(m.output); // the reader does see output
    for (const client of [owner, reader]) {
      expect(client.text).not.toContain('RO-2');
      expect(client.text).not.toContain('RO-$((');
    }
    expect(fs.existsSync(evidence)).toBe(false);
    expect(owner.messages.filter((msg) => msg.type === 'resize')).toEqual([]);
    expect(reader.ws.readyState).toBe(reader.ws.OPEN); // dropped, not disconnected
    await Promise.all([owner.close(), reader.close()]);
  });

  it('a write share can type', async () => {
    const info = await createTerminal(server, 'default', {}, writeToken);
    const writer = await TerminalTestClient.open(server, info.id, { token: writeToken });
    expect((await writer.waitForMessage('restore')).readOnly).toBe(false);
    const m = marker('writer');
    writer.input(`${m.command}\r`);
    await writer.waitForText(m.output);
    await writer.close();
  });

  it('a read-only share may list terminals but not open, rename or close them', async () => {
    const info = await createTerminal(server);
    const base = '/api/workspaces/default/terminals';
    const list = await server.api(base, { token: readToken });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { id: string }[]).map((t) => t.id)).toContain(info.id);
    const create = await server.api(base, { method: 'POST', body: '{}', token: readToken });
    const rename = await server.api(`${base}/${info.id}`, { method: 'PATCH', body: JSON.stringify({ name: 'x' }), token: readToken });
    const close = await server.api(`${base}/${info.id}`, { method: 'DELETE', token: readToken });
    for (const res of [create, rename, close]) {
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: { code: 'forbidden', message: expect.any(String) } });
    }
    const after = (await (await server.api(base)).json()) as { id: string }[];
    expect(after.map((t) => t.id)).toContain(info.id);
  });
});
