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

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const onPath = (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;

/** Installs a Debian package as root, or tells a non-root user what to install. */
function ensurePackage(pkg, present, why, alternative = '') {
  if (present()) return;
  if (!isRoot) {
    console.error(`${why}\nInstall Debian's package:  sudo apt-get install -y ${pkg}${alternative}`);
    process.exit(1);
  }
  console.log(`${pkg} is missing: installing Debian's ${pkg} package (running as root).`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (
    run('apt-get', ['update', '-qq'], { env }) !== 0 ||
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env }) !== 0 ||
    !present()
  ) {
    console.error(`Installing ${pkg} failed; install it by hand: apt-get install -y ${pkg}`);
    process.exit(1);
  }
}

ensurePackage(
  'chromium',
  () => fs.existsSync(chromium),
  `Chromium is needed for the browser tests and was not found at ${chromium}.`,
  '   (or set CHROMIUM_PATH to a Chromium binary)',
);
ensurePackage(
  'bubblewrap',
  () => onPath('bwrap'),
  'bubblewrap (bwrap) is needed: every process of a workspace runs in its sandbox, and the tests check that.',
);
ensurePackage(
  'python3-prometheus-client',
  () => fs.existsSync('/usr/lib/python3/dist-packages/prometheus_client'),
  "The metrics test parses /metrics with the official Prometheus client's parser (Debian's python3-prometheus-client).",
);
ensurePackage('nginx', () => fs.existsSync('/usr/sbin/nginx'), 'The reverse-proxy test runs a real nginx in front of Nimbus.');
ensurePackage('caddy', () => onPath('caddy'), 'The reverse-proxy test runs a real Caddy in front of Nimbus.');
const steps = [
  ['npx', ['tsc', '-b']],
  ['npx', ['eslint', '.']],
  ['npx', ['prettier', '--check', '--log-level', 'warn', '.']],
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
const status = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  '--outputFile.json=test-results/vitest.json',
  ...process.argv.slice(2),
]);
try {
  const report = JSON.parse(fs.readFileSync('test-results/vitest.json', 'utf8'));
  console.log(
    `\n${report.numPassedTests} passed, ${report.numFailedTests} failed` +
      (report.numPendingTests ? `, ${report.numPendingTests} skipped` : ''),
  );
} catch {
  console.log(status === 0 ? '' : '0 passed, 1 failed');
}
process.exit(status);
