import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

const redact = { paths: ['req.headers.authorization', 'req.headers.cookie', 'token', '*.token'], censor: '[redacted]' };

/**
 * The root logger; features take named children (`logger.child({ module: 'files' })`).
 * With a data dir, everything at `level` goes to <dataDir>/logs/nimbus.log and warnings also to stderr.
 */
export function createLogger(options: { level?: string; dataDir?: string } = {}): Logger {
  const level = options.level ?? 'info';
  if (!options.dataDir) return pino({ level, redact });
  const dir = path.join(options.dataDir, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  const file = pino.destination({ dest: path.join(dir, 'nimbus.log'), sync: false });
  return pino(
    { level, redact },
    pino.multistream([
      { level: level as pino.Level, stream: file },
      { level: 'warn', stream: process.stderr },
    ]),
  );
}
