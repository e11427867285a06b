import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFiles } from './helpers/lambda.js';
import { TerminalTestClient } from './helpers/terminal.js';
import type { TestServer } from './helpers/server.js';

// The attack of the security review, run against the real `nimbus` command (compiled by `tsc -b
// server`, which `npm test` runs first) started the way a person starts it: the owner token in its
// environment, a second workspace opened from a folder of the machine.
const bin = path.resolve('bin/nimbus.js');
const token = `owner-${randomBytes(12).toString('hex')}`;

let child: ChildProcess;
let base: string;
let dataDir: string;
let otherDir: string;
let sealKey: string;
const otherSecret = `other-workspace-secret-${randomBytes(6).toString('hex')}`;

/** The TestServer surface the terminal helpers use. */
const target = (): TestServer =>
  ({
    api: (pathname: string, init: RequestInit & { token?: string } = {}) => {
      const headers = new Headers(init.headers);
      headers.set('authorization', `Bearer ${init.token ?? token}`);
      if (typeof init.body === 'string') headers.set('content-type', 'application/json');
      return fetch(base + pathname, { ...init, headers });
    },
    wsUrl: (pathname: string) => base.replace(/^http/, 'ws') + pathname,
  }) as unknown as TestServer;

/**
 * What a process of the workspace tries: the server's environment through its parent and every
 * /proc entry, the data dir and its key files, the other workspace, and the process list.
 */
const PROBE = (dir: string, other: string): string => `
echo "== environ"; cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | sort -u
echo "== parent"; tr '\\0' '\\n' < /proc/$PPID/environ 2>&1
echo "== data dir"; ls -a ${dir} 2>&1; cat ${dir}/share-seal.key ${dir}/owner-token 2>&1; ls ${dir}/nimbus.db 2>&1
echo "== other workspace"; cat ${other}/secret.txt 2>&1
echo "== processes"; ps -e -o pid=,comm= 2>&1
echo "== root"; ls / 2>&1
echo "== home"; ls -a ~ 2>&1
echo "== workspace"; echo written > probe-wrote.txt && cat probe-wrote.txt
echo "== end"
`;

interface ProbeReport {
  text: string;
  section(name: string): string;
}

const report = (text: string): ProbeReport => ({
  text,
  section: (name) => text.split(`== ${name}`)[1]?.split('\n== ')[0] ?? '',
});

function expectContained(r: ProbeReport): void {
  expect(r.text).toContain('== end');
  // The owner token appears nowhere: not in any environment or command line the process can read.
  expect(r.text).not.toContain(token);
  expect(r.section('parent')).not.toMatch(/NIMBUS/);
  // The data dir, its keys and database are not there; the other workspace is not either.
  expect(r.text).not.toContain(sealKey);
  expect(r.section('data dir')).not.toContain('nimbus.db\n');
  expect(r.section('data dir')).toMatch(/No such file/);
  expect(r.text).not.toContain(otherSecret);
  // Its own PID namespace: the workspace's process is PID 1, and none of the machine's processes show.
  const processes = r
    .section('processes')
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
  expect(processes[0]?.[0]).toBe('1');
  expect(processes.map((p) => p[1])).toEqual(expect.arrayContaining(['bash', 'ps']));
  expect(processes.length).toBeLessThanOrEqual(4);
  // The system is there to use, read-only; the workspace is there read-write.
  // (Functions also see Nimbus's runtime clients, read-only, where Nimbus is installed.)
  const visible = [
    'bin',
    'dev',
    'etc',
    'lib',
    'lib32',
    'lib64',
    'libx32',
    'opt',
    'proc',
    'root',
    'sbin',
    'tmp',
    'usr',
    'var',
    path.resolve('server').split(path.sep)[1],
  ];
  expect(
    r
      .section('root')
      .trim()
      .split(/\s+/)
      .filter((e) => !visible.includes(e)),
  ).toEqual([]);
  expect(r.section('workspace')).toContain('written');
}

async function share(terminal: 'none' | 'read' | 'write'): Promise<string> {
  const res = await target().api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write', terminal }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

async function probeInTerminal(as: string): Promise<ProbeReport> {
  const res = await target().api('/api/workspaces/default/terminals', { method: 'POST', body: '{}', token: as });
  expect(res.status).toBe(201);
  const { id } = (await res.json()) as { id: string };
  const client = await TerminalTestClient.open(target(), id, { token: as });
  client.input('bash probe.sh > probe.out 2>&1; echo PROBE-$((40+2))\r');
  await client.waitForText('PROBE-42', 20_000);
  await client.close();
  await target().api(`/api/workspaces/default/terminals/${id}`, { method: 'DELETE' });
  return report(fs.readFileSync(path.join(root(), 'probe.out'), 'utf8'));
}

async function probeInFunction(as: string): Promise<ProbeReport> {
  const res = await target().api('/api/workspaces/default/lambda/functions/Probe/invoke', {
    method: 'POST',
    body: JSON.stringify({ payload: '{}' }),
    token: as,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { response?: string; payload?: string };
  const text = JSON.parse(body.response ?? body.payload ?? '""') as string;
  return report(text);
}

const root = (): string => path.join(dataDir, 'workspaces', 'default');

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-sandbox-data-'));
  otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-sandbox-other-'));
  fs.writeFileSync(path.join(otherDir, 'secret.txt'), otherSecret);
  child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', dataDir, '--open', otherDir], {
    env: { ...process.env, NIMBUS_TOKEN: token, NIMBUS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', () => reject(new Error(`nimbus exited early: ${out}`)));
  });
  // With --open no default workspace is made: make one (managed, in the data dir), beside the opened folder.
  const created = await target().api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'default' }) });
  expect(((await created.json()) as { id: string }).id).toBe('default');
  // The sandbox cannot see the key; the test can.
  sealKey = fs.readFileSync(path.join(dataDir, 'share-seal.key'), 'utf8').trim();
  writeFiles(root(), {
    'probe.sh': PROBE(dataDir, otherDir),
    'template.yaml': `Resources:
  Probe:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, CodeUri: probe, Handler: index.handler, Timeout: 20 }
`,
    'probe/index.js': `const { execFileSync } = require('node:child_process');
exports.handler = async () => execFileSync('bash', ['probe.sh'], { encoding: 'utf8', cwd: ${JSON.stringify(root())} });`,
  });
}, 60_000);

afterAll(async () => {
  if (child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(otherDir, { recursive: true, force: true });
});

describe('every process of a workspace runs in a sandbox: the server, its data and other workspaces are out of reach', () => {
  it('a terminal of a write share granted terminal input', async () => {
    expectContained(await probeInTerminal(await share('write')));
  });

  it("the owner's own terminal", async () => {
    expectContained(await probeInTerminal(token));
  });

  it('a Lambda function run by a write share without any terminal access', async () => {
    expectContained(await probeInFunction(await share('none')));
  });

  it('a Lambda function run by the owner', async () => {
    const r = await probeInFunction(token);
    expectContained(r);
    // A function has no home of the owner's: the private home is for terminals only.
    expect(r.section('home')).not.toContain('.bash_history');
  });
});
