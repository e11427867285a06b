import fs from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl, { type Entry } from 'yauzl';

/** Lambda's own limit on a function's unzipped code (and layers): 250 MB. */
export const UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024;
/** More entries than any real deployment package has (a node_modules tree is a few ten thousand). */
export const ENTRY_LIMIT = 100_000;

export class ArchiveError extends Error {
  constructor(
    message: string,
    readonly code: 'zip_slip' | 'too_large' | 'bad_archive',
  ) {
    super(message);
  }
}

export interface UnzipLimits {
  /** Total bytes all entries may unpack to (counted as they are written, not taken from the headers). */
  maxBytes?: number;
  maxEntries?: number;
}

export interface UnzipProgress {
  entries: number;
  totalEntries: number;
  bytes: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

const mib = (n: number): string => `${Math.round(n / (1024 * 1024))} MB`;

/**
 * Unpacks a zip archive into `dest` (an empty folder), refusing what a hostile archive would do: entries
 * whose names or symbolic links lead outside the folder (zip-slip), archives that unpack past the limit
 * (zip bombs: the declared sizes are checked before anything is written, and the bytes actually
 * inflated are counted while writing, so lying headers stop too), encrypted entries and too many entries.
 * On a refusal, what was written stays in `dest` for the caller to remove.
 */
export async function unzip(zipFile: string, dest: string, limits: UnzipLimits = {}, progress?: (p: UnzipProgress) => void): Promise<void> {
  const maxBytes = limits.maxBytes ?? UNZIPPED_LIMIT_BYTES;
  const maxEntries = limits.maxEntries ?? ENTRY_LIMIT;
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipFile, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    throw asArchiveError(err);
  }
  try {
    if (zip.entryCount > maxEntries)
      throw new ArchiveError(`the archive has ${zip.entryCount} entries, more than ${maxEntries}`, 'too_large');
    const root = path.resolve(dest);
    let declared = 0;
    let written = 0;
    let entries = 0;
    const inside = (target: string): boolean => target === root || target.startsWith(root + path.sep);
    const iterator = zip.eachEntry();
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await iterator.next();
      } catch (err) {
        throw asArchiveError(err);
      }
      if (next.done) break;
      const entry = next.value;
      entries++;
      declared += entry.uncompressedSize;
      if (declared > maxBytes) {
        throw new ArchiveError(`the archive unpacks to more than ${mib(maxBytes)} (Lambda's limit for a function's code)`, 'too_large');
      }
      const name = entry.fileName;
      const target = path.resolve(root, name);
      if (!inside(target)) throw new ArchiveError(`the archive's entry ${name} would be written outside the function's folder`, 'zip_slip');
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const kind = mode & S_IFMT;
      if (name.endsWith('/') || kind === S_IFDIR) {
        await fs.promises.mkdir(target, { recursive: true });
        continue;
      }
      if (entry.isEncrypted()) throw new ArchiveError(`the archive's entry ${name} is encrypted`, 'bad_archive');
      await fs.promises.mkdir(path.dirname(target), { recursive: true });
      // A parent folder that is a link made by an earlier entry could lead out: the real folder must be inside.
      const realParent = await fs.promises.realpath(path.dirname(target));
      if (!inside(realParent))
        throw new ArchiveError(`the archive's entry ${name} would be written through a link outside the folder`, 'zip_slip');
      const stream = await zip.openReadStreamPromise(entry);
      if (kind === S_IFLNK) {
        if (entry.uncompressedSize > 4096) throw new ArchiveError(`the archive's link ${name} is too long`, 'bad_archive');
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        const link = Buffer.concat(chunks).toString('utf8');
        if (path.isAbsolute(link) || !inside(path.resolve(path.dirname(target), link))) {
          throw new ArchiveError(`the archive's link ${name} points outside the function's folder (${link})`, 'zip_slip');
        }
        await fs.promises.symlink(link, target);
        continue;
      }
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          written += chunk.length;
          if (written > maxBytes) done(new ArchiveError(`the archive unpacks to more than ${mib(maxBytes)}`, 'too_large'));
          else done(null, chunk);
        },
      });
      // Executable bits are kept (a bootstrap or a bundled binary must still run); others are the usual 0644.
      const fileMode = mode & 0o111 ? 0o755 : 0o644;
      try {
        await pipeline(stream, count, fs.createWriteStream(target, { flags: 'wx', mode: fileMode }));
      } catch (err) {
        throw asArchiveError(err);
      }
      progress?.({ entries, totalEntries: zip.entryCount, bytes: written });
    }
    progress?.({ entries, totalEntries: zip.entryCount, bytes: written });
  } finally {
    zip.close();
  }
}

function asArchiveError(err: unknown): Error {
  if (err instanceof ArchiveError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/invalid relative path|absolute path|invalid characters in fileName/.test(message)) {
    return new ArchiveError(`the archive has an entry that would be written outside the function's folder (${message})`, 'zip_slip');
  }
  if ((err as NodeJS.ErrnoException).code === 'EEXIST')
    return new ArchiveError(`the archive has the same entry twice (${message})`, 'bad_archive');
  if ((err as NodeJS.ErrnoException).code) return err as Error;
  return new ArchiveError(`the archive cannot be read: ${message}`, 'bad_archive');
}
