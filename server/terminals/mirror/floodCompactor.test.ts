import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FloodCompactor } from './floodCompactor.js';

const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { SerializeAddon } = require('@xterm/addon-serialize') as typeof import('@xterm/addon-serialize');

const COLS = 60;
const ROWS = 12;
const SCROLLBACK = 40;

function terminal() {
  const term = new Terminal({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true, logLevel: 'off' });
  const serializer = new SerializeAddon();
  term.loadAddon(serializer as unknown as Parameters<typeof term.loadAddon>[0]);
  return { term, serializer };
}

async function feed(chunks: Uint8Array[], compact: boolean): Promise<{ screen: string; cursor: string; title: string; parsed: number }> {
  const { term, serializer } = terminal();
  let title = '';
  term.onTitleChange((t) => (title = t));
  const flood = new FloodCompactor(ROWS, SCROLLBACK);
  let parsed = 0;
  const parse = async (pieces: Uint8Array[]): Promise<void> => {
    for (const piece of pieces) {
      parsed += piece.byteLength;
      await new Promise<void>((resolve) => term.write(piece, resolve));
    }
  };
  for (const chunk of chunks) await parse(compact ? flood.push(chunk) : [chunk]);
  if (compact) await parse(flood.flush());
  const b = term.buffer.active;
  return { screen: serializer.serialize(), cursor: `${b.type} ${b.cursorX},${b.cursorY}`, title, parsed };
}

/** A deterministic pseudo-random flood mixing plain lines with everything that changes terminal state. */
function flood(seed: number, lines: number): Uint8Array[] {
  let x = seed;
  const rand = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const specials = [
    '\x1b[31m',
    '\x1b[1;44m',
    '\x1b[0m',
    '\x1b]0;title-%\x07',
    '\x1b]2;other-%\x1b\\',
    '\x1b[?1049h',
    '\x1b[?1049l',
    '\x1b[5;10r',
    '\x1b[r',
    '\x1b[H',
    '\x1b[2J',
    '\x1b[3;7H',
    '\x1b[4h',
    '\x1b[4l',
    '\x1b[?7l',
    '\x1b[?7h',
    '\x1b(0',
    '\x1b(B',
    '中文字符',
    'é😀',
    '\x00\x00\x00',
    '\r50%\r',
    '\x1bP+q544e\x1b\\',
    '\x1b[?25l',
    '\x1b[?25h',
    '\x1b[s',
    '\x1b[u',
    '\t|',
    '\x1b[K',
    '\u009b32m',
    '\u009d0;c1-title\u009c',
    '\x1b[1', // an unfinished CSI split across chunks
    `${'\x00'.repeat(2600)}%`,
    `\x1b[${'\x00'.repeat(1500)}1m`, // NUL runs longer than the compactor's 1 KB blocks
    `\x1b[1;${ROWS}r`,
    '\x1b[3;8r\x1b[11;1H', // margins of the whole screen (no margins), and the cursor below a region
  ];
  const inRun = [
    '\x1b[3%m',
    '\x1b[1;4%m',
    '\x1b[0;9%m',
    '\x1b[m',
    '\x1b[38;5;2%m',
    '\x1b[48;2;1;2;%m',
    '\x1b[4:3m',
    '\x1b[K',
    '\x1b[1K',
    '\x1b[7m',
    '',
  ];
  const text: string[] = [];
  for (let i = 0; i < lines; i++) {
    const burst = rand(10) === 0 ? 400 : 0; // long plain runs, the case being compacted
    const colours = rand(2) === 0; // coloured bursts: attributes (and erases) inside the run
    for (let j = 0; j <= burst; j++) {
      const paint = colours ? (inRun[rand(inRun.length)] as string).replace('%', String(rand(8))) : '';
      text.push(
        `line ${i}.${j} ${paint}${'abcdefghij'.slice(0, rand(10))}${colours && rand(3) === 0 ? '\x1b[0m' : ''}${'x'.repeat(rand(90))}\r\n`,
      );
    }
    if (rand(3) === 0) text.push((specials[rand(specials.length)] as string).replace('%', String(i)));
  }
  const bytes = Buffer.from(text.join(''));
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1000 + rand(200_000);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('flood compaction lets the mirror skip what can no longer be seen, without changing the result', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: the same screen, scrollback, cursor, modes and title as parsing everything`, async () => {
      const chunks = flood(seed, 400);
      const exact = await feed(chunks, false);
      const compacted = await feed(chunks, true);
      expect(compacted.screen).toBe(exact.screen);
      expect(compacted.cursor).toBe(exact.cursor);
      expect(compacted.title).toBe(exact.title);
      expect(compacted.parsed).toBeLessThan(exact.parsed * 0.6); // and it really skipped most of it
    });
  }

  it('holds plain text back, and never skips inside an escape sequence or string', () => {
    const text = (pieces: Uint8Array[]): string => Buffer.concat(pieces).toString();
    const plain = 'y\r\n'.repeat(500);
    const flood = new FloodCompactor(2, 6); // keeps 6 + 2 + 2 = 10 lines
    // An OSC string whose payload looks like plain text: passed through in full.
    expect(text(flood.push(Buffer.from(`\x1b]0;${plain}\x07`)))).toBe(`\x1b]0;${plain}\x07`);
    // A CSI split across chunks, then a plain run: the run is held, only its last 10 lines are kept.
    expect(text(flood.push(Buffer.from('\x1b[?2')))).toBe('\x1b[?2');
    // The run's first 2 (rows) line feeds are parsed at once: they may land on lines with old text.
    expect(text(flood.push(Buffer.from(`5h${plain}`)))).toBe('5hy\r\ny\r\n');
    expect(text(flood.push(Buffer.from('\x00\x00tail')))).toBe('');
    // A colour change stays in the run; a cursor change ends it: the last 10 lines are parsed.
    expect(text(flood.push(Buffer.from('\x1b[0m')))).toBe('');
    expect(text(flood.push(Buffer.from('\x1b[?25l')))).toBe(`${'y\r\n'.repeat(10)}tail\x1b[0m\x1b[?25l`);
    expect(text(flood.flush())).toBe('');
    expect(text(flood.push(Buffer.from('prompt$ ')))).toBe('prompt$ ');
    expect(text(flood.push(Buffer.from('\r\nok\r\nmore')))).toBe('\r\nok\r\n');
    expect(text(flood.flush())).toBe('more');
  });

  it('keeps the colours of dropped lines that are still in effect, and an escape sequence cut by the end of a chunk', () => {
    const text = (pieces: Uint8Array[]): string => Buffer.concat(pieces).toString();
    const flood = new FloodCompactor(2, 6);
    const lines = (n: number, line: string): string => line.repeat(n);
    // Head (2 lines) parsed; then 50 lines whose colours are dropped with them, except the last
    // attributes set (after the last full reset), which are parsed before the 10 lines kept.
    expect(text(flood.push(Buffer.from(`${lines(2, 'h\r\n')}\x1b[1mA\x1b[0;32mB\r\n${lines(48, 'c\x1b[4m\r\n')}`)))).toBe(
      lines(2, 'h\r\n'),
    );
    // An SGR cut by the end of the chunk: carried over, and still part of the run.
    expect(text(flood.push(Buffer.from(`${lines(10, 'k\r\n')}\x1b[3`)))).toBe('');
    expect(text(flood.push(Buffer.from('1mred')))).toBe('');
    expect(text(flood.flush())).toBe(`\x1b[0;32m${'\x1b[4m'.repeat(48)}${lines(10, 'k\r\n')}\x1b[31mred`);
  });

  it('drops nothing while scroll margins may be set, and again once they are reset', () => {
    const text = (pieces: Uint8Array[]): string => Buffer.concat(pieces).toString();
    const lines = Array.from({ length: 300 }, (_, i) => `${'z'.repeat(300 - i)}\r\n`).join('');
    const flood = new FloodCompactor(2, 6);
    expect(text(flood.push(Buffer.from(`\x1b[2;5r\x1b[24;1H${lines}`)))).toBe(`\x1b[2;5r\x1b[24;1H${lines}`);
    expect(text(flood.flush())).toBe('');
    expect(text(flood.push(Buffer.from(`\x1b[r${lines}`))).length).toBeLessThan(1000);
    expect(text(flood.push(Buffer.from(`\x1b[1;9r${lines}`))).length).toBeGreaterThan(lines.length);
    expect(text(flood.push(Buffer.from(`\x1bc${lines}`))).length).toBeLessThan(1000);
  });

  for (const [name, setup] of [
    ['the cursor at the top of a screen of longer lines', `${'X'.repeat(50)}\r\n`.repeat(ROWS) + '\x1b[H'],
    ['the cursor below a scrolling region', `${'X'.repeat(50)}\r\n`.repeat(ROWS) + `\x1b[3;8r\x1b[${ROWS};1H`],
    ['the cursor in a scrolling region', `${'X'.repeat(50)}\r\n`.repeat(ROWS) + '\x1b[3;8r\x1b[4;1H'],
  ] as const) {
    it(`a run just longer than what is kept, with ${name}: the same screen as parsing everything`, async () => {
      // Each line shorter than the one before: a line written over an earlier one shows its tail.
      const run = Array.from({ length: SCROLLBACK + ROWS + 5 }, (_, i) => `${i},${'y'.repeat(Math.max(0, 50 - i))}\r\n`).join('');
      const chunks = [Buffer.from(setup), Buffer.from(run), Buffer.from('end')];
      const exact = await feed(chunks, false);
      const compacted = await feed(chunks, true);
      expect(compacted.screen).toBe(exact.screen);
      expect(compacted.cursor).toBe(exact.cursor);
    });
  }
});
