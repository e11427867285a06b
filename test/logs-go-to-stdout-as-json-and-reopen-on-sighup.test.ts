import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Runs the real `nimbus` bin (compiled by `tsc -b server`, which `npm test` runs first).
const bin = path.resolve('bin/nimbus.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-logs-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('logs for a service manager', () => {
  it('--log-format json writes JSON lines to stdout (the URL with its token goes to stderr); SIGHUP reopens the log file', async () => {
    const env = { ...process.env, NIMBUS_TOKEN: '', PORT: '', NIMBUS_DATA_DIR: '' };
    const child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', dataDir, '--log-format', 'json'], { env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await expect.poll(() => /Nimbus is running: http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.test(err), { timeout: 20_000 }).toBe(true);
      await expect.poll(() => out, { timeout: 10_000 }).toContain('Nimbus is running');
      const lines = out.split('\n').filter(Boolean);
      for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: expect.any(Number), time: expect.any(Number) });
      expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('Nimbus is running');
      expect(out).not.toContain('token=');

      // logrotate moves the file, then signals: the next lines go to a new file at the same path.
      const file = path.join(dataDir, 'logs/nimbus.log');
      await expect.poll(() => fs.existsSync(file) && fs.statSync(file).size > 0).toBe(true);
      fs.renameSync(file, `${file}.1`);
      child.kill('SIGHUP');
      await expect
        .poll(() => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''), { timeout: 10_000 })
        .toContain('log file reopened');
      await expect.poll(() => out).toContain('log file reopened');
      expect(child.exitCode).toBeNull(); // SIGHUP does not stop it
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('refuses an unknown --log-format at start', async () => {
    const child = spawn(process.execPath, [bin, '--port', '0', '--data-dir', dataDir, '--log-format', 'xml'], {
      env: { ...process.env, NIMBUS_TOKEN: '' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(err).toContain('--log-format must be text or json, got "xml"');
  });
});
