import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Shells and tools started by tests get a home of their own, without the machine user's rc files: a
// developer's ~/.bashrc (pyenv init waiting on a stale rehash lock, a slow prompt) must not decide whether
// the terminal tests pass.
const testHome = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-test-home-'));
process.on('exit', () => fs.rmSync(testHome, { recursive: true, force: true }));

export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'shared/**/*.test.ts', 'client/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'dist/**'],
    env: { HOME: testHome },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers, ptys and browsers: two cores, so run test files two at a time, never more.
    maxWorkers: 2,
    pool: 'forks',
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
