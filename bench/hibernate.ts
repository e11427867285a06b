/**
 * Hibernation benchmark (`npm run bench:hibernate`), against a real Nimbus in this process:
 *
 * - Wake latency: a hibernated workspace with one terminal (its scrollback full) → POST /wake → the restored terminal listed →
 *   its socket open → a command typed → its output back. p50/p99 over N cycles, with the server's
 *   terminal screen-mirror thread still running (it stays 10 minutes after the last terminal) and with
 *   it stopped (a second server that stops it at once, so every wake starts it). In the same run, the
 *   floor: the same steps on a running workspace with a new terminal (no wake, no restore). Target p50
 *   under 300 ms; the peers' figures (Cloud9: minutes to start the instance again; CodeSandbox's memory
 *   snapshot resume: 0.5–2 s) are their published ones, not run here.
 * - Cost of a hibernated workspace: the server's RSS and open file descriptors with W workspaces running
 *   (a terminal each), then with the same W hibernated.
 *
 * Options: --cycles 20  --workspaces 50
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { TerminalInfo } from '../shared/protocol/terminal.js';
import { TEST_TOKEN, type TestServer } from '../test/helpers/server.js';
import { TerminalTestClient } from '../test/helpers/terminal.js';

// The compiled server (`tsc -b server` first, as the npm script does), as a person runs it: from the
// TypeScript sources every worker thread would start through tsx's loader, which costs ~0.4 s.
const dist = path.resolve('dist/server');
const { startNimbus } = (await import(path.join(dist, 'main.js'))) as typeof import('../server/main.js');
const { parseConfig } = (await import(path.join(dist, 'config.js'))) as typeof import('../server/config.js');
const { createLogger } = (await import(path.join(dist, 'logger.js'))) as typeof import('../server/logger.js');

async function startServer(options: { mirrorIdleMs?: number } = {}): Promise<TestServer & { stop(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-hibernate-'));
  const config = parseConfig(['--port', '0', '--data-dir', dataDir, '--token', TEST_TOKEN], {}, process.cwd());
  if (config === 'help') throw new Error('unexpected help');
  if (options.mirrorIdleMs !== undefined) config.terminalMirrorIdleMs = options.mirrorIdleMs;
  const nimbus = await startNimbus(config, { log: createLogger({ level: 'silent' }) });
  const server = {
    ...nimbus,
    dataDir,
    api: (pathname: string, init: RequestInit = {}) =>
      fetch(nimbus.url + pathname, {
        ...init,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
      }),
    wsUrl: (pathname: string) => nimbus.url.replace(/^http/, 'ws') + pathname,
    stop: async () => {
      await nimbus.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return server as unknown as TestServer & { stop(): Promise<void> };
}

const { values } = parseArgs({ options: { cycles: { type: 'string', default: '20' }, workspaces: { type: 'string', default: '50' } } });
const CYCLES = Number(values.cycles);
const WORKSPACES = Number(values.workspaces);
const MB = 1024 * 1024;

const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};
const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;
const fds = (): number => fs.readdirSync('/proc/self/fd').length;
const rss = (): number => process.memoryUsage().rss;
/** JS heap in use after a full collection: what the server still holds (RSS rarely shrinks once grown). */
const heap = (): number => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
};

async function post(server: TestServer, path: string, body: unknown = {}): Promise<Response> {
  const res = await server.api(path, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Opens the terminal's socket, types a command and waits for its output; resolves with the elapsed ms since `started`. */
async function echoThrough(server: TestServer, workspaceId: string, terminalId: string, started: number, n: number): Promise<number> {
  const client = await TerminalTestClient.open(server, terminalId, { workspaceId });
  client.input(`echo woke-$((${n}+1000))\r`);
  await client.waitForText(`woke-${n + 1000}`, 10_000);
  const elapsed = performance.now() - started;
  await client.close();
  return elapsed;
}

async function wakeLatency(server: TestServer): Promise<{ wake: number[]; floor: number[] }> {
  await post(server, '/api/workspaces', { name: 'sleeper', hibernateAfterSeconds: 0 });
  const first = (await (await post(server, '/api/workspaces/sleeper/terminals', {})).json()) as TerminalInfo;
  // A terminal that has been used: its scrollback (1000 lines by default) full, restored on every wake.
  const filler = await TerminalTestClient.open(server, first.id, { workspaceId: 'sleeper' });
  filler.input('for i in $(seq 1 1500); do echo "build step $i: compiled src/module-$i.ts"; done\r');
  await filler.waitForText('compiled src/module-1500.ts', 20_000);
  await filler.close();
  const wake: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    await post(server, '/api/workspaces/sleeper/hibernate');
    const started = performance.now();
    await post(server, '/api/workspaces/sleeper/wake');
    const [terminal] = (await (await server.api('/api/workspaces/sleeper/terminals')).json()) as TerminalInfo[];
    if (!terminal) throw new Error('no terminal came back');
    wake.push(await echoThrough(server, 'sleeper', terminal.id, started, i));
  }
  await post(server, '/api/workspaces', { name: 'awake', hibernateAfterSeconds: 0 });
  const floor: number[] = [];
  for (let i = 0; i < CYCLES; i++) {
    const started = performance.now();
    const terminal = (await (await post(server, '/api/workspaces/awake/terminals')).json()) as TerminalInfo;
    floor.push(await echoThrough(server, 'awake', terminal.id, started, i));
    await server.api(`/api/workspaces/awake/terminals/${terminal.id}`, { method: 'DELETE' });
  }
  return { wake, floor };
}

interface Sample {
  rss: number;
  heap: number;
  fds: number;
}
const sample = (): Sample => ({ heap: heap(), rss: rss(), fds: fds() });

async function cost(server: TestServer): Promise<{ base: Sample; running: Sample; hibernated: Sample }> {
  const ids: string[] = [];
  const base = sample();
  for (let i = 0; i < WORKSPACES; i++) {
    const { id } = (await (await post(server, '/api/workspaces', { name: `w${i}`, hibernateAfterSeconds: 0 })).json()) as { id: string };
    ids.push(id);
    await post(server, `/api/workspaces/${id}/terminals`);
  }
  const running = sample();
  for (const id of ids) await post(server, `/api/workspaces/${id}/hibernate`);
  const hibernated = sample();
  return { base, running, hibernated };
}

const server = await startServer();
try {
  console.log(`## Hibernation benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}\n`);
  const { wake, floor } = await wakeLatency(server);
  const c = await cost(server);
  const coldServer = await startServer({ mirrorIdleMs: 0 });
  let cold: number[];
  try {
    cold = (await wakeLatency(coldServer)).wake;
  } finally {
    await coldServer.stop();
  }
  const line = (label: string, xs: number[]): string =>
    `| ${label} | ${fmt(percentile(xs, 50))} | ${fmt(percentile(xs, 99))} | ${fmt(Math.max(...xs))} |`;
  console.log(`### Wake latency (${CYCLES} cycles: hibernated workspace with one terminal → wake → restored terminal echoes a command)\n`);
  console.log('| path | p50 | p99 | max |');
  console.log('|---|---|---|---|');
  console.log(line('hibernated → wake → restored terminal → echo, mirror thread running', wake));
  console.log(line('the same, mirror thread stopped (every wake starts it)', cold));
  console.log(line('running → new terminal → echo (the floor)', floor));
  console.log(`\nTarget p50 < 300 ms: ${Math.max(percentile(wake, 50), percentile(cold, 50)) < 300 ? 'met' : 'NOT met'}, either way.\n`);

  const per = (x: number): string => `${(x / WORKSPACES / 1024).toFixed(0)} KB`;
  const row = (label: string, s: Sample): string =>
    `| ${label} | ${per(s.heap - c.base.heap)} | ${per(s.rss - c.base.rss)} | ${s.fds - c.base.fds} |`;
  console.log(`### Cost of ${WORKSPACES} workspaces (the server process, over its state before them)\n`);
  console.log('| state | JS heap per workspace (after GC) | RSS per workspace | open descriptors in all |');
  console.log('|---|---|---|---|');
  console.log(row('running, a terminal each', c.running));
  console.log(row('hibernated', c.hibernated));
  const met = (c.hibernated.heap - c.base.heap) / WORKSPACES < MB && c.hibernated.fds <= c.base.fds;
  console.log(
    `\nTarget: a hibernated workspace holds under 1 MB and no descriptor: ${met ? 'met' : 'NOT met'} (RSS does not shrink back once grown, so it is shown, not judged).`,
  );
} finally {
  await server.stop();
}
