import { describe, expect, it } from 'vitest';
import { applySplices, diffSplices, rebaseSplices } from './textDiff.js';

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomEdit(text: string, rand: () => number): string {
  const alphabet = 'ab\nc d\n';
  const at = Math.floor(rand() * (text.length + 1));
  const del = Math.floor(rand() * Math.min(8, text.length - at + 1));
  let ins = '';
  for (let i = Math.floor(rand() * 6); i > 0; i--) ins += alphabet[Math.floor(rand() * alphabet.length)];
  return text.slice(0, at) + ins + text.slice(at + del);
}

describe('diffSplices', () => {
  it('turns the old text into the new one for thousands of random edits', () => {
    const rand = rng(42);
    let text = 'line one\nline two\nline three\n';
    for (let i = 0; i < 3000; i++) {
      let next = text;
      for (let k = Math.floor(rand() * 4); k >= 0; k--) next = randomEdit(next, rand);
      expect(applySplices(text, diffSplices(text, next))).toBe(next);
      text = next;
    }
  });

  it('a sed substitution on one line of a 100,000-line file is one three-character splice', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `const value${i} = ${i}; // foo`);
    const before = lines.join('\n') + '\n';
    const after = before.replace('value50000 = 50000; // foo', 'value50000 = 50000; // bar');
    const started = performance.now();
    const splices = diffSplices(before, after);
    expect(performance.now() - started).toBeLessThan(500);
    const at = before.indexOf('value50000 = 50000; // foo') + 'value50000 = 50000; // '.length;
    expect(splices).toEqual([{ start: at, end: at + 3, text: 'bar' }]);
  });

  it('changes far apart stay separate splices instead of rewriting everything between them', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `row ${i}`);
    const before = lines.join('\n');
    const after = before.replace('row 10\n', 'ROW 10\n').replace('row 990', 'row 990!');
    const splices = diffSplices(before, after);
    expect(splices).toHaveLength(2);
    expect(splices.every((s) => s.end - s.start <= 3)).toBe(true);
    expect(applySplices(before, splices)).toBe(after);
  });
});

describe('rebaseSplices', () => {
  it('an outside change lands on its own line while someone types at the ends of the lines around it', () => {
    const base = ['line 1 foo', 'line 2 foo', 'line 3 foo', 'line 4 foo', 'line 5 foo', ''].join('\n');
    const current = base
      .replace('line 3 foo', 'line 3 foo typed3')
      .replace('line 4 foo', 'line 4 foo typed4')
      .replace('line 5 foo', 'line 5 foo typed5');
    const local = diffSplices(base, current);
    // Typing at the ends of three lines is three insertions, not one splice over all three lines.
    expect(local.map((l) => [l.end - l.start, l.text])).toEqual([
      [0, ' typed3'],
      [0, ' typed4'],
      [0, ' typed5'],
    ]);
    const disk = base.replace(/^line 4 foo$/m, 'line 4 BAR');
    const merged = applySplices(current, rebaseSplices(diffSplices(base, disk), local));
    expect(merged.split('\n').slice(2, 5)).toEqual(['line 3 foo typed3', 'line 4 BAR typed4', 'line 5 foo typed5']);
  });

  it('moves an external edit past text the document inserted earlier in the file', () => {
    const base = 'alpha\nbeta\ngamma\n';
    const disk = base.replace('gamma', 'GAMMA');
    const current = 'NEW\n' + base;
    const rebased = rebaseSplices(diffSplices(base, disk), diffSplices(base, current));
    expect(applySplices(current, rebased)).toBe('NEW\nalpha\nbeta\nGAMMA\n');
  });

  it('keeps both when the external edit and unsaved typing touch the same spot', () => {
    const base = 'hello world\n';
    const disk = 'hello earth\n';
    const merge = (current: string): string => applySplices(current, rebaseSplices(diffSplices(base, disk), diffSplices(base, current)));
    expect(merge('hello big world\n')).toBe('hello big earth\n');
    // Typing inside the word the tool replaced: the typed character survives next to the new word.
    expect(merge('hello wor-ld\n')).toBe('hello earth-\n');
  });

  it('merges random non-overlapping edits from both sides like a three-way merge', () => {
    const rand = rng(7);
    for (let i = 0; i < 500; i++) {
      const lines = Array.from({ length: 20 }, (_, k) => `line ${k} ${Math.floor(rand() * 100)}`);
      const base = lines.join('\n') + '\n';
      const a = Math.floor(rand() * 10);
      const b = 10 + Math.floor(rand() * 10);
      const localLines = [...lines];
      localLines[a] = `local ${a}`;
      const diskLines = [...lines];
      diskLines[b] = `disk ${b}`;
      const expected = lines.map((l, k) => (k === a ? `local ${a}` : k === b ? `disk ${b}` : l)).join('\n') + '\n';
      const current = localLines.join('\n') + '\n';
      const disk = diskLines.join('\n') + '\n';
      expect(applySplices(current, rebaseSplices(diffSplices(base, disk), diffSplices(base, current)))).toBe(expected);
    }
  });
});
