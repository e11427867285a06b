import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { dataDirsWithin } from '../files/index.js';
import type { SearchQuery } from './textSearch.js';

/** ripgrep on PATH (`rg`), or undefined: find in files then walks the workspace itself. */
export function findRipgrep(): string | undefined {
  const probe = spawnSync('rg', ['--version'], { encoding: 'utf8', timeout: 5000 });
  return probe.status === 0 ? 'rg' : undefined;
}

export interface Candidates {
  /** Files that may match, sorted (ripgrep's parallel walk finds them in no set order). */
  files: string[];
  /** More files matched than `maxFiles`: the rest are not listed. */
  truncated: boolean;
}

/**
 * The files of the workspace in which the query may match, found by ripgrep: its walk and search are
 * native and parallel, so only these files are read by the exact search (the JavaScript regular
 * expression, which decides what matches, where, and with what preview). The filter is chosen to be
 * wider than the exact search, never narrower:
 * - the same files: .gitignore honoured inside and outside git repositories (and nothing else of
 *   ripgrep's own ignore files), hidden files included, .git and the data dir left out, links not
 *   followed, files over 5 MB skipped;
 * - a literal is searched as a literal; a regex by ripgrep's engine over whole files (`-U`, so matches
 *   spanning lines count), whose Unicode classes are wider than JavaScript's; whole word is left to the
 *   exact search. A regex ripgrep's engine cannot read (lookaround, backreferences) rejects, and the
 *   caller then searches every file.
 * Resolves undefined when ripgrep cannot serve the query. `signal` stops it.
 */
export function ripgrepCandidates(
  rg: string,
  root: string,
  query: SearchQuery,
  maxFiles: number,
  signal: AbortSignal,
): Promise<Candidates | undefined> {
  const args = [
    '--no-config',
    '--files-with-matches',
    '--null',
    '--hidden',
    '--no-require-git',
    '--no-ignore-dot',
    '--no-ignore-global',
    '--no-ignore-exclude',
    '--no-ignore-parent',
    '--binary',
    '--max-filesize',
    '5M',
    '--glob',
    '!.git',
    ...dataDirsWithin(root, root).flatMap((d) => ['--glob', `!/${d}`]),
    query.caseSensitive ? '--case-sensitive' : '--ignore-case',
  ];
  if (query.isRegex || query.pattern.includes('\n')) args.push('--multiline');
  if (!query.isRegex) args.push('--fixed-strings');
  args.push('--regexp', query.pattern, '--', '.');
  return new Promise((resolve) => {
    const child = spawn(rg, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      // Only what it needs: no configuration file, no locale surprises.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C.UTF-8' },
      signal,
    });
    const files: string[] = [];
    let rest = '';
    let truncated = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\0');
      rest = parts.pop() ?? '';
      for (const p of parts) {
        if (files.length >= maxFiles) {
          truncated = true;
          child.kill();
          return;
        }
        files.push(path.posix.normalize(p.replace(/^\.\//, '')));
      }
    });
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      // 0: matches, 1: none, 2: an error — for a bad pattern (none listed) ripgrep cannot serve it; an
      // unreadable file alone also gives 2, with the other files listed.
      if (code === 2 && files.length === 0) return resolve(undefined);
      if (code !== 0 && code !== 1 && code !== 2 && !truncated) return resolve(undefined);
      files.sort();
      resolve({ files, truncated });
    });
  });
}
