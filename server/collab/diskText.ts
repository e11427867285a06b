import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { openInside, writeFileAtomic } from '../files/index.js';
import { HttpError } from '../http/index.js';

/** What identifies a version of a file cheaply: checked before every write to notice outside changes. */
export interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

/** A text file as the document sees it: LF line breaks, no BOM; how to put it back is kept beside it. */
export interface DiskText {
  text: string;
  eol: '\n' | '\r\n';
  bom: boolean;
  /** sha256 of the bytes on disk. */
  hash: string;
  stamp: FileStamp;
}

export class DiskTextError extends Error {
  constructor(
    message: string,
    readonly reason: 'directory' | 'binary' | 'too-large' | 'outside',
  ) {
    super(message);
  }
}

const BOM = '\uFEFF';
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const hashBytes = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export const stampOf = (st: fs.Stats): FileStamp => ({ mtimeMs: st.mtimeMs, size: st.size, ino: st.ino });

export const sameStamp = (a: FileStamp | undefined, b: FileStamp | undefined): boolean =>
  a !== undefined && b !== undefined && a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;

/** The file's stamp, or undefined when it does not exist. */
export async function statFile(abs: string): Promise<FileStamp | undefined> {
  try {
    return stampOf(await fs.promises.stat(abs));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * Reads a file of the workspace `root` as document text; undefined when it does not exist. Refuses
 * folders, binary and oversized files, and a file that opened outside the root (a symbolic link swapped
 * in after the path was checked).
 */
export async function readDiskText(root: string, abs: string, maxBytes: number): Promise<DiskText | undefined> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await openInside(root, abs, 'r');
  } catch (err) {
    if (err instanceof HttpError) throw new DiskTextError(err.message, 'outside');
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EISDIR') throw new DiskTextError('this path is a folder', 'directory');
    throw err;
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new DiskTextError('this path is a folder', 'directory');
    if (st.size > maxBytes) throw new DiskTextError(`the file is larger than ${maxBytes} bytes`, 'too-large');
    const bytes = await handle.readFile();
    if (bytes.length > maxBytes) throw new DiskTextError(`the file is larger than ${maxBytes} bytes`, 'too-large');
    return { ...decodeText(bytes), hash: hashBytes(bytes), stamp: stampOf(st) };
  } finally {
    await handle.close();
  }
}

export function decodeText(bytes: Uint8Array): Pick<DiskText, 'text' | 'eol' | 'bom'> {
  if (bytes.subarray(0, 8192).includes(0)) throw new DiskTextError('the file looks binary (it contains NUL bytes)', 'binary');
  let raw: string;
  try {
    raw = utf8.decode(bytes);
  } catch {
    throw new DiskTextError('the file is not valid UTF-8 text', 'binary');
  }
  const bom = raw.startsWith(BOM);
  if (bom) raw = raw.slice(1);
  const crlf = raw.split('\r\n').length - 1;
  const lf = raw.split('\n').length - 1 - crlf;
  // Monaco counts a lone CR as a line break too; the document must agree with it offset for offset.
  return { text: raw.replace(/\r\n?/g, '\n'), eol: crlf > lf ? '\r\n' : '\n', bom };
}

export function encodeText(text: string, eol: '\n' | '\r\n', bom: boolean): Buffer {
  const body = eol === '\n' ? text : text.replace(/\n/g, eol);
  return Buffer.from(bom ? BOM + body : body, 'utf8');
}

/** Writes atomically (inside `root` only) and returns the new file's stamp, read back from the file now in place. */
export async function writeDiskBytes(root: string, abs: string, bytes: Buffer): Promise<FileStamp> {
  await writeFileAtomic(root, abs, bytes);
  return stampOf(await fs.promises.stat(abs));
}
