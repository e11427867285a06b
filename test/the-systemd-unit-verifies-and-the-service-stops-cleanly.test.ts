import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const UNIT = path.resolve('deploy/nimbus.service');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-unit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The unit's `Key=value` lines of a section. */
function section(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current = '';
  for (const line of fs.readFileSync(UNIT, 'utf8').split('\n')) {
    const head = /^\[(\w+)\]$/.exec(line);
    if (head) current = head[1] as string;
    const kv = /^(\w+)=(.*)$/.exec(line);
    if (kv && current === name) out.set(kv[1] as string, [...(out.get(kv[1] as string) ?? []), kv[2] as string]);
  }
  return out;
}

describe('deploy/nimbus.service', () => {
  it('passes systemd-analyze verify without a warning', async () => {
    let unit = UNIT;
    // verify checks that ExecStart's program exists: where node lives elsewhere, the same unit with this node.
    if (!fs.existsSync('/usr/bin/node')) {
      unit = path.join(dir, 'nimbus.service');
      fs.writeFileSync(unit, fs.readFileSync(UNIT, 'utf8').replace('/usr/bin/node', process.execPath));
    }
    const { stdout, stderr } = await run('systemd-analyze', ['verify', '--man=no', '--generators=no', unit]);
    expect(`${stdout}${stderr}`).toBe('');
  });

  it('runs as a dedicated user from a state directory, restarts on failure, reloads with SIGHUP', () => {
    const service = section('Service');
    expect(service.get('User')).toEqual(['nimbus']);
    expect(service.get('StateDirectory')).toEqual(['nimbus']);
    expect(service.get('Environment')).toContain('NIMBUS_DATA_DIR=%S/nimbus');
    expect(service.get('Restart')).toEqual(['on-failure']);
    expect(service.get('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(service.get('NoNewPrivileges')).toEqual(['yes']);
    expect(service.get('ProtectSystem')).toEqual(['strict']);
    // What would break bubblewrap's namespaces or node's JIT is not there.
    for (const key of ['RestrictNamespaces', 'PrivateUsers', 'ProtectHostname', 'MemoryDenyWriteExecute', 'SystemCallFilter']) {
      expect(service.has(key), key).toBe(false);
    }
    expect(section('Install').get('WantedBy')).toEqual(['multi-user.target']);
  });

  it('leaves the workspace sandbox working under NoNewPrivileges', async () => {
    const { stdout } = await run('setpriv', [
      '--no-new-privs',
      process.execPath,
      '--input-type=module',
      '-e',
      `const { Sandbox } = await import(${JSON.stringify(path.resolve('dist/server/sandbox/index.js'))});
       const s = new Sandbox({ bwrap: 'bwrap', dataDir: ${JSON.stringify(dir)}, home: 'private', workspaceRoots: () => [] });
       console.log(JSON.stringify({ available: s.available, reason: s.unavailableReason ?? null }));`,
    ]);
    expect(JSON.parse(stdout)).toEqual({ available: true, reason: null });
  });

  it('stops cleanly on SIGTERM within 10 s, as TimeoutStopSec expects', async () => {
    const env = { ...process.env, NIMBUS_TOKEN: '', PORT: '', NIMBUS_DATA_DIR: '', NIMBUS_CONFIG: '' };
    const child = spawn(process.execPath, [path.resolve('bin/nimbus.js'), '--port', '0', '--data-dir', path.join(dir, 'data')], { env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 20_000 }).toContain('Nimbus is running');
    const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(`${code} ${signal}`)));
    const started = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe('0 null');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
