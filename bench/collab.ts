/**
 * Collaboration benchmark: the same Yjs clients against Nimbus, the reference y-websocket server
 * (1.5.4, bin/server.js) and Hocuspocus 4, each in its own process, in one run. The servers take turns
 * round by round, so a busy moment on the (shared) machine or the client process warming up does not
 * favour whoever happens to go first. `npm run bench:collab` builds first; prints a markdown table.
 */
import os from 'node:os';
import { bigFileInSecondBrowser } from './collab/browser.js';
import { concurrentWriters, fanOut, LatencySession, manyRooms, percentile } from './collab/scenarios.js';
import { startHocuspocus, startNimbus, startReference, type BenchServer } from './collab/servers.js';

const ROUNDS = 3;
/** Keystroke latency runs in short turns: 60 turns × 45 keystrokes per server (24,300 reader samples each: a p99 that moves less from run to run). */
const LATENCY_TURNS = 60;
const KEYSTROKES_PER_TURN = 45;

interface Result {
  server: BenchServer;
  latency: LatencySession;
  fanout: number[];
  converge: number[];
  identical: boolean;
  rooms?: Awaited<ReturnType<typeof manyRooms>>;
}

const median = (xs: number[]): number => percentile(xs, 50);
const f = (n: number, digits = 1): string => n.toFixed(digits);
const log = (text: string): boolean => process.stderr.write(text);

async function main(): Promise<void> {
  // Each y-websocket provider in Node registers a process 'exit' listener; hundreds are expected here.
  process.setMaxListeners(0);
  const servers = [await startNimbus(), await startReference(), await startHocuspocus()];
  const sessions = await Promise.all(servers.map((server) => LatencySession.open(server, 'latency')));
  const results: Result[] = servers.map((server, i) => ({
    server,
    latency: sessions[i] as LatencySession,
    fanout: [],
    converge: [],
    identical: true,
  }));
  try {
    for (const r of results) await r.latency.run(100, false);
    log('keystroke latency');
    for (let turn = 0; turn < LATENCY_TURNS; turn++) {
      log('.');
      for (let i = 0; i < results.length; i++) await (results[(i + turn) % results.length] as Result).latency.run(KEYSTROKES_PER_TURN);
    }
    log('\n');
    for (const r of results) r.latency.close();
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate who goes first each round.
      const order = results.map((_, i) => results[(i + round) % results.length] as Result);
      for (const r of order) {
        log(`round ${round + 1}: ${r.server.name}\n`);
        r.fanout.push((await fanOut(r.server, `fanout-${round}`)).perSecond);
        const converged = await concurrentWriters(r.server, `converge-${round}`);
        r.converge.push(converged.ms);
        r.identical &&= converged.identical;
      }
    }
    for (const r of results) {
      log(`rooms: ${r.server.name}\n`);
      r.rooms = await manyRooms(r.server);
    }
  } finally {
    for (const s of servers.slice(1)) await s.stop();
  }
  const nimbus = servers[0] as BenchServer;
  let big: Awaited<ReturnType<typeof bigFileInSecondBrowser>>;
  try {
    log('100,000-line file in two browsers\n');
    big = await bigFileInSecondBrowser(nimbus, nimbus.workspaceRoot ?? '');
  } finally {
    await nimbus.stop();
  }

  const line = (label: string, cells: string[]): string => `| ${[label, ...cells].join(' | ')} |`;
  const rooms = (r: Result): NonNullable<Result['rooms']> => r.rooms as NonNullable<Result['rooms']>;
  const out = [
    `Collaboration benchmark — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, Node ${process.version}, loopback; ${ROUNDS} rounds, servers rotating`,
    '',
    line(
      '',
      results.map((r) => r.server.name),
    ),
    line(
      '---',
      results.map(() => '---:'),
    ),
    line(
      `keystroke writer→9 readers p50 (ms, ${results[0]?.latency.samples.length} samples)`,
      results.map((r) => f(percentile(r.latency.samples, 50), 2)),
    ),
    line(
      'keystroke writer→9 readers p99 (ms)',
      results.map((r) => f(percentile(r.latency.samples, 99), 2)),
    ),
    line(
      'server CPU per keystroke (µs, user + system)',
      results.map((r) => f((r.latency.cpuMs * 1000) / r.latency.keystrokes, 0)),
    ),
    line(
      'fan-out 1→19, 5000 updates: updates delivered/s (median)',
      results.map((r) => Math.round(median(r.fanout)).toLocaleString('en-US')),
    ),
    line(
      '5 concurrent writers: convergence after last keystroke (ms, median)',
      results.map((r) => f(median(r.converge))),
    ),
    line(
      '5 concurrent writers: identical final text',
      results.map((r) => (r.identical ? 'yes' : '**no**')),
    ),
    line(
      '100 rooms × 3 clients: connect + sync all (ms)',
      results.map((r) => f(rooms(r).connectMs, 0)),
    ),
    line(
      '100 rooms × 3 clients: one edit per room reaches all (ms)',
      results.map((r) => f(rooms(r).propagationMs)),
    ),
    line(
      '100 rooms × 3 clients: server RSS growth (MiB)',
      results.map((r) => f(rooms(r).rssMiB)),
    ),
    '',
    ...results.map((r) => `- ${r.server.name}: ${r.server.notes}`),
    '',
    `100,000-line file (${(big.bytes / 2 ** 20).toFixed(1)} MiB): a second browser has it open and editable after ${f(big.ms, 0)} ms (target < 1500 ms).`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
