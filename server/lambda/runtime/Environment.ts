import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logger.js';
import type { Launcher } from '../../sandbox/index.js';
import type { FunctionSpec } from '../types.js';
import { credentialKeyOf, credentialSecrets, maskSecrets, maskSecretsIn, secretValues, type AwsCredentials } from '../credentials.js';

/** Environments started with other variables are not reused for a run with these. */
export const environmentKeyOf = (env: Record<string, string> | undefined): string =>
  env && Object.keys(env).length ? JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) : '';
import type { Prepared } from '../build/Builder.js';
import type { InterpreterChoice, Interpreters } from './interpreters.js';
import { InitFailure, launchPlan } from './launch.js';
import { LogCapture } from './LogCapture.js';
import { childrenOf, descendants, peakRss, treePeakRss, treeRss } from './memory.js';
import { heldByTree, loopbackSocketInode } from './peer.js';
import { RuntimeApiServer, type Delivery, type RuntimeResult } from './RuntimeApiServer.js';

const INIT_TIMEOUT_MS = 10_000;
const SAMPLE_MS = 50;

/** What one invocation on one environment came to, before it is dressed as a Lambda response. */
export interface EnvOutcome {
  kind: 'response' | 'error';
  payload: Buffer;
  errorType?: string;
  /** The Content-Type of a streamed response. */
  streamedContentType?: string;
  /** `nodejs:20.20.2`: the interpreter's real version (INIT_START names it), and what to say when it is not the runtime's. */
  runtimeVersion?: string;
  runtimeNote?: string;
  /** REPORT's `Status:` for invocations Lambda ends itself. */
  status?: 'timeout' | 'error';
  durationMs: number;
  /** Set on the invocation that paid for the environment's init. */
  initDurationMs?: number;
  /** Output before START (init, on a cold start) and during the invocation. */
  initLog: string;
  log: string;
  /** Lines Lambda itself adds (a timeout, a runtime that exited, INIT_REPORT). */
  notes: string[];
  maxMemoryBytes: number;
}

interface Pending {
  delivery: Delivery;
  resolve: (outcome: EnvOutcome) => void;
  deliveredAt?: number;
  cold: boolean;
  initLog: string;
  strayLog: string;
  timer?: NodeJS.Timeout;
}

const SIGNAL_TEXT: Record<string, string> = {
  SIGKILL: 'killed',
  SIGTERM: 'terminated',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGINT: 'interrupt',
};

export interface EnvironmentOptions {
  spec: FunctionSpec;
  codeVersion: number;
  /** The only tenant this environment serves (functions with tenant isolation). */
  tenantId?: string;
  /** AWS credentials the function runs with (its environment variables), if the owner gave any. */
  credentials?: AwsCredentials;
  /** What its builds made: where the code is, installed packages, built layers. */
  prepared?: Prepared;
  /** Variables set for the runs it serves, over the template's (the run view's overrides). */
  environment?: Record<string, string>;
  region: string;
  /** Starts the runtime in the workspace's sandbox. */
  launcher: Launcher;
  interpreters: Interpreters;
  log: Logger;
}

/**
 * One execution environment: one OS process running a runtime client against its own Runtime API server.
 * Init runs once; invocations then reuse the process until it times out, crashes, outgrows its memory,
 * or its owner retires it.
 */
export class Environment {
  readonly id = randomUUID().replace(/-/g, '');
  phase: 'starting' | 'idle' | 'busy' | 'dead' = 'starting';
  lastUsedAt = Date.now();
  private child: ChildProcess | undefined;
  /** The runtime's own process: the first process itself, or, in a sandbox, bubblewrap's child. */
  private runtimePid: number | undefined;
  private api: RuntimeApiServer | undefined;
  private readonly logs = new LogCapture();
  private readonly startedAt = performance.now();
  private initDurationMs: number | undefined;
  private initFailure: { errorType: string; payload?: Buffer; message: string } | undefined;
  private initTimer: NodeJS.Timeout | undefined;
  private pending: Pending | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private peakBytes = 0;
  private readonly exitListeners: (() => void)[] = [];
  private tmpDir: string | undefined;
  private finalized = false;
  /** The node or python this environment runs on. */
  private interpreter: InterpreterChoice | undefined;

  private constructor(private readonly opts: EnvironmentOptions) {
    this.credentialKey = credentialKeyOf(opts.credentials);
    this.environmentKey = environmentKeyOf(opts.environment);
    // Never in a log or a response: the credentials' secrets, and the values of secret-looking variables.
    this.secrets = [...credentialSecrets(opts.credentials), ...secretValues({ ...opts.spec.environment, ...opts.environment })];
  }

  private readonly secrets: string[];
  readonly environmentKey: string;

  get spec(): FunctionSpec {
    return this.opts.spec;
  }

  get codeVersion(): number {
    return this.opts.codeVersion;
  }

  get tenantId(): string | undefined {
    return this.opts.tenantId;
  }

  readonly credentialKey: string = '';

  get buildKey(): string {
    return this.opts.prepared?.key ?? '';
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process; init runs in the background and the first invocation waits for it. */
  static async start(opts: EnvironmentOptions): Promise<Environment> {
    const env = new Environment(opts);
    await env.launch();
    return env;
  }

  /** Called once the process is gone (at once if it already is). */
  onExit(listener: () => void): void {
    if (this.finalized) queueMicrotask(listener);
    else this.exitListeners.push(listener);
  }

  /** Runs one invocation. Never rejects: every failure is an outcome, as Lambda reports it. */
  invoke(delivery: Delivery): Promise<EnvOutcome> {
    if (this.phase === 'busy') throw new Error('environment is busy');
    const wasDead = this.phase === 'dead';
    if (!wasDead) this.phase = 'busy';
    this.lastUsedAt = Date.now();
    return new Promise((resolve) => {
      const cold = this.initDurationMs === undefined;
      this.pending = { delivery, resolve, cold, initLog: '', strayLog: '' };
      const onLog = delivery.onLog;
      this.logs.listener = onLog ? (text) => onLog(maskSecrets(text, this.secrets)) : undefined;
      if (this.initFailure) return this.failInit();
      if (wasDead) {
        // Killed between being handed out and being used (the workspace stopping).
        const message = `RequestId: ${delivery.requestId} Error: Runtime exited with error: signal: killed`;
        return this.finish({
          kind: 'error',
          errorType: 'Runtime.ExitError',
          payload: Buffer.from(JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: message })),
          status: 'error',
          notes: [message],
        });
      }
      this.sampler = setInterval(() => this.sample(), SAMPLE_MS);
      this.sampler.unref();
      if (!cold) this.api?.offer(delivery);
    });
  }

  /** Kills the whole process tree at once (SIGKILL: Lambda gives no grace either). Idempotent. */
  kill(): void {
    if (this.phase === 'dead') return;
    this.phase = 'dead';
    clearTimeout(this.initTimer);
    clearInterval(this.sampler);
    const pid = this.child?.pid;
    if (pid !== undefined) {
      const tree = descendants(pid);
      for (const target of [-pid, pid, ...tree]) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.api?.close();
    // Never started (no bootstrap, spawn failed) or already reaped: no 'exit' event will come.
    if (pid === undefined || this.child?.exitCode !== null || this.child?.signalCode !== null) this.finalize();
  }

  dispose(): void {
    this.kill();
  }

  private async launch(): Promise<void> {
    const { prepared } = this.opts;
    // The code as built (esbuild or make artifacts, built layers), when it was.
    const spec = prepared ? { ...this.opts.spec, codeDir: prepared.codeDir, layers: prepared.layers } : this.opts.spec;
    this.tmpDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'nimbus-lambda-'));
    this.api = await RuntimeApiServer.start({
      isOwnPeer: (clientPort, serverPort) => {
        const pid = this.child?.pid;
        const inode = pid === undefined ? undefined : loopbackSocketInode(clientPort, serverPort);
        return inode !== undefined && heldByTree(pid as number, inode);
      },
      onFirstNext: () => this.initialized(),
      onDelivered: (requestId) => this.delivered(requestId),
      onInitError: (errorType, payload) => this.initFailed(errorType, 'init error', payload),
      onResult: (requestId, result) => this.result(requestId, result),
    });
    const d = new Date();
    const logStreamName = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/[$LATEST]${this.id}`;
    let plan;
    try {
      if (!spec.runtime.startsWith('provided')) this.interpreter = await this.opts.interpreters.choose(spec.runtime);
      // In the sandbox the private folder is the function's /tmp, as on Lambda.
      const tmpDir = this.opts.launcher.sandboxed ? '/tmp' : this.tmpDir;
      plan = await launchPlan(spec, {
        region: this.opts.region,
        runtimeApi: this.api.address,
        logStreamName,
        tmpDir,
        ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
        ...(this.opts.environment ? { environment: this.opts.environment } : {}),
        ...(this.interpreter ? { interpreter: this.interpreter } : {}),
        ...(prepared ? { nodePaths: prepared.nodePaths, pythonPaths: prepared.pythonPaths } : {}),
      });
    } catch (err) {
      if (err instanceof InitFailure) this.initFailed(err.errorType, err.message);
      else this.kill(); // nothing started: release the server and the folder, then report the failure
      if (!(err instanceof InitFailure)) throw err;
      return;
    }
    const launch = this.opts.launcher.wrap({
      command: plan.command,
      args: plan.args,
      env: plan.env,
      cwd: spec.codeDir,
      purpose: 'function',
      tmp: this.tmpDir,
      readOnly: [
        ...plan.readOnly,
        spec.codeDir,
        ...spec.layers.map((l) => l.dir),
        ...(prepared ? [...prepared.nodePaths, ...prepared.pythonPaths] : []),
      ],
    });
    // detached: its own process group, so a timeout kills everything the function started (the
    // sandbox's PID namespace ends whatever left the group).
    const child = spawn(launch.command, launch.args, {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.logs.attach(child.stdout);
    this.logs.attach(child.stderr);
    child.on('error', (err: NodeJS.ErrnoException) => {
      this.initFailed(
        err.code === 'ENOENT' || err.code === 'EACCES' ? 'Runtime.InvalidEntrypoint' : 'Runtime.Unknown',
        `cannot start ${plan.command}: ${err.message}`,
      );
    });
    child.on('exit', (code, signal) => this.exited(code, signal));
    this.initTimer = setTimeout(
      () => this.initFailed('Sandbox.Timedout', `Task timed out after ${(INIT_TIMEOUT_MS / 1000).toFixed(2)} seconds`),
      INIT_TIMEOUT_MS,
    );
    this.initTimer.unref();
  }

  private initialized(): void {
    clearTimeout(this.initTimer);
    this.initDurationMs = performance.now() - this.startedAt;
    if (this.pending && this.phase === 'busy') this.api?.offer(this.pending.delivery);
    else if (this.phase === 'starting') this.phase = 'idle';
  }

  /** The runtime took the invocation: its clock starts now. */
  private delivered(requestId: string): void {
    const p = this.pending;
    if (!p || p.delivery.requestId !== requestId) return;
    const before = this.logs.take();
    if (p.cold) p.initLog = before;
    else p.strayLog = before;
    p.deliveredAt = performance.now();
    const { timeout } = this.opts.spec;
    p.timer = setTimeout(() => {
      const seconds = `${timeout.toFixed(2)} seconds`;
      this.kill();
      this.finish({
        kind: 'error',
        errorType: 'Sandbox.Timedout',
        payload: Buffer.from(
          JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds}` }),
        ),
        status: 'timeout',
        notes: [`${new Date().toISOString()} ${requestId} Task timed out after ${seconds}`],
      });
    }, timeout * 1000);
  }

  private result(requestId: string, result: RuntimeResult): void {
    if (this.pending?.delivery.requestId !== requestId) return;
    // The kernel's exact peak (VmHWM), read once per invocation: a spike between samples still counts.
    // One file read on the hot path: the runtime's exact peak (VmHWM), kept by the kernel.
    if (this.overLimit(this.pid ? peakRss(this.mainPid(this.pid)) : 0)) return;
    this.finish({ ...result, notes: [] });
  }

  private finish(outcome: Pick<EnvOutcome, 'kind' | 'payload' | 'errorType' | 'status' | 'notes' | 'streamedContentType'>): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    clearInterval(this.sampler);
    const durationMs = p.deliveredAt === undefined ? 0 : performance.now() - p.deliveredAt;
    if (this.phase === 'busy') this.phase = 'idle';
    this.lastUsedAt = Date.now();
    const maxMemoryBytes = this.peakBytes;
    // Output written before the runtime posted its result is in the pipes already; one turn of the
    // event loop lets it arrive so that it lands in this invocation's log, not the next one's.
    setImmediate(() => {
      this.logs.listener = undefined;
      const mask = (text: string): string => maskSecrets(text, this.secrets);
      const log = mask(p.strayLog + this.logs.take());
      p.resolve({
        ...outcome,
        payload: maskSecretsIn(outcome.payload, this.secrets),
        durationMs,
        ...(p.cold && this.initDurationMs !== undefined ? { initDurationMs: this.initDurationMs } : {}),
        initLog: mask(p.initLog),
        ...(this.interpreter
          ? { runtimeVersion: `${this.opts.spec.runtime.startsWith('nodejs') ? 'nodejs' : 'python'}:${this.interpreter.version}` }
          : {}),
        ...(this.interpreter?.note ? { runtimeNote: this.interpreter.note } : {}),
        log,
        maxMemoryBytes,
      });
    });
  }

  private mainPid(pid: number): number {
    if (!this.opts.launcher.sandboxed) return pid;
    this.runtimePid ??= childrenOf(pid)[0];
    return this.runtimePid ?? pid;
  }

  private sample(): void {
    const pid = this.pid;
    if (pid === undefined || this.phase === 'dead') return;
    this.overLimit(Math.max(treePeakRss(pid), treeRss(pid)));
  }

  /** Records the peak; over the function's MemorySize the environment dies like Lambda's does. */
  private overLimit(bytes: number): boolean {
    this.peakBytes = Math.max(this.peakBytes, bytes);
    if (this.peakBytes <= this.opts.spec.memorySize * 1024 * 1024) return false;
    const message = 'Runtime exited with error: signal: killed';
    if (this.initDurationMs === undefined) {
      this.initFailed('Runtime.OutOfMemory', message);
      return true;
    }
    const requestId = this.pending?.delivery.requestId ?? '';
    this.kill();
    this.finish({
      kind: 'error',
      errorType: 'Runtime.OutOfMemory',
      payload: Buffer.from(JSON.stringify({ errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${requestId} Error: ${message}` })),
      status: 'error',
      notes: [`RequestId: ${requestId} Error: ${message}`, 'Runtime.OutOfMemory'],
    });
    return true;
  }

  private initFailed(errorType: string, message: string, payload?: Buffer): void {
    if (this.initFailure || this.initDurationMs !== undefined) return;
    this.initFailure = { errorType, message, ...(payload ? { payload } : {}) };
    this.kill();
    if (this.pending) this.failInit();
  }

  private failInit(): void {
    const f = this.initFailure;
    const p = this.pending;
    if (!f || !p) return;
    const requestId = p.delivery.requestId;
    p.initLog = this.logs.take();
    const initMs = (performance.now() - this.startedAt).toFixed(2);
    const status = f.errorType === 'Sandbox.Timedout' ? 'timeout' : 'error';
    this.finish({
      kind: 'error',
      errorType: f.errorType,
      payload:
        f.payload ?? Buffer.from(JSON.stringify({ errorType: f.errorType, errorMessage: `RequestId: ${requestId} Error: ${f.message}` })),
      status,
      notes: [`INIT_REPORT Init Duration: ${initMs} ms\tPhase: init\tStatus: ${status}\tError Type: ${f.errorType}`],
    });
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    const how = code !== null ? `exit status ${code}` : `signal: ${SIGNAL_TEXT[signal ?? ''] ?? signal}`;
    // Whoever ended it (a crash, or the workspace stopping), an invocation still waiting gets an answer.
    if (this.initDurationMs === undefined) this.initFailed('Runtime.ExitError', `Runtime exited with error: ${how}`);
    else if (this.pending) {
      const message = `RequestId: ${this.pending.delivery.requestId} Error: Runtime exited with error: ${how}`;
      this.kill();
      this.finish({
        kind: 'error',
        errorType: 'Runtime.ExitError',
        payload: Buffer.from(JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: message })),
        status: 'error',
        notes: [message, 'Runtime.ExitError'],
      });
    }
    this.kill();
    this.finalize();
  }

  /** Once the process is gone: remove its private /tmp and tell the pool. */
  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    const dir = this.tmpDir;
    this.tmpDir = undefined;
    if (dir) void fs.promises.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    for (const listener of this.exitListeners.splice(0)) listener();
  }
}
