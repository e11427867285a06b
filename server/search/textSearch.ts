import fs from 'node:fs';
import path from 'node:path';
import { compileQuery } from '../../shared/search.js';
import { ignore, indexFiles } from '../files/fileIndex.js';

export interface SearchQuery {
  pattern: string;
  isRegex: boolean;
  caseSensitive: boolean;
  wholeWord: boolean;
  /** Only files matching one of these (.gitignore-style patterns: `*.ts`, `src/`, `docs/**\/*.md`). */
  include: string[];
  /** Never files matching one of these. */
  exclude: string[];
  /** Matches reported at most, in all. */
  maxMatches: number;
}

export interface SearchMatch {
  /** 1-based line and column (UTF-16 code units, as editors count). */
  line: number;
  column: number;
  length: number;
  /** The line, cut to at most PREVIEW_CHARS around the match; `previewColumn` is where the match starts in it (0-based). */
  preview: string;
  previewColumn: number;
}

export interface FileMatches {
  path: string;
  matches: SearchMatch[];
}

export interface SearchSummary {
  files: number;
  matches: number;
  /** Stopped at maxMatches (or the file index's own limits). */
  truncated: boolean;
  /** Files searched. */
  searched: number;
}

const MAX_FILE_BYTES = 5 * 1024 * 1024;
const PREVIEW_CHARS = 240;

/**
 * Searches the text files of a workspace (what quick open lists: .gitignore honoured, .git and the data
 * dir left out), a file at a time, yielding each file's matches as it is done. Files over 5 MB and
 * binary files (a NUL in their first 8 KB) are skipped. Runs in a worker thread (searchWorker.ts): a
 * pathological regex costs that thread its time budget, never the server's event loop.
 */
export async function* searchFiles(
  root: string,
  query: SearchQuery,
  summary: SearchSummary,
  candidates?: { files: string[]; truncated: boolean },
): AsyncGenerator<FileMatches> {
  const re = compileQuery(query);
  const included = query.include.length ? ignore().add(query.include) : undefined;
  const excluded = query.exclude.length ? ignore().add(query.exclude) : undefined;
  // ripgrep's list of the files that may match (ripgrep.ts), or every file of the workspace.
  const { files, truncated } = candidates ?? (await indexFiles(root));
  summary.truncated = truncated;
  for (const rel of files) {
    if (included && !included.ignores(rel)) continue;
    if (excluded?.ignores(rel)) continue;
    if (rel.startsWith('../') || path.isAbsolute(rel)) continue;
    const text = await readText(path.join(root, rel));
    if (text === undefined) continue;
    summary.searched++;
    const matches: SearchMatch[] = [];
    const lineStarts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++; // an empty match (^, lookarounds) must not stall the loop
        continue;
      }
      const line = upperBound(lineStarts, m.index);
      const start = lineStarts[line - 1] as number;
      const end = line < lineStarts.length ? (lineStarts[line] as number) - 1 : text.length;
      const lineText = text.slice(start, end).replace(/\r$/, '');
      const column = m.index - start;
      const from = Math.max(0, column - 60);
      matches.push({
        line,
        column: column + 1,
        length: m[0].length,
        preview: lineText.slice(from, from + PREVIEW_CHARS),
        previewColumn: column - from,
      });
      if (summary.matches + matches.length >= query.maxMatches) break;
    }
    if (matches.length === 0) continue;
    summary.files++;
    summary.matches += matches.length;
    yield { path: rel, matches };
    if (summary.matches >= query.maxMatches) {
      summary.truncated = true;
      return;
    }
  }
}

/** 1-based index of the line holding offset `at`, given the sorted line start offsets. */
function upperBound(starts: number[], at: number): number {
  let lo = 0;
  let hi = starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function readText(file: string): Promise<string | undefined> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    const st = await handle.stat();
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await handle.read(buf, 0, st.size, 0);
    const data = buf.subarray(0, bytesRead);
    if (data.subarray(0, 8192).includes(0)) return undefined; // binary
    return data.toString('utf8');
  } catch {
    return undefined; // gone, a link, unreadable: not searched
  } finally {
    await handle?.close();
  }
}
