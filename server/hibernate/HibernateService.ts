import type { Logger } from '../logger.js';
import type { WorkspaceEvents, WorkspaceService } from '../workspaces/index.js';

export interface HibernateSettings {
  /** How often the idle clocks are read. */
  checkIntervalMs: number;
  /** Open pages are warned this long before a workspace hibernates. */
  warningSeconds: number;
}

export const DEFAULT_HIBERNATE_SETTINGS: HibernateSettings = { checkIntervalMs: 5000, warningSeconds: 60 };

/**
 * Hibernates running workspaces that saw no activity for their `hibernateAfterSeconds` (0: never).
 * Activity is what WorkspaceService.touch records: edits, terminal input and output, invocations,
 * changes through the API, a person using the IDE. Open pages get a warning first, with the time left.
 */
export class HibernateService {
  private readonly timer: NodeJS.Timeout;
  /** Workspaces warned about, with the moment they were due to hibernate when warned. */
  private readonly warned = new Map<string, number>();

  constructor(
    private readonly deps: {
      workspaces: WorkspaceService;
      events: WorkspaceEvents;
      log: Logger;
      settings: HibernateSettings;
      /** Saves what must come back on wake (terminals), before the workspace's resources are released. */
      beforeHibernate: (id: string) => Promise<void>;
      /** Something keeps the workspace awake: a keep-awake terminal, an invocation under way. */
      keptAwake: (id: string) => boolean;
      /** Pauses (SIGSTOP) or resumes (SIGCONT) every process of the workspace. */
      freeze: (id: string, frozen: boolean) => void;
    },
  ) {
    this.timer = setInterval(() => void this.check(), deps.settings.checkIntervalMs);
    this.timer.unref();
    deps.workspaces.onAccessWhilePaused((id) => this.resume(id));
  }

  /** First stage: every process frozen, memory kept; the next access resumes it. */
  pause(id: string): void {
    const { workspaces, events, log } = this.deps;
    if (workspaces.paused.has(id) || !workspaces.peekRuntime(id)) return;
    workspaces.paused.add(id);
    this.deps.freeze(id, true);
    workspaces.setState(id, 'paused', 'idle');
    events.publish(id, { type: 'workspace', state: 'paused', reason: 'idle' });
    log.info({ workspaceId: id }, 'workspace paused');
  }

  resume(id: string): void {
    const { workspaces, events, log } = this.deps;
    if (!workspaces.paused.delete(id)) return;
    this.deps.freeze(id, false);
    workspaces.setState(id, 'running', 'access');
    events.publish(id, { type: 'workspace', state: 'running' });
    log.info({ workspaceId: id }, 'workspace resumed');
  }

  /** Hibernates now: pages are told first, then everything the workspace holds is released. */
  async hibernate(id: string, reason: 'idle' | 'request' | 'shutdown'): Promise<void> {
    const { workspaces, events, log } = this.deps;
    this.warned.delete(id);
    this.resume(id); // a frozen process could not answer its SIGHUP
    try {
      await this.deps.beforeHibernate(id);
    } catch (err) {
      log.error({ err, workspaceId: id }, 'saving the terminals before hibernating failed');
    }
    const idleMs = Date.now() - (workspaces.lastActivity(id) ?? Date.now());
    workspaces.setState(id, 'hibernated', reason);
    events.publish(id, { type: 'workspace', state: 'hibernated', reason });
    await workspaces.disposeRuntime(id);
    log.info({ workspaceId: id, reason, idleSeconds: Math.round(idleMs / 1000) }, 'workspace hibernated');
  }

  dispose(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    const { workspaces, events, settings } = this.deps;
    const now = Date.now();
    for (const id of workspaces.runningIds()) {
      const ws = workspaces.get(id);
      const after = ws?.hibernateAfterSeconds ?? 0;
      const pauseAfter = ws?.pauseAfterSeconds ?? 0;
      const last = workspaces.lastActivity(id);
      if (last === undefined || (after <= 0 && pauseAfter <= 0)) continue;
      if (this.deps.keptAwake(id)) {
        // Awake while the command runs; the idle clock starts again when it ends.
        workspaces.touch(id);
        continue;
      }
      // First stage (optional): frozen, if that comes before hibernating.
      if (pauseAfter > 0 && now >= last + pauseAfter * 1000 && (after <= 0 || pauseAfter < after)) this.pause(id);
      if (after <= 0) continue;
      const due = last + after * 1000;
      if (now >= due) {
        await this.hibernate(id, 'idle').catch((err: unknown) => this.deps.log.error({ err, workspaceId: id }, 'hibernating failed'));
        continue;
      }
      const warnAt = due - Math.min(settings.warningSeconds, after / 2) * 1000;
      if (now >= warnAt && this.warned.get(id) !== due) {
        this.warned.set(id, due);
        events.publish(id, { type: 'hibernating', at: new Date(due).toISOString() });
      } else if (now < warnAt && this.warned.has(id)) {
        // Activity since the warning moved the deadline: the pages drop their countdown.
        this.warned.delete(id);
        events.publish(id, { type: 'hibernating', at: null });
      }
    }
  }
}
