/**
 * The screen-mirror thread: one headless xterm per terminal, fed every byte of output, serialized
 * on demand to restore a reconnecting or newly attached viewer.
 *
 * Parsing costs about as much CPU as reading the pty, so it runs beside the main thread instead of
 * on it: output keeps flowing to sockets while the mirror catches up (the main thread bounds how far
 * it may fall behind). Every operation goes through the terminal's write queue, so a snapshot or a
 * resize applies exactly after the bytes sent before it.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import type { FromMirror, ToMirror } from './messages.js';

// The xterm packages are CommonJS bundles whose named exports Node cannot detect from ESM.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');
const { Unicode11Addon } = require('@xterm/addon-unicode11') as typeof import('@xterm/addon-unicode11');

interface Mirror {
  term: InstanceType<typeof Terminal>;
  serializer: InstanceType<typeof SerializeAddon>;
}

const mirrors = new Map<number, Mirror>();
const port = parentPort;
if (!port) throw new Error('mirrorWorker must run in a worker thread');
const post = (message: FromMirror): void => port.postMessage(message);
const EMPTY = new Uint8Array(0);

port.on('message', (message: ToMirror) => {
  if (message.op === 'open') {
    // logLevel off: binary floods are full of malformed sequences and each would be logged.
    const term = new Terminal({ cols: message.cols, rows: message.rows, scrollback: message.scrollback, allowProposedApi: true, logLevel: 'off' });
    const serializer = new SerializeAddon();
    // The addon typings name the browser Terminal; the headless one has the same API surface.
    term.loadAddon(serializer as unknown as Parameters<typeof term.loadAddon>[0]);
    term.loadAddon(new Unicode11Addon() as unknown as Parameters<typeof term.loadAddon>[0]);
    term.unicode.activeVersion = '11'; // same widths as the browser, or restored cursors land elsewhere
    mirrors.set(message.id, { term, serializer });
    return;
  }
  const mirror = mirrors.get(message.id);
  if (!mirror) return;
  const { term, serializer } = mirror;
  switch (message.op) {
    case 'write': {
      const bytes = message.data.byteLength;
      term.write(message.data, () => post({ op: 'written', id: message.id, bytes }));
      break;
    }
    case 'resize':
      term.write(EMPTY, () => term.resize(message.cols, message.rows));
      break;
    case 'snapshot':
      term.write(EMPTY, () => {
        post({ op: 'snapshot', id: message.id, req: message.req, data: serializer.serialize(), cols: term.cols, rows: term.rows });
      });
      break;
    case 'close':
      term.write(EMPTY, () => {
        mirrors.delete(message.id);
        term.dispose();
        post({ op: 'closed', id: message.id });
      });
      break;
  }
});
