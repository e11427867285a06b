import type { Logger } from '../logger.js';
import type { Launcher } from '../sandbox/index.js';
import type { Prepared } from './build/Builder.js';
import { Environment, environmentKeyOf } from './runtime/Environment.js';
import type { Interpreters } from './runtime/interpreters.js';
import { credentialKeyOf, type AwsCredentials } from './credentials.js';
import type { FunctionSpec } from './types.js';

export interface PoolDeps {
  region: string;
  /** How long an environment may sit idle before it is reclaimed. */
  idleMs: number;
  launcher: Launcher;
  interpreters: Interpreters;
  log: Logger;
  /** Registers a live environment with the workspace (hibernate/delete/shutdown kill it) and forgets it. */
  track(env: Environment): void;
  untrack(env: Environment): void;
}

/**
 * The execution environments of one function (one spec): warm ones are reused most-recently-used first,
 * idle ones are reclaimed after `idleMs`, and a code change retires the idle ones at once and the busy
 * ones as soon as their invocation ends.
 */
export class FunctionPool {
  private readonly idle: Environment[] = [];
  private readonly all = new Set<Environment>();
  private codeVersion = 0;
  private retired = false;
  private reaper: NodeJS.Timeout | undefined;

  constructor(
    readonly spec: FunctionSpec,
    private readonly deps: PoolDeps,
  ) {}

  get environments(): number {
    return this.all.size;
  }

  get busy(): number {
    let n = 0;
    for (const env of this.all) if (env.phase === 'busy' || env.phase === 'starting') n++;
    return n;
  }

  /** Process ids of the live environments (tests and the UI look at them). */
  pids(): number[] {
    return [...this.all].map((e) => e.pid).filter((p): p is number => p !== undefined);
  }

  /**
   * A warm idle environment, or a new (cold) one whose init runs as the invocation waits. With tenant
   * isolation an environment only ever serves the tenant it was started for, as on Lambda.
   */
  async acquire(
    tenantId?: string,
    credentials?: AwsCredentials,
    prepared?: Prepared,
    environment?: Record<string, string>,
  ): Promise<Environment> {
    if (this.retired) throw new Error('function pool retired');
    // Credentials are environment variables of the process: one started with others (or none) is not reused.
    const credentialKey = credentialKeyOf(credentials);
    const environmentKey = environmentKeyOf(environment);
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const env = this.idle[i] as Environment;
      if (
        env.tenantId !== tenantId ||
        env.credentialKey !== credentialKey ||
        env.buildKey !== (prepared?.key ?? '') ||
        env.environmentKey !== environmentKey
      )
        continue;
      this.idle.splice(i, 1);
      if (env.phase === 'idle' && env.codeVersion === this.codeVersion) return env;
      env.kill();
    }
    const env = await Environment.start({
      spec: this.spec,
      codeVersion: this.codeVersion,
      ...(tenantId !== undefined ? { tenantId } : {}),
      ...(credentials ? { credentials } : {}),
      ...(prepared ? { prepared } : {}),
      ...(environment && Object.keys(environment).length ? { environment } : {}),
      region: this.deps.region,
      launcher: this.deps.launcher,
      interpreters: this.deps.interpreters,
      log: this.deps.log,
    });
    this.all.add(env);
    this.deps.track(env);
    env.onExit(() => {
      this.all.delete(env);
      const i = this.idle.indexOf(env);
      if (i >= 0) this.idle.splice(i, 1);
      this.deps.untrack(env);
    });
    return env;
  }

  release(env: Environment): void {
    if (env.phase !== 'idle' || this.retired || env.codeVersion !== this.codeVersion) {
      env.kill();
      return;
    }
    this.idle.push(env);
    this.scheduleReap();
  }

  /** The code changed: the next invocation gets a fresh environment; running ones finish on the old code. */
  codeChanged(): void {
    this.codeVersion++;
    for (const env of this.idle.splice(0)) env.kill();
  }

  /** The function's configuration changed or it is gone: this pool takes no more invocations. */
  retire(): void {
    this.retired = true;
    clearTimeout(this.reaper);
    for (const env of this.idle.splice(0)) env.kill();
  }

  dispose(): void {
    this.retire();
    for (const env of this.all) env.kill();
  }

  private scheduleReap(): void {
    if (this.reaper || this.idle.length === 0) return;
    // idle[0] is the least recently used: it expires first.
    const oldest = this.idle[0] as Environment;
    const wait = Math.max(0, oldest.lastUsedAt + this.deps.idleMs - Date.now());
    this.reaper = setTimeout(() => {
      this.reaper = undefined;
      const now = Date.now();
      while (this.idle.length > 0 && now - (this.idle[0] as Environment).lastUsedAt >= this.deps.idleMs) {
        (this.idle.shift() as Environment).kill();
      }
      this.scheduleReap();
    }, wait);
    this.reaper.unref();
  }
}
