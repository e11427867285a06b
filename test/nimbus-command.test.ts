import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import type { Workspace } from '../shared/api.js';
import { createTerminal, TerminalTestClient } from './helpers/terminal.js';

// Runs the real `nimbus` bin (compiled by `tsc -b server`, which `npm test` runs first).
const bin = path.resolve('bin/nimbus.js');
const clean = { ...process.env, NIMBUS_TOKEN: '', PORT: '', NIMBUS_DATA_DIR: '' };

/** Starts `nimbus` and resolves once it printed its URL: the base URL and the owner token. */
function startNimbus(args: string[]): { child: ChildProcess; ready: Promise<{ base: string; token: string }> } {
  const child = spawn(process.execPath, [bin, '--port', '0', ...args], { env: clean });
  const ready = new Promise<{ base: string; token: string }>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(out);
      if (m) resolve({ base: m[1] as string, token: m[2] as string });
    });
    child.once('exit', () => reject(new Error(`exited early: ${out}`)));
  });
  return { child, ready };
}

/** What the test helpers need of a server, for one started as a process. */
const asTestServer = ({ base, token }: { base: string; token: string }) => ({
  api: (pathname: string, init: RequestInit = {}) =>
    fetch(base + pathname, {
      ...init,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        ...(init.headers as Record<string, string> | undefined),
      },
    }),
  wsUrl: (pathname: string) => base.replace(/^http/, 'ws') + pathname.replace(/token=[^&]*/, `token=${token}`),
});

/**
 * Starts `nimbus` again on `dataDir`: the default workspace is hibernated for `reason`, and waking it
 * brings back the terminal `name` with `text` on its restored screen, in its folder deep/er.
 */
async function expectRestoredAfterStart(dataDir: string, reason: Workspace['stateReason'], name: string, text: string): Promise<void> {
  const second = startNimbus(['--data-dir', dataDir]);
  try {
    const two = asTestServer(await second.ready);
    expect(await (await two.api('/api/workspaces/default')).json()).toMatchObject({ state: 'hibernated', stateReason: reason });
    expect((await two.api('/api/workspaces/default/wake', { method: 'POST' })).status).toBe(200);
    const list = (await (await two.api('/api/workspaces/default/terminals')).json()) as { id: string; name: string }[];
    expect(list.map((t) => t.name)).toEqual([name]);
    const again = await TerminalTestClient.open(two, (list[0] as { id: string }).id);
    expect((await again.waitForMessage('restore')).data).toContain(text);
    again.input('pwd\r');
    await again.waitForText(/\/deep\/er\r?\n/);
    await again.close();
  } finally {
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
  }
}

describe('the nimbus command', () => {
  it('--help lists every option and its environment variable', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env: clean });
    expect(r.status).toBe(0);
    for (const word of ['--port', '--host', '--data-dir', '--open', '--token', 'PORT', 'NIMBUS_DATA_DIR', 'NIMBUS_TOKEN']) {
      expect(r.stdout).toContain(word);
    }
  });

  it('refuses to bind a non-loopback address without a configured token', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-cli-'));
    const r = spawnSync(process.execPath, [bin, '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], {
      encoding: 'utf8',
      env: clean,
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a configured token/);
  });

  it('rejects unknown options and bad values with a message and usage', () => {
    const r = spawnSync(process.execPath, [bin, '--port', 'abc'], { encoding: 'utf8', env: clean });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--port must be');
    expect(r.stderr).toContain('Usage: nimbus');
  });

  it('refuses a --lambda-interpreter that is not RUNTIME=/absolute/path', () => {
    const r = spawnSync(process.execPath, [bin, '--lambda-interpreter', 'ruby3.3=ruby'], { encoding: 'utf8', env: clean });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--lambda-interpreter must be RUNTIME=/absolute/path');
  });

  it('starts with a default workspace, prints the URL with the owner token, and opens existing folders with --open', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-cli-'));
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'my-project-'));
    fs.writeFileSync(path.join(project, 'main.py'), 'print(1)\n');
    const child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', dataDir, '--open', project], { env: clean });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=(\S+)/.exec(out);
          if (m) resolve(`${m[1]}|${m[2]}`);
        });
        child.once('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      const [base, token] = url.split('|') as [string, string];
      expect(fs.readFileSync(path.join(dataDir, 'owner-token'), 'utf8').trim()).toBe(token);
      expect(fs.statSync(path.join(dataDir, 'owner-token')).mode & 0o777).toBe(0o600);
      expect(fs.existsSync(path.join(dataDir, 'nimbus.db'))).toBe(true);
      const list = (await (await fetch(`${base}/api/workspaces`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        id: string;
        openedPath?: string;
      }[];
      const opened = list.find((w) => w.openedPath === fs.realpathSync(project));
      expect(opened).toBeDefined();
      const file = await fetch(`${base}/api/workspaces/${opened?.id}/file?path=main.py`, { headers: { authorization: `Bearer ${token}` } });
      expect(await file.text()).toBe('print(1)\n');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('SIGTERM hibernates every running workspace; the next start keeps it hibernated and restores its terminals when it wakes', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-cli-'));
    try {
      const first = startNimbus(['--data-dir', dataDir]);
      const one = asTestServer(await first.ready);
      const work = path.join(dataDir, 'workspaces', 'default', 'deep', 'er');
      const info = await createTerminal(one, 'default', { name: 'build' });
      const term = await TerminalTestClient.open(one, info.id);
      term.input('mkdir -p deep/er && cd deep/er && echo before-$((40+5))\r');
      await term.waitForText('before-45');
      const exited = new Promise<number | null>((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(fs.existsSync(work)).toBe(true);

      await expectRestoredAfterStart(dataDir, 'shutdown', 'build', 'before-45');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('kill -9 loses no terminal: the next start hibernates the workspace, and waking it restores the last checkpoint', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-cli-'));
    try {
      const first = startNimbus(['--data-dir', dataDir, '--terminal-checkpoint', '1']);
      const one = asTestServer(await first.ready);
      const info = await createTerminal(one, 'default', { name: 'crashy' });
      const term = await TerminalTestClient.open(one, info.id);
      term.input('mkdir -p deep/er && cd deep/er && echo crash-$((40+6))\r');
      await term.waitForText('crash-46');
      // Checkpointed within a second of the output (--terminal-checkpoint 1), while the server runs.
      const db = new Database(path.join(dataDir, 'nimbus.db'), { readonly: true });
      try {
        await vi.waitFor(
          () => {
            const row = db.prepare("SELECT screen, cwd FROM terminal_restore WHERE workspace_id = 'default'").get() as
              { screen: string; cwd: string } | undefined;
            expect(row?.screen).toContain('crash-46');
            expect(row?.cwd).toMatch(/\/deep\/er$/);
          },
          { timeout: 10_000, interval: 100 },
        );
      } finally {
        db.close();
      }
      const exited = new Promise((resolve) => first.child.once('exit', resolve));
      first.child.kill('SIGKILL');
      await exited;

      await expectRestoredAfterStart(dataDir, 'crash', 'crashy', 'crash-46');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
