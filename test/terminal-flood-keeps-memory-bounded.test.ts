import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FLOW, MAX_FRAME, listSession } from '../server/terminals/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, marker, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  // The screen-mirror thread's own start (tens of MB for its isolate and xterm) is not flood memory: a
  // terminal's first screen no longer waits for it, so it would load during the measured window.
  await server.terminals.warmMirrors();
});
afterAll(async () => {
  await server.stop();
});

const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Floods a terminal for `ms` while a slow client acknowledges 64 KB every 50 ms (~1.3 MB/s, far
 * below what the pty can produce), then presses Ctrl+C. The test process is the server, so its RSS
 * is the server's memory.
 */
async function flood(command: string, program: string, ms: number) {
  const info = await createTerminal(server, 'default', { cols: 120, rows: 40 });
  const client = await TerminalTestClient.open(server, info.id, { ack: 'manual', cols: 120, rows: 40 });
  client.keepText = false;
  let maxUnacked = 0;
  client.onOutput = () => {
    maxUnacked = Math.max(maxUnacked, client.unacked);
  };
  const slowAcks = setInterval(() => client.ack(Math.min(client.unacked, 64 * 1024)), 50);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let maxRss = rssBefore;
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, process.memoryUsage().rss);
  }, 50);

  client.input(`${command}\r`);
  const pidOf = (): number | undefined => listSession(info.pid).find((p) => p.comm === program && p.state !== 'Z')?.pid;
  await client.waitUntil(() => pidOf() !== undefined, 5000, `${program} to start`);
  const floodPid = pidOf() as number;
  await sleep(ms);
  const bytesDuringFlood = client.bytes;

  const sentAt = performance.now();
  client.input('\x03');
  await client.waitUntil(() => !listSession(info.pid).some((p) => p.pid === floodPid && p.state !== 'Z'), 5000, `${program} to die`);
  const ctrlCMs = performance.now() - sentAt;
  clearInterval(sampler);
  clearInterval(slowAcks);

  // Catch up like a browser coming back to the tab: the shell is responsive again.
  client.onOutput = () => client.ack();
  client.ack();
  const m = marker('after');
  client.keepText = true;
  client.input(`${m.command}\r`);
  await client.waitForText(m.output, 15_000);
  await client.close();
  return { rssGrowthMb: (maxRss - rssBefore) / MB, maxUnacked, ctrlCMs, bytesDuringFlood };
}

describe('a terminal flood with a slow client keeps server memory bounded and Ctrl+C fast', () => {
  for (const [what, command, program] of [
    ['cat of a 200 MB file', 'truncate -s 200M big.bin && cat big.bin', 'cat'],
    ['yes', 'yes', 'yes'],
  ] as const) {
    it(`${what}: RSS grows < 50 MB, unacknowledged output stays under the window, Ctrl+C works within 1 s`, async () => {
      const result = await flood(command, program, 2500);
      expect(result.rssGrowthMb).toBeLessThan(50);
      // The pty is paused at the high watermark; at most one more frame is in flight.
      expect(result.maxUnacked).toBeLessThanOrEqual(DEFAULT_FLOW.high + MAX_FRAME);
      // 2.5 s at ~1.3 MB/s of acks plus the window: not the hundreds of MB the program wrote.
      expect(result.bytesDuringFlood).toBeLessThan(8 * MB);
      expect(result.ctrlCMs).toBeLessThan(1000);
    });
  }
});
