import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { CreatedShare } from '../shared/api.js';
import { decodePeopleServerMessage, type PeopleServerMessage } from '../shared/protocol/collab.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { eventually, yClient } from './helpers/yjs.js';

const run = promisify(execFile);
// The real `nimbus` bin (compiled by `tsc -b server`, which `npm test` runs first), as an administrator runs it.
const bin = path.resolve('bin/nimbus.js');
const env = { ...process.env, NIMBUS_TOKEN: '', NIMBUS_DATA_DIR: '', NIMBUS_CONFIG: '' };
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-backup-'));
const servers: TestServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The people socket's welcome: everyone there and the chat so far. */
async function welcome(server: TestServer, token: string): Promise<Extract<PeopleServerMessage, { type: 'welcome' }>> {
  const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/people?token=${token}`));
  try {
    return await new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        const m = decodePeopleServerMessage(String(data));
        if (m?.type === 'welcome') resolve(m);
      });
      ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', name: 'Checker', color: '#123456' })));
      ws.once('error', reject);
    });
  } finally {
    ws.close();
  }
}

async function chat(server: TestServer, text: string): Promise<void> {
  const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/people?token=${TEST_TOKEN}`));
  await new Promise((resolve) => ws.once('open', resolve));
  const heard = new Promise<void>((resolve) =>
    ws.on('message', (data) => {
      const m = decodePeopleServerMessage(String(data));
      if (m?.type === 'chat' && m.message.text === text) resolve();
    }),
  );
  ws.send(JSON.stringify({ type: 'hello', name: 'Ann', color: '#ff0000' }));
  ws.send(JSON.stringify({ type: 'chat', text }));
  await heard;
  ws.close();
}

describe('nimbus backup while the server runs, nimbus restore into an empty data dir', () => {
  it('restores every document, share, chat message, workspace and file', async () => {
    const server = await startTestServer();
    servers.push(server);
    // What people made: a second workspace, a file, a document typed into (never saved by hand), a share
    // link, chat messages, and a workspace opened from a folder of its own.
    await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'team' }) });
    expect((await server.api('/api/workspaces/default/file?path=src/app.js', { method: 'PUT', body: 'console.log(1);\n' })).ok).toBe(true);
    const writer = yClient(server.url, 'notes.md');
    await writer.synced();
    writer.text.insert(0, 'typed in the editor, kept by the document server\n');
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) })
    ).json()) as CreatedShare;
    await chat(server, 'first message');
    await chat(server, 'second message');
    const opened = fs.mkdtempSync(path.join(scratch, 'own-folder-'));
    server.workspaces.openFolder(opened);
    await eventually(
      async () => (await server.api('/api/workspaces/default/file?path=notes.md')).status === 200,
      10_000,
      'notes.md on disk',
    );

    // The backup runs in its own process while the server keeps serving and writing.
    const dest = path.join(scratch, 'backup');
    writer.text.insert(0, 'more typing during the backup\n');
    const { stdout } = await run(process.execPath, [bin, 'backup', dest, '--data-dir', server.dataDir], { env });
    expect(stdout).toMatch(
      /Backed up .* into .*backup:\n {2}the database \(\d+ migrations\), 2 workspace\(s\)\n {2}not included, opened from folders of their own: own-folder-/,
    );
    expect((fs.statSync(dest).mode & 0o777).toString(8)).toBe('700');
    const manifest = JSON.parse(fs.readFileSync(path.join(dest, 'manifest.json'), 'utf8')) as {
      workspaces: { id: string; included: boolean }[];
    };
    expect(manifest.workspaces.filter((w) => w.included).map((w) => w.id)).toEqual(['default', 'team']);
    // A folder that is not empty is refused (nothing is overwritten).
    await expect(run(process.execPath, [bin, 'backup', dest, '--data-dir', server.dataDir], { env })).rejects.toMatchObject({
      stderr: expect.stringMatching(/exists and is not empty/),
    });
    writer.destroy();
    await server.stop();
    servers.pop();

    const restored = path.join(scratch, 'restored');
    const out = await run(process.execPath, [bin, 'restore', dest, '--data-dir', restored], { env });
    expect(out.stdout).toMatch(/Restored .* into .*restored:\n {2}2 workspace\(s\)/);
    // Only into an empty data dir.
    await expect(run(process.execPath, [bin, 'restore', dest, '--data-dir', restored], { env })).rejects.toMatchObject({
      stderr: expect.stringMatching(/is not empty: restore into a new or empty data dir/),
    });
    await expect(run(process.execPath, [bin, 'restore', scratch, '--data-dir', path.join(scratch, 'x')], { env })).rejects.toMatchObject({
      stderr: expect.stringMatching(/is not a Nimbus backup/),
    });

    const again = await startTestServer({ dataDir: restored });
    servers.push(again);
    const names = ((await (await again.api('/api/workspaces')).json()) as { name: string }[]).map((w) => w.name).sort();
    expect(names).toEqual(['default', expect.stringMatching(/^own-folder-/), 'team']);
    expect(await (await again.api('/api/workspaces/default/file?path=src/app.js')).text()).toBe('console.log(1);\n');
    const reader = yClient(again.url, 'notes.md');
    await reader.synced();
    expect(reader.text.toString()).toBe('more typing during the backup\ntyped in the editor, kept by the document server\n');
    reader.destroy();
    expect((await again.api('/api/workspaces/default', { token: share.token })).status).toBe(200);
    const seen = await welcome(again, share.token);
    expect(seen.chat.map((m) => m.text)).toEqual(['first message', 'second message']);
  }, 60_000);
});
