import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logger.js';
import { MirrorThread } from './MirrorThread.js';

const thread = new MirrorThread(createLogger({ level: 'silent' }));
afterAll(() => thread.dispose());

/** Coloured log lines: escape sequences the flood compactor cannot skip, so the thread parses all of it. */
function colouredOutput(lines: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < lines; i++)
    out.push(
      `\x1b[32m2026-11-26T10:00:00.${String(i % 1000).padStart(3, '0')}Z\x1b[0m \x1b[1;34mINFO\x1b[0m request ${i} handled in \x1b[33m${i % 97} ms\x1b[0m\r\n`,
    );
  return Buffer.from(out.join(''));
}

describe('the mirror thread reports progress through shared memory', () => {
  it('counts parsed bytes without a message per batch, and wakes the caller once it is under the mark', async () => {
    const mirror = thread.open(120, 30, 1000);
    let wakes = 0;
    mirror.onProgress = () => wakes++;
    const frame = colouredOutput(2000); // ~170 KB
    for (let i = 0; i < 12; i++) mirror.write(frame);
    const total = frame.byteLength * 12;
    expect(mirror.pending).toBeGreaterThan(0);
    expect(mirror.pending).toBeLessThanOrEqual(total);

    // A paused pty asks to be woken once at most 64 KB are left to parse.
    mirror.wakeBelow(64 * 1024);
    const deadline = Date.now() + 20_000;
    while (wakes === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(wakes).toBe(1);
    expect(mirror.pending).toBeLessThanOrEqual(64 * 1024);

    // Without a request, finishing the rest wakes nobody; the count still reaches zero.
    const until = Date.now() + 20_000;
    while (mirror.pending > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(mirror.pending).toBe(0);
    expect(wakes).toBe(1);

    // The screen holds the last line written.
    const snapshot = await mirror.snapshot();
    expect(snapshot.data).toContain('request 1999 handled');
    await mirror.close();
  });

  it('a thread restart leaves nothing pending (its count starts again from zero)', async () => {
    const mirror = thread.open(80, 24, 100);
    mirror.write(colouredOutput(3000));
    expect(mirror.pending).toBeGreaterThan(0);
    mirror.lost();
    expect(mirror.pending).toBe(0);
    await mirror.close();
  });
});

describe('a terminal opened while the thread starts', () => {
  it('is answered at once from what it was written, and that replays to the screen the thread gives once ready', async () => {
    const cold = new MirrorThread(createLogger({ level: 'silent' }));
    try {
      const mirror = cold.open(100, 20, 1000);
      const bytes = Buffer.concat([colouredOutput(30), Buffer.from('\x1b[2m── restored ──\x1b[0m\r\n$ é€ ')]);
      mirror.write(bytes);
      const early = await mirror.snapshot();
      expect(cold.ready).toBe(false); // answered without the thread
      expect(early).toEqual({ data: bytes.toString('utf8'), cols: 100, rows: 20 });
      // Ending inside a UTF-8 character, the log cannot be replayed as text: the thread answers.
      const half = cold.open(100, 20, 1000);
      half.write(Buffer.from('ab€').subarray(0, 4));
      await half.snapshot();
      expect(cold.ready).toBe(true);
      // The thread's screen of the first mirror is the screen of a terminal fed the early answer.
      const fromThread = await mirror.snapshot();
      expect(fromThread.data).toContain('request 29 handled');
      const replayed = cold.open(100, 20, 1000);
      replayed.write(Buffer.from(early.data));
      expect(await replayed.snapshot()).toEqual(fromThread);
    } finally {
      await cold.dispose();
    }
  });

  it('is not answered from its log once that holds more lines than the mirror keeps (and a bit)', async () => {
    const cold = new MirrorThread(createLogger({ level: 'silent' }));
    try {
      const mirror = cold.open(80, 24, 200);
      mirror.write(Buffer.from(Array.from({ length: 400 }, (_, i) => `line ${i}\r\n`).join('')));
      const snapshot = await mirror.snapshot();
      expect(cold.ready).toBe(true); // the thread answered
      expect(snapshot.data).toContain('line 399');
      expect(snapshot.data).not.toContain('line 100\r');
    } finally {
      await cold.dispose();
    }
  });
});
