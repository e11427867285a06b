import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

/** Live processes whose command line is exactly `args` (a job that left the terminal's session). */
function findByCommandLine(args: string[]): number[] {
  const wanted = args.join('\0') + '\0';
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8') === wanted && readProc(Number(name))?.state !== 'Z') out.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return out;
}

/**
 * Starts background jobs in a terminal, the way a user would, and returns the pids involved: the
 * terminal's first process (the sandbox around the shell), every other process of its session, and
 * one job that left the session with setsid (which only the sandbox's PID namespace can catch).
 */
async function startJobs(target: TestServer, workspaceId: string): Promise<{ shell: number; jobs: number[] }> {
  const info = await createTerminal(target, workspaceId);
  const client = await TerminalTestClient.open(target, info.id, { workspaceId });
  const m = marker('started');
  const escapee = `${1004 + Math.floor(Math.random() * 1000)}`;
  // A plain background job, a stopped one, one whose parent is a subshell (a grandchild of the
  // shell), and one in a session of its own.
  client.input(`sleep 1000 & sleep 1001 & kill -STOP $!; (sleep 1002; true) & setsid sleep ${escapee} & ${m.command}\r`);
  await client.waitForText(m.output);
  let jobs: number[] = [];
  await client.waitUntil(
    () => {
      const session = listSession(info.pid);
      const shell = session.find((p) => p.state === 'T')?.ppid; // the stopped job's parent
      const grandchild = session.some((p) => p.comm === 'sleep' && shell !== undefined && p.ppid !== shell);
      const escaped = findByCommandLine(['sleep', escapee]);
      jobs = [...session.filter((p) => p.pid !== info.pid).map((p) => p.pid), ...escaped];
      // The sandbox (bwrap), the shell, three jobs and the subshell's sleep; and the escapee.
      return grandchild && session.length === 6 && escaped.length === 1;
    },
    15_000,
    'the jobs to start',
  );
  return { shell: info.pid, jobs };
}

/** Nothing of the terminal remains: no process of its session or its sandbox, no zombie child of the server. */
async function expectAllGone(pids: { shell: number; jobs: number[] }): Promise<void> {
  // The sandbox's PID namespace ends with its first process; the kernel reaps what is left right after.
  await vi.waitFor(
    () => {
      for (const pid of [pids.shell, ...pids.jobs])
        expect({ pid, exists: processExists(pid) && readProc(pid)?.state !== 'Z' }).toEqual({ pid, exists: false });
    },
    { timeout: 3000, interval: 20 },
  );
  expect(listSession(pids.shell)).toEqual([]);
  const zombies = listSession(process.pid).filter((p) => p.state === 'Z' && p.ppid === process.pid);
  expect(zombies).toEqual([]);
}

describe('closing a terminal, deleting its workspace or stopping the server kills every process it started, setsid jobs included', () => {
  it('DELETE /terminals/:id kills the shell and its background jobs, leaving no zombies', async () => {
    const pids = await startJobs(server, 'default');
    const terminalId = ((await (await server.api('/api/workspaces/default/terminals')).json()) as { id: string; pid: number }[]).find(
      (t) => t.pid === pids.shell,
    )?.id as string;
    expect(pids.jobs.map((pid) => readProc(pid)?.state)).toContain('T'); // one job really is stopped
    expect(await deleteTerminal(server, terminalId)).toBe(204);
    await expectAllGone(pids);
    expect(await deleteTerminal(server, terminalId)).toBe(404);
  });

  it('deleting the workspace kills its terminals', async () => {
    const res = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'doomed' }) });
    const { id } = (await res.json()) as { id: string };
    const pids = await startJobs(server, id);
    expect((await server.api(`/api/workspaces/${id}`, { method: 'DELETE' })).status).toBe(204);
    await expectAllGone(pids);
  });

  it('hibernating the workspace kills its terminals', async () => {
    const res = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'sleepy' }) });
    const { id } = (await res.json()) as { id: string };
    const pids = await startJobs(server, id);
    expect((await server.api(`/api/workspaces/${id}/hibernate`, { method: 'POST' })).status).toBe(200);
    await expectAllGone(pids);
    expect(await (await server.api(`/api/workspaces/${id}/terminals`)).json()).toEqual([]);
  });

  it('stopping the server kills every terminal', async () => {
    const other = await startTestServer();
    const pids = await startJobs(other, 'default');
    await other.stop();
    await expectAllGone(pids);
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
