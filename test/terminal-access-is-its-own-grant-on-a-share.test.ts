import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
let readToken: string;
/** A write share that may type in terminals. */
let writeToken: string;
/** A write share as links are made by default: it edits files, and only watches terminals. */
let editorToken: string;

async function share(role: 'read' | 'write', terminal?: 'none' | 'read' | 'write', target = server): Promise<string> {
  const res = await target.api('/api/workspaces/default/shares', {
    method: 'POST',
    body: JSON.stringify({ role, ...(terminal ? { terminal } : {}) }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  server = await startTestServer();
  readToken = await share('read');
  writeToken = await share('write', 'write');
  editorToken = await share('write');
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

  it('a write share granted terminal input can type', async () => {
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
      expect(await res.json()).toEqual({ error: { code: 'terminal_access', message: expect.any(String) } });
    }
    const after = (await (await server.api(base)).json()) as { id: string }[];
    expect(after.map((t) => t.id)).toContain(info.id);
  });
});

describe('terminal access is its own grant: a write share types in terminals only when the owner granted it', () => {
  it('a write share without the grant edits files, watches terminals, and cannot type, open or close one', async () => {
    expect((await server.api('/api/session', { token: editorToken }).then((r) => r.json())) as object).toMatchObject({
      role: 'write',
      terminal: 'read',
    });
    const put = await server.api('/api/workspaces/default/file?path=by-editor.txt', {
      method: 'PUT',
      body: 'edited',
      token: editorToken,
      headers: { 'content-type': 'text/plain' },
    });
    expect(put.status).toBeLessThan(300);
    const base = '/api/workspaces/default/terminals';
    const create = await server.api(base, { method: 'POST', body: '{}', token: editorToken });
    expect(create.status).toBe(403);
    expect(await create.json()).toEqual({ error: { code: 'terminal_access', message: 'this share link may not type in terminals' } });

    const info = await createTerminal(server);
    const editor = await TerminalTestClient.open(server, info.id, { token: editorToken });
    expect((await editor.waitForMessage('restore')).readOnly).toBe(true);
    const evidence = path.join(server.workspaces.rootOf('default'), 'typed-by-editor');
    editor.send({ type: 'input', data: `touch ${evidence}\r` });
    expect((await editor.waitForMessage('error')).code).toBe('read_only');
    const owner = await TerminalTestClient.open(server, info.id);
    const m = marker('after');
    owner.input(`${m.command}\r`);
    await editor.waitForText(m.output);
    expect(fs.existsSync(evidence)).toBe(false);
    expect((await server.api(`${base}/${info.id}`, { method: 'DELETE', token: editorToken })).status).toBe(403);
    await Promise.all([owner.close(), editor.close()]);
  });

  it('a share with no terminal access cannot list terminals or open their sockets', async () => {
    const token = await share('write', 'none');
    const info = await createTerminal(server);
    expect((await server.api('/api/workspaces/default/terminals', { token })).status).toBe(403);
    const client = await TerminalTestClient.open(server, info.id, { token, hello: false });
    const closed = await client.closed;
    expect(closed).toEqual({ code: 4403, reason: 'forbidden' });
  });

  it('a read-only link cannot be granted terminal input', async () => {
    const res = await server.api('/api/workspaces/default/shares', {
      method: 'POST',
      body: JSON.stringify({ role: 'read', terminal: 'write' }),
    });
    expect(res.status).toBe(400);
  });

  it('without a sandbox the server says so and refuses terminal input to shares, unless started with --allow-unsandboxed', async () => {
    const bare = await startTestServer({ bwrap: '/nonexistent/bwrap' });
    try {
      const session = (await (await bare.api('/api/session')).json()) as { sandbox: object };
      expect(session.sandbox).toEqual({
        available: false,
        reason: expect.stringMatching(/not installed/),
        terminalWriteGrantable: false,
        home: 'private',
      });
      const refused = await bare.api('/api/workspaces/default/shares', {
        method: 'POST',
        body: JSON.stringify({ role: 'write', terminal: 'write' }),
      });
      expect(refused.status).toBe(409);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('no_sandbox');
      await share('write', 'read', bare); // watching is still fine
    } finally {
      await bare.stop();
    }
    const allowed = await startTestServer({ bwrap: '/nonexistent/bwrap', allowUnsandboxed: true });
    try {
      await share('write', 'write', allowed);
    } finally {
      await allowed.stop();
    }
  });
});
