import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Runs the real `nimbus` bin (compiled by `tsc -b server`, which `npm test` runs first).
const bin = path.resolve('bin/nimbus.js');
const clean = { ...process.env, NIMBUS_TOKEN: '', PORT: '', NIMBUS_DATA_DIR: '' };

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
    const r = spawnSync(process.execPath, [bin, '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir], { encoding: 'utf8', env: clean, timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to listen on 0\.0\.0\.0 without a configured token/);
  });

  it('rejects unknown options and bad values with a message and usage', () => {
    const r = spawnSync(process.execPath, [bin, '--port', 'abc'], { encoding: 'utf8', env: clean });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--port must be');
    expect(r.stderr).toContain('Usage: nimbus');
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
      const list = (await (await fetch(`${base}/api/workspaces`, { headers: { authorization: `Bearer ${token}` } })).json()) as { id: string; openedPath?: string }[];
      const opened = list.find((w) => w.openedPath === fs.realpathSync(project));
      expect(opened).toBeDefined();
      const file = await fetch(`${base}/api/workspaces/${opened?.id}/file?path=main.py`, { headers: { authorization: `Bearer ${token}` } });
      expect(await file.text()).toBe('print(1)\n');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
