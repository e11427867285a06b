import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkspaceEvent } from '../shared/protocol/events.js';
import { WebSocket } from 'ws';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { Screen } from './helpers/screen.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe('collaborators see the same terminals live', () => {
  it('output typed by one viewer reaches every viewer', async () => {
    const info = await createTerminal(server);
    const alice = await TerminalTestClient.open(server, info.id, { cols: 100, rows: 30 });
    const bob = await TerminalTestClient.open(server, info.id, { cols: 100, rows: 30 });
    const m = marker('shared');
    alice.input(`${m.command}\r`);
    await Promise.all([alice.waitForText(m.output), bob.waitForText(m.output)]);
    const n = marker('back');
    bob.input(`${n.command}\r`);
    await Promise.all([alice.waitForText(n.output), bob.waitForText(n.output)]);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('the workspace event socket announces terminals as they open, are renamed and close', async () => {
    const events: WorkspaceEvent[] = [];
    const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/events?token=${TEST_TOKEN}`));
    ws.on('message', (data) => events.push(JSON.parse(String(data)) as WorkspaceEvent));
    await new Promise((resolve) => ws.once('open', resolve));
    const lists = (): { id: string; name: string }[][] =>
      events.flatMap((e) => (e.type === 'terminals' ? [e.terminals.map((t) => ({ id: t.id, name: t.name }))] : []));
    const until = async (check: () => boolean): Promise<void> => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(check()).toBe(true);
    };

    const info = await createTerminal(server, 'default', { name: 'build' });
    await until(() => lists().some((l) => l.some((t) => t.id === info.id && t.name === 'build')));
    const renamed = await server.api(`/api/workspaces/default/terminals/${info.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ name: 'tests' }),
    });
    expect(await renamed.json()).toMatchObject({ id: info.id, name: 'tests' });
    await until(
      () =>
        lists()
          .at(-1)
          ?.some((t) => t.id === info.id && t.name === 'tests') === true,
    );
    expect((await server.api(`/api/workspaces/default/terminals/${info.id}`, { method: 'DELETE' })).status).toBe(204);
    await until(
      () =>
        lists()
          .at(-1)
          ?.every((t) => t.id !== info.id) === true,
    );
    ws.close();
  });
});

describe('when viewers differ in size, the pty takes the size of the most recent writer', () => {
  it('follows whoever resized or typed last, and every viewer renders at the pty size', async () => {
    const info = await createTerminal(server, 'default', { cols: 80, rows: 24 });
    const big = await TerminalTestClient.open(server, info.id, { cols: 120, rows: 40 });
    const small = await TerminalTestClient.open(server, info.id, { cols: 60, rows: 20 });
    // The small viewer attached last, so the pty is its size, and the big viewer was told.
    expect((await small.waitForMessage('restore')).cols).toBe(60);
    await big.waitUntil(() => big.messages.some((m) => m.type === 'resize' && m.cols === 60 && m.rows === 20), 5000, 'resize to 60x20');

    big.input('stty size\r'); // typing makes the big viewer the most recent writer
    await big.waitForText('40 120');
    await small.waitUntil(
      () => small.messages.some((m) => m.type === 'resize' && m.cols === 120 && m.rows === 40),
      5000,
      'resize to 120x40',
    );

    small.send({ type: 'resize', cols: 70, rows: 22 });
    const m = marker('size');
    small.input(`${m.command}; stty size\r`);
    await small.waitForText(m.output);
    await small.waitForText('22 70');
    await Promise.all([big.close(), small.close()]);
  });

  it('a viewer that applies each resize in stream order shows the same screen as one that was always that size', async () => {
    const info = await createTerminal(server, 'default', { cols: 80, rows: 24 });
    const writer = await TerminalTestClient.open(server, info.id, { cols: 80, rows: 24 });
    const watcherClient = await TerminalTestClient.open(server, info.id, { cols: 50, rows: 15 });
    const restore = await watcherClient.waitForMessage('restore');
    const watcher = new Screen(restore.cols, restore.rows);
    await watcher.write(restore.data);
    let chain = Promise.resolve();
    let seen = watcherClient.messages.length;
    watcherClient.onOutput = (chunk) => {
      // Apply resize messages that arrived before this chunk first, in order.
      const resizes = watcherClient.messages.slice(seen).filter((msg) => msg.type === 'resize');
      seen = watcherClient.messages.length;
      for (const r of resizes) chain = chain.then(() => watcher.resize(r.cols, r.rows));
      chain = chain.then(() => watcher.write(chunk));
    };
    writer.input('seq 1 30; stty size\r');
    await watcherClient.waitForText(/24 80\r\n.*[#$] $/); // the output and the next prompt
    await chain;
    expect({ cols: watcher.term.cols, rows: watcher.term.rows }).toEqual({ cols: 80, rows: 24 });
    await watcherClient.close();
    const fresh = await TerminalTestClient.open(server, info.id, { cols: 80, rows: 24 });
    const again = await fresh.waitForMessage('restore');
    const reference = new Screen(again.cols, again.rows);
    await reference.write(again.data);
    expect(watcher.visible().join('\n')).toEqual(reference.visible().join('\n'));
    await Promise.all([writer.close(), fresh.close()]);
  });
});
