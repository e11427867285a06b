import fs from 'node:fs';
import path from 'node:path';
import ignoreModule, { type Ignore } from 'ignore';
import { dataDirsWithin } from './pathGuard.js';

// A CommonJS module whose typings say `export default`: Node hands ESM the function itself, which also
// carries itself as `.default`; TypeScript (NodeNext) sees the namespace.
export const ignore = (ignoreModule as unknown as { default: () => Ignore }).default;

export interface FileIndex {
  /** Workspace-relative paths of files (and links), `/`-separated, in walk order. */
  files: string[];
  /** The walk stopped at `maxFiles` or `maxEntries`: the list is incomplete. */
  truncated: boolean;
}

export interface FileIndexLimits {
  /** Files listed at most. */
  maxFiles: number;
  /** Directory entries looked at in all (bounds the work of a huge ignored tree too). */
  maxEntries: number;
  /** Largest .gitignore read. */
  maxIgnoreBytes: number;
}

export const DEFAULT_INDEX_LIMITS: FileIndexLimits = { maxFiles: 200_000, maxEntries: 1_000_000, maxIgnoreBytes: 256 * 1024 };

/** Never listed: version-control internals. */
const ALWAYS_SKIPPED = new Set(['.git', '.hg', '.svn']);

/**
 * Every file of a workspace, for quick open: a breadth-first walk that honours `.gitignore` files (each
 * one applies to its folder's subtree, as in git), skips `.git`, and follows no links to folders (a link
 * is listed as the file it is). Bounded in files and in entries looked at.
 */
type Rules = { base: string; ig: Ignore }[];

// As git does: the deepest .gitignore with a pattern for the path decides (`!x` there re-includes it).
function ignored(rules: Rules, rel: string, isDir: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const { base, ig } = rules[i] as { base: string; ig: Ignore };
    const verdict = ig.test((base ? rel.slice(base.length + 1) : rel) + (isDir ? '/' : ''));
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

/**
 * Whether `indexFiles` would list a file that just appeared (the watcher saw it): not in an always
 * skipped folder, and not ignored by a .gitignore on its way. One filter per batch of changes: the
 * .gitignore files it read are kept for the batch.
 */
export function indexFilter(root: string, limits: FileIndexLimits = DEFAULT_INDEX_LIMITS): (rel: string) => Promise<boolean> {
  const rulesOf = new Map<string, Promise<Rules>>();
  const rulesFor = (dir: string): Promise<Rules> => {
    let found = rulesOf.get(dir);
    if (!found) {
      const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
      found = (async () => {
        const inherited = dir === '' ? [] : await rulesFor(parent);
        const text = await readBounded(path.join(root, dir, '.gitignore'), limits.maxIgnoreBytes);
        return text === undefined ? inherited : [...inherited, { base: dir, ig: ignore().add(text) }];
      })();
      rulesOf.set(dir, found);
    }
    return found;
  };
  return async (rel) => {
    const parts = rel.split('/');
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (!last && ALWAYS_SKIPPED.has(parts[i] as string)) return false;
      const rules = await rulesFor(parts.slice(0, i).join('/'));
      if (ignored(rules, parts.slice(0, i + 1).join('/'), !last)) return false;
    }
    return true;
  };
}

export async function indexFiles(root: string, limits: FileIndexLimits = DEFAULT_INDEX_LIMITS): Promise<FileIndex> {
  const files: string[] = [];
  // Nimbus's own data dir, when the workspace was opened from a folder that holds it.
  const hidden = new Set(dataDirsWithin(root, root));
  let entries = 0;
  // Each folder to read, with the .gitignore rules of its ancestors (and the folders they belong to).
  const queue: { rel: string; rules: Rules }[] = [{ rel: '', rules: [] }];
  while (queue.length > 0) {
    const { rel, rules: inherited } = queue.shift() as (typeof queue)[number];
    const abs = rel ? path.join(root, rel) : root;
    let dirents: fs.Dirent[];
    try {
      dirents = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch {
      continue; // gone or unreadable: skip it
    }
    let rules = inherited;
    if (dirents.some((d) => d.name === '.gitignore' && d.isFile())) {
      const text = await readBounded(path.join(abs, '.gitignore'), limits.maxIgnoreBytes);
      if (text !== undefined) rules = [...inherited, { base: rel, ig: ignore().add(text) }];
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      if (++entries > limits.maxEntries) return { files, truncated: true };
      const child = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        if (!ALWAYS_SKIPPED.has(d.name) && !hidden.has(child) && !ignored(rules, child, true)) queue.push({ rel: child, rules });
      } else if ((d.isFile() || d.isSymbolicLink()) && !ignored(rules, child, false)) {
        if (files.length >= limits.maxFiles) return { files, truncated: true };
        files.push(child);
      }
    }
  }
  return { files, truncated: false };
}

async function readBounded(file: string, max: number): Promise<string | undefined> {
  try {
    const handle = await fs.promises.open(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      const buf = Buffer.alloc(max);
      const { bytesRead } = await handle.read(buf, 0, max, 0);
      return buf.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
