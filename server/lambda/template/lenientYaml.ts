import { isMap, isScalar, visit, type Document, type LineCounter } from 'yaml';

/**
 * What the SAM CLI's YAML reader (PyYAML) accepts and the YAML 1.2 library here does not, made readable
 * the same way, each with a warning that names the line.
 */
export interface YamlLeniency {
  line: number;
  message: string;
}

/**
 * PyYAML reads a flow collection (`[ ... ]`, `{ ... }`) whose later lines are indented no deeper than
 * the key it belongs to:
 *
 *     Layers: [
 *     !Ref Shared
 *     ]
 *
 * YAML 1.2 requires them indented deeper. Such lines are indented by two spaces more than the line that
 * opened the collection; nothing else changes (line numbers stay, so positions stay true). Quoted
 * strings, comments and block scalars are read as such, so a bracket inside them opens nothing.
 */
export function indentFlowContinuations(text: string): { text: string; lines: number[] } {
  const lines = text.split('\n');
  const fixed: number[] = [];
  let depth = 0;
  let openIndent = 0;
  let quote: '"' | "'" | undefined;
  let blockIndent: number | undefined; // inside a block scalar: its parent line's indentation
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const indent = line.length - line.trimStart().length;
    const blank = line.trim() === '';
    if (blockIndent !== undefined) {
      if (blank || indent > blockIndent) continue;
      blockIndent = undefined;
    }
    if (depth > 0 && !quote && !blank && indent <= openIndent) {
      lines[i] = ' '.repeat(openIndent + 2 - indent) + line;
      fixed.push(i + 1);
    }
    // Outside a flow collection, only a value that starts with a bracket opens one (`a[0]` is a scalar).
    let start = 0;
    if (depth === 0 && !quote) {
      const m = /^(\s*(?:-\s+)*(?:(?:"[^"]*"|'[^']*'|[^\s#'"](?:[^:#]|::)*?)\s*:\s+)?(?:![A-Za-z:]+\s+)?)([[{])/.exec(line);
      if (!m) {
        if (/(?:^|\s)[|>][-+0-9]*\s*(?:#.*)?$/.test(line) && !line.trimStart().startsWith('#')) blockIndent = indent;
        continue;
      }
      start = (m[1] as string).length;
      openIndent = indent;
    }
    for (let c = start; c < line.length; c++) {
      const ch = line[c] as string;
      if (quote) {
        if (ch === quote) {
          // '' inside a single-quoted string is an escaped quote.
          if (quote === "'" && line[c + 1] === "'") c++;
          else quote = undefined;
        } else if (ch === '\\' && quote === '"') c++;
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '#' && (c === 0 || /\s/.test(line[c - 1] as string))) break;
      else if (ch === '[' || ch === '{') depth++;
      else if ((ch === ']' || ch === '}') && depth > 0) {
        depth--;
        if (depth === 0) break;
      }
    }
  }
  return { text: lines.join('\n'), lines: fixed };
}

/**
 * Keys given twice in one mapping: the SAM CLI keeps the last one and warns; so does this reader
 * (`uniqueKeys: false` makes the library keep the last value).
 */
export function duplicateKeys(doc: Document, lineCounter: LineCounter): YamlLeniency[] {
  const found: YamlLeniency[] = [];
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Map<string, number>();
      for (const item of map.items) {
        if (!isScalar(item.key) || !item.key.range) continue;
        const key = String(item.key.value);
        const line = lineCounter.linePos(item.key.range[0]).line;
        const first = seen.get(key);
        if (first !== undefined)
          found.push({ line, message: `key ${key} is given twice (first on line ${first}); the last one is used, as the SAM CLI does` });
        seen.set(key, line);
      }
    },
  });
  return found;
}
