import type { Logger } from '../logger.js';
import type { Concurrency } from './concurrency.js';

export interface QueuedEvent {
  requestId: string;
  functionName: string;
  tenantId?: string;
  /** Queued by the workspace's owner (its AWS credentials may apply). */
  asOwner?: boolean;
  payload: Buffer;
  /** Attempts already made (0 before the first). */
  attempts: number;
  enqueuedAt: number;
}

export interface AsyncQueueDeps {
  concurrency: Concurrency;
  /** Delays before the second and third attempts (Lambda: about 1 and 2 minutes). */
  retryDelaysMs: readonly number[];
  /** Most events waiting at once, per workspace. */
  maxQueued: number;
  /** The function's retry settings, or undefined if it no longer exists. */
  settings(functionName: string): { maxRetryAttempts: number; maxEventAgeSeconds: number } | undefined;
  /** Runs one attempt holding the slice `release` gives back; resolves to whether the function failed. */
  run(event: QueuedEvent, release: () => void): Promise<{ failed: boolean }>;
  log: Logger;
}

/**
 * Lambda's internal queue for asynchronous (`Event`) invocations: accepted at once (202), run when the
 * function has concurrency to spare (a throttle only delays an event), and retried up to twice more when
 * the function fails. Events older than the function's MaximumEventAgeInSeconds are dropped.
 */
export class AsyncQueue {
  private readonly queue: QueuedEvent[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly stopListening: () => void;
  private disposed = false;
  private waitingRetries = 0;

  constructor(private readonly deps: AsyncQueueDeps) {
    this.stopListening = deps.concurrency.onCapacity(() => this.pump());
  }

  get size(): number {
    return this.queue.length + this.waitingRetries;
  }

  /** False when the queue is full (the caller answers 429). */
  enqueue(event: Omit<QueuedEvent, 'attempts' | 'enqueuedAt'>): boolean {
    if (this.disposed || this.size >= this.deps.maxQueued) return false;
    this.queue.push({ ...event, attempts: 0, enqueuedAt: Date.now() });
    queueMicrotask(() => this.pump());
    return true;
  }

  dispose(): void {
    this.disposed = true;
    this.stopListening();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.queue.length > 0)
      this.deps.log.info({ dropped: this.queue.length }, 'asynchronous invocations dropped: the workspace stopped');
    this.queue.length = 0;
  }

  /** Starts every queued event whose function has a free slice; the rest wait for the next release. */
  private pump(): void {
    if (this.disposed) return;
    for (let i = 0; i < this.queue.length;) {
      const event = this.queue[i] as QueuedEvent;
      const settings = this.deps.settings(event.functionName);
      if (!settings || Date.now() - event.enqueuedAt > settings.maxEventAgeSeconds * 1000) {
        this.queue.splice(i, 1);
        this.deps.log.info(
          { requestId: event.requestId, functionName: event.functionName },
          'asynchronous invocation dropped (function gone or event too old)',
        );
        continue;
      }
      const slice = this.deps.concurrency.tryAcquire(event.functionName);
      if (!slice.ok) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      void this.attempt(event, slice.release, settings.maxRetryAttempts);
    }
  }

  private async attempt(event: QueuedEvent, release: () => void, maxRetryAttempts: number): Promise<void> {
    event.attempts++;
    let failed: boolean;
    try {
      failed = (await this.deps.run(event, release)).failed;
    } catch (err) {
      release();
      this.deps.log.error({ err, requestId: event.requestId }, 'asynchronous invocation could not run');
      failed = true;
    }
    if (!failed || this.disposed || event.attempts > maxRetryAttempts) return;
    const delay = this.deps.retryDelaysMs[event.attempts - 1] ?? this.deps.retryDelaysMs.at(-1) ?? 0;
    this.waitingRetries++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waitingRetries--;
      this.queue.push(event);
      this.pump();
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
