import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { SearchLimits } from './search/index.js';
import type { CollabOptions } from './collab/index.js';
import type { ConnectionLimits } from './http/index.js';
import type { BodyLimits } from './lambda/index.js';
import { normalizeBasePath } from './http/publicUrls.js';
import { HOME_ACCESS, type HomeAccess } from './sandbox/index.js';

export interface Config {
  host: string;
  port: number;
  dataDir: string;
  /** Owner token from --token / NIMBUS_TOKEN; undefined means "generate and keep one in the data dir". */
  token: string | undefined;
  /** A token that may read GET /metrics (besides the owner token), for a Prometheus scraper. */
  metricsToken: string | undefined;
  /** HTTPS: a certificate (and its key; without one, a self-signed certificate is kept at `cert`), and the names a made one is for. */
  tls: { cert: string; key: string | undefined; hosts: string[] } | undefined;
  /** The path Nimbus is served under behind a reverse proxy (`/ide`), or `''`. */
  basePath: string;
  /** Proxies whose X-Forwarded-Proto/Host/For are believed (addresses, subnets, or loopback/linklocal/uniquelocal). */
  trustProxy: string[];
  /** Folders given with --open, registered as workspaces. */
  open: string[];
  /** Extra names accepted in the Host header (DNS-rebinding guard), from --allowed-host / NIMBUS_ALLOWED_HOSTS. */
  allowedHosts: string[];
  jsonLimitBytes: number;
  uploadLimitBytes: number;
  /** Where the built client lives; undefined when running without one (API-only tests). */
  clientDir: string | undefined;
  logLevel: string;
  /** `json`: every log line also on stdout, as JSON (for a service manager); `text`: warnings on stderr. */
  logFormat: 'text' | 'json';
  /** Seconds a terminal nobody is watching keeps running before it is killed. */
  terminalGraceSeconds: number;
  /** Terminals with new output are saved this often, so a crash (kill -9) still restores them. */
  terminalCheckpointSeconds: number;
  /** Lines of terminal scrollback the server keeps to restore reconnecting browsers. */
  terminalScrollback: number;
  /** Largest frame on a document socket (--collab-max-message / NIMBUS_COLLAB_MAX_MESSAGE). */
  collabMaxMessageBytes: number;
  /** Other collaboration bounds and timings; not on the command line (tests tune them). */
  collab?: Partial<CollabOptions>;
  /** Lambda: account-level concurrent executions per workspace, the part always left unreserved, idle reclaim, async retry delays, region. */
  lambdaConcurrency: number;
  lambdaUnreservedMinimum: number;
  lambdaIdleSeconds: number;
  lambdaRetryDelaysMs: number[];
  lambdaRegion: string;
  /** Interpreters for Lambda runtimes (`nodejs22.x` → a node binary, `python3.12` → a python), besides the ones found. */
  lambdaInterpreters: Record<string, string>;
  /** What a terminal's shell sees of the home folder of the user running Nimbus. */
  sandboxHome: HomeAccess;
  /** Let shares type in terminals even where no sandbox can be made. */
  allowUnsandboxed: boolean;
  /** bubblewrap's binary (NIMBUS_BWRAP; tests point it elsewhere to run without a sandbox). */
  bwrap: string;
  /** Hibernate after this long without activity, for workspaces created from now on (0: never). */
  hibernateAfterSeconds: number;
  /** Open pages are warned this long before a workspace hibernates. */
  hibernateWarningSeconds: number;
  /** How often idle clocks are read (not on the command line; tests tune it). */
  hibernateCheckIntervalMs?: number;
  /** How long the terminal screen-mirror thread outlives the last terminal (not on the command line; the benchmark tunes it). */
  terminalMirrorIdleMs?: number;
  /** Find in files: searches at once, time budget, matches (not on the command line; tests tune them). */
  searchLimits?: SearchLimits;
  /** Find in files: ripgrep where installed ('auto'), or always the built-in walk (tests tune it). */
  searchEngine?: 'auto' | 'builtin';
  /** Unauthenticated connections per client and in all (not on the command line; tests tune them). */
  connectionLimits?: ConnectionLimits;
  /** Lambda API bodies read before their signature is checked (not on the command line; tests tune them). */
  lambdaBodyLimits?: BodyLimits;
  /** Where each setting came from (flag, environment, config file, default), and the file read if any. */
  sources?: Record<string, ConfigSource>;
  configFile?: string;
}

export const usage = `Usage: nimbus [options]
       nimbus backup <folder> [--data-dir <dir>]    a consistent snapshot, also while the server runs
       nimbus restore <folder> [--data-dir <dir>]   into a new or empty data dir

Options:
  --port <n>            port to listen on (env PORT, default 8080; 0 picks a free one)
  --host <addr>         address to bind (env NIMBUS_HOST, default 127.0.0.1)
  --data-dir <dir>      database, workspaces and logs (env NIMBUS_DATA_DIR, default ./.nimbus)
  --open <dir>          open an existing folder as a workspace (repeatable)
  --token <token>       owner token (env NIMBUS_TOKEN; default: generated once, kept in the data dir)
  --base-path <path>    serve everything under this path, behind a reverse proxy (e.g. /ide; env NIMBUS_BASE_PATH)
  --trust-proxy <addr>  believe X-Forwarded-Proto/Host/For from this proxy: an address, a subnet or loopback
                        (repeatable; env NIMBUS_TRUST_PROXY, comma-separated)
  --cert <file>         serve HTTPS with this certificate (env NIMBUS_CERT); without --cert-key, Nimbus makes a
                        self-signed one there (key beside it) for the --cert-host names and keeps it
  --cert-key <file>     the certificate's private key (env NIMBUS_CERT_KEY)
  --cert-host <name>    a name the made certificate is for (repeatable; env NIMBUS_CERT_HOST, comma-separated;
                        default localhost, 127.0.0.1, --host and the --allowed-host names)
  --metrics-token <t>   a token for GET /metrics besides the owner token (env NIMBUS_METRICS_TOKEN)
  --allowed-host <name> also accept this name in the Host header (repeatable; env NIMBUS_ALLOWED_HOSTS, comma-separated)
  --json-limit <bytes>  largest JSON request body (env NIMBUS_JSON_LIMIT, default 1048576)
  --upload-limit <bytes> largest file upload (env NIMBUS_UPLOAD_LIMIT, default 52428800)
  --collab-max-message <bytes> largest document socket frame (env NIMBUS_COLLAB_MAX_MESSAGE, default 16777216)
  --log-level <level>   pino level (env NIMBUS_LOG_LEVEL, default info)
  --log-format <fmt>    text (warnings on stderr) or json (every line on stdout too; env NIMBUS_LOG_FORMAT)
  --terminal-grace <s>  seconds a terminal with no viewer keeps running (env NIMBUS_TERMINAL_GRACE, default 3600)
  --terminal-scrollback <lines> scrollback kept for terminal restores (env NIMBUS_TERMINAL_SCROLLBACK, default 1000)
  --terminal-checkpoint <s>     how often terminals with new output are saved, so that they are restored
                                even after a crash (env NIMBUS_TERMINAL_CHECKPOINT, default 30)
  --lambda-concurrency <n>        Lambda account concurrency per workspace (env NIMBUS_LAMBDA_CONCURRENCY, default 1000)
  --lambda-unreserved-minimum <n> concurrency always left unreserved (env NIMBUS_LAMBDA_UNRESERVED_MINIMUM, default 100)
  --lambda-idle-seconds <n>       idle execution environments are reclaimed after this (env NIMBUS_LAMBDA_IDLE_SECONDS, default 300)
  --lambda-retry-delays <ms,ms>   delays before async retries (env NIMBUS_LAMBDA_RETRY_DELAYS, default 60000,120000)
  --lambda-region <region>        region in ARNs and AWS_REGION (env NIMBUS_LAMBDA_REGION, default us-east-1)
  --lambda-interpreter <runtime=path>
                                  the node or python that serves a runtime, e.g. nodejs22.x=/opt/node22/bin/node
                                  (repeatable; env NIMBUS_LAMBDA_INTERPRETERS, comma-separated); others get the
                                  closest version found (this server's node; python3, python3.N on PATH)
  --hibernate-after <s>           new workspaces hibernate after this long without activity (env NIMBUS_HIBERNATE_AFTER,
                                  default 1800; 0 never; each workspace can change it)
  --hibernate-warning <s>         warn open pages this long before (env NIMBUS_HIBERNATE_WARNING, default 60)
  --sandbox-home <mode>           what terminals see of your home folder: private (default: an empty home kept per
                                  workspace), read-only or read-write (env NIMBUS_SANDBOX_HOME)
  --allow-unsandboxed             where bubblewrap cannot run, still let shares be granted terminal input (env NIMBUS_ALLOW_UNSANDBOXED=1)
  --config <file>       settings file (env NIMBUS_CONFIG; default <data-dir>/config.yaml when it exists): every option
                        above by its name (port: 8080, allowed-host: [a.example]); flags and environment win over it
  --print-config        print the settings in effect and where each came from (secrets masked), then exit
  -h, --help            show this help
`;

export class ConfigError extends Error {}

/** The longest idle time a workspace may be given (30 days). */
export const MAX_HIBERNATE_AFTER = 30 * 24 * 3600;

function intOption(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ConfigError(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** `runtime=path` pairs: a Node.js or Python runtime id, and an absolute path to its interpreter. */
function interpreterOptions(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of pairs) {
    const pair = raw.trim();
    if (!pair) continue;
    const m = /^(nodejs\d+\.x|python3\.\d+)=(\/.+)$/.exec(pair);
    if (!m) throw new ConfigError(`--lambda-interpreter must be RUNTIME=/absolute/path (nodejs22.x=/opt/node22/bin/node), got "${pair}"`);
    out[m[1] as string] = m[2] as string;
  }
  return out;
}

const OPTIONS = {
  port: { type: 'string', env: 'PORT' },
  host: { type: 'string', env: 'NIMBUS_HOST' },
  'data-dir': { type: 'string', env: 'NIMBUS_DATA_DIR' },
  open: { type: 'string', multiple: true },
  token: { type: 'string', env: 'NIMBUS_TOKEN', secret: true },
  'metrics-token': { type: 'string', env: 'NIMBUS_METRICS_TOKEN', secret: true },
  'allowed-host': { type: 'string', multiple: true, env: 'NIMBUS_ALLOWED_HOSTS' },
  'json-limit': { type: 'string', env: 'NIMBUS_JSON_LIMIT' },
  'upload-limit': { type: 'string', env: 'NIMBUS_UPLOAD_LIMIT' },
  'log-level': { type: 'string', env: 'NIMBUS_LOG_LEVEL' },
  'log-format': { type: 'string', env: 'NIMBUS_LOG_FORMAT' },
  'terminal-grace': { type: 'string', env: 'NIMBUS_TERMINAL_GRACE' },
  'terminal-scrollback': { type: 'string', env: 'NIMBUS_TERMINAL_SCROLLBACK' },
  'terminal-checkpoint': { type: 'string', env: 'NIMBUS_TERMINAL_CHECKPOINT' },
  'collab-max-message': { type: 'string', env: 'NIMBUS_COLLAB_MAX_MESSAGE' },
  'client-dir': { type: 'string', env: 'NIMBUS_CLIENT_DIR' },
  'lambda-concurrency': { type: 'string', env: 'NIMBUS_LAMBDA_CONCURRENCY' },
  'lambda-unreserved-minimum': { type: 'string', env: 'NIMBUS_LAMBDA_UNRESERVED_MINIMUM' },
  'lambda-idle-seconds': { type: 'string', env: 'NIMBUS_LAMBDA_IDLE_SECONDS' },
  'lambda-retry-delays': { type: 'string', env: 'NIMBUS_LAMBDA_RETRY_DELAYS' },
  'lambda-region': { type: 'string', env: 'NIMBUS_LAMBDA_REGION' },
  'lambda-interpreter': { type: 'string', multiple: true, env: 'NIMBUS_LAMBDA_INTERPRETERS' },
  'sandbox-home': { type: 'string', env: 'NIMBUS_SANDBOX_HOME' },
  'hibernate-after': { type: 'string', env: 'NIMBUS_HIBERNATE_AFTER' },
  'hibernate-warning': { type: 'string', env: 'NIMBUS_HIBERNATE_WARNING' },
  'allow-unsandboxed': { type: 'boolean', env: 'NIMBUS_ALLOW_UNSANDBOXED' },
  'base-path': { type: 'string', env: 'NIMBUS_BASE_PATH' },
  'trust-proxy': { type: 'string', multiple: true, env: 'NIMBUS_TRUST_PROXY' },
  cert: { type: 'string', env: 'NIMBUS_CERT' },
  'cert-key': { type: 'string', env: 'NIMBUS_CERT_KEY' },
  'cert-host': { type: 'string', multiple: true, env: 'NIMBUS_CERT_HOST' },
} as const satisfies Record<string, { type: 'string' | 'boolean'; multiple?: boolean; env?: string; secret?: boolean }>;

type OptionName = keyof typeof OPTIONS;
type OptionValues = {
  [K in OptionName]?: (typeof OPTIONS)[K] extends { type: 'boolean' }
    ? boolean
    : (typeof OPTIONS)[K] extends { multiple: true }
      ? string[]
      : string;
};
/** Where each setting's value came from (`nimbus --print-config` shows it). */
export type ConfigSource = 'flag' | 'env' | 'file' | 'default';

/**
 * The command line, the environment and the config file, in that order of precedence: a flag wins over its
 * environment variable, which wins over the file (`--config PATH`, `NIMBUS_CONFIG`, or
 * `<data-dir>/config.yaml`), which wins over the default. Only the file's values are put into `values`
 * here; the environment is read where each option is built (so `values.x ?? env.X ?? default` holds).
 */
function configLayers(
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { values: OptionValues; sources: Record<string, ConfigSource>; file: string | undefined } | 'help' {
  const { values: flags } = parseArgs({
    args: argv,
    options: {
      ...OPTIONS,
      config: { type: 'string' },
      'print-config': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (flags.help) return 'help';
  const values: OptionValues = {};
  const sources: Record<string, ConfigSource> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const spec = OPTIONS[name] as { env?: string };
    if (flags[name] !== undefined) {
      (values as Record<string, unknown>)[name] = flags[name];
      sources[name] = 'flag';
    } else if (spec.env && env[spec.env]) sources[name] = 'env';
    else sources[name] = 'default';
  }
  const explicit = flags.config ?? (env.NIMBUS_CONFIG || undefined);
  const dataDir = path.resolve(cwd, values['data-dir'] ?? env.NIMBUS_DATA_DIR ?? '.nimbus');
  const file = explicit ? path.resolve(cwd, explicit) : path.join(dataDir, 'config.yaml');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !explicit) return { values, sources, file: undefined };
    throw new ConfigError(`${file}: cannot be read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return { values, sources, file };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`${file}: must be a map of settings (port: 8080, …)`);
  for (const [key, raw] of Object.entries(doc as Record<string, unknown>)) {
    if (!(key in OPTIONS)) {
      const near = Object.keys(OPTIONS).find((k) => k.replace(/-/g, '') === key.replace(/[-_]/g, '').toLowerCase());
      throw new ConfigError(`${file}: ${key}: unknown setting${near ? ` (did you mean ${near}?)` : ''}`);
    }
    const name = key as OptionName;
    if (name === 'data-dir' && !explicit) throw new ConfigError(`${file}: data-dir: only a file given with --config can set the data dir`);
    const spec = OPTIONS[name] as { type: string; multiple?: boolean };
    const value = fileValue(raw, spec);
    if (value === undefined) {
      const wanted = spec.type === 'boolean' ? 'true or false' : spec.multiple ? 'a string or a list of strings' : 'a string or a number';
      throw new ConfigError(`${file}: ${key}: must be ${wanted}, got ${JSON.stringify(raw)}`);
    }
    if (sources[name] !== 'default') continue; // a flag or the environment wins
    (values as Record<string, unknown>)[name] = value;
    sources[name] = 'file';
  }
  if (explicit && values['data-dir'] !== undefined && sources['data-dir'] === 'file') {
    values['data-dir'] = path.resolve(path.dirname(file), values['data-dir']);
  }
  return { values, sources, file };
}

function fileValue(raw: unknown, spec: { type: string; multiple?: boolean }): string | string[] | boolean | undefined {
  const scalar = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
  if (spec.type === 'boolean') return typeof raw === 'boolean' ? raw : undefined;
  if (spec.multiple) {
    const list = Array.isArray(raw) ? raw.map(scalar) : [scalar(raw)];
    return list.every((v): v is string => v !== undefined) ? list : undefined;
  }
  if (Array.isArray(raw) && raw.every((v) => scalar(v) !== undefined)) return raw.map(scalar).join(','); // lambda-retry-delays: [60000, 120000]
  return scalar(raw);
}

/** The effective settings and where each came from, secrets masked: what `nimbus --print-config` prints. */
export function describeConfig(config: Config): string {
  const shown: Record<OptionName, unknown> = {
    port: config.port,
    host: config.host,
    'data-dir': config.dataDir,
    open: config.open,
    token: config.token === undefined ? '(generated, kept in the data dir)' : '****',
    'metrics-token': config.metricsToken === undefined ? '(none: the owner token only)' : '****',
    'allowed-host': config.allowedHosts,
    'json-limit': config.jsonLimitBytes,
    'upload-limit': config.uploadLimitBytes,
    'log-level': config.logLevel,
    'log-format': config.logFormat,
    'terminal-grace': config.terminalGraceSeconds,
    'terminal-scrollback': config.terminalScrollback,
    'terminal-checkpoint': config.terminalCheckpointSeconds,
    'collab-max-message': config.collabMaxMessageBytes,
    'client-dir': config.clientDir ?? '(the built client)',
    'lambda-concurrency': config.lambdaConcurrency,
    'lambda-unreserved-minimum': config.lambdaUnreservedMinimum,
    'lambda-idle-seconds': config.lambdaIdleSeconds,
    'lambda-retry-delays': config.lambdaRetryDelaysMs,
    'lambda-region': config.lambdaRegion,
    'lambda-interpreter': Object.entries(config.lambdaInterpreters).map(([k, v]) => `${k}=${v}`),
    'sandbox-home': config.sandboxHome,
    'hibernate-after': config.hibernateAfterSeconds,
    'hibernate-warning': config.hibernateWarningSeconds,
    'allow-unsandboxed': config.allowUnsandboxed,
    'base-path': config.basePath,
    'trust-proxy': config.trustProxy,
    cert: config.tls?.cert ?? '(none: plain HTTP)',
    'cert-key': config.tls ? (config.tls.key ?? '(beside the made certificate)') : '(none)',
    'cert-host': config.tls?.hosts ?? [],
  };
  const lines = [`# config file: ${config.configFile ?? '(none)'}`, '# precedence: flag > environment > file > default'];
  for (const [name, value] of Object.entries(shown)) {
    const text = Array.isArray(value)
      ? `[${value.map((v) => JSON.stringify(v)).join(', ')}]`
      : typeof value === 'string'
        ? JSON.stringify(value)
        : String(value);
    lines.push(`${name}: ${text}  # ${config.sources?.[name] ?? 'default'}`);
  }
  return `${lines.join('\n')}\n`;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Config | 'help' {
  const layers = configLayers(argv, env, cwd);
  if (layers === 'help') return 'help';
  const { values, sources, file } = layers;
  try {
    return { ...buildConfig(values, env, cwd), sources, ...(file ? { configFile: file } : {}) };
  } catch (err) {
    // A bad value from the config file names the file and the key, not a flag nobody typed.
    const m = err instanceof ConfigError ? /^--([a-z-]+) (.*)$/s.exec(err.message) : null;
    if (m && file && sources[m[1] as string] === 'file') throw new ConfigError(`${file}: ${m[1]}: ${m[2]}`);
    throw err;
  }
}

function buildConfig(values: OptionValues, env: NodeJS.ProcessEnv, cwd: string): Omit<Config, 'sources' | 'configFile'> {
  const port = intOption(values.port ?? env.PORT, 8080, '--port');
  if (port > 65535) throw new ConfigError(`--port must be at most 65535, got ${port}`);
  // An empty variable counts as unset (e.g. `NIMBUS_TOKEN= nimbus`).
  const token = values.token ?? (env.NIMBUS_TOKEN || undefined);
  if (token !== undefined && token.length < 16) throw new ConfigError('the owner token must be at least 16 characters long');
  const lambdaConcurrency = intOption(values['lambda-concurrency'] ?? env.NIMBUS_LAMBDA_CONCURRENCY, 1000, '--lambda-concurrency');
  const lambdaUnreservedMinimum = intOption(
    values['lambda-unreserved-minimum'] ?? env.NIMBUS_LAMBDA_UNRESERVED_MINIMUM,
    Math.min(100, lambdaConcurrency),
    '--lambda-unreserved-minimum',
  );
  if (lambdaConcurrency < 1 || lambdaUnreservedMinimum > lambdaConcurrency) {
    throw new ConfigError('--lambda-concurrency must be at least 1 and at least --lambda-unreserved-minimum');
  }
  const retryDelays = (values['lambda-retry-delays'] ?? env.NIMBUS_LAMBDA_RETRY_DELAYS ?? '60000,120000')
    .split(',')
    .map((d) => intOption(d.trim(), 0, '--lambda-retry-delays'));
  const lambdaRegion = values['lambda-region'] ?? env.NIMBUS_LAMBDA_REGION ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(lambdaRegion))
    throw new ConfigError(`--lambda-region must look like us-east-1, got "${lambdaRegion}"`);
  const hibernateAfterSeconds = intOption(values['hibernate-after'] ?? env.NIMBUS_HIBERNATE_AFTER, 1800, '--hibernate-after');
  if (hibernateAfterSeconds !== 0 && (hibernateAfterSeconds < 5 || hibernateAfterSeconds > MAX_HIBERNATE_AFTER)) {
    throw new ConfigError(`--hibernate-after must be 0 (never) or from 5 to ${MAX_HIBERNATE_AFTER} seconds, got ${hibernateAfterSeconds}`);
  }
  const sandboxHome = values['sandbox-home'] ?? (env.NIMBUS_SANDBOX_HOME || 'private');
  if (!(HOME_ACCESS as readonly string[]).includes(sandboxHome)) {
    throw new ConfigError(`--sandbox-home must be one of ${HOME_ACCESS.join(', ')}, got "${sandboxHome}"`);
  }
  return {
    host: values.host ?? env.NIMBUS_HOST ?? '127.0.0.1',
    port,
    dataDir: path.resolve(cwd, values['data-dir'] ?? env.NIMBUS_DATA_DIR ?? '.nimbus'),
    token: token || undefined,
    tls: tlsOf(values, env, cwd, allowedHostsOf(values, env), values.host ?? env.NIMBUS_HOST ?? '127.0.0.1'),
    basePath: basePathOf(values['base-path'] ?? env.NIMBUS_BASE_PATH),
    trustProxy: trustProxyOf([...(values['trust-proxy'] ?? []), ...(env.NIMBUS_TRUST_PROXY?.split(',') ?? [])]),
    metricsToken: metricsTokenOf(values['metrics-token'] ?? (env.NIMBUS_METRICS_TOKEN || undefined)),
    open: (values.open ?? []).map((p) => path.resolve(cwd, p)),
    allowedHosts: allowedHostsOf(values, env),
    jsonLimitBytes: intOption(values['json-limit'] ?? env.NIMBUS_JSON_LIMIT, 1024 * 1024, '--json-limit'),
    uploadLimitBytes: intOption(values['upload-limit'] ?? env.NIMBUS_UPLOAD_LIMIT, 50 * 1024 * 1024, '--upload-limit'),
    clientDir: values['client-dir'] ?? env.NIMBUS_CLIENT_DIR,
    logLevel: values['log-level'] ?? env.NIMBUS_LOG_LEVEL ?? 'info',
    logFormat: logFormatOf(values['log-format'] ?? env.NIMBUS_LOG_FORMAT),
    terminalGraceSeconds: intOption(values['terminal-grace'] ?? env.NIMBUS_TERMINAL_GRACE, 3600, '--terminal-grace'),
    terminalCheckpointSeconds: Math.max(
      1,
      intOption(values['terminal-checkpoint'] ?? env.NIMBUS_TERMINAL_CHECKPOINT, 30, '--terminal-checkpoint'),
    ),
    terminalScrollback: Math.min(
      100_000,
      intOption(values['terminal-scrollback'] ?? env.NIMBUS_TERMINAL_SCROLLBACK, 1000, '--terminal-scrollback'),
    ),
    collabMaxMessageBytes: intOption(
      values['collab-max-message'] ?? env.NIMBUS_COLLAB_MAX_MESSAGE,
      16 * 1024 * 1024,
      '--collab-max-message',
    ),
    lambdaConcurrency,
    lambdaUnreservedMinimum,
    lambdaIdleSeconds: intOption(values['lambda-idle-seconds'] ?? env.NIMBUS_LAMBDA_IDLE_SECONDS, 300, '--lambda-idle-seconds'),
    lambdaRetryDelaysMs: retryDelays,
    lambdaRegion,
    lambdaInterpreters: interpreterOptions([
      ...(env.NIMBUS_LAMBDA_INTERPRETERS ? env.NIMBUS_LAMBDA_INTERPRETERS.split(',') : []),
      ...(values['lambda-interpreter'] ?? []),
    ]),
    sandboxHome: sandboxHome as HomeAccess,
    hibernateAfterSeconds,
    hibernateWarningSeconds: intOption(values['hibernate-warning'] ?? env.NIMBUS_HIBERNATE_WARNING, 60, '--hibernate-warning'),
    allowUnsandboxed: values['allow-unsandboxed'] ?? env.NIMBUS_ALLOW_UNSANDBOXED === '1',
    bwrap: env.NIMBUS_BWRAP || 'bwrap',
  };
}

const loopback = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
export const isLoopbackHost = (host: string): boolean => loopback.has(host) || host.startsWith('127.');

const allowedHostsOf = (values: OptionValues, env: NodeJS.ProcessEnv): string[] =>
  [...(values['allowed-host'] ?? []), ...(env.NIMBUS_ALLOWED_HOSTS?.split(',') ?? [])].map((h) => h.trim().toLowerCase()).filter(Boolean);

/** `--cert` (with `--cert-key`, or alone for a kept self-signed one) and the names a made certificate covers. */
function tlsOf(values: OptionValues, env: NodeJS.ProcessEnv, cwd: string, allowedHosts: string[], host: string): Config['tls'] {
  const cert = values.cert ?? (env.NIMBUS_CERT || undefined);
  const key = values['cert-key'] ?? (env.NIMBUS_CERT_KEY || undefined);
  if (!cert) {
    if (key) throw new ConfigError('--cert-key needs --cert');
    return undefined;
  }
  const given = [...(values['cert-host'] ?? []), ...(env.NIMBUS_CERT_HOST?.split(',') ?? [])]
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const hosts = given.length
    ? given
    : [...new Set(['localhost', '127.0.0.1', ...(wildcard || isLoopbackHost(host) ? [] : [host]), ...allowedHosts])];
  for (const h of hosts) {
    if (!/^[a-z0-9.*-]{1,253}$/.test(h) && !/^[0-9a-f:]+$/.test(h))
      throw new ConfigError(`--cert-host must be a host name or an IP address, got "${h}"`);
  }
  return { cert: path.resolve(cwd, cert), key: key ? path.resolve(cwd, key) : undefined, hosts };
}

function basePathOf(value: string | undefined): string {
  try {
    return normalizeBasePath(value ?? '');
  } catch (err) {
    throw new ConfigError(`--base-path ${(err as Error).message}`);
  }
}

function trustProxyOf(values: string[]): string[] {
  const list = values.map((v) => v.trim()).filter(Boolean);
  for (const v of list) {
    if (!['loopback', 'linklocal', 'uniquelocal'].includes(v) && !/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(v)) {
      throw new ConfigError(`--trust-proxy must be an address, a subnet (10.0.0.0/8) or loopback/linklocal/uniquelocal, got "${v}"`);
    }
  }
  return list;
}

function metricsTokenOf(value: string | undefined): string | undefined {
  if (value !== undefined && value.length < 16) throw new ConfigError('--metrics-token must be at least 16 characters long');
  return value || undefined;
}

function logFormatOf(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text' || value === 'json') return value ?? 'text';
  throw new ConfigError(`--log-format must be text or json, got "${value}"`);
}
