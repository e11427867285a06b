import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` runs scripts/build.mjs, which builds (tsc, then Vite) only when a source or a build setting
 * changed. Here it runs in a copy of a tiny project whose `npx` is a stand-in that records the steps and
 * writes what a build leaves, so the test needs neither a minute of Vite nor the network.
 */
let dir: string;
const log = (): string[] =>
  fs.existsSync(path.join(dir, 'steps.log')) ? fs.readFileSync(path.join(dir, 'steps.log'), 'utf8').trim().split('\n') : [];
const start = (...args: string[]): { status: number | null; stdout: string } => {
  const r = spawnSync(process.execPath, [path.join(dir, 'scripts/build.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, PATH: `${path.join(dir, 'fakebin')}:${process.env.PATH ?? ''}` },
  });
  return { status: r.status, stdout: r.stdout };
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-build-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(path.resolve('scripts/build.mjs'), path.join(dir, 'scripts/build.mjs'));
  const files: Record<string, string> = {
    'package.json': '{"name":"x","type":"module"}',
    'package-lock.json': '{}',
    'server/main.ts': 'export {};',
    'server/main.test.ts': 'a test',
    'client/src/app.ts': 'export const a = 1;',
    'shared/api.ts': 'export {};',
    // The stand-in for npx: records `tsc` or `vite`, and leaves the files a build makes.
    'fakebin/npx': `#!/bin/sh\necho "$1" >> "${dir}/steps.log"\nmkdir -p "${dir}/dist/server" "${dir}/dist/client"\ntouch "${dir}/dist/server/main.js" "${dir}/dist/client/index.html"\n`,
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  fs.chmodSync(path.join(dir, 'fakebin/npx'), 0o755);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('npm start builds only what changed since the last build', () => {
  it('builds the first time, then not again until a source changes', () => {
    expect(start('--check').status).toBe(1);
    expect(start().status).toBe(0);
    expect(log()).toEqual(['tsc', 'vite']);
    expect(start('--check')).toMatchObject({ status: 0, stdout: 'the build is current\n' });
    expect(start().status).toBe(0);
    expect(log()).toHaveLength(2); // nothing built

    // A test file is not built; a source is.
    fs.writeFileSync(path.join(dir, 'server/main.test.ts'), 'another test');
    expect(start('--check').status).toBe(0);
    fs.writeFileSync(path.join(dir, 'client/src/app.ts'), 'export const a = 2;');
    expect(start().status).toBe(0);
    expect(log()).toEqual(['tsc', 'vite', 'tsc', 'vite']);
  });

  it('builds again when the build output is gone, and always with npm run build (--always)', () => {
    fs.rmSync(path.join(dir, 'dist/client'), { recursive: true });
    expect(start().status).toBe(0);
    expect(log()).toHaveLength(6);
    expect(start('--always').status).toBe(0);
    expect(log()).toHaveLength(8);
  });
});
