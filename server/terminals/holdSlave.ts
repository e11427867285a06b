import fs from 'node:fs';
import type { IPty } from 'node-pty';
import type { Logger } from '../logger.js';

/**
 * Opens the pty's slave side in the server and keeps it open while the shell runs.
 *
 * When the last slave descriptor closes (the shell exits), reading the master can report end-of-file
 * while output is still buffered in the kernel, and node-pty then drops it: under load, a program
 * that prints 20 KB and exits lost several KB in about a third of runs. With our descriptor open the
 * master never sees that hangup, so everything written is read; node-pty ends the stream 200 ms after
 * the exit, by which time the rest has been read (a paused pty is resumed as soon as the shell is gone).
 */
export function holdSlave(pty: IPty, log: Logger): number | undefined {
  // `ptsName` exists on node-pty's Unix terminal but is missing from its typings.
  const ptsName = (pty as IPty & { ptsName?: string }).ptsName;
  if (!ptsName) return undefined;
  try {
    return fs.openSync(ptsName, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  } catch (err) {
    log.warn({ err, ptsName }, 'could not hold the pty slave open; output at exit may be cut short');
    return undefined;
  }
}
