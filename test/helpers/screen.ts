import { createRequire } from 'node:module';

// @xterm/headless is a CommonJS bundle whose named exports Node cannot see from ESM.
const require = createRequire(import.meta.url);
const { Terminal } = require('@xterm/headless') as typeof import('@xterm/headless');
const { Unicode11Addon } = require('@xterm/addon-unicode11') as typeof import('@xterm/addon-unicode11');

/** A headless terminal standing in for the browser's, to compare what two viewers would show. */
export class Screen {
  readonly term: InstanceType<typeof Terminal>;

  constructor(cols: number, rows: number, scrollback = 10_000) {
    this.term = new Terminal({ cols, rows, scrollback, allowProposedApi: true, logLevel: 'off' });
    this.term.loadAddon(new Unicode11Addon() as unknown as Parameters<typeof this.term.loadAddon>[0]);
    this.term.unicode.activeVersion = '11';
  }

  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  resize(cols: number, rows: number): Promise<void> {
    return new Promise((resolve) =>
      this.term.write('', () => {
        this.term.resize(cols, rows);
        resolve();
      }),
    );
  }

  /** The visible rows, right-trimmed. */
  visible(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++) out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  /** Every line, scrollback included. */
  allLines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < buffer.length; y++) out.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return out;
  }

  /** Foreground palette colour and boldness of the first cell of the first line starting with `text`. */
  styleOf(text: string): { fg: number; bold: boolean } | undefined {
    const buffer = this.term.buffer.active;
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line?.translateToString(true).startsWith(text)) continue;
      const cell = line.getCell(0);
      return cell ? { fg: cell.getFgColor(), bold: cell.isBold() !== 0 } : undefined;
    }
    return undefined;
  }

  cursor(): { x: number; y: number } {
    return { x: this.term.buffer.active.cursorX, y: this.term.buffer.active.cursorY };
  }

  get bufferType(): string {
    return this.term.buffer.active.type;
  }
}
