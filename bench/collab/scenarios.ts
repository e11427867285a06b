/** The measurements of bench/collab.ts; each takes a server and returns numbers. */
import type { BenchClient, BenchServer } from './servers.js';

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Resolves when `check` holds, re-checked on every change of any of the texts. */
function whenAll(clients: BenchClient[], check: () => boolean, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (cleanup(), reject(new Error('timed out'))), timeoutMs);
    const on = (): void => {
      if (!check()) return;
      cleanup();
      resolve();
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      for (const c of clients) c.text.unobserve(on);
    };
    for (const c of clients) c.text.observe(on);
    on();
  });
}

async function connect(server: BenchServer, room: string, n: number): Promise<BenchClient[]> {
  const clients = Array.from({ length: n }, () => server.client(room));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${server.name}: clients did not sync`)), 60_000)),
  );
  await Promise.race([Promise.all(clients.map((c) => c.synced)), timeout]);
  clearTimeout(timer);
  return clients;
}

/**
 * One writer types single characters; 9 readers each report when they see it. A session stays connected
 * so the servers can take turns in short runs (noise on a shared machine then hits all of them alike).
 */
export class LatencySession {
  readonly samples: number[] = [];
  /** Server CPU time spent during the measured runs, and the keystrokes it covered. */
  cpuMs = 0;
  keystrokes = 0;
  private typed = 0;

  private constructor(
    readonly server: BenchServer,
    private readonly writer: BenchClient,
    private readonly readers: BenchClient[],
  ) {}

  static async open(server: BenchServer, room: string): Promise<LatencySession> {
    const [writer, ...readers] = await connect(server, room, 10);
    return new LatencySession(server, writer as BenchClient, readers);
  }

  async run(keystrokes: number, record = true): Promise<void> {
    const cpuBefore = this.server.cpuMs();
    for (let k = 0; k < keystrokes; k++) {
      const target = ++this.typed;
      const started = now();
      const seen = Promise.all(
        this.readers.map(
          (r) =>
            new Promise<void>((resolve) => {
              const on = (): void => {
                if (r.text.length < target) return;
                r.text.unobserve(on);
                if (record) this.samples.push(now() - started);
                resolve();
              };
              r.text.observe(on);
            }),
        ),
      );
      this.writer.text.insert(target - 1, 'x');
      await seen;
      await sleep(1);
    }
    if (record) {
      this.cpuMs += this.server.cpuMs() - cpuBefore;
      this.keystrokes += keystrokes;
    }
  }

  close(): void {
    for (const c of [this.writer, ...this.readers]) c.destroy();
  }
}

/** One writer sends 5000 single-character updates as fast as it can; 19 readers receive them all. */
export async function fanOut(
  server: BenchServer,
  room: string,
  updates = 5000,
  readerCount = 19,
): Promise<{ perSecond: number; ms: number }> {
  const [writer, ...readers] = await connect(server, room, readerCount + 1);
  const started = now();
  const done = whenAll(readers, () => readers.every((r) => r.text.length === updates));
  for (let i = 0; i < updates; i++) (writer as BenchClient).text.insert(i, 'a');
  await done;
  const ms = now() - started;
  for (const c of [writer as BenchClient, ...readers]) c.destroy();
  return { perSecond: (updates * readerCount) / (ms / 1000), ms };
}

/** Five writers type at random positions at once; how long until all five hold the same text? */
export async function concurrentWriters(server: BenchServer, room: string, perWriter = 200): Promise<{ ms: number; identical: boolean }> {
  const writers = await connect(server, room, 5);
  let seed = 42;
  const rand = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  await Promise.all(
    writers.map(async (w, i) => {
      for (let k = 0; k < perWriter; k++) {
        w.text.insert(Math.floor(rand() * (w.text.length + 1)), String.fromCharCode(97 + i));
        await sleep(1);
      }
    }),
  );
  const lastKeystroke = now();
  const total = 5 * perWriter;
  await whenAll(writers, () =>
    writers.every((w) => w.text.length === total && w.text.toString() === (writers[0] as BenchClient).text.toString()),
  );
  const ms = now() - lastKeystroke;
  const identical = new Set(writers.map((w) => w.text.toString())).size === 1;
  for (const w of writers) w.destroy();
  return { ms, identical };
}

/** 100 rooms with 3 clients each: time to connect and sync all, one edit per room reaching the others, server memory. */
export async function manyRooms(
  server: BenchServer,
  rooms = 100,
  perRoom = 3,
): Promise<{ connectMs: number; propagationMs: number; rssMiB: number }> {
  const before = server.rssBytes();
  const started = now();
  const groups = await Promise.all(Array.from({ length: rooms }, (_, i) => connect(server, `room-${i}`, perRoom)));
  const connectMs = now() - started;
  const readers = groups.flatMap((g) => g.slice(1));
  const propagationStart = now();
  const done = whenAll(readers, () => readers.every((r) => r.text.length === 1));
  for (const g of groups) (g[0] as BenchClient).text.insert(0, 'x');
  await done;
  const propagationMs = now() - propagationStart;
  await sleep(500);
  const rssMiB = (server.rssBytes() - before) / 2 ** 20;
  for (const g of groups) for (const c of g) c.destroy();
  return { connectMs, propagationMs, rssMiB };
}
