/**
 * Lets the screen mirror keep up with a flood (`cat big.log`, `yes`, a coloured build log) without
 * parsing every byte, and without changing what it ends up showing.
 *
 * A run is what a flood is made of, read in the parser's ground state: plain text (printable ASCII,
 * tab, CR, LF) and the sequences that only change how text is drawn, SGR (colours and attributes) and
 * EL (erase in line). Nothing in a run changes a mode, the cursor's row (but by line feeds) or the
 * character set. Once the cursor has reached the bottom of the screen every further line feed
 * scrolls: each later line is written on a fresh blank line, and pushes an older one towards the end
 * of the scrollback. So only the last `scrollback + rows` lines of the run can still be seen once it
 * is over. A run is therefore parsed as it is for its first `rows` line feeds (after which the cursor
 * is on the bottom row, wherever it started), then held back instead of parsed, and everything held
 * but its last `keepLines` lines (cut right after a CR LF, so the kept part starts at column 0) is
 * dropped, except its SGR sequences from the last one that resets every attribute: they are parsed
 * first, so the kept lines start with the attributes they had. Two lines more than can be seen are
 * kept: the rows of the first kept lines were scrolled in (blank-filled with the background colour of
 * the moment) while dropped lines were drawn. The held part is handed to the parser when something
 * else arrives, or before a snapshot, a resize or a close.
 *
 * While scroll margins (DECSTBM) may be set, a line feed on the bottom row need not scroll at all
 * (the cursor can sit below the scrolling region), so nothing is dropped until they are reset.
 * NULs in the ground state do nothing in a terminal and are dropped. Other escape sequences and
 * non-ASCII text are always parsed.
 *
 * To know where the ground state is, a small VT state machine (the DEC ANSI parser's states, reduced
 * to "which kind of sequence are we in") follows every byte.
 */

const enum Vt {
  Ground,
  Escape,
  EscapeIntermediate,
  Csi,
  Osc,
  /** DCS, SOS, PM and APC: strings that end only with ST (ESC \ or 0x9C), CAN or SUB. */
  String,
}

/**
 * A stretch of a run: plain text (printable ASCII, tab, CR, LF), and the sequences that may sit inside
 * a run: SGR (colours and text attributes, which only change the state new text is drawn with) and
 * EL (erase in line, which only changes the cursor's line).
 */
const RUN = /(?:[\t\n\r\x20-\x7e]+|\x1b\[[0-9;:]*m|\x1b\[[012]?K)+/y;
/** The start of such a sequence, cut off by the end of a chunk: carried over to the next one. */
const IN_RUN_START = /\x1b(?:\[[0-9;:]{0,32})?$/y;

/** A byte of an SGR's parameters: a digit, `;` or `:`. */
const isSgrParam = (b: number): boolean => (b >= 0x30 && b <= 0x39) || b === 0x3b || b === 0x3a;

const NUL_BLOCK = 1024;
const NULS = new Uint8Array(NUL_BLOCK);

/** Where the run of NULs starting at `from` ends: whole blocks compared at memcmp speed, then bytes. */
function endOfNuls(data: Uint8Array, from: number): number {
  let i = from;
  while (i + NUL_BLOCK <= data.length && Buffer.compare(NULS, data.subarray(i, i + NUL_BLOCK)) === 0) i += NUL_BLOCK;
  while (i < data.length && data[i] === 0x00) i++;
  return i;
}

/** A run that cannot be cut (no CR LF in it: one enormous line) is parsed once it holds this much. */
const MAX_HELD_BYTES = 1024 * 1024;
/** Longer CSI parameter strings are not remembered (and are never a full-screen margin reset). */
const MAX_CSI_PARAMS = 16;

/** A first-in first-out list whose `shift` is O(1) (an Array's is O(n), and a held run has many pieces). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get first(): T | undefined {
    return this.items[this.head];
  }

  get last(): T | undefined {
    return this.head < this.items.length ? this.items[this.items.length - 1] : undefined;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.items[this.head++] = undefined as T; // let it be collected
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns every item, in order. */
  drain(): T[] {
    const items = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return items;
  }
}

/** A stretch of a chunk held back; `from` is the stream offset of `data[start]`. */
interface Held {
  data: Uint8Array;
  start: number;
  end: number;
  from: number;
}

export class FloodCompactor {
  private vt = Vt.Ground;
  /** The previous byte was 0xC2: the next one may be a C1 control in UTF-8 (U+0080–U+009F). */
  private afterC2 = false;
  private afterCR = false;
  /** Parameters and intermediates of the CSI sequence being read (to see scroll margins change). */
  private csi = '';
  /** Scroll margins may be set: a line feed may not scroll, so nothing can be dropped. */
  private margins = false;
  /** Line feeds in the current run so far, up to `rows`: the run's head, which is always parsed. */
  private runLines = 0;
  private keepLines: number;
  /** The run held back: stretches of the chunks it came in, with the stream offset of their start. */
  private held = new Fifo<Held>();
  private heldBytes = 0;
  /** A CR LF was counted since the last trim: the cut may have moved. */
  private cutMoved = false;
  /** The start of a sequence that may belong in the run, left at the end of the last chunk. */
  private carry: Uint8Array | undefined;
  /** SGR sequences of trimmed text, to parse before what is kept: they set the attributes it starts with. */
  private replay: string[] = [];
  private replayBytes = 0;
  /** Stream offsets just after the run's recent CR LFs (a ring of the last keepLines + 1). */
  private crlfEnds: Float64Array;
  private crlfCount = 0;
  /** Where the next CR LF of the current chunk is (-1: none left, -2: not searched yet). */
  private nextCrlf = -2;
  private offset = 0;

  constructor(
    private rows: number,
    private readonly scrollback: number,
  ) {
    this.keepLines = scrollback + rows + 2;
    this.crlfEnds = new Float64Array(this.keepLines + 1);
  }

  /** After a resize (the screen has another number of rows); call with nothing held (after flush). */
  resize(rows: number): void {
    if (rows === this.rows) return;
    this.rows = rows;
    this.keepLines = this.scrollback + rows + 2;
    this.crlfEnds = new Float64Array(this.keepLines + 1);
    this.crlfCount = 0;
    this.runLines = 0;
  }

  /** Takes the next output chunk; returns what must be parsed now, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const base = this.offset;
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = undefined;
    // Stretches of a run are found with a regular expression over a one-byte string (native speed);
    // only the bytes of other escape sequences and non-ASCII text go through the state machine one
    // by one. The string is made only once a chunk turns out to hold more than NULs.
    let latin1: string | undefined;
    const text = (): string => (latin1 ??= Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1'));
    let parseFrom = 0; // start of the stretch to pass through to the parser
    let i = 0;
    this.nextCrlf = -2; // not searched yet in this chunk
    while (i < data.length) {
      if (this.vt === Vt.Ground && !this.afterC2) {
        if (data[i] === 0x00) {
          // NULs are no-ops: dropped, and they do not end the run.
          if (i > parseFrom) out.push(data.subarray(parseFrom, i));
          i = endOfNuls(data, i);
          this.afterCR = false;
          parseFrom = i;
          continue;
        }
        RUN.lastIndex = i;
        const end = RUN.test(text()) ? RUN.lastIndex : i;
        if (end > i) {
          // The run's head (and the whole run while margins may be set) is parsed as it comes.
          const holdFrom = this.margins ? end : this.headEnd(text(), i, end);
          if (holdFrom < end) {
            if (holdFrom > parseFrom) out.push(data.subarray(parseFrom, holdFrom));
            this.countLines(text(), holdFrom, end, base);
            this.hold(data, holdFrom, end, base);
            parseFrom = end;
          }
          i = end;
          continue;
        }
        IN_RUN_START.lastIndex = i;
        if (data[i] === 0x1b && IN_RUN_START.test(text())) {
          // Cut off by the end of the chunk: whether it ends the run is known with the next one.
          if (i > parseFrom) out.push(data.subarray(parseFrom, i));
          this.carry = data.slice(i);
          this.offset += i;
          return out;
        }
      }
      if (this.heldBytes > 0) {
        if (i > parseFrom) out.push(data.subarray(parseFrom, i));
        parseFrom = i;
        this.release(out);
      }
      this.afterCR = false;
      this.runLines = 0; // a new run starts after this byte, with the cursor anywhere
      this.step(data[i] as number);
      i++;
    }
    if (parseFrom < data.length) out.push(data.subarray(parseFrom));
    this.offset += data.length;
    if (this.heldBytes + this.replayBytes > MAX_HELD_BYTES) this.release(out);
    return out;
  }

  /**
   * Where the run's head ends within the run's stretch `from`–`to`: just after its `rows`-th line feed
   * (`to` if the head goes on past this stretch, `from` if it ended before).
   */
  private headEnd(text: string, from: number, to: number): number {
    let at = from;
    while (this.runLines < this.rows) {
      const lf = text.indexOf('\n', at);
      if (lf === -1 || lf >= to) return to;
      this.runLines++;
      at = lf + 1;
    }
    if (at > from) this.afterCR = false; // the held part starts right after a line feed
    return at;
  }

  /** Records where the CR LFs of a stretch of the run end (a CR may end the previous stretch). */
  private countLines(text: string, from: number, to: number, base: number): void {
    const before = this.crlfCount;
    if (this.afterCR && text.charCodeAt(from) === 0x0a) this.crlfEnds[this.crlfCount++ % this.crlfEnds.length] = base + from + 1;
    // The search position only moves forward through the chunk, so the whole scan stays linear.
    if (this.nextCrlf !== -1 && this.nextCrlf < from) this.nextCrlf = text.indexOf('\r\n', from);
    while (this.nextCrlf !== -1 && this.nextCrlf + 1 < to) {
      this.crlfEnds[this.crlfCount++ % this.crlfEnds.length] = base + this.nextCrlf + 2;
      this.nextCrlf = text.indexOf('\r\n', this.nextCrlf + 2);
    }
    this.afterCR = text.charCodeAt(to - 1) === 0x0d;
    if (this.crlfCount !== before) this.cutMoved = true;
  }

  /** Everything held back, to parse before the mirror is looked at or resized. */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.release(out);
    const carry = this.carry;
    if (carry) {
      // The parser gets the unfinished sequence now; the state machine follows it there.
      this.carry = undefined;
      this.runLines = 0;
      for (const b of carry) this.step(b);
      this.offset += carry.length;
      out.push(carry);
    }
    return out;
  }

  /** Holds `data[start, end)` back (`base`: the stream offset of `data[0]`). */
  private hold(data: Uint8Array, start: number, end: number, base: number): void {
    if (end <= start) return;
    const last = this.held.last;
    if (last && last.data === data && last.end === start) last.end = end;
    else this.held.push({ data, start, end, from: base + start });
    this.heldBytes += end - start;
    if (this.cutMoved && this.crlfCount > this.keepLines) this.trim();
  }

  /**
   * Drops the held run up to the CR LF that has `keepLines` lines after it. Its SGR sequences are kept
   * to be parsed first (from the last one that resets every attribute), so the kept lines are drawn
   * with the attributes they had; the text they coloured is gone.
   */
  private trim(): void {
    this.cutMoved = false;
    const cut = this.crlfEnds[this.crlfCount % this.crlfEnds.length] as number;
    for (let first = this.held.first; first !== undefined; first = this.held.first) {
      if (first.from >= cut) return;
      const dropEnd = Math.min(first.end, first.start + (cut - first.from));
      this.keepSgr(first.data, first.start, dropEnd);
      this.heldBytes -= dropEnd - first.start;
      if (dropEnd < first.end) {
        first.from += dropEnd - first.start;
        first.start = dropEnd;
        return;
      }
      this.held.shift();
    }
  }

  /**
   * Adds the SGR sequences in `data[from, to)` (text being dropped) to the replay. Read backwards, up
   * to the last one that resets every attribute: what comes before that no longer matters.
   */
  private keepSgr(data: Uint8Array, from: number, to: number): void {
    const found: string[] = [];
    let reset = false;
    // A view of exactly the dropped bytes, for Buffer's native (memrchr) search: text without colours
    // is passed over once, and never the chunk's bytes before `from`.
    const dropped = Buffer.from(data.buffer, data.byteOffset + from, to - from);
    for (let at = to; at > from && !reset;) {
      const hit = dropped.lastIndexOf(0x1b, at - 1 - from);
      if (hit === -1) break;
      const esc = from + hit;
      at = esc;
      if (data[esc + 1] !== 0x5b /* [ */) continue;
      let end = esc + 2;
      while (end < to && isSgrParam(data[end] as number)) end++;
      if (end >= to || data[end] !== 0x6d /* m */) continue; // an erase in line, not an SGR
      // The first parameter 0 (or none) resets every attribute.
      let first = esc + 2;
      while (data[first] === 0x30 /* 0 */) first++;
      reset = first === end || data[first] === 0x3b /* ; */ || data[first] === 0x3a; /* : */
      found.push(Buffer.from(data.buffer, data.byteOffset + esc, end + 1 - esc).toString('latin1'));
    }
    if (reset) {
      this.replay = [];
      this.replayBytes = 0;
    }
    for (let i = found.length - 1; i >= 0; i--) {
      const sequence = found[i] as string;
      this.replay.push(sequence);
      this.replayBytes += sequence.length;
    }
  }

  private release(out: Uint8Array[]): void {
    if (this.replay.length > 0) out.push(Buffer.from(this.replay.join(''), 'latin1'));
    for (const piece of this.held.drain()) out.push(piece.data.subarray(piece.start, piece.end));
    this.heldBytes = 0;
    this.cutMoved = false;
    this.replay = [];
    this.replayBytes = 0;
    this.crlfCount = 0;
  }

  /** A CSI sequence ended with `final`: follows scroll margins being set and reset. */
  private endCsi(final: number): void {
    if (final === 0x72 /* r: DECSTBM */) {
      if (this.csi === '')
        this.margins = false; // reset to the whole screen
      else if (/^[\d;]+$/.test(this.csi)) {
        const [top, bottom] = this.csi.split(';').map((n) => Number(n) || 0);
        // A region of the whole screen (top 1, bottom = rows or default) is the same as none.
        this.margins = !((top ?? 0) <= 1 && (bottom === undefined || bottom === 0 || bottom === this.rows));
      }
    } else if (final === 0x70 /* p */ && this.csi === '!') this.margins = false; // DECSTR, soft reset
  }

  private step(b: number): void {
    const c1 = this.afterC2 && b >= 0x80 && b <= 0x9f;
    this.afterC2 = b === 0xc2;
    if (c1) {
      this.anywhere(b);
      return;
    }
    if (b >= 0x80) return; // UTF-8 text (or its continuation bytes): no state change
    if (this.anywhere(b)) return;
    switch (this.vt) {
      case Vt.Escape:
        if (b === 0x5b) this.enterCsi();
        else if (b === 0x63 /* c: RIS, full reset */) {
          this.margins = false;
          this.vt = Vt.Ground;
        } else if (b === 0x5d) this.vt = Vt.Osc;
        else if (b === 0x50 || b === 0x58 || b === 0x5e || b === 0x5f) this.vt = Vt.String;
        else if (b >= 0x20 && b <= 0x2f) this.vt = Vt.EscapeIntermediate;
        else if (b >= 0x30 && b <= 0x7e) this.vt = Vt.Ground;
        return;
      case Vt.EscapeIntermediate:
        if (b >= 0x30 && b <= 0x7e) this.vt = Vt.Ground;
        return;
      case Vt.Csi:
        if (b >= 0x40 && b <= 0x7e) {
          this.vt = Vt.Ground;
          this.endCsi(b);
        } else if (b >= 0x20 && b <= 0x3f) {
          // Too long to be a margin reset: kept as a marker that matches no reset.
          this.csi = this.csi.length < MAX_CSI_PARAMS ? this.csi + String.fromCharCode(b) : '?';
        }
        return;
      case Vt.Osc:
        if (b === 0x07) this.vt = Vt.Ground;
        return;
      default:
        return;
    }
  }

  private enterCsi(): void {
    this.vt = Vt.Csi;
    this.csi = '';
  }

  /** Transitions that apply in every state (the "anywhere" rows of the DEC parser). */
  private anywhere(code: number): boolean {
    if (code === 0x1b) this.vt = Vt.Escape;
    else if (code === 0x18 || code === 0x1a || code === 0x9c) this.vt = Vt.Ground;
    else if (code === 0x9b) this.enterCsi();
    else if (code === 0x9d) this.vt = Vt.Osc;
    else if (code === 0x90 || code === 0x98 || code === 0x9e || code === 0x9f) this.vt = Vt.String;
    else if (code >= 0x80 && code <= 0x9f) this.vt = Vt.Ground;
    else return false;
    return true;
  }
}
