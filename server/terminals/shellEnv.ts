import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isExecutable } from '../files/index.js';

/**
 * Nimbus's commands for terminals (nimbus-keep-awake), first on every terminal's PATH. They are plain
 * scripts kept next to the sources (tsc does not copy them to dist/).
 */
export const TERMINAL_BIN = ((): string => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'bin'), path.join(here, '..', '..', '..', 'server', 'terminals', 'bin')];
  return candidates.find((c) => fs.existsSync(path.join(c, 'nimbus-keep-awake'))) ?? (candidates[0] as string);
})();

/** Variables a shell needs that are copied from the server's environment; nothing else is. */
const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'EDITOR', 'VISUAL'];

/** The user's login shell ($SHELL, else the passwd entry), else bash, else sh. */
export function defaultShell(env: NodeJS.ProcessEnv = process.env): string {
  let fromPasswd: string | undefined;
  try {
    fromPasswd = os.userInfo().shell ?? undefined;
  } catch {
    fromPasswd = undefined;
  }
  for (const candidate of [env.SHELL, fromPasswd, '/bin/bash', '/usr/bin/bash']) {
    if (candidate && candidate.startsWith('/') && isExecutable(candidate)) return candidate;
  }
  return '/bin/sh';
}

/**
 * The shell's environment, built from an allow-list rather than by copying the server's: the server's
 * own secrets (NIMBUS_TOKEN and the rest of NIMBUS_*, cloud credentials, NODE_OPTIONS) never reach
 * a program typed into a terminal, which a `write` collaborator controls.
 */
export function shellEnv(options: { shell: string; cwd: string }, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of PASSED_THROUGH) {
    const value = env[key];
    if (value !== undefined) out[key] = value;
  }
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith('LC_') && value !== undefined) out[key] = value;
  }
  out.PATH = `${TERMINAL_BIN}:${out.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'}`;
  out.HOME ??= os.homedir();
  out.LANG ??= 'C.UTF-8';
  out.SHELL = options.shell;
  out.PWD = options.cwd;
  out.TERM = 'xterm-256color';
  out.COLORTERM = 'truecolor';
  out.TERM_PROGRAM = 'nimbus';
  return out;
}
