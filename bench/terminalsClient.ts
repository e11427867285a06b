/**
 * The benchmark's terminal client, a separate process like a browser would be, so that it shares
 * neither an event loop nor a garbage collector with the server it measures. It speaks the protocol
 * like the browser: hello, then acknowledgements in ACK_BATCH_BYTES batches (or after 20 ms of quiet),
 * without rendering. Jobs arrive over the IPC channel.
 */
import { WebSocket } from 'ws';
import { ACK_BATCH_BYTES, TERMINAL_PROTOCOL_VERSION, encodeTerminalMessage } from '../shared/protocol/terminal.js';

export type ClientJob = { kind: 'throughput'; url: string; command: string } | { kind: 'latency'; url: string; keys: number };

if (!process.send) throw new Error('run me as a child process with an IPC channel');
const reply = (message: unknown): void => void process.send?.(message);

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(encodeTerminalMessage({ type: 'hello', version: TERMINAL_PROTOCOL_VERSION, cols: 120, rows: 30 }));
      const onRestore = (data: Buffer, isBinary: boolean): void => {
        if (isBinary || !data.toString().includes('"restore"')) return;
        ws.off('message', onRestore);
        resolve(ws);
      };
      ws.on('message', onRestore);
    });
  });
}

function acker(ws: WebSocket): (bytes: number) => void {
  let pending = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(timer);
    timer = undefined;
    if (pending > 0) ws.send(encodeTerminalMessage({ type: 'ack', bytes: pending }));
    pending = 0;
  };
  return (bytes) => {
    pending += bytes;
    if (pending >= ACK_BATCH_BYTES) flush();
    else timer ??= setTimeout(flush, 20);
  };
}

async function throughput(url: string, command: string): Promise<{ bytes: number; ms: number }> {
  const ws = await open(url);
  const ack = acker(ws);
  // Timed from the first byte of output to the last: shell start-up and exit are not throughput.
  let bytes = 0;
  let first = 0;
  let last = 0;
  await new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) {
        last = performance.now();
        if (bytes === 0) first = last;
        bytes += data.byteLength;
        ack(data.byteLength);
      } else if (data.toString().includes('"exit"')) resolve();
    });
    ws.send(encodeTerminalMessage({ type: 'input', data: `${command}; exit\r` }));
  });
  ws.close();
  return { bytes, ms: last - first };
}

/** Runs `cat > /dev/null` and types one key at a time, timing each until its echo comes back. */
async function latency(url: string, keys: number): Promise<number[]> {
  const ws = await open(url);
  const ack = acker(ws);
  let waiting: ((text: string) => void) | undefined;
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) return;
    ack(data.byteLength);
    waiting?.(data.toString('latin1'));
  });
  const until = (predicate: (text: string) => boolean): Promise<void> =>
    new Promise((resolve) => {
      waiting = (text) => {
        if (!predicate(text)) return;
        waiting = undefined;
        resolve();
      };
    });
  const ready = until((t) => t.includes('READY'));
  ws.send(encodeTerminalMessage({ type: 'input', data: 'echo RE""ADY; cat > /dev/null\r' }));
  await ready;
  await new Promise((resolve) => setTimeout(resolve, 200));
  const samples: number[] = [];
  for (let i = 0; i < keys; i++) {
    if (i % 80 === 79) {
      const nl = until((t) => t.includes('\n'));
      ws.send(encodeTerminalMessage({ type: 'input', data: '\r' }));
      await nl;
    }
    const key = String.fromCharCode(97 + (i % 26));
    const echoed = until((t) => t.includes(key));
    const start = performance.now();
    ws.send(encodeTerminalMessage({ type: 'input', data: key }));
    await echoed;
    samples.push(performance.now() - start);
  }
  ws.close();
  return samples;
}

process.on('message', (job: ClientJob) => {
  const run = job.kind === 'throughput' ? throughput(job.url, job.command) : latency(job.url, job.keys);
  run.then(
    (result) => reply({ ok: true, result }),
    (err: unknown) => reply({ ok: false, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0));
