import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon, type ISearchOptions } from '@xterm/addon-search';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { MAX_COLS, MAX_ROWS, MIN_COLS, MIN_ROWS, type TerminalServerMessage } from '../../../shared/protocol/terminal.js';
import { h } from '../ui/dom.js';
import { TerminalConnection, type ConnectionStatus } from './TerminalConnection.js';

const EMPTY = new Uint8Array(0);
/** Full reset (RIS): a restore replaces the screen, the scrollback and every mode. */
const RESET = '\x1bc';

/** xterm colours per workbench theme (workbench.colorTheme). */
export const TERMINAL_THEMES = {
  dark: { background: '#1e1e1e', foreground: '#cccccc', cursor: '#aeafad', selectionBackground: '#264f78' },
  light: {
    background: '#ffffff',
    foreground: '#333333',
    cursor: '#333333',
    selectionBackground: '#add6ff',
    black: '#000000',
    white: '#555555',
    brightWhite: '#333333',
    yellow: '#949800',
    brightYellow: '#b5ba00',
  },
  'high-contrast': { background: '#000000', foreground: '#ffffff', cursor: '#ffffff', selectionBackground: '#ffffff66' },
} as const;
export type TerminalThemeName = keyof typeof TERMINAL_THEMES;

export interface TerminalViewOptions {
  fontSize: number;
  scrollback: number;
  theme: TerminalThemeName;
}
const theme = TERMINAL_THEMES.dark;

export interface TerminalViewEvents {
  onStatus(status: ConnectionStatus, detail?: string): void;
  onExit(message: Extract<TerminalServerMessage, { type: 'exit' }>): void;
}

/**
 * One terminal tab: an xterm.js terminal wired to the server's pty.
 *
 * The terminal always has the pty's size, as the server reports it (the most recent writer's), so
 * viewers of different sizes all render the same screen. A writer proposes its own size from the
 * panel; the server applies it and tells everyone. Sizes and restores are applied through the write
 * queue, after the output that preceded them.
 */
export class TerminalView {
  readonly element = h('div.nb-terminal-host');
  private readonly notice = h(
    'div.nb-terminal-notice',
    { role: 'status', hidden: true },
    'This terminal is read-only for you: the owner has not allowed your link to type in terminals.',
  );
  private noticeTimer: number | undefined;
  readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly search = new SearchAddon({ highlightLimit: 1000 });
  private readonly connection: TerminalConnection;
  private readonly resizeObserver: ResizeObserver;
  private resizeTimer: number | undefined;
  private lastProposed = '';
  renderer: 'webgl' | 'dom' = 'dom';
  readOnly: boolean;

  constructor(
    url: string,
    readOnly: boolean,
    private readonly events: TerminalViewEvents,
  ) {
    this.readOnly = readOnly;
    this.element.append(this.notice);
    this.term = new Terminal({
      allowProposedApi: true, // unicode11's widths
      scrollback: 5000,
      cursorBlink: true,
      fontSize: 13,
      fontFamily: 'Menlo, Monaco, "Cascadia Mono", "DejaVu Sans Mono", "Courier New", monospace',
      theme,
      disableStdin: readOnly,
    });
    this.term.loadAddon(this.fit);
    this.term.loadAddon(this.search);
    this.term.loadAddon(
      new WebLinksAddon((event, uri) => {
        event.preventDefault();
        window.open(uri, '_blank', 'noopener,noreferrer'); // no window.opener for the linked page
      }),
    );
    this.term.loadAddon(new Unicode11Addon());
    this.term.unicode.activeVersion = '11';
    this.term.open(this.element);
    this.loadWebgl();
    // Keys typed into a terminal this person may only watch: say why nothing happens.
    this.element.addEventListener(
      'keydown',
      (e) => {
        if (this.readOnly && !e.ctrlKey && !e.metaKey && (e.key.length === 1 || e.key === 'Enter' || e.key === 'Backspace'))
          this.showReadOnlyNotice();
      },
      true,
    );

    this.connection = new TerminalConnection(
      url,
      {
        output: (data, done) => this.term.write(data, done),
        message: (message) => this.onMessage(message),
        status: (status, detail) => this.events.onStatus(status, detail),
      },
      () => (this.readOnly ? undefined : this.proposedSize()),
    );

    // Ctrl+Shift+C copies the selection and Ctrl+Shift+V pastes, as in VS Code and Linux terminals
    // (on macOS, Cmd+C and Cmd+V already do). Ctrl+C stays the interrupt.
    this.term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey || event.altKey || event.metaKey) return true;
      if (event.code === 'KeyC') {
        event.preventDefault(); // not the browser's developer tools
        if (this.term.hasSelection()) this.copySelection();
        return false;
      }
      // The browser's own paste (into xterm's textarea), which xterm sends on, bracketed if asked.
      return event.code !== 'KeyV';
    });
    this.term.onData((data) => {
      if (!this.readOnly) this.connection.input(data);
    });
    this.term.onBinary((data) => {
      if (!this.readOnly) this.connection.input(data, true);
    });
    this.resizeObserver = new ResizeObserver(() => this.scheduleFit());
    this.resizeObserver.observe(this.element);
  }

  focus(): void {
    this.term.focus();
  }

  private copySelection(): void {
    const text = this.term.getSelection();
    // The async clipboard exists only in secure contexts (https, localhost); elsewhere the copy command
    // fires a copy event on xterm's textarea, whose handler puts the selection on the clipboard.
    if (navigator.clipboard) void navigator.clipboard.writeText(text).catch(() => document.execCommand('copy'));
    else document.execCommand('copy');
  }

  /** Settings changed (font size, scrollback, theme): applied live, the grid refitted. */
  setOptions(options: TerminalViewOptions): void {
    this.term.options.fontSize = options.fontSize;
    this.term.options.scrollback = options.scrollback;
    this.term.options.theme = { ...TERMINAL_THEMES[options.theme] };
    this.lastProposed = '';
    this.scheduleFit();
  }

  /** Called when the tab becomes visible: sizes are only measurable then. */
  shown(): void {
    this.lastProposed = '';
    this.scheduleFit();
    this.term.refresh(0, this.term.rows - 1);
  }

  find(text: string, backwards: boolean): boolean {
    const options: ISearchOptions = {
      decorations: {
        matchBackground: '#623315',
        activeMatchBackground: '#a0522d',
        matchOverviewRuler: '#d18616',
        activeMatchColorOverviewRuler: '#ffa500',
      },
    };
    return backwards ? this.search.findPrevious(text, options) : this.search.findNext(text, options);
  }

  clearSearch(): void {
    this.search.clearDecorations();
  }

  reconnectNow(): void {
    this.connection.reconnectNow();
  }

  /** Everything in the buffer, as text (tests and "copy all" use it). */
  text(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return lines.join('\n').replace(/\n+$/, '');
  }

  private showReadOnlyNotice(): void {
    this.notice.hidden = false;
    clearTimeout(this.noticeTimer);
    this.noticeTimer = window.setTimeout(() => (this.notice.hidden = true), 4000);
  }

  dispose(): void {
    clearTimeout(this.resizeTimer);
    this.resizeObserver.disconnect();
    this.connection.dispose();
    this.term.dispose();
    clearTimeout(this.noticeTimer);
    this.element.remove();
  }

  private loadWebgl(): void {
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        // The GPU went away (driver reset, too many contexts): fall back to the DOM renderer.
        webgl.dispose();
        this.renderer = 'dom';
      });
      this.term.loadAddon(webgl);
      this.renderer = 'webgl';
    } catch {
      this.renderer = 'dom'; // no WebGL2 here: xterm's DOM renderer stays in charge
    }
  }

  private onMessage(message: TerminalServerMessage): void {
    switch (message.type) {
      case 'restore':
        this.readOnly = message.readOnly;
        this.term.options.disableStdin = message.readOnly;
        this.term.write(EMPTY, () => this.term.resize(message.cols, message.rows));
        this.term.write(RESET + message.data);
        return;
      case 'resize':
        this.term.write(EMPTY, () => this.term.resize(message.cols, message.rows));
        return;
      case 'exit':
        this.events.onExit(message);
        return;
      case 'error':
        if (message.code !== 'read_only') this.term.write(`\r\n\x1b[31m[${message.message}]\x1b[0m\r\n`);
        return;
    }
  }

  private proposedSize(): { cols: number; rows: number } | undefined {
    if (!this.element.isConnected || this.element.clientWidth === 0 || this.element.clientHeight === 0) return undefined;
    const dims = this.fit.proposeDimensions();
    if (!dims || !Number.isFinite(dims.cols) || !Number.isFinite(dims.rows)) return undefined;
    return {
      cols: Math.min(MAX_COLS, Math.max(MIN_COLS, Math.floor(dims.cols))),
      rows: Math.min(MAX_ROWS, Math.max(MIN_ROWS, Math.floor(dims.rows))),
    };
  }

  /** The pty follows the visible size: propose it (debounced) whenever the panel changes. */
  private scheduleFit(): void {
    clearTimeout(this.resizeTimer);
    this.resizeTimer = window.setTimeout(() => {
      if (this.readOnly) return;
      const size = this.proposedSize();
      if (!size) return;
      const key = `${size.cols}x${size.rows}`;
      if (key === this.lastProposed) return;
      this.lastProposed = key;
      this.connection.resize(size.cols, size.rows);
    }, 50);
  }
}
