import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../workerThread.js';
import type { DiscoveryResult, PseudoParameters } from '../types.js';

interface Pending {
  resolve: (result: DiscoveryResult) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Templates come from workspaces, so they are parsed and evaluated in a thread of their own, shared by
 * every workspace: however slow one is to read, the server's event loop goes on serving everyone. The
 * evaluator has its own budget (intrinsics.ts); past `timeoutMs` the thread is ended and started anew.
 */
export class TemplateThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly timeoutMs = 20_000) {}

  /** Reads the templates of the workspace at `root`; `cacheFile` keeps what was parsed for the next start. */
  discover(root: string, pseudo: PseudoParameters, cacheFile?: string): Promise<DiscoveryResult> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.restart(new Error(`reading the templates took longer than ${this.timeoutMs / 1000} s`)),
        this.timeoutMs,
      );
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      worker.postMessage({ id, root, pseudo, cacheFile });
    });
  }

  /**
   * Starts the thread ahead of the first request and has it read a sample template once: loading the
   * YAML library happens before anyone waits for a function list (more warming would delay a request
   * that comes at once).
   */
  warm(): void {
    this.ensureWorker().postMessage({ warm: true });
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.restart(new Error('the server is stopping'));
    await worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(import.meta.url, 'discoverWorker');
    worker.unref();
    worker.on('message', (message: { id: number; result?: DiscoveryResult; error?: string }) => {
      const p = this.pending.get(message.id);
      if (!p) return;
      this.pending.delete(message.id);
      clearTimeout(p.timer);
      if (message.result) p.resolve(message.result);
      else p.reject(new Error(message.error ?? 'reading the templates failed'));
    });
    worker.on('error', (err) => this.restart(err));
    worker.on('exit', () => {
      if (this.worker === worker) this.restart(new Error('the template thread stopped'));
    });
    this.worker = worker;
    return worker;
  }

  /** Ends the thread (stuck or broken) and fails what it had; the next request starts a new one. */
  private restart(err: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
