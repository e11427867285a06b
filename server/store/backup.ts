import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** What a backup folder holds besides the database and the workspaces (`manifest.json`). */
export interface BackupManifest {
  format: 'nimbus-backup';
  version: 1;
  nimbusVersion: string;
  createdAt: string;
  /** The database's migrations when it was copied (a newer Nimbus applies the rest at its next start). */
  migrations: string[];
  workspaces: { id: string; name: string; included: boolean; openedPath?: string }[];
}

export class BackupError extends Error {}

const DB_FILE = 'nimbus.db';
/** Files of the data dir that are kept; logs and caches are not (they are made again). */
const KEPT_FILES = ['owner-token', 'share-seal.key', 'config.yaml'];
/** Folders kept besides the managed workspaces: the sandbox's private homes (shell history, dotfiles). */
const KEPT_DIRS = ['homes'];

const emptyOrAbsent = (dir: string): boolean => !fs.existsSync(dir) || (fs.statSync(dir).isDirectory() && fs.readdirSync(dir).length === 0);

/** Regular files, folders and links only: sockets and fifos a workspace may hold are not data. */
const copyTree = (from: string, to: string): Promise<void> =>
  fs.promises.cp(from, to, {
    recursive: true,
    verbatimSymlinks: true,
    errorOnExist: true,
    force: false,
    preserveTimestamps: true,
    filter: (src) => {
      // A file removed while the server runs is simply not in the backup.
      const st = fs.lstatSync(src, { throwIfNoEntry: false });
      return st !== undefined && (st.isFile() || st.isDirectory() || st.isSymbolicLink());
    },
  });

/**
 * A consistent snapshot of a data dir, taken while the server runs: the database through SQLite's online
 * backup (a transaction-consistent copy, whatever the server writes meanwhile), the managed workspaces'
 * folders, the owner token, the share-link seal key, the config file and the sandbox homes. Workspaces
 * opened from folders of their own (`--open`) are named in the manifest but not copied: they live
 * elsewhere. Written beside `dest` and renamed at the end, so a backup that failed halfway never looks
 * complete.
 */
export async function backupDataDir(dataDir: string, dest: string, nimbusVersion: string): Promise<BackupManifest> {
  const dbFile = path.join(dataDir, DB_FILE);
  if (!fs.existsSync(dbFile)) throw new BackupError(`${dataDir} is not a Nimbus data dir (no ${DB_FILE})`);
  if (!emptyOrAbsent(dest)) throw new BackupError(`${dest} exists and is not empty: back up into a new folder`);
  const tmp = `${dest.replace(/[/\\]+$/, '')}.partial-${randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const source = new Database(dbFile, { fileMustExist: true });
    try {
      source.pragma('busy_timeout = 10000');
      await source.backup(path.join(tmp, DB_FILE));
    } finally {
      source.close();
    }
    const copy = new Database(path.join(tmp, DB_FILE));
    let manifest: BackupManifest;
    try {
      copy.pragma('journal_mode = DELETE');
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`the database copy failed its integrity check: ${String(check)}`);
      const rows = copy.prepare('SELECT id, name, opened_path FROM workspaces ORDER BY id').all() as {
        id: string;
        name: string;
        opened_path: string | null;
      }[];
      manifest = {
        format: 'nimbus-backup',
        version: 1,
        nimbusVersion,
        createdAt: new Date().toISOString(),
        migrations: copy.prepare('SELECT name FROM migrations ORDER BY rowid').pluck().all() as string[],
        workspaces: rows.map((r) => ({
          id: r.id,
          name: r.name,
          included: !r.opened_path,
          ...(r.opened_path ? { openedPath: r.opened_path } : {}),
        })),
      };
    } finally {
      copy.close();
    }
    for (const w of manifest.workspaces.filter((x) => x.included)) {
      const from = path.join(dataDir, 'workspaces', w.id);
      if (fs.existsSync(from)) await copyTree(from, path.join(tmp, 'workspaces', w.id));
    }
    for (const name of KEPT_FILES) {
      const from = path.join(dataDir, name);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(tmp, name));
    }
    for (const name of KEPT_DIRS) {
      const from = path.join(dataDir, name);
      if (fs.existsSync(from)) await copyTree(from, path.join(tmp, name));
    }
    fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    if (fs.existsSync(dest)) fs.rmdirSync(dest);
    fs.renameSync(tmp, dest);
    // The backup holds the owner token and the seal key: only its owner may read it.
    fs.chmodSync(dest, 0o700);
    return manifest;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Brings a backup back into an empty (or new) data dir: checked first (its manifest, the database's
 * integrity), copied beside the data dir and renamed into place. The next start applies the migrations
 * a newer Nimbus has, as for any older data dir.
 */
export async function restoreDataDir(src: string, dataDir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(src, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (err) {
    throw new BackupError(`${src} is not a Nimbus backup (manifest.json: ${(err as Error).message})`);
  }
  if (manifest.format !== 'nimbus-backup' || manifest.version !== 1) throw new BackupError(`${src}: not a backup this Nimbus can read`);
  if (!emptyOrAbsent(dataDir)) throw new BackupError(`${dataDir} is not empty: restore into a new or empty data dir`);
  const db = new Database(path.join(src, DB_FILE), { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`${src}/${DB_FILE} failed its integrity check: ${String(check)}`);
  } finally {
    db.close();
  }
  const target = path.resolve(dataDir);
  const tmp = `${target}.restoring-${randomBytes(4).toString('hex')}`;
  try {
    await copyTree(src, tmp);
    fs.rmSync(path.join(tmp, 'manifest.json'));
    if (fs.existsSync(target)) fs.rmdirSync(target);
    fs.renameSync(tmp, target);
    fs.chmodSync(target, 0o700);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}
