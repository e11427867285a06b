import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkspaceEvent } from '../../shared/protocol/events.js';
import type { FileChange } from '../files/index.js';
import type { Logger } from '../logger.js';
import type { Launcher } from '../sandbox/index.js';
import type { WorkspaceRuntime } from '../workspaces/index.js';
import { AsyncQueue } from './AsyncQueue.js';
import { Concurrency } from './concurrency.js';
import { invalidParameter, LambdaError, notFound, throttled } from './errors.js';
import { FunctionPool } from './FunctionPool.js';
import { billedMs, formatInvocationLog } from './logs.js';
import type { ReservationStore } from './ReservationStore.js';
import { BuildFailure, Builder, type Prepared } from './build/Builder.js';
import type { Interpreters } from './runtime/interpreters.js';
import { CFN_RESPONSE_NODE, CFN_RESPONSE_PYTHON } from './runtime/launch.js';
import { descendants, toMb } from './runtime/memory.js';
import { RouteTable } from './apigw/routeTable.js';
import type { RunHistory } from './RunHistory.js';
import { isTemplateConfigPath, isTemplatePath } from './template/discover.js';
import type { AwsCredentials } from './credentials.js';
import type { DiscoveryResult, FunctionSpec, Invocation, LambdaSettings, PseudoParameters, TemplateProblem } from './types.js';

export type { Invocation, LambdaSettings };

export interface FunctionEntry {
  spec: FunctionSpec;
  pool: FunctionPool;
  lastModified: Date;
  /** Workspace-relative folders whose changes are code changes (code and local layers). */
  codeRoots: string[];
}

export interface WorkspaceLambdaDeps {
  workspaceId: string;
  accountId: string;
  runtime: WorkspaceRuntime;
  settings: LambdaSettings;
  reservations: ReservationStore;
  /** Starts the workspace's execution environments in its sandbox. */
  launcher: Launcher;
  /** Reads the workspace's templates (off the event loop: see TemplateThread). */
  discover(root: string, pseudo: PseudoParameters): Promise<DiscoveryResult>;
  /**
   * Subscribes to the workspace's file changes: the unsubscribe, and when the watcher is set up (a change
   * made before then may come without an event).
   */
  watch(listener: (changes: FileChange[]) => void): { stop: () => void; ready: Promise<void> };
  publish(event: WorkspaceEvent): void;
  /** Where every run is kept (the last ones per function). */
  history: RunHistory;
  /** An invocation started or ended: the workspace is in use. */
  onActivity(): void;
  /** The AWS credentials an invocation gets (by the owner, or by a share's user), if any. */
  credentials(asOwner: boolean): Promise<AwsCredentials | undefined>;
  /** Which node or python serves each runtime. */
  interpreters: Interpreters;
  /** Told of every finished invocation and every throttle (the server's metrics). */
  observer?: LambdaObserver;
  log: Logger;
}

export interface LambdaObserver {
  invoked(invocation: Invocation): void;
  throttled(functionName: string): void;
}

export interface InvokeOptions {
  /** X-Amz-Client-Context, decoded. */
  clientContext?: string;
  /** X-Amz-Tenant-Id: required by functions with tenant isolation, refused by the others. */
  tenantId?: string;
  /** Invoked by the workspace's owner (not a share's user): decides which AWS credentials it may get. */
  asOwner?: boolean;
  /** Who invokes, for the run history (`Ann (owner)`, `Lambda API`, `HTTP API`). */
  by?: string;
  /** Environment variables for this run, over the function's (new names too): the run view's overrides. */
  environment?: Record<string, string>;
  /** Told the function's output while it runs (the run view's live log). */
  onLog?: (text: string) => void;
  onChunk?: (chunk: Buffer, contentType: string) => void;
}

interface Execution extends InvokeOptions {
  requestId: string;
  payload: Buffer;
  invocationType: 'RequestResponse' | 'Event';
  attempt: number;
}

/** Lambda's answers when the tenant id and the function's tenancy do not agree. */
function checkTenant(spec: FunctionSpec, tenantId: string | undefined): void {
  if (spec.perTenant && !tenantId)
    throw invalidParameter(
      'The invoked function is enabled with tenancy configuration. Add a valid tenant ID in your request and try again.',
    );
  if (!spec.perTenant && tenantId !== undefined)
    throw invalidParameter(
      'The invoked function is not enabled with tenancy configuration. Remove the tenant ID from your request and try again.',
    );
}

export interface FunctionBuildState {
  state: 'building' | 'built' | 'failed';
  log: string;
  at: string;
}

/** Most of each event, response and build log kept (the run history, the build state). */
const RECENT_BYTES = 64 * 1024;
const MAX_QUEUED_EVENTS = 1000;

/**
 * Lambda for one workspace: the functions its templates declare, their execution environments, the
 * account's concurrency, and the queue of asynchronous invocations. A workspace runtime service: it is
 * created on first use and disposed (every process killed) when the workspace hibernates or stops.
 */
export class WorkspaceLambda {
  readonly concurrency: Concurrency;
  readonly ready: Promise<void>;
  private entries = new Map<string, FunctionEntry>();
  /** Execution environment processes frozen by a pause, to thaw exactly those. */
  private frozen: number[] = [];
  private problems: TemplateProblem[] = [];
  private templates: string[] = [];
  private readonly queue: AsyncQueue;
  private readonly builder: Builder;
  /** The last build of each function (the sidebar shows it while it runs and what it printed). */
  private readonly builds = new Map<string, FunctionBuildState>();
  private readonly inlineDir: string;
  private routes: RouteTable | undefined;
  private reloading: Promise<void> | undefined;
  private reloadAgain = false;
  private stopWatching: () => void = () => undefined;
  private disposed = false;
  /** Invocations under way: the workspace does not hibernate while one runs, however long it takes. */
  private executing = 0;

  constructor(private readonly deps: WorkspaceLambdaDeps) {
    const s = deps.settings;
    this.concurrency = new Concurrency(s.accountConcurrency, s.unreservedMinimum);
    this.inlineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-lambda-inline-'));
    this.queue = new AsyncQueue({
      concurrency: this.concurrency,
      retryDelaysMs: s.retryDelaysMs,
      maxQueued: MAX_QUEUED_EVENTS,
      settings: (name) => this.entries.get(name)?.spec,
      run: async (event, release) => {
        const entry = this.entries.get(event.functionName);
        if (!entry) {
          release();
          return { failed: false };
        }
        const inv = await this.execute(
          entry,
          {
            requestId: event.requestId,
            payload: event.payload,
            invocationType: 'Event',
            attempt: event.attempts,
            asOwner: event.asOwner === true,
            ...(event.tenantId !== undefined ? { tenantId: event.tenantId } : {}),
          },
          release,
        );
        return { failed: inv.functionError !== undefined };
      },
      log: deps.log,
    });
    this.builder = new Builder({
      root: deps.runtime.root,
      launcher: deps.launcher,
      interpreters: deps.interpreters,
      log: deps.log,
      onState: (name, state, log) => {
        this.builds.set(name, { state, log: log.length > RECENT_BYTES ? log.slice(-RECENT_BYTES) : log, at: new Date().toISOString() });
        this.deps.publish({ type: 'lambda', change: 'functions' });
      },
    });
    this.ready = this.reload();
    // Watching starts once the templates are read: the watcher's first walk of a large workspace would
    // compete with the template reader for the same cores (a workspace whose IDE is open is watched
    // already). A file changed before the watcher was ready has no event, so the templates are read once
    // more then (only changed files are parsed again), and builds looked at again.
    void this.ready.then(async () => {
      if (this.disposed) return;
      const watching = deps.watch((changes) => this.filesChanged(changes));
      this.stopWatching = watching.stop;
      await watching.ready;
      if (this.disposed) return;
      this.builder.invalidate();
      void this.reload();
    });
  }

  /** The HTTP routes of the functions as listed now (local HTTP APIs: see apigw/gateway.ts). */
  routeTable(): RouteTable {
    this.routes ??= new RouteTable([...this.entries.values()].map((e) => e.spec));
    return this.routes;
  }

  get workspaceId(): string {
    return this.deps.workspaceId;
  }

  get region(): string {
    return this.deps.settings.region;
  }

  get accountId(): string {
    return this.deps.accountId;
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Pauses (SIGSTOP) or resumes every execution environment's processes; warm ones stay warm. */
  freeze(frozen: boolean): void {
    if (!frozen) {
      for (const pid of this.frozen.splice(0)) signalQuietly(pid, 'SIGCONT');
      return;
    }
    for (const entry of this.entries.values()) {
      for (const pid of entry.pool.pids()) {
        for (const p of [pid, ...descendants(pid)]) {
          if (signalQuietly(p, 'SIGSTOP')) this.frozen.push(p);
        }
      }
    }
  }

  list(): FunctionEntry[] {
    return [...this.entries.values()];
  }

  /**
   * A function by its name, or by its logical ID when no other template has one with the same ID (as
   * `sam local invoke HelloWorldFunction` names it).
   */
  get(name: string): FunctionEntry | undefined {
    const entry = this.entries.get(name);
    if (entry) return entry;
    let found: FunctionEntry | undefined;
    for (const e of this.entries.values()) {
      if (e.spec.logicalId !== name) continue;
      if (found) return undefined;
      found = e;
    }
    return found;
  }

  /** The last build of a function, if it had one. */
  buildOf(name: string): FunctionBuildState | undefined {
    return this.builds.get(name);
  }

  templateProblems(): TemplateProblem[] {
    return this.problems;
  }

  /** Re-reads every template (serialised: a change during a reload triggers one more). */
  reload(): Promise<void> {
    if (this.reloading) {
      this.reloadAgain = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.reloadAgain = false;
        await this.readTemplates();
      } while (this.reloadAgain && !this.disposed);
    })().finally(() => {
      this.reloading = undefined;
    });
    return this.reloading;
  }

  /**
   * A synchronous invocation: throttled at once when the function has no free concurrency. `onChunk`
   * is told each piece of a response the function streams, as it comes.
   */
  async invoke(nameOrId: string, payload: Buffer, options: InvokeOptions = {}): Promise<Invocation> {
    const entry = this.get(nameOrId);
    if (!entry) throw notFound(this.functionArn(nameOrId));
    checkTenant(entry.spec, options.tenantId);
    const slice = this.concurrency.tryAcquire(entry.spec.name);
    if (!slice.ok) {
      this.deps.observer?.throttled(entry.spec.name);
      throw throttled(slice.reason);
    }
    return this.execute(
      entry,
      { requestId: randomUUID(), payload, invocationType: 'RequestResponse', attempt: 1, ...options },
      slice.release,
    );
  }

  /** An asynchronous invocation: queued, run when there is concurrency, retried on failure. */
  enqueue(nameOrId: string, payload: Buffer, tenantId?: string, asOwner = false): string {
    const entry = this.get(nameOrId);
    if (!entry) throw notFound(this.functionArn(nameOrId));
    checkTenant(entry.spec, tenantId);
    const requestId = randomUUID();
    if (
      !this.queue.enqueue({ requestId, functionName: entry.spec.name, payload, asOwner, ...(tenantId !== undefined ? { tenantId } : {}) })
    ) {
      this.deps.observer?.throttled(entry.spec.name);
      throw throttled('FunctionInvocationRateLimitExceeded');
    }
    return requestId;
  }

  /** The owner changed which credentials functions get: environments started with the old ones are not reused. */
  credentialsChanged(): void {
    for (const entry of this.entries.values()) entry.pool.codeChanged();
  }

  /** Put/DeleteFunctionConcurrency: remembered until the template's own value changes. */
  setReserved(nameOrId: string, value: number | undefined): void {
    const entry = this.get(nameOrId);
    if (!entry) throw notFound(this.functionArn(nameOrId));
    const name = entry.spec.name;
    this.concurrency.setReserved(name, value);
    this.deps.reservations.save(this.deps.workspaceId, name, { reserved: value, templateValue: entry.spec.reservedConcurrency });
    this.deps.publish({ type: 'lambda', change: 'functions' });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stopWatching();
    this.queue.dispose();
    for (const entry of this.entries.values()) entry.pool.dispose();
    fs.rmSync(this.inlineDir, { recursive: true, force: true });
  }

  private async execute(entry: FunctionEntry, inv: Execution, release: () => void): Promise<Invocation> {
    this.executing++;
    this.deps.onActivity();
    try {
      return await this.executeNow(entry, inv, release);
    } finally {
      this.executing--;
      this.deps.onActivity(); // the idle clock starts when the invocation ends, not when it began
    }
  }

  /** Whether an invocation is under way. */
  get busy(): boolean {
    return this.executing > 0;
  }

  private async executeNow(entry: FunctionEntry, inv: Execution, release: () => void): Promise<Invocation> {
    const { pool } = entry;
    const spec = pool.spec;
    const startedAt = new Date().toISOString();
    let env;
    let credentials: AwsCredentials | undefined;
    try {
      credentials = await this.deps.credentials(inv.asOwner === true);
    } catch (err) {
      release();
      throw err;
    }
    // Built first (or found built): dependencies, esbuild, make, layers. A failed build is this call's failure.
    let prepared: Prepared;
    try {
      prepared = await this.builder.prepare(spec);
    } catch (err) {
      release();
      if (!(err instanceof BuildFailure)) throw err;
      return this.record(inv, {
        requestId: inv.requestId,
        functionName: spec.name,
        invocationType: inv.invocationType,
        attempt: inv.attempt,
        startedAt,
        payload: Buffer.from(JSON.stringify({ errorType: 'Nimbus.BuildFailed', errorMessage: err.message })),
        functionError: 'Unhandled',
        errorType: 'Nimbus.BuildFailed',
        log: err.log,
        durationMs: 0,
        billedDurationMs: 0,
        memorySizeMb: spec.memorySize,
        maxMemoryUsedMb: 0,
      });
    }
    try {
      if (this.disposed) throw new Error('the workspace is stopping');
      env = await pool.acquire(inv.tenantId, credentials, prepared, inv.environment);
    } catch (err) {
      release();
      throw new LambdaError('ServiceException', 500, `could not start an execution environment: ${(err as Error).message}`);
    }
    const traceId = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0`;
    let outcome;
    try {
      outcome = await env.invoke({
        requestId: inv.requestId,
        payload: inv.payload,
        invokedFunctionArn: this.functionArn(spec.name),
        traceId,
        timeoutMs: spec.timeout * 1000,
        ...(inv.clientContext ? { clientContext: inv.clientContext } : {}),
        ...(inv.tenantId !== undefined ? { tenantId: inv.tenantId } : {}),
        ...(inv.onChunk ? { onChunk: inv.onChunk } : {}),
        ...(inv.onLog ? { onLog: inv.onLog } : {}),
      });
    } finally {
      pool.release(env);
      release();
    }
    const invocation: Invocation = {
      requestId: inv.requestId,
      functionName: spec.name,
      invocationType: inv.invocationType,
      attempt: inv.attempt,
      startedAt,
      payload: outcome.payload,
      ...(outcome.kind === 'error'
        ? { functionError: 'Unhandled' as const, ...(outcome.errorType ? { errorType: outcome.errorType } : {}) }
        : {}),
      // What a build printed for this call comes first, as `sam build`'s output before `sam local invoke`'s.
      log: prepared.log + formatInvocationLog(inv.requestId, outcome, spec.memorySize, spec.runtime),
      durationMs: outcome.durationMs,
      billedDurationMs: billedMs(outcome.durationMs),
      memorySizeMb: spec.memorySize,
      maxMemoryUsedMb: toMb(outcome.maxMemoryBytes),
      ...(outcome.initDurationMs !== undefined ? { initDurationMs: outcome.initDurationMs } : {}),
      ...(outcome.streamedContentType !== undefined ? { streamedContentType: outcome.streamedContentType } : {}),
    };
    return this.record(inv, invocation);
  }

  /** Keeps an invocation in the run history, and tells the workspace. */
  private record(inv: Execution, invocation: Invocation): Invocation {
    this.deps.history.add(this.deps.workspaceId, {
      ...invocation,
      // Cut before decoding: a 6 MB response is not turned into text to keep 64 KB of it.
      payload: invocation.payload.subarray(0, RECENT_BYTES).toString('utf8'),
      event: inv.payload.subarray(0, RECENT_BYTES).toString('utf8'),
      by: inv.by ?? (inv.invocationType === 'Event' ? 'asynchronous invocation' : 'Lambda API'),
    });
    this.deps.publish({ type: 'lambda', change: 'invocation', functionName: invocation.functionName });
    this.deps.observer?.invoked(invocation);
    return invocation;
  }

  private async readTemplates(): Promise<void> {
    let result: DiscoveryResult;
    try {
      result = await this.deps.discover(this.deps.runtime.root, { region: this.region, accountId: this.accountId });
    } catch (err) {
      result = {
        functions: [],
        problems: [{ file: '.', message: `the templates could not be read: ${(err as Error).message}` }],
        templates: this.templates,
      };
    }
    if (this.disposed) return;
    const problems = [...result.problems];
    const next = new Map<string, FunctionEntry>();
    for (const spec of result.functions) {
      if (spec.inlineCode !== undefined) spec.codeDir = await this.writeInlineCode(spec);
      // Which interpreter will serve it is known now (versions are read once per binary, not on a cold start).
      if (!spec.runtime.startsWith('provided')) {
        const interpreter = await this.deps.interpreters.choose(spec.runtime);
        if (!interpreter) spec.warnings.push(`no interpreter for ${spec.runtime} was found on this server`);
        else if (interpreter.note) spec.warnings.push(interpreter.note);
      }
      if (this.disposed) return;
      const old = this.entries.get(spec.name);
      if (old && JSON.stringify(old.spec) === JSON.stringify(spec)) {
        next.set(spec.name, old);
        continue;
      }
      const pool = new FunctionPool(spec, {
        region: this.region,
        idleMs: this.deps.settings.idleSeconds * 1000,
        launcher: this.deps.launcher,
        interpreters: this.deps.interpreters,
        log: this.deps.log,
        track: (env) => this.deps.runtime.disposables.add(env),
        untrack: (env) => this.deps.runtime.disposables.delete(env),
      });
      const root = this.deps.runtime.root;
      const codeRoots = [
        ...(spec.codeUri !== undefined ? [spec.codeUri] : []),
        ...spec.layers.map((l) => path.relative(root, l.dir).split(path.sep).join('/')),
      ];
      next.set(spec.name, { spec, pool, lastModified: new Date(), codeRoots });
    }
    problems.push(...this.applyReservations(next));
    for (const [name, old] of this.entries) if (next.get(name) !== old) old.pool.retire();
    this.entries = next;
    this.routes = undefined;
    this.problems = problems;
    this.templates = result.templates;
    this.deps.publish({ type: 'lambda', change: 'functions' });
  }

  /** Template values, overridden by what the API set while the template value stays the same. */
  private applyReservations(next: Map<string, FunctionEntry>): TemplateProblem[] {
    const stored = this.deps.reservations.load(this.deps.workspaceId);
    const wanted: [string, number][] = [];
    for (const [name, entry] of next) {
      let value = entry.spec.reservedConcurrency;
      const override = stored.get(name);
      if (override && override.templateValue === value) value = override.reserved;
      else if (override) this.deps.reservations.remove(this.deps.workspaceId, name);
      if (value !== undefined) wanted.push([name, value]);
    }
    const problems: TemplateProblem[] = [];
    for (const { name, message } of this.concurrency.resetReservations(wanted)) {
      const entry = next.get(name) as FunctionEntry;
      next.delete(name);
      entry.pool.retire();
      problems.push({
        file: entry.spec.template,
        line: entry.spec.line,
        logicalId: entry.spec.logicalId,
        message: `${entry.spec.logicalId}: ${message}`,
      });
    }
    return problems;
  }

  /**
   * Inline code (ZipFile / InlineCode) in a private folder, as Lambda packages it: `index.js` or
   * `index.py`, with the `cfn-response` / `cfnresponse` module beside it for custom resources.
   */
  private async writeInlineCode(spec: FunctionSpec): Promise<string> {
    const dir = path.join(this.inlineDir, spec.name);
    const python = spec.runtime.startsWith('python');
    const files: [string, string][] = [
      [python ? 'index.py' : 'index.js', spec.inlineCode ?? ''],
      python
        ? ['cfnresponse.py', await fs.promises.readFile(CFN_RESPONSE_PYTHON, 'utf8')]
        : ['node_modules/cfn-response/index.js', await fs.promises.readFile(CFN_RESPONSE_NODE, 'utf8')],
    ];
    for (const [rel, text] of files) {
      const file = path.join(dir, rel);
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const current = await fs.promises.readFile(file, 'utf8').catch(() => undefined);
      if (current !== text) await fs.promises.writeFile(file, text);
    }
    return dir;
  }

  private filesChanged(changes: FileChange[]): void {
    let templatesChanged = false;
    let buildOutputRemoved = false;
    const touched = new Set<FunctionEntry>();
    for (const c of changes) {
      // Builds write their artifacts there: they are not changes to anyone's code.
      if (c.path === '.aws-sam' || c.path.startsWith('.aws-sam/')) {
        if (c.kind === 'unlink' || c.kind === 'unlinkDir') buildOutputRemoved = true;
        continue;
      }
      // Python caches what it compiled beside the sources as it imports them (a function's first run
      // writes them): derived from the sources, whose own changes are reported.
      if (c.path.endsWith('.pyc') || c.path.split('/').includes('__pycache__')) continue;
      if (
        isTemplatePath(c.path) ||
        isTemplateConfigPath(c.path) ||
        this.templates.includes(c.path) ||
        (c.kind === 'unlinkDir' && this.templates.some((t) => t.startsWith(`${c.path}/`)))
      )
        templatesChanged = true;
      for (const entry of this.entries.values()) {
        if (entry.codeRoots.some((r) => r === '' || c.path === r || c.path.startsWith(`${r}/`))) touched.add(entry);
      }
    }
    if (touched.size > 0) this.builder.invalidate();
    else if (buildOutputRemoved) this.builder.forgetPrepared();
    for (const entry of touched) {
      entry.pool.codeChanged();
      entry.lastModified = new Date();
    }
    if (templatesChanged) void this.reload().catch((err: unknown) => this.deps.log.error({ err }, 'reading templates failed'));
    else if (touched.size > 0) this.deps.publish({ type: 'lambda', change: 'functions' });
  }
}

function signalQuietly(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}
