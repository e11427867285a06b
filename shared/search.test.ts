import { describe, expect, it } from 'vitest';
import { replacementsIn, type TextQuery } from './search.js';

const apply = (text: string, query: Partial<TextQuery> & { pattern: string }, replacement: string): string => {
  let out = text;
  for (const r of replacementsIn(text, { isRegex: false, caseSensitive: false, wholeWord: false, ...query }, replacement).reverse())
    out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return out;
};

describe('replacementsIn: what replace in files does to one text', () => {
  it('matches what String.prototype.replace does, groups and specials included', () => {
    const text = 'alpha beta alphabet Alpha\nfoo(1, 2) foo(3, 4)';
    for (const [pattern, replacement] of [
      ['foo\\((\\d), (\\d)\\)', 'bar($2, $1)'],
      ['(?<first>\\w+)\\((\\d)', '$<first>[$2]'],
      ['a(l)pha', '$$-$&-$1-$9-$10'],
    ] as const) {
      expect(apply(text, { pattern, isRegex: true }, replacement)).toBe(text.replace(new RegExp(pattern, 'gmiu'), replacement));
    }
  });

  it('a literal pattern and replacement stay literal; case and whole word narrow it', () => {
    expect(apply('a.b axb a.b', { pattern: 'a.b' }, '$1')).toBe('$1 axb $1');
    expect(apply('alpha Alpha alphabet', { pattern: 'alpha', caseSensitive: true, wholeWord: true }, 'x')).toBe('x Alpha alphabet');
    expect(apply('élan élanx', { pattern: 'élan', wholeWord: true }, 'y')).toBe('y élanx');
  });
});
