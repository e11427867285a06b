/**
 * Load-time benchmark (`npm run bench:load`): how soon the IDE is usable after navigation, in Chromium,
 * against a real Nimbus in this process serving the built client (`vite build` first, as the npm script
 * does).
 *
 * "Usable" is what a person returning to their work needs: the file tree shown, the file they had open
 * (restored from the last visit) visible with its text, and the cursor in it (the editor focused).
 * Measured from navigation start, on loopback, N loads with a warm HTTP cache (same browser profile: in
 * memory as Playwright makes it, and on disk as a person's browser keeps it) and N cold (a new profile
 * each time). Also: the JavaScript the page had parsed by its first paint, and in
 * all by the time it was usable (decoded bytes), and what crossed the wire.
 *
 * Targets (the workbench issue): usable in under 1 s, under 1.5 MB of JavaScript before first paint.
 * Peers: VS Code for the Web and code-server cannot be installed here (no network); their figures are
 * not run here, so the comparison in the same run is against the targets.
 *
 * Options: --loads 10
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH } from '../test/helpers/browser.js';
import { TEST_TOKEN } from '../test/helpers/server.js';

const dist = path.resolve('dist/server');
const { startNimbus } = (await import(path.join(dist, 'main.js'))) as typeof import('../server/main.js');
const { parseConfig } = (await import(path.join(dist, 'config.js'))) as typeof import('../server/config.js');
const { createLogger } = (await import(path.join(dist, 'logger.js'))) as typeof import('../server/logger.js');

const { values } = parseArgs({ options: { loads: { type: 'string', default: '10' } } });
const LOADS = Number(values.loads);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-load-'));
const config = parseConfig(['--port', '0', '--data-dir', dataDir, '--token', TEST_TOKEN], {}, process.cwd());
if (config === 'help') throw new Error('unexpected help');
const nimbus = await startNimbus(config, { log: createLogger({ level: 'silent' }) });
const root = nimbus.workspaces.rootOf('default');
// A small project: a few folders, a TypeScript file of 300 lines that was open at the last visit.
for (let d = 0; d < 10; d++) {
  fs.mkdirSync(path.join(root, `pkg${d}`), { recursive: true });
  for (let f = 0; f < 20; f++) fs.writeFileSync(path.join(root, `pkg${d}`, `file${f}.ts`), `export const v${f} = ${f};\n`);
}
fs.mkdirSync(path.join(root, 'src'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'src/app.ts'),
  Array.from({ length: 300 }, (_, i) => `export function f${i}(x: number): number { return x + ${i}; }`).join('\n') + '\n',
);
const MARK = 'function f10(';
const layout = {
  editor: { grid: { group: { tabs: ['src/app.ts'], active: 'src/app.ts', viewStates: {} } }, activeGroup: 0 },
  sidebarVisible: true,
  panelVisible: true,
  view: 'files',
};

interface Load {
  usableMs: number;
  firstPaintMs: number;
  jsBeforePaint: number;
  /** Preloaded (`modulepreload`: fetched and compiled off the main thread, not run) before the frame. */
  jsPreloadedBeforePaint: number;
  jsUntilUsable: number;
  wireUntilUsable: number;
  /** When the client's boot steps happened (main.ts's performance marks). */
  marks: Record<'frame' | 'editorLoaded' | 'collabReady' | 'layoutRestored', number>;
}

const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
});

/**
 * A browser profile: in memory (Playwright's default: an off-the-record context, whose cache lives only
 * while it is open), or on disk in `dir` as a person's own browser keeps it, V8's code cache included.
 */
async function newProfile(dir?: string): Promise<BrowserContext> {
  const context = dir
    ? await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
        viewport: { width: 1280, height: 800 },
      })
    : await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Signed in (the token traded for a cookie) without loading the page, and the last visit's layout.
  await context.request.get(`${nimbus.url}/?token=${TEST_TOKEN}`, { maxRedirects: 0 });
  await context.addInitScript((saved) => {
    if (!localStorage.getItem('nimbus.layout.default')) localStorage.setItem('nimbus.layout.default', saved);
    localStorage.setItem('nimbus.nameChosen', '1');
  }, JSON.stringify(layout));
  return context;
}

/** One load: in a new tab of the profile, or again in the same tab (`page`, as a reload is). */
async function load(context: BrowserContext, reuse?: Page): Promise<Load> {
  const page = reuse ?? (await context.newPage());
  await page.goto(`${nimbus.url}/w/default`, { waitUntil: 'commit' });
  // Scripts for the page are strings: tsx would add helpers to functions that the page does not have.
  const usableMs = (await page.evaluate(`new Promise((resolve) => {
    const check = () => {
      const tree = document.querySelector('.nb-tree-row');
      const lines = document.querySelector('.nb-editor-group .view-lines')?.textContent ?? '';
      const focused = document.activeElement?.closest('.monaco-editor');
      if (tree && lines.replace(/\u00a0/g, ' ').includes(${JSON.stringify(MARK)}) && focused) resolve(performance.now());
      else requestAnimationFrame(check);
    };
    check();
  })`)) as number;
  const metrics = (await page.evaluate(`(() => {
    const usable = ${usableMs};
    const paint = performance.getEntriesByType('paint').find((e) => e.name === 'first-contentful-paint')?.startTime ?? NaN;
    const resources = performance.getEntriesByType('resource');
    const js = resources.filter((r) => /[.]m?js([?]|$)/.test(r.name));
    const sum = (rs, key) => rs.reduce((n, r) => n + r[key], 0);
    const mark = (name) => performance.getEntriesByName('nimbus:' + name)[0]?.startTime ?? NaN;
    return {
      marks: { frame: mark('frame'), editorLoaded: mark('editor-loaded'), collabReady: mark('collab-ready'), layoutRestored: mark('layout-restored') },
      firstPaintMs: paint,
      // What the page asked for before its frame was drawn (the editor's script is asked for only after).
      // What ran before the frame: the entry and its imports. The editor stage's chunks are preloaded
      // (fetched and compiled off the main thread) in the meantime, and run only after the frame.
      jsBeforePaint: sum(js.filter((r) => r.startTime <= mark('frame') && !/(editorStage|installTerminals|monaco|xterm)-/.test(r.name)), 'decodedBodySize'),
      jsPreloadedBeforePaint: sum(js.filter((r) => r.startTime <= mark('frame') && /(editorStage|installTerminals|monaco|xterm)-/.test(r.name)), 'decodedBodySize'),
      jsUntilUsable: sum(js.filter((r) => r.responseEnd <= usable), 'decodedBodySize'),
      wireUntilUsable: sum(resources.filter((r) => r.responseEnd <= usable), 'transferSize'),
    };
  })()`)) as Omit<Load, 'usableMs'>;
  if (!reuse) await page.close();
  return { usableMs, ...metrics };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const worst = (xs: number[]): number => Math.max(...xs);
const mb = (n: number): string => `${(n / 1e6).toFixed(2)} MB`;
const ms = (n: number): string => `${n.toFixed(0)} ms`;

try {
  // Warm: one profile; the first load fills the cache and is not counted. Loads in the same tab (a
  // reload, or coming back to the IDE's address) also find the compiled code in V8's cache; a new tab
  // finds the files in the HTTP cache but compiles them again.
  const warmProfile = await newProfile();
  await load(warmProfile);
  const warm: Load[] = [];
  for (let i = 0; i < LOADS; i++) warm.push(await load(warmProfile));
  const tab = await warmProfile.newPage();
  await load(warmProfile, tab);
  const sameTab: Load[] = [];
  for (let i = 0; i < LOADS; i++) sameTab.push(await load(warmProfile, tab));
  await warmProfile.close();
  // A profile on disk, as a person's browser is: the first two loads fill its HTTP and code caches.
  const savedProfile = await newProfile(fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-profile-')));
  await load(savedProfile);
  await load(savedProfile);
  const saved: Load[] = [];
  for (let i = 0; i < LOADS; i++) saved.push(await load(savedProfile));
  await savedProfile.close();
  const cold: Load[] = [];
  for (let i = 0; i < LOADS; i++) {
    const profile = await newProfile();
    cold.push(await load(profile));
    await profile.close();
  }
  const row = (name: string, loads: Load[]): string =>
    `| ${name} | ${ms(median(loads.map((l) => l.usableMs)))} | ${ms(worst(loads.map((l) => l.usableMs)))} | ${ms(median(loads.map((l) => l.firstPaintMs)))} | ${mb(median(loads.map((l) => l.jsBeforePaint)))} | ${mb(median(loads.map((l) => l.jsPreloadedBeforePaint)))} | ${mb(median(loads.map((l) => l.jsUntilUsable)))} | ${mb(median(loads.map((l) => l.wireUntilUsable)))} |`;
  console.log(`\nIDE load in Chromium on loopback, ${LOADS} loads each (medians; worst usable time too)\n`);
  console.log(
    '| cache | usable (p50) | usable (worst) | first paint | JS run before first paint | JS preloaded meanwhile (not run) | JS until usable | bytes on the wire until usable |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  console.log(row('warm, same tab', sameTab));
  console.log(row('warm, new tab', warm));
  console.log(row('warm, new tab, profile on disk', saved));
  console.log(row('cold', cold));
  console.log('| target | < 1000 ms | | | < 1.50 MB | | | |');
  console.log(
    '\nWhere the time goes (medians, ms from navigation start): frame rendered, editor script evaluated, collaboration ready, layout restored, usable\n',
  );
  console.log('| cache | frame | editor loaded | collab ready | layout restored | usable |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, loads] of [
    ['warm, same tab', sameTab],
    ['warm, new tab', warm],
    ['warm, new tab, profile on disk', saved],
    ['cold', cold],
  ] as const) {
    const m = (k: keyof Load['marks']): string => ms(median(loads.map((l) => l.marks[k])));
    console.log(
      `| ${name} | ${m('frame')} | ${m('editorLoaded')} | ${m('collabReady')} | ${m('layoutRestored')} | ${ms(median(loads.map((l) => l.usableMs)))} |`,
    );
  }
} finally {
  await browser.close();
  await nimbus.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
