/**
 * Composition root: builds every feature and wires them together by passing dependencies.
 * `startNimbus` is what tests call (port 0, temp data dir); `runCli` is the `nimbus` command.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import {
  AuthService,
  ShareConnections,
  allows,
  authMigrations,
  authenticate,
  loadOwnerToken,
  loadShareSealKey,
  loginRoutes,
  sessionAndShareRoutes,
  tokenExchange,
} from './auth/index.js';
import { collabMigrations, createCollabFeature } from './collab/index.js';
import { ConfigError, describeConfig, isLoopbackHost, parseConfig, usage, type Config } from './config.js';
import { createFilesFeature, protectDataDir } from './files/index.js';
import { ConnectionGuard, WebSocketRouter, createApp, createHostGuard, createPublicUrls, loadTls } from './http/index.js';
import { API_GATEWAY_PREFIX, FUNCTION_URL_PREFIX, createLambdaFeature, lambdaMigrations, type LambdaFeature } from './lambda/index.js';
import { createLogger, reopenLogFiles, type Logger } from './logger.js';
import { createMetrics } from './metrics/index.js';
import { Sandbox } from './sandbox/index.js';
import { DEFAULT_HIBERNATE_SETTINGS, HibernateService } from './hibernate/index.js';
import { backupDataDir, openDatabase, restoreDataDir } from './store/index.js';
import { searchRoutes } from './search/index.js';
import { settingsMigrations, settingsRoutes, UserSettingsStore } from './settings/index.js';
import { createTerminalsFeature, terminalMigrations } from './terminals/index.js';
import { WorkspaceEvents, WorkspaceService, workspaceActivity, workspaceMigrations, workspaceRoutes } from './workspaces/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const projectRoot = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const version = (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** Every feature's schema changes, in the order they are applied (a data dir of any older Nimbus gets the rest). */
export const MIGRATIONS = [
  ...workspaceMigrations,
  ...authMigrations,
  ...lambdaMigrations,
  ...collabMigrations,
  ...terminalMigrations,
  ...settingsMigrations,
];

export interface NimbusServer {
  url: string;
  port: number;
  ownerToken: string;
  config: Config;
  workspaces: WorkspaceService;
  lambda: LambdaFeature;
  /** Starts the terminal screen-mirror thread ahead of need (tests measure memory without its start). */
  terminals: { warmMirrors(): Promise<void> };
  log: Logger;
  close(): Promise<void>;
}

export async function startNimbus(config: Config, options: { log?: Logger } = {}): Promise<NimbusServer> {
  if (!isLoopbackHost(config.host) && !config.token) {
    throw new ConfigError(
      `refusing to listen on ${config.host} without a configured token: set NIMBUS_TOKEN or pass --token, ` +
        'so that nobody on the network can reach the workspaces with a token they could guess or read from disk',
    );
  }
  // HTTPS with the administrator's certificate, or one Nimbus made and keeps (self-signed): read first,
  // so that a bad certificate stops the start before anything is opened.
  const tls = config.tls ? await loadTls(config.tls.cert, config.tls.key, config.tls.hosts) : undefined;
  fs.mkdirSync(config.dataDir, { recursive: true });
  // A workspace opened from a folder that holds the data dir never reaches into it through the API.
  protectDataDir(config.dataDir);
  const log = options.log ?? createLogger({ level: config.logLevel, dataDir: config.dataDir, format: config.logFormat });
  const db = openDatabase(path.join(config.dataDir, 'nimbus.db'), MIGRATIONS);
  const ownerToken = loadOwnerToken(config.dataDir, config.token);
  const auth = new AuthService(db, ownerToken, loadShareSealKey(config.dataDir), config.basePath);
  const connections = new ShareConnections();
  const workspaces = new WorkspaceService(db, config.dataDir, log.child({ module: 'workspaces' }), config.hibernateAfterSeconds);

  if (workspaces.list().length === 0 && config.open.length === 0) workspaces.create('default', { id: 'default' });
  for (const folder of config.open) workspaces.openFolder(folder);

  const sandbox = new Sandbox({
    bwrap: config.bwrap,
    dataDir: config.dataDir,
    home: config.sandboxHome,
    workspaceRoots: () => workspaces.list().map((w) => w.openedPath ?? workspaces.rootOf(w.id)),
  });
  if (!sandbox.available) {
    log.warn(
      { reason: sandbox.unavailableReason },
      "no sandbox: terminals and Lambda functions run with the server's view of the machine (install bubblewrap); " +
        (config.allowUnsandboxed
          ? 'shares may still be granted terminal input (--allow-unsandboxed)'
          : 'shares cannot be granted terminal input'),
    );
  }

  const hostAllowed = createHostGuard(config.host, config.allowedHosts);
  const publicUrls = createPublicUrls(config.basePath, config.trustProxy);
  const connectionGuard = new ConnectionGuard(config.connectionLimits);
  const onAuthenticated = (req: http.IncomingMessage): void => connectionGuard.authenticated(req.socket);
  const wsRouter = new WebSocketRouter({
    resolvePrincipal: (req, url) => auth.resolve(req, { allowQueryToken: true, url }),
    canRead: (principal, workspaceId) => allows(principal, workspaceId, 'read'),
    isAsleep: (workspaceId) => workspaces.isAsleep(workspaceId),
    onWorkspaceAccess: (workspaceId) => workspaces.accessed(workspaceId),
    onAuthenticated,
    onSocket: (principal, ws) => connections.add(principal, ws),
    hostAllowed,
    stripBasePath: (req) => publicUrls.strip(req),
    log: log.child({ module: 'ws' }),
  });

  const metrics = createMetrics({
    workspaceStates: () => {
      const counts: Record<string, number> = {};
      for (const w of workspaces.list()) counts[w.state] = (counts[w.state] ?? 0) + 1;
      return counts;
    },
    connections: () => wsRouter.connectionCounts(),
    openDocuments: () => workspaces.runningIds().reduce((n, id) => n + collab.openDocuments(id), 0),
    terminals: () => workspaces.runningIds().reduce((n, id) => n + (terminals.managerOf(id, false)?.list().length ?? 0), 0),
    tokens: () => [ownerToken, ...(config.metricsToken ? [config.metricsToken] : [])],
  });

  const events = new WorkspaceEvents(workspaces);
  wsRouter.add(events.route());
  const hibernation = new HibernateService({
    workspaces,
    events,
    log: log.child({ module: 'hibernate' }),
    settings: {
      ...DEFAULT_HIBERNATE_SETTINGS,
      warningSeconds: config.hibernateWarningSeconds,
      ...(config.hibernateCheckIntervalMs ? { checkIntervalMs: config.hibernateCheckIntervalMs } : {}),
    },
    beforeHibernate: (id) => terminals.saveForRestore(id),
    keptAwake: (id) => terminals.keepsAwake(id) || lambda.feature.busy(id),
    freeze: (id, frozen) => {
      terminals.freeze(id, frozen);
      lambda.feature.freeze(id, frozen);
    },
  });
  const collab = createCollabFeature({
    db,
    workspaces,
    log,
    options: { maxMessageBytes: config.collabMaxMessageBytes, ...config.collab },
  });
  for (const route of collab.routes) wsRouter.add(route);
  const files = createFilesFeature({ workspaces, events, uploadLimitBytes: config.uploadLimitBytes, log: log.child({ module: 'files' }) });
  const terminals = createTerminalsFeature({
    db,
    workspaces,
    events,
    sandbox,
    log: log.child({ module: 'terminals' }),
    settings: {
      graceMs: config.terminalGraceSeconds * 1000,
      scrollback: config.terminalScrollback,
      checkpointMs: config.terminalCheckpointSeconds * 1000,
    },
    ...(config.terminalMirrorIdleMs !== undefined ? { mirrorIdleMs: config.terminalMirrorIdleMs } : {}),
  });
  wsRouter.add(terminals.wsRoute);
  const lambda = createLambdaFeature(
    {
      workspaces,
      events,
      db,
      signingSecrets: (workspaceId) => auth.signingSecrets(workspaceId),
      principalForToken: (token) => auth.principalForToken(token),
      principalForSession: (session) => auth.principalForSession(session),
      sandbox,
      onAuthenticated,
      observer: metrics.lambda,
      publicUrls,
      settings: {
        region: config.lambdaRegion,
        accountConcurrency: config.lambdaConcurrency,
        unreservedMinimum: config.lambdaUnreservedMinimum,
        idleSeconds: config.lambdaIdleSeconds,
        retryDelaysMs: config.lambdaRetryDelaysMs,
        interpreters: config.lambdaInterpreters,
      },
      log: log.child({ module: 'lambda' }),
    },
    config.lambdaBodyLimits,
  );

  const app = createApp({
    tokenExchange: tokenExchange(auth),
    loginRouter: loginRoutes(auth),
    authenticate: authenticate(auth),
    onAuthenticated,
    hostAllowed,
    log: log.child({ module: 'http' }),
    jsonLimitBytes: config.jsonLimitBytes,
    observeRequest: metrics.observeRequest,
    publicUrls,
    rawRoutes: [
      { prefix: '/metrics', handle: metrics.handle },
      { prefix: '/lambda/', handle: lambda.awsApi },
      { prefix: API_GATEWAY_PREFIX, handle: lambda.apiGateway },
      { prefix: FUNCTION_URL_PREFIX, handle: lambda.apiGateway },
    ],
    rawBodyRouters: [workspaceActivity(workspaces), files.rawBodyRouter],
    routers: [
      workspaceRoutes({ workspaces, events, hibernate: (id) => hibernation.hibernate(id, 'request') }),
      sessionAndShareRoutes({
        auth,
        connections,
        workspaceExists: workspaces.exists,
        publicOrigin: (req) => publicUrls.origin(req),
        sandbox: {
          available: sandbox.available,
          ...(sandbox.unavailableReason ? { reason: sandbox.unavailableReason } : {}),
          terminalWriteGrantable: sandbox.available || config.allowUnsandboxed,
          home: config.sandboxHome,
        },
      }),
      settingsRoutes(new UserSettingsStore(db)),
      searchRoutes({
        workspaces,
        log: log.child({ module: 'search' }),
        ...(config.searchLimits ? { limits: config.searchLimits } : {}),
        ...(config.searchEngine ? { engine: config.searchEngine } : {}),
      }),
      files.router,
      terminals.router,
      collab.router,
      lambda.router,
    ],
    clientDir: config.clientDir ?? path.join(projectRoot, 'dist', 'client'),
    version,
  });

  // HTTP/1.1 and WebSockets (the `upgrade` event) are the same on HTTPS.
  if (tls) {
    log.info(
      {
        cert: tls.certPath,
        selfSigned: tls.selfSigned,
        fingerprint: tls.fingerprint,
        hosts: tls.selfSigned ? config.tls?.hosts : undefined,
      },
      tls.selfSigned ? 'HTTPS with a self-signed certificate (browsers ask once before trusting it)' : 'HTTPS',
    );
  }
  const server = tls ? https.createServer({ cert: tls.cert, key: tls.key }, app) : http.createServer(app);
  connectionGuard.attach(server);
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // uploads and downloads may take long; headersTimeout guards slowloris
  wsRouter.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const url = `${tls ? 'https' : 'http'}://${hostForUrl}:${port}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      hibernation.dispose();
      // Stopping hibernates every running workspace, so that its terminals come back after a restart.
      await Promise.all(workspaces.runningIds().map((id) => hibernation.hibernate(id, 'shutdown')));
      wsRouter.closeAll();
      await workspaces.shutdown();
      await terminals.dispose();
      await lambda.feature.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      db.close();
    })());

  return {
    url,
    port,
    ownerToken,
    config,
    workspaces,
    lambda: lambda.feature,
    terminals: { warmMirrors: () => terminals.warmMirrors() },
    log,
    close,
  };
}

/** `nimbus backup DEST` and `nimbus restore SRC`, with the data dir the other options name. */
async function runDataCommand(command: 'backup' | 'restore', argv: string[]): Promise<void> {
  const [target, ...rest] = argv;
  let dataDir: string;
  try {
    if (!target || target.startsWith('-'))
      throw new ConfigError(`nimbus ${command} needs a folder: nimbus ${command} <folder> [--data-dir <dir>]`);
    const parsed = parseConfig(rest, process.env, process.cwd());
    if (parsed === 'help') {
      process.stdout.write(usage);
      return;
    }
    dataDir = parsed.dataDir;
  } catch (err) {
    process.stderr.write(`nimbus: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const folder = path.resolve(target);
  try {
    const manifest = command === 'backup' ? await backupDataDir(dataDir, folder, version) : await restoreDataDir(folder, dataDir);
    const included = manifest.workspaces.filter((w) => w.included);
    const elsewhere = manifest.workspaces.filter((w) => !w.included);
    const lines =
      command === 'backup'
        ? [
            `Backed up ${dataDir} into ${folder}:`,
            `  the database (${manifest.migrations.length} migrations), ${included.length} workspace(s)`,
          ]
        : [
            `Restored ${folder} (made ${manifest.createdAt} by Nimbus ${manifest.nimbusVersion}) into ${dataDir}:`,
            `  ${included.length} workspace(s)`,
          ];
    if (elsewhere.length) {
      lines.push(
        `  not included, opened from folders of their own: ${elsewhere.map((w) => `${w.name} (${w.openedPath ?? ''})`).join(', ')}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } catch (err) {
    process.stderr.write(`nimbus ${command}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

export async function runCli(argv: string[]): Promise<void> {
  if (argv[0] === 'backup' || argv[0] === 'restore') return runDataCommand(argv[0], argv.slice(1));
  let config: Config;
  try {
    const parsed = parseConfig(argv, process.env, process.cwd());
    if (parsed === 'help') {
      process.stdout.write(usage);
      return;
    }
    config = parsed;
    if (argv.includes('--print-config')) {
      process.stdout.write(describeConfig(config));
      return;
    }
  } catch (err) {
    process.stderr.write(`nimbus: ${(err as Error).message}\n\n${usage}`);
    process.exitCode = 2;
    return;
  }
  // Signals are taken from the start: one that comes while the server starts (a service manager restarting
  // it at once) stops it as soon as it is up, and one right after the URL is printed is never missed (Node's
  // default for SIGTERM would end the process without closing anything).
  let nimbus: NimbusServer | undefined;
  let stopSignal: string | undefined;
  const stop = (signal: string): void => {
    stopSignal ??= signal;
    if (!nimbus) return;
    const running = nimbus;
    running.log.info({ signal }, 'shutting down');
    void running.close().then(() => process.exit(0));
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  // After logrotate (or anyone) moved the log file: write to a new one at its path (never the default, which ends the process).
  const reopen = (): void => {
    reopenLogFiles();
    nimbus?.log.info('log file reopened (SIGHUP)');
  };
  process.on('SIGHUP', reopen);
  try {
    nimbus = await startNimbus(config);
  } catch (err) {
    process.stderr.write(`nimbus: ${(err as Error).message}\n`);
    process.exitCode = 1;
    process.removeAllListeners('SIGINT').removeAllListeners('SIGTERM').off('SIGHUP', reopen);
    return;
  }
  if (stopSignal) return stop(stopSignal);
  // The one place the owner token is printed: the person who started the server needs it to get in. With
  // JSON logs on stdout it goes to stderr, so that stdout holds JSON lines only (and no log has the token).
  const banner = `\nNimbus is running: ${nimbus.url}/?token=${nimbus.ownerToken}\nData: ${config.dataDir}\n\n`;
  (config.logFormat === 'json' ? process.stderr : process.stdout).write(banner);
  nimbus.log.info({ url: nimbus.url, dataDir: config.dataDir }, 'Nimbus is running');
}
