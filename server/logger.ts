import pino from 'pino';

export type Logger = pino.Logger;

/** The root logger; features take named children (`logger.child({ module: 'files' })`). */
export function createLogger(options: { level?: string; destination?: string } = {}): Logger {
  const level = options.level ?? process.env.NIMBUS_LOG_LEVEL ?? 'info';
  const redact = { paths: ['req.headers.authorization', 'req.headers.cookie', 'token'], censor: '[redacted]' };
  if (options.destination) {
    return pino({ level, redact }, pino.destination({ dest: options.destination, mkdir: true, sync: false }));
  }
  return pino({ level, redact });
}
