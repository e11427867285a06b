import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { decodeWorkspaceEvent, type WorkspaceEvent } from '../shared/protocol/events.js';
import type { Workspace } from '../shared/api.js';
import { listSession, processExists, readProc } from '../server/terminals/index.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';
import { invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

// Timeouts of seconds: workspaces hibernate after 5 s of no activity, open pages are warned 2 s before.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ hibernateCheckIntervalMs: 100, hibernateWarningSeconds: 2 });
});
afterAll(async () => {
  await server.stop();
});

async function workspace(name: string, hibernateAfterSeconds = 5): Promise<string> {
  const res = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name, hibernateAfterSeconds }) });
  const { id } = (await res.json()) as Workspace;
  return id;
}

const state = async (id: string): Promise<string> => ((await (await server.api(`/api/workspaces/${id}`)).json()) as Workspace).state;

/** An open page: the workspace event socket, recording what it is told. */
class Page {
  readonly events: WorkspaceEvent[] = [];
  readonly ws: WebSocket;
  constructor(id: string, token = TEST_TOKEN) {
    this.ws = new WebSocket(server.wsUrl(`/ws/workspaces/${id}/events?token=${token}`));
    this.ws.on('message', (data: Buffer) => {
      const e = decodeWorkspaceEvent(data.toString());
      if (e) this.events.push(e);
    });
  }
  async until(predicate: (e: WorkspaceEvent) => boolean, timeoutMs = 15_000): Promise<WorkspaceEvent> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      if (Date.now() > end) throw new Error(`no such event; got ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const hibernated = (e: WorkspaceEvent): boolean => e.type === 'workspace' && e.state === 'hibernated';

describe('workspaces hibernate when nobody uses them, and wake when someone does', () => {
  it('hibernates after its idle time: the open page is warned first, then every process is gone and the page stays connected', async () => {
    const id = await workspace('idle');
    const info = await createTerminal(server, id);
    const term = await TerminalTestClient.open(server, info.id, { workspaceId: id });
    const m = marker('jobs');
    term.input(`sleep 1000 & setsid sleep 1001 & ${m.command}\r`);
    await term.waitForText(m.output);
    const pids = [info.pid, ...listSession(info.pid).map((p) => p.pid)];
    const page = new Page(id);
    const started = Date.now();
    const warning = await page.until((e) => e.type === 'hibernating' && e.at !== null);
    expect(Date.now() - started).toBeLessThan(5000);
    await page.until(hibernated);
    expect(page.events.find(hibernated)).toEqual({ type: 'workspace', state: 'hibernated', reason: 'idle' });
    expect(Date.parse((warning as { at: string }).at)).toBeGreaterThan(started);
    const after = (await (await server.api(`/api/workspaces/${id}`)).json()) as Workspace;
    expect(after).toMatchObject({ state: 'hibernated', stateReason: 'idle' });
    expect(Date.parse(after.stateChangedAt as string)).toBeGreaterThan(started);
    expect(server.workspaces.peekRuntime(id)).toBeUndefined(); // no document, terminal, watcher or timer left
    await vi.waitFor(
      () => {
        for (const pid of pids) expect({ pid, alive: processExists(pid) && readProc(pid)?.state !== 'Z' }).toEqual({ pid, alive: false });
      },
      { timeout: 3000, interval: 20 },
    );
    expect(page.ws.readyState).toBe(WebSocket.OPEN);
    page.ws.close();
  });

  it('a program that prints keeps the workspace awake (and an idle open page does not)', async () => {
    const id = await workspace('busy');
    const info = await createTerminal(server, id);
    const term = await TerminalTestClient.open(server, info.id, { workspaceId: id });
    term.input('for i in $(seq 1 9); do echo tick-$i; sleep 1; done\r');
    const page = new Page(id);
    await term.waitForText('tick-8', 15_000); // more than the 5 s idle time, printing all along
    expect(await state(id)).toBe('running');
    expect(page.events.some(hibernated)).toBe(false);
    // Once it stops printing, the idle clock runs out.
    await page.until(hibernated, 15_000);
    page.ws.close();
  });

  it('nimbus-keep-awake keeps the workspace up while its command runs, printing nothing; then the clock runs again', async () => {
    const id = await workspace('kept');
    const info = await createTerminal(server, id);
    const term = await TerminalTestClient.open(server, info.id, { workspaceId: id });
    const page = new Page(id);
    const started = Date.now();
    term.input('nimbus-keep-awake sleep 8; echo slept-$((40+2))\r');
    await term.waitForText('slept-42', 15_000); // longer than the idle time, silent
    expect(Date.now() - started).toBeGreaterThan(7500); // the command really ran (the helper is on PATH)
    expect(page.events.some(hibernated)).toBe(false);
    expect(await state(id)).toBe('running');
    await page.until(hibernated, 15_000);
    page.ws.close();
  });

  it('the keep-awake toggle of a terminal tab holds the workspace up until the command it watches ends, then turns itself off', async () => {
    const id = await workspace('toggled');
    const info = await createTerminal(server, id);
    const term = await TerminalTestClient.open(server, info.id, { workspaceId: id });
    const page = new Page(id);
    const m = marker('ready');
    term.input(`${m.command}\r`);
    await term.waitForText(m.output);
    // Turned on at the prompt, it waits for the next command.
    const toggled = await server.api(`/api/workspaces/${id}/terminals/${info.id}`, {
      method: 'PATCH',
      body: JSON.stringify({ keepAwake: true, by: 'Ann' }),
    });
    expect(await toggled.json()).toMatchObject({ id: info.id, keepAwake: { running: false, by: 'Ann' } });
    const started = Date.now();
    term.input('sleep 8; echo slept-$((40+3))\r');
    const watching = (e: WorkspaceEvent): boolean =>
      e.type === 'terminals' &&
      e.terminals.some((t) => t.keepAwake?.running === true && t.keepAwake.command === 'sleep' && t.keepAwake.by === 'Ann');
    await page.until(watching, 5000);
    await term.waitForText('slept-43', 15_000); // longer than the idle time, silent
    expect(Date.now() - started).toBeGreaterThan(7500);
    expect(page.events.some(hibernated)).toBe(false);
    // The command ended: the toggle is off again (every page hears it), and the idle clock runs.
    const off = (e: WorkspaceEvent): boolean => e.type === 'terminals' && e.terminals.some((t) => t.id === info.id && t.keepAwake === null);
    await page.until((e) => off(e) && page.events.indexOf(e) > page.events.findIndex(watching), 5000);
    await page.until(hibernated, 15_000);
    page.ws.close();
  });

  it('a Lambda invocation wakes a hibernated workspace, keeps it up while it runs, and restarts the idle clock when it ends', async () => {
    const id = await workspace('lambda');
    writeFiles(server.workspaces.rootOf(id), {
      'template.yaml':
        'Resources:\n  Slow:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: index.handler, CodeUri: fn, Timeout: 30 }\n',
      'fn/index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return `slept ${e.ms}`; };',
    });
    expect((await server.api(`/api/workspaces/${id}/hibernate`, { method: 'POST' })).status).toBe(200);
    expect(await state(id)).toBe('hibernated');
    const page = new Page(id);
    // Through the Lambda-compatible API (SigV4, the AWS SDK): longer than the idle time, silent.
    const started = Date.now();
    const r = await invoke(lambdaClient(server, { workspace: id }), 'Slow', { ms: 7000 });
    expect(r.body).toBe('slept 7000');
    expect(Date.now() - started).toBeGreaterThan(6500);
    // The page was told it slept (on connecting), then that it woke, and nothing since.
    const woke = page.events.findIndex((e) => e.type === 'workspace' && e.state === 'running');
    expect(woke).toBeGreaterThan(page.events.findIndex(hibernated));
    expect(page.events.slice(woke).some(hibernated)).toBe(false);
    expect(await state(id)).toBe('running');
    // Through the IDE's run button: the idle clock starts again from its end.
    const ran = await server.api(`/api/workspaces/${id}/lambda/functions/Slow/invoke`, {
      method: 'POST',
      body: JSON.stringify({ payload: '{"ms":2000}' }),
    });
    expect(ran.status).toBe(200);
    const ended = Date.now();
    await page.until((e) => hibernated(e) && page.events.indexOf(e) > woke, 15_000);
    expect(Date.now() - ended).toBeGreaterThan(4000);
    page.ws.close();
  });

  it('pauses first if asked: every process frozen (memory kept), resumed at once by the next access', async () => {
    const id = await workspace('paused', 3600);
    expect((await server.api(`/api/workspaces/${id}`, { method: 'PATCH', body: JSON.stringify({ pauseAfterSeconds: 5 }) })).status).toBe(
      200,
    );
    const info = await createTerminal(server, id);
    const term = await TerminalTestClient.open(server, info.id, { workspaceId: id });
    // A silent busy loop: it uses CPU, but prints nothing, so it is not activity.
    term.input('while :; do :; done & echo spinning-$((40+2))\r');
    await term.waitForText('spinning-42');
    const page = new Page(id);
    const spinner = (): { pid: number; state: string } | undefined =>
      listSession(info.pid)
        .filter((p) => p.comm === 'bash')
        .map((p) => readProc(p.pid))
        .find((p) => p !== undefined && p.ppid !== info.pid && p.pid !== info.pid) as { pid: number; state: string } | undefined;
    await vi.waitFor(() => expect(spinner()?.state).toMatch(/[RS]/), { timeout: 5000 });
    await page.until((e) => e.type === 'workspace' && e.state === 'paused', 15_000);
    expect(server.workspaces.get(id)?.state).toBe('paused'); // (asking through the API would resume it)
    await vi.waitFor(() => expect(spinner()?.state).toBe('T'), { timeout: 3000 }); // stopped: no CPU
    // Any access resumes it (here, reading its details); it is not activity, so it pauses again later.
    expect(await state(id)).toBe('running');
    await vi.waitFor(() => expect(spinner()?.state).toMatch(/[RS]/), { timeout: 3000 });
    await page.until((e) => e.type === 'workspace' && e.state === 'running');
    page.ws.close();
    await term.close();
  });

  it('"Stay awake" (or any use of the IDE) resets the clock, and every page hears who pressed it', async () => {
    const id = await workspace('warned');
    await server.api(`/api/workspaces/${id}/wake`, { method: 'POST' });
    const page = new Page(id);
    await page.until((e) => e.type === 'hibernating' && e.at !== null);
    expect(
      (await server.api(`/api/workspaces/${id}/activity`, { method: 'POST', body: JSON.stringify({ stayAwake: true, name: 'Bob' }) }))
        .status,
    ).toBe(204);
    await page.until((e) => e.type === 'stay-awake' && e.by === 'Bob');
    await page.until((e) => e.type === 'hibernating' && e.at === null);
    expect(await state(id)).toBe('running');
    page.ws.close();
  });

  it('sockets do not wake a hibernated workspace; a change through the API or a new terminal does', async () => {
    const id = await workspace('sleeper', 3600);
    await server.api(`/api/workspaces/${id}/wake`, { method: 'POST' });
    expect((await server.api(`/api/workspaces/${id}/hibernate`, { method: 'POST' })).status).toBe(200);
    const page = new Page(id);
    await page.until(hibernated);
    const yjs = await new Promise<number | 'open'>((resolve) => {
      const ws = new WebSocket(server.wsUrl(`/yjs/${id}/a.txt?token=${TEST_TOKEN}`));
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(yjs).toBe(409);
    expect((await server.api(`/api/workspaces/${id}/files`)).status).toBe(200); // reading does not wake it
    expect(await state(id)).toBe('hibernated');
    expect(
      (
        await server.api(`/api/workspaces/${id}/file?path=woke.txt`, {
          method: 'PUT',
          body: 'x',
          headers: { 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(201);
    await page.until((e) => e.type === 'workspace' && e.state === 'running');
    expect(await state(id)).toBe('running');
    await server.api(`/api/workspaces/${id}/hibernate`, { method: 'POST' });
    await createTerminal(server, id);
    expect(await state(id)).toBe('running');
    page.ws.close();
  });

  it('terminals come back after waking: new shells in their folders, their screens above a marker', async () => {
    const id = await workspace('restored', 3600);
    const info = await createTerminal(server, id, { name: 'build', cols: 90, rows: 20 });
    const before = await TerminalTestClient.open(server, info.id, { workspaceId: id, cols: 90, rows: 20 });
    before.input('mkdir -p sub/dir && cd sub/dir && echo before-$((40+2))\r');
    await before.waitForText('before-42');
    expect((await server.api(`/api/workspaces/${id}/hibernate`, { method: 'POST' })).status).toBe(200);
    expect(await (await server.api(`/api/workspaces/${id}/terminals`)).json()).toEqual([]);
    expect((await server.api(`/api/workspaces/${id}/wake`, { method: 'POST' })).status).toBe(200);
    const list = (await (await server.api(`/api/workspaces/${id}/terminals`)).json()) as {
      id: string;
      name: string;
      cols: number;
      rows: number;
    }[];
    expect(list.map((t) => [t.name, t.cols, t.rows])).toEqual([['build', 90, 20]]);
    const after = await TerminalTestClient.open(server, (list[0] as { id: string }).id, { workspaceId: id, cols: 90, rows: 20 });
    const restore = await after.waitForMessage('restore');
    expect(restore.data).toContain('before-42');
    expect(restore.data).toContain('restored after hibernation');
    after.input('pwd; echo after-$((40+3))\r');
    await after.waitForText('after-43');
    expect(after.text).toMatch(/\/sub\/dir\r?\n/);
    await after.close();
  });

  it('stopping the server hibernates its workspaces; after a restart, waking one restores its terminals', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-restart-'));
    try {
      const first = await startTestServer({ dataDir });
      const info = await createTerminal(first, 'default', { name: 'kept' });
      const term = await TerminalTestClient.open(first, info.id);
      term.input('echo kept-$((40+4))\r');
      await term.waitForText('kept-44');
      await first.stop();
      const second = await startTestServer({ dataDir });
      try {
        expect(((await (await second.api('/api/workspaces/default')).json()) as Workspace).state).toBe('hibernated');
        await second.api('/api/workspaces/default/wake', { method: 'POST' });
        const list = (await (await second.api('/api/workspaces/default/terminals')).json()) as { id: string; name: string }[];
        expect(list.map((t) => t.name)).toEqual(['kept']);
        const again = await TerminalTestClient.open(second, (list[0] as { id: string }).id);
        expect((await again.waitForMessage('restore')).data).toContain('kept-44');
        await again.close();
      } finally {
        await second.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
