/**
 * Find in files benchmark (`npm run bench:search`), against a real Nimbus in this process (the compiled
 * server): a generated workspace of F source files (~4 KB each, a .gitignore'd build folder and a
 * node_modules beside them, as a real project has), searched through `GET …/search` with ripgrep's
 * candidate files and with the built-in walk, and by the named peer `grep -r` (GNU grep, in the same run,
 * told to skip the same ignored folders). Each query R times; the table gives the median wall time of a
 * whole answer (first byte to the `done` line for Nimbus; process start to exit for grep) and the files
 * with a match. Nimbus answers with every match's line, column and preview, up to its limit of 5000
 * matches (its default, what a person gets); `grep -r -l` and `rg -l` only list the files.
 *
 * Options: --files 20000  --runs 5
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { TEST_TOKEN } from '../test/helpers/server.js';

const dist = path.resolve('dist/server');
const { startNimbus } = (await import(path.join(dist, 'main.js'))) as typeof import('../server/main.js');
const { parseConfig } = (await import(path.join(dist, 'config.js'))) as typeof import('../server/config.js');
const { createLogger } = (await import(path.join(dist, 'logger.js'))) as typeof import('../server/logger.js');

const { values } = parseArgs({ options: { files: { type: 'string', default: '20000' }, runs: { type: 'string', default: '5' } } });
const FILES = Number(values.files);
const RUNS = Number(values.runs);

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'request', 'response', 'handler', 'config', 'value', 'result', 'index', 'buffer'];
function fileText(i: number): string {
  const lines: string[] = [];
  for (let l = 0; l < 100; l++) {
    const w = (k: number): string => WORDS[(i * 7 + l * 3 + k) % WORDS.length] as string;
    lines.push(`export const ${w(0)}${l} = ${w(1)}(${w(2)}, ${i + l}); // ${w(3)} ${w(4)}`);
  }
  if (i % 1000 === 0) lines.push('const needleInAHaystack = true;');
  return `${lines.join('\n')}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-search-'));
// One generated tree, opened as a folder by both servers.
const root = path.join(dataDir, 'project');
for (let i = 0; i < FILES; i++) {
  const dir = path.join(root, 'src', `m${Math.floor(i / 100)}`);
  if (i % 100 === 0) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `f${i}.ts`), fileText(i));
}
for (const skipped of ['build', 'node_modules/pkg']) {
  fs.mkdirSync(path.join(root, skipped), { recursive: true });
  for (let i = 0; i < FILES / 4; i++) fs.writeFileSync(path.join(root, skipped, `g${i}.js`), fileText(i + 1));
}
fs.writeFileSync(path.join(root, '.gitignore'), 'build/\nnode_modules/\n');

const servers = await Promise.all(
  (['auto', 'builtin'] as const).map(async (engine) => {
    const config = parseConfig(
      ['--port', '0', '--data-dir', path.join(dataDir, engine), '--token', TEST_TOKEN, '--open', root],
      {},
      process.cwd(),
    );
    if (config === 'help') throw new Error('unexpected help');
    config.searchEngine = engine;
    const nimbus = await startNimbus(config, { log: createLogger({ level: 'silent' }) });
    const list = (await (await fetch(`${nimbus.url}/api/workspaces`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).json()) as {
      id: string;
      root?: string;
      name: string;
    }[];
    const id = list.find((w) => w.name === 'project')?.id ?? (list.at(-1)?.id as string);
    return { engine, nimbus, id };
  }),
);

async function nimbusSearch(url: string, id: string, params: Record<string, string>): Promise<{ ms: number; files: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/api/workspaces/${id}/search?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
  });
  const text = await res.text();
  const ms = performance.now() - started;
  const done = JSON.parse(text.trim().split('\n').at(-1) as string) as { files: number; timedOut: boolean; error?: string };
  if (done.timedOut || done.error) throw new Error(`search failed: ${text.slice(-300)}`);
  return { ms, files: done.files };
}

function grepSearch(args: string[], cmd = 'grep'): { ms: number; files: number } {
  const started = performance.now();
  const all =
    cmd === 'grep'
      ? ['-r', '-l', '--exclude-dir=build', '--exclude-dir=node_modules', '--exclude-dir=.git', ...args, '.']
      : ['-l', ...args, '.'];
  const r = spawnSync(cmd, all, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  const ms = performance.now() - started;
  return { ms, files: r.stdout.split('\n').filter(Boolean).length };
}

const queries: { name: string; params: Record<string, string>; grep: string[]; rg: string[] }[] = [
  {
    name: 'literal, rare (needleInAHaystack)',
    params: { q: 'needleInAHaystack', case: '1' },
    grep: ['-F', 'needleInAHaystack'],
    rg: ['-F', 'needleInAHaystack'],
  },
  {
    name: 'literal, case-insensitive, everywhere (HANDLER)',
    params: { q: 'HANDLER' },
    grep: ['-i', '-F', 'HANDLER'],
    rg: ['-i', '-F', 'HANDLER'],
  },
  {
    name: 'regex (gamma\\d+ = delta)',
    params: { q: 'gamma\\d+ = delta', regex: '1', case: '1' },
    grep: ['-E', 'gamma[0-9]+ = delta'],
    rg: ['gamma[0-9]+ = delta'],
  },
];

const rows: string[] = [];
for (const q of queries) {
  const results: Record<string, { ms: number[]; files: number }> = {};
  for (const { engine, nimbus, id } of servers) {
    const ms: number[] = [];
    let files = 0;
    await nimbusSearch(nimbus.url, id, q.params); // warm the page cache
    for (let r = 0; r < RUNS; r++) {
      const one = await nimbusSearch(nimbus.url, id, q.params);
      ms.push(one.ms);
      files = one.files;
    }
    results[engine] = { ms, files };
  }
  const grepMs: number[] = [];
  let grepFiles = 0;
  for (let r = 0; r < RUNS; r++) {
    const g = grepSearch(q.grep);
    grepMs.push(g.ms);
    grepFiles = g.files;
  }
  const rgMs: number[] = [];
  let rgFiles = 0;
  for (let r = 0; r < RUNS; r++) {
    const g = grepSearch(q.rg, 'rg');
    rgMs.push(g.ms);
    rgFiles = g.files;
  }
  const cell = (x: { ms: number[]; files: number }): string => `${median(x.ms).toFixed(0)} ms (${x.files} files)`;
  rows.push(
    `| ${q.name} | ${cell(results.auto as { ms: number[]; files: number })} | ${cell(results.builtin as { ms: number[]; files: number })} | ${median(grepMs).toFixed(0)} ms (${grepFiles} files) | ${median(rgMs).toFixed(0)} ms (${rgFiles} files) |`,
  );
}

console.log(`\nFind in files: ${FILES} source files (~4 KB each) + ${FILES / 2} ignored, median of ${RUNS}, ${os.cpus().length} cores\n`);
console.log('| query | Nimbus, ripgrep | Nimbus, built-in walk | grep -r -l | rg -l alone |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
for (const { nimbus } of servers) await nimbus.close();
fs.rmSync(dataDir, { recursive: true, force: true });
