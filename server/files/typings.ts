import fs from 'node:fs';
import path from 'node:path';
import type { WorkspaceTypings } from '../../shared/api.js';
import { isReachable, openInside } from './pathGuard.js';

export interface TypingsLimits {
  maxFiles: number;
  maxBytes: number;
}

export const DEFAULT_TYPINGS_LIMITS: TypingsLimits = { maxFiles: 4000, maxBytes: 24 * 1024 * 1024 };
const MAX_DEPTH = 10;

/**
 * The declaration files of the workspace's `node_modules/@types` (what `npm install -D @types/x` put
 * there), for the editor's TypeScript service. Bounded in files and bytes (`truncated` says when it
 * stopped); links are followed only where they really lead inside the workspace (pnpm's layout), and
 * nothing of a data dir is read.
 */
export async function collectTypings(root: string, limits: TypingsLimits = DEFAULT_TYPINGS_LIMITS): Promise<WorkspaceTypings> {
  const files: WorkspaceTypings['files'] = [];
  let bytes = 0;
  let truncated = false;
  const seen = new Set<string>();

  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    if (truncated || depth > MAX_DEPTH) return;
    let real: string;
    try {
      real = await fs.promises.realpath(abs);
    } catch {
      return;
    }
    if (!isReachable(root, real) || seen.has(real)) return;
    seen.add(real);
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(real, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (truncated) return;
      const childAbs = path.join(real, entry.name);
      const childRel = `${rel}/${entry.name}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const st = await fs.promises.stat(childAbs).catch(() => undefined);
        isDir = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      if (isDir) await walk(childAbs, childRel, depth + 1);
      else if (isFile && entry.name.endsWith('.d.ts')) {
        if (files.length >= limits.maxFiles) {
          truncated = true;
          return;
        }
        let text: string;
        try {
          const handle = await openInside(root, childAbs, 'r');
          try {
            const st = await handle.stat();
            if (bytes + st.size > limits.maxBytes) {
              truncated = true;
              return;
            }
            text = await handle.readFile('utf8');
          } finally {
            await handle.close();
          }
        } catch {
          continue; // unreadable, or leads outside: left out
        }
        bytes += Buffer.byteLength(text);
        files.push({ path: childRel, text });
      }
    }
  };

  const start = path.join(root, 'node_modules', '@types');
  if (fs.existsSync(start)) await walk(start, 'node_modules/@types', 0);
  return { files, truncated };
}
