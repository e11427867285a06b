/**
 * Lets the screen mirror keep up with a flood (`cat big.log`, `yes`) without parsing every byte, and
 * without changing what it ends up showing.
 *
 * Within a run of plain text (printable ASCII, tab, CR, LF, read in the parser's ground state), once
 * the cursor has reached the bottom of the screen every further line feed scrolls: each later line is
 * written on a fresh blank line, and pushes an older one towards the end of the scrollback. So only
 * the last `scrollback + rows` lines of the run can still be seen once it is over, and plain text
 * changes no mode, colour or character set. A run is therefore parsed as it is for its first `rows`
 * line feeds (after which the cursor is on the bottom row, wherever it started), then held back
 * instead of parsed, and everything held but its last `keepLines` lines (cut right after a CR LF, so
 * the kept part starts at column 0) is dropped. The held part is handed to the parser when something
 * else arrives, or before a snapshot, a resize or a close.
 *
 * While scroll margins (DECSTBM) may be set, a line feed on the bottom row need not scroll at all
 * (the cursor can sit below the scrolling region), so nothing is dropped until they are reset.
 * NULs in the ground state do nothing in a terminal and are dropped. Escape sequences and non-ASCII
 * text are always parsed.
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

/** The first byte that is not plain text: not printable ASCII, tab, CR or LF. */
const NOT_PLAIN = /[^\t\n\r\x20-\x7e]/g;

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
  /** The plain run held back, as slices of the chunks it came in and their stream offsets. */
  private held: { data: Uint8Array; from: number }[] = [];
  private heldBytes = 0;
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
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const base = this.offset;
    // Plain stretches are found with a regular expression over a one-byte string (native speed);
    // only the bytes of escape sequences and non-ASCII text go through the state machine one by one.
    // The string is made only once a chunk turns out to hold more than NULs.
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
        NOT_PLAIN.lastIndex = i;
        const end = NOT_PLAIN.exec(text())?.index ?? data.length;
        if (end > i) {
          // The run's head (and the whole run while margins may be set) is parsed as it comes.
          const holdFrom = this.margins ? end : this.headEnd(text(), i, end);
          if (holdFrom < end) {
            if (holdFrom > parseFrom) out.push(data.subarray(parseFrom, holdFrom));
            this.countLines(text(), holdFrom, end, base);
            this.hold(data.subarray(holdFrom, end), base + holdFrom);
            parseFrom = end;
          }
          i = end;
          continue;
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
    if (this.heldBytes > MAX_HELD_BYTES) this.release(out);
    return out;
  }

  /**
   * Where the run's head ends within the plain stretch `from`–`to`: just after its `rows`-th line feed
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

  /** Records where the CR LFs of a plain stretch end (a CR may end the previous stretch). */
  private countLines(text: string, from: number, to: number, base: number): void {
    if (this.afterCR && text.charCodeAt(from) === 0x0a) this.crlfEnds[this.crlfCount++ % this.crlfEnds.length] = base + from + 1;
    // The search position only moves forward through the chunk, so the whole scan stays linear.
    if (this.nextCrlf !== -1 && this.nextCrlf < from) this.nextCrlf = text.indexOf('\r\n', from);
    while (this.nextCrlf !== -1 && this.nextCrlf + 1 < to) {
      this.crlfEnds[this.crlfCount++ % this.crlfEnds.length] = base + this.nextCrlf + 2;
      this.nextCrlf = text.indexOf('\r\n', this.nextCrlf + 2);
    }
    this.afterCR = text.charCodeAt(to - 1) === 0x0d;
  }

  /** Everything held back, to parse before the mirror is looked at or resized. */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.release(out);
    return out;
  }

  private hold(data: Uint8Array, from: number): void {
    if (data.length === 0) return;
    this.held.push({ data, from });
    this.heldBytes += data.length;
    if (this.crlfCount > this.keepLines) this.trim();
  }

  /** Drops the held run up to the CR LF that has `keepLines` lines after it. */
  private trim(): void {
    const cut = this.crlfEnds[this.crlfCount % this.crlfEnds.length] as number;
    while (this.held.length > 0) {
      const first = this.held[0] as { data: Uint8Array; from: number };
      if (first.from >= cut) return;
      const end = first.from + first.data.length;
      if (end <= cut) {
        this.held.shift();
        this.heldBytes -= first.data.length;
      } else {
        const drop = cut - first.from;
        this.held[0] = { data: first.data.subarray(drop), from: cut };
        this.heldBytes -= drop;
        return;
      }
    }
  }

  private release(out: Uint8Array[]): void {
    for (const slice of this.held) out.push(slice.data);
    this.held = [];
    this.heldBytes = 0;
    this.crlfCount = 0;
  }

  /** A CSI sequence ended with `final`: follows scroll margins being set and reset. */
  private endCsi(final: number): void {
    if (final === 0x72 /* r: DECSTBM */) {
      if (this.csi === '') this.margins = false; // reset to the whole screen
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
