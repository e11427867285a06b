import { indexFiles } from './fileIndex.js';
import { collectTypings } from './typings.js';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import archiver from 'archiver';
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { FileEntry } from '../../shared/api.js';
import { baseName } from '../../shared/paths.js';
import { type Need, workspaceOfRoute } from '../auth/index.js';
import { HttpError, validate } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { WorkspaceService } from '../workspaces/index.js';
import { assertOpenedInside, dataDirsWithin, isInside, openedPath, openInside, resolveInside } from './pathGuard.js';

export interface FileRoutesDeps {
  workspaces: WorkspaceService;
  uploadLimitBytes: number;
  log: Logger;
}

const MAX_LISTING = 10_000;

function errnoToHttp(err: unknown, what: string): never {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new HttpError(`${what} not found`, 404);
  if (code === 'EEXIST' || code === 'ENOTEMPTY') throw new HttpError(`${what} already exists`, 409, 'exists');
  if (code === 'EISDIR') throw new HttpError(`${what} is a folder`, 400, 'is_directory');
  if (code === 'ENOTDIR') throw new HttpError(`${what}: a parent is not a folder`, 400, 'not_directory');
  if (code === 'EACCES' || code === 'EPERM') throw new HttpError(`${what}: permission denied`, 403);
  throw err;
}

async function entryFor(abs: string, rel: string): Promise<FileEntry> {
  const st = await fs.promises.lstat(abs);
  const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'file';
  return { name: baseName(rel), path: rel, type, size: st.size, mtimeMs: Math.round(st.mtimeMs) };
}

/**
 * Writes via a temp file and rename, so a reader or a crash never sees half a file. Keeps the file's
 * mode. The temp file is created exclusively (never through an existing link) and checked to be inside
 * `root` where it actually opened, and the folder is checked again right before the rename: a folder
 * swapped for a symbolic link after the path was checked does not lead the write outside.
 */
export async function writeFileAtomic(root: string, abs: string, data: Buffer | string): Promise<void> {
  const name = `.${path.basename(abs)}.nimbus-${randomBytes(4).toString('hex')}.tmp`;
  let mode: number | undefined;
  try {
    mode = (await fs.promises.stat(abs)).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  // Where the temp file really is: removed from there if anything fails (the path may lead elsewhere by now).
  let created: string | undefined;
  try {
    const handle = await fs.promises.open(path.join(path.dirname(abs), name), 'wx', mode ?? 0o666);
    created = openedPath(handle.fd) ?? path.join(path.dirname(abs), name);
    try {
      assertOpenedInside(root, handle.fd);
      await handle.writeFile(data);
      if (mode !== undefined) await handle.chmod(mode); // open's mode is masked by the umask
    } finally {
      await handle.close();
    }
    // Renamed within the folder the temp file really is in, by its real path: a link swapped into the
    // path after the checks cannot send the rename elsewhere (the kernel looks up both names anew).
    const dir = path.dirname(created);
    if (!isInside(root, await fs.promises.realpath(dir))) {
      throw new HttpError('path leads outside the workspace through a symbolic link', 403, 'outside_workspace');
    }
    await fs.promises.rename(created, path.join(dir, path.basename(abs)));
  } catch (err) {
    if (created) await fs.promises.rm(created, { force: true });
    throw err;
  }
}

export function fileRoutes({ workspaces, uploadLimitBytes, log }: FileRoutesDeps): { router: Router; rawBodyRouter: Router } {
  const router = express.Router();
  const rawBodyRouter = express.Router();

  /** Checks access, then resolves `?path=` (or a body field) inside the workspace root. */
  const target = (req: Request, need: Need, rel: unknown): { abs: string; rel: string; root: string } => {
    const id = workspaceOfRoute(req, need, workspaces.exists);
    const root = workspaces.rootOf(id);
    return { ...resolveInside(root, rel ?? ''), root };
  };

  router.get('/api/workspaces/:id/files', async (req, res) => {
    const { abs, rel, root } = target(req, 'read', req.query.path ?? '');
    let dirents: fs.Dirent[];
    try {
      dirents = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch (err) {
      errnoToHttp(err, `folder ${rel || '/'}`);
    }
    const hidden = new Set(dataDirsWithin(root, abs)); // Nimbus's own data dir is not part of the workspace
    const entries = await Promise.all(
      dirents
        .filter((d) => !hidden.has(d.name))
        .slice(0, MAX_LISTING)
        .map((d) => entryFor(path.join(abs, d.name), rel ? `${rel}/${d.name}` : d.name).catch(() => undefined)),
    );
    const list = entries.filter((e): e is FileEntry => e !== undefined);
    list.sort((a, b) => Number(b.type === 'directory') - Number(a.type === 'directory') || a.name.localeCompare(b.name));
    res.json(list);
  });

  // Every file of the workspace (not ignored by .gitignore), for quick open; reading, so it wakes nothing.
  router.get('/api/workspaces/:id/files/index', async (req, res) => {
    const { root } = target(req, 'read', '');
    res.json(await indexFiles(root));
  });

  // The workspace's own type declarations (node_modules/@types), for the editor's TypeScript service.
  router.get('/api/workspaces/:id/typings', async (req, res) => {
    const { root } = target(req, 'read', '');
    res.json(await collectTypings(root));
  });

  router.get('/api/workspaces/:id/file', async (req, res) => {
    const { abs, rel, root } = target(req, 'read', req.query.path);
    let handle: fs.promises.FileHandle;
    let st: fs.Stats;
    try {
      handle = await openInside(root, abs, 'r');
      st = await handle.stat();
    } catch (err) {
      if (err instanceof HttpError) throw err;
      // `&optional`: a file that may not exist (settings) answers 204 instead of an error.
      if (req.query.optional !== undefined && ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) {
        res.status(204).end();
        return;
      }
      errnoToHttp(err, `file ${rel}`);
    }
    if (st.isDirectory()) {
      await handle.close();
      throw new HttpError(`${rel} is a folder; use /files to list it or /download to zip it`, 400, 'is_directory');
    }
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(st.size));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Nimbus-Mtime', String(Math.round(st.mtimeMs)));
    if (req.query.download !== undefined) res.attachment(baseName(rel));
    // Streamed from the handle that was checked, not from the path again.
    await pipeline(handle.createReadStream(), res);
  });

  rawBodyRouter.put(
    '/api/workspaces/:id/file',
    (req, _res, next) => {
      // Checked before reading the body, so a read-only client's upload is refused without being read.
      target(req, 'write', req.query.path);
      next();
    },
    express.raw({ type: () => true, limit: uploadLimitBytes }),
    async (req: Request, res: Response) => {
      const { abs, rel, root } = target(req, 'write', req.query.path);
      if (!rel) throw new HttpError('cannot write the workspace root', 400, 'invalid_path');
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      let existed = true;
      try {
        if ((await fs.promises.stat(abs)).isDirectory()) throw new HttpError(`${rel} is a folder`, 409, 'is_directory');
      } catch (err) {
        if (err instanceof HttpError) throw err;
        existed = false;
      }
      try {
        await fs.promises.mkdir(path.dirname(abs), { recursive: true });
        await writeFileAtomic(root, abs, body);
      } catch (err) {
        errnoToHttp(err, `file ${rel}`);
      }
      res.status(existed ? 200 : 201).json(await entryFor(abs, rel));
    },
  );

  router.delete('/api/workspaces/:id/file', async (req, res) => {
    const { abs, rel } = target(req, 'write', req.query.path);
    if (!rel) throw new HttpError('cannot delete the workspace root', 400, 'invalid_path');
    try {
      await fs.promises.lstat(abs);
    } catch (err) {
      errnoToHttp(err, rel);
    }
    await fs.promises.rm(abs, { recursive: true, force: true });
    res.status(204).end();
  });

  router.post('/api/workspaces/:id/files/mkdir', async (req, res) => {
    const body = validate(z.object({ path: z.string().min(1) }), req.body);
    const { abs, rel } = target(req, 'write', body.path);
    if (!rel) throw new HttpError('the workspace root exists already', 409, 'exists');
    try {
      await fs.promises.mkdir(abs, { recursive: false });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') await fs.promises.mkdir(abs, { recursive: true });
      else errnoToHttp(err, rel);
    }
    res.status(201).json(await entryFor(abs, rel));
  });

  router.post('/api/workspaces/:id/files/rename', async (req, res) => {
    const body = validate(z.object({ from: z.string().min(1), to: z.string().min(1), overwrite: z.boolean().optional() }), req.body);
    const from = target(req, 'write', body.from);
    const to = target(req, 'write', body.to);
    if (!from.rel || !to.rel) throw new HttpError('cannot move the workspace root', 400, 'invalid_path');
    if (to.rel === from.rel) return void res.json(await entryFor(from.abs, from.rel));
    if (to.rel.startsWith(`${from.rel}/`)) throw new HttpError('cannot move a folder into itself', 400, 'invalid_path');
    try {
      await fs.promises.lstat(from.abs);
    } catch (err) {
      errnoToHttp(err, from.rel);
    }
    const exists = await fs.promises.lstat(to.abs).then(
      () => true,
      () => false,
    );
    if (exists && !body.overwrite) throw new HttpError(`${to.rel} already exists`, 409, 'exists');
    await fs.promises.mkdir(path.dirname(to.abs), { recursive: true });
    try {
      await fs.promises.rename(from.abs, to.abs);
    } catch (err) {
      errnoToHttp(err, to.rel);
    }
    res.json(await entryFor(to.abs, to.rel));
  });

  /** A file as an attachment, or a folder as a zip (streamed; never buffered whole). */
  router.get('/api/workspaces/:id/download', async (req, res) => {
    const { abs, rel, root } = target(req, 'read', req.query.path ?? '');
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch (err) {
      errnoToHttp(err, rel || '/');
    }
    if (!st.isDirectory()) {
      res.attachment(baseName(rel));
      res.setHeader('Content-Type', 'application/octet-stream');
      await pipeline(fs.createReadStream(abs), res);
      return;
    }
    const name = `${rel ? baseName(rel) : baseName(root) || 'workspace'}.zip`;
    res.attachment(name);
    res.setHeader('Content-Type', 'application/zip');
    const zip = archiver('zip', { zlib: { level: 6 } });
    zip.on('warning', (err) => log.warn({ err }, 'zip warning'));
    // Symlinks are stored as links, never followed, so a link cannot pull outside files into the zip.
    const dataDirs = dataDirsWithin(root, abs).flatMap((d) => [d, `${d}/**`]);
    zip.glob('**/*', { cwd: abs, dot: true, follow: false, ignore: ['**/node_modules/**', '.git/**', ...dataDirs] });
    void zip.finalize();
    await pipeline(zip, res);
  });

  return { router, rawBodyRouter };
}
