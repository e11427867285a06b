/**
 * Terminal benchmark (`npm run bench:terminals`): Nimbus's terminal pipeline against node-pty read
 * directly in-process, in the same run.
 *
 * - Throughput: `head -c 200M <source>` in a terminal, read over the WebSocket by a client that
 *   acknowledges like the browser, vs the same command read from node-pty with nothing in between;
 *   both timed from the first output byte to the last.
 * - Keystroke echo latency: a key sent → its echo received, 1000 keys, p50/p99 (the pty runs
 *   `cat > /dev/null`, so the echo comes from the kernel's line discipline and the rest is ours).
 * - Memory per idle terminal: server RSS growth for N idle terminals, vs N bare node-pty shells.
 *
 * The client is a separate process, as a browser is.
 *
 * Options: --size 200M  --keys 1000  --idle 15  --rounds 3  --only throughput|latency|memory
 *
 * The machine may be shared: each throughput measure alternates the two sides for several rounds; each
 * Nimbus round is compared with the direct round just before it (a slow or fast moment of the machine
 * hits both), and the median of those paired ratios is the result.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fork, type ChildProcess } from 'node:child_process';
import { spawn, type IPty } from 'node-pty';
import { parseConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { startNimbus, type NimbusServer } from '../server/main.js';
import type { TerminalInfo } from '../shared/protocol/terminal.js';
import type { ClientJob } from './terminalsClient.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200M' },
    keys: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '15' },
    rounds: { type: 'string', default: '7' },
    only: { type: 'string' },
  },
});
const SIZE = values.size as string;
const KEYS = Number(values.keys);
const IDLE = Number(values.idle);
const ROUNDS = Number(values.rounds);
const run = (part: string): boolean => values.only === undefined || values.only === part;
const TOKEN = 'bench-owner-token-0123456789';
const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-terminals-'));
const shell = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';

/** A log-like text file (timestamps, levels, ids): what `cat big.log` really shows; coloured like a dev server's log. */
function makeLogFile(file: string, bytes: number, coloured = false): void {
  const [green, blue, yellow, reset] = coloured ? ['\x1b[32m', '\x1b[1;34m', '\x1b[33m', '\x1b[0m'] : ['', '', '', ''];
  const fd = fs.openSync(file, 'w');
  let written = 0;
  let n = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let i = 0; i < 1000; i++, n++) {
      lines.push(
        `${green}${new Date(1_700_000_000_000 + n * 7).toISOString()}${reset} ${blue}INFO${reset}  worker-${n % 16} request ${((n * 2654435761) % 4294967296).toString(36)} handled in ${yellow}${n % 997} ms${reset}`,
      );
    }
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    fs.writeSync(fd, chunk);
    written += chunk.byteLength;
  }
  fs.closeSync(fd);
}

function directThroughput(command: string): Promise<{ bytes: number; ms: number }> {
  return new Promise((resolve) => {
    let bytes = 0;
    let first = 0;
    let last = 0;
    const pty = spawn(shell, ['-c', command], {
      name: 'xterm-256color',
      cols: 120,
      rows: 30,
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TERM: 'xterm-256color' },
      encoding: null,
    });
    pty.onData((chunk: string | Buffer) => {
      last = performance.now();
      if (bytes === 0) first = last;
      bytes += chunk.length;
    });
    pty.onExit(() => resolve({ bytes, ms: last - first }));
  });
}

async function directLatency(keys: number): Promise<number[]> {
  const pty = spawn('/bin/cat', [], {
    name: 'xterm-256color',
    cols: 120,
    rows: 30,
    cwd: dir,
    env: { PATH: process.env.PATH ?? '' },
    encoding: null,
  });
  let waiting: ((text: string) => void) | undefined;
  pty.onData((chunk: string | Buffer) => waiting?.(chunk.toString('latin1')));
  const until = (predicate: (t: string) => boolean): Promise<void> =>
    new Promise((resolve) => {
      waiting = (t) => {
        if (predicate(t)) {
          waiting = undefined;
          resolve();
        }
      };
    });
  await sleep(200);
  const samples: number[] = [];
  for (let i = 0; i < keys; i++) {
    if (i % 80 === 79) {
      const nl = until((t) => t.includes('\n'));
      pty.write('\r');
      await nl;
    }
    const key = String.fromCharCode(97 + (i % 26));
    const echoed = until((t) => t.includes(key));
    const start = performance.now();
    pty.write(key);
    await echoed;
    samples.push(performance.now() - start);
  }
  pty.kill('SIGKILL');
  return samples;
}

function startClient(): ChildProcess {
  return fork(new URL('./terminalsClient.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
}

function runClient<T>(client: ChildProcess, job: ClientJob): Promise<T> {
  return new Promise((resolve, reject) => {
    client.once('message', (reply: { ok: boolean; result?: T; error?: string }) =>
      reply.ok ? resolve(reply.result as T) : reject(new Error(reply.error)),
    );
    client.send(job);
  });
}

async function createTerminal(nimbus: NimbusServer): Promise<TerminalInfo> {
  const res = await fetch(`${nimbus.url}/api/workspaces/default/terminals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ cols: 120, rows: 30 }),
  });
  if (res.status !== 201) throw new Error(`create terminal: ${res.status} ${await res.text()}`);
  return (await res.json()) as TerminalInfo;
}

const socketUrl = (nimbus: NimbusServer, id: string): string =>
  `${nimbus.url.replace(/^http/, 'ws')}/ws/workspaces/default/terminals/${id}?token=${TOKEN}`;

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const rssMb = (): number => process.memoryUsage().rss / MB;

async function main(): Promise<void> {
  const logFile = path.join(dir, 'big.log');
  const colouredLogFile = path.join(dir, 'coloured.log');
  if (run('throughput')) {
    process.stderr.write(`preparing log files in ${dir}…\n`);
    makeLogFile(logFile, 210 * MB);
    makeLogFile(colouredLogFile, 210 * MB, true);
  }
  const sources = [
    { name: `head -c ${SIZE} /dev/zero`, command: `head -c ${SIZE} /dev/zero` },
    { name: `head -c ${SIZE} big.log (text lines)`, command: `head -c ${SIZE} ${logFile}` },
    { name: `head -c ${SIZE} coloured.log (lines with SGR colours)`, command: `head -c ${SIZE} ${colouredLogFile}` },
  ];

  const config = parseConfig(['--port', '0', '--data-dir', path.join(dir, 'data'), '--token', TOKEN], {}, process.cwd());
  if (config === 'help') throw new Error('unexpected help');
  const nimbus = await startNimbus(config, { log: createLogger({ level: 'silent' }) });
  const client = startClient();
  const rows: string[] = [];

  try {
    // Throughput: direct and Nimbus alternate, a warm-up each, then the medians of ROUNDS rounds.
    if (run('throughput')) {
      for (const source of sources) {
        const ours = async (): Promise<{ bytes: number; ms: number }> => {
          const info = await createTerminal(nimbus);
          return runClient(client, { kind: 'throughput', url: socketUrl(nimbus, info.id), command: source.command });
        };
        await directThroughput(source.command);
        await ours();
        const directRates: number[] = [];
        const oursRates: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const d = await directThroughput(source.command);
          directRates.push(d.bytes / MB / (d.ms / 1000));
          const o = await ours();
          oursRates.push(o.bytes / MB / (o.ms / 1000));
        }
        const directRate = percentile(directRates, 50);
        const oursRate = percentile(oursRates, 50);
        const ratios = oursRates.map((rate, i) => (rate / (directRates[i] as number)) * 100);
        rows.push(
          `| throughput: ${source.name} | ${oursRate.toFixed(0)} MB/s | ${directRate.toFixed(0)} MB/s | ${percentile(ratios, 50).toFixed(0)}% of direct (median of ${ROUNDS} paired rounds; target ≥ 70%); per round: ${ratios.map((x) => x.toFixed(0)).join(', ')}% |`,
        );
        process.stderr.write(`${rows.at(-1)}\n`);
      }
    }

    // Keystroke echo latency.
    if (run('latency')) {
      const direct = await directLatency(KEYS);
      const info = await createTerminal(nimbus);
      const ours = await runClient<number[]>(client, { kind: 'latency', url: socketUrl(nimbus, info.id), keys: KEYS });
      rows.push(`| echo latency p50 (${KEYS} keys) | ${percentile(ours, 50).toFixed(2)} ms | ${percentile(direct, 50).toFixed(2)} ms | |`);
      rows.push(
        `| echo latency p99 (${KEYS} keys) | ${percentile(ours, 99).toFixed(2)} ms | ${percentile(direct, 99).toFixed(2)} ms | target p99 < 5 ms |`,
      );
      process.stderr.write(`${rows.slice(-2).join('\n')}\n`);
    }

    // Memory per idle terminal (the server is this process: its RSS includes the mirror thread).
    if (run('memory')) {
      await fetch(`${nimbus.url}/api/workspaces/default/hibernate`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      await sleep(500);
      gc();
      const bareBefore = rssMb();
      const bare: IPty[] = [];
      for (let i = 0; i < IDLE; i++)
        bare.push(
          spawn(shell, [], {
            name: 'xterm-256color',
            cols: 120,
            rows: 30,
            cwd: dir,
            env: { PATH: process.env.PATH ?? '', TERM: 'xterm-256color', HOME: os.homedir() },
            encoding: null,
          }),
        );
      await sleep(1500);
      gc();
      const barePer = (rssMb() - bareBefore) / IDLE;
      for (const p of bare) p.kill('SIGKILL');
      await sleep(500);
      gc();
      // The first terminal also starts the mirror thread (a fixed cost); the next IDLE show the cost of one more.
      const before = rssMb();
      const idle: TerminalInfo[] = [await createTerminal(nimbus)];
      await sleep(1500);
      gc();
      const withOne = rssMb();
      for (let i = 0; i < IDLE; i++) idle.push(await createTerminal(nimbus));
      await sleep(1500);
      gc();
      const oursPer = (rssMb() - withOne) / IDLE;
      const shellRss = idle.map((t) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${t.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
      rows.push(
        `| server memory per idle terminal (${IDLE} more) | ${oursPer.toFixed(2)} MB | ${barePer.toFixed(2)} MB | plus ${(withOne - before - oursPer).toFixed(1)} MB once for the mirror thread; the shell itself: ${(shellRss.reduce((a, b) => a + b, 0) / idle.length).toFixed(1)} MB RSS, not in the server |`,
      );
    }
  } finally {
    client.disconnect();
    await nimbus.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\nTerminals benchmark — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}\n`,
  );
  console.log('| measure | Nimbus (WebSocket, acking client) | node-pty in-process | note |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
