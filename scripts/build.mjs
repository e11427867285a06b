#!/usr/bin/env node
// `npm start` builds only when something it is built from changed: the server (tsc) and the client (Vite,
// about a minute for Monaco) are built again when a source or a build setting differs from the last build,
// by content. `npm run build` always builds. `node scripts/build.mjs --check` says whether a build is due.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(root, 'dist', '.build-stamp');
/** What the build reads: sources, and the files that say how to build them. */
const INPUTS = ['server', 'shared', 'client', 'package-lock.json', 'package.json', 'vite.config.ts', 'tsconfig.base.json', 'tsconfig.json'];
/** What the build does not read (tests are type-checked by `npm test`, not built). */
const SKIP = /(^|\/)(node_modules|runtimes\/nodejs-sdk|runtimes\/python-sdk)(\/|$)|\.test\.ts$/;

function* files(rel) {
  const abs = path.join(root, rel);
  let st;
  try {
    st = fs.statSync(abs);
  } catch {
    return;
  }
  if (st.isFile()) {
    yield rel;
    return;
  }
  for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = `${rel}/${entry.name}`;
    if (SKIP.test(child)) continue;
    if (entry.isDirectory()) yield* files(child);
    else if (entry.isFile()) yield child;
  }
}

/** A hash of every input's path and content, with Node's major version (tsc's and Vite's output may follow it). */
export function fingerprint() {
  const hash = createHash('sha256').update(`node ${process.versions.node.split('.')[0]}\n`);
  for (const input of INPUTS) for (const rel of files(input)) hash.update(`${rel}\0`).update(fs.readFileSync(path.join(root, rel)));
  return hash.digest('hex');
}

const built = () => fs.existsSync(path.join(root, 'dist/server/main.js')) && fs.existsSync(path.join(root, 'dist/client/index.html'));

function build() {
  const steps = [
    ['npx', ['tsc', '-b', 'server']],
    ['npx', ['vite', 'build', '--logLevel', 'warn']],
  ];
  for (const [cmd, args] of steps) {
    console.log(`$ ${[cmd, ...args].join(' ')}`);
    const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const always = process.argv.includes('--always');
  const check = process.argv.includes('--check');
  const current = fingerprint();
  const stale = always || !built() || (fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : '') !== current;
  if (check) {
    console.log(stale ? 'a build is due' : 'the build is current');
    process.exit(stale ? 1 : 0);
  }
  if (stale) {
    console.log(always ? 'Building Nimbus…' : 'Building Nimbus (its sources changed since the last build, or it was never built)…');
    // The stamp goes first out of date: a build that stops half way is done again next time.
    fs.rmSync(STAMP, { force: true });
    build();
    fs.mkdirSync(path.dirname(STAMP), { recursive: true });
    fs.writeFileSync(STAMP, `${current}\n`);
  }
}
