import fs from 'node:fs';
import path from 'node:path';
import { normalizeRelPath } from '../../shared/paths.js';
import { HttpError } from '../http/HttpError.js';

/**
 * Maps an untrusted workspace-relative path to an absolute one inside `root`, or throws 400/403.
 * `root` must already be a realpath. Symlinks are followed for the check: a link (or any ancestor)
 * that points outside the workspace is refused, even when the final file does not exist yet.
 */
export function resolveInside(root: string, rel: unknown): { abs: string; rel: string } {
  if (typeof rel !== 'string') throw new HttpError('path must be a string', 400, 'invalid_path');
  if (rel.length > 4096) throw new HttpError('path is too long', 400, 'invalid_path');
  if (rel.startsWith('/') || path.isAbsolute(rel) || /^[a-zA-Z]:/.test(rel)) {
    throw new HttpError('absolute paths are not allowed; paths are relative to the workspace', 400, 'invalid_path');
  }
  const norm = normalizeRelPath(rel);
  if (norm === undefined) throw new HttpError(`path escapes the workspace: ${rel}`, 400, 'invalid_path');
  const abs = norm ? path.join(root, ...norm.split('/')) : root;
  if (!isInside(root, abs)) throw new HttpError(`path escapes the workspace: ${rel}`, 400, 'invalid_path');
  if (!isReachable(root, abs)) throw new HttpError(`${norm} is Nimbus's own data, not part of the workspace`, 403, 'data_dir');
  assertRealInside(root, abs);
  return { abs, rel: norm };
}

/**
 * The server's data dirs (database, keys, logs, other workspaces). A workspace opened from a folder
 * that contains one (`nimbus --open .` with the default `./.nimbus`) must not reach into it through any
 * API; a managed workspace lives inside it and reaches only its own folder.
 */
const dataDirs: string[] = [];

/** The data dirs protected in this thread (a worker thread protects them again: module state is per thread). */
export const protectedDataDirs = (): readonly string[] => [...dataDirs];

export function protectDataDir(dir: string): void {
  // One that is gone (another server of this process, since stopped and removed) is still kept out.
  let real: string;
  try {
    real = fs.realpathSync.native(dir);
  } catch {
    real = path.resolve(dir);
  }
  if (!dataDirs.includes(real)) dataDirs.push(real);
}

/** Whether `abs` may be reached from a workspace at `root`: inside it, and not inside a data dir that contains it. */
export function isReachable(root: string, abs: string): boolean {
  return isInside(root, abs) && !dataDirs.some((d) => isInside(d, abs) && !isInside(d, root));
}

/** Data dirs inside `dir` that a workspace at `root` may not reach, relative to `dir` (to leave out of walks). */
export function dataDirsWithin(root: string, dir: string): string[] {
  return dataDirs
    .filter((d) => isInside(dir, d) && d !== dir && !isInside(d, root))
    .map((d) => path.relative(dir, d).split(path.sep).join('/'));
}

export function isInside(root: string, abs: string): boolean {
  const relative = path.relative(root, abs);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative) && relative.split(path.sep)[0] !== '..');
}

/** Walks up to the deepest existing ancestor and checks its real location is inside the root. */
function assertRealInside(root: string, abs: string): void {
  let probe = abs;
  for (;;) {
    let real: string | undefined;
    try {
      real = fs.realpathSync.native(probe); // one realpath(3): the JS version can trip over a link swapped mid-walk (EINVAL)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (real !== undefined) {
      if (!isReachable(root, real))
        throw new HttpError('path leads outside the workspace through a symbolic link', 403, 'outside_workspace');
      return;
    }
    // A dangling link at this spot: readlink tells where it would lead.
    try {
      const target = fs.readlinkSync(probe);
      if (!isReachable(root, path.resolve(path.dirname(probe), target))) {
        throw new HttpError('path leads outside the workspace through a symbolic link', 403, 'outside_workspace');
      }
    } catch (err) {
      if (err instanceof HttpError) throw err;
    }
    const parent = path.dirname(probe);
    if (parent === probe) return;
    probe = parent;
  }
}

/**
 * Checks that an open file lies inside the root, by where the kernel says it is (Linux: /proc/self/fd).
 * A path checked first and opened after can meet a symbolic link swapped in between; what was actually
 * opened cannot.
 */
export function assertOpenedInside(root: string, fd: number): void {
  const real = openedPath(fd);
  if (real !== undefined && !isReachable(root, real))
    throw new HttpError('path leads outside the workspace through a symbolic link', 403, 'outside_workspace');
}

/** Where the kernel says an open file is; undefined without /proc (the path check is then all there is). */
export function openedPath(fd: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** Opens a file of the workspace, refusing it when what opened is outside (see assertOpenedInside). */
export async function openInside(root: string, abs: string, flags: string): Promise<fs.promises.FileHandle> {
  const handle = await fs.promises.open(abs, flags);
  try {
    assertOpenedInside(root, handle.fd);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return handle;
}
