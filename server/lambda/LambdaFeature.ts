import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Principal } from '../auth/index.js';
import type { PublicUrls } from '../http/index.js';
import { fileWatcherOf } from '../files/index.js';
import type { Logger } from '../logger.js';
import type { Sandbox } from '../sandbox/index.js';
import type { Db } from '../store/index.js';
import type { WorkspaceEvents, WorkspaceService } from '../workspaces/index.js';
import { CredentialStore, ServerCredentials, type AwsCredentials } from './credentials.js';
import { PublicApis } from './apigw/PublicApis.js';
import { RunHistory } from './RunHistory.js';
import { LambdaError } from './errors.js';
import { ReservationStore } from './ReservationStore.js';
import { Interpreters } from './runtime/interpreters.js';
import { TemplateThread } from './template/TemplateThread.js';
import { WorkspaceLambda, type LambdaObserver, type LambdaSettings } from './WorkspaceLambda.js';

export const LAMBDA_SERVICE = 'lambda';
const CODE_URL_SECONDS = 600;

export interface LambdaFeatureDeps {
  workspaces: WorkspaceService;
  events: WorkspaceEvents;
  db: Db;
  /** Secrets that may sign SigV4 requests for a workspace, most likely first (the auth feature's AuthService). */
  signingSecrets(workspaceId: string): Iterable<{ secret: string; principal: Principal }>;
  settings: LambdaSettings;
  sandbox: Sandbox;
  /** The principal of a Nimbus token, or of a browser session (the local HTTP APIs authenticate as the IDE does). */
  principalForToken(token: string): Principal | undefined;
  principalForSession(sessionId: string): Principal | undefined;
  /** Told of every Lambda API request whose signature checked out. */
  onAuthenticated?: (req: IncomingMessage) => void;
  /** Told of every invocation and throttle (metrics). */
  observer?: LambdaObserver;
  /** Where browsers and SDKs reach the server (base path, a trusted proxy's origin); plain `http://<Host>/` without. */
  publicUrls?: Pick<PublicUrls, 'basePath' | 'origin' | 'originalUrl'>;
  log: Logger;
}

/** Lambda across workspaces: finds (or starts) each workspace's service and signs code download URLs. */
export class LambdaFeature {
  private readonly reservations: ReservationStore;
  readonly credentialChoices: CredentialStore;
  readonly publicApis: PublicApis;
  readonly history: RunHistory;
  readonly serverCredentials = new ServerCredentials();
  /** Per-process key for Code.Location URLs: they live ten minutes, so a restart may void them. */
  private readonly urlKey = randomBytes(32);
  private readonly templates = new TemplateThread();
  readonly interpreters: Interpreters;

  constructor(readonly deps: LambdaFeatureDeps) {
    this.reservations = new ReservationStore(deps.db);
    this.credentialChoices = new CredentialStore(deps.db);
    this.publicApis = new PublicApis(deps.db);
    this.history = new RunHistory(deps.db);
    this.interpreters = new Interpreters(deps.settings.interpreters);
    // The template reader is ready before the first function list is asked for.
    this.templates.warm();
  }

  get settings(): LambdaSettings {
    return this.deps.settings;
  }

  /** A 12-digit account id per workspace (its "AWS account"), stable across restarts. */
  accountIdOf(workspaceId: string): string {
    const n = BigInt(`0x${createHash('sha256').update(workspaceId).digest('hex').slice(0, 15)}`) % 10n ** 12n;
    return n.toString().padStart(12, '0');
  }

  /** The workspace's Lambda service, templates read; wakes the workspace if it was hibernated. */
  async service(workspaceId: string): Promise<WorkspaceLambda> {
    const { workspaces } = this.deps;
    const running = workspaces.peekRuntime(workspaceId);
    const existing = running?.disposables.isDisposed ? undefined : running?.peekService<WorkspaceLambda>(LAMBDA_SERVICE);
    if (existing) {
      // Reaching it resumes a paused workspace; only invocations count as activity (see onActivity).
      workspaces.accessed(workspaceId);
      await existing.ready;
      return existing;
    }
    const runtime = workspaces.runtime(workspaceId);
    const log = this.deps.log.child({ workspaceId });
    const svc = runtime.service(
      LAMBDA_SERVICE,
      () =>
        new WorkspaceLambda({
          workspaceId,
          accountId: this.accountIdOf(workspaceId),
          runtime,
          settings: this.deps.settings,
          reservations: this.reservations,
          launcher: this.deps.sandbox.forWorkspace(workspaceId, runtime.root),
          discover: (root, pseudo) =>
            this.templates.discover(root, pseudo, path.join(workspaces.cacheDir(workspaceId), 'lambda-templates.bin')),
          watch: (listener) => {
            const watcher = fileWatcherOf(workspaces, workspaceId, log);
            return { stop: watcher.onChange((changes) => listener(changes)), ready: watcher.ready };
          },
          publish: (event) => this.deps.events.publish(workspaceId, event),
          history: this.history,
          // Invocations keep the workspace awake (touch writes the database at most once a second).
          onActivity: () => workspaces.touch(workspaceId),
          credentials: (asOwner) => this.credentialsFor(workspaceId, asOwner),
          interpreters: this.interpreters,
          ...(this.deps.observer ? { observer: this.deps.observer } : {}),
          log,
        }),
    );
    await svc.ready;
    return svc;
  }

  /**
   * The server's AWS credentials for one invocation: only when the workspace's owner chose a profile, and
   * for an invocation by a share's user only if the owner allowed that too.
   */
  async credentialsFor(workspaceId: string, asOwner: boolean): Promise<AwsCredentials | undefined> {
    const choice = this.credentialChoices.get(workspaceId);
    if (!choice || (!asOwner && !choice.forShares)) return undefined;
    try {
      return await this.serverCredentials.get(choice.profile);
    } catch (err) {
      throw new LambdaError(
        'ServiceException',
        500,
        `the AWS credentials of profile ${choice.profile} could not be loaded on the server: ${(err as Error).message}`,
      );
    }
  }

  /** Whether an invocation of the workspace is under way (it must not hibernate meanwhile). */
  busy(workspaceId: string): boolean {
    return this.peek(workspaceId)?.busy ?? false;
  }

  /** Pauses or resumes the workspace's execution environments (if it has any). */
  freeze(workspaceId: string, frozen: boolean): void {
    this.peek(workspaceId)?.freeze(frozen);
  }

  /** Ends the template thread (after the workspaces are shut down). */
  dispose(): Promise<void> {
    this.history.dispose();
    return this.templates.dispose();
  }

  /** The running service, if any, without starting one (tests and benchmarks look inside). */
  peek(workspaceId: string): WorkspaceLambda | undefined {
    return this.deps.workspaces.peekRuntime(workspaceId)?.peekService<WorkspaceLambda>(LAMBDA_SERVICE);
  }

  /** The server's URL for this request, base path included (`https://ide.example.com/ide`). */
  publicBase(req: IncomingMessage): string {
    const urls = this.deps.publicUrls;
    return urls ? `${urls.origin(req)}${urls.basePath}` : `http://${req.headers.host ?? 'localhost'}`;
  }

  /** The URL as the client sent it (a SigV4 signature covers the base path too). */
  originalUrl(req: IncomingMessage): string {
    return this.deps.publicUrls?.originalUrl(req) ?? req.url ?? '/';
  }

  /** GetFunction's Code.Location: a URL that downloads the code as a zip for ten minutes, no signing needed. */
  codeUrl(origin: string, workspaceId: string, name: string, now = Date.now()): string {
    const expires = Math.floor(now / 1000) + CODE_URL_SECONDS;
    const signature = this.codeSignature(workspaceId, name, expires);
    return `${origin}/lambda/${encodeURIComponent(workspaceId)}/code/${encodeURIComponent(name)}.zip?expires=${expires}&signature=${signature}`;
  }

  codeUrlValid(workspaceId: string, name: string, expires: string, signature: string): boolean {
    const exp = Number(expires);
    if (!Number.isInteger(exp) || exp * 1000 < Date.now()) return false;
    const expected = Buffer.from(this.codeSignature(workspaceId, name, exp), 'hex');
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private codeSignature(workspaceId: string, name: string, expires: number): string {
    return createHmac('sha256', this.urlKey).update(`${workspaceId}\n${name}\n${expires}`).digest('hex');
  }
}
