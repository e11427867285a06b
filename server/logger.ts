import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

const redact = { paths: ['req.headers.authorization', 'req.headers.cookie', 'token', '*.token'], censor: '[redacted]' };

/** Log files opened by loggers of this process: SIGHUP reopens them (after logrotate moved them). */
const openFiles = new Set<pino.DestinationStream & { reopen(): void }>();

/** Reopens every log file at its path (what a service manager's SIGHUP asks for after rotating logs). */
export function reopenLogFiles(): void {
  for (const file of openFiles) file.reopen();
}

/**
 * The root logger; features take named children (`logger.child({ module: 'files' })`).
 * With a data dir, everything at `level` goes to <dataDir>/logs/nimbus.log and warnings also to stderr;
 * `format: 'json'` sends everything at `level` to stdout as JSON lines instead of warnings to stderr (what
 * systemd's journal or a container's log driver collect).
 */
export function createLogger(options: { level?: string; dataDir?: string; format?: 'text' | 'json' } = {}): Logger {
  const level = options.level ?? 'info';
  if (!options.dataDir) return pino({ level, redact });
  const dir = path.join(options.dataDir, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const file = pino.destination({ dest: path.join(dir, 'nimbus.log'), sync: false });
  openFiles.add(file);
  return pino(
    { level, redact },
    pino.multistream([
      { level: level as pino.Level, stream: file },
      options.format === 'json' ? { level: level as pino.Level, stream: process.stdout } : { level: 'warn', stream: process.stderr },
    ]),
  );
}
