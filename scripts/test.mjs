#!/usr/bin/env node
// `npm test`: make sure a browser is there, then typecheck, lint, build the client and run every test.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

function run(cmd, args, opts = {}) {
  console.log(`\n$ ${[cmd, ...args].join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  return r.status ?? 1;
}

function ensureChromium() {
  if (fs.existsSync(chromium)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`Chromium is needed for the browser tests and was not found at ${chromium}.\n` +
      'Install Debian\'s package:  sudo apt-get install -y chromium   (or set CHROMIUM_PATH to a Chromium binary)');
    process.exit(1);
  }
  console.log('Chromium is missing: installing Debian\'s chromium package (running as root).');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update', '-qq'], { env }) !== 0 ||
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { env }) !== 0 ||
      !fs.existsSync(chromium)) {
    console.error('Installing chromium failed; install it by hand: apt-get install -y chromium');
    process.exit(1);
  }
}

ensureChromium();
const steps = [
  ['npx', ['tsc', '-b', 'server', 'client', 'test']],
  ['npx', ['eslint', '.']],
  ['npx', ['vite', 'build', '--logLevel', 'warn']],
];
for (const [cmd, args] of steps) {
  if (run(cmd, args) !== 0) {
    console.error(`\n${cmd} ${args.join(' ')} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}
fs.mkdirSync('test-results', { recursive: true });
const status = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', '--outputFile.json=test-results/vitest.json', ...process.argv.slice(2)]);
try {
  const report = JSON.parse(fs.readFileSync('test-results/vitest.json', 'utf8'));
  console.log(`\n${report.numPassedTests} passed, ${report.numFailedTests} failed` + (report.numPendingTests ? `, ${report.numPendingTests} skipped` : ''));
} catch {
  console.log(status === 0 ? '' : '0 passed, 1 failed');
}
process.exit(status);
