/** What a text search looks for: the server's find in files and the client's replace use the same rules. */
export interface TextQuery {
  pattern: string;
  isRegex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
}

/** The regular expression a query means (global, multiline, Unicode); throws SyntaxError for a bad regex. */
export function compileQuery(q: TextQuery): RegExp {
  let source = q.isRegex ? q.pattern : q.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (q.wholeWord) source = `(?<![\\p{L}\\p{N}_])(?:${source})(?![\\p{L}\\p{N}_])`;
  return new RegExp(source, `gmu${q.caseSensitive ? '' : 'i'}`);
}

/** One replacement: the text at [start, end) becomes `text`. */
export interface TextReplacement {
  start: number;
  end: number;
  text: string;
}

/**
 * Where a query matches in `text` and what each match becomes. With a regex the replacement may use
 * `$1`…`$99`, `$<name>`, `$&` and `$$` as String.prototype.replace does; otherwise it is literal.
 */
export function replacementsIn(text: string, query: TextQuery, replacement: string): TextReplacement[] {
  const re = compileQuery(query);
  const out: TextReplacement[] = [];
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue; // an empty match replaces nothing (as VS Code skips them)
    const start = m.index;
    out.push({ start, end: start + m[0].length, text: query.isRegex ? expand(replacement, m) : replacement });
  }
  return out;
}

function expand(template: string, m: RegExpMatchArray): string {
  return template.replace(/\$(\$|&|<([^>]*)>|(\d{1,2}))/g, (whole, what: string, name: string | undefined, digits: string | undefined) => {
    if (what === '$') return '$';
    if (what === '&') return m[0];
    if (name !== undefined) return m.groups?.[name] ?? '';
    const n = Number(digits);
    if (n > 0 && n < m.length) return m[n] ?? '';
    // `$12` with fewer groups: `$1` then "2", as String.prototype.replace reads it.
    if (digits && digits.length === 2 && Number(digits[0]) > 0 && Number(digits[0]) < m.length)
      return (m[Number(digits[0])] ?? '') + digits[1];
    return whole;
  });
}
