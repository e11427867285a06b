/**
 * The screen-mirror thread: one headless xterm per terminal, fed every byte of output, serialized
 * on demand to restore a reconnecting or newly attached viewer.
 *
 * Parsing costs about as much CPU as reading the pty, so it runs beside the main thread instead of
 * on it, and it skips what cannot matter any more (floodCompactor: most of a flood). Operations are
 * applied strictly in order, so a snapshot or a resize reflects exactly the bytes sent before it.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { FloodCompactor } from './floodCompactor.js';
import { PARSED, WAKE_AT, type FromMirror, type MirrorProgress, type ToMirror } from './messages.js';

// The xterm packages are CommonJS bundles whose named exports Node cannot detect from ESM.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');
const { Unicode11Addon } = require('@xterm/addon-unicode11') as typeof import('@xterm/addon-unicode11');

type Op = Exclude<ToMirror, { op: 'open' }>;

interface Mirror {
  id: number;
  term: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
  queue: Op[];
  busy: boolean;
  flood: FloodCompactor;
  progress: MirrorProgress;
  parsed: number;
}

const mirrors = new Map<number, Mirror>();

const port = parentPort;
if (!port) throw new Error('mirrorWorker must run in a worker thread');
const post = (message: FromMirror): void => port.postMessage(message);
const EMPTY = new Uint8Array(0);

function open(id: number, cols: number, rows: number, scrollback: number, progress: MirrorProgress): void {
  // logLevel off: binary floods are full of malformed sequences and each would be logged.
  const term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
  const serializer = new SerializeAddon();
  // The addon typings name the browser Terminal; the headless one has the same API surface.
  term.loadAddon(serializer as unknown as Parameters<typeof term.loadAddon>[0]);
  term.loadAddon(new Unicode11Addon() as unknown as Parameters<typeof term.loadAddon>[0]);
  term.unicode.activeVersion = '11'; // same widths as the browser, or restored cursors land elsewhere
  mirrors.set(id, { id, term, serializer, queue: [], busy: false, flood: new FloodCompactor(rows, scrollback), progress, parsed: 0 });
}

/** Runs the next operation once the previous one has been fully applied. */
function pump(mirror: Mirror): void {
  if (mirror.busy) return;
  const op = mirror.queue.shift();
  if (!op) return;
  mirror.busy = true;
  const { term } = mirror;
  const next = (): void => {
    mirror.busy = false;
    pump(mirror);
  };
  const parse = (pieces: Uint8Array[]): void => {
    for (const piece of pieces) term.write(piece);
  };
  switch (op.op) {
    case 'write': {
      // Everything queued behind it goes in one batch: one acknowledgement, one wake-up.
      let bytes = 0;
      let write: Extract<Op, { op: 'write' }> | undefined = op;
      while (write) {
        bytes += write.data.byteLength;
        parse(mirror.flood.push(write.data));
        write = mirror.queue[0]?.op === 'write' ? (mirror.queue.shift() as Extract<Op, { op: 'write' }>) : undefined;
      }
      term.write(EMPTY, () => {
        mirror.parsed += bytes;
        Atomics.store(mirror.progress, PARSED, BigInt(mirror.parsed));
        const wakeAt = Atomics.load(mirror.progress, WAKE_AT);
        if (wakeAt !== 0n && BigInt(mirror.parsed) >= wakeAt) {
          Atomics.store(mirror.progress, WAKE_AT, 0n);
          post({ op: 'written', id: mirror.id });
        }
        next();
      });
      return;
    }
    case 'resize':
      parse(mirror.flood.flush());
      term.write(EMPTY, () => {
        term.resize(op.cols, op.rows);
        mirror.flood.resize(op.rows);
        next();
      });
      return;
    case 'snapshot':
      parse(mirror.flood.flush());
      term.write(EMPTY, () => {
        post({ op: 'snapshot', id: mirror.id, req: op.req, data: mirror.serializer.serialize(), cols: term.cols, rows: term.rows });
        next();
      });
      return;
    case 'close':
      term.write(EMPTY, () => {
        mirrors.delete(mirror.id);
        term.dispose();
        post({ op: 'closed', id: mirror.id });
      });
      return;
  }
}

port.on('message', (message: ToMirror) => {
  if (message.op === 'open') return open(message.id, message.cols, message.rows, message.scrollback, message.progress);
  const mirror = mirrors.get(message.id);
  if (!mirror) return;
  mirror.queue.push(message);
  pump(mirror);
});

// Loaded: from now on a snapshot is a few milliseconds away (the main thread stops keeping replay logs).
post({ op: 'ready' });
