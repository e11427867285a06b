import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';

// Built and run only where a Docker daemon answers (the image's base comes from a registry): elsewhere
// this says why it did not run.
const docker = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
const available = docker.status === 0;
const IMAGE = 'nimbus-test:latest';
const NAME = `nimbus-test-${process.pid}`;

afterAll(() => {
  if (!available) return;
  spawnSync('docker', ['rm', '-f', NAME]);
  spawnSync('docker', ['rmi', '-f', IMAGE]);
});

describe.skipIf(!available)(
  `the Docker image${available ? '' : ` (skipped: no Docker daemon here: ${docker.stderr?.trim() || docker.error?.message})`}`,
  () => {
    it(
      'builds, runs as a non-root user with the sandbox, and serves /api/health',
      async () => {
        execFileSync('docker', ['build', '-t', IMAGE, '.'], { stdio: 'inherit' });
        expect(execFileSync('docker', ['run', '--rm', '--entrypoint', 'id', IMAGE, '-u'], { encoding: 'utf8' }).trim()).toBe('10001');
        execFileSync('docker', [
          'run',
          '-d',
          '--name',
          NAME,
          '-p',
          '127.0.0.1::8080',
          '-e',
          'NIMBUS_TOKEN=docker-test-token-0123456789',
          '--security-opt',
          'seccomp=unconfined',
          '--security-opt',
          'apparmor=unconfined',
          IMAGE,
        ]);
        const port = execFileSync('docker', ['port', NAME, '8080'], { encoding: 'utf8' }).trim().split(':').pop();
        await expect
          .poll(async () => (await fetch(`http://127.0.0.1:${port}/api/health`).catch(() => undefined))?.status, {
            timeout: 60_000,
            interval: 500,
          })
          .toBe(200);
        const logs = execFileSync('docker', ['logs', NAME], { encoding: 'utf8' });
        expect(logs).not.toMatch(/no sandbox/);
        execFileSync('docker', ['stop', '-t', '15', NAME]);
        expect(execFileSync('docker', ['inspect', '-f', '{{.State.ExitCode}}', NAME], { encoding: 'utf8' }).trim()).toBe('0');
      },
      20 * 60_000,
    );
  },
);
