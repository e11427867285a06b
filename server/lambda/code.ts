import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import archiver from 'archiver';

const MAX_FILES = 20_000;
const SKIP = new Set(['.git', '.aws-sam', '__pycache__']);

/** Files of a code folder, relative, sorted, symlinks not followed; bounded for huge folders. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (out.length >= MAX_FILES) return;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!SKIP.has(e.name)) await walk(child);
      } else if (e.isFile()) out.push(child);
    }
  };
  await walk('');
  return out;
}

/**
 * CodeSha256 and CodeSize of a function. Lambda hashes the deployment zip; Nimbus hashes the folder's
 * file names and contents, which changes exactly when the code does.
 */
export async function codeDigest(dir: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for (const rel of await listFiles(dir)) {
    hash.update(rel).update('\0');
    try {
      const data = await fs.promises.readFile(path.join(dir, rel));
      size += data.length;
      hash.update(data).update('\0');
    } catch {
      hash.update('\u0001');
    }
  }
  return { sha256: hash.digest('base64'), size };
}

/** The code folder as a zip stream, like the one GetFunction's Code.Location downloads on AWS. */
export function zipOfCode(dir: string): archiver.Archiver {
  const zip = archiver('zip', { zlib: { level: 6 } });
  // Links are stored as links, never followed: nothing outside the workspace ends up in the zip.
  zip.glob('**/*', { cwd: dir, dot: true, follow: false, ignore: ['.git/**', '.aws-sam/**', '**/__pycache__/**'] });
  void zip.finalize();
  return zip;
}
