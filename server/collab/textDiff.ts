import { diffLines, diffWordsWithSpace } from 'diff';

/** Replace `[start, end)` of the old text with `text`. Splices in a list are sorted and do not overlap. */
export interface Splice {
  start: number;
  end: number;
  text: string;
}

/** Beyond this, a line diff gives up and the changed region becomes one splice (still minimal at its ends). */
const LINE_DIFF_TIMEOUT_MS = 300;
/** A block of changed lines up to this size is split further into the words that changed. */
const WORD_DIFF_MAX_CHARS = 64 * 1024;
const WORD_DIFF_TIMEOUT_MS = 50;

/**
 * The smallest edits that turn `before` into `after`: lines are matched with a Myers diff, and each changed
 * run is trimmed to the characters that really differ. `sed -i s/foo/bar/` on line 500 of a big file
 * becomes "replace 3 characters at one offset", which is what collaborators should see arrive.
 */
export function diffSplices(before: string, after: string): Splice[] {
  if (before === after) return [];
  let prefix = commonPrefix(before, after, 0, 0);
  let suffix = commonSuffix(before, after, prefix);
  const oldMid = before.slice(prefix, before.length - suffix);
  const newMid = after.slice(prefix, after.length - suffix);
  if (!oldMid.includes('\n') || !newMid.includes('\n')) return [{ start: prefix, end: prefix + oldMid.length, text: newMid }];
  // Compare whole lines: a region that starts or ends mid-line misaligns every line of it (typing at
  // the ends of three lines would become one splice over all three, and a merge would land an outside
  // change on the wrong line).
  prefix = prefix === 0 ? 0 : before.lastIndexOf('\n', prefix - 1) + 1; // (lastIndexOf reads -1 as 0)
  while (suffix > 0 && (before.charCodeAt(before.length - suffix - 1) !== 10 || after.charCodeAt(after.length - suffix - 1) !== 10))
    suffix--;
  const parts = diffLines(before.slice(prefix, before.length - suffix), after.slice(prefix, after.length - suffix), {
    timeout: LINE_DIFF_TIMEOUT_MS,
  });
  if (!parts) return [trim(before, { start: prefix, end: before.length - suffix, text: after.slice(prefix, after.length - suffix) })];
  return groupChanges(parts, prefix, (block) => refine(before, block));
}

/** A block of changed lines as the words that changed in it (typing at the ends of lines: one splice each). */
function refine(before: string, block: Splice): Splice[] {
  const removed = before.slice(block.start, block.end);
  if (removed.length + block.text.length > WORD_DIFF_MAX_CHARS) return [trim(before, block)];
  const parts = diffWordsWithSpace(removed, block.text, { timeout: WORD_DIFF_TIMEOUT_MS });
  if (!parts) return [trim(before, block)];
  return groupChanges(parts, block.start, (splice) => [trim(before, splice)]);
}

/** Walks a diff from offset `start` of the old text; each run of removed and added parts is one splice, finished by `finish`. */
function groupChanges(
  parts: { value: string; added?: boolean; removed?: boolean }[],
  start: number,
  finish: (splice: Splice) => Splice[],
): Splice[] {
  const out: Splice[] = [];
  let pos = start;
  let pending: Splice | undefined;
  for (const part of parts) {
    if (part.removed || part.added) {
      pending ??= { start: pos, end: pos, text: '' };
      if (part.removed) {
        pos += part.value.length;
        pending.end = pos;
      } else pending.text += part.value;
      continue;
    }
    if (pending) out.push(...finish(pending));
    pending = undefined;
    pos += part.value.length;
  }
  if (pending) out.push(...finish(pending));
  return out;
}

function trim(before: string, splice: Splice): Splice {
  const removed = before.slice(splice.start, splice.end);
  const head = commonPrefix(removed, splice.text, 0, 0);
  const tail = commonSuffix(removed, splice.text, head);
  return { start: splice.start + head, end: splice.end - tail, text: splice.text.slice(head, splice.text.length - tail) };
}

function commonPrefix(a: string, b: string, ai: number, bi: number): number {
  const max = Math.min(a.length - ai, b.length - bi);
  let n = 0;
  while (n < max && a.charCodeAt(ai + n) === b.charCodeAt(bi + n)) n++;
  return n;
}

/** Common suffix that does not reach into the first `prefix` characters of either string. */
function commonSuffix(a: string, b: string, prefix: number): number {
  const max = Math.min(a.length, b.length) - prefix;
  let n = 0;
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

/**
 * Three-way merge positions: `external` edits the common ancestor (what was on disk), `local` are the edits
 * the document made since (not yet written). Returns `external` in the document's current coordinates.
 * Where both touched the same region, both survive: the external change goes next to the local text
 * instead of deleting it — nobody's typing is lost to a tool that rewrote the file at the same moment.
 */
export function rebaseSplices(external: Splice[], local: Splice[]): Splice[] {
  if (local.length === 0) return external;
  const out: Splice[] = [];
  for (const e of external) {
    let text = e.text;
    const push = (a: number, b: number): void => {
      if (a === b && !text) return;
      const start = mapPosition(a, local, 'start');
      out.push({ start, end: Math.max(start, mapPosition(b, local, 'end')), text });
      text = '';
    };
    // Delete only the gaps between local edits inside the external range; the local text stays.
    let cursor = e.start;
    for (const l of local) {
      const overlaps = l.start < e.end && l.end > e.start;
      const insertsInside = l.start === l.end && l.start > e.start && l.start < e.end;
      if (!overlaps && !insertsInside) continue;
      push(cursor, Math.max(cursor, l.start));
      cursor = Math.max(cursor, l.end);
    }
    push(cursor, Math.max(cursor, e.end));
  }
  return out;
}

function mapPosition(pos: number, local: Splice[], side: 'start' | 'end'): number {
  let delta = 0;
  for (const l of local) {
    if (l.start > pos) break;
    const grow = l.text.length - (l.end - l.start);
    const before = side === 'start' ? l.end <= pos : l.end < pos || (l.end === pos && l.start < pos);
    if (before) {
      delta += grow;
      continue;
    }
    if (l.start < pos && pos < l.end) return side === 'start' ? l.start + delta + l.text.length : l.start + delta;
    break;
  }
  return pos + delta;
}

/** Applies splices (in the text's current coordinates) back to front, so earlier offsets stay valid. */
export function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  for (let i = splices.length - 1; i >= 0; i--) {
    const s = splices[i] as Splice;
    out = out.slice(0, s.start) + s.text + out.slice(s.end);
  }
  return out;
}
