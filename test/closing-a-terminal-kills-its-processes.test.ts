import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSession, processExists, readProc } from '../server/terminals/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, deleteTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

/** Starts background jobs in a terminal, the way a user would, and returns the pids involved. */
async function startJobs(target: TestServer, workspaceId: string): Promise<{ shell: number; jobs: number[] }> {
  const info = await createTerminal(target, workspaceId);
  const client = await TerminalTestClient.open(target, info.id, { workspaceId });
  const m = marker('started');
  // A plain background job, a stopped one, and one whose parent is a subshell (a grandchild of the shell).
  client.input(`sleep 1000 & sleep 1001 & kill -STOP $!; (sleep 1002; true) & ${m.command}\r`);
  await client.waitForText(m.output);
  let jobs: number[] = [];
  await client.waitUntil(() => {
    const session = listSession(info.pid);
    jobs = session.filter((p) => p.pid !== info.pid).map((p) => p.pid);
    const stopped = session.some((p) => p.state === 'T');
    const grandchild = session.some((p) => p.comm === 'sleep' && p.ppid !== info.pid);
    return stopped && grandchild && jobs.length === 4;
  }, 5000, 'the jobs to start');
  return { shell: info.pid, jobs };
}

/** Nothing of the terminal remains: no process of its session, no zombie child of the server. */
function expectAllGone(pids: { shell: number; jobs: number[] }): void {
  for (const pid of [pids.shell, ...pids.jobs]) expect({ pid, exists: processExists(pid) }).toEqual({ pid, exists: false });
  expect(listSession(pids.shell)).toEqual([]);
  const zombies = listSession(process.pid).filter((p) => p.state === 'Z' && p.ppid === process.pid);
  expect(zombies).toEqual([]);
}

describe('closing a terminal, deleting its workspace or stopping the server kills every process it started', () => {
  it('DELETE /terminals/:id kills the shell and its background jobs, leaving no zombies', async () => {
    const pids = await startJobs(server, 'default');
    const terminalId = ((await (await server.api('/api/workspaces/default/terminals')).json()) as { id: string; pid: number }[])
      .find((t) => t.pid === pids.shell)?.id as string;
    expect(pids.jobs.map((pid) => readProc(pid)?.state)).toContain('T'); // one job really is stopped
    expect(await deleteTerminal(server, terminalId)).toBe(204);
    expectAllGone(pids);
    expect(await deleteTerminal(server, terminalId)).toBe(404);
  });

  it('deleting the workspace kills its terminals', async () => {
    const res = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'doomed' }) });
    const { id } = (await res.json()) as { id: string };
    const pids = await startJobs(server, id);
    expect((await server.api(`/api/workspaces/${id}`, { method: 'DELETE' })).status).toBe(204);
    expectAllGone(pids);
  });

  it('hibernating the workspace kills its terminals', async () => {
    const res = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'sleepy' }) });
    const { id } = (await res.json()) as { id: string };
    const pids = await startJobs(server, id);
    expect((await server.api(`/api/workspaces/${id}/hibernate`, { method: 'POST' })).status).toBe(200);
    expectAllGone(pids);
    expect(await (await server.api(`/api/workspaces/${id}/terminals`)).json()).toEqual([]);
  });

  it('stopping the server kills every terminal', async () => {
    const other = await startTestServer();
    const pids = await startJobs(other, 'default');
    await other.stop();
    expectAllGone(pids);
  });

  it('when the shell exits by itself, the jobs it left behind are killed too', async () => {
    const info = await createTerminal(server);
    const client = await TerminalTestClient.open(server, info.id);
    client.input(`sleep 1003 & exit\r`);
    const exit = await client.waitForMessage('exit');
    expect(exit.reason).toBe('exited');
    const leftovers = (): number => listSession(info.pid).filter((p) => p.state !== 'Z').length;
    await client.waitUntil(() => leftovers() === 0, 5000, 'the session to be empty');
    expect(processExists(info.pid)).toBe(false);
  });
});
