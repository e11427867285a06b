import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_FLOW } from '../server/terminals/index.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, TerminalTestClient } from './helpers/terminal.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

/**
 * Types a command that prints `size` SOH bytes (0x01: not in the typed line nor in any prompt) and
 * exits the shell, and returns how many arrived before the exit message.
 */
async function run(size: number, ack: 'auto' | 'late'): Promise<number> {
  const info = await createTerminal(server);
  const client = await TerminalTestClient.open(server, info.id, { ack: 'manual' });
  client.keepText = false;
  let received = 0;
  let receivedAtExit = -1;
  client.onOutput = (chunk) => {
    for (const byte of chunk) if (byte === 0x01) received++;
    if (ack === 'auto') client.ack();
  };
  client.input(`head -c ${size} /dev/zero | tr '\\0' '\\001'; exit\r`);
  // 'late': acknowledge nothing for a second, so the pty is paused when the program exits.
  const late =
    ack === 'late'
      ? setTimeout(() => {
          client.onOutput = (chunk) => {
            for (const byte of chunk) if (byte === 0x01) received++;
            client.ack();
          };
          client.ack();
        }, 1000)
      : undefined;
  await client.waitUntil(
    () => {
      if (receivedAtExit < 0 && client.messages.some((m) => m.type === 'exit')) receivedAtExit = received;
      return receivedAtExit >= 0;
    },
    20_000,
    'exit',
  );
  clearTimeout(late);
  await client.closed;
  return receivedAtExit;
}

describe('no output is lost at exit', () => {
  it('a program printing 20 KB and exiting, run 50 times, delivers every byte before the exit event', async () => {
    const results: number[] = [];
    // Ten at a time keeps the test short, and the load makes the race more likely, not less.
    for (let batch = 0; batch < 5; batch++) {
      results.push(...(await Promise.all(Array.from({ length: 10 }, () => run(20_000, 'auto')))));
    }
    expect(results).toHaveLength(50);
    expect(results.filter((n) => n !== 20_000)).toEqual([]);
  });

  it('also when the program exits while its output waits in a pty paused for a slow client', async () => {
    // Sizes just over the high watermark: the pty pauses with the last few KB still in the kernel,
    // few enough that the program finishes writing and exits while the pty is paused.
    for (const extra of [2048, 4096, 6144, 8192]) {
      const size = DEFAULT_FLOW.high + extra;
      expect({ size, received: await run(size, 'late') }).toEqual({ size, received: size });
    }
  });
});
